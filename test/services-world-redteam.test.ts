import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScenarioService } from "../servers/scenarios/service.js";
import { boundaries } from "../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type Limits, type RunResult, type SimulationJob, type TraceEvent, type WorldService } from "../servers/scenarios/sandbox/protocol.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";
import { stepScenario } from "./helpers/scenario-fixture.js";

/**
 * Red team of the services world (servers/scenarios/sandbox/services-world.ts and its wiring in prelude.ts):
 * several services of one repo in one isolate, requests and messages between them recorded as trace events.
 * Each test asserts the safe behaviour. A test marked `it.fails` is a hole that is open today: its comment says
 * what breaks and how to fix it (the test turns red, as an unexpected pass, once the hole is closed).
 *
 * Goals: (1) reach the host, (2) forge the record of what crossed, (3) make a failing head pass,
 * (4) crash or hang the pool child, (5) misroute a request on or off the service map.
 */
const json = (o: unknown) => JSON.stringify(o);

const W = 'declare const __wl: any;\nimport http from "node:http";\nimport { Kafka } from "kafkajs";\n';
const FILES: Record<string, string> = {
  // billing: framework-free node http, its charges in module state (in production: its own store).
  "services/billing/src/server.ts": [
    'import { createServer } from "node:http";',
    "const charges: Array<{ order: string; cents: number }> = [];",
    "createServer((req, res) => {",
    '  let body = "";',
    '  req.on("data", (c) => (body += c));',
    '  req.on("end", () => {',
    '    if (req.method === "GET") {',
    '      res.writeHead(200, { "content-type": "application/json" });',
    "      return res.end(JSON.stringify({ charges }));",
    "    }",
    "    const { order, cents } = JSON.parse(body);",
    "    charges.push({ order, cents });",
    '    res.writeHead(201, { "content-type": "application/json" });',
    "    res.end(JSON.stringify({ count: charges.length }));",
    "  });",
    "}).listen(3000);",
    "",
  ].join("\n"),
  // echo: writes what it was handed (method, path, headers, body) to pg, an effect recorded with the prelude's own
  // intrinsics, and answers it back. It reads the request a microtask later, once a caller's patches are undone.
  "services/echo/src/main.ts": [
    'import { createServer } from "node:http";',
    'import { Pool } from "pg";',
    "const db = new Pool();",
    "function handle(req: any, res: any) {",
    '  let body = "";',
    '  req.on("data", (c: unknown) => (body += String(c)));',
    '  req.on("end", () => {',
    '    db.query("seen", [req.method, req.url, req.headers, body]);',
    '    res.setHeader("content-type", "application/json");',
    "    res.end(JSON.stringify({ method: req.method, url: req.url, body }));",
    "  });",
    "}",
    "createServer((req, res) => void queueMicrotask(() => handle(req, res))).listen(5000);",
    "",
  ].join("\n"),
  // notif: a kafkajs consumer; what it was handed goes to pg.
  "services/notif/src/main.ts": [
    'import { Kafka } from "kafkajs";',
    'import { Pool } from "pg";',
    "const db = new Pool();",
    'const consumer = new Kafka({ brokers: ["k:9092"] }).consumer({ groupId: "notif" });',
    "void (async () => {",
    '  await consumer.subscribe({ topic: "paid" });',
    "  await consumer.run({ eachMessage: async ({ topic, message }: any) => void db.query(\"mail\", [topic, message.key, JSON.parse(message.value.toString())]) });",
    '  const ch = await (await (require("amqplib") as any).connect("amqp://mq")).createChannel();',
    '  await ch.consume("paid-q", (m: any) => void db.query("mail", ["paid-q", null, JSON.parse(m.content.toString())]));',
    "})();",
    'new (require("bullmq") as any).Worker("paid-jobs", async (job: any) => void db.query("mail", ["paid-jobs", job.name, { ...job.data }]));',
    "",
  ].join("\n"),
  // alpha and beta: two services behind one gateway origin, told apart by their path prefix.
  "services/alpha/src/main.ts": 'import { createServer } from "node:http";\ncreateServer((req, res) => res.end(JSON.stringify({ service: "alpha", url: req.url }))).listen(80);\n',
  "services/beta/src/main.ts": 'import { createServer } from "node:http";\ncreateServer((req, res) => res.end(JSON.stringify({ service: "beta", url: req.url }))).listen(80);\n',
  // hang: never answers.
  "services/hang/src/main.ts": 'import { createServer } from "node:http";\ncreateServer(() => undefined).listen(1);\n',
  // thrower: its listener throws before it answers (Node would cut the connection).
  "services/thrower/src/main.ts": 'import { createServer } from "node:http";\ncreateServer(() => {\n  throw new Error("thrower is down");\n}).listen(1);\n',
  // loopq: every message on "loop" publishes another one on "loop".
  "services/loopq/src/main.ts": [
    'import { Kafka } from "kafkajs";',
    'const kafka = new Kafka({ brokers: ["k:9092"] });',
    "const producer = kafka.producer();",
    'const consumer = kafka.consumer({ groupId: "loopq" });',
    "void (async () => {",
    '  await consumer.subscribe({ topic: "loop" });',
    '  await consumer.run({ eachMessage: async () => void (await producer.send({ topic: "loop", messages: [{ value: "again" }] })) });',
    "})();",
    "",
  ].join("\n"),
  // selfcall: calls itself synchronously from its listener, and swallows whatever that throws.
  "services/selfcall/src/main.ts": 'import { createServer } from "node:http";\ncreateServer(async (req, res) => {\n  try {\n    await fetch("http://selfcall/again");\n  } catch {}\n  res.end("done");\n}).listen(1);\n',
  // big: a 64 MB answer, written 1 MB at a time.
  "services/big/src/main.ts": 'import { createServer } from "node:http";\nconst mb = "x".repeat(1 << 20);\ncreateServer((req, res) => {\n  for (let i = 0; i < 64; i++) res.write(mb);\n  res.end();\n}).listen(1);\n',
  // after: writes and ends again after its end; answers a second time from a timer.
  "services/after/src/main.ts": 'import { createServer } from "node:http";\ncreateServer((req, res) => {\n  res.end("first");\n  res.write("second");\n  res.end("third");\n  res.statusCode = 500;\n  setTimeout(() => res.end("fourth"), 0);\n}).listen(1);\n',
  // grow: every request adds one more request listener; on /self, one that adds itself again when it runs.
  "services/grow/src/main.ts": [
    'import { createServer } from "node:http";',
    "let n = 0;",
    "const server = createServer((req, res) => {",
    '  if (req.url === "/self") server.on("request", function more() { server.on("request", more); });',
    '  else server.on("request", () => undefined);',
    "  res.end(String(n++));",
    "});",
    "server.listen(1);",
    "",
  ].join("\n"),
  // sloppy: a listener in sloppy mode that looks for the host through its callers and the stack.
  "services/sloppy/src/main.js": [
    'var http = require("http");',
    "function suspicious(v) {",
    "  if (v === undefined || v === null) return false;",
    '  if (typeof v === "object" && (Object.prototype.hasOwnProperty.call(v, "loadEntry") || Object.prototype.hasOwnProperty.call(v, "crossing"))) return true;',
    '  if (typeof v === "function") { var s = Function.prototype.toString.call(v); return s.indexOf("host.") >= 0 || s.indexOf("requireFrom") >= 0 || s.indexOf("loadEntry") >= 0 || s.indexOf("callBoundary") >= 0; }',
    "  return false;",
    "}",
    "var found = [];",
    "function look(where) {",
    "  var prev = Error.prepareStackTrace;",
    "  var frames;",
    "  Error.prepareStackTrace = function (e, cs) { return cs; };",
    "  try { frames = new Error().stack; } finally { Error.prepareStackTrace = prev; }",
    "  for (var i = 0; i < frames.length; i++) {",
    "    var f = frames[i];",
    '    if (suspicious(f.getThis())) found.push(where + ": this of " + f.getFunctionName());',
    '    if (suspicious(f.getFunction())) found.push(where + ": function " + f.getFunctionName());',
    "  }",
    "}",
    "function listener(req, res) {",
    "  var c = null;",
    "  try { c = listener.caller; } catch (e) { c = null; } // a strict listener has no caller to read",
    '  if (c !== null && c !== undefined) found.push("listener.caller is " + typeof c + (suspicious(c) ? " (the world)" : ""));',
    '  look("listener");',
    '  req.on("data", function onData() { look("data"); });',
    '  req.on("end", function onEnd() {',
    '    look("end");',
    '    res.end(JSON.stringify(found), function ended() { look("end callback"); });',
    "  });",
    "}",
    "http.createServer(listener).listen(1);",
    "",
  ].join("\n"),
  // orders: the scenario's entry, one attack per function.
  "services/orders/src/attacks.ts": [
    W,
    'const producer = new Kafka({ brokers: ["k:9092"] }).producer();',
    "const paid = (cents: number) => JSON.stringify({ order: \"o7\", cents });",
    "const json = async (r: any) => (typeof r.json === \"function\" ? r.json() : r);",
    "",
    "// ---- goal 2: forge the record",
    "export async function mutateAfterSend() {",
    '  const msg: any = { key: "o7", value: paid(1030) };',
    '  await producer.send({ topic: "paid", messages: [msg] });',
    "  msg.value = paid(999999);",
    '  return "sent";',
    "}",
    "export async function getterValue() {",
    "  let sent = false;",
    '  const msg = { key: "o7", get value() { return sent ? paid(999999) : paid(1030); } };',
    '  const p = producer.send({ topic: "paid", messages: [msg] });',
    "  sent = true;",
    "  await p;",
    '  return "sent";',
    "}",
    "export async function mutateBullmq() {",
    '  const { Queue } = require("bullmq");',
    '  const data = { order: "o7", cents: 1030 };',
    '  await new Queue("paid-jobs").add("charge", data);',
    "  data.cents = 999999;",
    '  return "sent";',
    "}",
    "export async function mutateAmqp() {",
    '  const amqp = require("amqplib");',
    '  const ch = await (await amqp.connect("amqp://mq")).createChannel();',
    "  const content = Buffer.from(paid(1030));",
    '  ch.sendToQueue("paid-q", content);',
    "  Buffer.from(paid(9030)).copy(content);",
    '  return "sent";',
    "}",
    "export async function hiddenIndexOf() {",
    "  const indexOf = Array.prototype.indexOf;",
    '  Array.prototype.indexOf = function (this: unknown[], v: unknown, ...rest: unknown[]) { return v === "paid" ? -1 : (indexOf as any).call(this, v, ...rest); } as any;',
    '  await producer.send({ topic: "paid", messages: [{ key: "o7", value: paid(1030) }] });',
    "  await new Promise((r) => setTimeout(r, 5));",
    "  Array.prototype.indexOf = indexOf;",
    '  return "sent";',
    "}",
    "export async function timerHidden() {",
    '  setTimeout(fetch, 0, "http://billing:3000/charges", { method: "POST", body: JSON.stringify({ order: "hidden", cents: 5000 }) });',
    "  await new Promise((r) => setTimeout(r, 5));",
    '  const r = await fetch("http://billing:3000/charges");',
    "  return (await r.json()).charges;",
    "}",
    "export async function timerHiddenMessage() {",
    '  setTimeout(producer.send, 0, { topic: "paid", messages: [{ key: "hidden", value: paid(5000) }] });',
    "  await new Promise((r) => setTimeout(r, 5));",
    '  return "sent";',
    "}",
    "export async function exitHidden() {",
    '  const p = (__wl.exit(0, -1), fetch("http://billing:3000/charges", { method: "POST", body: JSON.stringify({ order: "hidden", cents: 5000 }) }));',
    "  await p;",
    '  const r = await fetch("http://billing:3000/charges");',
    "  return (await r.json()).charges;",
    "}",
    "export async function paddedHidden(pad: number) {",
    "  let n = 0;",
    "  for (let i = 0; i < pad; i++) {",
    "    n++;",
    "  }",
    '  await fetch("http://billing:3000/charges", { method: "POST", body: JSON.stringify({ order: "hidden", cents: 5000 }) });',
    '  const r = await fetch("http://billing:3000/charges");',
    "  return (await r.json()).charges;",
    "}",
    "/** Two requests whose bodies differ only past what a crossing keeps: the test compares their records. */",
    "export async function twoBodies(kind: string) {",
    "  const make = (cents: number): string => {",
    '    if (kind === "key51") return JSON.stringify({ ...Object.fromEntries(Array.from({ length: 50 }, (_, i) => ["m" + i, i])), cents });',
    '    if (kind === "deep") return JSON.stringify({ a: { b: { c: { d: { e: { cents } } } } } });',
    '    if (kind === "item51") return JSON.stringify([...Array(50).fill(0), cents]);',
    '    if (kind === "longString") return JSON.stringify({ note: "n".repeat(3000) + cents });',
    '    return "text ".repeat(500) + cents; // not JSON, past 2000 characters',
    "  };",
    '  await fetch("http://echo:5000/one", { method: "POST", body: make(1000) });',
    '  await fetch("http://echo:5000/two", { method: "POST", body: make(9000) });',
    '  return "sent";',
    "}",
    "",
    "/** Built-ins rewritten for the length of one request; the request is then compared with what echo was handed. */",
    "const patches: Record<string, () => () => void> = {",
    "  string() {",
    "    const P = String.prototype as any; const saved = { toLowerCase: P.toLowerCase, toUpperCase: P.toUpperCase, trim: P.trim, slice: P.slice, indexOf: P.indexOf, split: P.split, replace: P.replace, charCodeAt: P.charCodeAt, codePointAt: P.codePointAt };",
    '    P.toLowerCase = () => "x-forged"; P.toUpperCase = () => "DELETE"; P.trim = () => "forged"; P.slice = () => "/forged"; P.indexOf = () => -1; P.split = () => ["forged"]; P.replace = () => "forged"; P.charCodeAt = () => 0xd800; P.codePointAt = () => 0x10000;',
    "    return () => Object.assign(P, saved);",
    "  },",
    "  array() {",
    "    const P = Array.prototype as any; const saved = { map: P.map, join: P.join, push: P.push, indexOf: P.indexOf, slice: P.slice, concat: P.concat, iterator: P[Symbol.iterator] };",
    '    P.map = () => ["forged"]; P.join = () => "forged"; P.push = () => 0; P.indexOf = () => -1; P.slice = () => []; P.concat = () => [];',
    '    P[Symbol.iterator] = function* () { yield "forged"; };',
    "    return () => { const { iterator, ...rest } = saved; Object.assign(P, rest); P[Symbol.iterator] = iterator; };",
    "  },",
    "  iterator() {",
    "    const I = Object.getPrototypeOf([][Symbol.iterator]()); const next = I.next;",
    "    I.next = () => ({ done: true, value: undefined });",
    "    return () => void (I.next = next);",
    "  },",
    "  json() {",
    "    const { parse, stringify } = JSON;",
    '    JSON.parse = () => ({ forged: true }); JSON.stringify = () => \'{"forged":true}\';',
    "    return () => Object.assign(JSON, { parse, stringify });",
    "  },",
    "  objectReflect() {",
    "    const saved = { keys: Object.keys, entries: Object.entries, assign: Object.assign, hasOwn: Object.hasOwn, create: Object.create, defineProperty: Object.defineProperty };",
    "    const r = { apply: Reflect.apply, ownKeys: Reflect.ownKeys, defineProperty: Reflect.defineProperty, getOwnPropertyDescriptor: Reflect.getOwnPropertyDescriptor };",
    "    const restore = () => { saved.defineProperty(Object, 'keys', { value: saved.keys, writable: true, configurable: true }); for (const k of ['entries', 'assign', 'hasOwn', 'create', 'defineProperty']) (Object as any)[k] = (saved as any)[k]; for (const k of Object.getOwnPropertyNames(r)) (Reflect as any)[k] = (r as any)[k]; };",
    "    (Object as any).keys = () => []; (Object as any).entries = () => []; (Object as any).hasOwn = () => false;",
    "    (Reflect as any).apply = () => undefined; (Reflect as any).ownKeys = () => []; (Reflect as any).getOwnPropertyDescriptor = () => undefined;",
    "    return restore;",
    "  },",
    "  protoAccessors() {",
    '    const names = ["body", "headers", "url", "method", "status", "statusCode", "from", "to", "topic", "0", "1"];',
    "    const targets = [Object.prototype, Array.prototype];",
    "    for (const t of targets) for (const k of names) if (!Object.prototype.hasOwnProperty.call(t, k)) Object.defineProperty(t, k, { get: () => \"forged\", set: () => undefined, configurable: true });",
    "    return () => { for (const t of targets) for (const k of names) { const d = Object.getOwnPropertyDescriptor(t, k); if (d && d.configurable && d.get) delete (t as any)[k]; } };",
    "  },",
    "  promise() {",
    "    const P = Promise as any; const saved = { then: P.prototype.then, resolve: P.resolve, reject: P.reject, all: P.all };",
    '    P.prototype.then = function (this: unknown) { return this; }; P.resolve = () => saved.resolve.call(P, "forged"); P.reject = () => saved.resolve.call(P, "forged");',
    "    return () => { P.prototype.then = saved.then; P.resolve = saved.resolve; P.reject = saved.reject; };",
    "  },",
    "  functionProto() {",
    "    const F = Function.prototype as any; const saved = { call: F.call, apply: F.apply, bind: F.bind };",
    "    F.call = function () { return \"forged\"; }; F.apply = function () { return \"forged\"; }; F.bind = function () { return () => \"forged\"; };",
    "    return () => { Object.defineProperty(F, 'call', { value: saved.call, writable: true, configurable: true }); Object.defineProperty(F, 'apply', { value: saved.apply, writable: true, configurable: true }); Object.defineProperty(F, 'bind', { value: saved.bind, writable: true, configurable: true }); };",
    "  },",
    "  events() {",
    '    const E = (require("events") as any).EventEmitter.prototype; const saved = { emit: E.emit, on: E.on, once: E.once };',
    '    E.emit = function (this: any, name: string, ...a: unknown[]) { return saved.emit.call(this, name, ...(name === "data" ? ["forged"] : a)); };',
    '    E.on = function (this: any, name: string, fn: any) { return saved.on.call(this, name, name === "data" ? () => fn("forged") : fn); };',
    "    E.once = E.on;",
    "    return () => Object.assign(E, saved);",
    "  },",
    "  buffer() {",
    '    const B = (require("buffer") as any).Buffer; const from = B.from; const toString = B.prototype.toString;',
    '    B.from = () => from.call(B, "forged"); B.prototype.toString = () => "forged";',
    "    return () => { B.from = from; B.prototype.toString = toString; };",
    "  },",
    "};",
    "export async function patched(kind: string) {",
    '  await fetch("http://echo:5000/warm");',
    '  const body = JSON.stringify({ order: "o7", cents: 1030 });',
    '  const init = { method: "post", headers: { "X-Token": "real", "Content-Type": "application/json" }, body };',
    "  const restore = patches[kind]!();",
    "  let p: any;",
    "  try {",
    '    p = fetch("http://echo:5000/path?q=1", init);',
    "  } finally {",
    "    restore();",
    "  }",
    "  const r = await p;",
    "  return { status: r.status, body: await r.text() };",
    "}",
    "",
    "/** Hostile objects as the URL, headers and body: each is read once, the record is what was handed on. */",
    "export async function hostileInputs() {",
    "  let h = 0, u = 0, b = 0, k = 0;",
    '  const url = { get href() { return u++ === 0 ? "http://echo:5000/first" : "http://echo:5000/second"; } };',
    '  const headers = new Proxy({ "x-token": "real" } as Record<string, string>, { ownKeys: () => (k++ === 0 ? ["x-token"] : ["x-token", "x-extra"]), getOwnPropertyDescriptor: (t, p) => ({ value: (t as any)[p] ?? "extra", enumerable: true, configurable: true }), get: (t, p) => (p === "x-token" ? (h++ === 0 ? "real" : "forged") : (t as any)[p]) });',
    '  const body = { toString: () => (b++ === 0 ? \'{"cents":1030}\' : \'{"cents":999999}\'), toJSON: () => ({ cents: 7 }) };',
    '  const r = await fetch(url as any, { method: { toString: () => "POST" } as any, headers, body: body as any });',
    "  return { status: r.status, body: await r.text() };",
    "}",
    "",
    "// ---- goal 4: crash or hang",
    "export async function toHang() {",
    '  const r = await fetch("http://hang/x");',
    "  return r.status;",
    "}",
    "export async function leakedInFlight(service: string, n: number) {",
    "  for (let i = 0; i < n; i++) {",
    "    try {",
    '      void fetch("http://" + service + "/x").catch(() => undefined);',
    "    } catch {}",
    "  }",
    '  const r = await fetch("http://billing:3000/charges");',
    "  return r.status;",
    "}",
    "export async function loopMessages() {",
    '  await producer.send({ topic: "loop", messages: [{ value: "start" }] });',
    '  return "sent";',
    "}",
    "export async function toSelf() {",
    '  const r = await fetch("http://selfcall/x");',
    "  return r.status;",
    "}",
    "export async function toBig() {",
    '  const r = await fetch("http://big/x");',
    "  return (await r.text()).length;",
    "}",
    "export async function hugeRequest() {",
    '  const r = await fetch("http://echo:5000/huge", { method: "POST", body: "y".repeat(48 << 20) });',
    "  return r.status;",
    "}",
    "export async function deepJson() {",
    '  const r = await fetch("http://echo:5000/deep", { method: "POST", body: "[".repeat(200000) + "]".repeat(200000) });',
    "  return r.status;",
    "}",
    "export async function afterEnd() {",
    '  const r = await fetch("http://after/x");',
    "  const text = await r.text();",
    "  await new Promise((res) => setTimeout(res, 5));",
    "  return { status: r.status, text };",
    "}",
    "export async function growing(n: number, path: string) {",
    "  let last = \"\";",
    '  for (let i = 0; i < n; i++) last = await (await fetch("http://grow" + path)).text();',
    "  return last;",
    "}",
    "export async function manySequential(n: number) {",
    '  for (let i = 0; i < n; i++) await fetch("http://alpha-only/alpha");',
    '  return "done";',
    "}",
    "export async function toSloppy() {",
    '  const r = await fetch("http://sloppy/x", { method: "POST", body: "b" });',
    "  return JSON.parse(await r.text());",
    "}",
    "export async function toService(url: string) {",
    "  const r: any = await fetch(url);",
    '  return typeof r.status === "number" ? r.status : "stand-in";',
    "}",
    "",
    "// ---- goal 1: reach the host from what the world hands out",
    "export async function surface() {",
    '  const mods: Record<string, any> = { http, https: require("https"), undici: require("undici"), axios: require("axios"), nodeFetch: require("node-fetch"), kafkajs: require("kafkajs"), nodeHttp: require("node:http") };',
    "  const k = new mods.kafkajs.Kafka({});",
    "  const roots: unknown[] = [...Object.values(mods), k, k.producer(), k.consumer({}), fetch, mods.axios.create({ baseURL: \"http://x\" }), http.createServer(() => undefined)];",
    '  const r: any = await fetch("http://alpha-only/alpha");',
    "  roots.push(r, r.headers);",
    "  const seen = new Set<unknown>();",
    "  const found: string[] = [];",
    "  const queue: Array<[unknown, string]> = roots.map((x, i) => [x, `root${i}`]);",
    "  while (queue.length && seen.size < 20000) {",
    "    const [v, path] = queue.shift()!;",
    '    if (v === null || (typeof v !== "object" && typeof v !== "function") || seen.has(v)) continue;',
    "    seen.add(v);",
    '    for (const name of ["loadEntry", "crossing", "currentFile", "boundary", "standIn"]) if (Object.prototype.hasOwnProperty.call(v, name)) found.push(`${path}.${name}`);',
    "    let keys: (string | symbol)[] = [];",
    "    try { keys = Reflect.ownKeys(v as object); } catch {}",
    "    for (const key of keys) {",
    "      let d: PropertyDescriptor | undefined;",
    "      try { d = Reflect.getOwnPropertyDescriptor(v as object, key); } catch {}",
    "      if (!d) continue;",
    "      for (const x of [d.value, d.get, d.set]) queue.push([x, `${path}.${String(key)}`]);",
    "    }",
    "    try { queue.push([Reflect.getPrototypeOf(v as object), `${path}.__proto__`]); } catch {}",
    "  }",
    "  return { found, seen: seen.size };",
    "}",
    "",
    "// ---- goal 5: misroute",
    "export function viaHttp(url: string | null, opts: any) {",
    "  return new Promise((resolve) => {",
    '    const cb = (res: any) => { let t = ""; res.on("data", (c: unknown) => (t += String(c))); res.on("end", () => resolve({ status: res.statusCode, body: t })); };',
    "    const req: any = url === null ? http.request(opts, cb) : http.request(url, opts, cb);",
    "    req.end();",
    '    setTimeout(() => resolve("stand-in"), 20);',
    "  });",
    "}",
    "",
  ].join("\n"),
  // A listener outside the repo: a service entry that reaches it must not load it.
  "services/esc/src/keep.ts": "export const x = 1;\n",
};

const svc = (name: string, entry: string, urls: string[], consumes: string[] = []): WorldService => ({ name, dir: `services/${name}`, entry: `services/${name}/src/${entry}`, urls, consumes });
const SERVICES: WorldService[] = [
  { name: "orders", dir: "services/orders", entry: "services/orders/src/attacks.ts", urls: ["http://orders:3000"], consumes: [] },
  svc("billing", "server.ts", ["http://billing:3000"]),
  svc("echo", "main.ts", ["http://echo:5000"]),
  svc("notif", "main.ts", [], ["paid", "paid-q", "paid-jobs"]),
  svc("alpha", "main.ts", ["http://gw/alpha", "http://alpha-only"]),
  svc("beta", "main.ts", ["http://gw/beta"]),
  svc("hang", "main.ts", ["http://hang"]),
  svc("thrower", "main.ts", ["http://thrower"]),
  svc("loopq", "main.ts", [], ["loop"]),
  svc("selfcall", "main.ts", ["http://selfcall"]),
  svc("big", "main.ts", ["http://big"]),
  svc("after", "main.ts", ["http://after"]),
  svc("grow", "main.ts", ["http://grow"]),
  svc("sloppy", "main.js", ["http://sloppy"]),
];

const crossings = (r: RunResult): TraceEvent[] => r.trace.filter((e) => e.kind === "request" || e.kind === "response" || e.kind === "message");
const value = (e: TraceEvent | undefined) => (e?.value ?? {}) as Record<string, unknown>;
const requests = (r: RunResult) => crossings(r).filter((e) => e.kind === "request").map(value);
/** The second argument of each pg query `sql` (what echo or notif was handed), as the effect recorded it. */
const effectArgs = (r: RunResult, sql: string) => r.effects.filter((e) => e.target === "pg#Pool.query" && (e.args as unknown[])[0] === sql).map((e) => (e.args as unknown[])[1] as unknown[]);
const died = (r: RunResult) => /simulation process died/.test(r.error?.reason ?? "");

describe("red team: the services world", () => {
  const tmp = tempDir("worldline-sw-redteam-");
  const outside = tempDir("worldline-sw-outside-");
  let pool: SandboxPool;
  beforeAll(() => {
    makeRepo(tmp.dir, [{ message: "services", files: FILES }]);
    // Links from inside the repo to files outside it (a host file, a listener that would leak a secret).
    writeFileSync(join(outside.dir, "leak.js"), 'require("http").createServer(function (q, s) { s.end("OUTSIDE-SECRET-7f3a"); }).listen(1);\n');
    mkdirSync(join(tmp.dir, "services/esc/src"), { recursive: true });
    symlinkSync(join(outside.dir, "leak.js"), join(tmp.dir, "services/esc/src/leak.js"));
    symlinkSync("/etc/passwd", join(tmp.dir, "services/esc/src/passwd.js"));
    pool = new SandboxPool(1);
  });
  afterAll(() => {
    pool.close();
    tmp.cleanup();
    outside.cleanup();
  });
  const run = (fn: string, args: unknown[] = [], services = SERVICES, limits: Limits = DEFAULT_LIMITS): Promise<RunResult> => {
    const job: SimulationJob = { repo: tmp.dir, rev: "WORKTREE", env: {}, stubs: {}, steps: [{ call: `services/orders/src/attacks.ts#${fn}`, args, expect: [] }], boundaryPackages: boundaries([]), services, limits };
    return pool.run(job);
  };
  const ok = async (fn: string, args: unknown[] = [], services = SERVICES, limits: Limits = DEFAULT_LIMITS) => {
    const r = await run(fn, args, services, limits);
    expect(r.error, json(r.error)).toBeUndefined();
    expect(r.steps[0]?.error, json(r.steps[0]?.error)).toBeUndefined();
    return r;
  };
  /** The pool child still answers a plain request after an attack. */
  const stillServes = async () => {
    const r = await ok("toService", ["http://alpha-only/alpha"]);
    expect(r.steps[0]?.result).toBe(200);
  };

  // ======================================================================================================
  describe("goal 1: reach the host", () => {
    it.each([
      ["a relative entry that climbs out", "../../../../../../../../etc/passwd"],
      ["an absolute entry", "/etc/passwd"],
      ["a climb hidden in the middle", "services/esc/../../../../../../../etc/hostname"],
      ["a link in the repo to a host file", "services/esc/src/passwd.js"],
      ["a link in the repo to a listener outside it", "services/esc/src/leak.js"],
      ["a NUL-prefixed port name", "\u0000worldline:events"],
    ])("a service entry cannot load a file outside the repo: %s", async (_what, entry) => {
      const services = [...SERVICES, { name: "esc", dir: "services/esc", entry, urls: ["http://esc"], consumes: [] }];
      const r = await run("toService", ["http://esc/x"], services);
      const text = json(r);
      expect(text).not.toContain("root:x:0:0");
      expect(text).not.toContain("OUTSIDE-SECRET-7f3a");
      expect(r.steps[0]?.result).not.toBe(200);
      // Refused (the run ends in error), or, for a link, its text (the target's path) evaluated as code: a SyntaxError.
      expect(r.status === "error" || r.steps[0]?.error?.name === "SyntaxError", text.slice(0, 400)).toBe(true);
    });

    it("the world's modules, clients, servers and responses lead to no host function (loadEntry, crossing, boundary)", async () => {
      const r = await ok("surface");
      const res = r.steps[0]?.result as { found: string[]; seen: number };
      expect(res.found).toEqual([]);
      expect(res.seen).toBeGreaterThan(50);
    });

    it("a sloppy listener finds no caller and no frame of the world (listener.caller, Error.prepareStackTrace call sites)", async () => {
      const r = await ok("toSloppy");
      expect(r.steps[0]?.result).toEqual([]);
    });
  });

  // ======================================================================================================
  describe("goal 2: forge the record", () => {
    it("a kafkajs message changed after send() is delivered as changed, so its record is what the consumer got", async () => {
      // FIXED, was a hole: publish() records the message at send() (textOf(message.value)) but the consumer is handed
      // Buffer.from(textOf(message.value)) read again at the next virtual tick, and message.key/headers as the live
      // objects. The sender mutates the message in between: the trace says cents 1030, notif is handed 999999.
      // Fix: in publish, read key, value and headers once (textOf, headersOf) into a frozen snapshot; record that
      // snapshot and deliver that snapshot (a fresh Buffer of the recorded text), never the caller's object.
      const r = await ok("mutateAfterSend");
      const recorded = value(crossings(r).find((e) => e.kind === "message")).value;
      const handed = effectArgs(r, "mail")[0];
      expect(recorded).toEqual({ order: "o7", cents: 1030 });
      expect(handed?.[2]).toEqual(recorded);
    });

    it("a kafkajs message whose value is a getter is read once: record and delivery agree", async () => {
      // FIXED, was a hole: the same late read, through a getter that answers 1030 while send() runs and 999999 after. Fix as above.
      const r = await ok("getterValue");
      const recorded = value(crossings(r).find((e) => e.kind === "message")).value;
      const handed = effectArgs(r, "mail")[0];
      expect(handed?.[2]).toEqual(recorded);
    });

    it("a bullmq job's data changed after add() is delivered as changed, so its record is what the worker got", async () => {
      // FIXED, was a hole: bullmq's add() publishes { value: data } and the Worker is handed `data: m.value`, the sender's own
      // object, a tick later; the record is a copy made at add(). Fix: as for kafkajs, deliver a copy of what was
      // recorded (a structured clone made at publish with captured intrinsics), never the sender's object.
      const r = await ok("mutateBullmq");
      const recorded = value(crossings(r).find((e) => e.kind === "message")).value;
      const handed = effectArgs(r, "mail")[0];
      expect(recorded).toEqual({ order: "o7", cents: 1030 });
      expect(handed?.[2]).toEqual(recorded);
    });

    it("an amqplib message whose Buffer is overwritten after sendToQueue() is delivered as recorded", async () => {
      // FIXED, was a hole: sendToQueue keeps the sender's Buffer and decodes it again at delivery (textOf(m.value)); the
      // sender overwrites its bytes in between. Fix: decode once at publish, deliver a fresh Buffer of that text.
      const r = await ok("mutateAmqp");
      const recorded = value(crossings(r).find((e) => e.kind === "message")).value;
      const handed = effectArgs(r, "mail")[0];
      expect(recorded).toEqual({ order: "o7", cents: 1030 });
      expect(handed?.[2]).toEqual(recorded);
    });

    it("a recorded message is delivered even when Array.prototype.indexOf is rewritten", async () => {
      // FIXED, was a hole (low): the delivery loop asks `sub.topics.indexOf(topic)` on a plain array, so a rewritten
      // Array.prototype.indexOf drops the delivery while the trace still shows the message as sent to its consumer.
      // Fix: compare topics with a loop (or keep them in a null-prototype dictionary), as the rest of the file does.
      const r = await ok("hiddenIndexOf");
      expect(crossings(r).filter((e) => e.kind === "message")).toHaveLength(1);
      expect(effectArgs(r, "mail")).toHaveLength(1);
    });

    it("a request made from a timer with no repo frame (setTimeout(fetch, 0, url, init)) is recorded", async () => {
      // FIXED, was a hole: host.crossing drops every crossing made while lastSite < 0 (prelude.ts `if (lastSite < 0) return;`).
      // A timer starts at site -1, so setTimeout(fetch, 0, ...) crosses into billing unrecorded: billing holds
      // the "hidden" charge, the trace has no request for it. Fix: never drop a crossing; record it at the
      // site of the code that scheduled it, or at -1 with the sending service (the runner can show
      // "(outside the repo's code)"), and keep crossings out of the cap (see the truncation test).
      const r = await ok("timerHidden");
      expect(r.steps[0]?.result).toEqual([{ order: "hidden", cents: 5000 }]);
      expect(requests(r).filter((v) => v.method === "POST")).toHaveLength(1);
    });

    it("a message published from a timer with no repo frame is recorded", async () => {
      // FIXED, was a hole: as above for kafkajs: setTimeout(producer.send, 0, {...}) publishes unrecorded, the consumer runs.
      const r = await ok("timerHiddenMessage");
      expect(effectArgs(r, "mail")).toHaveLength(1);
      expect(crossings(r).filter((e) => e.kind === "message")).toHaveLength(1);
    });

    it("a request after the code sets its own site to -1 through the recorder (__wl.exit(0, -1)) is recorded", async () => {
      // FIXED, was a hole: the recorder's exit accepts -1 as a caller, by design ("a repo site or none"); with the rule above
      // that turns every crossing of the same statement into no record at all. Fix: as above (never drop a
      // crossing on lastSite < 0); an exit(…, -1) then only loses the line, not the crossing.
      const r = await ok("exitHidden");
      expect(r.steps[0]?.result).toEqual([{ order: "hidden", cents: 5000 }]);
      expect(requests(r).filter((v) => v.method === "POST")).toHaveLength(1);
    });

    it("a request made once the trace is full is still recorded (crossings are not cut with the trace)", async () => {
      // FIXED, was a hole: a crossing is one more trace event, so once maxEvents is reached it is only counted. The head pads
      // its trace with a loop and then charges: no request, no response in the record. Fix: keep crossings in a
      // list of their own (bounded by MAX_CROSSINGS, already a run error past 20 000) that the event cap never
      // cuts, or, at the least, make a run whose crossings were cut not comparable (at-risk, "crossings cut").
      const limits = { ...DEFAULT_LIMITS, maxEvents: 500 };
      const r = await ok("paddedHidden", [600], SERVICES, limits);
      expect(r.truncated).toBeGreaterThan(0);
      expect(r.steps[0]?.result).toEqual([{ order: "hidden", cents: 5000 }]);
      expect(requests(r).filter((v) => v.method === "POST")).toHaveLength(1);
    });

    for (const [kind, broken] of [
      ["key51", false],
      ["item51", false],
      ["deep", false],
      ["longString", false],
      ["text", false],
    ] as const) {
      (broken ? it.fails : it)(`two requests whose bodies differ only in ${kind} have different records`, async () => {
        // FIXED, was a hole: a crossing is copied as a trace value with CROSSING limits (50 keys,
        // 50 items, 5 levels, 2000 characters) and nothing else: two different bodies can record identically, and
        // crossingsOf then calls them `same`. A non-JSON body is cut at 2000 characters without even its length.
        // (A long JSON string keeps its length in the cut: a tail of the same length still hides.)
        // Fix: as for effects (prelude callBoundary), add a digest of the whole text to the crossing when the copy
        // is cut (`$digest` over the raw body and headers), and keep the text length in bodyValue's cut.
        const r = await ok("twoBodies", [kind]);
        const [one, two] = requests(r);
        expect(one?.url).toBe("http://echo:5000/one");
        expect(json(one?.body)).not.toBe(json(two?.body));
      });
    }

    for (const kind of ["string", "array", "iterator", "json", "objectReflect", "protoAccessors", "promise", "functionProto", "buffer", "events"]) {
      const broken = kind === "events" || kind === "protoAccessors";
      (broken ? it.fails : it)(`built-ins rewritten during a request (${kind}) do not make the record differ from what the listener was handed`, async () => {
        // HOLES where marked, all low: what the *other* service's listener is handed differs from the record, while the
        // record keeps what the sender sent (so no head can make itself look like base this way; the services are
        // just not isolated from each other as processes are).
        // - events: req/res are built on the `events` port every service shares, and readable() captures `o.on`
        //   when the request is made; a caller that rewrites EventEmitter.prototype.on for that moment rewrites
        //   the body the listener reads ("forged"). Fix: an emitter private to the world (a minimal one written in
        //   services-world.ts with captured intrinsics, or a second copy of the port loaded for the world only).
        // - protoAccessors: req/res fields are set by assignment (req.method = …), so setters on Object.prototype
        //   swallow them (the listener sees method, url and headers undefined), and `chain[chain.length] = …` is
        //   swallowed by a setter on Array.prototype[0], so res.end's `chain.length = chain.length - 1` throws
        //   RangeError and the run ends "threw outside its steps", blamed on the listener. Fix: define fields with
        //   the captured defineProperty; keep `chain` (and listeners, subscriptions) in null-prototype lists.
        // - string: the working tree's byteLength() (the content-length the world adds) calls text.charCodeAt,
        //   not a captured one: a rewritten String.prototype.charCodeAt makes it 56 for a 27-byte body. Fix:
        //   capture charCodeAt at install like the other string functions.
        const r = await ok("patched", [kind]);
        const rec = requests(r).find((v) => typeof v.url === "string" && (v.url as string).endsWith("/path?q=1"));
        const seen = effectArgs(r, "seen").find((a) => a[1] === "/path?q=1");
        expect(rec, json(requests(r))).toBeDefined();
        expect(seen, json(r.effects)).toBeDefined();
        const [method, url, headers, body] = seen as [string, string, Record<string, string>, string];
        expect(rec?.method).toBe(method);
        expect(rec?.method).toBe("POST");
        expect(rec?.url).toBe(`http://echo:5000${url}`);
        expect((rec?.headers as Record<string, string> | undefined)?.["x-token"]).toBe(headers?.["x-token"]);
        expect(rec?.body).toEqual(JSON.parse(body));
        // A content-length the world adds is the body's own (a body parser reads that many bytes).
        if (headers["content-length"] !== undefined) expect(Number(headers["content-length"])).toBe(Buffer.byteLength(body));
        // And the response the caller read is the one recorded.
        const resp = value(crossings(r).filter((e) => e.kind === "response").at(-1));
        const got = r.steps[0]?.result as { status: number; body: string };
        expect(got.status).toBe(resp.status);
        expect(JSON.parse(got.body)).toEqual(resp.body);
      });
    }

    it("a URL, headers and body that answer differently on each read are read once: the record is what was handed on", async () => {
      const r = await ok("hostileInputs");
      const rec = requests(r)[0] ?? {};
      const seen = effectArgs(r, "seen")[0] as [string, string, Record<string, string>, string];
      expect(seen, json(r.effects)).toBeDefined();
      expect(rec.url).toBe(`http://echo:5000${seen[1]}`);
      expect(rec.method).toBe(seen[0]);
      expect((rec.headers as Record<string, string>)["x-token"]).toBe(seen[2]["x-token"]);
      expect((rec.headers as Record<string, string>)["x-extra"]).toBe(seen[2]["x-extra"]);
      expect(rec.body).toEqual(JSON.parse(seen[3]));
    });
  });

  // ======================================================================================================
  describe("goal 4: crash or hang the pool child", () => {
    it("a listener that never answers leaves the step pending; the run ends", async () => {
      const r = await run("toHang");
      expect(r.steps[0]?.pending).toBe(true);
      expect(crossings(r).map((e) => e.kind)).toEqual(["request"]);
      await stillServes();
    });

    it("a consumer that republishes to its own topic without end ends the run with a stated reason", { timeout: 120_000 }, async () => {
      const r = await run("loopMessages");
      expect(r.status).toBe("error");
      expect(r.error?.reason).toMatch(/more than 20000 requests and messages between services|CPU time limit/);
      await stillServes();
    });

    it("a service that calls itself synchronously and swallows the errors still ends the run as a loop", async () => {
      const r = await run("toSelf");
      expect(r.status).toBe("error");
      expect(r.error?.reason).toMatch(/^a loop between services: requests nested \d+ deep/);
    });

    it("a 64 MB response ends the run or passes; the child survives either way", { timeout: 120_000 }, async () => {
      const r = await run("toBig");
      expect(died(r), r.error?.reason).toBe(false);
      if (r.status === "error") expect(r.error?.reason).toMatch(/memory limit|CPU time limit/);
      // Near the heap limit the allocation may fail inside the code instead (its own error ends the step): also an end.
      else if (!r.steps[0]?.error) expect(r.steps[0]?.result).toBe(64 << 20);
      await stillServes();
    });

    it("a 48 MB request body ends the run or passes; the child survives either way", { timeout: 120_000 }, async () => {
      const r = await run("hugeRequest");
      expect(died(r), r.error?.reason).toBe(false);
      if (r.status === "error") expect(r.error?.reason).toMatch(/memory limit|CPU time limit/);
      await stillServes();
    });

    it("a body nested 200 000 levels deep does not break the record", { timeout: 120_000 }, async () => {
      const r = await run("deepJson");
      expect(died(r), r.error?.reason).toBe(false);
      if (r.status === "error") expect(r.error?.reason).toMatch(/memory limit|CPU time limit|call stack/);
      else expect(requests(r)[0]?.url).toBe("http://echo:5000/deep");
      await stillServes();
    });

    it("a response written and ended again after its end is answered and recorded once", async () => {
      const r = await ok("afterEnd");
      expect(r.steps[0]?.result).toEqual({ status: 200, text: "first" });
      expect(crossings(r).filter((e) => e.kind === "response").map(value)).toEqual([{ from: "after", to: "orders", status: 200, body: "first" }]);
    });

    it("a listener that adds a listener on each request stays bounded", { timeout: 60_000 }, async () => {
      const r = await ok("growing", [300, "/x"]);
      expect(r.steps[0]?.result).toBe("299");
    });

    it("a listener added while a request is dispatched does not run for that request (as node's emit)", { timeout: 60_000 }, async () => {
      // FIXED, was a hole (low: a run a head can end in a CPU-limit error at will): deliver() walks the live listener list
      // (`for (i < fns.length)`), so a listener added while the request is dispatched runs for it too; one that
      // adds itself again never lets the loop end. Node's emit runs a copy of the list. Fix: copy fns before the loop.
      const r = await ok("growing", [1, "/self"]);
      expect(r.steps[0]?.result).toBe("0");
    });

    it("25 000 requests one after another end the run with a stated reason (the crossing limit, or the CPU or memory budget first)", { timeout: 120_000 }, async () => {
      const r = await run("manySequential", [25_000]);
      expect(r.status).toBe("error");
      // Which limit comes first depends on when the isolate collects garbage: near 20,000 crossings the kept trace
      // is close to the heap limit (each crossing is kept whole). Any of them is a stated end, never a crash or hang.
      expect(r.error?.reason).toMatch(/more than 20000 requests and messages between services|CPU time limit|memory limit of 128 MiB reached/);
      await stillServes();
    });

    it("requests whose listener threw are no longer in flight: the first throw ends the run as Node's crash would, not as a loop", { timeout: 60_000 }, async () => {
      // FIXED, was a hole: deliver() counted a request in flight before it called the listeners, and only
      // res.end/res.destroy took it back, so after enough throwing listeners every request was "a loop between
      // services". A listener's throw now cuts its caller's connection (out of flight) and ends the run as an
      // uncaught exception in that service, as Node's process would end.
      const r = await run("leakedInFlight", ["thrower", 300]);
      expect(r.status).toBe("error");
      expect(r.error?.reason ?? "").not.toMatch(/loop between services/);
      expect(r.error?.reason ?? "").toMatch(/thrower is down/);
    });

    it("300 unanswered requests left behind (fire and forget) do not make the next request a loop", { timeout: 60_000 }, async () => {
      // FIXED, was a hole: the loop test counted requests in flight, not the depth of nested requests, so requests
      // never answered (a service that hangs, a fire-and-forget call) made the next request "a loop". A loop is now
      // the nesting of the request being delivered (each request's parent is the one its service was answering).
      const r = await run("leakedInFlight", ["hang", 300]);
      expect(r.error?.reason ?? "").not.toMatch(/loop between services/);
      expect(r.steps[0]?.result).toBe(200);
    });
  });

  // ======================================================================================================
  describe("goal 5: misroute", () => {
    /** Where the WHATWG URL parser (what fetch, undici and node http use) sends a URL: the mapped service, or undefined. */
    const whatwg = (url: string): string | undefined => {
      const u = new URL(url);
      if (u.origin === "http://echo:5000") return "echo";
      if (u.origin === "http://gw") return u.pathname === "/alpha" || u.pathname.startsWith("/alpha/") ? "alpha" : u.pathname === "/beta" || u.pathname.startsWith("/beta/") ? "beta" : undefined;
      return undefined;
    };
    const routedTo = (r: RunResult): string | undefined => {
      const req = requests(r)[0];
      if (req) return req.to as string;
      expect(r.effects.map((e) => e.target)).toContain("fetch#fetch");
      return undefined;
    };
    // [url, open hole?, what]
    const CASES: Array<[string, "off-to-on" | "on-to-off" | false, string]> = [
      ["http://evil@echo:5000/x", false, "userinfo before the mapped host"],
      ["http://echo:5000@evil.example/x", false, "the mapped host as userinfo"],
      ["HTTP://ECHO:5000/x", false, "upper case"],
      ["http://echo:5000//x", false, "a // path"],
      ["http://evil.example#@echo:5000/x", false, "@ in the fragment"],
      ["http://evil.example?@echo:5000/x", false, "@ in the query"],
      ["http://[::1]:5000/x", false, "IPv6"],
      ["http://echo.:5000/x", false, "a trailing dot (another origin for URL; the same host for DNS)"],
      ["http://evil.example\\@echo:5000/x", false, "a backslash before @ (URL: a path; the world: userinfo)"],
      ["http://gw/beta/../alpha/x", false, "a dot segment across a path prefix"],
      ["http://gw/beta/%2e%2e/alpha/x", false, "an encoded dot segment across a path prefix"],
      ["http://echo:5000\\@evil.example/x", false, "a backslash after the mapped host"],
      ["http://a@b@echo:5000/x", false, "two @ in the authority (URL: the last one counts)"],
      ["http://echo:05000/x", false, "a port with a leading zero"],
      [" http://echo:5000/x", "on-to-off", "leading white space"],
      ["http://ec\tho:5000/x", "on-to-off", "a tab inside the host"],
      ["http:echo:5000/x", "on-to-off", "no slashes after a special scheme"],
      ["http:\\\\echo:5000/x", false, "backslashes for slashes"],
      ["http://ｅｃｈｏ:5000/x", "on-to-off", "full-width letters (IDNA maps them to echo)"],
    ];
    for (const [url, hole, what] of CASES) {
      const name = `${what}: ${JSON.stringify(url)} goes where URL sends it (${whatwg(url) ?? "off the map"})`;
      (hole ? it.fails : it)(name, async () => {
        // HOLE where marked (off-to-on, the dangerous direction: a call that in production leaves the system is simulated as a
        // request to one of its services, so no fetch effect is recorded): parse() in services-world.ts is a
        // regex, not the WHATWG parser. It treats a backslash as part of the authority and takes the first @, and
        // matches path prefixes before dot segments are removed.
        // HOLE where marked (on-to-off, low: a request to a service becomes a stand-in): white space, tabs, a leading-zero port,
        // "http:host", backslashes, two @ and IDNA are all normalised by URL and not by parse().
        // Fix: parse with the WHATWG algorithm (the URL class, from the `url` port or a captured `URL` given by the
        // prelude) and compare origin and pathname; refuse to route (stand-in) a URL that URL cannot parse.
        const r = await ok("toService", [url]);
        expect(routedTo(r)).toBe(whatwg(url));
      });
    }

    /** Node's http.request(url, options): the options override the URL's parts (node's ClientRequest). */
    const HTTP_CASES: Array<[string | null, Record<string, unknown>, string | undefined, boolean, string]> = [
      [null, { hostname: "echo", port: 5000, path: "/x" }, "echo", false, "options only"],
      [null, { host: "evil.example", port: 5000, path: "/x" }, undefined, false, "another host"],
      ["http://echo:5000/x", { hostname: "evil.example" }, undefined, false, "a mapped URL whose options name another host"],
      [null, { hostname: "evil.example", path: "@echo:5000/x" }, undefined, false, "a path that starts with @"],
      ["http://evil.example/x", { hostname: "echo", port: 5000 }, "echo", false, "an unmapped URL whose options name the mapped host"],
    ];
    for (const [url, opts, want, hole, what] of HTTP_CASES) {
      (hole ? it.fails : it)(`node http.request with ${what} goes where node sends it (${want ?? "off the map"})`, async () => {
        // HOLE where marked: request(a, b) takes the URL from `a` alone when `a` is a string and ignores b's hostname, port
        // and path, which node's ClientRequest lets override it; and it joins options as
        // `${protocol}//${hostname}${port}${path}` without requiring path to start with "/", so a path of
        // "@echo:5000/x" makes hostname "evil.example" userinfo of echo. Fix: build the target the way node
        // does (Object.assign(urlToHttpOptions(new URL(a)), b)); reject a path that does not start with "/" or
        // contains characters node refuses; and route on {protocol, hostname, port}, never on a re-joined string.
        const r = await ok("viaHttp", [url, opts]);
        const req = requests(r)[0];
        expect(req?.to).toBe(want);
        if (want === undefined) expect(r.effects.map((e) => e.target)).toContain("http#request");
      });
    }
  });
});

// ========================================================================================================
// Goal 3: a head whose change shows only in what crosses between services, against the real differential.
// Base and head both return what the scenario expects; the change is in what orders sends to billing. The
// verdict must not be `pass` (at least at-risk: "behaviour changed where they do not look").

const BILLING = [
  'import { createServer } from "node:http";',
  "const charges: number[] = [];",
  "createServer((req, res) => {",
  '  let body = "";',
  '  req.on("data", (c) => (body += c));',
  '  req.on("end", () => {',
  "    const cents = JSON.parse(body).cents;",
  "    charges.push(cents);",
  "    // head: a quiet request is answered from a timer",
  '    if (req.headers["x-quiet"]) return void setTimeout(res.end, 0, "{}");',
  '    res.end(JSON.stringify({ ok: true }));',
  "  });",
  "}).listen(3000);",
  "",
].join("\n");
const orders = (body: string, extra = "") =>
  [
    "export async function charge(cents: number) {",
    `  const r = await fetch("http://billing:3000/charges", { method: "POST", body: ${body} });`,
    extra,
    '  return (await r.json()).ok ? "charged" : "refused";',
    "}",
    "",
  ].join("\n");
/** orders through node's http.request(url, options): `more` is added to the options. */
const ordersHttp = (more: string) =>
  [
    'import http from "node:http";',
    "export function charge(cents: number): Promise<string> {",
    "  return new Promise((resolve) => {",
    `    const req = http.request("http://billing:3000/charges", { method: "POST"${more} }, (res) => {`,
    '      let text = "";',
    '      res.on("data", (c) => (text += c));',
    '      res.on("end", () => resolve(JSON.parse(text).ok ? "charged" : "refused"));',
    "    });",
    "    req.end(JSON.stringify({ cents }));",
    "  });",
    "}",
    "",
  ].join("\n");
const CONFIG = JSON.stringify({
  services: {
    billing: { dir: "services/billing", entry: "services/billing/src/server.ts", urls: ["http://billing:3000"] },
    orders: { dir: "services/orders", entry: "services/orders/src/checkout.ts", urls: ["http://orders:3000"] },
  },
});
const META = 'JSON.stringify({ ...Object.fromEntries(Array.from({ length: 50 }, (_, i) => ["m" + i, i])), cents })';
const META_HEAD = 'JSON.stringify({ ...Object.fromEntries(Array.from({ length: 50 }, (_, i) => ["m" + i, i])), cents: cents * 100 })';

describe("red team: goal 3, a head that changes what crosses between services cannot pass", () => {
  const tmp = tempDir("worldline-sw-redteam-diff-");
  afterAll(() => tmp.cleanup());
  let n = 0;
  const differential = async (base: string, head: string) => {
    const dir = join(tmp.dir, `r${n++}`);
    mkdirSync(dir, { recursive: true });
    makeRepo(dir, [
      { message: "base", files: { ".gitignore": ".worldline\n", "worldline.config.json": CONFIG, "services/billing/src/server.ts": BILLING, "services/orders/src/checkout.ts": base } },
      { message: "hostile head", files: { "services/orders/src/checkout.ts": head } },
    ]);
    const service = new ScenarioService(dir);
    try {
      const pinned = await service.pin("HEAD~1", "HEAD");
      return await service.simulateDifferential(stepScenario("charge", "services/orders/src/checkout.ts#charge", [1000], ['result === "charged"']), pinned.base, pinned.head);
    } finally {
      service.close();
    }
  };

  it("control: a head that charges 100 times the amount in a short body is at-risk, its request changed", { timeout: 120_000 }, async () => {
    const r = await differential(orders("JSON.stringify({ cents })"), orders("JSON.stringify({ cents: cents * 100 })"));
    expect(r.verdict.verdict, r.verdict.reason).not.toBe("pass");
    expect(r.verdict.crossings?.some((c) => !c.same)).toBe(true);
  });

  it("a head that charges 100 times the amount past the 50th key of the body is not a pass", { timeout: 120_000 }, async () => {
    // FIXED, was a hole: the request's body is recorded with 50 keys and `$more: 1` on both sides; crossingsOf finds the
    // crossings `same`, results and effects agree, so the verdict is pass ("the path changed but results and
    // effects are the same"). Fix: a digest of the whole body (and headers) in every cut crossing, as effects have.
    const r = await differential(orders(META), orders(META_HEAD));
    expect(r.verdict.verdict, r.verdict.reason).not.toBe("pass");
  });

  it("a head that adds a second, larger charge after filling the trace is not a pass", { timeout: 120_000 }, async () => {
    // FIXED, was a hole: the head's loop fills the trace to maxEvents (50 000); its extra request and billing's response to it
    // are past the cap, so only counted. Head's recorded crossings are base's; the verdict is pass. Fix: crossings
    // in a list the event cap does not cut (or a run with cut crossings is not comparable: at-risk).
    const pad = '  let n = 0;\n  for (let i = 0; i < 60000; i++) {\n    n++;\n  }\n  await fetch("http://billing:3000/charges", { method: "POST", body: JSON.stringify({ cents: cents * 100 }) });';
    const r = await differential(orders("JSON.stringify({ cents })"), orders("JSON.stringify({ cents })", pad));
    expect(r.verdict.verdict, r.verdict.reason).not.toBe("pass");
  });

  it("a head that sends the charge to another host through http.request's options is not a pass", { timeout: 120_000 }, async () => {
    // FIXED, was a hole: node's http.request(url, options) lets options.hostname (port, path) override the URL; the world
    // routes and records by the URL alone. Head adds `hostname: "evil.example"`: in production the charge (and
    // whatever it carries) goes to evil.example, in the simulation it is delivered to billing and recorded exactly
    // as base's request, so crossings, effects and result agree and the verdict is pass. Fix: build the target as
    // node does (Object.assign(urlToHttpOptions(new URL(url)), options)) before routing and recording.
    const r = await differential(ordersHttp(""), ordersHttp(', hostname: "evil.example"'));
    expect(r.verdict.verdict, r.verdict.reason).not.toBe("pass");
  });

  it("a head that adds a second charge from a timer, answered from a timer, is not a pass", { timeout: 120_000 }, async () => {
    // FIXED, was a hole: setTimeout(fetch, 0, …) crosses with lastSite -1, so its request is not recorded; billing answers that
    // request with setTimeout(res.end, 0, …), so its response is not recorded either (billing's code is the same on
    // both sides: the x-quiet branch is already in base). Head's recorded crossings are base's; verdict pass.
    // Fix: never drop a crossing on lastSite < 0 (prelude host.crossing).
    const extra = '  setTimeout(fetch, 0, "http://billing:3000/charges", { method: "POST", headers: { "x-quiet": "1" }, body: JSON.stringify({ cents: cents * 100 }) });\n  await new Promise((r) => setTimeout(r, 5));';
    const r = await differential(orders("JSON.stringify({ cents })"), orders("JSON.stringify({ cents })", extra));
    expect(r.verdict.verdict, r.verdict.reason).not.toBe("pass");
  });
});
