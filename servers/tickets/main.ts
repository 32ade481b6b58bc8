import { buildServer, runWhenExecuted, serverPart, type ServerPart } from "../../core/mcp.js";
import type { Workspace } from "../workspace.js";
import { TicketService } from "./service.js";
import { registerTicketTools } from "./tools.js";

/** The tickets server's parts for a repo; `worldline serve all` combines them with the others'. */
export async function ticketPart(source: string | Workspace): Promise<ServerPart> {
  return serverPart(
    "tickets",
    "Support tickets, bug reports and incidents of one repository: import, search, duplicates, and their links to code and history. Ticket keys are like SUP-12 or #12.",
    new TicketService(source),
    registerTicketTools,
  );
}

/** Builds the tickets MCP server for a repo. Importing this file runs nothing. */
export async function createTicketServer(repo: string) {
  return buildServer(await ticketPart(repo));
}

await runWhenExecuted(import.meta.url, (repo) => createTicketServer(repo));
