import { PASS_WORDS, type WhyAnswer, type WhyDecision, type WhyItem } from "../servers/git-history/why.js";
import { whyCode } from "../servers/git-history/contracts.js";
import type { Tools } from "./hub.js";

/** `worldline why TARGET`: the git-history server's evidence chain for a line, a symbol or a config key. */
export type { WhyAnswer };

export async function why(tools: Tools, target: string, rev?: string): Promise<WhyAnswer> {
  return tools.call(whyCode, { target, limit: 10, ...(rev ? { rev } : {}) });
}

/** Every fact of the answer in each format: the summary first, the deciding commit, then the chain in full. */
export function renderWhy(a: WhyAnswer, format: "terminal" | "markdown"): string {
  return format === "markdown" ? markdown(a) : terminal(a);
}

function decidingLines(d: WhyDecision, md: boolean): string[] {
  const sha = md ? `\`${d.commit.slice(0, 12)}\`` : d.commit.slice(0, 12);
  const out = [`decided in ${sha} by ${d.author} on ${d.authoredAt.slice(0, 10)}: ${d.subject}`];
  if (d.reason !== d.subject) out.push(`reason: ${d.reason}`);
  for (const t of d.tickets) out.push(`ticket ${t.key} (${t.relation})${t.url ? `: ${md ? `<${t.url}>` : t.url}` : ""}`);
  for (const p of d.passedThrough) {
    const sweep = p.sweepFiles ? `, a formatter sweep over ${p.sweepFiles} files` : "";
    out.push(`${PASS_WORDS[p.kind]} in ${md ? `\`${p.commit.slice(0, 12)}\`` : p.commit.slice(0, 12)} by ${p.author} on ${p.authoredAt.slice(0, 10)} (${p.subject}${sweep}): the line was ${p.at} in that commit, ${p.from} before it`);
  }
  if (d.lines > 1) out.push(`decides ${d.lines} of the lines asked`);
  return out;
}

/** The target, and where it is when that says more (a config key's line, a symbol's lines). */
function heading(a: WhyAnswer, quote = ""): string {
  return a.location === a.target ? `${quote}${a.target}${quote}` : `${quote}${a.target}${quote} (${a.location})`;
}

function itemHead(i: WhyItem): string {
  return `${i.time ? `${i.time.slice(0, 10)}, ` : ""}${i.source}, ${i.authority}`;
}

function terminal(a: WhyAnswer): string {
  const lines = [`Why ${heading(a)}`, `  ${a.summary}`];
  if (a.deciding) for (const l of decidingLines(a.deciding, false)) lines.push(`  ${l}`);
  for (const v of a.values ?? []) lines.push(`  value ${v.value}${v.previous !== undefined ? ` (was ${v.previous})` : ""} set in ${v.commit.slice(0, 12)} on ${v.authoredAt.slice(0, 10)}`);
  lines.push("  evidence:");
  for (const i of a.items) {
    lines.push(`  ${i.kind.padEnd(10)} ${i.id}  ${i.summary}${i.url ? `  ${i.url}` : ""}`);
    lines.push(`             ${itemHead(i)}`);
    if (i.detail) for (const d of i.detail.split("\n")) lines.push(`             ${d}`);
  }
  return lines.join("\n");
}

function markdown(a: WhyAnswer): string {
  const out = [`## Why ${heading(a, "`")}`, "", a.summary, ""];
  if (a.deciding) out.push(...decidingLines(a.deciding, true).map((l) => `- ${l}`), "");
  if (a.values?.length) {
    out.push("Values, newest first:", "", ...a.values.map((v) => `- \`${v.value}\`${v.previous !== undefined ? ` (was \`${v.previous}\`)` : ""} set in \`${v.commit.slice(0, 12)}\` on ${v.authoredAt.slice(0, 10)}`), "");
  }
  out.push("Evidence:", "");
  for (const i of a.items) {
    out.push(`- **${i.kind}** \`${i.id}\`: ${i.summary}${i.url ? ` (<${i.url}>)` : ""}`, `  - ${itemHead(i)}`);
    if (i.detail) for (const d of i.detail.split("\n")) out.push(`  > ${d}`);
  }
  return out.join("\n");
}
