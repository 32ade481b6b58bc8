import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxFixture } from "./helpers/sandbox-run.js";
import type { Report } from "../core/verdict.js";
import { packagesRoot, PACKAGES_ROOT, WORLDLINE_ROOT } from "../servers/scenarios/sandbox/paths.js";
import { runCli } from "./helpers/cli-run.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * Red team of the trace copy that goes through a Proxy's target and records accessors as `{"$accessor":true}`
 * (prelude.ts, commits 6179d4a, 2e0a1c9), and of PACKAGES_ROOT (468d0dd). Each test asserts the safe behaviour:
 * an `it.fails` is a confirmed hole, its comment says what is wrong.
 */

/** A scenario as JSON frontmatter (YAML accepts it): one step, optional stubs. */
const scenario = (id: string, call: string, expectations: string[], stubs: Record<string, unknown> = {}) =>
  ["---", `id: ${id}`, `title: ${id}`, `simulate: ${JSON.stringify({ world: { stubs }, steps: [{ call, args: [], expect: expectations }] })}`, "---", `${id}.`].join("\n");

const FETCH_STUB = { "fetch#fetch": { returns: { ok: true, status: 200 } } };

describe("verdicts: a head whose result or effect presents other values than the recorder copies", () => {
  const tmp = tempDir();
  let report: Report;
  const verdict = (id: string) => report.verdicts.find((v) => v.scenario === id);

  beforeAll(async () => {
    makeRepo(tmp.dir, [
      {
        message: "base",
        files: {
          "src/getter.ts": "export function order() {\n  const o = { id: 1, get total() { return 10; } };\n  return o;\n}\n",
          "src/proxy.ts": "export function order() {\n  const o = new Proxy({ id: 1, total: 10 }, {});\n  return o;\n}\n",
          "src/proxyexp.ts": "export function order() {\n  const o = new Proxy({ id: 1, total: 10 }, {});\n  return o;\n}\n",
          "src/plain.ts": "export function order() {\n  const o = { id: 1, total: 10 };\n  return o;\n}\n",
          "src/send.ts": "export async function charge() {\n  const init = { method: 'POST', body: JSON.stringify({ amount: 1 }) };\n  await fetch('https://pay.example.test/charge', init);\n  return 1;\n}\n",
          "src/stackexp.ts": "export function order() {\n  const o = { id: 1, get total() { return 10; } };\n  return o;\n}\n",
          "scenarios/stackexp.md": scenario("stackexp", "src/stackexp.ts#order", ["result.total === 10"]),
          "scenarios/getter.md": scenario("getter", "src/getter.ts#order", ["result.id === 1"]),
          "scenarios/proxy.md": scenario("proxy", "src/proxy.ts#order", ["result.id === 1"]),
          "scenarios/proxyexp.md": scenario("proxyexp", "src/proxyexp.ts#order", ["result.total === 10"]),
          "scenarios/plain.md": scenario("plain", "src/plain.ts#order", ["result.id === 1"]),
          "scenarios/send.md": scenario("send", "src/send.ts#charge", ["result === 1"], FETCH_STUB),
        },
      },
      {
        message: "head: the same targets and descriptors, other values presented",
        files: {
          // An own getter whose body changed: the trace records {"$accessor":true} on both sides.
          "src/getter.ts": "export function order() {\n  const o = { id: 1, get total() { return 11; } };\n  return o;\n}\n",
          // A total that is 10 only when Worldline's own frames read it (expectation encoder, trace copy), 11 for anyone else.
          "src/stackexp.ts": "export function order() {\n  const o = { id: 1, get total() { return String(new Error().stack).includes('worldline:') ? 10 : 11; } };\n  return o;\n}\n",
          // The same target behind a trap that presents another total.
          "src/proxy.ts": "export function order() {\n  const o = new Proxy({ id: 1, total: 10 }, { get: (t, k) => (k === 'total' ? 11 : Reflect.get(t, k)) });\n  return o;\n}\n",
          "src/proxyexp.ts": "export function order() {\n  const o = new Proxy({ id: 1, total: 10 }, { get: (t, k) => (k === 'total' ? 11 : Reflect.get(t, k)) });\n  return o;\n}\n",
          // From a plain object to a Proxy presenting another total: the $proxy tag differs, so this one shows.
          "src/plain.ts": "export function order() {\n  const o = new Proxy({ id: 1, total: 10 }, { get: (t, k) => (k === 'total' ? 11 : Reflect.get(t, k)) });\n  return o;\n}\n",
          // A body that tells the recorder (worldline:prelude.js frames in its stack) from a real client.
          "src/send.ts":
            "export async function charge() {\n  const init = { method: 'POST', get body() { return String(new Error().stack).includes('worldline:') ? JSON.stringify({ amount: 1 }) : JSON.stringify({ amount: 1000 }); } };\n  await fetch('https://pay.example.test/charge', init);\n  return 1;\n}\n",
        },
      },
    ]);
    const r = await runCli(["check", "--repo", tmp.dir, "--base", "HEAD~1", "--head", "HEAD", "--format", "json", "--quiet"]);
    report = JSON.parse(r.out) as Report;
    if (process.env.REDTEAM_SHOW) for (const v of report.verdicts) console.log(v.scenario, v.verdict, v.reason, JSON.stringify(v.effectsDiff));
  }, 240_000);
  afterAll(() => tmp.cleanup());

  // CLOSED (a hole of 6179d4a; results are now read live): snapAt recorded an own accessor as {"$accessor":true} without running it, so base's
  // `get total() { return 10 }` and head's `get total() { return 11 }` give the same step result; the getter never
  // runs in the simulation, so the trace is the same too: "base and head behave identically" -> pass. Before the
  // change the getter's value was in the result and the verdict was at-risk ("a step's result" changed).
  // Closed: a step's result is copied as its caller reads it (RESULT limits, live), once the step has settled.
  it("a result whose own getter now answers otherwise is not judged pass", () => {
    expect(verdict("getter")?.verdict, JSON.stringify(verdict("getter"))).not.toBe("pass");
  });

  // CLOSED (a hole of 6179d4a; results are now read live): snap copied a registered Proxy through its target, so base's `new Proxy(t, {})` and head's
  // `new Proxy(t, { get: ... total 11 })` both record {"$proxy":{"id":1,"total":10}}: results equal, pass. Every
  // reader of the value (natively, and the expectation encoder) sees total 11.
  it("a result presented through a changed trap over the same target is not judged pass", () => {
    expect(verdict("proxy")?.verdict, JSON.stringify(verdict("proxy"))).not.toBe("pass");
  });

  // HOLE (pre-existing, made worse by 6179d4a): the expectation encoder runs the getter with worldline:prelude.js
  // frames on the stack, so the getter answers 10 to it and 11 to every real caller: `result.total === 10` passes
  // on head, and the trace copy records {"$accessor":true} on both sides (base's total is a getter too); before
  // 6179d4a the trace copy ran the getter, with the same frames, and was lied to the same way: pass for a head
  // whose total is 11 to every caller but Worldline.
  it.fails("a getter cannot tell the expectation's reads from a real caller's by its stack", () => {
    expect(verdict("stackexp")?.verdict, JSON.stringify(verdict("stackexp"))).not.toBe("pass");
  });

  it("held: an expectation reads through the code's traps (encoder), so it fails on head", () => {
    expect(verdict("proxyexp")?.verdict, JSON.stringify(verdict("proxyexp"))).toBe("fail");
  });

  it("held: a plain result that becomes a Proxy shows as a changed result", () => {
    expect(verdict("plain")?.verdict, JSON.stringify(verdict("plain"))).not.toBe("pass");
  });

  // HOLE (pre-existing, live reading kept by 2e0a1c9): a getter on an effect's argument sees the recorder's own
  // frames (`at worldline:prelude.js:...`, function names snap/snapAt/enc/entries) in `new Error().stack`, so it
  // answers the recorder base's payload ({"amount":1}) and a real fetch {"amount":1000}: effects equal, pass.
  it.fails("an effect's getter cannot tell the recorder from the real boundary by its stack", () => {
    expect(verdict("send")?.verdict, JSON.stringify(verdict("send"))).not.toBe("pass");
  });
});

const FILES: Record<string, string> = {
  "src/p.ts": [
    "const target = () => ({ id: 1, total: 10 });",
    "export function viaReflect(): unknown { return Reflect.construct(Proxy, [target(), {}], function Other() {}); }",
    "export function revocableThis(): unknown { return Proxy.revocable.call({ not: 'Proxy' }, target(), {}).proxy; }",
    "export function revocableApply(): unknown { return Reflect.apply(Proxy.revocable, undefined, [target(), {}]).proxy; }",
    "export function nested(): unknown { return new Proxy(new Proxy(target(), {}), {}); }",
    "export function deep(): string { let p: object = target(); for (let i = 0; i < 100000; i++) p = new Proxy(p, {}); const held = p; return typeof held; }",
    "export function deepResult(): unknown { let p: object = target(); for (let i = 0; i < 100000; i++) p = new Proxy(p, {}); return [p]; }",
    "export function revoked(): unknown { const r = Proxy.revocable(target(), {}); r.revoke(); return [r.proxy]; }",
    "export function revokedBare(): unknown { const r = Proxy.revocable(target(), {}); r.revoke(); return r.proxy; }",
    "export function cyclic(): unknown { const t: Record<string, unknown> = { id: 1 }; const p = new Proxy(t, {}); t.self = p; t.arr = [p, t]; return p; }",
    "export function wide(): unknown { const t: Record<string, number> = {}; for (let i = 0; i < 200000; i++) t['k' + i] = i; return new Proxy(t, {}); }",
    "export function getterTarget(): unknown { let runs = 0; const t = { get total() { runs++; throw new Error('boom'); } }; const p = new Proxy(t, {}); const held = [p]; return runs + held.length; }",
    "export function arrayIndexGetter(): unknown { let runs = 0; const a: number[] = [1, 2]; Object.defineProperty(a, 0, { get() { runs++; return 5; }, enumerable: true }); const held = a; return [runs, held.length]; }",
    "export function poisonWeakMap(): unknown { WeakMap.prototype.set = function () { throw new Error('poisoned set'); }; WeakMap.prototype.get = function () { return { id: 666 }; }; WeakMap.prototype.has = () => true; return new Proxy(target(), { get: () => 42 }); }",
    "export function replaceProxy(): unknown { const Saved = Proxy; (globalThis as any).Proxy = function Fake(t: object) { return t; }; const mine = new (globalThis as any).Proxy({ a: 1 }, {}); (globalThis as any).Proxy = Saved; return [mine, new Proxy(target(), {})]; }",
    "export function descriptorEscape(): unknown { const rev = Object.getOwnPropertyDescriptor(Proxy, 'revocable')!.value as typeof Proxy.revocable; return rev(target(), {}).proxy; }",
    "export function identity(): unknown[] { const d = Object.getOwnPropertyDescriptor(Proxy, 'revocable'); return [Proxy.revocable.name, Function.prototype.toString.call(Proxy), Function.prototype.toString.call(Proxy.revocable).includes('native code'), d!.value === Proxy.revocable]; }",
    "export function subclass(): string { try { class P extends (Proxy as any) {} return typeof P; } catch (e) { return (e as Error).name; } }",
    "export function effectGetterThrows(): unknown { fetch('https://x.test', { get body(): string { throw new Error('no'); } } as any); return 1; }",
    "export function effectProxy(): unknown { fetch('https://x.test', new Proxy({ body: 'a' }, { get: (t, k) => (k === 'body' ? 'b' : Reflect.get(t, k)) }) as any); return 1; }",
    "export function proxyFnTarget(): unknown { return new Proxy(function secret() {}, { get: () => 'shown' }); }",
  ].join("\n"),
};

describe("the Proxy recorder and the trace copy under attack", () => {
  const { run } = sandboxFixture("attacks", FILES);
  // What the trace recorded as the function's return value (the recorder's copy: never through the code's traps).
  // The step's result itself is read as its caller would, through traps and getters.
  const result = async (call: string) => {
    const r = await run(`src/p.ts#${call}`);
    const returned = r.trace.filter((e) => e.kind === "return" && e.symbol === `src/p.ts#${call}`).at(-1);
    return returned ? returned.value : r.steps[0]?.result;
  };

  it("held: Reflect.construct(Proxy, ..., newTarget), revocable with another this or through Reflect.apply are all recorded", async () => {
    for (const c of ["viaReflect", "revocableThis", "revocableApply"]) expect(await result(c), c).toEqual({ $proxy: { id: 1, total: 10 } });
  });

  it("held: proxies of proxies are bounded by the copy's budget, also 100000 deep", async () => {
    expect(await result("nested")).toEqual({ $proxy: { $proxy: { id: 1, total: 10 } } });
    expect(await result("deep")).toBe("object");
    expect(JSON.stringify(await result("deepResult")).length).toBeLessThan(200);
  });

  it("held: a revoked proxy, a cyclic target, a huge target copy without error and within limits", async () => {
    expect(await result("revoked")).toEqual([{ $proxy: { id: 1, total: 10 } }]);
    expect(JSON.stringify(await result("cyclic")).length).toBeLessThan(2000);
    expect(JSON.stringify(await result("wide")).length).toBeLessThan(5000);
  });

  // FIDELITY (pre-existing, not the change's): the step runner reads `result.then` through the code's traps to
  // tell a thenable (prelude.ts, the `typeof (r as { then?: unknown }).then === "function"` branch), so a sync
  // function returning a revoked proxy (or a 100000-deep proxy chain: RangeError) is recorded as throwing, though
  // natively the call returns. Safe direction (head shows as a throw), but it runs the code's get trap on "then".
  it.fails("a sync function returning a revoked proxy is not recorded as throwing", async () => {
    expect(await result("revokedBare")).toEqual({ $proxy: { id: 1, total: 10 } });
  });

  it("held: getters on a target and on array indices are not run by the trace copy", async () => {
    expect(await result("getterTarget")).toBe(1);
    expect(await result("arrayIndexGetter")).toEqual([0, 2]);
  });

  it("held: WeakMap.prototype poisoned by the code does not touch the recorder's map", async () => {
    expect(await result("poisonWeakMap")).toEqual({ $proxy: { id: 1, total: 10 } });
  });

  it("held: replacing globalThis.Proxy only changes what the code itself makes", async () => {
    expect(await result("replaceProxy")).toEqual([{ a: 1 }, { $proxy: { id: 1, total: 10 } }]);
  });

  it("held: a Proxy cannot be subclassed, as natively", async () => {
    expect(await result("subclass")).toBe("TypeError");
  });

  it("held: effects read through traps; a throwing getter is recorded as unreadable, not an error of the run", async () => {
    const r1 = await run("src/p.ts#effectProxy");
    expect(JSON.stringify(r1.effects)).toContain('"body":"b"');
    const r2 = await run("src/p.ts#effectGetterThrows");
    expect(JSON.stringify(r2.effects)).toContain("$unreadable");
  });

  // CLOSED (was a fidelity hole): Object.getOwnPropertyDescriptor(Proxy, 'revocable') skips the wrapper's get trap and
  // hands the code the real, untracked revocable. Its proxies are copied through their ownKeys and
  // getOwnPropertyDescriptor traps (defaults: the target's), never their get trap: the trace shows {id:1,total:10},
  // natively every read is 'shown'... the same value the tracked path records, so no verdict change by itself,
  // but the tracking is not complete: it should be recorded as {"$proxy":...} like every other Proxy.
  // Closed: the wrapper's getOwnPropertyDescriptor trap answers the tracked revocable too.
  it("the real revocable cannot be reached through a descriptor (its proxies would go untracked)", async () => {
    expect(await result("descriptorEscape")).toEqual({ $proxy: { id: 1, total: 10 } });
  });

  // HOLE (detection, minor; narrowed): natively [ 'revocable', 'function Proxy() { [native code] }', true, true ].
  // Proxy.revocable is now the real function behind an apply trap (native name and length, no prelude source),
  // but Function.prototype.toString of a Proxy of a function prints 'function () { [native code] }' without the
  // name: code can still tell the constructor was wrapped.
  it.fails("Proxy and Proxy.revocable look native", async () => {
    expect(await result("identity")).toEqual(["revocable", "function Proxy() { [native code] }", true, true]);
  });
});

describe("PACKAGES_ROOT", () => {
  it("held: in a clone, the ports' root is Worldline's own folder, never a repo's", () => {
    expect(PACKAGES_ROOT).toBe(WORLDLINE_ROOT);
    expect(packagesRoot("/tmp/worldline-test-x/")).toBe("/tmp/worldline-test-x/");
    expect(packagesRoot("/proj/node_modules/worldline/")).toBe("/proj");
    expect(packagesRoot("/proj/node_modules/.pnpm/worldline@1/node_modules/worldline/")).toBe("/proj");
  });

  // NOTE (not a repo-controlled hole): the first node_modules wins, so a global install under
  // /usr/lib/node_modules/worldline confines the ports to every global package (/usr/lib/node_modules), not to
  // Worldline's own folder as the doc comment says.
  it("a global install's root is the global node_modules' parent (documents the actual behaviour)", () => {
    expect(packagesRoot("/usr/lib/node_modules/worldline/")).toBe("/usr/lib");
  });
});
