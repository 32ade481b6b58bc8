import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveRevision } from "../core/git.js";
import { loadTestScenarios } from "../servers/scenarios/tests/load.js";
import { runCli, runWorldline } from "./helpers/cli-run.js";
import { IO_BUILTINS, IO_PACKAGES } from "../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type RunResult, type SimulationJob, type TestRef } from "../servers/scenarios/sandbox/protocol.js";
import { commitFiles, makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * Test cases collected at run time (issue 17): a fixture repo whose test files build their cases in loops,
 * from tables in variables, from function calls and in async describes; the sandbox loads each file and
 * lists what it registered, and each listed case runs by its titles.
 */
const lines = (...l: string[]) => `${l.join("\n")}\n`;

export const COLLECT_FILES: Record<string, string> = {
  "package.json": JSON.stringify({ name: "collect-fixture", type: "module", devDependencies: { vitest: "^4" } }),
  "src/math.ts": lines("export const add = (a: number, b: number): number => a + b;", "export const label = (n: number): string => `case ${n}`;"),
  "src/extra.ts": lines("export const twice = (n: number): number => n * 2;"),
  "test/computed.test.ts": lines(
    'import { describe, expect, it, test } from "vitest";',
    'import { add, label } from "../src/math";',
    "for (const n of [1, 2, 3]) it(`adds ${n}`, () => { expect(add(n, 0)).toBe(n === 3 ? 4 : n); });",
    "const table = [[1, 1, 2], [2, 2, 4]];",
    'it.each(table)("add(%i, %i) -> %i", (a, b, sum) => { expect(add(a, b)).toBe(sum); });',
    'const rows = [{ name: "zero", n: 0 }, { name: "neg", n: -1 }];',
    'describe.each(rows)("with $name", ({ n }) => {',
    '  it("adds nothing", () => { expect(add(n, 0)).toBe(n); });',
    '  test.each([[n, 1]])("add %d and %d", (a, b) => { expect(add(a, b)).toBe(n + 1); });',
    "});",
    "it(label(7), () => { expect(label(7)).toBe('case 7'); });",
    'describe("async", async () => {',
    '  const { twice } = await import("../src/extra");',
    '  it("twice", () => { expect(twice(2)).toBe(4); });',
    '  describe("inner", () => { it(`twice ${twice(3)}`, () => { expect(twice(3)).toBe(5); }); });',
    "});",
    'it.skip("off", () => {});',
    'it("same", () => {}); it("same", () => { expect(1).toBe(2); });',
  ),
  // Literal tables, but vitest's own formatting: a string's $name quoted, 0 as +0 (static discovery prints them plain).
  "test/literal.test.ts": lines(
    'import { expect, test } from "vitest";',
    'test.each([{ a: "x", b: 0 }, { a: "y", b: 1 }])("$a plus $b", ({ b }) => { expect(b + 0).toBe(b); });',
    'test("plain", () => {});',
  ),
  "test/static.test.ts": lines('import { expect, test } from "vitest";', 'test("named", () => { expect(1).toBe(1); });'),
  "test/broken.test.ts": lines('import { it } from "vitest";', "const names = (null as unknown as string[]).map((x) => x);", "for (const n of names) it(n, () => {});"),
};

/** A fresh fixture repo and a sandbox pool for one describe block, torn down after it. */
function fixtureWithPool(prefix: string): { repo: string; pool: () => SandboxPool } {
  const { dir: repo, cleanup } = tempDir(prefix);
  let pool: SandboxPool | undefined;
  beforeAll(() => {
    makeRepo(repo, [{ message: "fixture with computed tests", files: COLLECT_FILES }]);
    pool = new SandboxPool(2);
  });
  afterAll(() => {
    pool?.close();
    cleanup();
  });
  return {
    repo,
    pool: () => {
      if (!pool) throw new Error("the sandbox pool is made in beforeAll: use it inside a test");
      return pool;
    },
  };
}

describe("collecting test cases in the sandbox", () => {
  const { repo, pool: usePool } = fixtureWithPool("worldline-collect-");
  const base = (): SimulationJob => ({ repo, rev: "WORKTREE", env: {}, stubs: {}, steps: [], boundaryPackages: [...IO_BUILTINS, ...IO_PACKAGES], limits: { ...DEFAULT_LIMITS, cpuMs: 10_000 } });
  const collect = (file: string): Promise<RunResult> => usePool().run({ ...base(), collect: { file } });
  const runCase = async (ref: TestRef) => {
    const run = await usePool().run({ ...base(), steps: [{ call: "", run: ref, expect: [] }] });
    return (run.steps[0]?.result as { status?: string } | undefined)?.status ?? `error: ${run.steps[0]?.error?.message ?? run.error?.reason}`;
  };

  it("lists the cases a file registers, titles formatted as vitest reports them, without running them", async () => {
    const r = await collect("test/computed.test.ts");
    expect(r.error).toBeUndefined();
    expect(r.collected?.map((c) => [c.titles.join(" > "), c.nth, c.mode])).toEqual([
      ["adds 1", 1, "run"],
      ["adds 2", 1, "run"],
      ["adds 3", 1, "run"],
      ["add(1, 1) -> 2", 1, "run"],
      ["add(2, 2) -> 4", 1, "run"],
      ["with 'zero' > adds nothing", 1, "run"],
      ["with 'zero' > add 0 and 1", 1, "run"],
      ["with 'neg' > adds nothing", 1, "run"],
      ["with 'neg' > add -1 and 1", 1, "run"],
      ["case 7", 1, "run"],
      ["async > twice", 1, "run"],
      ["async > inner > twice 6", 1, "run"],
      ["off", 1, "skip"],
      ["same", 1, "run"],
      ["same", 2, "run"],
    ]);
    expect(r.modules).toContain("src/extra.ts");
  });

  it("runs a collected case by its titles", async () => {
    const f = "test/computed.test.ts";
    expect(await runCase({ file: f, titles: ["adds 2"], nth: 1 })).toBe("pass");
    expect(await runCase({ file: f, titles: ["adds 3"], nth: 1 })).toBe("fail");
    expect(await runCase({ file: f, titles: ["with 'neg'", "add -1 and 1"], nth: 1 })).toBe("pass");
    expect(await runCase({ file: f, titles: ["async", "twice"], nth: 1 })).toBe("pass");
    expect(await runCase({ file: f, titles: ["async", "inner", "twice 6"], nth: 1 })).toBe("fail");
    expect(await runCase({ file: f, titles: ["same"], nth: 2 })).toBe("fail");
  });

  it("says why a file could not be collected", async () => {
    const r = await collect("test/broken.test.ts");
    expect(r.status).toBe("error");
    expect(r.collected).toBeUndefined();
    expect(r.error?.reason).toMatch(/^collecting the cases of test\/broken\.test\.ts failed: TypeError: .*null/);
  });
});

describe("discovery with runtime collection", () => {
  const { repo, pool: usePool } = fixtureWithPool("worldline-collect-load-");
  let jobs = 0;
  const collecting = () => ({
    run: (job: SimulationJob) => {
      jobs++;
      return usePool().run(job);
    },
    cacheDir: join(repo, ".worldline"),
    boundaryPackages: [...IO_BUILTINS, ...IO_PACKAGES],
  });

  it("takes a file's runtime list for its cases, keeps static cases where collection fails, and collects a file once", async () => {
    const revision = await resolveRevision(repo, "HEAD");
    const loaded = await loadTestScenarios(repo, revision, { tests: { exclude: [] } }, collecting());
    const ids = loaded.scenarios.map((s) => s.id);
    expect(ids.filter((id) => id.startsWith("test-computed-test--"))).toEqual([
      "test-computed-test--adds-1",
      "test-computed-test--adds-2",
      "test-computed-test--adds-3",
      "test-computed-test--add-1-1-2",
      "test-computed-test--add-2-2-4",
      "test-computed-test--with-zero-adds-nothing",
      "test-computed-test--with-zero-add-0-and-1",
      "test-computed-test--with-neg-adds-nothing",
      "test-computed-test--with-neg-add-1-and-1",
      "test-computed-test--case-7",
      "test-computed-test--async-twice",
      "test-computed-test--async-inner-twice-6",
      "test-computed-test--same",
      "test-computed-test--same-2",
    ]);
    // The loop's cases sit at the loop's line; the static ones at their own.
    const prose = (id: string) => loaded.scenarios.find((s) => s.id === id)?.prose;
    expect(prose("test-computed-test--adds-2")).toContain("(test/computed.test.ts:3)");
    expect(prose("test-computed-test--same-2")).toContain("(test/computed.test.ts:18)");
    const computed = loaded.files.find((f) => f.path === "test/computed.test.ts");
    expect(computed?.leftOut).toEqual([{ line: 17, why: "skipped" }]);
    const broken = loaded.files.find((f) => f.path === "test/broken.test.ts");
    expect(broken?.cases).toEqual([]);
    expect(broken?.leftOut.map((l) => l.why)).toEqual(["a title computed at run time", expect.stringMatching(/^collecting at run time failed, the static cases stay: collecting the cases of test\/broken\.test\.ts failed: TypeError/)]);
    // Literal tables in a vitest file take the runtime titles; a file static discovery names whole is not collected.
    expect(loaded.scenarios.filter((s) => s.path === "test/literal.test.ts").map((s) => s.source[0])).toEqual(["test:test/literal.test.ts#'x' plus +0", "test:test/literal.test.ts#'y' plus 1", "test:test/literal.test.ts#plain"]);
    expect(loaded.scenarios.filter((s) => s.path === "test/literal.test.ts").map((s) => s.prose)).toEqual([expect.stringContaining("literal.test.ts:2)"), expect.stringContaining("literal.test.ts:2)"), expect.stringContaining("literal.test.ts:3)")]);
    expect(ids).toContain("test-static-test--named");
    expect(jobs).toBe(3);
    // Warm: nothing is collected again, in this process or (from .worldline/collected) in another.
    const again = await loadTestScenarios(repo, revision, { tests: { exclude: [] } }, collecting());
    expect(again.scenarios.map((s) => s.id)).toEqual(ids);
    expect(jobs).toBe(3);
    const kept = () => readdirSync(join(repo, ".worldline", "collected")).filter((f) => f.endsWith(".json")).map((f) => `${f} ${statSync(join(repo, ".worldline", "collected", f)).mtimeMs}`);
    expect(kept()).toHaveLength(3);
    // Another process reads them from .worldline/collected: the same cases, and nothing collected (or written) again.
    const before = kept();
    const listed = await runWorldline(["scenarios", "list", "--repo", repo, "--tests", "--rev", "HEAD"], {});
    expect(listed.code, listed.err).toBe(0);
    expect(listed.out).toMatch(/^test-computed-test--async-inner-twice-6 /m);
    expect(kept()).toEqual(before);
  }, 300_000);

  it("collects again when a module the collection loaded changes", async () => {
    commitFiles(repo, { message: "three makes six", files: { "src/extra.ts": "export const twice = (n: number): number => n * 2 + (n === 3 ? 1 : 0);\n" } }, 1);
    const before = jobs;
    const loaded = await loadTestScenarios(repo, await resolveRevision(repo, "HEAD"), { tests: { exclude: [] } }, collecting());
    expect(loaded.scenarios.map((s) => s.id)).toContain("test-computed-test--async-inner-twice-7");
    // Only the file whose collection loaded src/extra.ts is collected again.
    expect(jobs - before).toBe(1);
  });
});

describe("runtime-collected cases through the command line", () => {
  const { dir: repo, cleanup } = tempDir("worldline-collect-cli-");
  beforeAll(() => {
    makeRepo(repo, [
      { message: "fixture with computed tests", files: COLLECT_FILES },
      // Head breaks add for 2 only: the loop's "adds 2" fails there, "adds 1" still passes.
      { message: "break add(2, _)", files: { "src/math.ts": COLLECT_FILES["src/math.ts"]!.replace("a + b;", "a + b + (a === 2 ? 1 : 0);") } },
    ]);
  });
  afterAll(() => cleanup());

  it("lists them as normal cases and checks one by --scenario", async () => {
    const list = await runCli(["scenarios", "list", "--repo", repo, "--tests"]);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toMatch(/^test-computed-test--adds-2\s+executable adds 2$/m);
    expect(list.out).toMatch(/^test-computed-test--async-inner-twice-6\s+executable async: inner: twice 6$/m);
    expect(list.out).toContain("left out: test/computed.test.ts:17 skipped");
    const check = async (id: string) => {
      const r = await runCli(["check", "--repo", repo, "--base", "HEAD~1", "--head", "HEAD", "--scenario", id, "--format", "json", "--quiet"]);
      const report = JSON.parse(r.out) as { verdicts: Array<{ scenario: string; verdict: string }> };
      return report.verdicts.map((v) => `${v.scenario} ${v.verdict}`);
    };
    expect(await check("test-computed-test--adds-2")).toEqual(["test-computed-test--adds-2 fail"]);
    expect(await check("test-computed-test--with-neg-adds-nothing")).toEqual(["test-computed-test--with-neg-adds-nothing pass"]);
  }, 300_000);
});
