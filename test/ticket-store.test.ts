import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Db, migrate, openDb } from "../core/db.js";
import { PgDatabase } from "../core/pg.js";
import type { CodeRef, Ticket } from "../servers/tickets/model.js";
import { PgTicketStore } from "../servers/tickets/pg-store.js";
import { searchTickets } from "../servers/tickets/queries.js";
import { SQLITE_TICKET_MIGRATIONS } from "../servers/tickets/schema.js";
import { SqliteTicketStore } from "../servers/tickets/sqlite-store.js";
import type { TicketSave, TicketStore } from "../servers/tickets/store.js";
import { tempDir } from "./helpers/git-fixture.js";
import { freshDatabase } from "./helpers/postgres.js";

/**
 * Each backend of the TicketStore interface runs the same suite, PostgreSQL on the real server the test set-up
 * started (a database of its own per test). Search answers are compared as sets: the backends rank alike in
 * spirit (title above labels above body above comments) but not to the same numbers.
 */
const BACKENDS: Array<{ name: string; open: (dir: string) => Promise<{ store: TicketStore; drop?: () => Promise<void> }> }> = [
  { name: "sqlite", open: async (dir) => ({ store: new SqliteTicketStore(openDb(join(dir, "tickets.db"))) }) },
  {
    name: "postgres",
    open: async () => {
      const db = await freshDatabase("tickets");
      const database = new PgDatabase(db.url);
      return { store: new PgTicketStore(database), drop: async () => (await database.close(), await db.drop()) };
    },
  },
];

const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const NOW = "2026-04-01T00:00:00.000Z";

function ticket(key: string, over: Partial<Ticket> = {}): Ticket {
  return {
    key,
    source: "folder",
    kind: "bug",
    title: `Ticket ${key}`,
    body: "",
    status: "open",
    labels: [],
    components: [],
    created: "2026-03-01T00:00:00.000Z",
    comments: [],
    customers: [],
    links: [],
    ...over,
  };
}

const item = (t: Ticket, refs: CodeRef[] = [], contentHash = `h-${t.key}`): TicketSave => ({ ticket: t, refs, redactions: [], contentHash });
const keys = (rows: ReadonlyArray<{ ticket: Ticket }>) => rows.map((r) => r.ticket.key).sort();

describe.each(BACKENDS)("ticket store ($name)", ({ open }) => {
  let tmp: ReturnType<typeof tempDir>;
  let store: TicketStore;
  let drop: (() => Promise<void>) | undefined;

  beforeEach(async () => {
    tmp = tempDir();
    ({ store, drop } = await open(tmp.dir));
  });
  afterEach(async () => {
    if (drop) await drop();
    else store.close();
    tmp.cleanup();
  });

  it("saves and reads back a ticket, its content hash and its code references in order", async () => {
    expect(await store.get("SUP-1")).toBeUndefined();
    expect(await store.contentHash("SUP-1")).toBeUndefined();
    const t = ticket("SUP-1", { title: "Invoice crash", body: "see src/a.ts", labels: ["billing"], updated: "2026-03-02T00:00:00.000Z", comments: [{ author: "ops", body: "seen" }] });
    const refs: CodeRef[] = [
      { kind: "frame", text: "src/a.ts:3", target: "src/a.ts#f", order: 0 },
      { kind: "frame", text: "src/b.ts:9", target: "src/b.ts#g", order: 1 },
      { kind: "file", text: "src/a.ts", target: null },
    ];
    await store.save([{ ticket: t, refs, redactions: [{ rule: "email", count: 1 }], contentHash: "abc" }], NOW);
    expect(await store.get("SUP-1")).toEqual({ ticket: t, redactions: [{ rule: "email", count: 1 }], contentHash: "abc", importedAt: NOW });
    expect(await store.contentHash("SUP-1")).toBe("abc");
    expect(await store.codeRefs("SUP-1")).toEqual(refs);
    expect(await store.count()).toBe(1);
  });

  it("saves the same ticket twice as one row, its code references replaced, not added to", async () => {
    await store.save([item(ticket("SUP-1"), [{ kind: "file", text: "src/a.ts", target: "src/a.ts" }], "h1")], NOW);
    await store.save([item(ticket("SUP-1", { title: "Renamed" }), [{ kind: "file", text: "src/b.ts", target: "src/b.ts" }], "h2")], NOW);
    await store.save([item(ticket("SUP-1", { title: "Renamed" }), [{ kind: "file", text: "src/b.ts", target: "src/b.ts" }], "h2")], NOW);
    expect(await store.count()).toBe(1);
    expect((await store.get("SUP-1"))?.ticket.title).toBe("Renamed");
    expect(await store.contentHash("SUP-1")).toBe("h2");
    expect(await store.codeRefs("SUP-1")).toEqual([{ kind: "file", text: "src/b.ts", target: "src/b.ts" }]);
    expect([...(await store.ticketsReferencing(["src/a.ts"])).keys()]).toEqual([]);
    // The old title is out of the index too.
    expect(keys(await store.search(["ticket"], "all", {}, 10))).toEqual([]);
    expect(keys(await store.search(["renamed"], "all", {}, 10))).toEqual(["SUP-1"]);
  });

  it("redacts on save, whoever saves: no secret reaches the row, its code references or the index", async () => {
    const raw = ticket("SUP-2", { body: `aws_secret_access_key = ${AWS_SECRET}`, comments: [{ author: "ops", body: `password=hunter22staging` }] });
    await store.save([item(raw, [{ kind: "message", text: `aws_secret_access_key = ${AWS_SECRET}`, target: null }])], NOW);
    const stored = await store.get("SUP-2");
    expect(stored?.ticket.body).toBe("aws_secret_access_key = [REDACTED:aws-secret-key]");
    expect(stored?.ticket.comments[0]?.body).toBe("password=[REDACTED:secret-assignment]");
    expect(JSON.stringify(await store.codeRefs("SUP-2"))).not.toContain(AWS_SECRET);
    expect(keys(await store.search(["aws", "secret"], "all", {}, 10))).toEqual(["SUP-2"]);
    for (const part of [...AWS_SECRET.split("/"), "hunter22staging"]) expect(await store.search([part], "any", {}, 10)).toEqual([]);
  });

  describe("search", () => {
    beforeEach(async () => {
      await store.save(
        [
          item(ticket("SUP-10", { title: "Totals round to the wrong cent", body: "FX conversion", labels: ["billing"], components: ["invoices"], created: "2026-03-01T00:00:00.000Z" })),
          item(ticket("SUP-11", { title: "Plan change mid-cycle", body: "the amount is off", labels: ["proration", "billing"], status: "Closed", created: "2026-03-05T00:00:00.000Z" })),
          item(ticket("SUP-12", { title: "Login page slow", body: "nothing about money", kind: "incident", components: ["web"], created: "2026-03-10T00:00:00.000Z", comments: [{ author: "a", body: "rounding again?" }] })),
          item(ticket("SUP-13", { title: "Export fails", body: "CSV export times out", kind: "task", created: "2026-03-10T00:00:00.000Z" })),
        ],
        NOW,
      );
    });

    it("is stemmed on both: rounding finds round, in a title and in a comment", async () => {
      expect(keys(await store.search(["rounding"], "all", {}, 10))).toEqual(["SUP-10", "SUP-12"]);
      expect(keys(await store.search(["exporting"], "all", {}, 10))).toEqual(["SUP-13"]);
    });

    it("searches labels: proration finds the ticket whose only mention is its label", async () => {
      expect(keys(await store.search(["proration"], "all", {}, 10))).toEqual(["SUP-11"]);
      expect(keys(await store.search(["billing"], "all", {}, 10))).toEqual(["SUP-10", "SUP-11"]);
    });

    it("takes all the words or any of them; a word that is only punctuation finds nothing", async () => {
      expect(keys(await store.search(["rounding", "cent"], "all", {}, 10))).toEqual(["SUP-10"]);
      expect(keys(await store.search(["proration", "export"], "all", {}, 10))).toEqual([]);
      expect(keys(await store.search(["proration", "export"], "any", {}, 10))).toEqual(["SUP-11", "SUP-13"]);
      // Query syntax of either backend is only a word here.
      expect(keys(await store.search(['"fails', "export&|!(", "NOT"], "any", {}, 10))).toEqual(["SUP-13"]);
      expect(await store.search(["!!!"], "all", {}, 10)).toEqual([]);
      expect((await store.search(["rounding"], "all", {}, 1)).length).toBe(1);
    });

    it("filters by status, label, component, kind and creation time, with or without words", async () => {
      expect(keys(await store.search(["billing"], "all", { status: "CLOSED" }, 10))).toEqual(["SUP-11"]);
      expect(keys(await store.search([], "all", { status: "open" }, 10))).toEqual(["SUP-10", "SUP-12", "SUP-13"]);
      expect(keys(await store.search(["rounding"], "all", { label: "billing" }, 10))).toEqual(["SUP-10"]);
      expect(keys(await store.search([], "all", { label: "proration" }, 10))).toEqual(["SUP-11"]);
      expect(keys(await store.search([], "all", { label: "bill" }, 10))).toEqual([]);
      expect(keys(await store.search(["rounding"], "all", { component: "web" }, 10))).toEqual(["SUP-12"]);
      expect(keys(await store.search([], "all", { component: "invoices" }, 10))).toEqual(["SUP-10"]);
      expect(keys(await store.search(["rounding"], "all", { kind: "incident" }, 10))).toEqual(["SUP-12"]);
      expect(keys(await store.search([], "all", { kind: "task" }, 10))).toEqual(["SUP-13"]);
      // A filter time in another ISO form than the stored one compares as the time it names.
      expect(keys(await store.search([], "all", { createdAfter: "2026-03-05T00:00:00Z" }, 10))).toEqual(["SUP-11", "SUP-12", "SUP-13"]);
      expect(keys(await store.search([], "all", { createdBefore: "2026-03-05T00:00:00Z" }, 10))).toEqual(["SUP-10"]);
      expect(keys(await store.search(["rounding"], "all", { createdAfter: "2026-03-02T00:00:00Z", createdBefore: "2026-03-11T00:00:00Z" }, 10))).toEqual(["SUP-12"]);
      await expect(store.search([], "all", { createdAfter: "last week" }, 10)).rejects.toThrow(/filter createdAfter "last week" is not a time/);
    });

    it("lists by filters alone newest created first, up to the limit", async () => {
      const listed = await store.search([], "all", { status: "open" }, 10);
      expect(listed.map((r) => r.ticket.created)).toEqual([...listed.map((r) => r.ticket.created)].sort().reverse());
      expect((await store.search([], "all", { status: "open" }, 2)).map((r) => r.ticket.key).sort()).toEqual(["SUP-12", "SUP-13"]);
    });

    it("searchTickets: a query is optional when a filter is given, and one of them is needed", async () => {
      expect((await searchTickets(store, undefined, { label: "billing" })).map((h) => h.key)).toEqual(["SUP-11", "SUP-10"]);
      expect((await searchTickets(store, "", { kind: "incident" })).map((h) => h.key)).toEqual(["SUP-12"]);
      expect((await searchTickets(store, "rounding", {})).map((h) => h.key).sort()).toEqual(["SUP-10", "SUP-12"]);
      // Not every word: the tickets with any of them.
      expect((await searchTickets(store, "proration export", {})).map((h) => h.key).sort()).toEqual(["SUP-11", "SUP-13"]);
      await expect(searchTickets(store, undefined, {})).rejects.toThrow(/no query and no filter: expected a query .* or a filter/);
      await expect(searchTickets(store, "  ", { label: "" })).rejects.toThrow(/no query and no filter/);
      await expect(searchTickets(store, "!!!", { kind: "bug" })).rejects.toThrow(/query "!!!" has no words/);
    });
  });

  it("lists changes since a time, oldest change first, by source", async () => {
    await store.save(
      [
        item(ticket("SUP-3", { created: "2026-03-01T00:00:00.000Z", updated: "2026-03-09T00:00:00.000Z" })),
        item(ticket("SUP-4", { created: "2026-03-05T00:00:00.000Z" })),
        item(ticket("#5", { source: "github", created: "2026-03-02T00:00:00.000Z" })),
        item(ticket("SUP-6", { created: "2026-02-01T00:00:00.000Z" })),
      ],
      NOW,
    );
    expect((await store.changedSince(undefined, undefined)).map((s) => s.ticket.key)).toEqual(["SUP-6", "#5", "SUP-4", "SUP-3"]);
    expect((await store.changedSince("folder", "2026-03-01T00:00:00.000Z")).map((s) => s.ticket.key)).toEqual(["SUP-4", "SUP-3"]);
    expect((await store.changedSince("github", undefined)).map((s) => s.ticket.key)).toEqual(["#5"]);
    expect(await store.changedSince(undefined, "2026-03-09T00:00:00.000Z")).toEqual([]);
  });

  it("finds the tickets naming code targets, with the targets they share", async () => {
    await store.save(
      [
        item(ticket("SUP-7"), [
          { kind: "frame", text: "a", target: "src/a.ts#f", order: 0 },
          { kind: "file", text: "b", target: "src/b.ts" },
        ]),
        item(ticket("SUP-8"), [{ kind: "file", text: "b", target: "src/b.ts" }]),
        item(ticket("SUP-9"), [{ kind: "config", text: "X", target: "config:X" }]),
      ],
      NOW,
    );
    const found = await store.ticketsReferencing(["src/a.ts#f", "src/b.ts", "src/none.ts"]);
    expect([...found.keys()].sort()).toEqual(["SUP-7", "SUP-8"]);
    expect([...(found.get("SUP-7") ?? [])].sort()).toEqual(["src/a.ts#f", "src/b.ts"]);
    expect([...(found.get("SUP-8") ?? [])]).toEqual(["src/b.ts"]);
    expect((await store.ticketsReferencing([])).size).toBe(0);
  });

  it("records a posted comment once per ticket revision", async () => {
    expect(await store.postedComment("#1", "rev1")).toBeUndefined();
    await store.recordComment("#1", "rev1", "https://example.com/c/1", "2026-03-01T00:00:00.000Z");
    await store.recordComment("#1", "rev1", "https://example.com/c/2", "2026-03-02T00:00:00.000Z");
    expect(await store.postedComment("#1", "rev1")).toEqual({ url: "https://example.com/c/1", postedAt: "2026-03-01T00:00:00.000Z" });
    expect(await store.postedComment("#1", "rev2")).toBeUndefined();
  });

  it("leaves the tickets as they were when a write fails part-way: nothing of the batch is kept", async () => {
    await store.save([item(ticket("SUP-20", { title: "Original" }), [{ kind: "file", text: "a", target: "src/a.ts" }], "h-before")], NOW);
    // The third ticket has no title: the database refuses its row (NOT NULL), after the first two were written.
    const broken = { ...ticket("SUP-22"), title: null } as unknown as Ticket;
    await expect(
      store.save([item(ticket("SUP-20", { title: "After" }), [], "h-after"), item(ticket("SUP-21", { title: "Fresh" })), item(broken)], NOW),
    ).rejects.toThrow(/NOT NULL constraint failed: tk_ticket\.title|null value in column "title"/);
    expect(await store.count()).toBe(1);
    expect(await store.get("SUP-21")).toBeUndefined();
    expect((await store.get("SUP-20"))?.ticket.title).toBe("Original");
    expect(await store.contentHash("SUP-20")).toBe("h-before");
    expect(await store.codeRefs("SUP-20")).toEqual([{ kind: "file", text: "a", target: "src/a.ts" }]);
    expect(keys(await store.search(["fresh"], "all", {}, 10))).toEqual([]);
    expect(keys(await store.search(["original"], "all", {}, 10))).toEqual(["SUP-20"]);
    // And the store still writes afterwards.
    await store.save([item(ticket("SUP-21", { title: "Fresh" }))], NOW);
    expect(await store.count()).toBe(2);
  });
});

function oldRow(db: Db, t: Ticket): void {
  db.prepare(
    `INSERT INTO tk_ticket (key, source, kind, title, body, comments, status, labels, components, created_at, updated_at, data, redactions, content_hash, imported_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, '[]', ?, ?)`,
  ).run(t.key, t.source, t.kind, t.title, t.body, t.comments.map((c) => c.body).join("\n\n"), t.status, JSON.stringify(t.labels), JSON.stringify(t.components), t.created, JSON.stringify(t), `h-${t.key}`, NOW);
}

describe("ticket store (sqlite): a database of schema version 2", () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it("migrates to the latest version with its tickets searchable, stemmed and by label, and keeps the index right on later writes", async () => {
    const file = join(tmp.dir, "old.db");
    const old = openDb(file);
    // The migrations an existing database ran: versions 1 and 2, as released.
    migrate(old, "tickets", SQLITE_TICKET_MIGRATIONS.filter((m) => m.version <= 2));
    expect(old.prepare("SELECT MAX(version) AS v FROM schema_migrations WHERE component = 'tickets'").get()).toEqual({ v: 2 });
    oldRow(old, ticket("SUP-30", { title: "Totals round wrong", labels: ["proration"] }));
    oldRow(old, ticket("SUP-31", { title: "Login slow", body: "rounding in a body", comments: [{ author: "a", body: "export fails" }] }));
    old.prepare("INSERT INTO tk_comment (key, revision, url, posted_at) VALUES ('SUP-30', 'r1', 'https://example.com/1', ?)").run(NOW);
    // The old index had no stemming: the word as written only.
    expect(old.prepare("SELECT COUNT(*) AS n FROM tk_ticket_fts WHERE tk_ticket_fts MATCH 'rounding'").get()).toEqual({ n: 1 });
    old.close();

    const db = openDb(file);
    const store = new SqliteTicketStore(db);
    try {
      expect(db.prepare("SELECT MAX(version) AS v FROM schema_migrations WHERE component = 'tickets'").get()).toEqual({ v: 4 });
      expect(await store.count()).toBe(2);
      expect(keys(await store.search(["rounding"], "all", {}, 10))).toEqual(["SUP-30", "SUP-31"]);
      expect(keys(await store.search(["proration"], "all", {}, 10))).toEqual(["SUP-30"]);
      expect(keys(await store.search(["exported"], "all", {}, 10))).toEqual(["SUP-31"]);
      expect(await store.postedComment("SUP-30", "r1")).toEqual({ url: "https://example.com/1", postedAt: NOW });
      // A row updated after the migration leaves the index with its new words only.
      await store.save([item(ticket("SUP-30", { title: "Currency mismatch", labels: ["fx"] }))], NOW);
      expect(keys(await store.search(["proration"], "all", {}, 10))).toEqual([]);
      expect(keys(await store.search(["fx"], "all", {}, 10))).toEqual(["SUP-30"]);
      expect(keys(await store.search(["rounding"], "all", {}, 10))).toEqual(["SUP-31"]);
      expect(() => db.prepare("INSERT INTO tk_ticket_fts(tk_ticket_fts) VALUES ('integrity-check')").run()).not.toThrow();
    } finally {
      store.close();
    }
  });
});
