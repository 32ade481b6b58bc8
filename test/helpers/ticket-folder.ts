import { importTickets } from "../../servers/tickets/importer.js";
import { TicketService } from "../../servers/tickets/service.js";
import { readTicketFolder } from "../../servers/tickets/sources/folder.js";

/** Imports the repo's tickets/ folder into its store, as `import_tickets` would, and closes the tickets service. */
export async function importTicketFolder(dir: string): Promise<void> {
  const tickets = new TicketService(dir);
  try {
    await importTickets(tickets.importContext(), (await readTicketFolder(dir)).tickets);
  } finally {
    tickets.close();
  }
}

/** A Markdown code fence, for report bodies written as lines. */
export const FENCE = "```";

/** A ticket file of the tickets/ folder: front matter with its key, title and a fixed creation time, then its body lines. */
export const ticketMarkdown = (key: string, title: string, body: string[]): string => ["---", `key: ${key}`, `title: ${title}`, "created: 2026-03-01T10:00:00Z", "---", ...body].join("\n");
