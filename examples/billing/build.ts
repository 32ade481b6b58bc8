import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { commit, finalFiles, git, type Person, type Step } from "../history.js";
import { scenarioFiles } from "./scenarios.js";
import { ticketFiles } from "./tickets.js";

/**
 * Builds the sample billing service as a real git repository: `npm run example:build -- DIR`.
 * The service's final files live in examples/billing/service; this script replays a history that reaches
 * them, with several authors over months, ticket keys in messages, two shipped bugs fixed later, a revert,
 * a reformat listed in .git-blame-ignore-revs, ADRs, tickets, scenarios, and the branch pr/rounding-refactor.
 */
const SERVICE = join(dirname(fileURLToPath(import.meta.url)), "service");

const ADA: Person = { name: "Ada Lovelace", email: "ada@acme.test" };
const ADA_OLD: Person = { name: "ada", email: "ada@old-acme.test" };
const BOB: Person = { name: "Bob Builder", email: "bob@acme.test" };
const CAROL: Person = { name: "Carol Chen", email: "carol@acme.test" };
const DAN: Person = { name: "Dan Okafor", email: "dan@acme.test" };
const EVE: Person = { name: "Eve Martin", email: "eve@acme.test" };

const { finalFile, replaced } = finalFiles(SERVICE, "example");

/** Before the reformat, this file was indented with four spaces. */
const fourSpaces = (text: string) => text.replace(/^( +)/gm, (m) => m + m);

const RATES_BUG: Array<[string, string]> = [["const upper = code.trim().toUpperCase();", "const upper = code.trim();"]];
const EMAIL_BUG: Array<[string, string]> = [
  [
    " * Email checks for customer records. The pattern accepts hyphens in the local part and in domain labels:\n * billing contacts such as \"accounts-payable@acme-group.de\" are common (SUP-204).",
    " * Email checks for customer records.",
  ],
  ["/^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}$/", "/^[A-Za-z0-9._%+]+@[A-Za-z0-9]+(\\.[A-Za-z0-9]+)*\\.[A-Za-z]{2,}$/"],
];
const PRORATION_BUG: Array<[string, string]> = [["const share = remaining / total;", "const share = remaining / 30;"]];
const VAT_EARLY: Array<[string, string]> = [
  ["  SE: 0.25,\n", ""],
  ["  if (vatId && c !== HOME_COUNTRY) return { rate: 0, reverseCharge: true, reason: `business customer in ${c}: reverse charge` };\n", ""],
];
const VAT_NO_SWEDEN: Array<[string, string]> = [["  SE: 0.25,\n", ""]];
const CONVERT_BUG: Array<[string, string]> = [
  [
    " * Converts an amount between currencies. The amount is converted at full precision and rounded once, at the\n * end: rounding before converting loses a cent on EU invoices (ADR 0003, SUP-1423).",
    " * Converts an amount between currencies, rounded to cents.",
  ],
  ["return roundCents(amount * rate);", "return roundCents(roundCents(amount) * rate);"],
];


const day = (d: string) => `${d}T10:${String(d.length).padStart(2, "0")}:00Z`;
const f = (path: string) => ({ [path]: finalFile(path) });

export function buildBilling(dir: string): { dir: string; commits: Record<string, string> } {
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${dir} is not empty: pass a new or empty directory`);
  mkdirSync(dir, { recursive: true });
  git(dir, ["init", "-q", "-b", "main"]);
  const sha: Record<string, string> = {};
  const step = (name: string, s: Step) => (sha[name] = commit(dir, s));

  step("skeleton", { message: "Initial service skeleton", author: ADA_OLD, date: day("2025-09-01"), files: { ...f("package.json"), ...f("tsconfig.json"), ...f("src/db/pool.ts"), ...f("src/util/money.ts"), "src/config/index.ts": replaced("src/config/index.ts", [["timeoutMs: 30000", "timeoutMs: 5000"]]) } });
  step("adr1", { message: "Record architecture decisions", author: ADA_OLD, date: day("2025-09-02"), files: f("docs/adr/0001-record-architecture-decisions.md") });
  step("customers", { message: "Customers with email validation", author: ADA_OLD, date: day("2025-09-08"), files: { "src/customers/email.ts": replaced("src/customers/email.ts", EMAIL_BUG), ...f("src/customers/repository.ts"), ...f("src/customers/service.ts") } });
  step("plans", { message: "Plan catalogue: basic, pro, enterprise", author: BOB, date: day("2025-09-12"), files: f("src/plans/catalog.ts") });
  step("proration", { message: "SUP-101: prorate plan changes mid-cycle", author: BOB, date: day("2025-09-19"), files: { "src/billing/proration.ts": replaced("src/billing/proration.ts", PRORATION_BUG) } });
  step("rates", { message: "FX rates from the ECB reference feed", author: CAROL, date: day("2025-09-24"), files: { "src/fx/rates.ts": fourSpaces(replaced("src/fx/rates.ts", RATES_BUG)) } });
  step("convert", { message: "Currency conversion for invoices", author: CAROL, date: day("2025-09-26"), files: { "src/fx/convert.ts": replaced("src/fx/convert.ts", CONVERT_BUG) } });
  step("vat", { message: "EU VAT by the customer's country", author: DAN, date: day("2025-09-30"), files: { "src/tax/vat.ts": replaced("src/tax/vat.ts", VAT_EARLY) } });
  step("invoice", { message: "Invoices: plan price or proration, converted, with VAT", author: ADA, date: day("2025-10-02"), files: f("src/billing/invoice.ts") });
  step("subscriptions", { message: "Subscriptions and plan changes", author: BOB, date: day("2025-10-03"), files: f("src/subscriptions/service.ts") });
  step("provider", { message: "Payment provider over HTTP with a 5s timeout", author: EVE, date: day("2025-10-06"), files: { ...f("src/payments/provider.ts"), ...f("docs/adr/0002-payment-timeout-of-5-seconds.md") } });
  step("retry", { message: "Retry payments with exponential backoff", author: EVE, date: day("2025-10-09"), files: f("src/payments/retry.ts") });
  step("routes", { message: "HTTP routes for customers, plan changes and invoices", author: ADA, date: day("2025-10-14"), files: { ...f("src/http/routes.ts"), ...f("src/http/server.ts") } });
  step("reverse", { message: "Reverse charge for EU businesses abroad\n\nFixes SUP-250", author: DAN, date: day("2025-10-15"), files: { "src/tax/vat.ts": replaced("src/tax/vat.ts", VAT_NO_SWEDEN) } });
  step("sweden", { message: "SUP-251: add Swedish VAT", author: DAN, date: day("2025-10-17"), files: f("src/tax/vat.ts") });
  step("release10", { message: "Release 1.0.0", author: ADA_OLD, date: day("2025-10-18"), files: { "package.json": replaced("package.json", [['"version": "1.4.0"', '"version": "1.0.0"']]), ...f("README.md") } });
  step("credit", { message: "Credit notes for refunds", author: BOB, date: day("2025-10-21"), files: f("src/billing/credit-notes.ts") });
  step("coupons", { message: "Coupons: percent or amount off for a number of cycles", author: BOB, date: day("2025-10-23"), files: f("src/billing/discounts.ts") });
  step("address", { message: "Billing addresses with postal code checks", author: ADA_OLD, date: day("2025-10-24"), files: f("src/customers/address.ts") });
  step("reformat", { message: "Reformat src/fx with two-space indent", author: CAROL, date: day("2025-10-28"), files: { "src/fx/rates.ts": replaced("src/fx/rates.ts", RATES_BUG) } });
  step("ignore", {
    message: "Ignore the reformat in blame; merge Ada's identities",
    author: CAROL,
    date: day("2025-10-29"),
    files: { ".git-blame-ignore-revs": `# two-space reformat of src/fx\n${sha.reformat}\n`, ".mailmap": "Ada Lovelace <ada@acme.test> ada <ada@old-acme.test>\n" },
  });
  step("emailfix", { message: "Accept hyphens in email addresses\n\nBilling contacts like accounts-payable@acme-group.de were rejected.\n\nFixes SUP-204", author: DAN, date: day("2025-11-04"), files: f("src/customers/email.ts") });
  step("dunning", { message: "Dunning steps for overdue invoices", author: BOB, date: day("2025-11-10"), files: f("src/billing/dunning.ts") });
  step("mail", { message: "Invoice and reminder emails", author: EVE, date: day("2025-11-12"), files: f("src/notifications/email-sender.ts") });
  step("tests", { message: "Tests for proration, email and money", author: DAN, date: day("2025-11-13"), files: { ...f("test/email.test.ts"), ...f("test/money.test.ts"), "test/proration.test.ts": finalFile("test/proration.test.ts") } });
  step("prorationfix", {
    message: "Fix proration for months that are not 30 days long\n\nThe share divided the remaining days by 30 whatever the month: a change on 15 February charged 14/30 instead of 14/28.\n\nFixes SUP-131",
    author: DAN,
    date: day("2025-11-18"),
    files: f("src/billing/proration.ts"),
  });
  step("cache", { message: "Cache FX rates per day", author: CAROL, date: day("2025-11-20"), files: { "src/fx/rates.ts": replaced("src/fx/rates.ts", [...RATES_BUG, ["private readonly cache = new Map<string, number>();", "private readonly cache = new Map<string, number>(); // one day"]]) } });
  git(dir, ["revert", "--no-edit", "HEAD"], CAROL, day("2025-11-21"));
  sha.revert = git(dir, ["rev-parse", "HEAD"]).trim();
  step("ratesfix", { message: "Accept lowercase currency codes\n\nInvoices for customers stored with 'eur' threw Invalid currency code.\n\nFixes SUP-188", author: CAROL, date: day("2025-11-27"), files: f("src/fx/rates.ts") });
  step("timeout", {
    message: "SUP-240: raise payment timeout to 30s\n\nSEPA direct debits take up to 20 seconds to answer; with 5s one charge in eight timed out (INC-7).",
    author: EVE,
    date: day("2025-12-08"),
    files: { ...f("src/config/index.ts"), ...f("docs/adr/0004-payment-timeout-of-30-seconds.md") },
  });
  step("webhooks", { message: "Webhooks from the payment provider", author: EVE, date: day("2025-12-15"), files: f("src/webhooks/provider-events.ts") });
  step("auth", { message: "API keys for partner integrations", author: ADA, date: day("2025-12-18"), files: f("src/http/auth.ts") });
  step("monthly", { message: "Monthly billing run", author: ADA, date: day("2026-01-05"), files: f("src/jobs/monthly-run.ts") });
  step("fxonce", { message: "SUP-1423: round FX amounts once, after conversion", author: CAROL, date: day("2026-01-19"), files: { ...f("src/fx/convert.ts"), ...f("docs/adr/0003-round-fx-once.md") } });
  step("revenue", { message: "Revenue report by plan", author: DAN, date: day("2026-02-02"), files: f("src/reports/revenue.ts") });
  step("release14", { message: "Release 1.4.0", author: ADA, date: day("2026-02-03"), files: { ...f("package.json"), ...f("CHANGELOG.md") } });
  step("tickets", { message: "Support tickets exported for triage", author: BOB, date: day("2026-03-02"), files: ticketFiles(finalFile) });
  step("scenarios", { message: "Scenarios for the billing workflows", author: ADA, date: day("2026-03-05"), files: scenarioFiles() });

  // The pull request under review: a rounding refactor that rounds proration shares, and a harmless rename.
  git(dir, ["checkout", "-q", "-b", "pr/rounding-refactor"]);
  step("pr1", {
    message: "Simplify rounding in proration",
    author: BOB,
    date: day("2026-03-10"),
    files: { "src/billing/proration.ts": replaced("src/billing/proration.ts", [["const share = remaining / total;", "const share = Math.round((remaining / total) * 100) / 100;"]]) },
  });
  step("pr2", { message: "Name the dunning thresholds", author: BOB, date: day("2026-03-10"), files: { "src/billing/dunning.ts": replaced("src/billing/dunning.ts", [["export function dunningStep(daysOverdue: number): DunningStep {", "/** The step for an invoice this many days overdue. */\nexport function dunningStep(daysOverdue: number): DunningStep {"]]) } });
  git(dir, ["checkout", "-q", "main"]);
  return { dir, commits: sha };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = process.argv[2];
  if (!target) {
    console.error("usage: npm run example:build -- DIR");
    process.exit(2);
  }
  const { dir, commits } = buildBilling(target);
  console.log(`built the sample billing service in ${dir}: ${Object.keys(commits).length} commits on main and pr/rounding-refactor`);
  console.log(`relative to here: ${relative(process.cwd(), dir) || "."}`);
}
