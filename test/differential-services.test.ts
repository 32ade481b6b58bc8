import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Simulate, type Scenario } from "../servers/scenarios/format.js";
import { ScenarioService } from "../servers/scenarios/service.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * One scenario traced through two services (issue 22): it enters at orders, which charges through billing over
 * HTTP; head changes only billing. The verdict is fail and its root cause is billing's changed line, with both
 * values, reached through the request the scenario's service made.
 */
const billing = (fee: string) =>
  [
    'import { createServer } from "node:http";',
    "createServer((req, res) => {",
    '  let body = "";',
    '  req.on("data", (c) => (body += c));',
    '  req.on("end", () => {',
    "    const { cents } = JSON.parse(body);",
    `    const fee = ${fee};`,
    '    res.writeHead(201, { "content-type": "application/json" });',
    "    res.end(JSON.stringify({ charged: cents + fee }));",
    "  });",
    "}).listen(3000);",
    "",
  ].join("\n");
const ORDERS = [
  "export async function placeOrder(cents: number) {",
  '  const r = await fetch("http://billing:3000/charges", { method: "POST", body: JSON.stringify({ cents }) });',
  "  const paid = await r.json();",
  "  return paid.charged;",
  "}",
  "",
].join("\n");
const CONFIG = JSON.stringify({
  services: {
    billing: { dir: "services/billing", entry: "services/billing/src/server.ts", urls: ["http://billing:3000"] },
    orders: { dir: "services/orders", entry: "services/orders/src/checkout.ts", urls: ["http://orders:3000"] },
  },
});

describe("a change in one service breaks a scenario that enters at another", () => {
  const tmp = tempDir();
  let service: ScenarioService;
  beforeAll(() => {
    makeRepo(tmp.dir, [
      { message: "two services", files: { "worldline.config.json": CONFIG, "services/billing/src/server.ts": billing("Math.round(cents * 0.03)"), "services/orders/src/checkout.ts": ORDERS } },
      { message: "billing: a flat fee", files: { "services/billing/src/server.ts": billing("Math.round(cents * 0.03) + 25") } },
    ]);
    service = new ScenarioService(tmp.dir);
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("is fail, with the root cause in billing and the crossing in the trace", async () => {
    const s: Scenario = {
      id: "order-is-charged-the-fee",
      title: "an order is charged 3% on top",
      source: [],
      customers: [],
      tags: [],
      entry: [],
      simulate: Simulate.parse({ steps: [{ call: "services/orders/src/checkout.ts#placeOrder", args: [1000], expect: ["result === 1030"] }] }),
      path: "scenarios/order.md",
      prose: "",
    };
    const { base, head } = await service.pin("HEAD~1", "HEAD");
    const r = await service.simulateDifferential(s, base, head);
    expect(r.verdict.verdict).toBe("fail");
    expect(r.verdict.rootCause).toMatchObject({ location: "services/billing/src/server.ts:7", service: "billing", base: 30, head: 55 });
    expect(r.verdict.reason).toContain("Root cause services/billing/src/server.ts:7 in services/billing/src/server.ts#<anonymous> (service billing): base 30, head 55");
    // The verdict holds the boundary, both sides: the request was the same, the response was not.
    expect(r.verdict.crossings).toEqual([
      { kind: "request", at: "services/orders/src/checkout.ts:2", symbol: "services/orders/src/checkout.ts#placeOrder", from: "orders", to: "billing", what: "POST http://billing:3000/charges", base: { method: "POST", url: "http://billing:3000/charges", body: { cents: 1000 } }, head: { method: "POST", url: "http://billing:3000/charges", body: { cents: 1000 } }, same: true },
      expect.objectContaining({ kind: "response", from: "billing", to: "orders", what: "status 201", base: { status: 201, body: { charged: 1030 } }, head: { status: 201, body: { charged: 1055 } }, same: false }),
    ]);
    // Both runs crossed into billing; the response carries the diverging value.
    const response = (run: typeof r.base) => run.trace.find((e) => e.kind === "response")?.value;
    expect(response(r.base)).toMatchObject({ from: "billing", to: "orders", status: 201, body: { charged: 1030 } });
    expect(r.head && response(r.head)).toMatchObject({ body: { charged: 1055 } });
    expect(r.head?.trace.find((e) => e.kind === "request")).toMatchObject({ service: "orders", at: "services/orders/src/checkout.ts:2", value: { to: "billing", method: "POST" } });
    // Selection: the base run's coverage holds billing's file, so a change there selects the scenario.
    expect(Object.keys(r.base.coverage.files)).toEqual(expect.arrayContaining(["services/billing/src/server.ts", "services/orders/src/checkout.ts"]));
  });
});
