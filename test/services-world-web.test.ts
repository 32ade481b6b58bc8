import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boundaries } from "../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type RunResult, type SimulationJob, type TraceEvent, type WorldService } from "../servers/scenarios/sandbox/protocol.js";
import { Simulate, type Scenario } from "../servers/scenarios/format.js";
import { ScenarioService } from "../servers/scenarios/service.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";
import { installPackage } from "./helpers/services-fixture.js";

/**
 * koa 3 and hono (through @hono/node-server) from npm as services' servers (issue 22): they need the web
 * classes (web-world.ts) and node's Readable.toWeb (node-stream.ts). A request body goes in, JSON, a status and
 * a header come out; a changed koa handler at head is a fail verdict with its root cause in that service; code
 * that replaces the web globals does not change what another service's routing delivers.
 */
const koaBilling = (fee: string) =>
  [
    'import Koa from "koa";',
    "const app = new Koa();",
    "const readBody = (req: NodeJS.ReadableStream) => new Promise<string>((resolve) => {",
    '  let s = "";',
    '  req.on("data", (c) => (s += c));',
    '  req.on("end", () => resolve(s));',
    "});",
    "app.use(async (ctx) => {",
    '  if (ctx.method !== "POST" || ctx.path !== "/charges") {',
    "    ctx.status = 404;",
    '    ctx.body = { error: `no route ${ctx.method} ${ctx.path}` };',
    "    return;",
    "  }",
    "  const { order, cents } = JSON.parse(await readBody(ctx.req));",
    `  const fee = ${fee};`,
    "  ctx.status = 201;",
    '  ctx.set("x-fee", String(fee));',
    "  ctx.body = { order, charged: cents + fee };",
    "});",
    "app.listen(3000);",
    "",
  ].join("\n");
const HONO_PRICING = [
  'import { Hono } from "hono";',
  'import { serve } from "@hono/node-server";',
  "const app = new Hono();",
  'app.post("/quotes", async (c) => {',
  "  const { sku, qty } = await c.req.json();",
  '  c.header("x-priced-by", "hono");',
  '  return c.json({ sku, cents: (sku === "book" ? 1200 : 500) * qty }, 201);',
  "});",
  'app.get("/quotes/:sku", (c) => {',
  '  const sku = c.req.param("sku");',
  "  return c.text(`no quote for ${sku}`, 404);",
  "});",
  "serve({ fetch: app.fetch, port: 4000 });",
  "",
].join("\n");
const CHECKOUT = [
  "export async function checkout(order: string, sku: string) {",
  '  const q = await fetch("http://pricing:4000/quotes", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ sku, qty: 2 }) });',
  "  const quote = await q.json();",
  '  const c = await fetch("http://billing:3000/charges", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ order, cents: quote.cents }) });',
  '  const missing = await fetch("http://pricing:4000/quotes/pen");',
  '  return { quote: [q.status, q.headers.get("x-priced-by"), quote], charge: [c.status, c.headers.get("x-fee"), c.headers.get("content-type"), await c.json()], missing: [missing.status, await missing.text()], real: c instanceof Response && q.body instanceof ReadableStream };',
  "}",
  "export async function charged(cents: number) {",
  '  const c = await fetch("http://billing:3000/charges", { method: "POST", body: JSON.stringify({ order: "o1", cents }) });',
  "  return (await c.json()).charged;",
  "}",
  "",
].join("\n");
// Loaded before it fetches: replaces the global Response and patches the classes' prototypes.
const HOSTILE = [
  "(globalThis as { Response: unknown }).Response = class Forged {};",
  'ReadableStream.prototype.getReader = () => { throw new Error("patched getReader"); };',
  'Headers.prototype.get = () => "forged";',
  "export async function charge() {",
  '  const c = await fetch("http://billing:3000/charges", { method: "POST", body: JSON.stringify({ order: "h1", cents: 1000 }) });',
  "  return { status: c.status, body: await c.json(), header: c.headers.get(\"x-fee\") };",
  "}",
  "",
].join("\n");

const svc = (name: string, entry: string, urls: string[]): WorldService => ({ name, dir: `services/${name}`, entry: `services/${name}/src/${entry}`, urls, consumes: [] });
const SERVICES = [svc("billing", "server.ts", ["http://billing:3000"]), svc("pricing", "main.ts", ["http://pricing:4000"]), svc("orders", "checkout.ts", ["http://orders:3000"])];
const crossings = (r: RunResult): TraceEvent[] => r.trace.filter((e) => e.kind === "request" || e.kind === "response");
const install = (dir: string) => {
  for (const p of ["koa", "hono", "@hono/node-server"]) installPackage(dir, p);
};

describe("koa 3 and hono's node adapter as services' servers", () => {
  const tmp = tempDir();
  let pool: SandboxPool;
  beforeAll(() => {
    makeRepo(tmp.dir, [{ message: "koa and hono", files: { "services/billing/src/server.ts": koaBilling("Math.round(cents * 0.03)"), "services/pricing/src/main.ts": HONO_PRICING, "services/orders/src/checkout.ts": CHECKOUT, "services/orders/src/hostile.ts": HOSTILE } }]);
    install(tmp.dir);
    pool = new SandboxPool(1);
  });
  afterAll(() => {
    pool.close();
    tmp.cleanup();
  });
  const run = async (call: string, args: unknown[]): Promise<RunResult> => {
    const job: SimulationJob = { repo: tmp.dir, rev: "HEAD", env: {}, stubs: {}, steps: [{ call, args, expect: [] }], boundaryPackages: boundaries([]), services: SERVICES, limits: { ...DEFAULT_LIMITS, cpuMs: 8000 } };
    const r = await pool.run(job);
    expect(r.error, JSON.stringify(r.error)).toBeUndefined();
    expect(r.steps[0]?.error, JSON.stringify(r.steps[0]?.error)).toBeUndefined();
    return r;
  };

  it("a JSON body goes in and JSON, a status and a header come out of each; fetch answers real Responses", async () => {
    const r = await run("services/orders/src/checkout.ts#checkout", ["o1", "book"]);
    expect(r.steps[0]?.result).toEqual({
      quote: [201, "hono", { sku: "book", cents: 2400 }],
      charge: [201, "72", "application/json; charset=utf-8", { order: "o1", charged: 2472 }],
      missing: [404, "no quote for pen"],
      real: true,
    });
    expect(crossings(r).map((e) => [e.kind, e.service, (e.value as { status?: number; url?: string }).status ?? (e.value as { url: string }).url])).toEqual([
      ["request", "orders", "http://pricing:4000/quotes"],
      ["response", "pricing", 201],
      ["request", "orders", "http://billing:3000/charges"],
      ["response", "billing", 201],
      ["request", "orders", "http://pricing:4000/quotes/pen"],
      // hono answers a GET at once, so no pricing statement runs between the request and its response: the
      // response is attributed to the statement that ran last (orders' fetch), as the trace attributes any event.
      ["response", "orders", 404],
    ]);
    expect(crossings(r)[1]?.value).toMatchObject({ body: { sku: "book", cents: 2400 } });
    // The frameworks run for real: nothing of them is a stand-in but debug's optional supports-color.
    expect(r.effects.filter((e) => !e.target.startsWith("supports-color#")).map((e) => e.target)).toEqual([]);
    expect(r.modules).toEqual(expect.arrayContaining(["services/billing/src/server.ts", "services/pricing/src/main.ts"]));
  });

  it("code that replaces Response and patches the classes' prototypes changes what it reads, not what billing's routing delivers", async () => {
    const r = await run("services/orders/src/hostile.ts#charge", []);
    // Its own header read is forged (it patched Headers.prototype.get); the status and the body are billing's.
    expect(r.steps[0]?.result).toEqual({ status: 201, body: { order: "h1", charged: 1030 }, header: "forged" });
    expect(crossings(r).find((e) => e.kind === "response")?.value).toMatchObject({ from: "billing", status: 201, body: { order: "h1", charged: 1030 } });
  });
});

describe("a changed koa handler at head", () => {
  const tmp = tempDir();
  let service: ScenarioService;
  const config = JSON.stringify({ services: { billing: { dir: "services/billing", entry: "services/billing/src/server.ts", urls: ["http://billing:3000"] }, pricing: { dir: "services/pricing", entry: "services/pricing/src/main.ts", urls: ["http://pricing:4000"] }, orders: { dir: "services/orders", entry: "services/orders/src/checkout.ts", urls: ["http://orders:3000"] } } });
  beforeAll(() => {
    makeRepo(tmp.dir, [
      { message: "koa billing", files: { "worldline.config.json": config, ".gitignore": "node_modules/\n", "services/billing/src/server.ts": koaBilling("Math.round(cents * 0.03)"), "services/pricing/src/main.ts": HONO_PRICING, "services/orders/src/checkout.ts": CHECKOUT } },
      { message: "billing: a flat fee", files: { "services/billing/src/server.ts": koaBilling("Math.round(cents * 0.03) + 25") } },
    ]);
    install(tmp.dir);
    service = new ScenarioService(tmp.dir);
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("is fail, with the root cause on koa's changed line in billing", async () => {
    const s: Scenario = {
      id: "order-is-charged-the-fee",
      title: "an order is charged 3% on top",
      source: [],
      customers: [],
      tags: [],
      entry: [],
      simulate: Simulate.parse({ steps: [{ call: "services/orders/src/checkout.ts#charged", args: [1000], expect: ["result === 1030"] }] }),
      path: "scenarios/order.md",
      prose: "",
    };
    const { base, head } = await service.pin("HEAD~1", "HEAD");
    const r = await service.simulateDifferential(s, base, head);
    expect(r.verdict.verdict).toBe("fail");
    expect(r.verdict.rootCause).toMatchObject({ location: "services/billing/src/server.ts:15", service: "billing", base: 30, head: 55 });
    expect(r.verdict.crossings?.find((c) => c.kind === "response")).toMatchObject({ from: "billing", base: { status: 201, body: { order: "o1", charged: 1030 } }, head: { status: 201, body: { order: "o1", charged: 1055 } }, same: false });
  });
});
