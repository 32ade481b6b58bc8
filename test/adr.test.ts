import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb } from "../core/db.js";
import { parseAdr } from "../servers/context-graph/adr.js";
import { ingestAdrs } from "../servers/context-graph/ingest-adrs.js";
import { SqliteContextGraph } from "../servers/context-graph/sqlite-store.js";
import { ADR_FILES } from "./helpers/adr-fixture.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

const exists = (p: string) => p in ADR_FILES;

describe("parseAdr", () => {
  it("reads an adr-tools record: number, title, date, status, sections and reverse links", () => {
    const adr = parseAdr("doc/adr/0002-payment-timeout-of-5-seconds.md", ADR_FILES["doc/adr/0002-payment-timeout-of-5-seconds.md"]!, exists);
    expect(adr).toMatchObject({
      format: "adr-tools",
      number: 2,
      title: "Payment timeout of 5 seconds",
      date: "2026-02-10T00:00:00.000Z",
      status: "Superseded",
      decision: "Time out payment calls after 5 seconds and retry in src/payments/retry.ts#retry.",
      consequences: "Slow banks fail fast.",
      links: [{ rel: "supersedes", reverse: true, target: "doc/adr/0003-payment-timeout-of-30-seconds.md" }],
      mentions: ["src/payments/provider.ts", "src/payments/retry.ts#retry"],
    });
    expect(adr.context).toContain("The provider answers within 2 seconds.");
  });

  it("reads forward supersedes and amends links", () => {
    const three = parseAdr("doc/adr/0003-payment-timeout-of-30-seconds.md", ADR_FILES["doc/adr/0003-payment-timeout-of-30-seconds.md"]!, exists);
    expect(three.links).toEqual([{ rel: "supersedes", reverse: false, target: "doc/adr/0002-payment-timeout-of-5-seconds.md" }]);
    const four = parseAdr("doc/adr/0004-retry-with-jitter.md", ADR_FILES["doc/adr/0004-retry-with-jitter.md"]!, exists);
    expect(four.links).toEqual([{ rel: "amends", reverse: false, target: "doc/adr/0003-payment-timeout-of-30-seconds.md" }]);
  });

  it("reads a MADR 4 record from its front matter and sections", () => {
    const adr = parseAdr("docs/decisions/0001-round-fx-once.md", ADR_FILES["docs/decisions/0001-round-fx-once.md"]!, exists);
    expect(adr).toMatchObject({
      format: "madr",
      number: 1,
      title: "Round FX amounts once, after conversion",
      date: "2026-03-03T00:00:00.000Z",
      status: "accepted",
      mentions: ["src/fx/convert.ts#convert"],
    });
    expect(adr.context).toContain("off by a cent");
    expect(adr.decision).toContain('Chosen option: "Round once after conversion"');
    expect(adr.consequences).toBe("* Good, because totals match.");
  });

  it("reads a MADR status that says it was superseded", () => {
    const text = "---\nstatus: superseded by [ADR-0007](0007-new.md)\ndate: 2026-01-01\n---\n# Old way\n\n## Decision Outcome\n\nOld.\n";
    const adr = parseAdr("docs/decisions/0003-old.md", text);
    expect(adr.status).toBe("superseded by ADR-0007");
    expect(adr.links).toEqual([{ rel: "supersedes", reverse: true, target: "docs/decisions/0007-new.md" }]);
  });

  it("names the file and what was expected when a record cannot be read", () => {
    expect(() => parseAdr("docs/decisions/0002-broken.md", "no heading here\n")).toThrow(
      'ADR docs/decisions/0002-broken.md has no title: expected a first heading "# 1. Title" (adr-tools) or "# Title" after front matter (MADR)',
    );
    expect(() => parseAdr("docs/decisions/0009-x.md", "---\nstatus: [unclosed\n---\n# T\n")).toThrow(/front matter is not valid YAML/);
  });
});

describe("ingestAdrs", () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteContextGraph;

  beforeEach(() => {
    tmp = tempDir();
    makeRepo(tmp.dir, [{ message: "ADRs", files: ADR_FILES }]);
    store = new SqliteContextGraph(openDb(join(tmp.dir, "graph.db")));
  });
  afterEach(() => {
    store.close();
    tmp.cleanup();
  });

  it("records decisions, what they govern and their links; a superseded one stops governing", async () => {
    const run = await ingestAdrs(store, tmp.dir, "HEAD");
    expect(run.adrs.map((a) => a.path)).toEqual([
      "doc/adr/0001-record-architecture-decisions.md",
      "doc/adr/0002-payment-timeout-of-5-seconds.md",
      "doc/adr/0003-payment-timeout-of-30-seconds.md",
      "doc/adr/0004-retry-with-jitter.md",
      "docs/decisions/0001-round-fx-once.md",
    ]);
    expect(run.errors).toEqual([{ path: "docs/decisions/0002-broken.md", message: expect.stringMatching(/has no title/) }]);

    const five = "decision:doc/adr/0002-payment-timeout-of-5-seconds.md";
    const thirty = "decision:doc/adr/0003-payment-timeout-of-30-seconds.md";
    const supersedes = await store.edgesOf(thirty, { rels: ["supersedes"] });
    expect(supersedes.map((e) => `${e.src} -> ${e.dst} @${e.validFrom}`)).toEqual([`${thirty} -> ${five} @2026-04-20T00:00:00.000Z`]);
    expect((await store.edgesOf("decision:doc/adr/0004-retry-with-jitter.md", { rels: ["amends"] })).map((e) => e.dst)).toEqual([thirty]);

    const governsProvider = async (asOf: string) =>
      (await store.edgesOf("file:src/payments/provider.ts", { rels: ["governs"], filter: { asOf } })).map((e) => e.src).sort();
    expect(await governsProvider("2026-03-01T00:00:00Z")).toEqual([five]);
    expect(await governsProvider("2026-05-01T00:00:00Z")).toEqual([thirty]);
    expect((await store.edgesOf("symbol:src/fx/convert.ts#convert")).map((e) => e.src)).toEqual(["decision:docs/decisions/0001-round-fx-once.md"]);
    const node = await store.getNode(five);
    expect(node).toMatchObject({ title: "ADR 0002: Payment timeout of 5 seconds", props: { status: "Superseded", format: "adr-tools" } });
  });

  it("re-ingesting the same records changes nothing", async () => {
    await ingestAdrs(store, tmp.dir, "HEAD");
    const before = await store.status();
    const again = await ingestAdrs(store, tmp.dir, "HEAD");
    expect(again.result).toMatchObject({ nodesAdded: 0, nodesUpdated: 0, edgesAdded: 0, edgesRetired: 0, edgesClosed: 0 });
    const after = await store.status();
    expect({ ...after, ingestions: [] }).toEqual({ ...before, ingestions: [] });
  });

  it("refuses an unknown revision with one line", async () => {
    await expect(ingestAdrs(store, tmp.dir, "v404")).rejects.toThrow(/unknown revision "v404"/);
  });
});
