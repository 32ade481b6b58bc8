import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boundaries } from "../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type RunResult, type SimulationJob } from "../servers/scenarios/sandbox/protocol.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * The web platform's classes in the isolate (servers/scenarios/sandbox/web-world.ts) and node's stream
 * (node-stream.ts): each used as repo code uses it, the answer computed inside the sandbox and compared here.
 */
const FILES = {
  "src/web.ts": [
    "export async function streams() {",
    "  const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.enqueue('b'); c.close(); } });",
    "  const upper = rs.pipeThrough(new TransformStream({ transform(chunk, c) { c.enqueue(String(chunk).toUpperCase()); } }));",
    "  const got: string[] = [];",
    "  await upper.pipeTo(new WritableStream({ write(chunk) { got.push(String(chunk)); } }));",
    "  const bytes = new ReadableStream({ start(c) { c.enqueue(new Uint8Array([0xe2, 0x82])); c.enqueue(new Uint8Array([0xac, 0x21])); c.close(); } });",
    "  const text = await new Response(bytes.pipeThrough(new TextDecoderStream()).pipeThrough(new TextEncoderStream())).text();",
    "  let refused = '';",
    "  try { await new Response(new ReadableStream({ start(c) { c.enqueue('s'); c.close(); } })).text(); } catch (e) { refused = (e as Error).constructor.name + ': ' + (e as Error).message.split(' (')[0]; }",
    "  const encoded = await new Response(new Blob(['é']).stream().pipeThrough(new TextDecoderStream()).pipeThrough(new TextEncoderStream())).arrayBuffer();",
    "  return { got, text, refused, encoded: [...new Uint8Array(encoded)], tag: Object.prototype.toString.call(rs), probe: typeof ReadableStream };",
    "}",
    "export async function bodies() {",
    "  const h = new Headers([['X-B', '1'], ['x-a', '2']]);",
    "  h.append('x-b', '3');",
    "  h.append('Set-Cookie', 'a=1');",
    "  h.append('set-cookie', 'b=2');",
    "  const r = new Response(JSON.stringify({ n: 1 }), { status: 201, headers: { 'Content-Type': 'application/json' } });",
    "  const copy = r.clone();",
    "  const json = await r.json();",
    "  let again = '';",
    "  try { await r.text(); } catch (e) { again = (e as Error).constructor.name + ': ' + (e as Error).message; }",
    "  const req = new Request('http://svc.test/a/../b?q=1', { method: 'post', body: new URLSearchParams({ x: 'y z' }) });",
    "  const form = await req.clone().formData();",
    "  const blob = new Blob(['ab', new Uint8Array([99]), new Blob(['d'])], { type: 'Text/Plain' });",
    "  const fd = new FormData();",
    "  fd.append('name', 'ada');",
    "  fd.append('file', new Blob(['hi'], { type: 'text/plain' }), 'a.txt');",
    "  const multipart = new Request('http://svc.test/up', { method: 'POST', body: fd });",
    "  const mtext = await multipart.text();",
    "  return {",
    "    headers: [...h], cookies: h.getSetCookie(), get: h.get('X-B'),",
    "    json, copy: await copy.text(), again, status: r.status, ok: r.ok, type: r.headers.get('content-type'), used: r.bodyUsed,",
    "    url: req.url, method: req.method, reqType: req.headers.get('content-type'), text: await req.text(), form: form.get('x'),",
    "    blob: [blob.size, blob.type, await blob.text(), await blob.slice(1, 3).text()],",
    "    multipart: [multipart.headers.get('content-type')?.startsWith('multipart/form-data; boundary='), mtext.includes('name=\"file\"; filename=\"a.txt\"'), mtext.includes('\\r\\n\\r\\nada\\r\\n')],",
    "    statics: [Response.json({ a: 1 }, { status: 202 }).headers.get('content-type'), Response.redirect('http://x.test/', 307).headers.get('location'), Response.error().type],",
    "    isWeb: [r instanceof Response, req instanceof Request, blob instanceof Blob, new File(['x'], 'f.txt') instanceof Blob],",
    "  };",
    "}",
    "export function refusals() {",
    "  const out: string[] = [];",
    "  const tryIt = (f: () => unknown) => { try { f(); out.push('no error'); } catch (e) { out.push((e as Error).message); } };",
    "  tryIt(() => new Headers({ 'bad name': 'x' }));",
    "  tryIt(() => new Request('/relative'));",
    "  tryIt(() => new Request('http://x.test/', { method: 'GET', body: 'x' }));",
    "  tryIt(() => new Response('x', { status: 204 }));",
    "  tryIt(() => new (AbortSignal as unknown as new () => unknown)());",
    "  return out;",
    "}",
    "export async function aborts() {",
    "  const c = new AbortController();",
    "  const seen: string[] = [];",
    "  c.signal.addEventListener('abort', (e) => seen.push(e.type), { once: true });",
    "  c.signal.onabort = () => seen.push('onabort');",
    "  c.abort();",
    "  c.abort();",
    "  const reason = c.signal.reason as DOMException;",
    "  const timed = AbortSignal.timeout(50);",
    "  await new Promise((r) => setTimeout(r, 60));",
    "  const any = AbortSignal.any([new AbortController().signal, AbortSignal.abort('why')]);",
    "  const target = new EventTarget();",
    "  let n = 0;",
    "  const fn = () => n++;",
    "  target.addEventListener('x', fn);",
    "  target.addEventListener('x', fn);",
    "  target.dispatchEvent(new Event('x'));",
    "  target.removeEventListener('x', fn);",
    "  target.dispatchEvent(new Event('x'));",
    "  const ev = new Event('y', { cancelable: true });",
    "  ev.preventDefault();",
    "  return { seen, aborted: c.signal.aborted, reason: [reason.name, reason.code, reason instanceof Error], timed: [timed.aborted, (timed.reason as DOMException).name], any: any.reason, n, prevented: ev.defaultPrevented };",
    "}",
    "export async function nodeStreams() {",
    '  const { Readable, Writable, PassThrough, pipeline } = await import("node:stream");',
    '  const { pipeline: pipe } = await import("node:stream/promises");',
    '  const web = await import("node:stream/web");',
    "  const chunks: string[] = [];",
    "  await pipe(Readable.from(['x', 'y']), new Writable({ write(c, _e, cb) { chunks.push(String(c)); cb(); } }));",
    "  const toWeb = await new Response(Readable.toWeb(Readable.from([Buffer.from('he'), Buffer.from('llo')]))).text();",
    "  const fromWeb: string[] = [];",
    "  for await (const c of Readable.fromWeb(new Blob(['web→node']).stream())) fromWeb.push(String(c));",
    "  const through = new PassThrough();",
    "  const piped = new Promise<string>((resolve) => { let s = ''; through.on('data', (c) => (s += c)); through.on('end', () => resolve(s)); });",
    "  through.end('pass');",
    "  return { chunks, toWeb, fromWeb: fromWeb.join(''), piped: await piped, pipeline: typeof pipeline, webSame: web.ReadableStream === ReadableStream, webHasHeaders: 'Headers' in web, isStream: Readable.from([]) instanceof (await import('node:stream')).default };",
    "}",
    "export function shown() {",
    "  const fd = new FormData();",
    "  fd.append('name', 'ada');",
    "  fd.append('file', new File(['hi'], 'a.txt', { type: 'text/plain', lastModified: 1 }));",
    "  const used = new Response('gone');",
    "  void used.text();",
    "  Object.defineProperty(Object.prototype, 'status', { set() { throw new Error('setter ran'); }, configurable: true });",
    "  return {",
    "    res: new Response(JSON.stringify({ a: 1 }), { status: 201, statusText: 'Created', headers: [['X-A', '1'], ['x-a', '2']] }),",
    "    empty: new Response(null, { status: 204 }), used, streamed: new Response(new ReadableStream()),",
    "    req: new Request('http://svc.test/a', { method: 'post', body: 'q=1' }), headers: new Headers({ b: '2' }),",
    "    blob: new Blob(['hi'], { type: 'text/plain' }), form: fd, signal: AbortSignal.abort('why'),",
    "  };",
    "}",
    "export function oneResponse() {",
    "  return new Response('ok', { status: 200 });",
    "}",
    "export async function hostile() {",
    "  const real = Response;",
    "  (globalThis as { Response: unknown }).Response = class Fake {};",
    "  ReadableStream.prototype.getReader = () => { throw new Error('patched'); };",
    "  const r = new real('kept');",
    "  return [typeof (globalThis as { Response: { name: string } }).Response, (globalThis as { Response: { name: string } }).Response.name, await r.text()];",
    "}",
    "",
  ].join("\n"),
};

describe("web platform classes and node's stream inside the sandbox", () => {
  const tmp = tempDir();
  let pool: SandboxPool;
  beforeAll(() => {
    makeRepo(tmp.dir, [{ message: "web", files: FILES }]);
    pool = new SandboxPool(1);
  });
  afterAll(() => {
    pool.close();
    tmp.cleanup();
  });
  const run = async (fn: string): Promise<RunResult> => {
    const job: SimulationJob = { repo: tmp.dir, rev: "HEAD", env: {}, stubs: {}, steps: [{ call: `src/web.ts#${fn}`, args: [], expect: [] }], boundaryPackages: boundaries([]), services: [], limits: DEFAULT_LIMITS };
    const r = await pool.run(job);
    expect(r.error, JSON.stringify(r.error)).toBeUndefined();
    expect(r.steps[0]?.error, JSON.stringify(r.steps[0]?.error)).toBeUndefined();
    return r;
  };

  it("streams pipe through transforms; text streams split a character across chunks", async () => {
    const r = await run("streams");
    expect(r.steps[0]?.result).toEqual({ got: ["A", "B"], text: "€!", refused: "TypeError: Received non-Uint8Array chunk", encoded: [0xc3, 0xa9], tag: "[object ReadableStream]", probe: "function" });
    expect(r.effects).toEqual([]);
  });

  it("Headers, Request, Response, Blob and FormData follow the Fetch standard", async () => {
    const r = await run("bodies");
    expect(r.steps[0]?.result).toEqual({
      headers: [["set-cookie", "a=1"], ["set-cookie", "b=2"], ["x-a", "2"], ["x-b", "1, 3"]],
      cookies: ["a=1", "b=2"],
      get: "1, 3",
      json: { n: 1 },
      copy: '{"n":1}',
      again: "TypeError: Body is unusable: Body has already been read",
      status: 201,
      ok: true,
      type: "application/json",
      used: true,
      url: "http://svc.test/b?q=1",
      method: "POST",
      reqType: "application/x-www-form-urlencoded;charset=UTF-8",
      text: "x=y+z",
      form: "y z",
      blob: [4, "text/plain", "abcd", "bc"],
      multipart: [true, true, true],
      statics: ["application/json", "http://x.test/", "error"],
      isWeb: [true, true, true, true],
    });
  });

  it("what the standards refuse is refused, with a message naming what was expected", async () => {
    const r = await run("refusals");
    expect(r.steps[0]?.result).toEqual([
      'Headers: "bad name" is not a valid HTTP header name',
      "Failed to parse URL from /relative: a Request needs an absolute URL",
      "Request with GET/HEAD method cannot have body",
      "Response constructor: Invalid response status code 204",
      "Illegal constructor",
    ]);
  });

  it("AbortController, AbortSignal (timeout on the virtual clock, any), EventTarget and Event", async () => {
    const r = await run("aborts");
    // As in Node 20: onabort runs at the place it was first set among the listeners, here after the first.
    expect(r.steps[0]?.result).toEqual({ seen: ["abort", "onabort"], aborted: true, reason: ["AbortError", 20, true], timed: [true, "TimeoutError"], any: "why", n: 1, prevented: true });
  });

  it("node's stream runs for real, with Readable.toWeb and Readable.fromWeb, stream/promises and stream/web", async () => {
    const r = await run("nodeStreams");
    expect(r.steps[0]?.result).toEqual({ chunks: ["x", "y"], toWeb: "hello", fromWeb: "web→node", piped: "pass", pipeline: "function", webSame: true, webHasHeaders: false, isStream: true });
    expect(r.effects.map((e) => e.target)).toEqual([]);
  });

  it("a step's Response, Request, Headers, Blob, File, FormData and AbortSignal are shown from their slots, not as Node's {}", async () => {
    const r = await run("shown");
    expect(r.steps[0]?.result).toEqual({
      res: { $response: { status: 201, statusText: "Created", type: "default", url: "", redirected: false, headers: { "x-a": "1, 2", "content-type": "text/plain;charset=UTF-8" }, body: { size: 7, text: '{"a":1}' } } },
      empty: { $response: { status: 204, statusText: "", type: "default", url: "", redirected: false, headers: {}, body: null } },
      used: { $response: { status: 200, statusText: "", type: "default", url: "", redirected: false, headers: { "content-type": "text/plain;charset=UTF-8" }, body: { used: true } } },
      streamed: { $response: { status: 200, statusText: "", type: "default", url: "", redirected: false, headers: {}, body: { stream: true } } },
      req: { $request: { method: "POST", url: "http://svc.test/a", headers: { "content-type": "text/plain;charset=UTF-8" }, body: { size: 3, text: "q=1" } } },
      headers: { $headers: { b: "2" } },
      blob: { $blob: { type: "text/plain", size: 2, text: "hi" } },
      form: { $formData: [["name", "ada"], ["file", { $file: { type: "text/plain", size: 2, text: "hi", name: "a.txt" } }]] },
      signal: { $abortSignal: { aborted: true, reason: "why" } },
    });
    const one = await run("oneResponse");
    expect(one.steps[0]?.result).toEqual({ $response: { status: 200, statusText: "", type: "default", url: "", redirected: false, headers: { "content-type": "text/plain;charset=UTF-8" }, body: { size: 2, text: "ok" } } });
  });

  it("code may replace the globals or patch a prototype; the classes it already holds keep working", async () => {
    const r = await run("hostile");
    expect(r.steps[0]?.result).toEqual(["function", "Fake", "kept"]);
  });
});
