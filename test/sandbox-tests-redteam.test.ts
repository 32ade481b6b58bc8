import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IO_BUILTINS, IO_PACKAGES } from "../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type RunResult, type SimulationJob, type StepOutcome } from "../servers/scenarios/sandbox/protocol.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * Red team of the in-isolate test API. Every case in the fixture has an assertion that must fail (or loads a
 * file from outside the repo); the repo's source (and, where said, the test file) tries to have it reported
 * `pass`. Each test asserts the SAFE outcome. A test marked `// HOLE` is `it.fails`: the sandbox still reports the
 * failing case as `pass` (see the comment for why).
 */
const lines = (...l: string[]) => `${l.join("\n")}\n`;

const FILES: Record<string, string> = {
  "package.json": JSON.stringify({ name: "redteam" }),
  "src/evil.ts": lines(
    'import { expect, chai, vi } from "vitest";',
    "type Any = Record<string | symbol, any>;",
    "export const add = (a: number, b: number): number => a + b;",
    // A global the matchers read at call time and the tamper check does not watch: `a instanceof URL`.
    "export function urlAdd(a: number, b: number): number {",
    "  const Fake = class { static [Symbol.hasInstance]() { return true; } };",
    "  try { (globalThis as Any).URL = Fake; } catch { /* refused */ }",
    "  try { if ((globalThis as Any).URL !== Fake) Object.defineProperty((globalThis as Any).URL, Symbol.hasInstance, { value: () => true, configurable: true }); } catch { /* refused */ }",
    "  return a + b;",
    "}",
    // `actual instanceof Node` in toContain: a fake DOM Node class and a received value with `contains`.
    "export function nodeList(): number[] {",
    "  const Fake = class { static [Symbol.hasInstance]() { return true; } };",
    "  try { (globalThis as Any).Node = Fake; } catch { /* refused */ }",
    "  return Object.assign([1, 2], { contains: () => true });",
    "}",
    // Patch Object.is inside the matcher and restore it before the matcher returns, from getters the
    // instrumenter never sees (made by new Function), nested deeper than the trace copies values.
    "export function getterPatch(): unknown {",
    '  const patch = new Function("o", "return function () { o.is = function () { return true; }; return 0; }")(Object);',
    '  const restore = new Function("o", "r", "return function () { o.is = r; return 0; }")(Object, Object.is);',
    "  const inner: Any = {};",
    '  Object.defineProperty(inner, "restore", { get: restore, enumerable: true });',
    "  inner.target = 1;",
    '  Object.defineProperty(inner, "patch", { get: patch, enumerable: true });',
    "  return { a: { b: { c: { d: inner } } } };",
    "}",
    // The same with no eval at all: the getters are bound native functions.
    "export function boundPatch(): unknown {",
    "  const inner: Any = {};",
    '  Object.defineProperty(inner, "restore", { get: Object.assign.bind(null, Object, { is: Object.is }), enumerable: true });',
    "  inner.target = 1;",
    '  Object.defineProperty(inner, "patch", { get: Object.assign.bind(null, Object, { is: Boolean.bind(null, true) }), enumerable: true });',
    "  return { a: { b: { c: { d: inner } } } };",
    "}",
    // A received value that says it is an asymmetric matcher: `equals` asks it.
    "export const user = (): unknown => ({ name: 'eve', asymmetricMatch: () => true });",
    // chai's documented config hook, reachable through `import { chai } from 'vitest'`.
    "export function chaiConfig(): unknown { try { chai.config.deepEqual = () => true; } catch { /* refused */ } return { a: 1 }; }",
    // Throwing undefined before the assertion runs.
    "export function throwsUndefined(): number { throw undefined; }",
    // Never calls back the assertion it is handed, but makes an expect() call of its own so expect.assertions(1) holds.
    "export function forEachValue(_fn: (v: number) => void): void { expect(0); }",
    "export function throwsNull(): number { throw null; }",
    "export async function rejectsUndefined(): Promise<number> { await Promise.resolve(); throw undefined; }",
    "export const never = (): Promise<number> => new Promise(() => undefined);",
    "export const later2 = (): Promise<number> => new Promise((r) => setTimeout(() => r(2), 10));",
    // A getter the matcher reads throws undefined inside the matcher.
    "export function throwingGetter(): unknown { const o: Any = {}; Object.defineProperty(o, 'a', { get: new Function('throw undefined'), enumerable: true }); return { x: { y: { z: o } } }; }",
    // Primitive conversions on the received value.
    "export const prim = (): unknown => ({ [Symbol.toPrimitive]: () => 3, valueOf: () => 3, toJSON: () => 3, [Symbol.toStringTag]: 'Number', toString: () => '3' });",
    "export function exits(): number { (globalThis as Any).process.exit(0); return 3; }",
    "export function fakeTimers(): Promise<number> { vi.useFakeTimers(); return new Promise((r) => setTimeout(() => r(2), 10)); }",
    "export function spyIs(): number { try { vi.spyOn(Object, 'is').mockReturnValue(true); } catch { /* refused */ } return 2; }",
    "export function spyChai(): number { try { vi.spyOn((chai as Any).util, 'flag').mockReturnValue(3); } catch { /* refused */ } try { (chai as Any).util.flag = () => 3; } catch { /* refused */ } return 2; }",
    "export function poisonAssertionError(): number {",
    "  const P = (chai as Any).AssertionError.prototype;",
    "  try { Object.defineProperty(P, 'message', { get() { throw undefined; }, configurable: true }); } catch { /* refused */ }",
    "  try { Object.defineProperty(P, 'name', { get() { return 'Pass'; }, configurable: true }); } catch { /* refused */ }",
    "  return 2;",
    "}",
    "export function lexicalShadow(): number { try { (0, eval)('let Object = new Proxy(globalThis.Object, { get: (t, k) => (k === \"is\" ? () => true : Reflect.get(t, k)) });'); } catch { /* refused */ } return 2; }",
    "export function mutateModule(): number {",
    '  const m = require("vitest") as Any;',
    "  try { m.expect = () => ({ toBe: () => undefined }); } catch { /* refused */ }",
    "  try { Object.defineProperty(m, 'expect', { value: () => ({ toBe: () => undefined }) }); } catch { /* refused */ }",
    "  try { m.expect.extend({ toBe: () => ({ pass: true, message: () => '' }) }); } catch { /* refused */ }",
    "  try { Object.setPrototypeOf(Object.getPrototypeOf(m.expect(0)), { toBe() { return undefined; } }); } catch { /* refused */ }",
    "  return 2;",
    "}",
    // An Error.prototype.toString / stack hook: change how a thrown failure looks.
    "export function poisonError(): number {",
    "  try { (Error as Any).prepareStackTrace = function () { delete (Error as Any).prepareStackTrace; throw undefined; }; } catch { /* refused */ }",
    "  return 2;",
    "}",
  ),
  "test/redteam.test.ts": lines(
    'import { describe, it, expect, assert } from "vitest";',
    'import * as evil from "../src/evil";',
    'describe("redteam", () => {',
    '  it("honest", () => { expect(evil.add(1, 1)).toBe(2); expect({ a: [1] }).toEqual({ a: [1] }); });',
    '  it("URL hasInstance", () => { expect(evil.urlAdd(1, 1)).toEqual(3); });',
    '  it("URL hasInstance with toBe", () => { expect(evil.urlAdd(1, 1)).toBe(3); });',
    '  it("expect.assertions inflated by the source", () => { expect.assertions(1); evil.forEachValue((v) => expect(v).toBe(3)); });',
    '  it("URL hasInstance objects", () => { const v = evil.urlAdd(1, 1); expect({ sum: v }).toEqual({ sum: 3 }); });',
    '  it("Node hasInstance toContain", () => { expect(evil.nodeList()).toContain(3); });',
    '  it("uninstrumented getters patch and restore Object.is", () => { expect(evil.getterPatch()).toEqual({ a: { b: { c: { d: { restore: 0, target: 2, patch: 0 } } } } }); });',
    '  it("bound native getters patch and restore Object.is", () => { expect(evil.boundPatch()).toEqual({ a: { b: { c: { d: { restore: Object, target: 2, patch: Object } } } } }); });',
    '  it("received asymmetricMatch", () => { expect(evil.user()).toEqual({ name: "bob" }); });',
    '  it("chai.config.deepEqual", () => { expect(evil.chaiConfig()).to.deep.equal({ a: 2 }); });',
    '  it("chai.config.deepEqual through assert", () => { assert.deepEqual(evil.chaiConfig(), { a: 2 }); });',
    '  it("throws undefined", () => { expect(evil.throwsUndefined()).toBe(3); });',
    '  it("throws null", () => { expect(evil.throwsNull()).toBe(3); });',
    '  it("rejects undefined", async () => { expect(await evil.rejectsUndefined()).toBe(3); });',
    '  it("unawaited resolves that never settles", () => { expect(evil.never()).resolves.toBe(3); });',
    '  it("unawaited resolves that settles later", () => { expect(evil.later2()).resolves.toBe(3); });',
    '  it("getter throws undefined inside the matcher", () => { expect(evil.throwingGetter()).toEqual({ x: { y: { z: { a: 2 } } } }); });',
    '  it("toPrimitive valueOf toJSON toStringTag", () => { expect(evil.prim()).toBe(3); });',
    '  it("toPrimitive with toEqual", () => { expect(evil.prim()).toEqual(3); });',
    '  it("process.exit", () => { expect(evil.exits()).toBe(4); });',
    '  it("fake timers by the source", async () => { expect(await evil.fakeTimers()).toBe(3); });',
    '  it("vi.spyOn Object.is", () => { expect(evil.spyIs()).toBe(3); });',
    '  it("vi.spyOn chai.util.flag", () => { expect(evil.spyChai()).toBe(3); });',
    '  it("poisoned AssertionError.prototype", () => { expect(evil.poisonAssertionError()).toBe(3); });',
    '  it("global lexical shadow of Object", () => { expect(evil.lexicalShadow()).toBe(3); });',
    '  it("mutated vitest module", () => { expect(evil.mutateModule()).toBe(3); });',
    '  it("prepareStackTrace throws undefined", () => { expect(evil.poisonError()).toBe(3); });',
    "});",
  ),
  // The source registers its own passing case under the titles of the test file's failing one, at import time.
  "src/register.ts": lines(
    'import { describe, it } from "vitest";',
    'describe("dup", () => { it("adds", () => undefined); });',
    "export const add = (a: number, b: number): number => a - b;",
  ),
  "test/dup.test.ts": lines(
    'import { describe, it, expect } from "vitest";',
    'import { add } from "../src/register";',
    'describe("dup", () => { it("adds", () => { expect(add(1, 1)).toBe(2); }); });',
  ),
  // The source registers a root beforeEach that skips every case (or keeps the skip token to throw later).
  "src/skipper.ts": lines(
    'import { beforeEach } from "vitest";',
    "let token: unknown;",
    "beforeEach((ctx: { skip(): void }) => { try { ctx.skip(); } catch (e) { token = e; } });",
    "export const add = (a: number, b: number): number => { if (token !== undefined) throw token; return a - b; };",
  ),
  "test/skip.test.ts": lines(
    'import { describe, it, expect } from "vitest";',
    'import { add } from "../src/skipper";',
    'describe("skip", () => { it("adds", () => { expect(add(1, 1)).toBe(2); }); });',
  ),
  "src/root-skip.ts": lines('import { beforeEach } from "vitest";', "beforeEach((ctx: { skip(): void }) => ctx.skip());", "export const add = (a: number, b: number): number => a - b;"),
  "test/root-skip.test.ts": lines('import { describe, it, expect } from "vitest";', 'import { add } from "../src/root-skip";', 'describe("rootskip", () => { it("adds", () => { expect(add(1, 1)).toBe(2); }); });'),
  // The source throws while the test file collects.
  "src/throws-on-load.ts": lines('throw new Error("no collection for you");', "export const add = (a: number, b: number): number => a - b;"),
  "test/collect.test.ts": lines('import { describe, it, expect } from "vitest";', 'import { add } from "../src/throws-on-load";', 'describe("collect", () => { it("adds", () => { expect(add(1, 1)).toBe(2); }); });'),
  // Globals style: the source tries to redefine describe/it/expect before the file collects.
  "src/globals-evil.js": lines(
    "try { globalThis.it = (n, f) => undefined; } catch (e) {}",
    "try { Object.defineProperty(globalThis, 'expect', { value: () => ({ toBe() {} }) }); } catch (e) {}",
    "try { globalThis.describe = (n, f) => undefined; } catch (e) {}",
    "exports.add = (a, b) => a - b;",
  ),
  "test/globals.test.js": lines('const { add } = require("../src/globals-evil");', 'describe("globals", () => { it("adds", () => { expect(add(1, 1)).toBe(2); }); });'),
  // node's assert (the `assert` port): no guarded wrapper around it.
  "src/assert-trap.js": lines(
    "const real = Object.is;",
    "Object.is = Boolean.bind(null, true);",
    'require("assert");',
    "Object.is = real;",
    "exports.add = (a, b) => a - b;",
    "exports.each = (xs, fn) => { for (const x of xs) { try { fn(x); } catch (e) { /* swallowed */ } } };",
    "exports.throwsUndefined = () => { throw undefined; };",
    "exports.stackTrap = (v) => { Error.prepareStackTrace = function () { delete Error.prepareStackTrace; throw undefined; }; return v; };",
    "exports.inspectTrap = () => { let n = 0; const o = {}; Object.defineProperty(o, 'a', { enumerable: true, get() { n++; if (n > 1) throw undefined; return 1; } }); return o; };",
  ),
  "test/mocha.test.js": lines(
    'const { add, each, throwsUndefined, stackTrap, inspectTrap } = require("../src/assert-trap");',
    'const assert = require("assert");',
    'const { describe, it } = require("mocha");',
    'describe("mocha", function () {',
    '  it("honest", function () { assert.strictEqual(1 + 1, 2); });',
    '  it("strictEqual with a captured fake Object.is", function () { assert.strictEqual(add(1, 1), 2); });',
    '  it("swallowed by the source", function () { each([add(1, 1)], (v) => assert.strictEqual(v, 2)); });',
    '  it("throws undefined", function () { assert.strictEqual(throwsUndefined(), 3); });',
    '  it("prepareStackTrace throws undefined", function () { assert.strictEqual(stackTrap(2), 3); });',
    '  it("inspect getter throws undefined", function () { assert.deepStrictEqual(inspectTrap(), { a: 3 }); });',
    "});",
  ),
};

const OUTSIDE = lines('describe("o", () => { it("leak", () => { expect(1).toBe(1); }); });');

describe("red team: a failing test case is never reported pass, whatever the code under test does", () => {
  const tmp = tempDir();
  const repo = join(tmp.dir, "repo");
  const outside = join(tmp.dir, "outside.test.js");
  let pool: SandboxPool;
  beforeAll(() => {
    mkdirSync(join(repo, "test"), { recursive: true });
    writeFileSync(outside, OUTSIDE);
    symlinkSync("../../outside.test.js", join(repo, "test/link.test.js"));
    makeRepo(repo, [{ message: "red team fixture", files: FILES }]);
    pool = new SandboxPool(2);
  });
  afterAll(() => {
    pool.close();
    tmp.cleanup();
  });

  const job = (file: string, titles: string[], nth = 1, rev = "WORKTREE"): SimulationJob => ({
    repo,
    rev,
    env: {},
    stubs: {},
    steps: [{ call: "", run: { file, titles, nth }, expect: ["result.status === 'pass'"] }],
    boundaryPackages: [...IO_BUILTINS, ...IO_PACKAGES],
    limits: { ...DEFAULT_LIMITS, cpuMs: 10_000 },
  });
  type Outcome = { status: string; error?: { name: string; message: string }; assertions: number };
  const run = async (file: string, titles: string[], nth = 1, rev?: string): Promise<{ run: RunResult; step: StepOutcome | undefined; result: Outcome | undefined }> => {
    const r = await pool.run(job(file, titles, nth, rev));
    const step = r.steps[0];
    return { run: r, step, result: step?.result as Outcome | undefined };
  };
  /** The safe outcome: the case is not reported pass, and the step's expectation does not hold. */
  const notPass = async (file: string, titles: string[]) => {
    const r = await run(file, titles);
    const seen = JSON.stringify(r.result ?? r.step?.error ?? r.run.error);
    expect(r.result?.status, `${titles.join(" > ")}: ${seen}`).not.toBe("pass");
    expect(r.step?.expectations[0]?.status).not.toBe("pass");
    return r;
  };
  const R = "test/redteam.test.ts";
  const M = "test/mocha.test.js";

  it("control: the honest cases pass", async () => {
    expect((await run(R, ["redteam", "honest"])).result).toEqual({ status: "pass", assertions: 2 });
    expect((await run(M, ["mocha", "honest"])).result?.status).toBe("pass");
  });

  // Closed: @vitest/expect's `eq` reads the global `URL` at call time (`a instanceof URL && b instanceof URL`
  // then `a.href === b.href`); a class with `static [Symbol.hasInstance]() { return true }` assigned to
  // globalThis.URL made every toEqual pass. Defining a host class the matchers ask about is now a tamper.
  it("1. a fake global URL class makes toEqual compare .href (undefined === undefined)", async () => {
    await notPass(R, ["redteam", "URL hasInstance"]);
  });
  // Closed: as 1, the fake URL inside an object compare.
  it("1b. the same on objects", async () => {
    await notPass(R, ["redteam", "URL hasInstance objects"]);
  });

  it("1c. the fake URL does not turn toBe's Object.is into a pass", async () => {
    await notPass(R, ["redteam", "URL hasInstance with toBe"]);
  });

  // Closed: toContain reads the global `Node` (`actual instanceof Node` → `actual.contains(item)`).
  it("2. a fake global Node class makes toContain ask the received value", async () => {
    await notPass(R, ["redteam", "Node hasInstance toContain"]);
  });

  // HOLE (open, it.fails until closed): the tamper check runs at the matcher's entry and exit and at every
  // instrumented step while a matcher runs; getters made by `new Function` are not instrumented, so they patch
  // Object.is inside toEqual and restore it before the matcher returns.
  it.fails("3. uninstrumented getters (new Function) patch Object.is inside toEqual and restore it", async () => {
    await notPass(R, ["redteam", "uninstrumented getters patch and restore Object.is"]);
  });

  // HOLE (open, it.fails until closed): the same with no eval: the getters are `Object.assign.bind(null, Object, { is: … })`.
  it.fails("4. bound native getters patch Object.is inside toEqual and restore it", async () => {
    await notPass(R, ["redteam", "bound native getters patch and restore Object.is"]);
  });

  // Open, as vitest does it (it.fails until the sandbox is stricter than the runner): a received value with an
  // `asymmetricMatch` method is asked by `equals`, and answers true; the repo's runner passes it too.
  it.fails("5. a received value with asymmetricMatch", async () => {
    await notPass(R, ["redteam", "received asymmetricMatch"]);
  });

  // Closed: `chai.config.deepEqual` replaced the comparison of `.deep.equal`, `.eql` and `assert.deepEqual`;
  // chai's config is frozen once the matchers are set up.
  it("6. chai.config.deepEqual replaced by the source", async () => {
    await notPass(R, ["redteam", "chai.config.deepEqual"]);
  });
  // Closed: as 6, through `import { assert } from "vitest"` (chai's assert.deepEqual).
  it("6b. chai.config.deepEqual through chai's assert", async () => {
    await notPass(R, ["redteam", "chai.config.deepEqual through assert"]);
  });

  // Closed: a case function that threw `undefined` synchronously was taken as finished. Vitest, jest and mocha
  // fail such a test, and so does the sandbox now.
  it("7. the source throws undefined before the expect runs", async () => {
    await notPass(R, ["redteam", "throws undefined"]);
  });
  it("7b. throw null and an async rejection with undefined fail", async () => {
    await notPass(R, ["redteam", "throws null"]);
    await notPass(R, ["redteam", "rejects undefined"]);
  });

  // HOLE (open, it.fails until closed): an unawaited `.resolves` on a promise that never settles: the matcher
  // never runs, the case passes. Vitest awaits pending `.resolves`/`.rejects` at the end of a test.
  it.fails("8. an unawaited .resolves on a promise the source never settles", async () => {
    await notPass(R, ["redteam", "unawaited resolves that never settles"]);
  });
  // Withstood, but misclassified: the late AssertionError escapes as "the simulated code broke the run" (run
  // status error, step without a result) instead of failing the case, so an honest test's failure reads as
  // the code breaking the sandbox.
  it("8b. an unawaited .resolves that settles after the case still fails it", async () => {
    await notPass(R, ["redteam", "unawaited resolves that settles later"]);
  });

  it("9. a getter that throws undefined inside the matcher", async () => {
    await notPass(R, ["redteam", "getter throws undefined inside the matcher"]);
  });

  it("10. Symbol.toPrimitive, valueOf, toJSON and Symbol.toStringTag on the received value", async () => {
    await notPass(R, ["redteam", "toPrimitive valueOf toJSON toStringTag"]);
    await notPass(R, ["redteam", "toPrimitive with toEqual"]);
  });

  it("11. process.exit before the expect ends the run in error", async () => {
    const r = await notPass(R, ["redteam", "process.exit"]);
    expect(r.run.status).toBe("error");
    expect(r.run.error?.reason).toMatch(/exit/);
  });

  it("12. fake timers switched on by the source: the awaited value never comes, the case times out", async () => {
    const r = await notPass(R, ["redteam", "fake timers by the source"]);
    expect(r.result?.error?.message).toMatch(/timed out/);
  });

  it("13. vi.spyOn on Object.is and on chai's util", async () => {
    await notPass(R, ["redteam", "vi.spyOn Object.is"]);
    await notPass(R, ["redteam", "vi.spyOn chai.util.flag"]);
  });

  it("14. a poisoned AssertionError.prototype (message getter throws undefined, name 'Pass')", async () => {
    await notPass(R, ["redteam", "poisoned AssertionError.prototype"]);
  });

  it("15. a global lexical binding shadowing Object through indirect eval", async () => {
    await notPass(R, ["redteam", "global lexical shadow of Object"]);
  });

  it("16. the vitest module's exports, expect.extend and the Assertion prototype chain", async () => {
    await notPass(R, ["redteam", "mutated vitest module"]);
  });

  it("17. Error.prepareStackTrace that throws undefined when the AssertionError's stack is read", async () => {
    await notPass(R, ["redteam", "prepareStackTrace throws undefined"]);
  });

  // Closed: the source registered its own case under the same titles at import time, so nth 1 was the
  // source's empty case; a case registered by the test file and by another module is now refused.
  it("18. the source registers a passing case under the failing case's titles", async () => {
    await notPass("test/dup.test.ts", ["dup", "adds"]);
  });

  it("19. the source registers a root beforeEach that calls ctx.skip (a skip, never a pass)", async () => {
    await notPass("test/root-skip.test.ts", ["rootskip", "adds"]);
    await notPass("test/skip.test.ts", ["skip", "adds"]);
  });

  it("20. the source throws while the test file collects: the step errs", async () => {
    const r = await notPass("test/collect.test.ts", ["collect", "adds"]);
    expect(r.result).toBeUndefined();
  });

  it("21. the source redefines the describe/it/expect globals before the file collects", async () => {
    await notPass("test/globals.test.js", ["globals", "adds"]);
  });

  // Closed: node's assert port captured Object.is when it first loaded, and the source loaded it while Object.is
  // was faked; the test API now loads it before any repo code.
  it("22. node assert loaded by the source while Object.is is faked", async () => {
    await notPass(M, ["mocha", "strictEqual with a captured fake Object.is"]);
  });

  // Open, as mocha does it (it.fails until node's assert is counted like expect): an AssertionError of node's
  // assert that the source catches is lost; only expect's matchers record a failure whatever the caller does.
  it.fails("23. node assert's AssertionError swallowed by the source", async () => {
    await notPass(M, ["mocha", "swallowed by the source"]);
  });

  // Closed: as 7, in mocha style: the case function throws undefined (directly, from Error.prepareStackTrace
  // while the port builds its AssertionError, or from a getter its message inspects).
  it("24. mocha: throw undefined, from the source, from prepareStackTrace, from an inspected getter", async () => {
    const wrong: string[] = [];
    for (const t of ["throws undefined", "prepareStackTrace throws undefined", "inspect getter throws undefined"]) {
      const r = await run(M, ["mocha", t]);
      if (r.result?.status === "pass") wrong.push(`${t}: ${JSON.stringify(r.result)}`);
    }
    expect(wrong).toEqual([]);
  });

  // Open, as vitest counts expect() calls (it.fails until the sandbox counts matcher calls instead): the source
  // never calls back the failing assertion it is handed and makes a bare expect(0) itself.
  it.fails("26. expect.assertions satisfied by a bare expect() in the source", async () => {
    await notPass(R, ["redteam", "expect.assertions inflated by the source"]);
  });

  it("25. path tricks in `file`: ../, an absolute path, a symlink out of the repo; none loads the outside file", async () => {
    const seen: string[] = [];
    for (const file of ["../outside.test.js", outside, `test/../../outside.test.js`, "test/link.test.js", "./../outside.test.js", "test/%2e%2e/../outside.test.js"]) {
      const r = await run(file, ["o", "leak"]);
      if (r.result?.status === "pass" || r.run.modules.some((m) => m.includes("outside"))) seen.push(`${file}: ${JSON.stringify(r.result ?? r.run.error)}`);
    }
    // The symlink on a commit too (git stores its link text).
    const head = (await import("./helpers/git-fixture.js")).gitIn(repo, ["rev-parse", "HEAD"]).trim();
    const c = await run("test/link.test.js", ["o", "leak"], 1, head);
    if (c.result?.status === "pass") seen.push(`commit symlink: ${JSON.stringify(c.result)}`);
    expect(seen).toEqual([]);
  });
});
