import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb } from "../core/db.js";
import { recordDecision } from "../servers/context-graph/decisions.js";
import type { EdgeInput } from "../servers/context-graph/model.js";
import { SqliteContextGraph } from "../servers/context-graph/sqlite-store.js";
import type { ContextGraphStore } from "../servers/context-graph/store.js";
import { steppingClock } from "./helpers/clock.js";
import { tempDir } from "./helpers/git-fixture.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const git = { method: "git-ingest@1", authority: "deterministic" as const };

/**
 * Each backend of the ContextGraphStore interface runs the same suite: a PostgreSQL store joins this list.
 * Only the last test of the suite (WAL readers) is SQLite's own.
 */
const BACKENDS: Array<{ name: string; open: (dir: string, now: () => string) => ContextGraphStore }> = [
  { name: "sqlite", open: (dir, now) => new SqliteContextGraph(openDb(join(dir, "graph.db")), { now }) },
];

describe.each(BACKENDS)("context graph store ($name)", ({ name, open }) => {
  let tmp: ReturnType<typeof tempDir>;
  let store: ContextGraphStore;
  let clock: ReturnType<typeof steppingClock>;

  beforeEach(() => {
    tmp = tempDir();
    clock = steppingClock("2026-06-10T00:00:00Z");
    store = open(tmp.dir, clock.now);
  });
  afterEach(() => {
    store.close();
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
    const hits = await store.search("FX rounding proration");
    expect(hits.map((h) => h.node.id)).toEqual(["commit:def", "ticket:SUP-1"]);
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
});

describe("context graph durability", () => {
  it("a process killed during a large import leaves the graph as it was", async () => {
    const tmp = tempDir();
    try {
      const file = join(tmp.dir, "graph.db");
      const store = new SqliteContextGraph(openDb(file));
      await store.ingest({ edges: [{ src: "file:a.ts", rel: "mentions", dst: "file:b.ts", provenance: git }] });
      const before = await store.status();
      store.close();

      const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "test/helpers/ingest-child.ts"), file, "300000"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on("exit", (code, signal) => r({ code, signal })));
      await new Promise<void>((resolve) => child.stdout.on("data", (d: Buffer) => ((out += d.toString()), out.includes("importing") && resolve())));
      await new Promise((r) => setTimeout(r, 700));
      child.kill("SIGKILL");
      expect((await exited).signal).toBe("SIGKILL");
      expect(out).not.toContain("done");

      const after = new SqliteContextGraph(openDb(file));
      expect(await after.status()).toEqual(before);
      expect(after.db.pragma("integrity_check", { simple: true })).toBe("ok");
      after.close();
    } finally {
      tmp.cleanup();
    }
  });
});
