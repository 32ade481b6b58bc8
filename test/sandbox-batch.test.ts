import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchKey } from "../servers/scenarios/sandbox/batch.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { type RunResult, type SimulationJob } from "../servers/scenarios/sandbox/protocol.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";
import { caseJob } from "./helpers/sandbox-run.js";

/**
 * The cases of one test file that wait in the pool together run as one batch in one isolate (runner.ts
 * runBatch), as the file's own runner runs them: each keeps its own outcome, trace, effects and coverage (its own
 * sites and the shared ones), and a case that ends the isolate, hostile or not, leaves the verdicts of the cases
 * after it to a fresh isolate.
 */
const lines = (...l: string[]) => `${l.join("\n")}\n`;

const FILES: Record<string, string> = {
  "package.json": JSON.stringify({ name: "fixture", type: "module" }),
  "src/calc.ts": lines(
    "export const TABLE = [1, 2, 3].map((x) => x * 10);",
    "let calls = 0;",
    "export function double(x: number): number {",
    "  calls++;",
    "  return x * 2;",
    "}",
    "export function triple(x: number): number {",
    "  return x * 3;",
    "}",
    "export const callsSoFar = (): number => calls;",
  ),
  "test/calc.test.ts": lines(
    'import { describe, it, expect, beforeAll, afterAll } from "vitest";',
    'import { double, triple, callsSoFar, TABLE } from "../src/calc";',
    "let opened = 0;",
    'describe("calc", () => {',
    "  beforeAll(() => { opened++; });",
    '  it("doubles", () => { expect(double(2)).toBe(4); });',
    '  it("triples", () => { expect(triple(2)).toBe(6); });',
    '  it("reads the table", () => { expect(TABLE[1]).toBe(20); });',
    '  it("sees module state left by the cases before it", () => { expect(callsSoFar()).toBe(1); });',
    '  it("opened the suite once", () => { expect(opened).toBe(1); });',
    '  it("loops for ever", () => { for (;;) {} });',
    '  it("passes after the loop", () => { expect(triple(1)).toBe(3); });',
    '  it("replaces Object.is", () => { Object.is = () => true; expect(1).toBe(1); });',
    '  it("fails honestly after the tamper", () => { expect(double(1)).toBe(3); });',
    '  it("passes after the tamper", () => { expect(triple(1)).toBe(3); });',
    "});",
  ),
  "test/broken.test.ts": lines('import { it, expect } from "vitest";', 'it("one", () => { expect(1).toBe(1); });', 'it("two", () => { expect(2).toBe(2); });', 'throw new Error("the file cannot load");'),
  "test/hooks.test.ts": lines(
    'import { describe, it, expect, beforeAll } from "vitest";',
    'describe("set-up fails", () => {',
    '  beforeAll(() => { throw new Error("no database"); });',
    '  it("first", () => { expect(1).toBe(1); });',
    '  it("second", () => { expect(1).toBe(1); });',
    "});",
    'it("outside the suite", () => { expect(1).toBe(1); });',
  ),
};

describe("a test file's cases run as one batch", () => {
  const tmp = tempDir();
  const repo = join(tmp.dir, "repo");
  let pool: SandboxPool;
  beforeAll(() => {
    mkdirSync(repo, { recursive: true });
    makeRepo(repo, [{ message: "fixture", files: FILES }]);
    pool = new SandboxPool(1);
  });
  afterAll(() => {
    pool.close();
    tmp.cleanup();
  });

  const job = (file: string, titles: string[], cpuMs = 10_000): SimulationJob => caseJob(repo, file, titles, { cpuMs });
  const C = "test/calc.test.ts";
  const calc = (t: string, cpuMs?: number) => job(C, ["calc", t], cpuMs);
  /** All at once behind a case of another file, which keeps the one child busy: they wait together and the pool batches them. */
  const together = async (jobs: SimulationJob[]) => (await Promise.all([pool.run(job("test/hooks.test.ts", ["outside the suite"])), ...jobs.map((j) => pool.run(j))])).slice(1);
  const outcome = (r: RunResult) => r.steps[0]?.result as { status: string; error?: { name: string; message: string } } | undefined;
  const ran = (r: RunResult, line: number) => r.coverage.files["src/calc.ts"]?.sites.split(";").some((s) => s.startsWith(`${line},`) && /[SF]$/.test(s));

  it("groups only single cases of one file in one world", () => {
    expect(batchKey(calc("doubles"))).toBe(batchKey(calc("triples")));
    expect(batchKey(calc("doubles"))).not.toBe(batchKey(job("test/hooks.test.ts", ["outside the suite"])));
    expect(batchKey({ ...calc("doubles"), rev: "abc" })).not.toBe(batchKey(calc("doubles")));
    expect(batchKey({ ...calc("doubles"), collect: { file: C } })).toBeUndefined();
    expect(batchKey({ ...calc("doubles"), steps: [...calc("doubles").steps, ...calc("triples").steps] })).toBeUndefined();
  });

  it("keeps each case's own outcome, trace and coverage, with what the file's loading ran counted in each", async () => {
    const [doubles, triples, table, state, once] = await together(["doubles", "triples", "reads the table", "sees module state left by the cases before it", "opened the suite once"].map((t) => calc(t)));
    for (const r of [doubles, triples, table, state, once]) expect(outcome(r as RunResult)).toMatchObject({ status: "pass" });
    const [d, t] = [doubles as RunResult, triples as RunResult];
    // Its own function ran for it, the other's did not; the module's top level (line 1) counts for both.
    expect([ran(d, 3), ran(d, 7), ran(d, 1)]).toEqual([true, false, true]);
    expect([ran(t, 3), ran(t, 7), ran(t, 1)]).toEqual([false, true, true]);
    expect(t.trace.some((e) => e.at === "src/calc.ts:5")).toBe(false);
    expect(t.trace.some((e) => e.at === "src/calc.ts:8")).toBe(true);
    // Alone, a case sees a fresh module: the batch is the file's runner, where state carries from case to case.
    const alone = await pool.run(calc("sees module state left by the cases before it"));
    expect(outcome(alone)).toMatchObject({ status: "fail", error: { message: "expected +0 to be 1 // Object.is equality" } });
    const t2 = await pool.run(calc("triples"));
    expect(outcome(t2)?.status).toBe("pass");
    expect(t2.coverage).toEqual(t.coverage);
  });

  it("waits a moment for the file's other cases when they are asked one by one, and not for ever", async () => {
    // Nothing else is waiting: without the wait, the first case would go alone and the second would see a fresh module.
    const first = pool.run(calc("doubles"));
    await new Promise((r) => setTimeout(r, 10));
    const state = await pool.run(calc("sees module state left by the cases before it"));
    expect(outcome(await first)?.status).toBe("pass");
    expect(outcome(state)?.status).toBe("pass");
    // Asked well after the wait ended, a case runs in its own batch.
    const early = pool.run(calc("doubles"));
    await new Promise((r) => setTimeout(r, 400));
    const late = await pool.run(calc("sees module state left by the cases before it"));
    expect(outcome(await early)?.status).toBe("pass");
    expect(outcome(late)).toMatchObject({ status: "fail", error: { message: "expected +0 to be 1 // Object.is equality" } });
  });

  it("gives a case that hits the CPU limit its error, and runs the cases after it in a fresh isolate", async () => {
    const [loop, after] = await together([calc("loops for ever", 300), calc("passes after the loop", 300)]);
    expect(loop?.status).toBe("error");
    expect(loop?.error?.reason).toMatch(/CPU time limit of 300 ms reached/);
    expect(after?.status).toBe("ok");
    expect(outcome(after as RunResult)?.status).toBe("pass");
  });

  it("does not let a case's tamper decide the cases after it: they run in a fresh isolate", async () => {
    const [tamper, honest, passing] = await together([calc("replaces Object.is"), calc("fails honestly after the tamper"), calc("passes after the tamper")]);
    expect(outcome(tamper as RunResult)).toMatchObject({ status: "fail", error: { name: "SandboxTamper", message: "the code replaced Object.is, which the matchers use" } });
    expect(outcome(honest as RunResult)).toMatchObject({ status: "fail", error: { message: "expected 2 to be 3 // Object.is equality" } });
    // In the tampered realm it would fail as a tamper too: it passes because it ran where Object.is is the isolate's own.
    expect(outcome(passing as RunResult)).toMatchObject({ status: "pass" });
  });

  it("fails every case of a file that cannot load with the same error", async () => {
    const B = "test/broken.test.ts";
    const [one, two] = await together([job(B, ["one"]), job(B, ["two"])]);
    for (const r of [one, two]) {
      expect(r?.steps[0]?.error?.message ?? outcome(r as RunResult)?.error?.message).toBe("the file cannot load");
      expect(r?.steps[0]?.expectations[0]?.status).not.toBe("pass");
    }
  });

  it("fails each case of a suite whose beforeAll failed, once, and runs the cases outside it", async () => {
    const H = "test/hooks.test.ts";
    const [first, second, outside] = await together([job(H, ["set-up fails", "first"]), job(H, ["set-up fails", "second"]), job(H, ["outside the suite"])]);
    expect(outcome(first as RunResult)).toMatchObject({ status: "fail", error: { message: "no database" } });
    expect(outcome(second as RunResult)).toMatchObject({ status: "fail", error: { message: "no database" } });
    expect(outcome(outside as RunResult)?.status).toBe("pass");
  });
});
