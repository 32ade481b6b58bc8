import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openDb } from "../core/db.js";
import { PgDatabase } from "../core/pg.js";
import { recordDecision } from "../servers/context-graph/decisions.js";
import type { EdgeInput } from "../servers/context-graph/model.js";
import { PgContextGraph } from "../servers/context-graph/pg-store.js";
import { SqliteContextGraph } from "../servers/context-graph/sqlite-store.js";
import type { ContextGraphStore } from "../servers/context-graph/store.js";
import { steppingClock } from "./helpers/clock.js";
import { tempDir } from "./helpers/git-fixture.js";
import { freshDatabase } from "./helpers/postgres.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const git = { method: "git-ingest@1", authority: "deterministic" as const };

/**
 * Each backend of the ContextGraphStore interface runs the same suite, PostgreSQL on the real server the test
 * set-up started (a database of its own per test). Only the WAL readers test is SQLite's own.
 */
const BACKENDS: Array<{ name: string; open: (dir: string, now: () => string) => Promise<{ store: ContextGraphStore; drop?: () => Promise<void> }> }> = [
  { name: "sqlite", open: async (dir, now) => ({ store: new SqliteContextGraph(openDb(join(dir, "graph.db")), { now }) }) },
  {
    name: "postgres",
    open: async (_dir, now) => {
      const db = await freshDatabase("graph");
      const database = new PgDatabase(db.url);
      return { store: new PgContextGraph(database, { now }), drop: async () => (await database.close(), await db.drop()) };
    },
  },
];

describe.each(BACKENDS)("context graph store ($name)", ({ name, open }) => {
  let tmp: ReturnType<typeof tempDir>;
  let store: ContextGraphStore;
  let clock: ReturnType<typeof steppingClock>;
  let drop: (() => Promise<void>) | undefined;

  beforeEach(async () => {
    tmp = tempDir();
    clock = steppingClock("2026-06-10T00:00:00Z");
    ({ store, drop } = await open(tmp.dir, clock.now));
  });
  afterEach(async () => {
    if (drop) await drop();
    else store.close();
    tmp.cleanup();
  });

  it("answers as of an event time and as known at a system time", async () => {
    clock.set("2026-06-01T00:00:00Z");
    await store.ingest({
      edges: [{ src: "config:paymentTimeoutMs", rel: "governs", dst: "file:src/pay.ts", validFrom: "2026-03-01T00:00:00Z", provenance: git }],
    });
    clock.set("2026-06-05T00:00:00Z");
    await store.ingest({ closures: [{ src: "config:paymentTimeoutMs", rel: "governs", key: "file:src/pay.ts", validTo: "2026-05-01T00:00:00Z" }] });

    const at = async (asOf?: string, asKnownAt?: string) =>
      (await store.edgesOf("config:paymentTimeoutMs", { filter: { ...(asOf ? { asOf } : {}), ...(asKnownAt ? { asKnownAt } : {}) } })).length;
    expect(await at("2026-04-01T00:00:00Z")).toBe(1);
    expect(await at("2026-06-01T00:00:00Z")).toBe(0);
    expect(await at("2026-02-01T00:00:00Z")).toBe(0);
    // Before Worldline recorded it, it knew nothing of the fact.
    expect(await at("2026-04-01T00:00:00Z", "2026-05-31T00:00:00Z")).toBe(0);
    // Between recording and closing, it believed the fact still held in June.
    expect(await at("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z")).toBe(1);
    const [edge] = await store.edgesOf("config:paymentTimeoutMs");
    expect(edge).toMatchObject({ validFrom: "2026-03-01T00:00:00.000Z", validTo: "2026-05-01T00:00:00.000Z", retractedAt: null });
  });

  it("never lets a claim retire one of higher authority; an equal or higher one retires it", async () => {
    const claim = (dst: string, authority: "llm" | "deterministic" | "human"): EdgeInput => ({
      src: "commit:abc",
      rel: "induced-by",
      dst,
      key: "cause",
      provenance: { method: `m-${authority}@1`, authority, confidence: authority === "llm" ? 0.4 : 0.9 },
    });
    await store.ingest({ edges: [claim("commit:c1", "deterministic")] });
    const llm = await store.ingest({ edges: [claim("commit:c2", "llm")] });
    expect(llm).toMatchObject({ edgesAdded: 1, edgesRetired: 0 });
    expect((await store.edgesOf("commit:abc")).map((e) => `${e.dst} ${e.provenance.authority}`).sort()).toEqual([
      "commit:c1 deterministic",
      "commit:c2 llm",
    ]);
    const det = await store.ingest({ edges: [claim("commit:c3", "deterministic")] });
    expect(det.edgesRetired).toBe(2);
    const human = await store.ingest({ edges: [claim("commit:c4", "human")] });
    expect(human.edgesRetired).toBe(1);
    expect((await store.edgesOf("commit:abc")).map((e) => e.dst)).toEqual(["commit:c4"]);
    // Nothing is deleted: the retired claims are still there as known earlier.
    expect((await store.edgesOf("commit:abc", { filter: { asKnownAt: "2026-06-10T00:00:00.500Z" } })).map((e) => e.dst)).toEqual(["commit:c1"]);
  });

  it("ingests idempotently: the same episode twice adds no facts", async () => {
    const batch = {
      episode: { source: "git", ref: "abc123", text: "Fix rounding (SUP-12)", occurredAt: "2026-02-01T10:00:00Z" },
      nodes: [{ id: "commit:abc123", title: "Fix rounding", text: "Fix rounding (SUP-12)", occurredAt: "2026-02-01T10:00:00Z" }],
      edges: [
        { src: "commit:abc123", rel: "modifies", dst: "file:src/fx.ts", validFrom: "2026-02-01T10:00:00Z", provenance: git },
        { src: "commit:abc123", rel: "references", dst: "ticket:SUP-12", validFrom: "2026-02-01T10:00:00Z", provenance: git },
      ],
    };
    const first = await store.ingest(batch);
    expect(first).toMatchObject({ nodesAdded: 4, edgesAdded: 2 });
    const before = await store.status();
    const second = await store.ingest(batch);
    expect(second).toMatchObject({ nodesAdded: 0, nodesUpdated: 0, edgesAdded: 0, edgesRetired: 0 });
    expect(await store.status()).toEqual(before);
    expect(before.nodes).toEqual({ commit: 1, episode: 1, file: 1, ticket: 1 });
  });

  it("rejects a malformed batch whole, naming the bad field", async () => {
    const bad = store.ingest({
      edges: [
        { src: "file:a.ts", rel: "mentions", dst: "file:b.ts", provenance: git },
        { src: "nonsense", rel: "mentions", dst: "file:b.ts", provenance: git },
      ],
    });
    await expect(bad).rejects.toThrow(/a node id is kind:key/);
    await expect(store.ingest({ edges: [{ src: "file:a.ts", rel: "Has Space", dst: "file:b.ts", provenance: git }] })).rejects.toThrow(/lower-case words/);
    expect((await store.status()).nodes).toEqual({});
  });

  it("searches node text with bm25, by kind and as known at a time", async () => {
    clock.set("2026-01-01T00:00:00Z");
    await store.ingest({ nodes: [{ id: "ticket:SUP-1", title: "Invoice total wrong for EU customers", text: "FX rounding gives 0.01 off on proration" }] });
    clock.set("2026-03-01T00:00:00Z");
    await store.ingest({
      nodes: [
        { id: "ticket:SUP-2", title: "Login page slow", text: "rounding of avatars" },
        { id: "commit:def", title: "Round FX before proration", text: "proration FX rounding fix" },
      ],
    });
    // Result sets, not ranking order: the backends rank differently (bm25, ts_rank).
    const hits = await store.search("FX rounding proration");
    expect(hits.map((h) => h.node.id).sort()).toEqual(["commit:def", "ticket:SUP-1"]);
    expect((await store.search("rounding", { kinds: ["ticket"] })).map((h) => h.node.id).sort()).toEqual(["ticket:SUP-1", "ticket:SUP-2"]);
    expect((await store.search("rounding", { filter: { asKnownAt: "2026-02-01T00:00:00Z" } })).map((h) => h.node.id)).toEqual(["ticket:SUP-1"]);
  });

  it("walks neighbors to a depth and finds the shortest evidence path", async () => {
    const e = (src: string, rel: string, dst: string): EdgeInput => ({ src, rel, dst, provenance: git });
    await store.ingest({
      edges: [
        e("commit:c1", "modifies", "file:src/fx.ts"),
        e("person:ada", "authored", "commit:c1"),
        e("commit:c1", "fixes", "ticket:SUP-12"),
        e("ticket:SUP-12", "mentions", "symbol:src/fx.ts#convert"),
        e("decision:doc/adr/0001-fx.md", "governs", "file:src/fx.ts"),
        e("person:ada", "authored", "commit:c2"),
        e("commit:c2", "modifies", "file:src/other.ts"),
      ],
    });
    expect(await store.neighbors("file:src/fx.ts", 1)).toEqual([
      { id: "commit:c1", depth: 1 },
      { id: "decision:doc/adr/0001-fx.md", depth: 1 },
    ]);
    expect((await store.neighbors("file:src/fx.ts", 2, { direction: "in" })).map((n) => n.id)).toEqual([
      "commit:c1",
      "decision:doc/adr/0001-fx.md",
      "person:ada",
    ]);
    expect((await store.neighbors("person:ada", 3, { rels: ["authored", "modifies"] })).map((n) => `${n.id}@${n.depth}`)).toEqual([
      "commit:c1@1",
      "commit:c2@1",
      "file:src/fx.ts@2",
      "file:src/other.ts@2",
    ]);
    const path = await store.evidencePath("symbol:src/fx.ts#convert", "decision:doc/adr/0001-fx.md", 6);
    expect(path?.map((x) => `${x.src} ${x.rel} ${x.dst}`)).toEqual([
      "ticket:SUP-12 mentions symbol:src/fx.ts#convert",
      "commit:c1 fixes ticket:SUP-12",
      "commit:c1 modifies file:src/fx.ts",
      "decision:doc/adr/0001-fx.md governs file:src/fx.ts",
    ]);
    expect(await store.evidencePath("symbol:src/fx.ts#convert", "file:src/other.ts", 2)).toBeUndefined();
    expect(await store.evidencePath("symbol:src/fx.ts#convert", "file:src/other.ts", 6)).toHaveLength(5);
  });

  it("records a decision trace once, linked to its evidence", async () => {
    const trace = {
      question: "Does pr/rounding-refactor break eu-proration?",
      conclusion: "yes: total differs by 0.01",
      evidence: ["scenario:eu-proration", "symbol:src/fx.ts#convert"],
      reasoning: "convert rounds before multiplying; contact ops@example.com",
      author: "embedded-planner@1",
    };
    const first = await recordDecision(store, trace);
    expect(first).toMatchObject({ evidence: 2, created: true });
    expect((await recordDecision(store, trace)).created).toBe(false);
    const edges = await store.edgesOf(first.id, { direction: "out" });
    expect(edges.map((x) => `${x.rel} ${x.dst}`)).toEqual(["motivated-by scenario:eu-proration", "motivated-by symbol:src/fx.ts#convert"]);
    const node = await store.getNode(first.id);
    expect(node?.text).toContain("[REDACTED:email]");
    expect(node?.text).not.toContain("ops@example.com");
  });

  it.runIf(name === "sqlite")("lets readers read the last committed state while a writer holds a transaction", async () => {
    await store.ingest({ nodes: [{ id: "ticket:A", title: "first" }] });
    const writer = openDb(join(tmp.dir, "graph.db"));
    const reader = new SqliteContextGraph(openDb(join(tmp.dir, "graph.db")));
    try {
      writer.prepare("BEGIN IMMEDIATE").run();
      writer.prepare("UPDATE ctx_node SET title = 'changed' WHERE id = 'ticket:A'").run();
      expect((await reader.getNode("ticket:A"))?.title).toBe("first");
      writer.prepare("COMMIT").run();
      expect((await reader.getNode("ticket:A"))?.title).toBe("changed");
    } finally {
      writer.close();
      reader.close();
    }
  });

  it.runIf(name === "postgres")("lets readers read the last committed state while a writer holds a transaction", async () => {
    await store.ingest({ nodes: [{ id: "ticket:A", title: "first" }] });
    const database = (store as PgContextGraph).database;
    const writer = await database.pool.connect();
    try {
      await writer.query("BEGIN");
      await writer.query("UPDATE ctx_node SET title = 'changed' WHERE id = 'ticket:A'");
      expect((await store.getNode("ticket:A"))?.title).toBe("first");
      await writer.query("COMMIT");
      expect((await store.getNode("ticket:A"))?.title).toBe("changed");
    } finally {
      writer.release();
    }
  });
});

const CHILD = join(ROOT, "test/helpers/ingest-child.ts");

function runChild(args: string[]): { child: ChildProcess; out: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((r) => child.on("exit", (code, signal) => r({ code, signal, stderr })));
  return { child, out: () => out, exited };
}

/** A backend as another process reaches it: the SQLite file's path or the PostgreSQL database's URL. */
const SHARED_BACKENDS: Array<{ name: string; make: (dir: string) => Promise<{ target: string; open: () => ContextGraphStore; drop: () => Promise<void> }> }> = [
  {
    name: "sqlite",
    make: async (dir) => {
      const file = join(dir, "graph.db");
      return { target: file, open: () => new SqliteContextGraph(openDb(file)), drop: async () => {} };
    },
  },
  {
    name: "postgres",
    make: async () => {
      const db = await freshDatabase("shared");
      const opened: PgDatabase[] = [];
      return {
        target: db.url,
        open: () => {
          const d = new PgDatabase(db.url);
          opened.push(d);
          return new PgContextGraph(d);
        },
        drop: async () => {
          for (const d of opened) await d.close();
          await db.drop();
        },
      };
    },
  },
];

describe.each(SHARED_BACKENDS)("context graph durability and concurrent writers ($name)", ({ name, make }) => {
  it("a process killed during a large import leaves the graph as it was", async () => {
    const tmp = tempDir();
    const backend = await make(tmp.dir);
    try {
      const store = backend.open();
      await store.ingest({ edges: [{ src: "file:a.ts", rel: "mentions", dst: "file:b.ts", provenance: git }] });
      const before = await store.status();

      const run = runChild([backend.target, "bulk", name === "sqlite" ? "300000" : "40000"]);
      await vi.waitFor(() => expect(run.out()).toContain("importing"), { timeout: 30_000, interval: 20 });
      await new Promise((r) => setTimeout(r, 700));
      run.child.kill("SIGKILL");
      expect((await run.exited).signal).toBe("SIGKILL");
      expect(run.out()).not.toContain("done");

      const after = backend.open();
      // PostgreSQL rolls back a transaction whose client vanished once it notices the closed socket.
      await vi.waitFor(async () => expect(await after.status()).toEqual(before), { timeout: 10_000, interval: 100 });
      if (after instanceof SqliteContextGraph) expect(after.db.pragma("integrity_check", { simple: true })).toBe("ok");
      store.close();
      after.close();
    } finally {
      await backend.drop();
      tmp.cleanup();
    }
  });

  it("two processes ingesting the same facts at once store each fact once, and each its own", async () => {
    const tmp = tempDir();
    const backend = await make(tmp.dir);
    try {
      const n = 300;
      const runs = [runChild([backend.target, "shared", String(n), "ada"]), runChild([backend.target, "shared", String(n), "lin"])];
      await vi.waitFor(() => expect(runs.map((r) => r.out())).toEqual(["ready\n", "ready\n"]), { timeout: 30_000, interval: 20 });
      for (const r of runs) r.child.stdin?.end("go\n");
      const ends = await Promise.all(runs.map((r) => r.exited));
      for (const end of ends) expect(end, end.stderr).toMatchObject({ code: 0 });
      const store = backend.open();
      const status = await store.status();
      const governs = new Set(Array.from({ length: n }, (_, i) => `${i % 11}:${i % 7}`));
      expect(status.edges).toEqual({ authored: 2 * n, governs: governs.size, modifies: n });
      expect(status.episodes).toBe(2 * n);
      // Each fact both stated, each from an episode of its own, is one edge with both episodes as evidence.
      const modifies = await store.edgesOf("commit:c7", { rels: ["modifies"] });
      expect(modifies).toHaveLength(1);
      expect(modifies[0]?.provenance.episodes).toHaveLength(2);
      expect((await store.edgesOf("commit:c7", { rels: ["authored"] })).map((e) => e.src).sort()).toEqual(["person:ada", "person:lin"]);
      store.close();
    } finally {
      await backend.drop();
      tmp.cleanup();
    }
  });
});
