import type { Report, ScenarioVerdict } from "../../core/verdict.js";
import { block, cell, code, codeCell, collapsed, html, ICON } from "./md.js";
import type { SharedPath } from "./shared-paths.js";
import { blastLines, clip, crossingLines, effectLines, listOf, rootCauseLine, touchedLines } from "./text.js";

/** The pieces of the Markdown report, each one scenario's or one list's; markdown.ts decides which fit. */

/** How much of each list a scenario's section shows (the JSON report has all of it). */
const MAX_LINES = 20;
/** How many items of a blast-radius list (entry points, tickets…) a section shows. */
const MAX_ITEMS = 10;
/** How many names a shared path lists. */
const MAX_NAMES = 60;

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

const bullets = (lines: string[], max: number, item: (s: string) => string) => [
  ...lines.slice(0, max).map((l) => `- ${item(l)}`),
  ...(lines.length > max ? [`- … and ${lines.length - max} more`] : []),
];

/** The trace evidence, folded: touched steps and effects run long and matter once the root cause is read. */
function traceEvidence(v: ScenarioVerdict): string[] {
  const touched = touchedLines(v);
  const effects = effectLines(v);
  if (!touched.length && !effects.length) return [];
  const what = [touched.length ? count(touched.length, "touched step", "touched steps") : "", effects.length ? count(effects.length, "effect that differs", "effects that differ") : ""].filter(Boolean).join(", ");
  const body = [
    ...(touched.length ? ["**Touched steps**", "", ...bullets(touched, MAX_LINES, (t) => clip(t, 300)), ""] : []),
    ...(effects.length ? ["**Effects that differ**", "", ...bullets(effects, MAX_LINES, (e) => code(e)), ""] : []),
  ];
  return collapsed(`Trace evidence: ${what}`, body);
}

/** Everything the report says about one scenario: why, where, who is hit, the trace, the fix. */
function body(v: ScenarioVerdict, path: SharedPath | undefined): string[] {
  const out = [clip(v.reason, 4_000), ""];
  const rc = rootCauseLine(v);
  if (rc) out.push(`**Root cause** ${rc}`, "");
  const between = crossingLines(v);
  if (between.length) out.push("**Between services**", "", ...bullets(between, MAX_LINES, (c) => code(clip(c, 600))), "");
  const blast = blastLines(v, path, MAX_ITEMS);
  if (blast.length) out.push("**Blast radius**", "", ...blast.map((b) => `- ${clip(b, 1_000)}`), "");
  out.push(...traceEvidence(v));
  if (v.fix) {
    const patch = v.fix.patch.trimEnd();
    out.push(`**Fix** (${v.fix.verified ? "verified by re-simulation" : "not verified"})${v.fix.scope ? `: the ${v.fix.scope} reverted` : ""}`, "", ...(!v.fix.verified && v.fix.reason ? [clip(v.fix.reason, 1_000), ""] : []), ...(patch ? [...block("diff", patch.length > 6_000 ? `${clip(patch, 6_000)}\n… (the patch goes on: see the JSON report)` : patch), ""] : []));
  }
  return out;
}

/** A failing or erroring scenario, whole. */
export const wholeSection = (v: ScenarioVerdict, path: SharedPath | undefined) => [`### ${ICON[v.verdict]} ${code(v.scenario)}`, "", ...body(v, path)];

/** Any other scenario with evidence (at-risk), folded under its id. */
export const foldedSection = (v: ScenarioVerdict, path: SharedPath | undefined) =>
  collapsed(`${ICON[v.verdict]} ${v.verdict}: <code>${html(v.scenario)}</code>`, body(v, path));

/** A failing scenario that did not fit whole: its id and its root cause (else its reason), on one row. */
export const briefRow = (v: ScenarioVerdict) => [`| ${ICON[v.verdict]} ${v.verdict} | ${codeCell(v.scenario, 300)} | ${cell(rootCauseLine(v) ?? v.reason, 700)} |`];
export const BRIEF_HEAD = ["**Failing scenarios shown in brief** (their details did not fit: see the note at the end)", "", "| | scenario | root cause, or why |", "|---|---|---|"];

/** One row of the table of the other scenarios: verdict, id, depth, the reason on one line. */
export const otherRow = (v: ScenarioVerdict) => [`| ${ICON[v.verdict]} ${v.verdict} | ${codeCell(v.scenario)} | ${v.depth} | ${cell(v.reason, 200)} |`];
export const otherHead = (n: number) => [`### Other scenarios (${n})`, "", "| | scenario | depth | why |", "|---|---|---|---|"];

/** A shared path, named once: the changed code it runs through and every scenario on it. */
export function sharedLine(p: SharedPath): string[] {
  const through = p.through.length ? ` through ${listOf(p.through.map((s) => code(s)), 3)}` : "";
  const names = p.scenarios.map((s) => code(s, 120));
  return [`- **${p.label}**${through} (${p.scenarios.length} scenarios): ${listOf(names, MAX_NAMES)}`];
}
export const SHARED_HEAD = ["### Shared paths", "", "Scenarios whose paths run through the same changed code, each list named once; a scenario's blast radius refers to its list by the label.", ""];

/** Why one scenario was selected, on one line. */
export const selectedLine = (s: Report["selected"][number]) => [`- ${code(s.scenario)}: ${clip(s.reasons.slice(0, 3).join("; "), 500).replace(/\r?\n|\r/g, " ")}`];
export const SELECTED_HEAD = ["<details><summary>Why these scenarios were selected</summary>", ""];
export const SELECTED_TAIL = ["", "</details>"];
