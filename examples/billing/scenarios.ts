/** The sample service's scenarios: most executable (`simulate:`), some prose only. */
interface S {
  id: string;
  title: string;
  source?: string[];
  customers?: string[];
  workflow: string;
  simulate?: string[];
  entry?: string[];
  prose: string;
}

function md(s: S): string {
  return [
    "---",
    `id: ${s.id}`,
    `title: ${JSON.stringify(s.title)}`,
    ...(s.source ? [`source: [${s.source.join(", ")}]`] : []),
    ...(s.customers ? [`customers: [${s.customers.join(", ")}]`] : []),
    `workflow: ${s.workflow}`,
    ...(s.entry ? [`entry: [${s.entry.join(", ")}]`] : []),
    ...(s.simulate ? ["simulate:", ...s.simulate.map((l) => `  ${l}`)] : []),
    "---",
    s.prose,
    "",
  ].join("\n");
}

const PG_CUSTOMER = (country: string, currency: string, vatId: string | null) =>
  `"pg#Pool.query": [{ match: { 0: "select * from customers where id = $1" }, returns: { rows: [{ id: c_1, name: Acme, email: ap@acme.test, country: ${country}, vatId: ${vatId ?? "null"}, currency: ${currency} }] } }, { returns: { rows: [], rowCount: 1 } }]`;

const SCENARIOS: S[] = [
  {
    id: "eu-proration-fx-rounding",
    title: "EU plan change prorates with FX rounding",
    source: ["ticket:SUP-1423", "ticket:SUP-131"],
    customers: ["enterprise-eu"],
    workflow: "invoicing",
    simulate: [
      "world:",
      "  clock: 2026-03-15T10:00:00Z",
      "  env: { BILLING_CURRENCY_DEFAULT: EUR }",
      "  stubs:",
      `    ${PG_CUSTOMER("DE", "USD", null)}`,
      '    "src/fx/rates.ts#EcbRates.getRate": { returns: 1.0843 }',
      "steps:",
      "  - call: src/billing/invoice.ts#generateInvoice",
      "    args: [{ customerId: c_1, change: { from: basic, to: pro, at: 2026-03-15 } }]",
      "    expect:",
      "      - result.total === Math.round(result.total * 100) / 100",
      "      - result.lines[0].amount === 58.87",
      "      - effects.some(e => e.target === 'pg#Pool.query' && /insert into invoices/.test(e.args[0]))",
    ],
    prose: "When a customer with an EU billing address changes plan mid-cycle, the proration is computed on the real month, converted once at full precision and rounded to cents at the end (ADR 0003).",
  },
  {
    id: "proration-short-month",
    title: "Proration in February uses 28 days",
    source: ["ticket:SUP-131"],
    workflow: "invoicing",
    simulate: ["steps:", "  - call: src/billing/proration.ts#prorate", '    args: [{ fromPrice: 29, toPrice: 99, changedAt: "2025-02-15" }]', "    expect:", "      - result.daysInMonth === 28", "      - result.net === 35"],
    prose: "An upgrade from basic to pro on 15 February charges 14 of 28 days of the difference: 35.00.",
  },
  {
    id: "proration-credit-unused-days",
    title: "Downgrade mid-month credits the unused days of the old plan",
    workflow: "invoicing",
    simulate: ["steps:", "  - call: src/billing/proration.ts#prorate", '    args: [{ fromPrice: 99, toPrice: 29, changedAt: "2026-04-16" }]', "    expect:", "      - result.credit === 49.5", "      - result.net === -35"],
    prose: "A change on 16 April leaves 15 of 30 days: the credit is half the old price.",
  },
  {
    id: "plan-upgrade-invoiced",
    title: "An upgrade is invoiced at once with proration",
    source: ["ticket:SUP-101"],
    workflow: "subscriptions",
    simulate: ["world:", "  stubs:", `    ${PG_CUSTOMER("DE", "EUR", null)}`, "steps:", "  - call: src/subscriptions/service.ts#changePlan", "    args: [c_1, basic, pro, 2026-03-15]", "    expect:", "      - result.invoice !== undefined"],
    prose: "Moving from basic to pro on the 15th creates an invoice for the rest of the month.",
  },
  {
    id: "plan-downgrade-next-cycle",
    title: "A downgrade takes effect next cycle and is not invoiced now",
    source: ["ticket:SUP-313"],
    workflow: "subscriptions",
    simulate: ["world:", "  stubs:", '    "pg#Pool.query": { returns: { rows: [], rowCount: 1 } }', "steps:", "  - call: src/subscriptions/service.ts#changePlan", "    args: [c_1, pro, basic, 2026-03-15]", "    expect:", "      - result.invoice === undefined"],
    prose: "Moving from pro to basic changes the subscription but sends no invoice until the next cycle.",
  },
  {
    id: "email-hyphenated-accepted",
    title: "Hyphenated email addresses are accepted",
    source: ["ticket:SUP-204", "ticket:SUP-205"],
    workflow: "customers",
    simulate: ["steps:", "  - call: src/customers/email.ts#isValidEmail", '    args: ["accounts-payable@acme-group.de"]', "    expect:", "      - result === true"],
    prose: "Billing contacts often have hyphens in the local part and in the domain; registration must accept them.",
  },
  {
    id: "email-invalid-rejected",
    title: "An address without @ is rejected",
    workflow: "customers",
    simulate: ["steps:", "  - call: src/customers/email.ts#isValidEmail", '    args: ["not-an-email"]', "    expect:", "      - result === false"],
    prose: "Registration refuses text that is not an email address.",
  },
  {
    id: "payment-timeout-30s",
    title: "Payment attempts wait 30 seconds",
    source: ["ticket:SUP-240", "incident:INC-7"],
    workflow: "payments",
    simulate: ["steps:", "  - call: src/config/index.ts#paymentTimeoutMs", "    expect:", "      - result === 30000"],
    prose: "SEPA banks answer within 20 seconds; each payment attempt waits 30 seconds unless PAYMENT_TIMEOUT_MS overrides it (ADR 0004).",
  },
  {
    id: "payment-retry-gives-up",
    title: "Payment retries give up after three attempts",
    workflow: "payments",
    entry: ["src/payments/retry.ts#chargeInvoice"],
    prose: "A charge that times out three times is given up, with each attempt logged, and the invoice stays unpaid for dunning.",
  },
  {
    id: "vat-reverse-charge",
    title: "EU business customers abroad get reverse charge",
    source: ["ticket:SUP-250"],
    workflow: "tax",
    simulate: ["steps:", "  - call: src/tax/vat.ts#vatFor", '    args: ["FR", "FR12345678901"]', "    expect:", "      - result.reverseCharge === true", "      - result.rate === 0"],
    prose: "A French business with a VAT id pays no German VAT; the invoice says reverse charge.",
  },
  {
    id: "vat-outside-eu",
    title: "No VAT outside the EU",
    workflow: "tax",
    simulate: ["steps:", "  - call: src/tax/vat.ts#vatFor", '    args: ["US", null]', "    expect:", "      - result.rate === 0"],
    prose: "Customers outside the EU are invoiced without VAT.",
  },
  {
    id: "lowercase-currency-conversion",
    title: "Lowercase currency codes convert",
    source: ["ticket:SUP-188"],
    workflow: "invoicing",
    simulate: ["steps:", "  - call: src/fx/convert.ts#convert", '    args: [10, "eur", "EUR"]', "    expect:", "      - result === 10"],
    prose: "Customers migrated with a lowercase currency (eur) are invoiced like any other.",
  },
  {
    id: "dunning-collections-after-45-days",
    title: "Invoices 45 days overdue go to collections",
    source: ["ticket:SUP-271"],
    workflow: "dunning",
    simulate: ["steps:", "  - call: src/billing/dunning.ts#dunningStep", "    args: [45]", "    expect:", '      - result === "collections"'],
    prose: "Reminders at 3 and 10 days, suspension at 21, collections at 45.",
  },
  {
    id: "monthly-run-continues-after-failure",
    title: "The monthly run invoices everyone even when one customer fails",
    source: ["ticket:SUP-300"],
    workflow: "jobs",
    prose: "The monthly billing run invoices and charges every active subscription; a failing customer is reported and the run goes on.",
  },
];

export function scenarioFiles(): Record<string, string> {
  return Object.fromEntries(SCENARIOS.map((s) => [`scenarios/${s.id}.md`, md(s)]));
}
