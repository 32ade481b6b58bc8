import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boundaries } from "../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type RunResult, type SimulationJob } from "../servers/scenarios/sandbox/protocol.js";
import { attackFixture } from "./helpers/attack-fixture.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * Second red team of the sandbox's web classes, after the fixes of the first (test/sandbox-web-attack.test.ts):
 * the classes built at install, the captured UTF-8 codec, lists written by definition, `$` keys escaped in the
 * record, timers pumped inside the isolate. A hole is an `it.fails` that asserts the safe behaviour (it turns
 * into an unexpected pass once fixed); an attack the sandbox withstands is a plain `it`.
 */

const FILES: Record<string, string> = {};
const file = (name: string, code: string): string => {
  FILES[`src/${name}.ts`] = code;
  return `src/${name}.ts`;
};
const src = (...lines: string[]) => lines.join("\n") + "\n";

// ---- forgery through what web-world still reads live ----------------------------------------------------------

/** web-world keeps the prelude's TextDecoder *prototype* and reads `.decode` off it on every call. */
const LATE_DECODE = file(
  "lateDecode",
  src(
    "export async function answer() {",
    "  const res = new Response('broken', { status: 500 });",
    "  const seen = await res.clone().text();",
    "  const real = TextDecoder.prototype.decode;",
    "  let lie = false;",
    "  TextDecoder.prototype.decode = function (this: any, b: any) { return lie ? 'ok' : real.call(this, b); };",
    "  lie = true;",
    "  return [seen, res];",
    "}",
  ),
);

/** The same for `.encode`: the bytes web-world keeps as a body are an array the code made and still holds. */
const LATE_ENCODE = file(
  "lateEncode",
  src(
    "export async function answer() {",
    "  const real = TextEncoder.prototype.encode;",
    "  let kept: Uint8Array | undefined;",
    "  TextEncoder.prototype.encode = function (this: any, s: any) { const b = real.call(this, s); if (s === 'broken') kept = b; return b; };",
    "  const res = new Response('broken', { status: 500 });",
    "  TextEncoder.prototype.encode = real;",
    "  const seen = await res.clone().text();",
    "  if (!kept) return 'no leak';",
    "  kept.set([111, 107, 33, 33, 33, 33]);",
    "  return [seen, res, await res.clone().text()];",
    "}",
  ),
);

/**
 * %TypedArray%.prototype.slice makes its copy with the species constructor, found through `constructor` on the
 * array: every copy web-world and the prelude's encoder make with it is an array the code made and kept.
 */
const SPECIES = file(
  "species",
  src(
    "export async function answer() {",
    "  const kept: Uint8Array[] = [];",
    "  const Evil = function (n: number) { const a = new Uint8Array(n); kept.push(a); return a; };",
    "  Object.defineProperty(Uint8Array.prototype, 'constructor', { value: { [Symbol.species]: Evil }, configurable: true, writable: true });",
    "  const res = new Response('broken', { status: 500 });",
    "  const blob = new Blob(['broken']).slice(0);",
    "  const copy = structuredClone(new Blob(['broken']));",
    "  Object.defineProperty(Uint8Array.prototype, 'constructor', { value: Uint8Array, configurable: true, writable: true });",
    "  const seen = await res.clone().text();",
    "  if (kept.length === 0) return 'no leak';",
    "  for (const a of kept) if (a.length === 6) a.set([111, 107, 33, 33, 33, 33]);",
    "  return [seen, res, blob, copy];",
    "}",
  ),
);

/** No patch at all: reading `res.body` hands out the body's own bytes, which its clone shares. */
const BODY_CHUNK = file(
  "bodyChunk",
  src(
    "export async function answer() {",
    "  const res = new Response('broken', { status: 500 });",
    "  const twin = res.clone();",
    "  const { value } = await res.body!.getReader().read();",
    "  (value as Uint8Array).set([111, 107, 33, 33, 33, 33]);",
    "  return [res, twin];",
    "}",
  ),
);

/** An own `status` on a real Response: the caller and the expectations read 200, the record says 500. */
const OWN_STATUS = file(
  "ownStatus",
  src(
    "export function answer() {",
    "  const res = new Response('broken', { status: 500 });",
    "  Object.defineProperty(res, 'status', { value: 200, enumerable: true });",
    "  Object.defineProperty(res, 'ok', { value: true, enumerable: true });",
    "  return res;",
    "}",
  ),
);

// ---- leaks of internal lists -----------------------------------------------------------------------------------

/** AbortSignal's abort steps are appended with `steps[steps.length] = fn`: a [[Set]] that finds an index setter on Array.prototype. */
const STEPS_SETTER = file(
  "stepsSetter",
  src(
    "export function answer() {",
    "  const c = new AbortController();",
    "  let list: any;",
    "  Object.defineProperty(Array.prototype, '0', { set(this: any, v: any) { list = this; }, configurable: true });",
    "  const any = AbortSignal.any([c.signal]);",
    "  delete (Array.prototype as any)[0];",
    "  c.abort();",
    "  return [list === undefined ? 'no leak' : 'leaked', any.aborted];",
    "}",
  ),
);

/** `METHODS.indexOf` and `NULL_BODY.indexOf` call Array.prototype.indexOf live, on web-world's own lists. */
const INDEX_OF = file(
  "indexOf",
  src(
    "export function answer() {",
    "  const real = Array.prototype.indexOf;",
    "  const got: any[] = [];",
    "  Array.prototype.indexOf = function (this: any, ...a: any[]) { got.push(this); return real.apply(this, a as any); } as any;",
    "  new Request('http://x.test/', { method: 'get' });",
    "  new Response('x');",
    "  Array.prototype.indexOf = real;",
    "  const nullBody = got.find((l) => l.includes(204));",
    "  if (!nullBody) return 'no leak';",
    "  nullBody[0] = 200;",
    "  try { new Response('fine'); return 'ok'; } catch (e) { return String((e as Error).message); }",
    "}",
  ),
);

/** RegExp.prototype.test looks up `exec` live: the header-name regex web-world keeps (TOKEN) reaches the code. */
const TOKEN_EXEC = file(
  "tokenExec",
  src(
    "export function answer() {",
    "  const real = RegExp.prototype.exec;",
    "  let token: any;",
    "  RegExp.prototype.exec = function (this: any, s: any) { if (String(this.source).includes('A-Za-z]+$')) token = this; return real.call(this, s); };",
    "  new Headers({ 'x-a': '1' });",
    "  RegExp.prototype.exec = real;",
    "  if (!token) return 'no leak';",
    "  Object.defineProperty(token, 'exec', { value: () => [''], configurable: true });",
    "  try { return new Headers({ 'bad name\\r\\nx': '1' }); } catch (e) { return String((e as Error).message); }",
    "}",
  ),
);

// ---- the `$` escaping ------------------------------------------------------------------------------------------

const REAL = file("real", "export function answer() {\n  return new Response('ok');\n}\n");
const RESP = "{ status: 200, statusText: '', type: 'default', url: '', redirected: false, headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: { size: 2, text: 'ok' } }";
const FAKES: Record<string, string> = {
  nullProto: file("fakeNullProto", src("export function answer() {", `  return Object.assign(Object.create(null), { $response: ${RESP} });`, "}")),
  classInstance: file("fakeClass", src("class R { $response = " + RESP + "; }", "export function answer() {", "  return new R();", "}")),
  getter: file("fakeGetter", src("export function answer() {", `  return { get $response() { return ${RESP}; } };`, "}")),
  proxy: file("fakeProxy", src("export function answer() {", `  const t = { $response: ${RESP} };`, "  return new Proxy(t, { getPrototypeOf: () => Response.prototype });", "}")),
  proxyKeys: file("fakeProxyKeys", src("export function answer() {", `  const inner = ${RESP};`, "  return new Proxy({}, { ownKeys: () => ['$response'], getOwnPropertyDescriptor: () => ({ value: inner, enumerable: true, configurable: true }), get: () => inner });", "}")),
  error: file("fakeError", src("export function answer() {", "  const e: any = new Error('x');", `  e.$response = ${RESP};`, "  return e;", "}")),
  protoOfResponse: file("fakeProtoOf", src("export function answer() {", `  return Object.assign(Object.create(new Response('ok')), { $response: ${RESP} });`, "}")),
  setPrototype: file("fakeSetProto", src("export function answer() {", "  const r = new Response('broken', { status: 500 });", "  Object.setPrototypeOf(r, null);", `  return Object.assign(r, { $response: ${RESP} });`, "}")),
  mapValue: file("fakeMap", src("export function answer() {", `  return new Map([['$response', ${RESP}]]);`, "}")),
  headerName: file("fakeHeader", src("export function answer() {", "  return new Headers({ '$response': 'x' });", "}")),
};

// ---- denial of service through the in-isolate timer loop --------------------------------------------------------

const TIMER_DOS: Record<string, string> = {
  // each timer works ~1 ms: 100,000 of them in one pumpAll is 100 s of CPU, over a 2 s budget
  heavyTimers: file("heavyTimers", "const work = new Function('let x = 0; for (let i = 0; i < 1e6; i++) x = (x + i) | 0; return x;');\nexport function answer() {\n  const loop = () => { work(); setTimeout(loop, 0); };\n  loop();\n  return new Promise(() => {});\n}\n"),
  // each timer keeps 1 MiB: the heap limit, not the process
  growingTimers: file("growingTimers", "const keep: any[] = [];\nexport function answer() {\n  const loop = () => { keep.push(new Array(1 << 17).fill(1.5)); setTimeout(loop, 0); };\n  loop();\n  return new Promise(() => {});\n}\n"),
  // each timer schedules two: the queue doubles
  forkingTimers: file("forkingTimers", "export function answer() {\n  const loop = () => { setTimeout(loop, 0); setTimeout(loop, 0); };\n  loop();\n  return new Promise(() => {});\n}\n"),
  // the last step's tickAll: timers far in virtual time, each scheduling the next
  // a microtask chain inside a timer
  microInTimer: file("microInTimer", "export function answer() {\n  setTimeout(() => { const f = (): any => Promise.resolve().then(f); f(); }, 0);\n  return new Promise(() => {});\n}\n"),
};

describe("web-world and the record under a second attack", () => {
  const { run, recorded } = attackFixture("worldline-web-attack2-", FILES);
  type Body = { size: number; text: string };
  type Rec = { $response: { status: number; headers: Record<string, string>; body: Body } };

  // ---- forgery ------------------------------------------------------------------------------------------------
  it("closed (was MEDIUM): forgery: TextDecoder.prototype.decode patched after the build rewrites the recorded body text: the code read 'broken', the record says 'ok' (web-world reads `.decode` off the prelude's prototype on each call)", async () => {
    const [seen, rec] = (await recorded(LATE_DECODE)) as [string, Rec];
    expect(seen).toBe("broken");
    expect(rec.$response.body.text).toBe("broken");
  });

  // Closed: web-world calls the codec's own functions, copies what they return, and copies bytes without slice.
  it("closed (was MEDIUM): leak: TextEncoder.prototype.encode patched while a Response is built handed the code its body bytes", async () => {
    expect(await recorded(LATE_ENCODE)).toBe("no leak");
  });

  // Closed: web-world calls the codec's own functions, copies what they return, and copies bytes without slice.
  it("closed (was MEDIUM): leak: a species constructor on Uint8Array.prototype.constructor received every copy %TypedArray%.prototype.slice made (the encoder, Blob#slice, structuredClone of a Blob)", async () => {
    expect(await recorded(SPECIES)).toBe("no leak");
  });

  it("closed (was MEDIUM): leak: with no patch at all, the first chunk of `res.body` is the body's own byte array, shared with res.clone(): writing to it rewrites the clone (and the original still records its text, not `used`)", async () => {
    const [res, twin] = (await recorded(BODY_CHUNK)) as [Rec, Rec];
    expect(twin.$response.body.text).toBe("broken");
    expect(res.$response.body).toEqual({ used: true });
  });

  it.fails("LOW: record vs verdict: an own `status` on a real Response passes `result.status === 200` while the record (describeWeb, from the slot) says 500", async () => {
    const r = await run(OWN_STATUS, ["result.status === 200"]);
    expect(r.error).toBeUndefined();
    const rec = r.steps[0]?.result as Rec;
    const verdict = r.steps[0]?.expectations.map((e) => e.status)[0];
    // Either both say 500 or both say 200: the record and the expectation must read the same value.
    expect(verdict === "pass").toBe(rec.$response.status === 200);
  });

  // ---- leaks of internal lists -----------------------------------------------------------------------------------
  it("closed (was LOW): leak: onAbort appends with `steps[steps.length] = fn`, so an index setter on Array.prototype gets a signal's internal abort-steps list and swallows the step: AbortSignal.any([s]) never aborts", async () => {
    expect(await recorded(STEPS_SETTER)).toEqual(["no leak", true]);
  });

  it("closed (was LOW): leak: Array.prototype.indexOf is called live on web-world's NULL_BODY and METHODS lists; the code edits NULL_BODY and new Response('fine') (status 200) throws", async () => {
    expect(await recorded(INDEX_OF)).toBe("no leak");
  });

  it("closed (was LOW): leak: RegExp.prototype.test looks up `exec` live, so the code gets web-world's shared header-name regex (TOKEN), gives it its own exec, and Headers accept the name 'bad name\\r\\nx' for the rest of the run", async () => {
    expect(await recorded(TOKEN_EXEC)).toBe("no leak");
  });

  // ---- the `$` escaping ------------------------------------------------------------------------------------------
  it.each(Object.keys(FAKES).filter((k) => k !== "headerName"))("held: a counterfeit $response (%s) never records as the real Response", async (key) => {
    const [real, fake] = await Promise.all([recorded(REAL), recorded(FAKES[key] as string)]);
    expect(real).toHaveProperty("$response.status", 200);
    expect(fake).not.toEqual(real);
    // A real Response stripped of its prototype is still described from its slots (its own 500), never from its keys.
    if (key === "setPrototype") expect(fake).toHaveProperty("$response.status", 500);
    else expect(JSON.stringify(fake)).not.toMatch(/^\{"\$response"/);
  });

  it("held (fidelity note): a header named $response is written $$response inside the record's headers, never as a tag", async () => {
    expect(await recorded(FAKES.headerName as string)).toEqual({ $headers: { $$response: "x" } });
  });
});

describe("the timer loop under attack", () => {
  const tmp = tempDir("worldline-web-attack2-timers-");
  beforeAll(() => makeRepo(tmp.dir, [{ message: "attacks", files: FILES }]));
  afterAll(() => tmp.cleanup());
  const stated = (r: RunResult) => r.error?.reason ?? (r.steps[0]?.error ? `${r.steps[0].error.name}: ${r.steps[0].error.message}` : "ok");
  // Any stated limit holds: which one comes first (CPU or memory) depends on how the machine's load spreads reruns.
  it.each([
    ["100,000 timers of ~1 ms CPU each", "heavyTimers", /CPU time limit|memory limit/],
    ["timers that keep 1 MiB each", "growingTimers", /memory limit|CPU time limit/],
    ["timers that fork in two", "forkingTimers", /CPU time limit|memory limit|^ok$/],
    ["an endless microtask chain started in a timer", "microInTimer", /CPU time limit|memory limit/],
  ])("held: %s end with a stated reason within their limits", { timeout: 60_000 }, async (_what, key, reason) => {
    const own = new SandboxPool(1);
    const t = Date.now();
    const job = (k: string): SimulationJob => ({ repo: tmp.dir, rev: "HEAD", env: {}, stubs: {}, steps: [{ call: `${TIMER_DOS[k] as string}#answer`, args: [], expect: [] }], boundaryPackages: boundaries([]), limits: DEFAULT_LIMITS });
    try {
      const r = await own.run(job(key));
      expect(stated(r)).toMatch(reason);
      expect(stated(r)).not.toMatch(/process died/);
      expect(Date.now() - t).toBeLessThan(45_000);
      // The child is still healthy afterwards: an honest run on it ends ok.
      const next = await own.run({ ...job(key), steps: [{ call: `${REAL}#answer`, args: [], expect: [] }] });
      expect(next.error, JSON.stringify(next.error)).toBeUndefined();
    } finally {
      own.close();
    }
  });
});
