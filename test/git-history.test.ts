import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blame } from "../servers/git-history/blame.js";
import { changedSymbols, diffFiles } from "../servers/git-history/diff.js";
import { fileHistory, rangeHistory } from "../servers/git-history/history.js";
import { ingestHistory } from "../servers/git-history/ingest.js";
import { GitHistoryService } from "../servers/git-history/service.js";
import { isCosmetic, suspectsOfFix, suspectsOfLocations } from "../servers/git-history/suspects.js";
import { ticketRefs } from "../servers/git-history/ticket-keys.js";
import { coupling, hotspots, ownership } from "../servers/git-history/views.js";
import { why } from "../servers/git-history/why.js";
import { commitFiles, gitIn, tempDir } from "./helpers/git-fixture.js";
import { makeHistoryFixture, type HistoryFixture } from "./helpers/history-fixture.js";

describe("ticketRefs", () => {
  it("reads Jira keys, issue numbers, closing keywords and trailers, and PR numbers", () => {
    expect(ticketRefs("SUP-88: raise timeout\n\nFixes #12\nCloses: ABC-9")).toEqual([
      { key: "#12", kind: "issue", relation: "fixes" },
      { key: "ABC-9", kind: "jira", relation: "fixes" },
      { key: "SUP-88", kind: "jira", relation: "references" },
    ]);
    expect(ticketRefs("Merge pull request #45 from acme/fx\n\nRound once (SUP-1423)")).toEqual([
      { key: "#45", kind: "pull-request", relation: "references" },
      { key: "SUP-1423", kind: "jira", relation: "references" },
    ]);
    expect(ticketRefs("Round FX once (#46)")).toEqual([{ key: "#46", kind: "pull-request", relation: "references" }]);
    expect(ticketRefs("Use UTF-8 and ISO-8601 everywhere")).toEqual([]);
  });
});

describe("git history of an authored repo", () => {
  const tmp = tempDir();
  let fx: HistoryFixture;
  let service: GitHistoryService;

  beforeAll(() => {
    fx = makeHistoryFixture(tmp.dir);
    service = new GitHistoryService(tmp.dir);
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("reads the log with the mailmap merging identities, and renames", async () => {
    const log = await service.log();
    expect(log).toHaveLength(8);
    expect(new Set(log.map((c) => `${c.author.name} <${c.author.email}>`))).toEqual(
      new Set(["Ada Lovelace <ada@example.test>", "Bob Builder <bob@example.test>", "Carol Format <carol@example.test>", "Dan Fixer <dan@example.test>"]),
    );
    const rename = log.find((c) => c.sha === fx.sha.rename);
    expect(rename?.files).toContainEqual({ path: "src/lib/round.ts", oldPath: "src/util/round.ts", added: 0, deleted: 0, binary: false });
  });

  it("blames past a reformat listed in .git-blame-ignore-revs, with the commit's tickets", async () => {
    const [line] = await blame(tmp.dir, service.commits, "src/prorate.ts", { start: 2, end: 2 }, fx.sha.timeout30);
    expect(line).toMatchObject({ commit: fx.sha.proration, author: "Bob Builder", content: "    const share = days / 30;", tickets: [{ key: "SUP-7", relation: "references" }] });
    await expect(blame(tmp.dir, service.commits, "src/nope.ts", { start: 1, end: 1 }, "HEAD")).rejects.toThrow(/cannot blame src\/nope.ts at HEAD/);
    await expect(blame(tmp.dir, service.commits, "src/prorate.ts", { start: 40, end: 41 }, "HEAD")).rejects.toThrow(/past its end/);
  });

  it("follows a file's history through a rename, and a symbol's lines", async () => {
    expect((await fileHistory(tmp.dir, "src/lib/round.ts", "HEAD", 10)).map((h) => h.commit)).toEqual([fx.sha.rename, fx.sha.initial]);
    const sym = await rangeHistory(tmp.dir, "src/prorate.ts", 1, 4, "HEAD", 10);
    expect(sym.map((h) => h.commit)).toEqual([fx.sha.fix, fx.sha.reformat, fx.sha.proration]);
    expect(sym[0]).toMatchObject({ before: ["    const share = days / 30;"], after: ["    const share = days / daysInMonth;"], tickets: [{ key: "#12", relation: "fixes" }] });
  });

  it("diffs two revisions into files, hunks and changed symbols", async () => {
    const files = await diffFiles(tmp.dir, fx.sha.timeout30, "HEAD");
    expect(files.map((f) => `${f.status} ${f.path} ${f.hunks.map((h) => `-${h.oldStart},${h.oldLines}+${h.newStart},${h.newLines}`).join(" ")}`)).toEqual([
      "modified src/config.ts -2,1+2,1",
      "modified src/prorate.ts -2,1+2,1",
    ]);
    expect(await changedSymbols(service.codeGraph, fx.sha.timeout30, "HEAD")).toEqual([
      { id: "src/config.ts#config", change: "modified-body", base: { id: "src/config.ts#config", span: "src/config.ts:1-4" }, head: { id: "src/config.ts#config", span: "src/config.ts:1-4" } },
      { id: "src/prorate.ts#prorate", change: "modified-body", base: { id: "src/prorate.ts#prorate", span: "src/prorate.ts:1-4" }, head: { id: "src/prorate.ts#prorate", span: "src/prorate.ts:1-4" } },
    ]);
    const renamed = await diffFiles(tmp.dir, fx.sha.proration, fx.sha.rename);
    expect(renamed.find((f) => f.status === "renamed")).toMatchObject({ path: "src/lib/round.ts", oldPath: "src/util/round.ts" });
  });

  it("sees the working tree as head: changed, new and signature-changed symbols", async () => {
    const t = tempDir();
    try {
      const f = makeHistoryFixture(t.dir);
      writeFileSync(join(t.dir, "src/prorate.ts"), "export function prorate(amount: number, days: number): number {\n  return amount * days;\n}\n");
      writeFileSync(join(t.dir, "src/refund.ts"), "export function refund(n: number) {\n  return -n;\n}\n");
      const svc = new GitHistoryService(t.dir);
      const changes = await changedSymbols(svc.codeGraph, f.sha.timeout20, "WORKTREE");
      expect(changes.map((c) => `${c.change} ${c.id}`)).toEqual(["modified-signature src/prorate.ts#prorate", "added src/refund.ts#refund"]);
      svc.close();
    } finally {
      t.cleanup();
    }
  });

  it("finds the commit that introduced a fixed bug (SZZ) and suspects from stack frames", async () => {
    expect(await suspectsOfFix(tmp.dir, service.commits, fx.sha.fix)).toEqual([
      { commit: fx.sha.proration, method: "szz@1", confidence: 1, author: "Bob Builder", time: "2026-01-20T10:00:00.000Z", subject: "SUP-7: add proration on plan change", evidence: ["src/prorate.ts:2"] },
    ]);
    const frames = await suspectsOfLocations(tmp.dir, service.commits, ["src/prorate.ts:2", "src/pay.ts:5"], { rev: fx.sha.timeout30, maxAgeDays: 60, now: new Date("2026-03-10T00:00:00Z") });
    expect(frames.map((s) => `${s.commit === fx.sha.proration ? "proration" : s.commit === fx.sha.initial ? "initial" : s.commit} ${s.confidence} ${s.note ?? ""}`)).toEqual([
      "proration 0.667 ",
      "initial 0.067 older than 60 days (64 days)",
    ]);
    expect(isCosmetic({ oldStart: 1, oldLines: 1, newStart: 1, newLines: 1, removed: ["  a = 1;"], added: ["a=1;"] })).toBe(true);
    expect(isCosmetic({ oldStart: 1, oldLines: 1, newStart: 1, newLines: 1, removed: ["// old note"], added: ["// new note"] })).toBe(true);
    expect(isCosmetic({ oldStart: 1, oldLines: 1, newStart: 1, newLines: 1, removed: ["a = 1;"], added: ["a = 2;"] })).toBe(false);
  });

  it("answers why a config value is what it is, naming both changes in order", async () => {
    const answer = await why(service, "config:paymentTimeoutMs");
    expect(answer.location).toBe("src/config.ts:2");
    expect(answer.summary).toBe(
      `src/config.ts:2: paymentTimeoutMs = 20000 was set in ${fx.sha.timeout20.slice(0, 12)} by Ada Lovelace on 2026-05-05 (SUP-120), "SUP-120: lower payment timeout to 20s": The provider's new SLA answers within 10 seconds; before that 30000 in ${fx.sha.timeout30.slice(0, 12)}, 5000 in ${fx.sha.initial.slice(0, 12)}.`,
    );
    expect(answer.values?.map((v) => [v.value, v.previous, v.commit])).toEqual([
      ["20000", "30000", fx.sha.timeout20],
      ["30000", "5000", fx.sha.timeout30],
      ["5000", undefined, fx.sha.initial],
    ]);
    expect(answer.deciding?.commit).toBe(fx.sha.timeout20);
    expect(answer.items.map((i) => i.id)).toEqual([
      `commit:${fx.sha.timeout20}`,
      "ticket:SUP-120",
      `commit:${fx.sha.timeout30}`,
      "ticket:SUP-88",
      `commit:${fx.sha.initial}`,
    ]);
    expect(answer.items[0]).toMatchObject({ source: "blame of src/config.ts:2 (1 of 1 lines)", authority: "deterministic", time: "2026-05-05T10:00:00.000Z" });
    await expect(why(service, "config:NO_SUCH_KEY")).rejects.toThrow(/config key "NO_SUCH_KEY" is not set anywhere/);
  });

  it("answers why for a symbol and a line", async () => {
    const sym = await why(service, "src/prorate.ts#prorate");
    expect(sym.location).toBe("src/prorate.ts:1-4");
    expect(sym.items.filter((i) => i.kind === "commit").map((i) => i.id)).toEqual([`commit:${fx.sha.proration}`, `commit:${fx.sha.fix}`, `commit:${fx.sha.reformat}`]);
    const line = await why(service, "src/prorate.ts:2");
    expect(line.items[0]?.id).toBe(`commit:${fx.sha.fix}`);
    expect(line.items[1]).toMatchObject({ id: "ticket:#12", source: `named by commit ${fx.sha.fix.slice(0, 12)} (fixes)` });
  });

  it("computes hotspots, coupling and ownership with their definitions", async () => {
    const log = await service.log();
    const lines = await service.linesAtHead(new Set(log.flatMap((c) => c.files.map((f) => f.path))));
    const hot = hotspots(log, (p) => lines.get(p));
    expect(hot.slice(0, 2)).toEqual([
      { path: "src/config.ts", revisions: 3, lines: 4, score: 12 },
      { path: "src/prorate.ts", revisions: 3, lines: 4, score: 12 },
    ]);
    expect(hot.find((h) => h.path === "src/util/round.ts")).toBeUndefined();
    expect(coupling(log)).toEqual([]);
    expect(coupling(log, { minRevisions: 1, minShared: 1, minDegree: 30, maxChangesetSize: 30 }).map((c) => `${c.a}+${c.b} ${c.degree}`)).toContain("src/config.ts+src/pay.ts 40");
    const own = ownership(log, { now: new Date("2026-06-05T10:00:00Z"), departed: ["bob@example.test"] });
    const config = own.find((o) => o.path === "src/config.ts");
    expect(config).toMatchObject({
      mainDeveloper: { byAddedLines: "Ada Lovelace", byRevisions: "Ada Lovelace", revisionShare: 0.67 },
      authors: 2,
      fragmentation: 0.44,
      knowledgeLoss: 0.17,
      lastChanged: "2026-05-05T10:00:00.000Z",
    });
    expect(config?.ageMonths).toBeCloseTo(1, 1);
  });
});

describe("history into the context graph", () => {
  it("refuses a repo with no commits with one line", async () => {
    const tmp = tempDir();
    try {
      gitIn(tmp.dir, ["init", "-q", "-b", "main"]);
      const service = new GitHistoryService(tmp.dir);
      await expect(ingestHistory(service.graph, tmp.dir, service.commits)).rejects.toThrow(/has no commits yet: commit something, then ingest its history/);
      service.close();
    } finally {
      tmp.cleanup();
    }
  });

  it("ingests commits, people, files, tickets and suspects; incrementally; and closes facts of rewritten history", async () => {
    const tmp = tempDir();
    try {
      const fx = makeHistoryFixture(tmp.dir);
      const service = new GitHistoryService(tmp.dir);
      const first = await ingestHistory(service.graph, tmp.dir, service.commits);
      expect(first).toMatchObject({ ingested: 8, fixes: 1, suspects: 1, forcePushDetected: false });
      const status = await service.graph.status();
      expect(status.nodes).toMatchObject({ commit: 8, person: 4, ticket: 4 });
      expect(status.edges).toMatchObject({ authored: 8, fixes: 1, "induced-by": 1, references: 3 });
      const induced = await service.graph.edgesOf(`commit:${fx.sha.fix}`, { rels: ["induced-by"] });
      expect(induced).toEqual([expect.objectContaining({ dst: `commit:${fx.sha.proration}`, provenance: expect.objectContaining({ method: "szz@1", confidence: 1 }) })]);
      const modifies = await service.graph.edgesOf("file:src/config.ts", { rels: ["modifies"] });
      expect(modifies.map((e) => e.validFrom)).toEqual(["2026-01-05T10:00:00.000Z", "2026-03-01T10:00:00.000Z", "2026-05-05T10:00:00.000Z"]);

      expect((await ingestHistory(service.graph, tmp.dir, service.commits)).ingested).toBe(0);
      commitFiles(tmp.dir, { message: "SUP-130: document the timeout", date: "2026-06-01T10:00:00Z", files: { "docs/timeout.md": "30s then 20s\n" } });
      expect((await ingestHistory(service.graph, tmp.dir, service.commits)).ingested).toBe(1);

      // Rewrite history: drop the last commit and commit something else instead.
      const droppedSha = gitIn(tmp.dir, ["rev-parse", "HEAD"]).trim();
      gitIn(tmp.dir, ["reset", "-q", "--hard", "HEAD~1"]);
      commitFiles(tmp.dir, { message: "SUP-131: another doc", date: "2026-06-02T10:00:00Z", files: { "docs/other.md": "x\n" } });
      const rewrite = await ingestHistory(service.graph, tmp.dir, service.commits, { now: () => "2026-06-03T00:00:00.000Z" });
      expect(rewrite).toMatchObject({ forcePushDetected: true, dropped: 1, ingested: 1 });
      const dropped = await service.graph.edgesOf(`commit:${droppedSha}`, { direction: "out" });
      expect(dropped.length).toBeGreaterThan(0);
      expect(dropped.every((e) => e.validTo === "2026-06-03T00:00:00.000Z")).toBe(true);
      expect((await service.graph.getNode(`commit:${droppedSha}`))?.props.dropped).toBe(true);
      service.close();
    } finally {
      tmp.cleanup();
    }
  });
});
