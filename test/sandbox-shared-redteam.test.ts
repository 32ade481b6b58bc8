import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type DifferentialSimulation, ScenarioService } from "../servers/scenarios/service.js";
import { IO_BUILTINS, IO_PACKAGES } from "../servers/scenarios/sandbox/boundaries.js";
import { COMPILER, compiledKey } from "../servers/scenarios/sandbox/compiled-cache.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type RunResult, type SimulationJob } from "../servers/scenarios/sandbox/protocol.js";
import { type CommitSpec, makeRepo, tempDir } from "./helpers/git-fixture.js";
import { caseJob, filesUnder } from "./helpers/sandbox-run.js";

/**
 * Red team (non-author) of two changes: (1) shared effects in a batch (prelude.ts `sharedDepth`, `reset()` keeping
 * `shared` effects; service.ts simulateDifferential running both sides again `alone` when `sharedEffects()` differ),
 * and (2) the compiled-module disk cache (compiled-cache.ts). Each attack asserts the SAFE outcome; an attack that
 * succeeds (a real hole) is `hole(...)` (= `it.fails`) with the mechanism, so the file passes either way.
 * WORLDLINE_REDTEAM_SHOW=1 runs the holes as plain `it`, to see how the safe assertion fails.
 */
const hole = process.env.WORLDLINE_REDTEAM_SHOW ? it : it.fails;
const lines = (...l: string[]) => `${l.join("\n")}\n`;
const PKG = JSON.stringify({ name: "fixture", type: "module" });

/** A fixture repo of `commits` in its own temp dir, a ScenarioService on it, and `fn` run with both; always cleaned. */
async function withService<T>(commits: CommitSpec[], fn: (service: ScenarioService, base: string, head: string) => Promise<T>): Promise<T> {
  const tmp = tempDir();
  makeRepo(tmp.dir, commits);
  const service = new ScenarioService(tmp.dir);
  try {
    const { base, head } = await service.pin("HEAD~1", "HEAD");
    return await fn(service, base, head);
  } finally {
    service.close();
    tmp.cleanup();
  }
}

/** Runs both cases of a test file through the service at once (as `worldline check` does): their jobs batch. */
const both = (service: ScenarioService, ids: string[], base: string, head: string) => Promise.all(ids.map((id) => service.simulateDifferential(id, base, head)));

/**
 * Both cases through the service until head ran "second" after "first" in one isolate, as vitest runs the file
 * (the pool batches cases asked a few milliseconds apart; on a busy machine they may go apart): a fresh fixture
 * each try, at most four. `batched` says from head's run of "second" whether it ran after "first".
 */
async function secondAfterFirst(commits: CommitSpec[], batched: (head: RunResult) => boolean): Promise<DifferentialSimulation> {
  for (let attempt = 0; attempt < 4; attempt++) {
    const second = await withService(commits, async (service, base, head) => (await both(service, ["test-counter-test--first", "test-counter-test--second"], base, head))[1]);
    if (second?.head && batched(second.head)) return second;
  }
  throw new Error('head never ran "second" after "first" in one batch in four tries');
}

// ---- 1. shared effects in a batch ---------------------------------------------------------------------------

const COUNTER_TEST = lines(
  'import { it, expect } from "vitest";',
  'import { bump } from "../src/counter";',
  'it("first", async () => { expect(await bump()).toBe(1); });',
  'it("second", async () => { expect(await bump()).toBe(1); });',
);
const COUNTER_BASE = lines("let calls = 0;", "export async function bump(): Promise<number> {", "  calls++;", "  return 1;", "}");

describe("red team: shared effects decide when a case is judged alone", () => {
  // CLOSED (batch-only behaviour hidden by the alone rerun): when sharedEffects(base) !== sharedEffects(head),
  // simulateDifferential once replaced the batched comparison with one of two `alone: true` runs. Head controls that
  // trigger: a module loaded lazily during a case runs its top level as shared work. Here head's bump() on its
  // second call (in "second", after "first" ran in the same isolate, as vitest runs the file) imports src/extra.ts
  // (top level: os.hostname()) and returns 0: the batched head run of "second" fails, as under vitest, while alone
  // it passes. Now the batched runs are compared too (without shared effects) and the worse verdict stands.
  it("does not turn a case that fails in its file's run into `pass` by making its shared effects differ", async () => {
    const head = lines(
      "let calls = 0;",
      "export async function bump(): Promise<number> {",
      "  calls++;",
      "  if (calls > 1) {",
      '    await import("./extra");',
      "    return 0;",
      "  }",
      "  return 1;",
      "}",
    );
    const extra = lines('import os from "os";', "export const HOST = os.hostname();");
    const second = await secondAfterFirst(
      [
        { message: "counter", files: { "package.json": PKG, "src/counter.ts": COUNTER_BASE, "test/counter.test.ts": COUNTER_TEST } },
        { message: "second call differs", files: { "src/counter.ts": head, "src/extra.ts": extra } },
      ],
      (run) => (run.steps[0]?.result as { status?: string } | undefined)?.status === "fail",
    );
    // vitest on head: "second" fails (bump() answers 0 on its second call). Secure: fail.
    expect(second.verdict.verdict).toBe("fail");
  });

  // CLOSED (same mechanism, an added effect of the case's own body): head's bump() on its second call writes a
  // secret with fs.writeFileSync in the case's body and, as the trigger, imports a module whose top level calls
  // os.homedir() (a shared effect). Alone, neither happens; batched, the write is the case's own effect, compared.
  it("does not drop a case body's added effect because a lazy import made its shared effects differ", async () => {
    const head = lines(
      'import fs from "fs";',
      "let calls = 0;",
      "export async function bump(): Promise<number> {",
      "  calls++;",
      "  if (calls > 1) {",
      '    await import("./extra");',
      '    fs.writeFileSync("/tmp/exfil.txt", "secret");',
      "  }",
      "  return 1;",
      "}",
    );
    const extra = lines('import os from "os";', "export const HOME = os.homedir();");
    const second = await secondAfterFirst(
      [
        { message: "counter", files: { "package.json": PKG, "src/counter.ts": COUNTER_BASE, "test/counter.test.ts": COUNTER_TEST } },
        { message: "writes on the second call", files: { "src/counter.ts": head, "src/extra.ts": extra } },
      ],
      (run) => run.effects.some((e) => e.target === "fs#writeFileSync"),
    );
    expect(second.verdict.verdict).not.toBe("pass");
  });

  // HOLE (open, narrow): the same trigger with nothing but the lazy import. On head, bump()'s second call imports a
  // module whose top level calls os.homedir(): batched, "second" carries that effect as shared work (as it would carry
  // a module an earlier case loaded); alone, it never happens. Shared effects are compared only between the alone
  // runs (a batch's make-up must not be a change), so a load that only the batch's state triggers is not seen.
  hole("sees an effect at load that only the batch's state triggers", async () => {
    const head = lines("let calls = 0;", "export async function bump(): Promise<number> {", "  calls++;", '  if (calls > 1) await import("./extra");', "  return 1;", "}");
    const extra = lines('import os from "os";', "export const HOME = os.homedir();");
    const second = await secondAfterFirst(
      [
        { message: "counter", files: { "package.json": PKG, "src/counter.ts": COUNTER_BASE, "test/counter.test.ts": COUNTER_TEST } },
        { message: "loads a module on the second call", files: { "src/counter.ts": head, "src/extra.ts": extra } },
      ],
      (run) => run.effects.some((e) => e.target === "os#homedir"),
    );
    expect(second.verdict.verdict).not.toBe("pass");
  });

  // HELD: an unconditional lazy load in a case body (its top level calls os.hostname() on head only) is marked shared
  // and triggers the alone rerun, but alone the case loads the module too: the added shared effect is compared.
  it("compares an effect a lazily loaded module makes in a case body, whether batched or alone", async () => {
    const base = lines("export async function load(): Promise<number> {", '  const m = await import("./extra");', "  return m.N;", "}");
    const extraBase = lines("export const N = 1;");
    const extraHead = lines('import os from "os";', "export const HOST = os.hostname();", "export const N = 1;");
    const test = lines('import { it, expect } from "vitest";', 'import { load } from "../src/lazy";', 'it("one", async () => { expect(await load()).toBe(1); });', 'it("two", async () => { expect(await load()).toBe(1); });');
    await withService(
      [
        { message: "lazy", files: { "package.json": PKG, "src/lazy.ts": base, "src/extra.ts": extraBase, "test/lazy.test.ts": test } },
        { message: "extra asks the host name", files: { "src/extra.ts": extraHead } },
      ],
      async (service, b, h) => {
        const verdicts = await both(service, ["test-lazy-test--one", "test-lazy-test--two"], b, h);
        for (const v of verdicts) {
          expect(v.verdict.verdict).toBe("at-risk");
          expect(JSON.stringify(v.verdict.effectsDiff)).toContain("os#hostname");
        }
      },
    );
  });
});

// ---- shared-work marking reachable from repo code: pool jobs ----------------------------------------------------

const MARK_FILES: Record<string, string> = {
  "package.json": PKG,
  "src/block.ts": lines("export const one = (): number => 1;"),
  // Repo code that tries to make the effect of its case's body count as shared work.
  "src/sneak.ts": lines(
    'import os from "os";',
    "export function lateHook(): string {",
    "  const g = globalThis as any;",
    "  let how = 'none';",
    "  try { g.beforeAll(() => { os.hostname(); }); how = 'beforeAll registered'; } catch { how = 'beforeAll refused'; }",
    "  try { g.afterAll(() => { os.hostname(); }); how += ', afterAll registered'; } catch { how += ', afterAll refused'; }",
    "  try { g.describe('late', () => { g.beforeAll(() => { os.hostname(); }); g.it('late case', () => { os.hostname(); }); }); how += ', describe registered'; } catch { how += ', describe refused'; }",
    "  os.userInfo();",
    "  return how;",
    "}",
    "export function hunt(): string[] {",
    "  const found: string[] = [];",
    "  const g = globalThis as any;",
    "  for (const root of [g, g.vi, g.expect, g.it, g.describe, g.beforeAll]) {",
    "    if (!root) continue;",
    "    for (const k of Object.getOwnPropertyNames(root)) {",
    "      let v: any;",
    "      try { v = root[k]; } catch { continue; }",
    "      if (/^(shared|host|sharedDepth|setShared)$/i.test(k)) found.push(k);",
    "      if (v && (typeof v === 'object' || typeof v === 'function')) {",
    "        try { for (const kk of Object.getOwnPropertyNames(v)) if (/^(shared|host|sharedDepth)$/.test(kk)) found.push(k + '.' + kk); } catch {}",
    "      }",
    "    }",
    "  }",
    "  os.userInfo();",
    "  return found;",
    "}",
    // A timer from the case body that fires while an async afterAll awaits: counted as shared work.
    "export function later(): void {",
    "  setTimeout(() => { os.userInfo(); }, 5);",
    "}",
    "export function settle(): Promise<void> {",
    "  return new Promise((r) => setTimeout(r, 50));",
    "}",
  ),
  "test/block.test.ts": lines('import { it, expect } from "vitest";', 'import { one } from "../src/block";', 'it("blocks", () => { expect(one()).toBe(1); });'),
  "test/sneak.test.ts": lines(
    'import { describe, it, expect, afterAll } from "vitest";',
    'import { lateHook, hunt, later, settle } from "../src/sneak";',
    'describe("s", () => {',
    '  it("registers hooks late", () => { expect(typeof lateHook()).toBe("string"); });',
    '  it("hunts the host", () => { expect(hunt()).toEqual([]); });',
    "});",
    'describe("t", () => {',
    "  afterAll(async () => { await settle(); });",
    '  it("leaves a timer", () => { later(); expect(1).toBe(1); });',
    "});",
    'it("after all", () => { expect(1).toBe(1); });',
  ),
};

describe("red team: repo code marking its own effects as shared work", () => {
  const job = (repo: string, file: string, titles: string[]): SimulationJob => caseJob(repo, file, titles, { cpuMs: 3000 });
  const outcome = (r: RunResult | undefined) => r?.steps[0]?.result as { status: string; error?: { message: string } } | undefined;
  const own = (r: RunResult | undefined, target: string) => (r?.effects ?? []).filter((e) => e.target === target);

  // HELD: host.shared (the only toggle of sharedDepth besides module loading) lives in the test API's closure, the
  // host object is frozen and never handed out; hooks and suites registered from a case body are refused
  // (collectOnly), so the case's os.userInfo() stays the case's own. HELD (by design): a timer the case body set that
  // fires while an async afterAll awaits is recorded as shared, but it is still in the case's own record, and a
  // rerun alone reproduces it: no effect is lost.
  it("keeps a case body's effects its own against late hooks, a hunt for the host, and a timer in an async afterAll", async () => {
    const tmp = tempDir();
    const repo = join(tmp.dir, "repo");
    mkdirSync(repo);
    makeRepo(repo, [{ message: "fixture", files: MARK_FILES }]);
    const pool = new SandboxPool(1);
    try {
      const S = "test/sneak.test.ts";
      const [, late, hunted, timer, after] = await Promise.all([
        pool.run(job(repo, "test/block.test.ts", ["blocks"])),
        pool.run(job(repo, S, ["s", "registers hooks late"])),
        pool.run(job(repo, S, ["s", "hunts the host"])),
        pool.run(job(repo, S, ["t", "leaves a timer"])),
        pool.run(job(repo, S, ["after all"])),
      ]);
      expect(outcome(late)?.status).toBe("pass");
      expect(late?.steps[0]?.result).toMatchObject({ status: "pass" });
      // The late registrations ran nothing: no os.hostname at all; os.userInfo is the case's own.
      expect(own(late, "os#hostname")).toEqual([]);
      expect(own(late, "os#userInfo")).toEqual([expect.not.objectContaining({ shared: true })]);
      expect(outcome(hunted)?.status, JSON.stringify(hunted?.steps[0])).toBe("pass");
      expect(own(hunted, "os#userInfo")).toEqual([expect.not.objectContaining({ shared: true })]);
      // The timer's effect is in the case's record (shared or not): never dropped.
      expect(own(timer, "os#userInfo").length).toBe(1);
      // A later case carries no effect of an earlier case's body unless it was counted as shared work.
      expect(own(after, "os#hostname")).toEqual([]);
    } finally {
      pool.close();
      tmp.cleanup();
    }
  });
});

// ---- 2. the compiled-module disk cache --------------------------------------------------------------------------

describe("red team: the compiled-module cache from inside the sandbox", () => {
  // HELD: the fs stand-in only records writes; the cache folder is outside the repo tree the sandbox's fs serves.
  // Repo code that knows the exact entry path of another module (its key is sha1 of kind, path, text, all of which
  // the repo author knows) writes a poisoned entry there with every write API, then reads it back: nothing lands
  // on disk, nothing of the host is read, and the victim module runs its own code on the next, cold, process.
  it("cannot write or read a cache entry through the fs stand-in, by any write API or path spelling", async () => {
    const tmp = tempDir();
    const repo = join(tmp.dir, "repo");
    const cacheHome = join(tmp.dir, "cache");
    mkdirSync(repo);
    mkdirSync(cacheHome);
    const victim = lines("export function answer(): number {", "  return 40 + 2;", "}");
    const saved = { xdg: process.env.XDG_CACHE_HOME, off: process.env.WORLDLINE_COMPILED_CACHE };
    process.env.XDG_CACHE_HOME = cacheHome;
    delete process.env.WORLDLINE_COMPILED_CACHE;
    const run = async (files: Record<string, string>, call: string): Promise<RunResult> => {
      const pool = new SandboxPool(1);
      try {
        return await pool.run({ repo, rev: "WORKTREE", env: {}, stubs: {}, steps: [{ call, expect: [] }], boundaryPackages: [...IO_BUILTINS, ...IO_PACKAGES], limits: DEFAULT_LIMITS, overlay: files });
      } finally {
        pool.close();
      }
    };
    try {
      makeRepo(repo, [{ message: "fixture", files: { "package.json": PKG, "src/answer.ts": victim } }]);
      // Learn where the victim's entry lies (the compiler folder is a hash of Worldline's own files).
      expect((await run({}, "src/answer.ts#answer")).steps[0]?.result).toBe(42);
      const root = join(cacheHome, "worldline", "compiled");
      const entry = filesUnder(root).find((p) => readFileSync(p, "utf8").includes("40 + 2"));
      expect(entry).toBeDefined();
      expect(entry).toContain(compiledKey("repo", "src/answer.ts", victim));
      const poison = JSON.stringify({ code: 'exports.answer = () => 666; Object.defineProperty(exports, "__esModule", { value: true });', sites: [] });
      const before = new Map(filesUnder(root).map((p) => [p, readFileSync(p, "utf8")]));
      const entryDir = (entry as string).slice(0, (entry as string).lastIndexOf("/"));
      const attack = lines(
        'import fs from "fs";',
        'import fsp from "fs/promises";',
        "export async function attack(): Promise<string[]> {",
        `  const target = ${JSON.stringify(entry)};`,
        `  const dir = ${JSON.stringify(entryDir)};`,
        `  const poison = ${JSON.stringify(poison)};`,
        "  const spellings = [target, '/repo/../' + target, 'file://' + target, target.replace('/worldline/', '/worldline/./'), new URL('file://' + target)];",
        "  const seen: string[] = [];",
        "  for (const p of spellings) {",
        "    try { fs.mkdirSync(dir, { recursive: true }); } catch {}",
        "    try { fs.writeFileSync(p as any, poison); } catch (e) { seen.push('w:' + String(e)); }",
        "    try { fs.appendFileSync(p as any, poison); } catch {}",
        "    try { const fd = fs.openSync(p as any, 'w'); fs.writeSync(fd, poison); fs.closeSync(fd); } catch {}",
        "    try { fs.copyFileSync('/repo/src/answer.ts', p as any); } catch {}",
        "    try { fs.symlinkSync('/repo/src/answer.ts', p as any); } catch {}",
        "    try { fs.renameSync('/repo/src/answer.ts', p as any); } catch {}",
        "    try { const s = fs.createWriteStream(p as any); s.write(poison); s.end(); } catch {}",
        "    try { await fsp.writeFile(p as any, poison); } catch {}",
        "    try { const r = fs.readFileSync(p as any, 'utf8'); if (typeof r === 'string' && r.includes('40 + 2')) seen.push('read host entry'); } catch {}",
        "  }",
        "  return seen;",
        "}",
      );
      const attacked = await run({ "src/attack.ts": attack }, "src/attack.ts#attack");
      expect(attacked.error).toBeUndefined();
      expect(JSON.stringify(attacked.steps[0]?.result ?? null)).not.toContain("read host entry");
      // Recorded, never done: the cache holds exactly what it held.
      expect(attacked.effects.some((e) => e.target === "fs#writeFileSync")).toBe(true);
      const after = filesUnder(root).filter((p) => !p.includes("attack") && before.has(p));
      for (const p of after) expect(readFileSync(p, "utf8")).toBe(before.get(p));
      // New entries are the attack module's own compilation (its text holds the poison as a string), nothing else.
      expect(filesUnder(root).filter((p) => !before.has(p)).every((p) => !readFileSync(p, "utf8").includes("666") || readFileSync(p, "utf8").includes("spellings"))).toBe(true);
      // A cold process loads the victim from the cache: still its own code.
      expect((await run({}, "src/answer.ts#answer")).steps[0]?.result).toBe(42);
    } finally {
      process.env.XDG_CACHE_HOME = saved.xdg;
      if (saved.xdg === undefined) delete process.env.XDG_CACHE_HOME;
      process.env.WORLDLINE_COMPILED_CACHE = saved.off;
      if (saved.off === undefined) delete process.env.WORLDLINE_COMPILED_CACHE;
      tmp.cleanup();
    }
  });

  // CLOSED (a cache root inside the checkout loaded entries the change under review commits): CI set-ups point
  // XDG_CACHE_HOME into the workspace (`${{ github.workspace }}/.cache`), and every part of a key is public, so a
  // pull request could commit `.cache/worldline/compiled/<COMPILER>/<kk>/<key>.json` for any file's text and the
  // child ran its code. Now a root in a git work tree, or one not private to the user, is not used.
  it("does not load a compiled entry that the repo under review itself holds (cache root inside the checkout)", async () => {
    const tmp = tempDir();
    const repo = join(tmp.dir, "repo");
    mkdirSync(repo);
    const victim = lines("export function answer(): number {", "  return 40 + 2;", "}");
    const compiler = COMPILER;
    const key = compiledKey("repo", "src/answer.ts", victim);
    const poison = JSON.stringify({ code: 'Object.defineProperty(exports, "__esModule", { value: true }); exports.answer = () => 666;', sites: [] });
    const saved = { xdg: process.env.XDG_CACHE_HOME, off: process.env.WORLDLINE_COMPILED_CACHE };
    process.env.XDG_CACHE_HOME = join(repo, ".cache");
    delete process.env.WORLDLINE_COMPILED_CACHE;
    const pool = new SandboxPool(1);
    try {
      makeRepo(repo, [
        { message: "fixture", files: { "package.json": PKG, "src/answer.ts": victim } },
        { message: "a harmless-looking cache file", files: { [`.cache/worldline/compiled/${compiler}/${key.slice(0, 2)}/${key}.json`]: poison } },
      ]);
      const r = await pool.run({ repo, rev: "HEAD", env: {}, stubs: {}, steps: [{ call: "src/answer.ts#answer", expect: [] }], boundaryPackages: [...IO_BUILTINS, ...IO_PACKAGES], limits: DEFAULT_LIMITS });
      expect(r.error).toBeUndefined();
      expect(r.steps[0]?.result).toBe(42);
    } finally {
      pool.close();
      process.env.XDG_CACHE_HOME = saved.xdg;
      if (saved.xdg === undefined) delete process.env.XDG_CACHE_HOME;
      process.env.WORLDLINE_COMPILED_CACHE = saved.off;
      if (saved.off === undefined) delete process.env.WORLDLINE_COMPILED_CACHE;
      tmp.cleanup();
    }
  });

  // HELD: compiledKey(kind, path, text) hashes the three apart with NUL separators. Kinds are constants ("repo",
  // "esm", "port", "own") none a prefix-with-NUL of another, and no path can hold NUL (git and file systems refuse it;
  // the ports' NUL-prefixed ids are never a key's path), so moving bytes across a boundary, or the same text under
  // another path or kind, gives another key. (Latent only: were a path ever to hold NUL, ("k","a\0b","c") and
  // ("k","a","b\0c") would collide; a length prefix per part would close it.) A file's text that holds NUL and the
  // next part's bytes cannot pose as another (path, text) either, since the path comes before the text.
  it("gives different keys to different files, kinds and texts", () => {
    const text = "export const x = 1;\n";
    const keys = [
      compiledKey("repo", "src/a.ts", text),
      compiledKey("esm", "src/a.ts", text),
      compiledKey("port", "src/a.ts", text),
      compiledKey("own", "src/a.ts", text),
      compiledKey("repo", "src/b.ts", text),
      compiledKey("repo", "src/a.ts", `${text} `),
      compiledKey("repo", "src/a.t", `s\0${text}`),
      compiledKey("repo", "src/a.ts", `\0${text}`),
      compiledKey("repo", "node_modules/a/index.mjs", text),
      compiledKey("esm", "node_modules/a/index.mjs", text),
      compiledKey("repo", "src/a.mts", text),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    for (const k of keys) expect(k).toMatch(/^[0-9a-f]{64}$/);
  });
});
