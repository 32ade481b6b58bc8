import { describe, expect, it } from "vitest";
import { sandboxFixture } from "./helpers/sandbox-run.js";

/**
 * Code that observes how it is read: Proxies whose traps keep state (immer's drafts), getters that count, and the
 * language features real libraries lean on. Recording a value must never run the code's traps or getters, so each
 * function answers in the sandbox what it answers natively (the expected values are what Node gives).
 */
const FILES: Record<string, string> = {
  // A built-in's npm package named with a trailing slash (yaml did this): the port, when the repo has none installed.
  "src/slashed.ts": 'import { Buffer } from "buffer/";\nexport function b64(): string {\n  return Buffer.from("hi").toString("base64");\n}\nexport function inherited(): string[] {\n  return ["constructor/", "__proto__/", "toString"].map((s) => {\n    try {\n      require(s);\n      return "loaded";\n    } catch (e) {\n      return (e as Error).message.includes("Cannot find module") ? "missing" : (e as Error).message;\n    }\n  });\n}\n',
  "src/draft.ts": [
    "// A lazy draft in immer's manner: reading a property through the trap makes a child draft and marks the state.",
    "export const reads = { count: 0 };",
    "type State = { base: Record<string, unknown>; copy?: Record<string, unknown>; children: Record<string, unknown> };",
    "export function createDraft(base: Record<string, unknown>): Record<string, unknown> {",
    "  const state: State = { base, children: {} };",
    "  return new Proxy(state, {",
    "    get(s, key) {",
    "      reads.count++;",
    "      const k = key as string;",
    "      const v = (s.copy ?? s.base)[k];",
    "      if (v && typeof v === 'object' && !(k in s.children)) s.children[k] = createDraft(v as Record<string, unknown>);",
    "      return k in s.children ? s.children[k] : v;",
    "    },",
    "    set(s, key, value) {",
    "      s.copy ??= { ...s.base };",
    "      s.copy[key as string] = value;",
    "      return true;",
    "    },",
    "    ownKeys(s) { reads.count++; return Reflect.ownKeys(s.copy ?? s.base); },",
    "    getOwnPropertyDescriptor(s, key) { const o = s.copy ?? s.base; return key in o ? { value: o[key as string], writable: true, enumerable: true, configurable: true } : undefined; },",
    "    getPrototypeOf() { reads.count++; return Object.prototype; },",
    "  }) as Record<string, unknown>;",
    "}",
    "export function edit(): { reads: number; a: unknown; children: number } {",
    "  reads.count = 0;",
    "  const draft = createDraft({ a: 1, nested: { b: 2 } });",
    "  const held = draft;",
    "  held.a = 2;",
    "  const a = draft.a;",
    "  return { reads: reads.count, a, children: Object.keys((draft as unknown as { children?: object }).children ?? {}).length };",
    "}",
    "export function revocable(): string {",
    "  const { proxy, revoke } = Proxy.revocable({ x: 1 }, {});",
    "  const before = proxy.x;",
    "  revoke();",
    "  const after = proxy;",
    "  try { return String((after as { x: number }).x); } catch (e) { return `${before} then ${(e as Error).name}`; }",
    "}",
    "export function proxyIdentity(): boolean[] {",
    "  const P = Proxy;",
    "  return [typeof P === 'function', P.name === 'Proxy', P.length === 2, !('prototype' in P), (() => { try { (P as unknown as () => void)(); return false; } catch { return true; } })()];",
    "}",
  ].join("\n"),
  "src/send.ts": [
    "// A payload that shows a boundary other values than its target holds: the effect is what the boundary reads.",
    "export async function sendDisguised(): Promise<number> {",
    "  const shown = (t: object, k: string | symbol) => (k === 'amount' ? 2 : (t as Record<string | symbol, unknown>)[k]);",
    "  const body = new Proxy({ amount: 1 }, { get: shown, getOwnPropertyDescriptor: (t, k) => ({ value: shown(t, k), writable: true, enumerable: true, configurable: true }) });",
    "  await fetch('https://payments.example.test/charge', { method: 'POST', body: body as unknown as BodyInit });",
    "  return body.amount;",
    "}",
  ].join("\n"),
  "src/getters.ts": [
    "let calls = 0;",
    "export function countGetter(): number {",
    "  calls = 0;",
    "  const o = { get total() { calls++; return 42; } };",
    "  const held = o;",
    "  const list = [o, o];",
    "  return calls + (held === o && list.length === 2 ? 0 : 100);",
    "}",
    "export class Account {",
    "  #balance = 0;",
    "  static #opened = 0;",
    "  constructor() { Account.#opened++; }",
    "  deposit(n: number): number { this.#balance += n; return this.#balance; }",
    "  static opened(): number { return Account.#opened; }",
    "  has(o: object): boolean { return #balance in o; }",
    "}",
    "export function privateFields(): unknown[] {",
    "  const acc = new Account();",
    "  const after = acc.deposit(5);",
    "  return [after, acc.has(acc), acc.has({}), Account.opened() >= 1];",
    "}",
  ].join("\n"),
  "src/features.ts": [
    "export function* counter(n: number): Generator<number> { for (let i = 0; i < n; i++) yield i; }",
    "async function* ticks(n: number): AsyncGenerator<number> { for (let i = 0; i < n; i++) yield await Promise.resolve(i * 10); }",
    "export async function features(): Promise<unknown[]> {",
    "  const gen = [...counter(3)];",
    "  const got: number[] = [];",
    "  for await (const t of ticks(3)) got.push(t);",
    "  const sym = Symbol('tag');",
    "  const tagged = { [sym]: 1, [Symbol.toStringTag]: 'Tagged' };",
    "  const wm = new WeakMap<object, number>();",
    "  const key = {};",
    "  wm.set(key, 7);",
    "  const ref = new WeakRef(key);",
    "  const clone = structuredClone({ d: new Date(0), m: new Map([[1, 'a']]), s: new Set([1]), n: [1, { x: 2 }] });",
    "  const typed = new Uint8Array([1, 2, 255]);",
    "  const view = new DataView(typed.buffer);",
    "  const nf = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'EUR' }).format(1234.5);",
    "  const dtf = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', dateStyle: 'medium' }).format(new Date(Date.UTC(2026, 2, 15)));",
    "  const refl = Reflect.ownKeys(tagged).length;",
    "  return [gen, got, Object.prototype.toString.call(tagged), wm.get(key), ref.deref() === key, clone.m.get(1), clone.s.has(1), clone.d.getTime(), clone.n[1], typed[2], view.getUint8(1), nf, dtf, refl];",
    "}",
  ].join("\n"),
};

describe("sandbox fidelity: code that observes how it is read", () => {
  const { run } = sandboxFixture("fidelity fixtures", FILES);

  it("recording a draft never runs its traps: reads and children are what the code itself caused", async () => {
    const r = await run("src/draft.ts#edit");
    // Natively: one read (`draft.a`) and no child draft made; a recorder reading `held` through the traps made more.
    expect(r.steps[0]?.result).toEqual({ reads: 1, a: 2, children: 0 });
    // The draft is still in the trace, copied through its target.
    expect(JSON.stringify(r.trace)).toContain('"$proxy"');
  });

  it("`buffer/` (the npm package a built-in's port is) loads the port when the repo has none installed", async () => {
    expect((await run("src/slashed.ts#b64")).steps[0]?.result).toBe("aGk=");
    // Names of Object.prototype's members are not ports (the loader threw "specifier.split is not a function"):
    // they are packages the repo lacks, so each is a recording stand-in, as any missing package is.
    expect((await run("src/slashed.ts#inherited")).steps[0]?.result).toEqual(["loaded", "loaded", "loaded"]);
  });

  it("a revoked proxy in the trace is not an error of the run, and the Proxy the code sees is the real one", async () => {
    expect((await run("src/draft.ts#revocable")).steps[0]?.result).toBe("1 then TypeError");
    expect((await run("src/draft.ts#proxyIdentity")).steps[0]?.result).toEqual([true, true, true, true, true]);
  });

  it("an effect records what the boundary would read through the code's traps, so a disguised payload cannot hide a change", async () => {
    const r = await run("src/send.ts#sendDisguised");
    const effects = JSON.stringify(r.effects);
    expect(effects).toContain('"amount":2');
    expect(effects).not.toContain('"amount":1');
  });

  it("recording a value never runs its getters; private fields work", async () => {
    expect((await run("src/getters.ts#countGetter")).steps[0]?.result).toBe(0);
    expect((await run("src/getters.ts#privateFields")).steps[0]?.result).toEqual([5, true, false, true]);
  });

  it("generators, async iteration, symbols, weak references, structuredClone, typed arrays and Intl answer as natively", async () => {
    const r = await run("src/features.ts#features");
    expect(r.steps[0]?.result).toEqual([[0, 1, 2], [0, 10, 20], "[object Tagged]", 7, true, "a", true, 0, { x: 2 }, 255, 2, "€1,234.50", "15 Mar 2026", 2]);
  });
});
