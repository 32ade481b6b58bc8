import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { COMPILER, compiledKey } from "../servers/scenarios/sandbox/compiled-cache.js";
import { boundaries } from "../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type SimulationJob } from "../servers/scenarios/sandbox/protocol.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";
import { filesUnder } from "./helpers/sandbox-run.js";

/**
 * Compiled modules are kept on disk between processes (compiled-cache.ts): each pool child starts cold, and
 * without the cache every child transpiles the repo's files and the matcher library again. Each test places the
 * cache in its own folder through XDG_CACHE_HOME, which the pool hands to its children.
 */
const tmp = tempDir();
const repo = join(tmp.dir, "repo");
const saved = { xdg: process.env.XDG_CACHE_HOME, off: process.env.WORLDLINE_COMPILED_CACHE };
afterAll(() => {
  process.env.XDG_CACHE_HOME = saved.xdg;
  if (saved.xdg === undefined) delete process.env.XDG_CACHE_HOME;
  process.env.WORLDLINE_COMPILED_CACHE = saved.off;
  if (saved.off === undefined) delete process.env.WORLDLINE_COMPILED_CACHE;
  tmp.cleanup();
});

const files = { "package.json": JSON.stringify({ name: "fixture", type: "module" }), "src/answer.ts": "export function answer(): number {\n  return 40 + 2;\n}\n" };

function job(): SimulationJob {
  return { repo, rev: "HEAD", env: {}, stubs: {}, steps: [{ call: "src/answer.ts#answer", expect: [] }], boundaryPackages: boundaries([]), limits: DEFAULT_LIMITS };
}

/** Runs the job in a fresh pool (a fresh child) with the cache under `cacheHome`. */
async function runWithCache(cacheHome: string, off = false): Promise<unknown> {
  process.env.XDG_CACHE_HOME = cacheHome;
  if (off) process.env.WORLDLINE_COMPILED_CACHE = "off";
  else delete process.env.WORLDLINE_COMPILED_CACHE;
  const pool = new SandboxPool(1);
  try {
    const r = await pool.run(job());
    expect(r.error, JSON.stringify(r.error)).toBeUndefined();
    return r.steps[0]?.result;
  } finally {
    pool.close();
  }
}

const entries = (cacheHome: string): string[] => filesUnder(join(cacheHome, "worldline", "compiled"));

/** The kept entry of the repo's own module: the one whose code holds its expression. */
const answerEntry = (cacheHome: string) => entries(cacheHome).find((p) => readFileSync(p, "utf8").includes("40 + 2"));

describe("the compiled-module cache", () => {
  mkdirSync(repo);
  makeRepo(repo, [{ message: "fixture", files }]);

  it("keeps what a child compiled, and the next process loads the kept entry instead of compiling again", async () => {
    const home = join(tmp.dir, "cache-a");
    expect(await runWithCache(home)).toBe(42);
    const entry = answerEntry(home);
    expect(entry).toBeDefined();
    expect(entries(home).every((p) => p.endsWith(".json"))).toBe(true);
    // Rewritten by hand, the entry is what the next child runs: proof it was read, not compiled again.
    const kept = JSON.parse(readFileSync(entry as string, "utf8")) as { code: string };
    writeFileSync(entry as string, JSON.stringify({ ...kept, code: kept.code.replace("40 + 2", "40 + 3") }));
    expect(await runWithCache(home)).toBe(43);
  });

  it("compiles again over a damaged entry, and keeps a whole one in its place", async () => {
    const home = join(tmp.dir, "cache-b");
    await runWithCache(home);
    const entry = answerEntry(home) as string;
    writeFileSync(entry, '{"code": 12');
    expect(await runWithCache(home)).toBe(42);
    expect(JSON.parse(readFileSync(entry, "utf8"))).toMatchObject({ code: expect.stringContaining("40 + 2") });
    writeFileSync(entry, JSON.stringify({ code: "module.exports = 1", sites: "not a list" }));
    expect(await runWithCache(home)).toBe(42);
  });

  it("writes nothing when WORLDLINE_COMPILED_CACHE=off", async () => {
    const home = join(tmp.dir, "cache-off");
    expect(await runWithCache(home, true)).toBe(42);
    expect(entries(home)).toEqual([]);
  });

  it("uses no folder another user could write, nor one in a git work tree (a checkout's files are the change's)", async () => {
    const plant = (home: string, mode: number) => {
      const key = compiledKey("repo", "src/answer.ts", files["src/answer.ts"]);
      const folder = join(home, "worldline", "compiled", COMPILER, key.slice(0, 2));
      mkdirSync(folder, { recursive: true });
      chmodSync(join(home, "worldline", "compiled", COMPILER), mode);
      writeFileSync(join(folder, `${key}.json`), JSON.stringify({ code: "exports.answer = () => 666;", sites: [] }));
    };
    const open = join(tmp.dir, "cache-open");
    plant(open, 0o755);
    expect(await runWithCache(open)).toBe(42);
    // In the repo's own checkout, even a private folder is the change's to fill.
    const inside = join(repo, ".cache");
    plant(inside, 0o700);
    expect(await runWithCache(inside)).toBe(42);
    // The same private folder outside any work tree is the cache: the planted entry is what runs.
    const own = join(tmp.dir, "cache-own");
    plant(own, 0o700);
    expect(await runWithCache(own)).toBe(666);
  });
});
