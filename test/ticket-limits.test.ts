import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../core/repo.js";
import { makeCodeFixture } from "./helpers/code-fixture.js";
import { commitFiles, tempDir } from "./helpers/git-fixture.js";
import { connectServer, errorText, structured } from "./helpers/mcp-client.js";
import { JIRA_CSV, TICKET_FILES } from "./helpers/ticket-fixture.js";

/**
 * Ticket files past `maxTicketFileBytes` (worldline.config.json, default 1 MB) are refused with the file named,
 * before they are read, and the store keeps the tickets it had.
 */
type Imported = { added: number; updated: number; unchanged: number; errors: Array<{ file: string; message: string }> };

const bigTicket = (key: string, bytes: number) => JSON.stringify({ key, title: "A ticket someone pasted a log into", created: "2026-03-01T00:00:00Z", body: "log line\n".repeat(Math.ceil(bytes / 9)) });

async function ticketCount(client: Client): Promise<number> {
  let n = 0;
  let cursor: string | undefined;
  do {
    const page = structured<{ items: unknown[]; nextCursor?: string }>(await client.callTool({ name: "list_tickets", arguments: { limit: 500, ...(cursor ? { cursor } : {}) } }));
    n += page.items.length;
    cursor = page.nextCursor;
  } while (cursor);
  return n;
}

describe("ticket files over the size limit", () => {
  describe("with the default limit of 1 MB", () => {
    const tmp = tempDir();
    let client: Client;
    let close: () => Promise<void>;

    beforeAll(async () => {
      makeCodeFixture(tmp.dir);
      commitFiles(tmp.dir, { message: "Tickets", files: { ...TICKET_FILES, "exports/jira.csv": JIRA_CSV } }, 3);
      ({ client, close } = await connectServer("tickets", tmp.dir));
    });
    afterAll(async () => {
      await close();
      tmp.cleanup();
    });

    it("refuses an oversized file of a folder by name, imports the rest, and leaves the ticket count as it was", async () => {
      const first = structured<Imported>(await client.callTool({ name: "import_tickets", arguments: { source: "folder" } }));
      expect(first.added).toBeGreaterThan(0);
      const count = await ticketCount(client);
      const db = statSync(join(tmp.dir, ".worldline/worldline.db")).size;

      writeFileSync(join(tmp.dir, "tickets/SUP-900.json"), bigTicket("SUP-900", 1_200_000));
      const again = structured<Imported>(await client.callTool({ name: "import_tickets", arguments: { source: "folder" } }));
      const refused = again.errors.find((e) => e.file === "tickets/SUP-900.json");
      expect(refused?.message).toMatch(/^ticket file tickets\/SUP-900\.json is 1\.\d MB \(\d+ bytes\), over maxTicketFileBytes \(1000000\) in worldline\.config\.json/);
      expect(again.added).toBe(0);
      expect(await ticketCount(client)).toBe(count);
      expect(errorText(await client.callTool({ name: "get_ticket", arguments: { key: "SUP-900" } }))).toContain('unknown ticket "SUP-900"');
      // Nothing of the file reached the database.
      expect(statSync(join(tmp.dir, ".worldline/worldline.db")).size).toBeLessThan(db + 500_000);
    });

    it("refuses an oversized Jira CSV export by name, as a tool error, and imports nothing from it", async () => {
      const count = await ticketCount(client);
      const rows = Array.from({ length: 6_000 }, (_, i) => `Row ${i},BIG-${i},Bug,Open,High,02/Mar/26 9:15 AM,,"${"a long description ".repeat(10)}",,,`);
      writeFileSync(join(tmp.dir, "exports/big.csv"), [JIRA_CSV.split("\n")[0], ...rows].join("\n"));
      const text = errorText(await client.callTool({ name: "import_tickets", arguments: { source: "jira-csv", path: "exports/big.csv" } }));
      expect(text).toMatch(/^ticket file exports\/big\.csv is 1\.\d MB \(\d+ bytes\), over maxTicketFileBytes \(1000000\)/);
      expect(text).not.toMatch(/\n/);
      expect(await ticketCount(client)).toBe(count);
      // A missing export is still named as missing.
      expect(errorText(await client.callTool({ name: "import_tickets", arguments: { source: "jira-csv", path: "exports/none.csv" } }))).toContain('Jira CSV "exports/none.csv" does not exist');
    });
  });

  describe("with maxTicketFileBytes set in worldline.config.json", () => {
    const tmp = tempDir();
    let client: Client;
    let close: () => Promise<void>;

    beforeAll(async () => {
      makeCodeFixture(tmp.dir);
      commitFiles(tmp.dir, { message: "Tickets", files: { "worldline.config.json": JSON.stringify({ maxTicketFileBytes: 2_000 }), "tickets/SUP-1.json": bigTicket("SUP-1", 100), "tickets/SUP-2.json": bigTicket("SUP-2", 3_000) } }, 3);
      ({ client, close } = await connectServer("tickets", tmp.dir));
    });
    afterAll(async () => {
      await close();
      tmp.cleanup();
    });

    it("takes the limit from the config: the small file imports, the larger one is refused by name", async () => {
      const r = structured<Imported>(await client.callTool({ name: "import_tickets", arguments: { source: "folder" } }));
      expect(r.added).toBe(1);
      expect(r.errors).toEqual([{ file: "tickets/SUP-2.json", message: expect.stringContaining("over maxTicketFileBytes (2000) in worldline.config.json: split it or raise the limit") }]);
      expect(await ticketCount(client)).toBe(1);
    });
  });

  it("the config refuses a limit that is not a positive whole number of bytes, naming the field", () => {
    const tmp = tempDir();
    try {
      writeFileSync(join(tmp.dir, "worldline.config.json"), JSON.stringify({ maxTicketFileBytes: "1MB" }));
      expect(() => loadConfig(tmp.dir)).toThrow(/field "maxTicketFileBytes"/);
      writeFileSync(join(tmp.dir, "worldline.config.json"), JSON.stringify({}));
      expect(loadConfig(tmp.dir).maxTicketFileBytes).toBe(1_000_000);
    } finally {
      tmp.cleanup();
    }
  });
});
