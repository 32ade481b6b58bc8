import type { TicketTriage, TriageReport } from "../../core/triage.js";

/**
 * The triage report as text: terminal (one block per ticket), Markdown (a summary for a team channel or a
 * CI artifact) and the comment posted back to a tracker. JSON is the `TriageReport` schema as is.
 */
export type TriageFormat = "terminal" | "markdown" | "json";

/** The facts of one triage, one line each, shared by the terminal, Markdown and comment forms. */
function facts(t: TicketTriage, code: (s: string) => string): string[] {
  const lines: string[] = [];
  const a = t.assessment;
  if (a?.summary) lines.push(`Assessment (${a.model}): ${a.summary}`);
  lines.push(`Confidence: ${t.confidence} (${t.confidenceReason})`, `Severity: ${t.severity.level} (${t.severity.hints.join("; ")})`);
  const likely = t.duplicates.filter((d) => d.likely);
  if (likely.length) lines.push(`Likely duplicate of: ${likely.map((d) => `${d.key} "${d.title}" (${d.evidence.slice(0, 3).join("; ")})`).join(", ")}`);
  else if (t.duplicates.length) lines.push(`Possibly related: ${t.duplicates.slice(0, 3).map((d) => `${d.key} (score ${d.score})`).join(", ")}`);
  if (t.symbols.length) lines.push(`Code: ${t.symbols.slice(0, 6).map(code).join(", ")}`);
  else {
    const resolved = t.codeRefs.filter((r) => r.target);
    if (resolved.length) lines.push(`Code: ${resolved.slice(0, 6).map((r) => code(r.target ?? "")).join(", ")}`);
  }
  if (t.files.length) lines.push(`Where to look: ${t.files.slice(0, 3).map((f) => `${code(f.path)} (${f.why.slice(0, 2).join("; ")})`).join(", ")}`);
  if (t.suspects.length) {
    lines.push(`Suspect commits: ${t.suspects.slice(0, 3).map((s) => `${code(s.commit.slice(0, 12))}${s.summary ? ` "${s.summary}"` : ""} (${s.method}, confidence ${s.confidence}, via ${s.via})`).join("; ")}`);
  }
  if (t.component || t.owner) lines.push(`Component: ${t.component ?? "unknown"}${t.owner ? `; owner ${t.owner.name} (${Math.round(t.owner.share * 100)}% of the lines, ${t.owner.basis})` : ""}`);
  if (t.relatedScenarios.length) lines.push(`Related scenarios: ${t.relatedScenarios.slice(0, 5).map((s) => `${s.id} (${s.why})`).join("; ")}`);
  if (t.reproduction) {
    const r = t.reproduction;
    const what = r.status === "reproduces" ? `reproduces at ${code(r.rev.slice(0, 12))}: ${r.failing.slice(0, 2).join("; ")}${r.observed ? `; it returned ${code(r.observed)}` : ""}` : r.status === "does-not-reproduce" ? `does not reproduce at ${code(r.rev.slice(0, 12))}: the expected behaviour holds there` : `${r.status}${r.reason ? `: ${r.reason}` : ""}`;
    lines.push(`Drafted scenario ${code(t.draft?.id ?? "")}: ${what}`);
  } else if (t.draft) lines.push(`Drafted scenario ${code(t.draft.id)} cannot run yet; missing: ${t.draft.missing.join("; ")}`);
  if (a?.rejected.length) lines.push(`Dropped claims of the model (the tools did not bear them out): ${a.rejected.join("; ")}`);
  if (a?.note) lines.push(`LLM planner: ${a.note}`);
  return lines;
}

function terminal(r: TriageReport): string {
  const out: string[] = [`Triage at ${r.at.slice(0, 12)} (${r.planner})`, ""];
  for (const s of r.sources) {
    out.push(`source ${s.source}: ${s.error ? `FAILED: ${s.error}; ` : ""}${s.imported ? `imported ${s.imported.added} new, ${s.imported.updated} updated; ` : ""}${s.candidates} candidate(s), ${s.triaged} triaged, ${s.skipped} already triaged; mark ${s.highWater ?? "none"}`);
  }
  for (const t of r.tickets) {
    out.push("", `${t.key}  ${t.title}  [${t.severity.level}, ${t.confidence} confidence]`);
    out.push(...facts(t, (s) => s).map((l) => `  ${l}`));
    if (t.comment) out.push(`  Comment: ${t.comment.posted ? `posted ${t.comment.url}` : (t.comment.note ?? "not posted")}`);
  }
  out.push("", r.summary);
  return out.join("\n");
}

function markdown(r: TriageReport): string {
  const out: string[] = [`## Worldline triage at \`${r.at.slice(0, 12)}\``, "", r.summary, "", "| ticket | severity | confidence | duplicate of | top suspect | owner | reproduces |", "|---|---|---|---|---|---|---|"];
  for (const t of r.tickets) {
    const dup = t.duplicates.find((d) => d.likely)?.key ?? "";
    const top = t.suspects[0] ? `\`${t.suspects[0].commit.slice(0, 12)}\`` : "";
    out.push(`| ${t.key} ${t.title.replace(/\|/g, "\\|")} | ${t.severity.level} | ${t.confidence} | ${dup} | ${top} | ${t.owner?.name ?? ""} | ${t.reproduction?.status ?? "not yet"} |`);
  }
  for (const t of r.tickets) out.push("", `### ${t.key}: ${t.title}`, "", ...facts(t, (s) => `\`${s}\``).map((l) => `- ${l}`));
  const failed = r.sources.filter((s) => s.error);
  if (failed.length) out.push("", "### Sources that failed (retried next round)", "", ...failed.map((s) => `- ${s.source}: ${s.error}`));
  return out.join("\n");
}

export function renderTriage(r: TriageReport, format: TriageFormat): string {
  if (format === "json") return JSON.stringify(r, null, 2);
  return format === "markdown" ? markdown(r) : terminal(r);
}

/** The comment posted back on the ticket (comment_ticket marks it as Worldline's own). */
export function triageComment(t: TicketTriage): string {
  return [`**Worldline triage** (${t.planner}, revision ${t.revision})`, "", ...facts(t, (s) => `\`${s}\``).map((l) => `- ${l}`), "", `Decision trace: \`${t.decision}\``].join("\n");
}
