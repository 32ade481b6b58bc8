import type { Report, ScenarioVerdict } from "../../core/verdict.js";
import { blastLines, clip, effectLines, rootCauseLine, touchedLines } from "./text.js";

/** The report as a pull-request comment, within GitHub's limit on a comment's length. */
const ICON: Record<ScenarioVerdict["verdict"], string> = { fail: "❌", error: "⚠️", "at-risk": "🟠", pass: "✅", unaffected: "➖" };

/** GitHub refuses a comment longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;
/** Kept free for the closing note that says what did not fit. */
const RESERVE = 400;

const cell = (s: string) => clip(s, 400).replace(/\|/g, "\\|").replace(/\r?\n|\r/g, " ");
/** Inline code that stays inline whatever the text holds. */
const code = (s: string) => {
  const t = clip(s, 200).replace(/\r?\n|\r/g, " ");
  const fence = "`".repeat(Math.max(0, ...[...t.matchAll(/`+/g)].map((m) => m[0].length)) + 1);
  return fence.length > 1 || t.startsWith(" ") || t.endsWith(" ") ? `${fence} ${t} ${fence}` : `${fence}${t}${fence}`;
};
/** A fenced block longer than any backtick run inside it, so a patch holding ``` cannot close it early. */
const block = (lang: string, body: string) => {
  const fence = "`".repeat(Math.max(3, ...[...body.matchAll(/`{3,}/g)].map((m) => m[0].length + 1)));
  return [`${fence}${lang}`, body, fence];
};

function details(v: ScenarioVerdict): string[] {
  const out = [`### ${ICON[v.verdict]} ${code(v.scenario)}`, "", clip(v.reason, 4_000), ""];
  const rc = rootCauseLine(v);
  if (rc) out.push(`**Root cause** ${rc}`, "");
  const touched = touchedLines(v);
  if (touched.length) out.push("**Touched steps**", "", ...touched.slice(0, 30).map((t) => `- ${clip(t, 300)}`), ...(touched.length > 30 ? [`- … and ${touched.length - 30} more`] : []), "");
  const effects = effectLines(v);
  if (effects.length) out.push("**Effects that differ**", "", ...effects.slice(0, 30).map((e) => `- ${code(e)}`), ...(effects.length > 30 ? [`- … and ${effects.length - 30} more`] : []), "");
  const blast = blastLines(v);
  if (blast.length) out.push("**Blast radius**", "", ...blast.map((b) => `- ${clip(b, 1_000)}`), "");
  if (v.fix) {
    const patch = v.fix.patch.trimEnd();
    out.push(`**Fix** (${v.fix.verified ? "verified by re-simulation" : "not verified"})`, "", ...block("diff", patch.length > 8_000 ? `${clip(patch, 8_000)}\n… (the patch goes on: see the JSON report)` : patch), "");
  }
  return out;
}

/**
 * Sections are added in order of importance (the table, then each failing, at-risk or erroring scenario, then
 * why scenarios were selected) while they fit; what does not fit is counted in a closing note.
 */
export function renderMarkdown(r: Report): string {
  const out: string[] = [`## Worldline: what this change does to the scenarios`, "", `${code(r.base)} → ${code(r.head)} · ${clip(r.summary, 2_000)}`, ""];
  let size = out.join("\n").length;
  const left: string[] = [];
  const fits = (lines: string[]) => size + lines.join("\n").length + 1 <= GITHUB_COMMENT_LIMIT - RESERVE;
  const add = (lines: string[]) => {
    out.push(...lines);
    size += lines.join("\n").length + 1;
  };

  if (r.verdicts.length) {
    add(["| | scenario | depth | why |", "|---|---|---|---|"]);
    let rows = 0;
    for (const v of r.verdicts) {
      const row = [`| ${ICON[v.verdict]} ${v.verdict} | ${code(v.scenario).replace(/\|/g, "\\|")} | ${v.depth} | ${cell(v.reason)} |`];
      if (!fits(row)) break;
      add(row);
      rows++;
    }
    if (rows < r.verdicts.length) left.push(`${r.verdicts.length - rows} of ${r.verdicts.length} rows of the table`);
    add([""]);
  }
  const worth = r.verdicts.filter((x) => x.verdict === "fail" || x.verdict === "at-risk" || x.verdict === "error");
  let shown = 0;
  for (const v of worth) {
    const section = details(v);
    if (!fits(section)) continue;
    add(section);
    shown++;
  }
  if (shown < worth.length) left.push(`the details of ${worth.length - shown} scenario(s)`);
  if (r.selected.length) {
    const selected = ["<details><summary>Why these scenarios were selected</summary>", ""];
    const lines = r.selected.map((s) => `- ${code(s.scenario)}: ${clip(s.reasons.slice(0, 3).join("; "), 500).replace(/\r?\n|\r/g, " ")}`);
    const closing = ["", "</details>"];
    let n = 0;
    while (n < lines.length && fits([...selected, ...lines.slice(0, n + 1), ...closing])) n++;
    if (n > 0) add([...selected, ...lines.slice(0, n), ...closing]);
    if (n < lines.length) left.push(`${lines.length - n} of ${lines.length} selection reasons`);
  }
  if (left.length) out.push("", `_Not shown, to fit GitHub's comment limit: ${left.join(", ")}. The full report: \`worldline simulate --format json\`._`);
  return out.join("\n");
}
