import type { PackageApi } from "./ticket-repro-api.js";
import { snippetCalls, type SnippetCall } from "./ticket-repro-call.js";
import { expectationLines, statedExpectation, type StatedExpectation } from "./ticket-repro-expect.js";
import { JS_LANGS, OUTCOME_SECTION, REPRODUCE_SECTION, reportParts, type CodeBlock } from "./ticket-repro-text.js";

/**
 * A bug report's reproduction as one scenario step: the call of the package's API its snippet makes (or, when
 * it gives only an input in a "To reproduce" section, the documented entry that takes text), with the
 * snippet's literal arguments, and the stated expectation as the step's `expect:`. A snippet that is a whole
 * program is reduced to its first API call whose arguments are all known: a step calls one function.
 */
export interface TicketStep {
  call: string;
  args: unknown[];
  expect: string[];
  /** How the step was read from the report, in words. */
  how: string;
  expectation: StatedExpectation;
}

const STACK_LINE = /^\s*at\s+.+:\d+/m;

/** A block that holds data (an input), not code or an outcome. */
function isData(b: CodeBlock): boolean {
  return !JS_LANGS.has(b.lang) && !OUTCOME_SECTION.test(b.section) && !STACK_LINE.test(b.code) && !/^(sh|shell|bash|console|diff)$/.test(b.lang);
}

const shown = (c: SnippetCall) => `\`${c.text}\``;

/**
 * A block as the input it shows: a file's lines each end with a line break, so one is added when the fence
 * left it out; stand-ins for invisible characters ("where `_` is a space", "· is a tab") get them back.
 */
function withPlaceholders(input: string, prose: string): string {
  let out = input.endsWith("\n") ? input : `${input}\n`;
  for (const m of prose.matchAll(/(?:where|with)\s+`?(\S)`?\s+(?:is|means|stands for)\s+an?\s+(space|tab)/gi)) {
    const mark = m[1] as string;
    out = out.split(mark).join(m[2]?.toLowerCase() === "tab" ? "\t" : " ");
  }
  return out;
}

export function ticketStep(text: string, api: PackageApi): { step?: TicketStep; missing: string[] } {
  const parts = reportParts(text);
  const code = parts.blocks.filter((b) => JS_LANGS.has(b.lang) || (b.lang === "" && !OUTCOME_SECTION.test(b.section)));
  const found = [...code.map((b) => ({ b, r: snippetCalls(b.code, api.name, api.exports, api.aliases) })), ...parts.inline.map((t) => ({ b: undefined, r: snippetCalls(t, api.name, api.exports, api.aliases) }))];
  const calls = found.flatMap((f) => f.r.calls.map((c) => ({ c, b: f.b })));
  const codeBlocks = new Set(found.filter((f) => f.r.calls.length > 0).flatMap((f) => (f.b ? [f.b] : [])));
  const data = parts.blocks.filter((b) => !codeBlocks.has(b) && isData(b));
  const missing: string[] = [];
  let chosen: { call: SnippetCall; args: unknown[]; how: string } | undefined;
  for (const { c } of calls) {
    const unresolved = c.args.filter((a) => "unresolved" in a);
    // A snippet that reads its input from elsewhere (`YAML.parse(src)` under a ```yaml block) gets that block.
    const input = unresolved.length === 1 && data.length > 0 ? (data.find((b) => REPRODUCE_SECTION.test(b.section)) ?? data[0]) : undefined;
    if (unresolved.length === 0 || input) {
      const args = c.args.map((a) => ("value" in a ? a.value : withPlaceholders(input?.code ?? "", parts.prose)));
      chosen = { call: c, args, how: `the report's call ${shown(c)}${input ? `, its ${unresolved.map((u) => ("unresolved" in u ? u.unresolved : "")).join("")} being the ${input.lang || "text"} block` : ""}` };
      break;
    }
  }
  if (!chosen && calls.length > 0) {
    const c = calls[0]?.c as SnippetCall;
    const names = c.args.flatMap((a) => ("unresolved" in a ? [a.unresolved] : []));
    missing.push(`the value of ${names.map((n) => `\`${n}\``).join(", ")} in ${shown(c)}: bind it to a literal in the snippet or give the input in a code block`);
  }
  if (!chosen && calls.length === 0) {
    const input = data.find((b) => REPRODUCE_SECTION.test(b.section) || (b.section === "" && b.lang !== ""));
    if (input && api.textEntry) chosen = { call: { member: api.textEntry, args: [], text: `${api.textEntry}(input)` }, args: [withPlaceholders(input.code, parts.prose)], how: `the input of the "${input.section || input.lang}" block, given to ${api.name}'s documented entry for text, ${api.textEntry}()` };
    else if (input) missing.push(`the entry that takes this input: the README of ${api.name} shows no call with a string, and the report calls none`);
    else missing.push(`a call of ${api.name}'s API with its input: a code block such as \`${api.name}.${api.textEntry ?? [...api.exports][0] ?? "parse"}("…")\`, or the input in a "To reproduce" section`);
  }
  const expectation = statedExpectation(parts);
  if (!expectation) missing.push('the expected outcome: "should be `…`", an "Expected:" block, or "should not throw"');
  if (!chosen || !expectation) return { missing };
  return { step: { call: `${api.entry}#${api.via ? `${api.via}.` : ""}${chosen.call.member}`, args: chosen.args, expect: expectationLines(expectation), how: `${chosen.how}; expected from ${expectation.from}`, expectation }, missing: [] };
}
