import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCodeFixture } from "./helpers/code-fixture.js";
import { commitFiles, tempDir } from "./helpers/git-fixture.js";
import { connectServer, errorText, structured } from "./helpers/mcp-client.js";
import { JIRA_CSV, TICKET_FILES } from "./helpers/ticket-fixture.js";

describe("tickets MCP server over stdio", () => {
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

  it("imports, searches, reads and relates tickets", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["comment_ticket", "get_ticket", "import_tickets", "list_tickets", "locate_ticket", "search_tickets", "similar_tickets", "ticket_code_links", "ticket_suspects"]);
    const folder = structured<{ added: number; errors: Array<{ file: string }> }>(await client.callTool({ name: "import_tickets", arguments: { source: "folder" } }));
    expect(folder.added).toBe(5);
    expect(folder.errors.map((e) => e.file)).toEqual(["tickets/broken.json"]);
    const jira = structured<{ added: number }>(await client.callTool({ name: "import_tickets", arguments: { source: "jira-csv", path: "exports/jira.csv" } }));
    expect(jira.added).toBe(2);
    const again = structured<{ added: number; unchanged: number }>(await client.callTool({ name: "import_tickets", arguments: { source: "folder" } }));
    expect(again).toMatchObject({ added: 0, unchanged: 5 });

    const hits = structured<{ items: Array<{ key: string }> }>(await client.callTool({ name: "search_tickets", arguments: { query: "timeout provider" } }));
    expect(hits.items.map((h) => h.key)).toEqual(["BILL-7"]);
    const ticket = structured<{ ticket: { title: string }; codeRefs: Array<{ kind: string }> }>(await client.callTool({ name: "get_ticket", arguments: { key: "SUP-101" } }));
    expect(ticket.ticket.title).toBe("Invoice generation crashes for EU customer");
    const similar = structured<{ items: Array<{ key: string }> }>(await client.callTool({ name: "similar_tickets", arguments: { key: "SUP-101" } }));
    expect(similar.items[0]?.key).toBe("SUP-102");
    const links = structured<{ codeRefs: unknown[]; component: string; owner: { name: string } }>(await client.callTool({ name: "ticket_code_links", arguments: { key: "SUP-101" } }));
    expect(links.owner.name).toBe("Ada Fixture");
    const suspects = structured<{ items: Array<{ method: string; via: string }> }>(await client.callTool({ name: "ticket_suspects", arguments: { key: "SUP-101" } }));
    expect(suspects.items[0]).toMatchObject({ method: "blame-frames@1", via: "stack frames" });

    type Listed = { items: Array<{ key: string; source: string; changed: string; revision: string }> };
    const all = structured<Listed>(await client.callTool({ name: "list_tickets", arguments: { source: "folder" } }));
    expect(all.items.length).toBe(folder.added);
    expect(all.items.map((t) => t.changed)).toEqual([...all.items.map((t) => t.changed)].sort());
    for (const t of all.items) expect(t.revision).toMatch(/^[0-9a-f]{12}$/);
    const newest = all.items.at(-1)?.changed ?? "";
    const later = structured<Listed>(await client.callTool({ name: "list_tickets", arguments: { source: "folder", changedSince: newest } }));
    expect(later.items).toEqual([]);
  });

  it("searches with filters alone, and asks for a query or a filter when given neither", async () => {
    await client.callTool({ name: "import_tickets", arguments: { source: "folder" } });
    type Hits = { items: Array<{ key: string; created: string }> };
    const billing = structured<Hits>(await client.callTool({ name: "search_tickets", arguments: { label: "billing" } }));
    expect(billing.items.map((h) => h.key)).toEqual(["SUP-102", "SUP-101"]);
    const incidents = structured<Hits>(await client.callTool({ name: "search_tickets", arguments: { query: "", kind: "incident" } }));
    expect(incidents.items.map((h) => h.key)).toEqual(["INC-7"]);
    // Stemmed: "currencies" finds the tickets that say "currency".
    const stemmed = structured<Hits>(await client.callTool({ name: "search_tickets", arguments: { query: "currencies", label: "crash" } }));
    expect(stemmed.items.map((h) => h.key)).toEqual(["SUP-101"]);
    expect(errorText(await client.callTool({ name: "search_tickets", arguments: {} }))).toMatch(/no query and no filter: expected a query \(words to find\) or a filter/);
    expect(errorText(await client.callTool({ name: "search_tickets", arguments: { query: "" } }))).toMatch(/no query and no filter/);
    expect(errorText(await client.callTool({ name: "search_tickets", arguments: { query: "!!!", label: "billing" } }))).toMatch(/query "!!!" has no words/);
  });

  it("posts comments only to tickets from a tracker, and lists with a valid time", async () => {
    expect(errorText(await client.callTool({ name: "comment_ticket", arguments: { key: "SUP-101", body: "hello" } }))).toMatch(/came from folder: comments can be posted only to tickets imported from GitHub or Jira/);
    expect(errorText(await client.callTool({ name: "comment_ticket", arguments: { key: "SUP-999", body: "hello" } }))).toMatch(/unknown ticket "SUP-999"/);
    expect(errorText(await client.callTool({ name: "comment_ticket", arguments: { key: "SUP-101", body: "" } }))).toMatch(/body/);
    expect(errorText(await client.callTool({ name: "list_tickets", arguments: { changedSince: "last week" } }))).toMatch(/changedSince/);
  });

  it("refuses bad input with one clear line", async () => {
    expect(errorText(await client.callTool({ name: "get_ticket", arguments: { key: "SUP-999" } }))).toMatch(/unknown ticket "SUP-999"/);
    expect(errorText(await client.callTool({ name: "import_tickets", arguments: { source: "jira-csv" } }))).toMatch(/needs "path"/);
    expect(errorText(await client.callTool({ name: "import_tickets", arguments: { source: "jira-csv", path: "../x.csv" } }))).toMatch(/outside the repo/);
    expect(errorText(await client.callTool({ name: "import_tickets", arguments: { source: "jira-csv", path: "missing.csv" } }))).toMatch(/Jira CSV "missing.csv" does not exist/);
  });
});
