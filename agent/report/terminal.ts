import type { Report } from "../../core/verdict.js";
import { blastLines, effectLines, rootCauseLine, touchedLines } from "./text.js";

/** The report for a terminal: each verdict with its evidence, then a summary table. */
export function renderTerminal(r: Report): string {
  const out: string[] = [`Worldline: ${r.base} → ${r.head}${r.planner ? ` (${r.planner} planner)` : ""}`, ""];
  const pad = "           ";
  for (const v of r.verdicts) {
    out.push(`${v.verdict.toUpperCase().padEnd(10)} ${v.scenario} (${v.depth}): ${v.reason}`);
    const rc = rootCauseLine(v);
    if (rc) out.push(`${pad}root cause ${rc}`);
    for (const t of touchedLines(v)) out.push(`${pad}${t}`);
    for (const e of effectLines(v)) out.push(`${pad}effect ${e}`);
    for (const b of blastLines(v)) out.push(`${pad}${b}`);
    if (v.fix) {
      out.push(`${pad}fix (${v.fix.verified ? "verified" : "NOT verified"} by re-simulation${v.fix.checked ? `: ${v.fix.checked.map((c) => `${c.scenario} ${c.before}→${c.after}`).join(", ")}` : ""}):`);
      for (const line of v.fix.patch.trimEnd().split("\n")) out.push(`${pad}  ${line}`);
    }
  }
  if (r.verdicts.length) {
    out.push("", "| verdict | scenarios |", "|---|---|");
    for (const k of ["fail", "error", "at-risk", "pass", "unaffected"] as const) if (r.counts?.[k]) out.push(`| ${k} | ${r.counts[k]} |`);
  }
  out.push("", r.summary);
  return out.join("\n");
}
