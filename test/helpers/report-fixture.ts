import type { BlastRadius, Report, ScenarioVerdict } from "../../core/verdict.js";

/**
 * A fixed report, the shape the demo's "what breaks if I merge pr/rounding-refactor" produces (two failures
 * with a verified fix, an at-risk static path, an at-risk differential one, passes, one error and one
 * unaffected), with made-up commits: the same on every machine, for golden files and layout tests.
 */
const PRORATE = "src/billing/proration.ts#prorate";
const ROOT_CAUSE = { location: "src/billing/proration.ts:35", symbol: PRORATE, base: 17 / 31, head: 0.55 };
const ROOT_CAUSE_TEXT = "Root cause src/billing/proration.ts:35 in src/billing/proration.ts#prorate: base 0.5483870967741935, head 0.55.";
const PATCH = "--- a/src/billing/proration.ts\n+++ b/src/billing/proration.ts\n@@ -35,1 +35,1 @@\n-  const share = Math.round((remaining / total) * 100) / 100;\n+  const share = remaining / total;\n";


/** A verdict as written here: its blast radius given by what differs from the common one. */
type Draft = Omit<ScenarioVerdict, "blastRadius"> & { blast?: Partial<BlastRadius> };

/** The scenarios on the changed path: all but the erroring and the unaffected one. */
function blastRadius(scenario: string, extra: Partial<BlastRadius>, all: Draft[]): BlastRadius {
  const onPath = all.filter((v) => v.verdict !== "error" && v.verdict !== "unaffected").map((v) => v.scenario).sort();
  return {
    customers: [],
    entryPoints: ["route POST /customers/:id/invoices", "route POST /customers/:id/plan-change"],
    tickets: [],
    scenarios: onPath.filter((s) => s !== scenario),
    owners: ["Bob Builder"],
    fragility: { commits: 2, reverts: 0, incidents: [], failingSimulations: 0 },
    ...extra,
  };
}

const insert = (currency: string, net: number, vat: number, total: number) => [
  "insert into invoices (id, customer_id, currency, net, vat, total) values ($1, $2, $3, $4, $5, $6)",
  ["inv_c_1_1773568800000", "c_1", currency, net, vat, total],
];

const fix = { patch: PATCH, verified: true, checked: [{ scenario: "eu-proration-fx-rounding", before: "fail" as const, after: "pass" as const }] };

const DRAFTS: Draft[] = [
  {
    scenario: "eu-proration-fx-rounding",
    verdict: "fail",
    depth: "differential",
    reason: `step 1: expectation \`result.lines[0].amount === 58.87\` fails on head (passes on base). ${ROOT_CAUSE_TEXT}`,
    rootCause: ROOT_CAUSE,
    effectsDiff: { added: [], removed: [], changed: [{ target: "pg#Pool.query", at: "src/db/pool.ts:18", base: insert("USD", 41.63, 7.91, 49.54), head: insert("USD", 41.75, 7.93, 49.68) }] },
    blast: { customers: ["enterprise-eu"], workflow: "invoicing", tickets: ["ticket:SUP-131", "ticket:SUP-1423"] },
    fix,
  },
  {
    scenario: "test-proration-test--proration-charges-a-mid-march-upgrade-by-its-exact-share-of-31-days",
    verdict: "fail",
    depth: "differential",
    reason: `step 1: expectation \`result.status === "pass"\` fails on head (passes on base). ${ROOT_CAUSE_TEXT}`,
    rootCause: ROOT_CAUSE,
    blast: { workflow: "proration" },
    fix,
  },
  {
    scenario: "refund-within-window",
    verdict: "error",
    depth: "differential",
    reason: "head did not finish: the scenario's run stopped at the CPU limit (2000 ms) in src/billing/refunds.ts#refund, a loop that no longer ends",
  },
  {
    scenario: "monthly-run-continues-after-failure",
    verdict: "at-risk",
    depth: "static",
    reason: `the change touches 1 step(s) on its path, in ${PRORATE}`,
    steps: [{ symbol: PRORATE, location: "src/billing/proration.ts:30", kind: "enter", depth: 2, touched: { change: "modified-body", hunks: ["src/billing/proration.ts:35"] } }],
    blast: { workflow: "jobs", tickets: ["ticket:SUP-300"] },
  },
  {
    scenario: "plan-upgrade-invoiced",
    verdict: "at-risk",
    depth: "differential",
    reason: `its expectations hold, but behaviour changed where they do not look (a step's result, 1 changed, 0 added, 0 removed effects). ${ROOT_CAUSE_TEXT}`,
    rootCause: ROOT_CAUSE,
    effectsDiff: { added: [], removed: [], changed: [{ target: "pg#Pool.query", at: "src/db/pool.ts:18", base: insert("EUR", 38.39, 7.29, 45.68), head: insert("EUR", 38.5, 7.32, 45.82) }] },
    blast: { workflow: "subscriptions", tickets: ["ticket:SUP-101"] },
  },
  ...["proration-credit-unused-days", "proration-short-month"].map((scenario): Draft => ({ scenario, verdict: "pass", depth: "differential", reason: "its 2 expectations hold on head; the path changed but results and effects are the same." })),
  ...["test-proration-test--proration-charges-the-remaining-share-of-an-upgrade", "test-proration-test--proration-credits-the-unused-days-of-a-downgrade"].map(
    (scenario): Draft => ({ scenario, verdict: "pass", depth: "differential", reason: "its 1 expectations hold on head; the path changed but results and effects are the same." }),
  ),
  { scenario: "dunning-emails", verdict: "unaffected", depth: "static", reason: "no step on its path is in the change" },
];

export function sampleReport(): Report {
  const verdicts = DRAFTS.map(({ blast, ...v }): ScenarioVerdict => (blast ? { ...v, blastRadius: blastRadius(v.scenario, blast, DRAFTS) } : v));
  return {
    base: "main (0123456789ab)",
    head: "pr/rounding-refactor (ba9876543210)",
    planner: "embedded",
    selected: verdicts.map((v) => ({
      scenario: v.scenario,
      reasons: v.verdict === "unaffected" ? ["its file names src/billing/dunning.ts, which the change touches"] : ["its run on base covers src/billing/proration.ts:35 (a statement it ran (line 35))"],
    })),
    verdicts: structuredClone(verdicts),
    counts: { fail: 2, error: 1, "at-risk": 2, pass: 4, unaffected: 1 },
    summary: "2 fail, 1 error, 2 at-risk, 4 pass, 1 unaffected",
  };
}

/**
 * A fixed report of a change in one service that breaks a scenario entering at another (issue 22): the root
 * cause in billing, the request and response between orders and billing side by side, the services hit.
 */
export function servicesReport(): Report {
  const rootCause = { location: "services/billing/src/charges.ts:12", symbol: "services/billing/src/charges.ts#amountDue", service: "billing", base: 1030, head: 1055 };
  const verdict: ScenarioVerdict = {
    scenario: "order-is-charged-cart-total-with-tax",
    verdict: "fail",
    depth: "differential",
    reason: "step 1: expectation `result.charged === 1030` fails on head (passes on base). Root cause services/billing/src/charges.ts:12 in services/billing/src/charges.ts#amountDue (service billing): base 1030, head 1055.",
    rootCause,
    crossings: [
      { kind: "request", at: "services/orders/src/checkout.ts:9", symbol: "services/orders/src/checkout.ts#placeOrder", from: "orders", to: "billing", what: "POST http://billing:3000/charges", base: { method: "POST", url: "http://billing:3000/charges", body: { order: "o-1", cents: 1000 } }, head: { method: "POST", url: "http://billing:3000/charges", body: { order: "o-1", cents: 1000 } }, same: true },
      { kind: "response", at: "services/billing/src/server.ts:14", symbol: "services/billing/src/server.ts#<anonymous>", from: "billing", to: "orders", what: "status 201", base: { status: 201, body: { charged: 1030 } }, head: { status: 201, body: { charged: 1055 } }, same: false },
      { kind: "message", at: "services/orders/src/checkout.ts:12", symbol: "services/orders/src/checkout.ts#placeOrder", from: "orders", topic: "order-paid", what: "topic order-paid", base: { topic: "order-paid", value: { order: "o-1", cents: 1030 } }, head: { topic: "order-paid", value: { order: "o-1", cents: 1055 } }, same: false },
    ],
    effectsDiff: { added: [], removed: [], changed: [{ target: "pg#Pool.query", at: "services/notifications/src/receipts.ts:8", base: ["insert into outbox (order_id, cents) values ($1, $2)", ["o-1", 1030]], head: ["insert into outbox (order_id, cents) values ($1, $2)", ["o-1", 1055]] }] },
    blastRadius: {
      customers: ["web-shop"],
      services: ["orders", "billing", "notifications"],
      entryPoints: ["route POST /charges", "route POST /orders"],
      tickets: [],
      scenarios: [],
      owners: ["Bob Builder", "Ada Lovelace"],
      fragility: { commits: 1, reverts: 0, incidents: [], failingSimulations: 0 },
    },
  };
  return {
    base: "main (0123456789ab)",
    head: "pr/tax-rounding (ba9876543210)",
    planner: "embedded",
    selected: [{ scenario: verdict.scenario, reasons: ["its run on base covers services/billing/src/charges.ts:12 (a statement it ran (line 12))"] }],
    verdicts: [verdict],
    counts: { fail: 1 },
    summary: "1 fail",
  };
}
