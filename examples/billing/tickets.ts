/**
 * The sample service's support tickets (about 30): two shipped bugs with their evidence (SUP-188 carries a
 * stack trace, SUP-131 the request and the wrong total), duplicates worded differently, one incident, and
 * everyday noise. Stack-trace lines are read from the service's files so they point at real code.
 */
function lineOf(text: string, needle: string): number {
  const i = text.split("\n").findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`example tickets: no line contains ${JSON.stringify(needle)}`);
  return i + 1;
}

interface T {
  key: string;
  title: string;
  created: string;
  status?: string;
  labels?: string[];
  kind?: string;
  extra?: string[];
  body: string;
}

function md(t: T): string {
  return [
    "---",
    `key: ${t.key}`,
    `title: ${JSON.stringify(t.title)}`,
    `created: ${t.created}`,
    `status: ${t.status ?? "closed"}`,
    ...(t.kind ? [`kind: ${t.kind}`] : []),
    `labels: [${(t.labels ?? []).join(", ")}]`,
    ...(t.extra ?? []),
    "---",
    t.body,
    "",
  ].join("\n");
}

export function ticketFiles(read: (path: string) => string): Record<string, string> {
  const rates = read("src/fx/rates.ts");
  const convert = read("src/fx/convert.ts");
  const invoice = read("src/billing/invoice.ts");
  const routes = read("src/http/routes.ts");
  const trace = [
    "Error: Invalid currency code: eur",
    `    at assertCurrency (/srv/billing/src/fx/rates.ts:${lineOf(rates, "Invalid currency code")}:31)`,
    `    at convert (/srv/billing/src/fx/convert.ts:${lineOf(convert, "const target = assertCurrency(to);")}:18)`,
    `    at generateInvoice (/srv/billing/src/billing/invoice.ts:${lineOf(invoice, "amount: await convert(line.amount")}:80)`,
    `    at postInvoice (/srv/billing/src/http/routes.ts:${lineOf(routes, "const invoice = await generateInvoice")}:27)`,
    "    at Layer.handle [as handle_request] (/srv/billing/node_modules/express/lib/router/layer.js:95:5)",
  ].join("\n");
  const tickets: T[] = [
    { key: "SUP-101", title: "Prorate plan upgrades mid-cycle", created: "2025-09-15T09:00:00Z", labels: ["billing", "feature"], kind: "feature", body: "Customers upgrading mid-month should pay only for the remaining days of the new plan, with a credit for the old one." },
    {
      key: "SUP-131",
      title: "Upgrade invoice too high in February",
      created: "2025-11-12T08:30:00Z",
      labels: ["billing", "proration"],
      extra: ["customers: [Globex]"],
      body: [
        "Globex upgraded from basic to pro on 15 February. The invoice net came out wrong.",
        "",
        "Request:",
        "```json",
        '{ "fromPrice": 29, "toPrice": 99, "changedAt": "2025-02-15" }',
        "```",
        "The net was 32.67 but the net should be 35.",
      ].join("\n"),
    },
    {
      key: "SUP-188",
      title: "Invoice generation fails with 500 for Acme GmbH",
      created: "2025-11-24T14:05:00Z",
      labels: ["billing", "crash"],
      extra: ["customers: [Acme GmbH]"],
      body: ["POST /v1/customers/c_acme/invoices answers 500 since the customer was migrated from the old system.", "", "```", trace, "```"].join("\n"),
    },
    {
      key: "SUP-189",
      title: "Monthly invoice crashes for migrated customers",
      created: "2025-11-25T10:00:00Z",
      labels: ["billing"],
      body: [
        "Several migrated customers get no invoice; the log says 'Invalid currency code' for lowercase currencies such as eur:",
        "",
        "```",
        "Error: Invalid currency code: usd",
        `    at assertCurrency (/srv/billing/src/fx/rates.ts:${lineOf(rates, "Invalid currency code")}:31)`,
        `    at convert (/srv/billing/src/fx/convert.ts:${lineOf(convert, "const target = assertCurrency(to);")}:18)`,
        "```",
      ].join("\n"),
    },
    { key: "SUP-204", title: "Hyphenated email addresses rejected", created: "2025-10-30T11:00:00Z", labels: ["customers"], body: "accounts-payable@acme-group.de cannot be saved: Invalid email address." },
    { key: "SUP-205", title: "Cannot register finance contact with a dash in the address", created: "2025-10-31T16:20:00Z", labels: ["customers"], body: "Signing up with billing-team@north-wind.io fails with 'Invalid email address' although the address works." },
    { key: "SUP-240", title: "SEPA payments time out", created: "2025-12-01T07:45:00Z", labels: ["payments"], body: "SEPA direct debits often fail with 'Payment provider did not answer within 5000 ms' and are retried. The bank answers in up to 20 seconds. PAYMENT_TIMEOUT_MS is not set in production." },
    {
      key: "INC-7",
      title: "Payment outage: SEPA charges timing out",
      created: "2025-12-02T06:00:00Z",
      kind: "incident",
      labels: ["payments", "incident"],
      extra: ["severity: SEV2", "started: 2025-12-02T05:10:00Z", "ended: 2025-12-02T09:40:00Z", "links: [SUP-240]"],
      body: "Between 05:10 and 09:40 UTC one SEPA charge in eight timed out after 5 seconds; the monthly run retried them and some customers were charged twice late.",
    },
    { key: "SUP-1423", title: "EU invoices off by one cent in USD", created: "2026-01-12T13:00:00Z", labels: ["billing", "fx"], body: "An invoice of 99.00 EUR converted to USD shows 107.34 while the bank shows 107.35. The conversion seems to round before applying the rate." },
    { key: "SUP-250", title: "Reverse charge missing for French business", created: "2025-10-10T09:00:00Z", labels: ["tax"], body: "A French customer with a VAT id was charged 20% VAT. They should get reverse charge." },
    { key: "SUP-251", title: "Add Swedish VAT", created: "2025-10-11T09:00:00Z", labels: ["tax"], body: "We now sell to Sweden; VAT there is 25%." },
    { key: "SUP-260", title: "Log each payment attempt", created: "2025-10-12T09:00:00Z", labels: ["payments"], body: "Finance wants to see every attempt of a charge, not only the last." },
    { key: "SUP-270", title: "Dunning emails too early", created: "2025-11-15T09:00:00Z", labels: ["dunning"], body: "Customers get the first reminder one day after the due date; finance wants three days." },
    { key: "SUP-271", title: "Suspend accounts after three weeks unpaid", created: "2025-11-16T09:00:00Z", labels: ["dunning"], body: "Accounts unpaid for 21 days should be suspended automatically." },
    { key: "SUP-280", title: "Refund more than invoiced", created: "2025-10-25T09:00:00Z", labels: ["refunds"], body: "Support could issue two refunds that together exceed the invoice total." },
    { key: "SUP-281", title: "Partial refunds show wrong VAT", created: "2025-10-26T09:00:00Z", labels: ["refunds", "tax"], body: "The VAT on a partial refund should be proportional to the refund." },
    { key: "SUP-290", title: "Duplicate webhook deliveries mark invoices twice", created: "2025-12-16T09:00:00Z", labels: ["webhooks"], body: "The provider retries deliveries; we apply charge.succeeded twice." },
    { key: "SUP-291", title: "Disputed charges not visible", created: "2025-12-17T09:00:00Z", labels: ["webhooks"], body: "charge.disputed events are ignored; finance needs to see disputed invoices." },
    { key: "SUP-300", title: "Monthly run stops at first failing customer", created: "2026-01-06T09:00:00Z", labels: ["jobs"], body: "If one customer's invoice fails, nobody after them is invoiced." },
    { key: "SUP-301", title: "Revenue report by plan", created: "2026-01-20T09:00:00Z", labels: ["reports"], kind: "feature", body: "Show monthly revenue in EUR grouped by plan." },
    { key: "SUP-310", title: "Login page slow", created: "2025-11-02T09:00:00Z", status: "open", labels: ["frontend"], body: "The customer portal login takes five seconds to render on mobile." },
    { key: "SUP-311", title: "Export invoices as CSV", created: "2025-11-03T09:00:00Z", status: "open", labels: ["feature"], kind: "feature", body: "Accountants want a CSV export of all invoices of a quarter." },
    { key: "SUP-312", title: "Dark mode for the portal", created: "2025-11-04T09:00:00Z", status: "open", labels: ["frontend"], kind: "feature", body: "Please add a dark theme." },
    { key: "SUP-313", title: "Downgrade charged immediately", created: "2025-10-20T09:00:00Z", labels: ["billing"], body: "A customer moving from pro to basic got an invoice right away; downgrades should apply next cycle." },
    { key: "SUP-314", title: "Enterprise seat count wrong on invoice", created: "2025-12-20T09:00:00Z", status: "open", labels: ["billing"], body: "The invoice line should mention 100 seats for enterprise." },
    { key: "SUP-315", title: "Something is off with my bill", created: "2026-02-11T09:00:00Z", status: "open", labels: [], body: "My bill looks strange this month. Please check." },
    { key: "SUP-316", title: "Currency shown in lowercase on receipts", created: "2025-11-26T09:00:00Z", labels: ["billing"], body: "Receipts show 'eur' instead of 'EUR' for migrated customers." },
    { key: "SUP-317", title: "Retry storm against the provider", created: "2025-12-03T09:00:00Z", labels: ["payments"], body: "After INC-7 all retries hit the provider at once; add jitter to the backoff." },
    { key: "SUP-318", title: "Plan change on the last day of the month", created: "2026-02-27T09:00:00Z", status: "open", labels: ["proration"], body: "Changing plan on 28 February should charge one day of the new plan." },
    { key: "SUP-319", title: "Password reset email not received", created: "2026-02-20T09:00:00Z", status: "open", labels: ["portal"], body: "Reset emails for user jane.doe@customer.example never arrive." },
  ];
  return Object.fromEntries(tickets.map((t) => [`tickets/${t.key}.md`, md(t)]));
}
