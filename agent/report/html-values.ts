import { h, join, type Markup } from "./html-markup.js";
import { clip } from "./text.js";

/**
 * Values as a reader compares them: JSON laid out over lines when it is long, each leaf that differs from the
 * other side's value at the same place marked, and a long value folded under a preview. Values are snapshots
 * from the sandbox (JSON with tagged objects such as `{"$date": …}`), so anything JSON can say may come.
 */

/** Past this many characters of JSON a value is folded under its preview. */
const FOLD = 400;
/** Past this many characters a value is shown as clipped text, unmarked (the JSON report has all of it). */
export const MAX_VALUE = 10_000;
/** A subtree whose JSON is at most this long stays on one line. */
const INLINE = 72;

/** JSON text of any value, never throwing (a cycle or a BigInt falls back to String). */
export function jsonOf(v: unknown, space?: number): string {
  try {
    return JSON.stringify(v, null, space) ?? String(v);
  } catch {
    return String(v);
  }
}

const same = (a: unknown, b: unknown) => jsonOf(a) === jsonOf(b);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * One value as JSON markup, laid over lines when its JSON is long. `other` is the value at the same place on the
 * other side, compared only when `compare` (an index or key the other side has): a leaf that differs is marked,
 * and so is a whole container opposite a value of another kind.
 */
function pretty(v: unknown, other: unknown, compare: boolean, indent: string): Markup {
  const differs = compare && !same(v, other);
  const flat = jsonOf(v);
  const kindOf = (x: unknown) => (Array.isArray(x) ? "array" : isObject(x) ? "object" : "leaf");
  if (kindOf(v) === "leaf" || (differs && kindOf(v) !== kindOf(other))) {
    const text = flat.length > INLINE ? jsonOf(v, 2).replace(/\n/g, `\n${indent}`) : flat;
    return differs ? h`<mark>${text}</mark>` : h`${text}`;
  }
  const lines = flat.length > INLINE;
  const inner = lines ? `${indent}  ` : indent;
  const o = (other ?? {}) as Record<string, unknown>;
  const items = Array.isArray(v)
    ? v.map((x, i) => pretty(x, o[i], compare && i < (other as unknown[]).length, inner))
    : Object.entries(v as Record<string, unknown>).map(([k, x]) => h`${JSON.stringify(k)}: ${pretty(x, o[k], compare && Object.hasOwn(o, k), inner)}`);
  const [open, close] = Array.isArray(v) ? ["[", "]"] : ["{", "}"];
  if (!items.length) return h`${open}${close}`;
  if (!lines) return h`${open}${join(items.map((m, i) => h`${i ? ", " : ""}${m}`))}${close}`;
  return h`${open}\n${join(items.map((m, i) => h`${inner}${m}${i < items.length - 1 ? "," : ""}\n`))}${indent}${close}`;
}

/**
 * A value for a `<td>` or a side panel: a `<pre>` of its JSON with what differs from `other` marked, folded
 * under a preview when long. `compare: false` for a value with nothing opposite (an added effect).
 */
export function valueBlock(v: unknown, other: unknown, options: { compare?: boolean; max?: number } = {}): Markup {
  if (v === undefined) return h`<span class="none">no value</span>`;
  const flat = jsonOf(v);
  const max = options.max ?? MAX_VALUE;
  const body =
    flat.length > max
      ? h`<pre class="value">${clip(jsonOf(v, 2), max)}</pre><p class="note">Clipped at ${max.toLocaleString("en")} of ${flat.length.toLocaleString("en")} characters: the JSON report (<code>--format json</code>) has all of it.</p>`
      : h`<pre class="value">${pretty(v, other, options.compare ?? true, "")}</pre>`;
  if (flat.length <= FOLD) return body;
  return h`<details class="fold"><summary><code>${clip(flat, 90)}</code> <span class="size">${flat.length.toLocaleString("en")} characters</span></summary>${body}</details>`;
}

/** A value on one short line, for SVG labels and summaries. */
export const shortValue = (v: unknown, max = 48) => (v === undefined ? "no value" : clip(jsonOf(v), max));
