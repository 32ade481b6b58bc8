import type { Tools } from "./hub.js";

/** `worldline why TARGET`: the git-history server's evidence chain for a line, a symbol or a config key. */
export interface WhyAnswer {
  target: string;
  location: string;
  summary: string;
  items: Array<{ kind: string; id: string; summary: string; time: string | null; source: string; authority: string; detail?: string }>;
}

export async function why(tools: Tools, target: string): Promise<WhyAnswer> {
  return tools.call<WhyAnswer>("git-history", "why", { target, limit: 10 });
}

export function renderWhy(a: WhyAnswer, format: "terminal" | "markdown"): string {
  if (format === "markdown") {
    return [`## Why \`${a.target}\` (${a.location})`, "", a.summary, "", ...a.items.map((i) => `- **${i.kind}** \`${i.id}\`${i.time ? ` (${i.time.slice(0, 10)})` : ""}: ${i.summary}`)].join("\n");
  }
  const lines = [`Why ${a.target} (${a.location})`, `  ${a.summary}`];
  for (const i of a.items) {
    lines.push(`  ${i.kind.padEnd(10)} ${i.id}${i.time ? `  ${i.time.slice(0, 10)}` : ""}  ${i.summary}`);
    if (i.detail) for (const d of i.detail.split("\n").slice(0, 4)) lines.push(`             ${d}`);
  }
  return lines.join("\n");
}
