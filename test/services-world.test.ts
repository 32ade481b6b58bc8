import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boundaries } from "../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type RunResult, type SimulationJob, type TraceEvent, type WorldService } from "../servers/scenarios/sandbox/protocol.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";
import { installPackage } from "./helpers/services-fixture.js";

/**
 * Requests and messages between the services of one repo, delivered inside one simulated world
 * (servers/scenarios/sandbox/services-world.ts): each client path, a framework-free listener and one from npm,
 * a queue, a URL off the map, a loop, and a service whose entry starts no server.
 */
const json = (o: unknown) => JSON.stringify(o);
const FILES: Record<string, string> = {
  // billing: framework-free node http; keeps its charges in its own module state.
  "services/billing/src/server.ts": [
    'import { createServer } from "node:http";',
    "const charges: Array<{ order: string; cents: number }> = [];",
    "export const server = createServer((req, res) => {",
    '  let body = "";',
    '  req.on("data", (c) => (body += c));',
    '  req.on("end", () => {',
    '    if (req.method === "GET") {',
    '      res.writeHead(200, { "content-type": "application/json" });',
    "      return res.end(JSON.stringify({ charges }));",
    "    }",
    "    const { order, cents } = JSON.parse(body);",
    "    if (cents <= 0) {",
    "      res.statusCode = 422;",
    '      return res.end(JSON.stringify({ error: "nothing to charge" }));',
    "    }",
    "    const fee = Math.round(cents * 0.03);",
    "    charges.push({ order, cents: cents + fee });",
    '    res.writeHead(201, { "content-type": "application/json" });',
    "    res.end(JSON.stringify({ charged: cents + fee, count: charges.length }));",
    "  });",
    "});",
    "server.listen(3000);",
    "",
  ].join("\n"),
  // pricing: polka, from npm.
  "services/pricing/src/main.ts": [
    'import polka from "polka";',
    "polka()",
    '  .get("/prices/:sku", (req, res) => {',
    '    res.setHeader("content-type", "application/json");',
    '    res.end(JSON.stringify({ sku: req.params.sku, cents: req.params.sku === "book" ? 1200 : 500 }));',
    "  })",
    "  .listen(4000);",
    "",
  ].join("\n"),
  // notifications: a kafkajs consumer that mails.
  "services/notifications/src/main.ts": [
    'import { Kafka } from "kafkajs";',
    'import { Pool } from "pg";',
    "const db = new Pool();",
    'const consumer = new Kafka({ brokers: ["kafka:9092"] }).consumer({ groupId: "notifications" });',
    "async function start() {",
    "  await consumer.connect();",
    '  await consumer.subscribe({ topic: "order-paid" });',
    "  await consumer.run({",
    "    eachMessage: async ({ message }) => {",
    "      const paid = JSON.parse(message.value.toString());",
    '      await db.query("INSERT INTO mails (email, subject) VALUES ($1, $2)", [paid.email, `Order ${paid.order} paid: ${paid.cents}`]);',
    "    },",
    "  });",
    "}",
    "void start();",
    "",
  ].join("\n"),
  // receipts: amqplib and bullmq consumers, each writing what it got.
  "services/receipts/src/main.ts": [
    'import amqp from "amqplib";',
    'import { Worker } from "bullmq";',
    'import { Pool } from "pg";',
    "const db = new Pool();",
    "async function start() {",
    '  const ch = await (await amqp.connect("amqp://rabbit")).createChannel();',
    '  await ch.assertQueue("receipts");',
    '  await ch.consume("receipts", async (msg) => {',
    '    await db.query("INSERT INTO receipts (body) VALUES ($1)", [msg.content.toString()]);',
    "    ch.ack(msg);",
    "  });",
    "}",
    'new Worker("exports", async (job) => {',
    '  await db.query("INSERT INTO exports (name, rows) VALUES ($1, $2)", [job.name, job.data.rows]);',
    "});",
    "void start();",
    "",
  ].join("\n"),
  // ledger: an SQS polling loop (receive, write, delete); audit: an sqs-consumer handler.
  "services/ledger/src/main.ts": [
    'import { SQSClient, ReceiveMessageCommand, DeleteMessageCommand } from "@aws-sdk/client-sqs";',
    'import { Pool } from "pg";',
    "const db = new Pool();",
    "const sqs = new SQSClient({});",
    'const QueueUrl = "https://sqs.eu-west-1.amazonaws.com/123456789012/ledger-entries";',
    "async function poll() {",
    "  for (;;) {",
    "    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20 }));",
    "    for (const m of r.Messages ?? []) {",
    "      const e = JSON.parse(m.Body);",
    '      await db.query("INSERT INTO ledger (order_id, cents) VALUES ($1, $2)", [e.order, e.cents]);',
    "      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));",
    "    }",
    "  }",
    "}",
    "void poll();",
    "",
  ].join("\n"),
  "services/audit/src/main.ts": [
    'import { Consumer } from "sqs-consumer";',
    'import { Pool } from "pg";',
    "const db = new Pool();",
    "Consumer.create({",
    '  queueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/audit-log",',
    "  handleMessage: async (m) => {",
    '    await db.query("INSERT INTO audit (line) VALUES ($1)", [m.Body]);',
    "  },",
    "}).start();",
    "",
  ].join("\n"),
  // ping and pong call each other without end.
  "services/ping/src/main.ts": 'import { createServer } from "node:http";\ncreateServer(async (req, res) => {\n  const r = await fetch("http://pong/hit");\n  res.end(await r.text());\n}).listen(1);\n',
  "services/pong/src/main.ts": 'import { createServer } from "node:http";\ncreateServer(async (req, res) => {\n  const r = await fetch("http://ping/hit");\n  res.end(await r.text());\n}).listen(1);\n',
  "services/silent/src/main.ts": "export const nothing = 1;\n",
  // orders: the entry of every scenario, one client per function.
  "services/orders/src/clients.ts": [
    'import axios from "axios";',
    'import { request as undiciRequest } from "undici";',
    'import http from "node:http";',
    'import { Kafka } from "kafkajs";',
    'const pricing = axios.create({ baseURL: "http://pricing:4000" });',
    'const producer = new Kafka({ brokers: ["kafka:9092"] }).producer();',
    "export async function viaFetch(order: string, cents: number) {",
    '  const r = await fetch("http://billing:3000/charges", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ order, cents }) });',
    "  return { status: r.status, ok: r.ok, type: r.headers.get(\"Content-Type\"), body: await r.json() };",
    "}",
    "export async function twoCharges() {",
    '  await viaFetch("a", 100);',
    '  await viaFetch("b", 200);',
    '  const r = await fetch("http://billing:3000/charges");',
    "  return (await r.json()).charges;",
    "}",
    "export async function viaAxios(sku: string) {",
    "  const r = await pricing.get(`/prices/${sku}`);",
    "  return r.data;",
    "}",
    "export async function axiosRefused() {",
    "  try {",
    '    await axios.post("http://billing:3000/charges", { order: "z", cents: 0 });',
    '    return "no error";',
    "  } catch (e) {",
    "    const err = e as { message: string; response: { status: number; data: unknown } };",
    "    return { message: err.message, status: err.response.status, data: err.response.data };",
    "  }",
    "}",
    "export async function viaUndici() {",
    '  const r = await undiciRequest("http://billing:3000/charges", { method: "POST", body: JSON.stringify({ order: "u", cents: 1000 }) });',
    "  return { status: r.statusCode, body: await r.body.json() };",
    "}",
    "export function viaHttp(): Promise<unknown> {",
    "  return new Promise((resolve, reject) => {",
    '    const req = http.request({ hostname: "billing", port: 3000, path: "/charges", method: "POST", headers: { "content-type": "application/json" } }, (res) => {',
    '      let text = "";',
    '      res.setEncoding("utf8");',
    '      res.on("data", (c: string) => (text += c));',
    '      res.on("end", () => resolve({ status: res.statusCode, body: JSON.parse(text) }));',
    "    });",
    '    req.on("error", reject);',
    '    req.write(JSON.stringify({ order: "h", cents: 2000 }));',
    "    req.end();",
    "  });",
    "}",
    "export async function publishPaid() {",
    "  await producer.connect();",
    '  await producer.send({ topic: "order-paid", messages: [{ key: "o7", value: JSON.stringify({ order: "o7", cents: 1030, email: "ada@example.com" }) }] });',
    '  return "published";',
    "}",
    "export async function viaQueues() {",
    '  const ch = await (await (await import("amqplib")).default.connect("amqp://rabbit")).createChannel();',
    '  ch.sendToQueue("receipts", Buffer.from(JSON.stringify({ order: "o8" })));',
    '  const { Queue } = await import("bullmq");',
    '  await new Queue("exports").add("monthly", { rows: 12 });',
    '  await new Queue("nobody-consumes").add("x", {});',
    '  return "sent";',
    "}",
    "export async function viaSqs() {",
    '  const { SQSClient, SendMessageCommand, SendMessageBatchCommand } = await import("@aws-sdk/client-sqs");',
    "  const sqs = new SQSClient({});",
    '  const base = "https://sqs.eu-west-1.amazonaws.com/123456789012";',
    '  await sqs.send(new SendMessageCommand({ QueueUrl: `${base}/ledger-entries`, MessageBody: JSON.stringify({ order: "o9", cents: 990 }) }));',
    '  const batch = await sqs.send(new SendMessageBatchCommand({ QueueUrl: `${base}/ledger-entries`, Entries: [{ Id: "1", MessageBody: JSON.stringify({ order: "o10", cents: 10 }) }, { Id: "2", MessageBody: JSON.stringify({ order: "o11", cents: 11 }) }] }));',
    '  await sqs.send(new SendMessageCommand({ QueueUrl: `${base}/audit-log`, MessageBody: "paid o9" }));',
    '  await sqs.send(new SendMessageCommand({ QueueUrl: `${base}/nobody-reads`, MessageBody: "x" }));',
    "  return batch.Successful.map((s: { Id: string }) => s.Id);",
    "}",
    "export async function offTheMap() {",
    '  const r = await fetch("https://api.stripe.com/v1/charges", { method: "POST" });',
    "  return typeof r;",
    "}",
    "export async function loop() {",
    '  const r = await fetch("http://ping/hit");',
    "  return r.status;",
    "}",
    "export async function toSilent() {",
    '  const r = await fetch("http://silent/x");',
    "  return r.status;",
    "}",
    "",
  ].join("\n"),
};

const svc = (name: string, entry: string, urls: string[], consumes: string[] = []): WorldService => ({ name, dir: `services/${name}`, entry: `services/${name}/src/${entry}`, urls, consumes });
const SERVICES: WorldService[] = [
  svc("billing", "server.ts", ["http://billing:3000", "http://billing.internal"]),
  svc("pricing", "main.ts", ["http://pricing:4000"]),
  svc("notifications", "main.ts", [], ["order-paid"]),
  svc("receipts", "main.ts", [], ["receipts", "exports"]),
  svc("ping", "main.ts", ["http://ping"]),
  svc("pong", "main.ts", ["http://pong"]),
  svc("silent", "main.ts", ["http://silent"]),
  svc("ledger", "main.ts", [], ["ledger-entries"]),
  svc("audit", "main.ts", [], ["audit-log"]),
  { name: "orders", dir: "services/orders", entry: "services/orders/src/clients.ts", urls: ["http://orders:3000"], consumes: [] },
];

const crossings = (r: RunResult): TraceEvent[] => r.trace.filter((e) => e.kind === "request" || e.kind === "response" || e.kind === "message");

describe("requests and messages between services, in one simulated world", () => {
  const tmp = tempDir();
  let pool: SandboxPool;
  beforeAll(() => {
    makeRepo(tmp.dir, [{ message: "seven services", files: FILES }]);
    installPackage(tmp.dir, "polka");
    pool = new SandboxPool(1);
  });
  afterAll(() => {
    pool.close();
    tmp.cleanup();
  });
  const run = (fn: string, args: unknown[] = [], services = SERVICES): Promise<RunResult> => {
    const job: SimulationJob = { repo: tmp.dir, rev: "HEAD", env: {}, stubs: {}, steps: [{ call: `services/orders/src/clients.ts#${fn}`, args, expect: [] }], boundaryPackages: boundaries([]), services, limits: DEFAULT_LIMITS };
    return pool.run(job);
  };
  const ok = async (fn: string, args: unknown[] = []) => {
    const r = await run(fn, args);
    expect(r.error, json(r.error)).toBeUndefined();
    expect(r.steps[0]?.error, json(r.steps[0]?.error)).toBeUndefined();
    return r;
  };

  it("fetch reaches a framework-free listener; the request and response are steps of the trace, each step in its service", async () => {
    const r = await ok("viaFetch", ["o1", 1000]);
    expect(r.steps[0]?.result).toEqual({ status: 201, ok: true, type: "application/json", body: { charged: 1030, count: 1 } });
    const [req, res] = crossings(r);
    expect(req).toMatchObject({ kind: "request", at: "services/orders/src/clients.ts:8", service: "orders", value: { from: "orders", to: "billing", method: "POST", url: "http://billing:3000/charges", body: { order: "o1", cents: 1000 } } });
    expect(res).toMatchObject({ kind: "response", service: "billing", value: { from: "billing", to: "orders", status: 201, body: { charged: 1030, count: 1 } } });
    // billing's own statements ran in the same trace, between the two crossings.
    const inBilling = r.trace.filter((e) => e.kind === "step" && e.service === "billing").map((e) => e.at);
    expect(inBilling).toContain("services/billing/src/server.ts:17");
    expect(r.modules).toContain("services/billing/src/server.ts");
    // Routed, not a stand-in: no fetch effect, nothing symbolic.
    expect(r.effects).toEqual([]);
    expect(r.missingStubs).toEqual([]);
  });

  it("a service keeps its state between requests of one run", async () => {
    const r = await ok("twoCharges");
    expect(r.steps[0]?.result).toEqual([{ order: "a", cents: 103 }, { order: "b", cents: 206 }]);
    expect(crossings(r).map((e) => e.kind)).toEqual(["request", "response", "request", "response", "request", "response"]);
  });

  it("axios (an instance with a baseURL) reaches a polka app from npm; a 4xx rejects as axios does", async () => {
    expect((await ok("viaAxios", ["book"])).steps[0]?.result).toEqual({ sku: "book", cents: 1200 });
    const refused = await ok("axiosRefused");
    expect(refused.steps[0]?.result).toEqual({ message: "Request failed with status code 422", status: 422, data: { error: "nothing to charge" } });
  });

  it("undici's request and node's http.request reach the listener", async () => {
    expect((await ok("viaUndici")).steps[0]?.result).toEqual({ status: 201, body: { charged: 1030, count: 1 } });
    const viaHttp = await ok("viaHttp");
    expect(viaHttp.steps[0]?.result).toEqual({ status: 201, body: { charged: 2060, count: 1 } });
    expect(crossings(viaHttp)[0]?.value).toMatchObject({ method: "POST", url: "http://billing:3000/charges" });
  });

  it("a kafkajs message on a mapped topic reaches the consumer's handler; its effects are the scenario's", async () => {
    const r = await ok("publishPaid");
    expect(r.steps[0]?.result).toBe("published");
    const message = crossings(r).find((e) => e.kind === "message");
    expect(message).toMatchObject({ service: "orders", value: { from: "orders", topic: "order-paid", key: "o7", value: { order: "o7", cents: 1030, email: "ada@example.com" } } });
    const mail = r.effects.find((e) => e.target === "pg#Pool.query");
    expect(mail?.args).toEqual(["INSERT INTO mails (email, subject) VALUES ($1, $2)", ["ada@example.com", "Order o7 paid: 1030"]]);
    expect(mail?.at).toMatch(/^services\/notifications\/src\/main\.ts:\d+$/);
  });

  it("amqplib's queues and bullmq's queues reach their consumers; a queue no service consumes stays a stand-in", async () => {
    const r = await ok("viaQueues");
    expect(r.steps[0]?.result).toBe("sent");
    expect(crossings(r).map((e) => [e.kind, (e.value as { topic: string }).topic])).toEqual([
      ["message", "receipts"],
      ["message", "exports"],
    ]);
    const writes = r.effects.filter((e) => e.target === "pg#Pool.query").map((e) => e.args);
    expect(writes).toEqual([
      ["INSERT INTO receipts (body) VALUES ($1)", ['{"order":"o8"}']],
      ["INSERT INTO exports (name, rows) VALUES ($1, $2)", ["monthly", 12]],
    ]);
    expect(r.effects.map((e) => e.target)).toContain("bullmq#Queue.add");
  });

  it("SQS: a send to a mapped queue reaches a polling loop and an sqs-consumer handler; a queue off the map stays a stand-in", async () => {
    const r = await ok("viaSqs");
    expect(r.steps[0]?.result).toEqual(["1", "2"]);
    expect(crossings(r).map((e) => [(e.value as { topic: string }).topic, (e.value as { consumers?: string[] }).consumers])).toEqual([
      ["ledger-entries", ["ledger"]],
      ["ledger-entries", ["ledger"]],
      ["ledger-entries", ["ledger"]],
      ["audit-log", ["audit"]],
    ]);
    const writes = r.effects.filter((e) => e.target === "pg#Pool.query").map((e) => e.args);
    expect(writes).toEqual([
      ["INSERT INTO ledger (order_id, cents) VALUES ($1, $2)", ["o9", 990]],
      ["INSERT INTO ledger (order_id, cents) VALUES ($1, $2)", ["o10", 10]],
      ["INSERT INTO ledger (order_id, cents) VALUES ($1, $2)", ["o11", 11]],
      ["INSERT INTO audit (line) VALUES ($1)", ["paid o9"]],
    ]);
    // The unread queue is an effect, the deletes on a mapped queue are not; the loop waits instead of spinning.
    const sends = r.effects.filter((e) => e.target === "@aws-sdk/client-sqs#SQSClient.send");
    expect(sends).toHaveLength(1);
    expect(JSON.stringify(sends[0]?.args)).toContain("nobody-reads");
  });

  it("a URL off the map stays a recording stand-in", async () => {
    const r = await ok("offTheMap");
    expect(r.effects.map((e) => e.target)).toEqual(["fetch#fetch"]);
    expect(r.effects[0]?.args[0]).toBe("https://api.stripe.com/v1/charges");
    expect(crossings(r)).toEqual([]);
  });

  it("without a service map every HTTP client is a stand-in, as before", async () => {
    const r = await run("viaFetch", ["o1", 1000], []);
    expect(r.effects.filter((e) => e.at.startsWith("services/orders/src/clients.ts:8")).map((e) => e.target)).toEqual(["fetch#fetch"]);
    expect(crossings(r)).toEqual([]);
    expect(r.modules).not.toContain("services/billing/src/server.ts");
  });

  it("a loop between services ends the run with an error naming the services", async () => {
    const r = await run("loop");
    expect(r.status).toBe("error");
    expect(r.error?.reason).toMatch(/^a loop between services: requests nested 256 deep \(… (ping|pong) → (ping|pong) .*\)/);
  });

  it("a service whose entry starts no server is an error naming the entry and what to fix", async () => {
    const r = await run("toSilent");
    expect(r.status).toBe("error");
    expect(r.error?.reason).toContain('service silent: its entry services/silent/src/main.ts gave http.createServer no request listener, so GET http://silent/x has nowhere to go; point "entry" in worldline.config.json "services" at the module that starts its server');
  });
});

describe("express from npm as a service's server", () => {
  const tmp = tempDir();
  let pool: SandboxPool;
  const EXPRESS_BILLING = [
    'import express from "express";',
    "const app = express();",
    "app.use(express.json());",
    "const charges: Array<{ order: string; cents: number }> = [];",
    'app.post("/charges", (req, res) => {',
    "  const cents = req.body.cents + Math.round(req.body.cents * 0.03);",
    "  charges.push({ order: req.body.order, cents });",
    "  res.status(201).json({ charged: cents, count: charges.length });",
    "});",
    'app.get("/charges/:order", (req, res) => {',
    "  const found = charges.find((c) => c.order === req.params.order);",
    '  if (!found) return res.status(404).json({ error: `no charge for ${req.params.order}`, verbose: req.query.verbose === "1" });',
    "  res.json(found);",
    "});",
    "app.listen(3000);",
    "",
  ].join("\n");
  const CLIENT = [
    "export async function chargeAndRead(order: string, cents: number) {",
    '  const made = await fetch("http://billing:3000/charges", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ order, cents }) });',
    "  const read = await fetch(`http://billing:3000/charges/${order}`);",
    '  const missing = await fetch("http://billing:3000/charges/nope?verbose=1");',
    '  return { made: [made.status, await made.json()], read: await read.json(), missing: [missing.status, await missing.json()], type: read.headers.get("content-type") };',
    "}",
    "",
  ].join("\n");
  beforeAll(() => {
    makeRepo(tmp.dir, [{ message: "express billing", files: { "services/billing/src/server.ts": EXPRESS_BILLING, "services/orders/src/client.ts": CLIENT } }]);
    installPackage(tmp.dir, "express");
    pool = new SandboxPool(1);
  });
  afterAll(() => {
    pool.close();
    tmp.cleanup();
  });

  it("routes, JSON bodies, params, queries and statuses work as in Node", async () => {
    const job: SimulationJob = {
      repo: tmp.dir,
      rev: "HEAD",
      env: {},
      stubs: {},
      steps: [{ call: "services/orders/src/client.ts#chargeAndRead", args: ["o1", 1000], expect: [] }],
      boundaryPackages: boundaries([]),
      services: [svc("billing", "server.ts", ["http://billing:3000"])],
      limits: { ...DEFAULT_LIMITS, cpuMs: 6000 },
    };
    const r = await pool.run(job);
    expect(r.error, json(r.error)).toBeUndefined();
    expect(r.steps[0]?.result).toEqual({
      made: [201, { charged: 1030, count: 1 }],
      read: { order: "o1", cents: 1030 },
      missing: [404, { error: "no charge for nope", verbose: true }],
      type: "application/json; charset=utf-8",
    });
    // Express's own modules run for real: the only stand-in is debug's optional supports-color, which the repo lacks.
    expect(r.effects.filter((e) => !e.target.startsWith("supports-color#"))).toEqual([]);
    expect(crossings(r).filter((e) => e.kind === "request").map((e) => (e.value as { url: string }).url)).toEqual(["http://billing:3000/charges", "http://billing:3000/charges/o1", "http://billing:3000/charges/nope?verbose=1"]);
  });
});

describe("fastify from npm as a service's server", () => {
  const tmp = tempDir();
  let pool: SandboxPool;
  const FASTIFY_BILLING = [
    'import Fastify from "fastify";',
    "const app = Fastify();",
    "let n = 0;",
    'app.post("/charges", async (req, reply) => {',
    "  n++;",
    "  reply.code(201);",
    "  return { charged: (req.body as { cents: number }).cents + 30, count: n };",
    "});",
    'app.get("/charges/:id", async (req) => ({ id: (req.params as { id: string }).id }));',
    "app.listen({ port: 3000 });",
    "",
  ].join("\n");
  const CLIENT = [
    "export async function charge(order: string, cents: number) {",
    '  const made = await fetch("http://billing:3000/charges", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ order, cents }) });',
    '  const read = await fetch("http://billing:3000/charges/7");',
    "  return { made: [made.status, await made.json()], read: await read.json() };",
    "}",
    "",
  ].join("\n");
  beforeAll(() => {
    makeRepo(tmp.dir, [{ message: "fastify billing", files: { "services/billing/src/server.ts": FASTIFY_BILLING, "services/orders/src/client.ts": CLIENT } }]);
    installPackage(tmp.dir, "fastify");
    pool = new SandboxPool(1);
  });
  afterAll(() => {
    pool.close();
    tmp.cleanup();
  });

  it("a request waits until the server listens (fastify gets ready first), then routes as in Node", async () => {
    const job: SimulationJob = {
      repo: tmp.dir,
      rev: "HEAD",
      env: {},
      stubs: {},
      steps: [{ call: "services/orders/src/client.ts#charge", args: ["o1", 1000], expect: [] }],
      boundaryPackages: boundaries([]),
      services: [svc("billing", "server.ts", ["http://billing:3000"])],
      limits: { ...DEFAULT_LIMITS, cpuMs: 8000 },
    };
    const r = await pool.run(job);
    expect(r.error, json(r.error)).toBeUndefined();
    expect(r.steps[0]?.result).toEqual({ made: [201, { charged: 1030, count: 1 }], read: { id: "7" } });
    expect(crossings(r).map((e) => e.kind)).toEqual(["request", "response", "request", "response"]);
  });
});
