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
