import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IO_BUILTINS, IO_PACKAGES } from "../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type SimulationJob } from "../servers/scenarios/sandbox/protocol.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";
import { standIn } from "./helpers/stand-in-server.js";

/**
 * Hostile code in a simulated revision: I/O is recorded and never performed; reaching for the host, endless
 * loops, endless recursion and huge allocations end the run with `error` and the reason, and the pool (and
 * this process) carry on.
 */
describe("the sandbox contains what the simulated code does", () => {
  const tmp = tempDir();
  const marker = (name: string) => join(tmp.dir, "outside", name);
  let pool: SandboxPool;
  let server: Awaited<ReturnType<typeof standIn>>;

  beforeAll(async () => {
    server = await standIn((_req, res) => res.end("{}"));
    const m = JSON.stringify(marker("x")).slice(1, -1).replace(/x$/, "");
    makeRepo(tmp.dir, [
      {
        message: "hostile code",
        files: {
          "src/io.ts": [
            'import { writeFileSync, promises } from "fs";',
            'import { execSync, spawn } from "child_process";',
            'import * as http from "node:http";',
            'import { connect } from "net";',
            "export async function everything(): Promise<string> {",
            `  writeFileSync("${m}fs.txt", "x");`,
            `  await promises.writeFile("${m}fs-promises.txt", "x");`,
            `  execSync("touch ${m}exec.txt");`,
            `  spawn("touch", ["${m}spawn.txt"]);`,
            `  http.request("${server.base}/http").end();`,
            `  connect(${new URL(server.base).port}, "127.0.0.1");`,
            `  await fetch("${server.base}/fetch");`,
            '  return "done";',
            "}",
          ].join("\n"),
          "src/escape.ts": [
            'import { Pool } from "pg";',
            "export function binding() {",
            '  return (process as unknown as { binding(m: string): unknown }).binding("fs");',
            "}",
            "export function globalRequire() {",
            '  return (globalThis as unknown as { require(m: string): unknown }).require("fs");',
            "}",
            "export function constructorChain(this: unknown) {",
            '  const p = ({}).constructor.constructor("return process")() as { pid: number; versions: unknown; mainModule: { require(m: string): { execSync(c: string): void } } };',
            `  p.mainModule.require("child_process").execSync("touch ${m}chain.txt");`,
            "}",
            "export function throughStandIn() {",
            '  const f = (Pool as unknown as { constructor: { constructor(s: string): () => { binding(m: string): unknown } } }).constructor.constructor("return process");',
            "  // pg is an async client: its stand-ins answer with promises, never with the host's Function.",
            "  return typeof f;",
            "}",
            "export function whoIsProcess() {",
            '  const p = Function("return process")() as { pid: number; version: string };',
            "  return `${p.pid} ${p.version}`;",
            "}",
          ].join("\n"),
          "src/limits.ts": [
            "export function spin(): number {",
            "  let n = 0;",
            "  while (true) n++;",
            "}",
            "export async function spinLater(): Promise<number> {",
            "  await Promise.resolve();",
            "  for (;;) {}",
            "}",
            "export function recurse(n: number): number {",
            "  return recurse(n + 1) + 1;",
            "}",
            "export function allocate(): number {",
            "  const keep: number[][] = [];",
            "  for (;;) keep.push(new Array(1e6).fill(1));",
            "}",
            "export function hugeFill(): number {",
            "  return new Array(5e7).fill(0).length;",
            "}",
            "export function fine(): number {",
            "  return 42;",
            "}",
          ].join("\n"),
        },
      },
    ]);
    pool = new SandboxPool(2);
  });
  afterAll(async () => {
    pool.close();
    await server.close();
    tmp.cleanup();
  });

  const job = (call: string, limits = DEFAULT_LIMITS): SimulationJob => ({
    repo: tmp.dir,
    rev: "WORKTREE",
    env: {},
    stubs: {},
    steps: [{ call, expect: [] }],
    boundaryPackages: [...IO_BUILTINS, ...IO_PACKAGES],
    limits,
  });

  it("records file, process and network access as effects and performs none of it", async () => {
    const r = await pool.run(job("src/io.ts#everything"));
    expect(r.status).toBe("ok");
    expect(r.steps[0]?.result).toBe("done");
    expect(r.effects.map((e) => e.target)).toEqual([
      "fs#writeFileSync",
      "fs#promises.writeFile",
      "child_process#execSync",
      "child_process#spawn",
      "http#request",
      "net#connect",
      "fetch#fetch",
    ]);
    for (const f of ["fs.txt", "fs-promises.txt", "exec.txt", "spawn.txt"]) expect(existsSync(marker(f)), f).toBe(false);
    expect(server.requests).toEqual([]);
  });

  it("ends a run that reaches for the host with error and the reason", async () => {
    const binding = await pool.run(job("src/escape.ts#binding"));
    expect(binding).toMatchObject({ status: "error", error: { reason: "the simulated code reached for the host: process.binding", at: "src/escape.ts:3" } });
    const req = await pool.run(job("src/escape.ts#globalRequire"));
    expect(req.error?.reason).toBe("the simulated code reached for the host: a global require");
    const chain = await pool.run(job("src/escape.ts#constructorChain"));
    expect(chain.error?.reason).toBe("the simulated code reached for the host: process.mainModule");
    expect(existsSync(marker("chain.txt"))).toBe(false);
  });

  it("finds no host process through constructor chains, Function or stand-ins", async () => {
    const who = await pool.run(job("src/escape.ts#whoIsProcess"));
    expect(who.steps[0]?.result).toBe("1 v20.0.0");
    const through = await pool.run(job("src/escape.ts#throughStandIn"));
    expect(through.steps[0]?.error).toBeUndefined();
    expect(through.status).toBe("ok");
    expect(through.steps[0]?.result).toBe("object");
    expect(through.effects.map((e) => `${e.target} ${JSON.stringify(e.args)}`)).toEqual(['pg#Pool.constructor.constructor ["return process"]']);
  });

  it("stops endless loops (also after an await), endless recursion and huge allocations, and carries on", async () => {
    const quick = { ...DEFAULT_LIMITS, cpuMs: 500 };
    const [spin, later, recurse] = await Promise.all([pool.run(job("src/limits.ts#spin", quick)), pool.run(job("src/limits.ts#spinLater", quick)), pool.run(job("src/limits.ts#recurse"))]);
    expect(spin).toMatchObject({ status: "error", error: { reason: expect.stringContaining("CPU time limit of 500 ms"), at: "src/limits.ts:3" } });
    expect(later.error?.reason).toContain("CPU time limit of 500 ms");
    // The overflow is found at the recursing function's entry or at its call, as the stack's depth falls.
    expect(recurse.error).toMatchObject({ reason: "recursion without end: the call stack was exhausted", at: expect.stringMatching(/^src\/limits\.ts:(9|10)$/) });
    const [allocate, huge] = await Promise.all([pool.run(job("src/limits.ts#allocate", { ...DEFAULT_LIMITS, memoryMb: 64 })), pool.run(job("src/limits.ts#hugeFill", { ...DEFAULT_LIMITS, memoryMb: 64 }))]);
    for (const r of [allocate, huge]) {
      expect(r.status).toBe("error");
      expect(r.error?.reason).toMatch(/memory limit of 64 MiB|simulation process died|CPU time limit/);
    }
    const after = await Promise.all([pool.run(job("src/limits.ts#fine")), pool.run(job("src/limits.ts#fine"))]);
    expect(after.map((r) => r.steps[0]?.result)).toEqual([42, 42]);
  });
});
