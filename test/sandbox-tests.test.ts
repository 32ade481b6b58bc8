import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IO_BUILTINS, IO_PACKAGES } from "../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type RunResult, type SimulationJob, type StepOutcome, type TestRef } from "../servers/scenarios/sandbox/protocol.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * The repo's own test cases run in the sandbox as `run` steps: a fixture repo with source and test files in
 * the styles of vitest, jest, mocha and node:test, each case run alone through the real pool, its outcome a
 * TestOutcome the prelude decided (pass, fail with the assertion's message, skip).
 */
const lines = (...l: string[]) => `${l.join("\n")}\n`;

const FILES: Record<string, string> = {
  "package.json": JSON.stringify({ name: "fixture", type: "module" }),
  "src/math.ts": lines(
    "export const add = (a: number, b: number): number => a + b;",
    "export const broken = (a: number, b: number): number => a - b;",
    "export async function later(v: number): Promise<number> { await new Promise((r) => setTimeout(r, 50)); return v * 2; }",
    "export function debounce(fn: () => void, ms: number): () => void { let t: ReturnType<typeof setTimeout> | undefined; return () => { if (t) clearTimeout(t); t = setTimeout(fn, ms); }; }",
    "export function notify(send: (to: string, text: string) => void, users: string[]): void { for (const u of users) send(u, `hi ${u}`); }",
    "export const clock = { stamp: (): number => Date.now() };",
    "export function fail(): never { throw new TypeError('bad input'); }",
  ),
  "test/vitest-style.test.ts": lines(
    'import { describe, it, test, expect, vi, beforeAll, afterAll, beforeEach, afterEach } from "vitest";',
    'import { add, broken, later, debounce, notify, clock, fail } from "../src/math";',
    "const order: string[] = [];",
    'describe("math", () => {',
    '  beforeAll(() => { order.push("outer beforeAll"); });',
    '  afterAll(() => { order.push("outer afterAll"); });',
    '  beforeEach(() => { order.push("outer beforeEach"); });',
    '  afterEach(() => { order.push("outer afterEach"); });',
    '  it("adds", () => { expect(add(1, 2)).toBe(3); });',
    '  it("subtracts wrongly", () => { expect(broken(1, 2)).toBe(3); });',
    '  it("deep equality", () => { expect({ a: [1, { b: 2 }] }).toEqual({ a: [1, { b: expect.any(Number) }] }); expect([1, 2, 3]).toEqual(expect.arrayContaining([3, 1])); expect({ x: 1, y: "s" }).toMatchObject({ y: expect.stringMatching(/^s/) }); expect(0.1 + 0.2).toEqual(expect.closeTo(0.3, 5)); });',
    '  it("throws", () => { expect(() => fail()).toThrow("bad input"); expect(() => fail()).toThrow(TypeError); expect(fail).toThrowError(/bad/); });',
    '  it("not", () => { vi.setConfig({ testTimeout: 50 }); expect(add(1, 1)).not.toBe(3); vi.resetConfig(); });',
    '  it.todo("later");',
    '  it.skip("skipped", () => { expect(1).toBe(2); });',
    '  it.skipIf(true)("skipped if", () => { expect(1).toBe(2); });',
    '  it.runIf(true)("run if", () => { expect(1).toBe(1); });',
    '  it.only("only", () => { expect(1).toBe(1); });',
    '  it.concurrent("concurrent", async () => { expect(await later(2)).toBe(4); });',
    '  describe("nested", () => {',
    '    beforeAll(() => { order.push("inner beforeAll"); });',
    '    afterAll(() => { order.push("inner afterAll"); });',
    '    beforeEach(async () => { await Promise.resolve(); order.push("inner beforeEach"); });',
    '    afterEach(() => { order.push("inner afterEach"); });',
    '    it("records the hook order", () => { order.push("case"); expect(order).toEqual(["outer beforeAll", "inner beforeAll", "outer beforeEach", "inner beforeEach", "case"]); });',
    '    it("reports the hook order", () => { expect(order).toEqual([]); });',
    '    it("sees the after hooks of the case before it", () => { expect(order.slice(5, 9)).toEqual(["inner afterEach", "outer afterEach", "outer beforeEach", "inner beforeEach"]); });',
    "  });",
    '  it("runs once the nested suite closed", () => { expect(order.slice(-4)).toEqual(["inner afterEach", "outer afterEach", "inner afterAll", "outer beforeEach"]); });',
    "});",
    'describe("each", () => {',
    '  it.each([[1, 2, 3], [2, 2, 5]])("add(%i, %i) -> %i", (a, b, sum) => { expect(add(a, b)).toBe(sum); });',
    '  test.each([{ a: 1, b: 1, sum: 2 }, { a: "x", b: 0, sum: 0 }])("$a plus $b is $sum", ({ a, b, sum }) => { expect(add(a as number, b)).toBe(sum); });',
    '  it.each(["one", "two"])("word %s #%#", (w) => { expect(typeof w).toBe("string"); });',
    '  it.each`a | b | sum\n ${1} | ${1} | ${2}\n ${3} | ${4} | ${8}`("table $a + $b", ({ a, b, sum }) => { expect(add(a, b)).toBe(sum); });',
    "});",
    'describe("dup", () => {',
    '  it("same", () => { expect(1).toBe(1); });',
    '  it("same", () => { expect(1).toBe(2); });',
    "});",
    'describe("async and spies", () => {',
    '  it("awaits", async () => { await expect(later(3)).resolves.toBe(6); await expect(Promise.reject(new Error("no"))).rejects.toThrow("no"); });',
    '  it("awaits wrongly", async () => { expect(await later(3)).toBe(7); });',
    '  it("spies", () => { const send = vi.fn(); notify(send, ["ann", "bob"]); expect(send).toHaveBeenCalledTimes(2); expect(send).toHaveBeenCalledWith("bob", "hi bob"); expect(send).toHaveBeenLastCalledWith("bob", expect.stringContaining("bob")); });',
    '  it("spies wrongly", () => { const send = vi.fn(); notify(send, ["ann"]); expect(send).toHaveBeenCalledWith("bob", "hi bob"); });',
    '  it("spyOn", () => { const s = vi.spyOn(clock, "stamp").mockReturnValue(42); expect(clock.stamp()).toBe(42); expect(s).toHaveBeenCalledOnce(); vi.restoreAllMocks(); expect(clock.stamp()).not.toBe(42); });',
    '  it("mock implementations", () => { const f = vi.fn((x: number) => x + 1).mockReturnValueOnce(10); expect(f(1)).toBe(10); expect(f(1)).toBe(2); expect(f.mock.calls).toEqual([[1], [1]]); });',
    '  it("fake timers", () => { vi.useFakeTimers(); const f = vi.fn(); const d = debounce(f, 100); d(); d(); vi.advanceTimersByTime(99); expect(f).not.toHaveBeenCalled(); vi.advanceTimersByTime(1); expect(f).toHaveBeenCalledTimes(1); d(); vi.runAllTimers(); expect(f).toHaveBeenCalledTimes(2); vi.useRealTimers(); });',
    '  it("system time", () => { vi.useFakeTimers(); vi.setSystemTime(new Date("2030-01-01T00:00:00Z")); expect(new Date().getUTCFullYear()).toBe(2030); expect(clock.stamp()).toBe(Date.UTC(2030, 0, 1)); });',
    '  it("assertions count", () => { expect.assertions(2); expect(1).toBe(1); });',
    '  it("has assertions", () => { expect.hasAssertions(); });',
    '  it("context", ({ expect: e, task }) => { e(task.name).toBe("context"); });',
    '  it("snapshot", () => { expect({ a: 1 }).toMatchSnapshot(); });',
    '  it("module mock", () => { vi.mock("../src/math"); });',
    '  it("custom matcher", () => { expect.extend({ toBeEven: (v: number) => ({ pass: v % 2 === 0, message: () => `expected ${v} to be even` }) }); (expect(3) as unknown as { toBeEven(): void }).toBeEven(); });',
    '  it("never ends", () => new Promise(() => undefined));',
    "});",
  ),
  "test/jest-style.test.js": lines(
    'const { describe, it, expect, jest, beforeEach } = require("@jest/globals");',
    'const { add, debounce } = require("../src/math");',
    'describe("jest", () => {',
    "  let n = 0;",
    "  beforeEach((done) => { n = 1; setTimeout(done, 10); });",
    '  it("done callback", (done) => { setTimeout(() => { expect(n).toBe(1); done(); }, 20); });',
    '  it("done with an error", (done) => { setTimeout(() => done(new Error("boom")), 5); });',
    '  it("fake timers", () => { jest.useFakeTimers(); const f = jest.fn(); debounce(f, 50)(); jest.runOnlyPendingTimers(); expect(f).toHaveBeenCalled(); expect(add(2, 2)).toStrictEqual(4); });',
    "});",
  ),
  "test/globals.test.js": lines(
    'const { add } = require("../src/math");',
    'describe("globals", () => {',
    '  test("add", () => { expect(add(2, 3)).toBe(5); });',
    '  it("fails", () => { expect(add(2, 3)).toEqual(6); });',
    "});",
  ),
  "test/mocha-style.test.js": lines(
    'const { describe, it, before, after } = require("mocha");',
    'const assert = require("assert");',
    'const { add } = require("../src/math");',
    "let ready = false;",
    'describe("mocha", function () {',
    "  before(function (done) { ready = true; done(); });",
    '  it("uses done and node assert", function (done) { assert.strictEqual(add(1, 1), 2); assert.ok(ready); done(); });',
    '  it("fails with node assert", function () { assert.deepStrictEqual({ a: add(1, 1) }, { a: 3 }); });',
    '  context("nested context", function () { specify("specify", function () { assert.equal(add(0, 0), 0); }); });',
    "});",
  ),
  "test/node-style.test.mjs": lines(
    'import test, { describe, it } from "node:test";',
    'import assert from "node:assert/strict";',
    'import { add } from "../src/math.ts";',
    'test("top level", (t) => { assert.equal(add(1, 2), 3); });',
    'describe("node", () => {',
    '  it("done second", (t, done) => { setTimeout(() => { assert.equal(add(2, 2), 4); done(); }, 5); });',
    '  it("fails", () => { assert.equal(add(2, 2), 5); });',
    "});",
  ),
};

describe("the repo's own test cases run in the sandbox", () => {
  const tmp = tempDir();
  const repo = join(tmp.dir, "repo");
  let pool: SandboxPool;
  beforeAll(() => {
    mkdirSync(repo, { recursive: true });
    makeRepo(repo, [{ message: "fixture with tests", files: FILES }]);
    pool = new SandboxPool(2);
  });
  afterAll(() => {
    pool.close();
    tmp.cleanup();
  });

  const job = (refs: TestRef[]): SimulationJob => ({
    repo,
    rev: "WORKTREE",
    env: {},
    stubs: {},
    steps: refs.map((run) => ({ call: "", run, expect: ["result.status === 'pass'"] })),
    boundaryPackages: [...IO_BUILTINS, ...IO_PACKAGES],
    limits: { ...DEFAULT_LIMITS, cpuMs: 10_000 },
  });
  /** Runs one case alone (a fresh isolate) and answers its step. */
  const runCase = async (file: string, titles: string[], nth = 1): Promise<{ run: RunResult; step: StepOutcome }> => {
    const run = await pool.run(job([{ file, titles, nth }]));
    const step = run.steps[0];
    if (!step) throw new Error(`no step in the run: ${JSON.stringify(run.error)}`);
    return { run, step };
  };
  const outcome = async (file: string, titles: string[], nth = 1) => {
    const { run, step } = await runCase(file, titles, nth);
    if (step.result === undefined) throw new Error(`${titles.join(" > ")}: no outcome (${JSON.stringify(step.error ?? run.error ?? step)})`);
    return step.result as { status: string; error?: { name: string; message: string }; assertions: number };
  };

  const V = "test/vitest-style.test.ts";

  it("passes a passing case and fails a failing one with the assertion's message, the expectation reading the outcome", async () => {
    const pass = await runCase(V, ["math", "adds"]);
    expect(pass.run.status).toBe("ok");
    expect(pass.step.result).toEqual({ status: "pass", assertions: 1 });
    expect(pass.step.expectations[0]?.status).toBe("pass");
    // The repo's source ran instrumented: its lines are in the trace and its coverage.
    expect(pass.run.modules).toEqual(expect.arrayContaining(["src/math.ts", V]));
    expect(pass.run.trace.some((e) => e.at.startsWith("src/math.ts:"))).toBe(true);
    const failing = await runCase(V, ["math", "subtracts wrongly"]);
    expect(failing.step.result).toMatchObject({ status: "fail", error: { name: "AssertionError", message: "expected -1 to be 3 // Object.is equality" }, assertions: 1 });
    expect(failing.step.expectations[0]?.status).toBe("fail");
  });

  it("runs the real matchers: equality, asymmetric matchers, toThrow, not", async () => {
    for (const t of ["deep equality", "throws", "not", "run if", "only", "concurrent"]) expect([t, (await outcome(V, ["math", t])).status]).toEqual([t, "pass"]);
  });

  it("skips todo, skip and skipIf cases", async () => {
    for (const t of ["later", "skipped", "skipped if"]) expect([t, await outcome(V, ["math", t])]).toEqual([t, { status: "skip", assertions: 0 }]);
  });

  it("runs hooks in vitest's order: beforeAll outermost first, beforeEach outermost first, after hooks innermost first", async () => {
    expect(await outcome(V, ["math", "nested", "records the hook order"])).toMatchObject({ status: "pass" });
    // Only the asked case runs: its sibling sees its own hooks, not the other case's.
    const other = await outcome(V, ["math", "nested", "reports the hook order"]);
    expect(other.status).toBe("fail");
    expect(other.error?.message).toContain("outer beforeAll");
  });

  it("formats .each titles as vitest does, and runs each row", async () => {
    expect((await outcome(V, ["each", "add(1, 2) -> 3"])).status).toBe("pass");
    const second = await outcome(V, ["each", "add(2, 2) -> 5"]);
    expect(second).toMatchObject({ status: "fail", error: { message: "expected 4 to be 5 // Object.is equality" } });
    expect((await outcome(V, ["each", "1 plus 1 is 2"])).status).toBe("pass");
    // vitest's own display of values: a string quoted, a zero signed.
    expect((await outcome(V, ["each", "'x' plus +0 is +0"])).status).toBe("fail");
    expect((await outcome(V, ["each", "word two #1"])).status).toBe("pass");
    expect((await outcome(V, ["each", "table 1 + 1"])).status).toBe("pass");
    expect((await outcome(V, ["each", "table 3 + 4"])).status).toBe("fail");
  });

  it("tells cases with the same titles apart by nth, and says when a case is not there", async () => {
    expect((await outcome(V, ["dup", "same"], 1)).status).toBe("pass");
    expect((await outcome(V, ["dup", "same"], 2)).status).toBe("fail");
    const missing = await runCase(V, ["dup", "same"], 3);
    expect(missing.step.error).toMatchObject({ name: "Error", message: `no test case "dup > same" in ${V}` });
    expect(missing.step.expectations[0]?.status).not.toBe("pass");
  });

  it("awaits async cases, resolves and rejects, on the virtual clock", async () => {
    expect((await outcome(V, ["async and spies", "awaits"])).status).toBe("pass");
    expect(await outcome(V, ["async and spies", "awaits wrongly"])).toMatchObject({ status: "fail", error: { message: "expected 6 to be 7 // Object.is equality" } });
    const never = await outcome(V, ["async and spies", "never ends"]);
    expect(never).toMatchObject({ status: "fail", error: { message: expect.stringContaining("timed out in 5000ms") } });
  });

  it("has vitest's spies, fake timers and system time", async () => {
    for (const t of ["spies", "spyOn", "mock implementations", "fake timers", "system time"]) expect([t, await outcome(V, ["async and spies", t])]).toEqual([t, expect.objectContaining({ status: "pass" })]);
    const wrong = await outcome(V, ["async and spies", "spies wrongly"]);
    expect(wrong.status).toBe("fail");
    expect(wrong.error?.message).toContain('expected "vi.fn()" to be called with arguments: [ \'bob\', \'hi bob\' ]');
  });

  it("checks expect.assertions and hasAssertions, passes the vitest context, runs custom matchers", async () => {
    expect(await outcome(V, ["async and spies", "assertions count"])).toMatchObject({ status: "fail", error: { message: "expected number of assertions to be 2, but got 1" } });
    expect(await outcome(V, ["async and spies", "has assertions"])).toMatchObject({ status: "fail", error: { message: "expected any number of assertion, but got none" } });
    expect((await outcome(V, ["async and spies", "context"])).status).toBe("pass");
    expect(await outcome(V, ["async and spies", "custom matcher"])).toMatchObject({ status: "fail", error: { message: "expected 3 to be even" } });
  });

  it("says what is not supported yet: snapshots and module mocks", async () => {
    expect(await outcome(V, ["async and spies", "snapshot"])).toMatchObject({ status: "fail", error: { message: expect.stringContaining("snapshots are not supported in the sandbox yet") } });
    expect(await outcome(V, ["async and spies", "module mock"])).toMatchObject({ status: "fail", error: { message: expect.stringContaining("module mocks are not supported in the sandbox yet") } });
  });

  it("runs jest-style cases: @jest/globals, done callbacks, jest fake timers", async () => {
    const J = "test/jest-style.test.js";
    expect((await outcome(J, ["jest", "done callback"])).status).toBe("pass");
    expect(await outcome(J, ["jest", "done with an error"])).toMatchObject({ status: "fail", error: { message: "boom" } });
    expect((await outcome(J, ["jest", "fake timers"])).status).toBe("pass");
  });

  it("runs cases written against the globals", async () => {
    expect((await outcome("test/globals.test.js", ["globals", "add"])).status).toBe("pass");
    expect(await outcome("test/globals.test.js", ["globals", "fails"])).toMatchObject({ status: "fail", error: { message: "expected 5 to deeply equal 6" } });
  });

  it("runs mocha-style and node:test-style cases with node's assert", async () => {
    const M = "test/mocha-style.test.js";
    expect((await outcome(M, ["mocha", "uses done and node assert"])).status).toBe("pass");
    expect((await outcome(M, ["mocha", "fails with node assert"])).status).toBe("fail");
    expect((await outcome(M, ["mocha", "nested context", "specify"])).status).toBe("pass");
    const N = "test/node-style.test.mjs";
    expect((await outcome(N, ["top level"])).status).toBe("pass");
    expect((await outcome(N, ["node", "done second"])).status).toBe("pass");
    expect((await outcome(N, ["node", "fails"])).status).toBe("fail");
  });

  it("runs a suite's beforeAll once and its afterAll after its last case of the run, after hooks innermost first, as vitest runs a file", async () => {
    const nested = (t: string) => ({ file: V, titles: ["math", "nested", t], nth: 1 });
    const run = await pool.run(job([nested("records the hook order"), nested("sees the after hooks of the case before it"), { file: V, titles: ["math", "runs once the nested suite closed"], nth: 1 }]));
    expect(run.steps.map((s) => s.result)).toEqual([{ status: "pass", assertions: 1 }, { status: "pass", assertions: 1 }, { status: "pass", assertions: 1 }]);
  });

  it("runs several cases as the steps of one run", async () => {
    const run = await pool.run(job([{ file: V, titles: ["math", "adds"], nth: 1 }, { file: V, titles: ["math", "subtracts wrongly"], nth: 1 }]));
    expect(run.steps.map((s) => (s.result as { status: string } | undefined)?.status ?? s.error?.message)).toEqual(["pass", "fail"]);
    expect(run.status).toBe("ok");
  });
});
