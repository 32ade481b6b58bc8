import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importTickets } from "../servers/tickets/importer.js";
import { componentAndOwner, searchTickets, similarTickets } from "../servers/tickets/queries.js";
import { TicketService } from "../servers/tickets/service.js";
import { parseCsv } from "../servers/tickets/sources/csv.js";
import { readTicketFolder } from "../servers/tickets/sources/folder.js";
import { readJiraCsv } from "../servers/tickets/sources/jira-csv.js";
import { makeCodeFixture } from "./helpers/code-fixture.js";
import { commitFiles, gitIn, tempDir } from "./helpers/git-fixture.js";
import { JIRA_CSV, TICKET_FILES } from "./helpers/ticket-fixture.js";

describe("ticket sources", () => {
  it("parses CSV with quoted multiline fields and doubled quotes", () => {
    expect(parseCsv('a,b\n"x, y","line 1\nline ""2"""\n')).toEqual([["a", "b"], ["x, y", 'line 1\nline "2"']]);
  });

  it("reads a Jira CSV export: multiline descriptions, repeated columns, comments; a bad row is named", async () => {
    const r = readJiraCsv(JIRA_CSV, "exports/jira.csv");
    expect(r.tickets.map((t) => t.key)).toEqual(["BILL-7", "BILL-8"]);
    expect(r.tickets[0]).toMatchObject({
      source: "jira-csv",
      kind: "bug",
      status: "Open",
      labels: ["payments", "sepa"],
      created: "2026-03-02T09:15:00.000Z",
      body: 'Payments time out after 5s.\nThe provider needs "up to 20s", see config.payment.timeoutMs.',
      comments: [{ author: "ops", at: "2026-03-03T10:00:00.000Z", body: "Raised to 30s, watching." }],
    });
    expect(r.tickets[1]).toMatchObject({ kind: "task", created: "2026-03-04T13:05:00.000Z" });
    expect(r.errors).toEqual([{ file: "exports/jira.csv row 4", message: expect.stringMatching(/^field "key"/) }]);
  });
});

describe("tickets of the code fixture", () => {
  const tmp = tempDir();
  let service: TicketService;
  let v1: string;

  beforeAll(async () => {
    makeCodeFixture(tmp.dir);
    v1 = gitIn(tmp.dir, ["rev-parse", "HEAD~1"]).trim();
    commitFiles(tmp.dir, { message: "Tickets", files: TICKET_FILES, date: "2026-03-20T12:00:00Z" }, 3);
    service = new TicketService(tmp.dir);
    const read = await readTicketFolder(tmp.dir);
    const first = await importTickets(service.importContext(), read.tickets, read.errors);
    expect(first).toMatchObject({ added: 5, updated: 0, unchanged: 0 });
    expect(first.errors).toEqual([{ file: "tickets/broken.json", message: 'ticket file tickets/broken.json: field "title" Invalid input: expected string, received undefined' }]);
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("maps a stack trace to the exact symbols, sets vendor frames aside, and finds the message's throw site", async () => {
    const refs = await service.store.codeRefs("SUP-101");
    expect(refs.filter((r) => r.kind === "frame").map((r) => [r.order, r.target])).toEqual([
      [0, "src/fx/convert.ts#convert"],
      [1, "src/billing/invoice.ts#generateInvoice"],
      [2, "src/http/app.ts#invoiceRoute"],
    ]);
    expect(refs.filter((r) => r.kind === "vendor-frame").map((r) => r.text)).toEqual(["/app/node_modules/express/lib/router/layer.js:95"]);
    expect(refs.filter((r) => r.kind === "message")).toEqual([{ kind: "message", text: "Invalid currency code", target: "src/fx/convert.ts#convert" }]);
  });

  it("finds config keys, and redacts secrets and emails with the rule that matched", async () => {
    const t = await service.store.get("SUP-104");
    expect(await service.store.codeRefs("SUP-104")).toContainEqual({ kind: "config", text: "BILLING_CURRENCY_DEFAULT", target: "config:BILLING_CURRENCY_DEFAULT" });
    expect(t?.ticket.body).toContain("password=[REDACTED:secret-assignment]");
    expect(t?.ticket.body).not.toContain("jane.doe@customer.example");
    expect(t?.ticket.reporter).toBe("[REDACTED:email]");
    expect(t?.redactions).toEqual([
      { rule: "secret-assignment", count: 1 },
      { rule: "email", count: 2 },
    ]);
  });

  it("ranks a duplicate worded differently above an unrelated ticket, with the shared evidence", async () => {
    const similar = await similarTickets(service.store, "SUP-101");
    expect(similar[0]).toMatchObject({ key: "SUP-102", sharedCode: ["src/fx/convert.ts#convert"] });
    expect(similar[0]?.sharedTerms).toEqual(expect.arrayContaining(["currency", "invoice"]));
    const unrelated = similar.find((s) => s.key === "SUP-103");
    expect(unrelated === undefined || unrelated.score < (similar[0]?.score ?? 0) / 2).toBe(true);
  });

  it("searches with filters", async () => {
    expect((await searchTickets(service.store, "currency", {})).map((h) => h.key).sort()).toEqual(["SUP-101", "SUP-102", "SUP-104"]);
    expect((await searchTickets(service.store, "currency", { label: "crash" })).map((h) => h.key)).toEqual(["SUP-101"]);
    expect((await searchTickets(service.store, "invoicing", { kind: "incident" })).map((h) => h.key)).toEqual(["INC-7"]);
    expect((await searchTickets(service.store, "login", { status: "CLOSED" })).map((h) => h.key)).toEqual(["SUP-103"]);
    expect((await searchTickets(service.store, "currency", { createdAfter: "2026-03-04T00:00:00Z" })).map((h) => h.key).sort()).toEqual(["SUP-102", "SUP-104"]);
    await expect(searchTickets(service.store, "!!!", {})).rejects.toThrow(/has no words/);
  });

  it("links tickets into the context graph: code references, incidents, suspects from stack frames", async () => {
    const refs = await service.graph.edgesOf("ticket:SUP-101", { direction: "out", rels: ["references"] });
    expect(refs.map((e) => e.dst)).toEqual(
      expect.arrayContaining(["symbol:src/fx/convert.ts#convert", "symbol:src/billing/invoice.ts#generateInvoice", "symbol:src/http/app.ts#invoiceRoute"]),
    );
    expect((await service.graph.edgesOf("ticket:INC-7", { direction: "out", rels: ["mentions"] })).map((e) => e.dst)).toEqual(["ticket:SUP-101", "ticket:SUP-102"]);
    const node = await service.graph.getNode("ticket:INC-7");
    expect(node?.props).toMatchObject({ kind: "incident", severity: "SEV2", started: "2026-03-02T08:40:00.000Z" });
    const suspects = await service.graph.edgesOf("ticket:SUP-101", { direction: "in", rels: ["suspect-of"] });
    expect(suspects.map((e) => e.src)).toContain(`commit:${v1}`);
    expect(suspects[0]?.provenance.method).toBe("blame-frames@1");
  });

  it("guesses the component and owner from the code a ticket names", async () => {
    const guess = await componentAndOwner(service.store, tmp.dir, "SUP-101");
    expect(guess).toMatchObject({ basis: "references", owner: { name: "Ada Fixture", share: 1 } });
    expect(guess.files).toEqual(["src/billing/invoice.ts", "src/fx/convert.ts", "src/http/app.ts"]);
    expect((await componentAndOwner(service.store, tmp.dir, "SUP-103")).basis).not.toBe("references");
  });

  it("re-imports idempotently; an updated ticket updates in place and stops naming what it dropped", async () => {
    const before = await service.graph.status();
    const again = await readTicketFolder(tmp.dir);
    expect(await importTickets(service.importContext(), again.tickets)).toMatchObject({ added: 0, updated: 0, unchanged: 5 });
    expect(await service.graph.status()).toEqual(before);

    writeFileSync(join(tmp.dir, "tickets/SUP-104.md"), TICKET_FILES["tickets/SUP-104.md"]!.replace("BILLING_CURRENCY_DEFAULT is set to GBP", "The account default is GBP").replace("created: 2026-03-10T10:00:00Z", "created: 2026-03-10T10:00:00Z\nupdated: 2026-03-12T10:00:00Z"));
    const updated = await readTicketFolder(tmp.dir);
    expect(await importTickets(service.importContext(), updated.tickets)).toMatchObject({ updated: 1, unchanged: 4 });
    const config = await service.graph.edgesOf("ticket:SUP-104", { direction: "out", rels: ["references"] });
    expect(config.find((e) => e.dst === "config:BILLING_CURRENCY_DEFAULT")?.validTo).toBe("2026-03-12T10:00:00.000Z");
    expect((await service.store.get("SUP-104"))?.ticket.body).toContain("The account default is GBP");
  });
});
