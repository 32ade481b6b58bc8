import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runShopDemo } from "../agent/demo-shop.js";
import { ServicesConfig } from "../core/services.js";
import { Report, type ScenarioVerdict } from "../core/verdict.js";
import { buildShop, SHOP_PR, SHOP_SERVICES } from "../examples/shop/build.js";
import { jobFor } from "../servers/scenarios/differential.js";
import { boundaries } from "../servers/scenarios/sandbox/boundaries.js";
import type { RunResult, TraceEvent, WorldService } from "../servers/scenarios/sandbox/protocol.js";
import { ScenarioService } from "../servers/scenarios/service.js";
import { tempDir } from "./helpers/git-fixture.js";

const git = (dir: string, args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();
const ORDERS = "order-charged-cart-total-with-tax";
const ONE_ITEM = "single-item-order-charged";
const EMPTY = "empty-cart-refused";
const CART = [
  { sku: "pen", qty: 1, unitCents: 199 },
  { sku: "ink", qty: 1, unitCents: 199 },
  { sku: "pad", qty: 1, unitCents: 199 },
];

/**
 * The sample shop (examples/shop): three services of one repo, orders (node:http) → billing (polka) over HTTP,
 * orders → notifications over Kafka. pr/tax-rounding changes billing alone; the scenario entering at orders
 * fails, with the root cause in billing and the values that crossed between the services on each side.
 */
describe("the sample shop: three services, a change to one, a scenario entering at another", () => {
  const tmp = tempDir();
  const repo = () => join(tmp.dir, "shop");
  let scenarios: ScenarioService;

  beforeAll(() => {
    buildShop(repo());
    scenarios = new ScenarioService(repo());
  });
  afterAll(() => {
    scenarios.close();
    tmp.cleanup();
  });

  it("is a real repository of three packages with their own routes, a docker-compose and an explicit service map", () => {
    expect(new Set(git(repo(), ["log", "--format=%aN", "main"]).split("\n"))).toEqual(new Set(["Ada Lovelace", "Bob Builder", "Carol Chen", "Eve Martin"]));
    // The pull request touches billing's code only.
    expect(git(repo(), ["diff", "--name-only", "main", SHOP_PR]).split("\n")).toEqual(["services/billing/src/tax.ts"]);
    for (const name of SHOP_SERVICES) {
      const pkg = JSON.parse(git(repo(), ["show", `main:services/${name}/package.json`])) as { name?: string; main?: string };
      expect(pkg.name, name).toBe(`@acme-shop/${name}`);
      expect(pkg.main, name).toMatch(/^src\/\w+\.ts$/);
    }
    const compose = git(repo(), ["show", "main:docker-compose.yml"]);
    for (const s of ["orders:", "billing:", "notifications:", "kafka:", "build: ./services/billing", "BILLING_URL: http://billing:3000"]) expect(compose).toContain(s);
    const map = ServicesConfig.parse((JSON.parse(readFileSync(join(repo(), "worldline.config.json"), "utf8")) as { services: unknown }).services);
    expect(Object.keys(map).sort()).toEqual([...SHOP_SERVICES].sort());
    expect(map.notifications?.consumes).toEqual(["order-paid"]);
    // polka is installed in the repo (not linked out of it) and not committed.
    expect(JSON.parse(readFileSync(join(repo(), "node_modules/polka/package.json"), "utf8")).version).toBe("0.5.2");
    expect(git(repo(), ["ls-files", "node_modules"])).toBe("");
  });

  it("each side run through the pool crosses orders → billing → orders, then orders → notifications, with the values that crossed", async () => {
    const config = JSON.parse(readFileSync(join(repo(), "worldline.config.json"), "utf8")) as { services: unknown };
    const services: WorldService[] = Object.entries(ServicesConfig.parse(config.services)).map(([name, s]) => ({ name, ...s }));
    const { base, head } = await scenarios.pin("main", SHOP_PR);
    const s = (await scenarios.load(head)).scenarios.find((x) => x.id === ORDERS);
    if (!s) throw new Error(`the shop lost its scenario ${ORDERS}`);
    const pool = scenarios.sandbox();
    const side = (rev: string) => pool.run({ ...jobFor(s, repo(), rev, boundaries([])), services });
    const [b, h] = await Promise.all([side(base), side(head)]);
    const crossings = (r: RunResult): TraceEvent[] => r.trace.filter((e) => e.kind === "request" || e.kind === "response" || e.kind === "message");
    for (const [name, r, amount, tax] of [["base", b, 695, 49], ["head", h, 694, 48]] as const) {
      expect(r.status, `${name}: ${JSON.stringify(r.error)}`).toBe("ok");
      expect(r.missingStubs, name).toEqual([]);
      const [req, res, msg, ...rest] = crossings(r);
      expect(rest, name).toEqual([]);
      expect(req, name).toMatchObject({ kind: "request", service: "orders", at: expect.stringMatching(/^services\/orders\/src\/billing-client\.ts:\d+$/), value: { from: "orders", to: "billing", method: "POST", url: "http://billing:3000/charges", body: { order: "ord_0001", customer: "cus_ada", lines: CART } } });
      expect(res, name).toMatchObject({ kind: "response", service: "billing", value: { from: "billing", to: "orders", status: 201, body: { id: "ch_0001", order: "ord_0001", subtotalCents: 597, taxCents: tax, feeCents: 49, amountCents: amount } } });
      expect(msg, name).toMatchObject({ kind: "message", service: "orders", value: { from: "orders", topic: "order-paid", key: "ord_0001", value: { order: "ord_0001", amountCents: amount, items: 3 } } });
      // All three services ran in the one trace.
      expect(new Set(r.trace.map((e) => e.service)), name).toEqual(new Set(["orders", "billing", "notifications"]));
      // The receipt is notifications' effect, written with the amount billing charged.
      const receipt = r.effects.find((e) => e.target === "pg#Pool.query");
      expect(receipt?.at, name).toMatch(/^services\/notifications\/src\/outbox\.ts:\d+$/);
      expect((receipt?.args[1] as string[])[2], name).toBe(`Thank you for your order ord_0001 (3 items). Your card was charged $${(amount / 100).toFixed(2)}.`);
    }
    expect(b.steps[0]?.result).toMatchObject({ id: "ord_0001", status: "paid", amountCents: 695, chargeId: "ch_0001" });
    expect(h.steps[0]?.result).toMatchObject({ amountCents: 694 });
  });

  describe("the report of `worldline demo shop` (embedded planner, main → pr/tax-rounding)", () => {
    let report: Report;
    let orders: ScenarioVerdict;
    const progress: string[] = [];
    beforeAll(async () => {
      const outs: string[] = [];
      await runShopDemo((t) => outs.push(t), (l) => progress.push(l), "json", join(tmp.dir, "demo"));
      report = Report.parse(JSON.parse(outs[outs.length - 1] ?? "{}"));
      const v = report.verdicts.find((x) => x.scenario === ORDERS);
      if (!v) throw new Error(`no verdict for ${ORDERS}: ${JSON.stringify(report.verdicts.map((x) => x.scenario))}`);
      orders = v;
    }, 300_000);

    it("fails the orders scenario, the root cause in billing (the other service) with both values", () => {
      expect(progress[0]).toBe(`building the sample shop in ${join(tmp.dir, "demo")}/shop…`);
      expect(report.selected.map((s) => s.scenario).sort()).toEqual([ORDERS, ONE_ITEM]);
      expect(orders).toMatchObject({ verdict: "fail", depth: "differential" });
      const head = git(join(tmp.dir, "demo/shop"), ["show", `${SHOP_PR}:services/billing/src/tax.ts`]).split("\n");
      const line = head.findIndex((l) => l.includes("Math.round(lineCents(line) * TAX_RATE)")) + 1;
      expect(orders.rootCause).toMatchObject({ location: `services/billing/src/tax.ts:${line}`, symbol: "services/billing/src/tax.ts#taxCents", base: 49, head: 48, service: "billing" });
      expect(orders.rootCause?.base).not.toEqual(orders.rootCause?.head);
      expect(orders.expectations).toContainEqual({ step: 1, expect: "result.amountCents === 695", base: "pass", head: "fail" });
      expect(orders.expectations).toContainEqual(expect.objectContaining({ step: 1, expect: expect.stringContaining('includes("$6.95")'), base: "pass", head: "fail" }));
      // The one-item cart rounds the same either way.
      expect(report.verdicts.find((x) => x.scenario === ONE_ITEM)?.verdict).toBe("pass");
      expect(orders.fix).toMatchObject({ verified: true });
    });

    it("shows the response from billing that changed and the receipt notifications wrote", () => {
      const response = orders.crossings?.find((c) => c.kind === "response");
      expect(response).toMatchObject({ from: "billing", to: "orders", same: false, base: { status: 201, body: { taxCents: 49, amountCents: 695 } }, head: { status: 201, body: { taxCents: 48, amountCents: 694 } } });
      // The request orders sent is the same on both sides: the change lies past it.
      const request = orders.crossings?.find((c) => c.kind === "request");
      expect(request).toMatchObject({ from: "orders", to: "billing", what: "POST http://billing:3000/charges", same: true, base: { body: { order: "ord_0001", lines: CART } }, head: { body: { order: "ord_0001", lines: CART } } });
      // What orders then told notifications carries billing's amount.
      const message = orders.crossings?.find((c) => c.kind === "message");
      expect(message).toMatchObject({ from: "orders", topic: "order-paid", same: false, base: { value: { amountCents: 695 } }, head: { value: { amountCents: 694 } } });
      const diff = orders.effectsDiff as { changed: Array<{ target: string; at: string; base: unknown[]; head: unknown[] }> };
      const receipt = diff.changed.find((c) => c.target === "pg#Pool.query");
      expect(receipt?.at).toMatch(/^services\/notifications\//);
      expect(String((receipt?.base[1] as string[])[2])).toContain("$6.95");
      expect(String((receipt?.head[1] as string[])[2])).toContain("$6.94");
    });

    // A message names its topic's consumers, so the service it reached is in the blast radius too.
    it("names every service the run went through in the blast radius, notifications included", () => {
      expect(orders.blastRadius?.services).toEqual(["orders", "billing", "notifications"]);
      // billing's handler is written inline in its route (polka's .post("/charges", async (req, res) => ...)).
      expect(orders.blastRadius?.entryPoints).toContain("route POST /charges");
    });

    it("leaves the empty-cart scenario unaffected: its run never leaves orders", async () => {
      expect(report.verdicts.find((x) => x.scenario === EMPTY)?.verdict ?? "not selected").not.toBe("fail");
      const { base, head } = await scenarios.pin("main", SHOP_PR);
      const empty = (await scenarios.load(head)).scenarios.find((x) => x.id === EMPTY);
      if (!empty) throw new Error(`the shop lost its scenario ${EMPTY}`);
      const sim = await scenarios.simulateDifferential(empty, base, head);
      expect(sim.verdict.verdict).toBe("unaffected");
      expect(sim.head).toBeUndefined();
      expect(sim.base.modules.length).toBeGreaterThan(0);
      expect(sim.base.modules.filter((m) => !m.startsWith("services/orders/"))).toEqual([]);
    });
  });
});
