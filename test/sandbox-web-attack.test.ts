import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boundaries } from "../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type RunResult, type SimulationJob } from "../servers/scenarios/sandbox/protocol.js";
import { attackFixture } from "./helpers/attack-fixture.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * Red team of the sandbox's web classes (web-world.ts) and node's stream (node-stream.ts), goals 1-3: escape,
 * forgery of the record, denial of service. Each attack is a module of one fixture repo, run on the real pool
 * in a fresh isolate. A hole is an `it.fails` that asserts the safe behaviour (it turns into an unexpected pass
 * once fixed); an attack the sandbox withstands is a plain `it`.
 */

const FILES: Record<string, string> = {};
const file = (name: string, code: string): string => {
  FILES[`src/${name}.ts`] = code;
  return `src/${name}.ts`;
};

// ---- goal 2: forgery ---------------------------------------------------------------------------------------------

/** The honest base: a 200 "ok". */
const BASE = file("base", "export function answer() {\n  return new Response('ok');\n}\n");

/** Reflect.apply replaced before the web classes are built: web-world captures the code's function as its `apply`. */
const LYING_APPLY = file(
  "lyingApply",
  [
    "// Made with Function: not instrumented, so the recorder (which describes web objects through web-world's apply) does not recurse into it.",
    "const makeLiar = new Function('state', [",
    "  'const realApply = Reflect.apply; const wmGet = WeakMap.prototype.get; const ok = new Uint8Array([111, 107]);',",
    "  'return function apply(f, self, args) {',",
    "  '  const r = realApply(f, self, args);',",
    "  '  if (state.lie && f === wmGet && r && typeof r === \"object\") {',",
    "  '    if (\"redirected\" in r && \"statusText\" in r) return Object.assign({}, r, { status: 200 });',",
    "  '    if (\"bytes\" in r && \"used\" in r && r.bytes) return Object.assign({}, r, { bytes: ok });',",
    "  '  }',",
    "  '  return r;',",
    "  '};',",
    "].join('\\n'));",
    "export function answer() {",
    "  const state = { lie: false };",
    "  (Reflect as any).apply = makeLiar(state);",
    "  const res = new Response('broken', { status: 500 });",
    "  state.lie = true;",
    "  return res;",
    "}",
  ].join("\n"),
);

/** TextDecoder replaced before the web classes are built: every body web-world decodes, the record's too, is the code's text. */
const LYING_DECODER = file(
  "lyingDecoder",
  [
    "export function answer() {",
    "  const Real = TextDecoder;",
    "  (globalThis as any).TextDecoder = class { decode() { return 'ok'; } };",
    "  const res = new Response('broken');",
    "  (globalThis as any).TextDecoder = Real;",
    "  return res;",
    "}",
  ].join("\n"),
);

/** The same Reflect.apply, patched after the classes are built: the design's promise is that this changes nothing. */
const LATE_APPLY = file(
  "lateApply",
  [
    "export function answer() {",
    "  void Response;",
    "  const realApply = Reflect.apply;",
    "  const wmGet = WeakMap.prototype.get;",
    "  let lie = false;",
    "  (Reflect as any).apply = function (f: any, self: any, args: any) {",
    "    const r = realApply(f, self, args);",
    "    if (lie && f === wmGet && r && typeof r === 'object' && 'redirected' in r) return { ...r, status: 200 };",
    "    return r;",
    "  };",
    "  const res = new Response('broken', { status: 500 });",
    "  lie = true;",
    "  return res;",
    "}",
  ].join("\n"),
);

/** After the build: String.fromCodePoint (the prelude's UTF-8 decoder, which web-world decodes with, calls it live). */
const LATE_FROM_CODE_POINT = file(
  "lateFromCodePoint",
  ["export function answer() {", "  const res = new Response('broken', { status: 500 });", "  (String as any).fromCodePoint = () => '';", "  return res;", "}"].join("\n"),
);

/** After the build: the %TypedArray%.prototype.length getter, which describeWeb reads on the body's bytes. */
const LATE_LENGTH = file(
  "lateLength",
  [
    "export function answer() {",
    "  const res = new Response('broken');",
    "  const proto = Object.getPrototypeOf(Uint8Array.prototype);",
    "  const real = Object.getOwnPropertyDescriptor(proto, 'length')!.get!;",
    "  Object.defineProperty(proto, 'length', { get() { const n = real.call(this); return n === 6 ? 2 : n; }, configurable: true });",
    "  return res;",
    "}",
  ].join("\n"),
);

/** A plain object shaped like describeWeb's record of a Response: nothing tells the two apart. */
const COUNTERFEIT = file(
  "counterfeit",
  [
    "export function answer() {",
    "  return { $response: { status: 200, statusText: '', type: 'default', url: '', redirected: false, headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: { size: 2, text: 'ok' } } };",
    "}",
  ].join("\n"),
);

/** The internal header list, taken through Array.prototype.splice (Headers#delete calls it on the slot's array). */
const SPLICE_LEAK = file(
  "spliceLeak",
  [
    "export function answer() {",
    "  const res = new Response('x', { headers: { 'x-state': 'broken', 'x-tmp': '1' } });",
    "  const splice = Array.prototype.splice;",
    "  let list: any;",
    "  Array.prototype.splice = function (this: any, ...a: any[]) { list = this; return splice.apply(this, a as any); } as any;",
    "  res.headers.delete('x-tmp');",
    "  Array.prototype.splice = splice;",
    "  if (!list) return 'no leak';",
    "  // The record reads pair[0] and pair[1]; Headers#get destructures the pair through its iterator.",
    "  list[0] = { 0: 'x-state', 1: 'ok', *[Symbol.iterator]() { yield 'x-state'; yield 'broken'; } };",
    "  return [res, res.headers.get('x-state')];",
    "}",
  ].join("\n"),
);

/** With the leaked list, a pair whose read throws: describeWeb throws inside the step's record. */
const THROWING_RECORD = file(
  "throwingRecord",
  [
    "export function answer() {",
    "  const res = new Response('x', { headers: { 'x-a': '1', 'x-tmp': '1' } });",
    "  const splice = Array.prototype.splice;",
    "  let list: any;",
    "  Array.prototype.splice = function (this: any, ...a: any[]) { list = this; return splice.apply(this, a as any); } as any;",
    "  res.headers.delete('x-tmp');",
    "  Array.prototype.splice = splice;",
    "  let reads = 0;",
    "  // Throws on the third read: the trace's own copy of the return value passes, the step's record does not.",
    "  list[0] = { get 0() { if (++reads > 2) throw new Error('the simulation pool is closed'); return 'x-a'; }, 1: '1' };",
    "  return res;",
    "}",
  ].join("\n"),
);

/** Object.freeze replaced before the build: the build ends in the code's throw after handing it the classes; nothing is ever described. */
const NO_DESCRIBE = file(
  "noDescribe",
  [
    "export function answer() {",
    "  const freeze = Object.freeze;",
    "  let stolen: any;",
    "  (Object as any).freeze = (o: any) => { if (o && typeof o.Response === 'function' && !stolen) { stolen = o; throw new Error('stop'); } return freeze(o); };",
    "  try { void Response; } catch {}",
    "  Object.freeze = freeze;",
    "  if (!stolen) return 'no classes';",
    "  return new stolen.Response('broken', { status: 500 });",
    "}",
  ].join("\n"),
);

/** Derived classes (AbortSignal, File, DOMException) call whatever their [[Prototype]] is as super: a slot on any object. */
const SUPER_SWAP = file(
  "superSwap",
  [
    "export function answer() {",
    "  const victim = new Response('broken', { status: 500 });",
    "  const Parent = Object.getPrototypeOf(AbortSignal);",
    "  Object.setPrototypeOf(AbortSignal, function () { return victim; });",
    "  let c: any;",
    "  try { c = new AbortController(); } finally { Object.setPrototypeOf(AbortSignal, Parent); }",
    "  return [c.signal === victim, victim];",
    "}",
  ].join("\n"),
);

/** Prototype patches after the build (toJSON, Symbol.toStringTag, the status getter): the record reads the slots. */
const PROTO_PATCH = file(
  "protoPatch",
  [
    "export function answer() {",
    "  const res = new Response('broken', { status: 500 });",
    "  Object.defineProperty(Response.prototype, 'toJSON', { value: () => ({ status: 200 }), configurable: true });",
    "  Object.defineProperty(Response.prototype, Symbol.toStringTag, { get: () => 'Object', configurable: true });",
    "  Object.defineProperty(Object.prototype, '$response', { get: () => ({ status: 200 }), configurable: true });",
    "  Object.defineProperty(Headers.prototype, 'get', { value: () => 'ok', configurable: true });",
    "  Object.defineProperty(Blob.prototype, 'text', { value: async () => 'ok', configurable: true });",
    "  return res;",
    "}",
  ].join("\n"),
);

// A host call per timer: a loop of 0 ms timers runs the runner's 100,000 `tick` calls, each made with a timeout.
const POISON = file("poison", "export function answer() {\n  const loop = () => { setTimeout(loop, 0); };\n  loop();\n  return 'started';\n}\n");
/** An honest step that works about a second and a half of CPU, within a 20 s budget. */
const INNOCENT = file("innocent", "const work = new Function('let x = 0; for (let i = 0; i < 2e9; i++) x = (x + i) | 0; return x;');\nexport function answer() {\n  work();\n  return 'fine';\n}\n");

// ---- goal 1: escape ---------------------------------------------------------------------------------------------

/** Every object the classes hand out: its constructor chain ends at this realm's Function, which reaches no host. */
const CHAINS = file(
  "chains",
  [
    "export async function answer() {",
    "  const got: any[] = [];",
    "  const keep = (x: any) => { got.push(x); return x; };",
    "  let controller: any;",
    "  const rs = new ReadableStream({ start(c) { controller = c; c.enqueue(new Uint8Array([1])); c.close(); } });",
    "  const reader = keep(rs.getReader()); keep(await reader.read()); keep(controller);",
    "  const r = new Response('x'); await r.text(); await r.text().catch(keep);",
    "  try { new Headers({ 'bad name': 'x' }); } catch (e) { keep(e); }",
    "  try { Response.redirect('x', 200); } catch (e) { keep(e); }",
    "  keep(AbortSignal.abort().reason); keep(AbortSignal.abort()); keep(new AbortController());",
    "  const t = new EventTarget(); t.addEventListener('x', (e) => keep(e)); t.dispatchEvent(new Event('x'));",
    "  keep(new Blob(['a']).stream()); keep(new Blob(['a']).text()); keep(new Response('x').body);",
    "  keep(new Headers({ a: '1' }).entries()); keep(new FormData().entries()); keep(new Request('http://x.test/').signal);",
    "  keep(new TextEncoderStream().writable); keep(new TextDecoderStream().readable);",
    "  const s = require('stream'); keep(s.Readable.toWeb(s.Readable.from(['a']))); keep(s.Readable.fromWeb(new Response('x').body!)); keep(s.promises.pipeline(s.Readable.from(['a']), new s.PassThrough()));",
    "  const seen = new Set<any>();",
    "  const bad: string[] = [];",
    "  const visit = (o: any, path: string, depth: number) => {",
    "    if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o) || depth > 3) return;",
    "    seen.add(o);",
    "    if (typeof o === 'function' && !(o instanceof Function) && o !== Function.prototype) bad.push(path + ': a function of another realm');",
    "    for (const k of Reflect.ownKeys(o)) { let v: any; try { const d = Object.getOwnPropertyDescriptor(o, k)!; v = 'value' in d ? d.value : d.get; } catch { continue; } visit(v, path + '.' + String(k), depth + 1); }",
    "    visit(Object.getPrototypeOf(o), path + '.__proto__', depth + 1);",
    "  };",
    "  got.forEach((o, i) => visit(o, String(i), 0));",
    "  const F = got.map((o) => o && o.constructor && o.constructor.constructor);",
    "  const realm = [Function, (async () => {}).constructor, function* () {}.constructor, async function* () {}.constructor];",
    "  const foreign = F.filter((f) => !realm.includes(f)).length;",
    "  const g = Function('return this')();",
    "  return { bad: bad.slice(0, 5), foreign, global: g === globalThis, checked: got.length };",
    "}",
  ].join("\n"),
);

/** Error.prepareStackTrace's call sites, taken inside a pull() the polyfill runs for Response#text: no frame of web-world hands out its `this` or function. */
const CALLSITES = file(
  "callsites",
  [
    "export async function answer() {",
    "  const leaked: string[] = [];",
    "  (Error as any).prepareStackTrace = (_e: any, cs: any[]) => { for (const c of cs) { const f = String(c.getFileName()); if (/worldline:(web-world|node-stream|prelude)/.test(f) && (c.getThis() !== undefined || c.getFunction() !== undefined)) leaked.push(f + ':' + c.getFunctionName()); } return ''; };",
    "  const rs = new ReadableStream({ pull(c) { void new Error().stack; c.enqueue(new Uint8Array([65])); c.close(); } });",
    "  const text = await new Response(rs).text();",
    "  const t = new EventTarget(); t.addEventListener('x', () => void new Error().stack); t.dispatchEvent(new Event('x'));",
    "  const c = new AbortController(); c.signal.addEventListener('abort', () => void new Error().stack); c.abort();",
    "  const s = require('stream'); await s.promises.pipeline(s.Readable.from(['a']), new s.Writable({ write(_c: any, _e: any, cb: any) { void new Error().stack; cb(); } }));",
    "  (Error as any).prepareStackTrace = undefined;",
    "  return [text, leaked];",
    "}",
  ].join("\n"),
);

// ---- goal 3: denial of service ----------------------------------------------------------------------------------

const DOS: Record<string, string> = {
  endlessBody: file("endlessBody", "export async function answer() {\n  const rs = new ReadableStream({ pull(c) { c.enqueue(new Uint8Array(1 << 20)); } });\n  return (await new Response(rs).text()).length;\n}\n"),
  blobDoubling: file("blobDoubling", "export function answer() {\n  let b = new Blob(['x'.repeat(1 << 20)]);\n  for (let i = 0; i < 40; i++) b = new Blob([b, b]);\n  return b.size;\n}\n"),
  recursiveDispatch: file("recursiveDispatch", "export function answer() {\n  const t = new EventTarget();\n  let n = 0;\n  t.addEventListener('x', () => { n++; t.dispatchEvent(new Event('x')); });\n  t.dispatchEvent(new Event('x'));\n  return n;\n}\n"),
  anyChain: file("anyChain", "export function answer() {\n  const c = new AbortController();\n  let s: AbortSignal = c.signal;\n  for (let i = 0; i < 200000; i++) s = AbortSignal.any([s]);\n  c.abort();\n  return s.aborted;\n}\n"),
  selfPipe: file("selfPipe", "export function answer() {\n  const { PassThrough } = require('stream');\n  const p = new PassThrough();\n  p.pipe(p);\n  p.write('x');\n  return 'piped';\n}\n"),
  pipelineCycle: file("pipelineCycle", "export async function answer() {\n  const { PassThrough } = require('stream');\n  const { pipeline } = require('stream/promises');\n  const a = new PassThrough();\n  const b = new PassThrough();\n  b.pipe(a);\n  a.write('x');\n  await pipeline(a, b);\n  return 'done';\n}\n"),
  teeClones: file("teeClones", "export async function answer() {\n  let r = new Response(new ReadableStream({ pull(c) { c.enqueue(new Uint8Array(65536)); } }));\n  for (let i = 0; i < 1e6; i++) r = r.clone();\n  return await r.text();\n}\n"),
  hugeRecord: file("hugeRecord", "export function answer() {\n  const big = 'y'.repeat(65536);\n  let r: any;\n  for (let i = 0; i < 40000; i++) r = new Response(big);\n  return r;\n}\n"),
  describeLoop: file(
    "describeLoop",
    "export function answer() {\n  const res = new Response('x', { headers: { 'x-a': '1', 'x-tmp': '1' } });\n  const splice = Array.prototype.splice;\n  let list: any;\n  Array.prototype.splice = function (this: any, ...a: any[]) { list = this; return splice.apply(this, a as any); } as any;\n  res.headers.delete('x-tmp');\n  Array.prototype.splice = splice;\n  let reads = 0;\n  list[0] = { get 0() { if (++reads > 2) for (;;) {} return 'x-a'; }, 1: '1' };\n  return res;\n}\n",
  ),
};

describe("web-world and node-stream under attack", () => {
  const { dir, run, recorded } = attackFixture("worldline-web-attack-", FILES);
  type Rec = { $response: { status: number; headers: Record<string, string>; body: { size: number; text: string } } };

  // ---- goal 2: forgery ------------------------------------------------------------------------------------------
  it("closed (was HIGH): forgery: Reflect.apply replaced before the web classes are built is web-world's own `apply`: a 500 response records as 200 \"ok\" and `result.status === 200` passes", async () => {
    const r = await run(LYING_APPLY, ["result.status === 200"]);
    expect(r.error).toBeUndefined();
    expect((r.steps[0]?.result as Rec).$response.status).toBe(500);
    expect((r.steps[0]?.result as Rec).$response.body.text).toBe("broken");
    expect(r.steps[0]?.expectations.map((e) => e.status)).toEqual(["fail"]);
  });

  it("closed (was HIGH): forgery: TextDecoder replaced before the web classes are built decodes every body, the record's too: 'broken' records as 'ok'", async () => {
    const rec = (await recorded(LYING_DECODER)) as Rec;
    expect(rec.$response.body.text).toBe("broken");
  });

  it("held: Reflect.apply replaced after the classes are built changes nothing web-world does: the 500 records as 500", async () => {
    const r = await run(LATE_APPLY, ["result.status === 200"]);
    expect(r.error).toBeUndefined();
    expect((r.steps[0]?.result as Rec).$response.status).toBe(500);
    expect(r.steps[0]?.expectations.map((e) => e.status)).toEqual(["fail"]);
  });

  it("closed (was MEDIUM): forgery: String.fromCodePoint patched after the build empties the recorded body text (describeWeb decodes through the prelude's live TextDecoder)", async () => {
    const rec = (await recorded(LATE_FROM_CODE_POINT)) as Rec;
    expect(rec.$response.body.text).toBe("broken");
  });

  it("closed (was MEDIUM): forgery: the %TypedArray%.prototype.length getter patched after the build cuts the recorded body ('broken' records as size 2, 'br')", async () => {
    const rec = (await recorded(LATE_LENGTH)) as Rec;
    expect(rec.$response.body).toEqual({ size: 6, text: "broken" });
  });

  it("closed (was MEDIUM): forgery: a plain object shaped like describeWeb's record ({ $response: … }) records exactly as a real Response", async () => {
    const [real, fake] = await Promise.all([recorded(BASE), recorded(COUNTERFEIT)]);
    expect(real).toHaveProperty("$response.status", 200);
    expect(fake).not.toEqual(real);
  });

  // Closed: internal lists are edited by index and definition, never through Array.prototype.
  it("closed (was MEDIUM): the header list leaked through Array.prototype.splice (Headers#delete), so a pair could read one way for the record and another for get()", async () => {
    expect(await recorded(SPLICE_LEAK)).toBe("no leak");
  });

  // Closed: the classes are built when the sandbox starts, before any repo code can replace Object.freeze.
  it("closed (was MEDIUM): Object.freeze replaced before the build made the build throw after handing the code the classes, so nothing was ever described", async () => {
    expect(await recorded(NO_DESCRIBE)).toBe("no classes");
  });

  it("closed (was LOW): a derived class (AbortSignal) calls whatever its [[Prototype]] is as super: new AbortController() hands out an object of the code's choosing (here a Response) as its signal", async () => {
    // Refused now: the constructor checks its parent before calling it.
    const r = await run(SUPER_SWAP);
    expect(r.error).toBeUndefined();
    expect(r.steps[0]?.error?.message).toMatch(/parent was replaced/);
  });

  it("held: toJSON, Symbol.toStringTag, Object.prototype.$response and Headers/Blob prototype patches do not change the record of a Response", async () => {
    const rec = (await recorded(PROTO_PATCH)) as Rec;
    expect(rec.$response.status).toBe(500);
    expect(rec.$response.body.text).toBe("broken");
    expect(rec.$response.headers).toEqual({ "content-type": "text/plain;charset=UTF-8" });
  });

  // Was held only at the end (the run broke in the code's name): the header list reached the code through a
  // patched Array.prototype.splice. Internal lists are now edited without Array.prototype, so the code finds no
  // list to plant a throwing or endless pair in: its own write to it throws, and the record is never touched.
  it.each([
    ["throws", THROWING_RECORD],
    ["loops", DOS.describeLoop as string],
  ])("held: a header pair that %s when describeWeb reads it cannot be planted: Headers#delete hands Array.prototype.splice nothing", async (_what, path) => {
    const r = await run(path);
    expect(r.error).toBeUndefined();
    expect(r.steps[0]?.error?.message).toMatch(/Cannot set properties of undefined/);
  });

  // ---- goal 1: escape -------------------------------------------------------------------------------------------
  it("held: every object the web classes and node's stream hand out chains to this realm's constructors; Function('return this') is the sandbox's global", async () => {
    const r = await run(CHAINS);
    expect(r.error).toBeUndefined();
    expect(r.steps[0]?.result).toEqual({ bad: [], foreign: 0, global: true, checked: 21 });
  });

  it("held: Error.prepareStackTrace inside pull(), listeners and a pipeline's write gets no `this` or function of web-world, node-stream or the prelude", async () => {
    const r = await run(CALLSITES);
    expect(r.error).toBeUndefined();
    expect(r.steps[0]?.result).toEqual(["A", []]);
  });

  // ---- goal 3: denial of service ---------------------------------------------------------------------------------
  const stated = (r: RunResult) => r.error?.reason ?? (r.steps[0]?.error ? `${r.steps[0].error.name}: ${r.steps[0].error.message}` : undefined);
  // Any stated limit holds: which one comes first (CPU or memory) depends on how the machine's load spreads reruns.
  it.each([
    ["an endless stream read whole by Response#text", "endlessBody", /Array buffer allocation failed|memory limit/],
    ["a Blob doubled 40 times", "blobDoubling", /Array buffer allocation failed|Invalid typed array length|memory limit/],
    ["a listener that dispatches on its own target", "recursiveDispatch", /recursion without end/],
    ["AbortSignal.any chained 200,000 deep", "anyChain", /CPU time limit|memory limit|recursion without end/],
    ["a PassThrough piped into itself", "selfPipe", /CPU time limit|memory limit/],
    ["a pipeline between two PassThroughs piped in a cycle", "pipelineCycle", /CPU time limit|memory limit/],
    ["a million clones (tee) of an endless body", "teeClones", /CPU time limit|memory limit/],
    ["40,000 64 KB responses through the trace", "hugeRecord", /CPU time limit|memory limit/],
  ])("held: %s ends with a stated reason within its limits", { timeout: 60_000 }, async (_what, key, reason) => {
    // A pool of its own: a worker an earlier run left dead timers in may crash under it (the HIGH DoS below).
    const own = new SandboxPool(1);
    const t = Date.now();
    const r = await own.run({ repo: dir, rev: "HEAD", env: {}, stubs: {}, steps: [{ call: `${DOS[key] as string}#answer`, args: [], expect: [] }], boundaryPackages: boundaries([]), limits: DEFAULT_LIMITS }).finally(() => own.close());
    expect(stated(r)).toMatch(reason);
    expect(stated(r)).not.toMatch(/process died/);
    expect(Date.now() - t).toBeLessThan(45_000);
  });

});

describe("a run's dead isolated-vm timers outlive it", () => {
  const tmp = tempDir("worldline-web-attack-poison-");
  let pool: SandboxPool;
  beforeAll(() => {
    makeRepo(tmp.dir, [{ message: "attacks", files: FILES }]);
    pool = new SandboxPool(1);
  });
  afterAll(() => {
    pool.close();
    tmp.cleanup();
  });
  it("closed (was HIGH): DoS/forgery: a run that ends ok after ~100,000 timer ticks leaves as many dead timers due at its deadline; they crash the pool child during the NEXT job, an innocent run that then errors as 'the simulation process died'", { timeout: 90_000 }, async () => {
    const job = (path: string, cpuMs: number): SimulationJob => ({ repo: tmp.dir, rev: "HEAD", env: {}, stubs: {}, steps: [{ call: `${path}#answer`, args: [], expect: [] }], boundaryPackages: boundaries([]), limits: { ...DEFAULT_LIMITS, cpuMs } });
    const [hostile, innocent] = await Promise.all([pool.run(job(POISON, 2000)), pool.run(job(INNOCENT, 20_000))]);
    // The hostile run itself ends ok: nothing in its own record says it did anything.
    expect(hostile.error, JSON.stringify(hostile.error)).toBeUndefined();
    expect(innocent.error, JSON.stringify(innocent.error)).toBeUndefined();
    expect(innocent.steps[0]?.result).toBe("fine");
  });
});
