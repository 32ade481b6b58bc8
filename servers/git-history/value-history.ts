import { valueOf, type Setting } from "./cosmetic.js";
import { hunkAt, type ShapeCache } from "./shapes.js";
import { traceLines, type TracedLine } from "./trace.js";

/**
 * A setting's values, newest first, each with the commit that set it: from the commit that decided the current
 * value, the line its hunk replaced that set the same key holds the value before, whose own deciding commit is
 * found by the same blame walk; and so on back. Unlike `git log -L`, this never drifts onto a neighbouring line
 * that sets the same key (a table of tags, each with its `test:`).
 */
export interface ValueStep {
  /** The value as written. */
  value: string;
  /** The value as compared (numbers by value). */
  compared: string;
  commit: string;
  /** Where the line setting it was in that commit (path:line). */
  at: string;
}

const MAX_VALUES = 6;

export async function valueSteps(shapes: ShapeCache, repo: string, decided: TracedLine["decided"], setting: Pick<Setting, "key" | "value" | "text">): Promise<ValueStep[]> {
  const steps: ValueStep[] = [{ value: setting.text, compared: setting.value, commit: decided.commit, at: `${decided.origPath}:${decided.origLine}` }];
  let row = decided;
  while (steps.length < MAX_VALUES && !row.uncommitted) {
    const shape = await shapes.get(row.commit);
    const at = hunkAt(shape, row.origPath, row.origLine);
    if (!shape.parent || !at?.hunk.removed) break;
    const { hunk, file } = at;
    const removed = hunk.removed ?? [];
    const candidates = removed.flatMap((text, k) => {
      const v = valueOf(text, setting.key);
      return v ? [{ k, v }] : [];
    });
    if (candidates.length === 0) break; // the key was first set here
    // The replaced line at the same relative place in the hunk: a table's neighbours set the same key too.
    const place = hunk.newLines > 1 ? (row.origLine - hunk.newStart) / (hunk.newLines - 1) : 0;
    const spot = (k: number) => Math.abs((removed.length > 1 ? k / (removed.length - 1) : 0) - place);
    const previous = candidates.reduce((best, c) => (spot(c.k) < spot(best.k) ? c : best));
    const [traced] = await traceLines(shapes, repo, file.oldPath ?? file.path, { start: hunk.oldStart + previous.k, end: hunk.oldStart + previous.k }, shape.parent);
    if (!traced) break;
    steps.push({ value: previous.v.text, compared: previous.v.value, commit: traced.decided.commit, at: `${traced.decided.origPath}:${traced.decided.origLine}` });
    row = traced.decided;
  }
  return steps;
}
