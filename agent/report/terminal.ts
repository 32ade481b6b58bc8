import type { Report } from "../../core/verdict.js";
import { sharedPaths } from "./shared-paths.js";
import { blastLines, crossingLines, effectLines, rootCauseLine, touchedLines } from "./text.js";
import { terminalWidth, wrap } from "./wrap.js";

/** Where a verdict's evidence starts: under the scenario id, after the verdict's column. */
const COLUMN = 11;
/** Continuation lines sit this much further in than the item they continue. */
const HANG = 2;

/**
 * The report for a terminal: each verdict with its evidence, the scenarios of each shared path listed once,
 * then a summary table. Every line fits `width` (see wrap.ts for the one exception: a word too long for any line).
 */
export function renderTerminal(r: Report, width = terminalWidth()): string {
  const out: string[] = [...wrap("", `Worldline: ${r.base} → ${r.head}${r.planner ? ` (${r.planner} planner)` : ""}`, width, HANG), ""];
  const item = (label: string, text: string, at = COLUMN) => out.push(...wrap(`${" ".repeat(at)}${label}`, text, width, at + HANG));
  const shared = sharedPaths(r.verdicts);
  for (const v of r.verdicts) {
    out.push(...wrap(`${v.verdict.toUpperCase().padEnd(COLUMN - 1)} `, `${v.scenario} (${v.depth}): ${v.reason}`, width, COLUMN + HANG));
    const rc = rootCauseLine(v);
    if (rc) item("root cause ", rc);
    for (const t of touchedLines(v)) item("", t);
    for (const c of crossingLines(v)) item("between services ", c);
    for (const e of effectLines(v)) item("effect ", e);
    for (const b of blastLines(v, shared.of(v))) item("", b);
    if (v.fix) {
      item("", `fix (${v.fix.verified ? "verified" : "NOT verified"} by re-simulation${v.fix.checked ? `: ${v.fix.checked.map((c) => `${c.scenario} ${c.before}→${c.after}`).join(", ")}` : ""})${v.fix.scope ? `, the ${v.fix.scope} reverted` : ""}:`);
      if (!v.fix.verified && v.fix.reason) item("", v.fix.reason);
      for (const line of v.fix.patch.trimEnd() ? v.fix.patch.trimEnd().split("\n") : []) item("", line, COLUMN + 2);
    }
  }
  if (shared.paths.length) {
    out.push("", "Shared paths (the scenarios on each, listed once):");
    for (const p of shared.paths) {
      const through = p.through.length ? ` through ${p.through.join(", ")}` : "";
      out.push(...wrap("  ", `${p.label}${through} (${p.scenarios.length} scenarios): ${p.scenarios.join(", ")}`, width, 2 + HANG));
    }
  }
  if (r.verdicts.length) {
    out.push("", "| verdict | scenarios |", "|---|---|");
    for (const k of ["fail", "error", "at-risk", "pass", "unaffected"] as const) if (r.counts?.[k]) out.push(`| ${k} | ${r.counts[k]} |`);
  }
  out.push("", ...wrap("", r.summary, width, HANG));
  return out.join("\n");
}
