import { afterEach, describe, expect, it } from "vitest";
import { GitHistoryService } from "../servers/git-history/service.js";
import { isTestPath } from "../core/paths.js";
import { suspectsOfFix } from "../servers/git-history/suspects.js";
import { viewHistory, type ViewRequest } from "../servers/git-history/view-inputs.js";
import { coupling, hotspots, isGenerated, isLockfile, ownership } from "../servers/git-history/views.js";
import { runCli } from "./helpers/cli-run.js";
import { commitFiles, makeRepo, tempDir, type CommitSpec } from "./helpers/git-fixture.js";

const ada = { name: "Ada Source", email: "ada@example.test" };
const bob = { name: "Bob Tester", email: "bob@example.test" };
const carol = { name: "Carol Bug", email: "carol@example.test" };
const day = (d: number) => new Date(Date.UTC(2026, 0, d, 12)).toISOString();

/** Each test gets its own directory, removed after it. */
const cleanups: Array<() => void> = [];
function freshDir(): string {
  const t = tempDir("worldline-views-");
  cleanups.push(t.cleanup);
  return t.dir;
}
const services: GitHistoryService[] = [];
afterEach(() => {
  for (const s of services.splice(0)) s.close();
  for (const c of cleanups.splice(0)) c();
});

/**
 * Five change sets that touch two living source files, a file deleted afterwards, a lockfile and a dist/
 * build output together: each of the left-out kinds would otherwise couple with the source at 100%.
 */
function viewsRepo(dir: string): string {
  const commits: CommitSpec[] = [];
  for (let i = 1; i <= 5; i++) {
    commits.push({
      message: `change ${i}`,
      author: i % 2 ? ada : bob,
      date: day(i),
      files: {
        "src/a.ts": `export const a = ${i};\n`.repeat(i),
        "src/b.ts": `export const b = ${i};\n`,
        "src/old.ts": `export const old = ${i};\n`,
        "package-lock.json": `{"v": ${i}}\n`,
        "dist/a.js": `exports.a = ${i};\n`,
      },
    });
  }
  commits.push({ message: "drop old", author: ada, date: day(6), files: { "src/old.ts": null } });
  return makeRepo(dir, commits);
}

async function view(dir: string, request: ViewRequest = {}) {
  const service = new GitHistoryService(dir);
  services.push(service);
  return viewHistory(service, request);
}

const loose = { minRevisions: 1, minShared: 1, minDegree: 0, maxChangesetSize: 30 };

describe("history views show the files of today", () => {
  it("leave out deleted files, lockfiles and dist/ output by default, counting each reason", async () => {
    const v = await view(viewsRepo(freshDir()));
    expect(hotspots(v.commits, () => 1).map((h) => h.path)).toEqual(["src/a.ts", "src/b.ts"]);
    expect(v.leftOut).toEqual({ deleted: 1, lockfiles: 1, generated: 1 });
  });

  it("bring each kind back with its own flag", async () => {
    const dir = viewsRepo(freshDir());
    const paths = async (r: ViewRequest) => hotspots((await view(dir, r)).commits, () => 1).map((h) => h.path).sort();
    expect(await paths({ includeDeleted: true })).toEqual(["src/a.ts", "src/b.ts", "src/old.ts"]);
    expect(await paths({ includeLockfiles: true })).toEqual(["package-lock.json", "src/a.ts", "src/b.ts"]);
    expect(await paths({ includeGenerated: true })).toEqual(["dist/a.js", "src/a.ts", "src/b.ts"]);
    expect((await view(dir, { includeDeleted: true, includeLockfiles: true, includeGenerated: true })).leftOut).toEqual({ deleted: 0, lockfiles: 0, generated: 0 });
  });

  it("judge existence at the revision asked", async () => {
    const dir = viewsRepo(freshDir());
    const v = await view(dir, { rev: "HEAD~1" });
    expect(hotspots(v.commits, () => 1).map((h) => h.path)).toEqual(["src/a.ts", "src/b.ts", "src/old.ts"]);
    expect(v.leftOut.deleted).toBe(0);
    await expect(view(dir, { rev: "no-such-branch" })).rejects.toThrow(/unknown revision "no-such-branch"/);
    await expect(view(dir, { rev: "WORKTREE" })).rejects.toThrow(/history views need a commit/);
  });

  it("couple only files that exist at the revision", async () => {
    const dir = viewsRepo(freshDir());
    const pairs = (v: Awaited<ReturnType<typeof view>>) => coupling(v.all, loose, v.keep).map((c) => `${c.a}+${c.b}`);
    expect(pairs(await view(dir))).toEqual(["src/a.ts+src/b.ts"]);
    expect(pairs(await view(dir, { includeDeleted: true }))).toEqual(expect.arrayContaining(["src/a.ts+src/old.ts", "src/b.ts+src/old.ts"]));
  });

  it("size change sets as made: a mass change stays skipped when most of its files are gone", async () => {
    const dir = freshDir();
    const many = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`gone/f${i}.ts`, "x\n"]));
    makeRepo(dir, [
      { message: "mass", date: day(1), files: { "src/a.ts": "1\n", "src/b.ts": "1\n", ...many } },
      { message: "drop", date: day(2), files: Object.fromEntries(Object.keys(many).map((k) => [k, null])) },
    ]);
    const v = await view(dir);
    expect(coupling(v.all, { ...loose, maxChangesetSize: 4 }, v.keep)).toEqual([]);
    expect(coupling(v.all, { ...loose, maxChangesetSize: 7 }, v.keep).map((c) => `${c.a}+${c.b}`)).toEqual(["src/a.ts+src/b.ts"]);
  });

  it("follow renames, so a moved file keeps its history under today's name", async () => {
    const dir = freshDir();
    const body = (n: number) => Array.from({ length: 12 }, (_, i) => `export const v${i} = ${i === 0 ? n : i};`).join("\n") + "\n";
    makeRepo(dir, [
      { message: "one", date: day(1), files: { "lib/x.ts": body(1) } },
      { message: "two", date: day(2), files: { "lib/x.ts": body(2) } },
      { message: "move", date: day(3), files: { "lib/x.ts": null, "src/x.ts": body(2) } },
      { message: "three", date: day(4), files: { "src/x.ts": body(3) } },
    ]);
    const v = await view(dir);
    expect(hotspots(v.commits, () => 1)).toEqual([{ path: "src/x.ts", revisions: 4, lines: 1, score: 4 }]);
    expect(v.leftOut.deleted).toBe(0);
  });

  it("list no deleted file in ownership unless asked", async () => {
    const dir = viewsRepo(freshDir());
    const v = await view(dir);
    expect(ownership(v.commits, { now: new Date(day(30)), departed: [] }).map((o) => o.path).sort()).toEqual(["src/a.ts", "src/b.ts"]);
    const all = await view(dir, { includeDeleted: true });
    expect(ownership(all.commits, { now: new Date(day(30)), departed: [] }).map((o) => o.path)).toContain("src/old.ts");
  });

  it("name lockfiles and generated files by path", () => {
    expect(["package-lock.json", "web/yarn.lock", "pnpm-lock.yaml", "bun.lockb", "Cargo.lock", "go.sum", "Gemfile.lock"].filter(isLockfile)).toHaveLength(7);
    expect(isLockfile("src/lock.ts")).toBe(false);
    expect(["dist/a.js", "packages/x/build/y.js", "coverage/lcov.info", "a.min.js", "a.js.map", "__snapshots__/a.snap", "api.generated.ts"].filter(isGenerated)).toHaveLength(7);
    expect(["src/distance.ts", "CHANGELOG.md", "src/builder.ts"].filter(isGenerated)).toEqual([]);
  });
});

/** A bug introduced in source by Carol, later test edits by Bob, and the fix. */
function szzRepo(dir: string, fix: Record<string, string>): Record<"bug" | "tests", string> {
  makeRepo(dir, [
    {
      message: "calc",
      author: ada,
      date: day(1),
      files: { "src/calc.ts": "export function calc(a: number) {\n  return a + 1;\n}\n", "test/calc.test.ts": "it('a', () => {\n  expect(calc(1)).toBe(2);\n  expect(calc(2)).toBe(3);\n});\n" },
    },
  ]);
  const bug = commitFiles(dir, { message: "calc: double", author: carol, date: day(3), files: { "src/calc.ts": "export function calc(a: number) {\n  return a * 2;\n}\n" } });
  const tests = commitFiles(dir, {
    message: "tests: more cases",
    author: bob,
    date: day(4),
    files: { "test/calc.test.ts": "it('a', () => {\n  expect(calc(1)).toBe(20);\n  expect(calc(2)).toBe(30);\n});\n" },
  });
  commitFiles(dir, { message: "Fix calc (#3)", author: ada, date: day(5), files: fix });
  return { bug, tests };
}

async function szz(dir: string) {
  const service = new GitHistoryService(dir);
  services.push(service);
  return suspectsOfFix(dir, service.commits, "HEAD");
}

describe("SZZ ranks source lines above test lines", () => {
  it("names the source line's commit first when the fix changed src/ and a test", async () => {
    const dir = freshDir();
    const sha = szzRepo(dir, {
      "src/calc.ts": "export function calc(a: number) {\n  return a + 1;\n}\n",
      "test/calc.test.ts": "it('a', () => {\n  expect(calc(1)).toBe(2);\n  expect(calc(2)).toBe(3);\n});\n",
    });
    const out = await szz(dir);
    // Two test lines against one source line: by share of all lines the test commit would lead.
    expect(out.map((s) => [s.commit, s.confidence, s.evidence])).toEqual([
      [sha.bug, 1, ["src/calc.ts:2"]],
      [sha.tests, 0, ["test/calc.test.ts:2", "test/calc.test.ts:3"]],
    ]);
    expect(out[0]?.note).toBeUndefined();
    expect(out[1]?.note).toMatch(/only test lines point at this commit/);
  });

  it("blames no lockfile line", async () => {
    const dir = freshDir();
    makeRepo(dir, [{ message: "deps", author: carol, date: day(1), files: { "package-lock.json": '{\n  "a": 1\n}\n', "src/x.ts": "export const x = 1;\n" } }]);
    const src = commitFiles(dir, { message: "x", author: ada, date: day(2), files: { "src/x.ts": "export const x = 2;\n" } });
    commitFiles(dir, { message: "fix x", author: ada, date: day(3), files: { "package-lock.json": '{\n  "a": 2\n}\n', "src/x.ts": "export const x = 3;\n" } });
    expect((await szz(dir)).map((s) => [s.commit, s.confidence])).toEqual([[src, 1]]);
  });

  it("says SZZ had only test lines when the fix changed only tests", async () => {
    const dir = freshDir();
    const sha = szzRepo(dir, { "test/calc.test.ts": "it('a', () => {\n  expect(calc(1)).toBe(2);\n  expect(calc(2)).toBe(30);\n});\n" });
    const out = await szz(dir);
    expect(out.map((s) => [s.commit, s.confidence])).toEqual([[sha.tests, 1]]);
    expect(out.every((s) => /SZZ had only test lines/.test(s.note ?? ""))).toBe(true);
  });

  it("blames the source lines around a fix that only added source lines, before the tests", async () => {
    const dir = freshDir();
    const sha = szzRepo(dir, {
      "src/calc.ts": "export function calc(a: number) {\n  if (a < 0) throw new Error('negative');\n  return a * 2;\n}\n",
      "test/calc.test.ts": "it('a', () => {\n  expect(calc(1)).toBe(2);\n  expect(calc(2)).toBe(4);\n});\n",
    });
    const out = await szz(dir);
    expect(out[0]).toMatchObject({ commit: sha.bug, confidence: 0.5, evidence: ["src/calc.ts:2"] });
    expect(out[0]?.note).toMatch(/only added source lines/);
    expect(out.find((s) => s.commit === sha.tests)).toMatchObject({ confidence: 0 });
  });

  it("knows test paths", () => {
    expect(["test/a.ts", "pkg/tests/b.ts", "src/__tests__/c.ts", "src/d.test.ts", "src/e.spec.tsx", "src/f.test-d.ts"].filter(isTestPath)).toHaveLength(6);
    expect(["src/testing.ts", "src/contest.ts", "src/latest/x.ts"].filter(isTestPath)).toEqual([]);
  });
});

describe("worldline hotspots | coupling | ownership | suspect-commits", () => {
  it("hotspots: a table with what it left out, JSON with every flag, and a bad revision", async () => {
    const dir = viewsRepo(freshDir());
    const table = await runCli(["hotspots", "--repo", dir]);
    expect(table.code).toBe(0);
    const lines = table.out.split("\n");
    expect(lines[0]).toMatch(/^Hotspots at HEAD \([0-9a-f]{12}\): 2 row\(s\)$/);
    expect(lines[1]).toMatch(/^score\s+revisions\s+lines\s+path$/);
    expect(lines.slice(2, 4).map((l) => l.split(/\s+/).at(-1))).toEqual(["src/a.ts", "src/b.ts"]);
    expect(lines[4]).toBe("left out: 1 file gone at HEAD (--include-deleted), 1 lockfile (--include-lockfiles), 1 generated file (--include-generated)");
    const json = await runCli(["hotspots", "--repo", dir, "--format", "json", "--include-deleted", "--include-lockfiles", "--include-generated"]);
    const answer = JSON.parse(json.out) as { leftOut: Record<string, number>; items: Array<{ path: string; lines: number }> };
    expect(answer.leftOut).toEqual({ deleted: 0, lockfiles: 0, generated: 0 });
    expect(answer.items.map((i) => i.path).sort()).toEqual(["dist/a.js", "package-lock.json", "src/a.ts", "src/b.ts", "src/old.ts"]);
    expect(answer.items.find((i) => i.path === "src/old.ts")?.lines).toBe(0);
    const bad = await runCli(["hotspots", "--repo", dir, "--rev", "v9"]);
    expect(bad).toMatchObject({ code: 2, out: "" });
    expect(bad.err).toMatch(/^worldline: git-history\.find_hotspots: unknown revision "v9" in .*: expected a branch, tag, commit or WORKTREE$/);
  }, 60_000);

  it("coupling: pairs of today's files, and an unknown flag", async () => {
    const dir = viewsRepo(freshDir());
    const json = await runCli(["coupling", "--repo", dir, "--format", "json"]);
    expect(json.code).toBe(0);
    const answer = JSON.parse(json.out) as { items: Array<{ a: string; b: string; degree: number }>; leftOut: Record<string, number> };
    expect(answer.items.map((c) => `${c.a}+${c.b} ${c.degree}`)).toEqual(["src/a.ts+src/b.ts 100"]);
    expect(answer.leftOut).toEqual({ deleted: 1, lockfiles: 1, generated: 1 });
    const table = await runCli(["coupling", "--repo", dir, "--min-degree", "50"]);
    expect(table.out.split("\n")[2]).toMatch(/^100%\s+5\s+5\/5\s+src\/a\.ts\s+src\/b\.ts$/);
    const bad = await runCli(["coupling", "--repo", dir, "--min-degree", "150"]);
    expect(bad).toMatchObject({ code: 2, err: 'worldline: --min-degree "150": expected a number from 0 to 100' });
    const unknown = await runCli(["coupling", "--repo", dir, "--include-deletd"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^worldline: unknown option --include-deletd for worldline coupling: expected one of .*--include-deleted/);
  }, 60_000);

  it("ownership: no deleted file, and a deleted file asked for by name", async () => {
    const dir = viewsRepo(freshDir());
    const json = await runCli(["ownership", "--repo", dir, "--format", "json"]);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.out) as { items: Array<{ path: string }> }).items.map((o) => o.path).sort()).toEqual(["src/a.ts", "src/b.ts"]);
    const table = await runCli(["ownership", "--repo", dir]);
    expect(table.out).toMatch(/\n0%\s+0\.48\s+2\s+\d+\.\d\s+Ada Source \(\d+%\)\s+Ada Source \(60%\)\s+src\/a\.ts\n/);
    const bad = await runCli(["ownership", "--repo", dir, "--path", "src/old.ts"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('worldline: git-history.file_ownership: file_ownership: "src/old.ts" does not exist at HEAD: pass includeDeleted (--include-deleted) to see it, or a path that exists there');
  }, 60_000);

  it("suspect-commits: the source commit first, and a fix commit that does not exist", async () => {
    const dir = freshDir();
    const sha = szzRepo(dir, {
      "src/calc.ts": "export function calc(a: number) {\n  return a + 1;\n}\n",
      "test/calc.test.ts": "it('a', () => {\n  expect(calc(1)).toBe(2);\n  expect(calc(2)).toBe(3);\n});\n",
    });
    const table = await runCli(["suspect-commits", "--repo", dir, "--fix", "HEAD"]);
    expect(table.code).toBe(0);
    const [title, ...rows] = table.out.split("\n");
    expect(title).toBe("Suspect commits of the fix HEAD: 2 candidate(s)");
    expect(rows[0]).toMatch(/^confidence\s+commit\s+date\s+method\s+author\s+subject\s+evidence$/);
    expect(rows[1]).toMatch(new RegExp(`^1\\.000\\s+${sha.bug.slice(0, 12)}\\s+2026-01-03\\s+szz@1\\s+Carol Bug\\s+calc: double\\s+src/calc\\.ts:2$`));
    expect(rows[2]).toMatch(new RegExp(`^0\\.000\\s+${sha.tests.slice(0, 12)}.*\\(only test lines point at this commit`));
    const json = JSON.parse((await runCli(["suspect-commits", "--repo", dir, "--fix", "HEAD", "--format", "json"])).out) as { items: Array<{ commit: string }> };
    expect(json.items.map((s) => s.commit)).toEqual([sha.bug, sha.tests]);
    const bad = await runCli(["suspect-commits", "--repo", dir, "--fix", "deadbeef"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^worldline: git-history\.suspect_commits: unknown revision "deadbeef" in .*: expected a branch, tag, commit or WORKTREE$/);
    const none = await runCli(["suspect-commits", "--repo", dir]);
    expect(none).toMatchObject({ code: 2, err: "worldline suspect-commits needs --fix REV (a fix commit) or --location PATH:LINE (repeat for more frames)".replace(/^/, "worldline: ") });
  }, 60_000);
});
