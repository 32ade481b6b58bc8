import type { Report, ScenarioVerdict } from "../../core/verdict.js";
import { blastLines, effectLines, rootCauseLine, touchedLines } from "./text.js";

/** The report as a pull-request comment. */
const ICON: Record<ScenarioVerdict["verdict"], string> = { fail: "❌", error: "⚠️", "at-risk": "🟠", pass: "✅", unaffected: "➖" };

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function renderMarkdown(r: Report): string {
  const out: string[] = [`## Worldline: what this change does to the scenarios`, "", `\`${r.base}\` → \`${r.head}\` · ${r.summary}`, ""];
  if (r.verdicts.length) {
    out.push("| | scenario | depth | why |", "|---|---|---|---|");
    for (const v of r.verdicts) out.push(`| ${ICON[v.verdict]} ${v.verdict} | \`${v.scenario}\` | ${v.depth} | ${cell(v.reason)} |`);
    out.push("");
  }
  for (const v of r.verdicts.filter((x) => x.verdict === "fail" || x.verdict === "at-risk" || x.verdict === "error")) {
    out.push(`### ${ICON[v.verdict]} \`${v.scenario}\``, "", v.reason, "");
    const rc = rootCauseLine(v);
    if (rc) out.push(`**Root cause** ${rc}`, "");
    const touched = touchedLines(v);
    if (touched.length) out.push("**Touched steps**", "", ...touched.map((t) => `- ${t}`), "");
    const effects = effectLines(v);
    if (effects.length) out.push("**Effects that differ**", "", ...effects.map((e) => `- \`${e}\``), "");
    const blast = blastLines(v);
    if (blast.length) out.push("**Blast radius**", "", ...blast.map((b) => `- ${b}`), "");
    if (v.fix) {
      out.push(`**Fix** (${v.fix.verified ? "verified by re-simulation" : "not verified"})`, "", "```diff", v.fix.patch.trimEnd(), "```", "");
    }
  }
  if (r.selected.length) {
    out.push("<details><summary>Why these scenarios were selected</summary>", "");
    for (const s of r.selected) out.push(`- \`${s.scenario}\`: ${s.reasons.slice(0, 3).join("; ")}`);
    out.push("", "</details>");
  }
  return out.join("\n");
}
