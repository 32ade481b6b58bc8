import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IO_BUILTINS, IO_PACKAGES } from "../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type SimulationJob, type StepOutcome } from "../servers/scenarios/sandbox/protocol.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * The code under test is hostile and shares the realm of the matchers: each case here has an assertion that
 * fails, and the repo's source tries to make it pass (patching the intrinsics the matchers use, chai's
 * Assertion, the global expect, catching the AssertionError, throwing something shaped like a pass). Every
 * one ends non-pass; the one honest case passes, so the defence is not a blanket failure.
 */
const lines = (...l: string[]) => `${l.join("\n")}\n`;

const FILES: Record<string, string> = {
  "package.json": JSON.stringify({ name: "hostile-tests" }),
  "src/evil.ts": lines(
    'import { expect } from "vitest";',
    "type Any = Record<string | symbol, unknown>;",
    "export const value = (): number => 1;",
    "export function patchObjectIs(): void { (Object as unknown as Any).is = () => true; }",
    "export function patchEvery(): void { (Array.prototype as unknown as Any).every = () => true; (Array.prototype as unknown as Any).map = () => []; }",
    "export function patchKeys(): void { (Object as unknown as Any).keys = () => []; }",
    "export function patchAssertion(): void {",
    "  const proto = Object.getPrototypeOf(expect(0)) as Any;",
    "  try { proto.toBe = function () { return this; }; } catch { /* refused */ }",
    '  try { Object.defineProperty(proto, "toEqual", { value: function () { return this; } }); } catch { /* refused */ }',
    "  try { (Object.getPrototypeOf(expect.any(Number)) as Any).asymmetricMatch = () => true; } catch { /* refused */ }",
    "}",
    "export function replaceExpect(): void {",
    "  try { (globalThis as Any).expect = () => ({ toBe: () => undefined }); } catch { /* refused */ }",
    "  try { (expect as unknown as Any).extend = () => undefined; } catch { /* refused */ }",
    "  try { (expect as unknown as Any).any = () => ({ asymmetricMatch: () => true }); } catch { /* refused */ }",
    "}",
    "export function extendToBe(): void {",
    "  try { expect.extend({ toBe: () => ({ pass: true, message: () => '' }) }); } catch { /* refused */ }",
    "  try { expect.extend({ toEqual: () => ({ pass: true, message: () => '' }) }); } catch { /* refused */ }",
    "}",
    "export function check(v: number): void { try { expect(v).toBe(2); } catch { /* swallowed */ } }",
    "export function fakePass(): never { throw { status: 'pass', assertions: 1, name: 'Pass', message: '' }; }",
    'export function thenOnObject(): void { Object.defineProperty(Object.prototype, "then", { value(ok: (v: unknown) => void) { ok(undefined); }, configurable: true, writable: true }); }',
    "export function patchAndRestore(): () => void { const is = Object.is; (Object as unknown as Any).is = () => true; return () => { (Object as unknown as Any).is = is; }; }",
    "export function replaceGlobalObject(): void { const O = Object; (globalThis as Any).Object = new Proxy(O, { get: (t, k) => (k === 'is' ? () => true : Reflect.get(t, k)) }); }",
    "export function patchPromiseThen(): void { const then = Promise.prototype.then; (Promise.prototype as unknown as Any).then = function (this: Promise<unknown>, ok?: (v: unknown) => unknown, no?: (e: unknown) => unknown) { return then.call(this, ok, () => ok?.(undefined)); }; void no; }",
    "export function prepareStack(): void { (Error as unknown as Any).prepareStackTrace = () => 'forged'; }",
    "export function restoreStack(): void { const saved = (Error as unknown as Any).prepareStackTrace; try { (Error as unknown as Any).prepareStackTrace = (_e: unknown, s: unknown) => s; void new Error().stack; } finally { (Error as unknown as Any).prepareStackTrace = saved; } }",
    "export function equalityTester(): void { try { expect.addEqualityTesters([() => true]); } catch { /* refused */ } }",
  ),
  "test/attack.test.ts": lines(
    'import { describe, it, expect } from "vitest";',
    'import * as evil from "../src/evil";',
    'describe("attacks", () => {',
    '  it("honest", () => { expect(evil.value()).toBe(1); expect({ a: [1] }).toEqual({ a: [1] }); });',
    '  it("Object.is", () => { evil.patchObjectIs(); expect(evil.value()).toBe(2); });',
    '  it("Array.prototype.every and map", () => { evil.patchEvery(); expect([evil.value()]).toEqual([2]); });',
    '  it("Object.keys", () => { evil.patchKeys(); expect({ a: evil.value() }).toEqual({ a: 2 }); });',
    '  it("chai Assertion.prototype", () => { evil.patchAssertion(); expect(evil.value()).toBe(2); });',
    '  it("asymmetric matcher prototype", () => { evil.patchAssertion(); expect("x").toEqual(expect.any(Number)); });',
    '  it("the global expect", () => { evil.replaceExpect(); (globalThis as unknown as { expect: typeof expect }).expect(evil.value()).toBe(2); });',
    '  it("expect.extend over toBe", () => { evil.extendToBe(); expect(evil.value()).toBe(2); });',
    '  it("a caught AssertionError", () => { evil.check(evil.value()); });',
    '  it("a fake pass thrown", () => { evil.fakePass(); });',
    '  it("then on Object.prototype", async () => { evil.thenOnObject(); expect(evil.value()).toBe(2); });',
    '  it("patch and restore around a matcher", () => { const restore = evil.patchAndRestore(); try { expect(evil.value()).toBe(2); } finally { restore(); } });',
    '  it("a replaced global Object", () => { evil.replaceGlobalObject(); expect(evil.value()).toBe(2); });',
    '  it("Promise.prototype.then", async () => { evil.patchPromiseThen(); await Promise.resolve(); expect(evil.value()).toBe(2); });',
    '  it("Error.prepareStackTrace", () => { evil.prepareStack(); expect(evil.value()).toBe(2); });',
    '  it("Error.prepareStackTrace saved and restored", () => { evil.restoreStack(); expect(evil.value()).toBe(1); });',
    '  it("a custom equality tester", () => { evil.equalityTester(); expect({ a: evil.value() }).toEqual({ a: 2 }); });',
    "});",
  ),
  "test/globals.test.js": lines(
    'const evil = require("../src/evil");',
    'describe("globals", () => {',
    '  it("reassigned expect", () => { try { globalThis.expect = () => ({ toBe() {} }); } catch {} expect(evil.value()).toBe(2); });',
    "});",
  ),
};

describe("a test case's verdict is the prelude's, whatever the code under test does", () => {
  const tmp = tempDir();
  const repo = join(tmp.dir, "repo");
  let pool: SandboxPool;
  beforeAll(() => {
    mkdirSync(repo, { recursive: true });
    makeRepo(repo, [{ message: "hostile code with tests", files: FILES }]);
    pool = new SandboxPool(2);
  });
  afterAll(() => {
    pool.close();
    tmp.cleanup();
  });

  const job = (file: string, title: string, suite = "attacks"): SimulationJob => ({
    repo,
    rev: "WORKTREE",
    env: {},
    stubs: {},
    steps: [{ call: "", run: { file, titles: [suite, title], nth: 1 }, expect: ["result.status === 'pass'"] }],
    boundaryPackages: [...IO_BUILTINS, ...IO_PACKAGES],
    limits: { ...DEFAULT_LIMITS, cpuMs: 10_000 },
  });
  const step = async (file: string, title: string, suite?: string): Promise<StepOutcome> => {
    const r = await pool.run(job(file, title, suite));
    const s = r.steps[0];
    if (!s) throw new Error(`${title}: no step (${JSON.stringify(r.error)})`);
    return s;
  };
  type Outcome = { status: string; error?: { name: string; message: string } };
  const A = "test/attack.test.ts";

  it("passes the honest case", async () => {
    const s = await step(A, "honest");
    expect(s.result).toEqual({ status: "pass", assertions: 2 });
    expect(s.expectations[0]?.status).toBe("pass");
  });

  it("fails a case whose code replaced an intrinsic the matchers use, naming it", async () => {
    const cases: Array<[string, string]> = [
      ["Object.is", "the code replaced Object.is, which the matchers use"],
      ["Array.prototype.every and map", "the code replaced Array.prototype."],
      ["Object.keys", "the code replaced Object.keys, which the matchers use"],
      ["then on Object.prototype", "the code added Object.prototype.then, which the matchers read"],
      ["patch and restore around a matcher", "the code replaced Object.is, which the matchers use"],
      ["a replaced global Object", "the code replaced the global Object, which the matchers use"],
      ["Promise.prototype.then", "the code replaced Promise.prototype.then, which the matchers use"],
      ["Error.prepareStackTrace", "the code added Error.prepareStackTrace, which the matchers read"],
    ];
    const wrong: string[] = [];
    for (const [title, message] of cases) {
      const s = await step(A, title);
      const o = s.result as Outcome | undefined;
      if (o?.status !== "fail" || o.error?.name !== "SandboxTamper" || !o.error.message.startsWith(message) || s.expectations[0]?.status === "pass") wrong.push(`${title}: ${JSON.stringify(s.result ?? s.error)}`);
    }
    expect(wrong).toEqual([]);
  });

  it("passes a case whose code set Error.prepareStackTrace and put back the undefined it found (quibble does)", async () => {
    const s = await step(A, "Error.prepareStackTrace saved and restored");
    expect(s.result).toEqual({ status: "pass", assertions: 1 });
  });

  it("keeps the built-in matchers, the global expect and the asymmetric matchers out of the code's reach", async () => {
    const wrong: string[] = [];
    for (const title of ["chai Assertion.prototype", "asymmetric matcher prototype", "the global expect", "expect.extend over toBe", "a custom equality tester"]) {
      const s = await step(A, title);
      const o = s.result as Outcome | undefined;
      if (o?.status !== "fail" || o.error?.name !== "AssertionError") wrong.push(`${title}: ${JSON.stringify(s.result ?? s.error)}`);
    }
    const g = await step("test/globals.test.js", "reassigned expect", "globals");
    if ((g.result as Outcome | undefined)?.status !== "fail") wrong.push(`reassigned global expect: ${JSON.stringify(g.result ?? g.error)}`);
    expect(wrong).toEqual([]);
  });

  it("fails a case whose AssertionError the code caught, and one that threw a fake pass", async () => {
    const caught = await step(A, "a caught AssertionError");
    expect(caught.result).toMatchObject({ status: "fail", error: { name: "AssertionError", message: "expected 1 to be 2 // Object.is equality" } });
    const fake = await step(A, "a fake pass thrown");
    expect(fake.result).toMatchObject({ status: "fail", error: { name: "Pass" } });
    expect(fake.expectations[0]?.status).toBe("fail");
  });
});
