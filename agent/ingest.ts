import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../core/repo.js";
import type { ArgsOf } from "../core/contract.js";
import { ingestAdrsTool } from "../servers/context-graph/contracts.js";
import { ingestHistoryTool } from "../servers/git-history/contracts.js";
import { importTicketsTool } from "../servers/tickets/contracts.js";
import type { Tools } from "./hub.js";

/**
 * `worldline ingest`: fills the context graph through the servers' own tools: git history (commits, fixes,
 * suspects), tickets from every configured source (or the repo's tickets/ folder), and ADRs.
 */
export interface IngestSummary {
  history?: { ingested: number; fixes: number; suspects: number };
  tickets: Array<{ source: string; added: number; updated: number; unchanged: number; errors: number }>;
  adrs?: { adrs: number; errors: number };
}

export interface TicketSource {
  /** How reports and marks name it: folder:tickets, github:acme/billing, jira:https://acme.atlassian.net. */
  name: string;
  /** The import_tickets arguments (as configured: the tool's strict input checks them and names a wrong one). */
  args: ArgsOf<typeof importTicketsTool>;
}

/** The configured ticket sources, or the repo's tickets/ folder when none is configured. */
export function ticketSources(repo: string): TicketSource[] {
  const configured = loadConfig(repo).ticketSources;
  const sources = configured.length ? configured : existsSync(join(repo, "tickets")) ? [{ source: "folder", path: "tickets" }] : [];
  return sources.map((src) => ({
    name: `${String(src.source)}${src.path ? `:${String(src.path)}` : src.repo ? `:${String(src.repo)}` : src.baseUrl ? `:${String(src.baseUrl)}` : ""}`,
    args: src as ArgsOf<typeof importTicketsTool>,
  }));
}

export async function ingestAll(tools: Tools, repo: string, what: { history: boolean; tickets: boolean; adrs: boolean }, say: (line: string) => void = () => undefined): Promise<IngestSummary> {
  const out: IngestSummary = { tickets: [] };
  if (what.history) {
    say("ingesting git history…");
    out.history = await tools.call(ingestHistoryTool, {});
  }
  if (what.tickets) {
    for (const { name, args } of ticketSources(repo)) {
      say(`importing tickets from ${name}…`);
      const r = await tools.call(importTicketsTool, args);
      out.tickets.push({ source: name, added: r.added, updated: r.updated, unchanged: r.unchanged, errors: r.errors.length });
    }
  }
  if (what.adrs) {
    say("ingesting ADRs…");
    const r = await tools.call(ingestAdrsTool, {});
    out.adrs = { adrs: r.adrs.length, errors: r.errors.length };
  }
  return out;
}

export function renderIngest(s: IngestSummary): string {
  const lines: string[] = [];
  if (s.history) lines.push(`history: ${s.history.ingested} commits ingested, ${s.history.fixes} fixes, ${s.history.suspects} suspect commits`);
  for (const t of s.tickets) lines.push(`tickets from ${t.source}: ${t.added} added, ${t.updated} updated, ${t.unchanged} unchanged${t.errors ? `, ${t.errors} not tickets` : ""}`);
  if (!s.tickets.length) lines.push("tickets: no source configured and no tickets/ folder");
  if (s.adrs) lines.push(`ADRs: ${s.adrs.adrs} ingested${s.adrs.errors ? `, ${s.adrs.errors} did not parse` : ""}`);
  return lines.join("\n");
}
