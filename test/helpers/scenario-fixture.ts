import { Simulate, type Scenario } from "../../servers/scenarios/format.js";

/** Scenarios about the code fixture (test/helpers/code-fixture.ts): executable, prose-only, and unfindable. */
export const SCENARIO_FILES: Record<string, string> = {
  "scenarios/eu-invoice-fx.md": [
    "---",
    "id: eu-invoice-fx",
    "title: EU invoice converts with FX rounding",
    "source: [ticket:SUP-101]",
    "customers: [enterprise-eu]",
    "workflow: invoicing",
    "simulate:",
    "  world:",
    "    clock: 2026-03-15T10:00:00Z",
    "    env: { BILLING_CURRENCY_DEFAULT: EUR }",
    "  steps:",
    "    - call: src/billing/invoice.ts#generateInvoice",
    "      args: [100.005, USD]",
    "      expect:",
    "        - result.total === Math.round(result.total * 100) / 100",
    "---",
    "An invoice for an EU customer converts the amount to EUR and rounds to cents once.",
  ].join("\n"),
  "scenarios/payment-timeout.md": [
    "---",
    "id: payment-timeout",
    "title: Timeout handler reports the payment timeout",
    "workflow: payments",
    "---",
    "The timeout handler answers with the configured payment timeout so that clients wait long enough.",
  ].join("\n"),
  "scenarios/mystery.md": ["---", "id: mystery", "title: Quarterly zebra reconciliation", "---", "Zebras are reconciled quarterly."].join("\n"),
  "scenarios/broken.md": ["---", "id: Broken Id", "title: x", "---", "text"].join("\n"),
};

/** An executable scenario object with one step (no file): for tests that drive the service directly. */
export function stepScenario(id: string, call: string, args: unknown[], expect: string[]): Scenario {
  return { id, title: id, source: [], customers: [], tags: [], entry: [], simulate: Simulate.parse({ steps: [{ call, args, expect }] }), path: `scenarios/${id}.md`, prose: "" };
}
