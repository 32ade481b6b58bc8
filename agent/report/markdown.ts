import type { Report, ScenarioVerdict } from "../../core/verdict.js";
import { Budget, MARKDOWN_LIMIT } from "./budget.js";
import { BRIEF_HEAD, briefRow, foldedSection, otherHead, otherRow, SELECTED_HEAD, SELECTED_TAIL, selectedLine, SHARED_HEAD, sharedLine, wholeSection } from "./markdown-sections.js";
import { code } from "./md.js";
import { sharedPaths, type SharedPath } from "./shared-paths.js";
import { clip } from "./text.js";

export { GITHUB_COMMENT_LIMIT, MARKDOWN_LIMIT } from "./budget.js";

type Region = "head" | "whole" | "brief" | "shared" | "others" | "folded" | "selected";

const blocking = (v: ScenarioVerdict) => v.verdict === "fail" || v.verdict === "error";

/**
 * The report as a pull-request comment, at most MARKDOWN_LIMIT characters whatever the number of scenarios.
 * Laid out: failing and erroring scenarios first and whole; those that do not fit whole as one row each (id and
 * root cause); the shared paths, each list of scenarios named once; a table of the other scenarios; the at-risk
 * ones' evidence folded; why each scenario was selected. Space goes in that order of importance (a row for
 * every failing scenario is held before any is shown whole), and whatever is left out is counted in a note
 * that says how to get the full report.
 */
export function renderMarkdown(r: Report): string {
  const failing = [...r.verdicts.filter((v) => v.verdict === "fail"), ...r.verdicts.filter((v) => v.verdict === "error")];
  const others = r.verdicts.filter((v) => !blocking(v));
  const budget = new Budget<Region>([
    ["head", {}],
    ["whole", {}],
    ["brief", { head: BRIEF_HEAD, tail: [""] }],
    ["shared", { head: SHARED_HEAD, tail: [""] }],
    ["others", { head: otherHead(others.length), tail: [""] }],
    ["folded", {}],
    ["selected", { head: SELECTED_HEAD, tail: SELECTED_TAIL }],
  ]);
  budget.add([["head", [`## Worldline: what this change does to the scenarios`, "", `${code(r.base)} → ${code(r.head)} · ${clip(r.summary, 2_000)}`, ""]]]);

  const shared = sharedPaths(r.verdicts);
  const listed = new Map<SharedPath, string[]>();
  /** A scenario's section with the shared path it refers to, added together or not at all. */
  const section = (region: Region, v: ScenarioVerdict, lines: (p: SharedPath | undefined) => string[], removes: Array<[Region, string[]]> = []) => {
    const path = shared.of(v);
    const list = path && !listed.has(path) ? sharedLine(path) : undefined;
    const ok = budget.add([[region, lines(path)], ...(list ? [["shared", list] as [Region, string[]]] : [])], removes);
    if (ok && path && list) listed.set(path, list);
    return ok;
  };

  // A row for every failing scenario first, so showing some whole never crowds the others out entirely.
  const rows = new Map<ScenarioVerdict, string[]>();
  for (const v of failing) {
    const row = briefRow(v);
    if (budget.add([["brief", row]])) rows.set(v, row);
  }
  let whole = 0;
  for (const v of failing) {
    const row = rows.get(v);
    if (row && section("whole", v, (p) => wholeSection(v, p), [["brief", row]])) whole++;
  }
  let otherRows = 0;
  for (const v of others) if (budget.add([["others", otherRow(v)]])) otherRows++;
  const atRisk = others.filter((v) => v.verdict === "at-risk");
  let folded = 0;
  for (const v of atRisk) if (section("folded", v, (p) => foldedSection(v, p))) folded++;
  let reasons = 0;
  for (const s of r.selected) if (budget.add([["selected", selectedLine(s)]])) reasons++;

  const left = [
    rows.size < failing.length ? `${failing.length - rows.size} of ${failing.length} failing or erroring scenarios (not even their row fitted)` : "",
    whole < rows.size ? `the details of ${rows.size - whole} failing or erroring scenario(s) listed in brief` : "",
    otherRows < others.length ? `${others.length - otherRows} of ${others.length} rows of the other scenarios` : "",
    folded < atRisk.length ? `the evidence of ${atRisk.length - folded} at-risk scenario(s)` : "",
    reasons < r.selected.length ? `${reasons ? `${r.selected.length - reasons} of ` : ""}${r.selected.length} selection reasons` : "",
  ].filter(Boolean);
  const note = left.length
    ? `_Not shown, to fit a GitHub comment (${MARKDOWN_LIMIT.toLocaleString("en")} characters): ${left.join("; ")}. The full report: rerun with \`--format json --out FILE\` (every field) or \`--format terminal --out FILE\` (every scenario whole)._`
    : undefined;
  return budget.text(note);
}
