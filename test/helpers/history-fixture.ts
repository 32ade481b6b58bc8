import { commitFiles, gitIn, makeRepo } from "./git-fixture.js";

/**
 * An authored history for the git-history tests: a rename, a mailmap that merges two identities, a cosmetic
 * reformat listed in .git-blame-ignore-revs, a bug introduced (SUP-7) and fixed later ("Fixes #12"), and a
 * config value changed twice with the reasons in the messages. Returns the commit shas by name.
 */
const ada = { name: "Ada Lovelace", email: "ada@example.test" };
const adaOld = { name: "ada", email: "ada@old.example" };
const bob = { name: "Bob Builder", email: "bob@example.test" };
const carol = { name: "Carol Format", email: "carol@example.test" };
const dan = { name: "Dan Fixer", email: "dan@example.test" };

const config = (timeout: number) => `export const config = {\n  paymentTimeoutMs: ${timeout},\n  currency: "EUR",\n};\n`;
const prorate = (indent: string, divisor: string) =>
  [
    "export function prorate(amount: number, days: number, daysInMonth: number): number {",
    `${indent}const share = days / ${divisor};`,
    `${indent}return Math.round(amount * share * 100) / 100;`,
    "}",
    "",
  ].join("\n");
const pay = (from: string) =>
  [
    `import { roundCents } from "${from}";`,
    'import { config } from "./config";',
    "",
    "export function charge(amount: number): { amount: number; timeoutMs: number } {",
    "  return { amount: roundCents(amount), timeoutMs: config.paymentTimeoutMs };",
    "}",
    "",
  ].join("\n");
const round = "export function roundCents(n: number): number {\n  return Math.round(n * 100) / 100;\n}\n";

export interface HistoryFixture {
  dir: string;
  sha: Record<"initial" | "proration" | "rename" | "reformat" | "ignore" | "timeout30" | "fix" | "timeout20", string>;
}

export function makeHistoryFixture(dir: string): HistoryFixture {
  makeRepo(dir, []);
  const at = (d: string) => `${d}T10:00:00Z`;
  const sha = {} as HistoryFixture["sha"];
  sha.initial = commitFiles(dir, {
    message: "Initial billing service",
    author: adaOld,
    date: at("2026-01-05"),
    files: { "src/config.ts": config(5000), "src/pay.ts": pay("./util/round"), "src/util/round.ts": round },
  });
  sha.proration = commitFiles(dir, { message: "SUP-7: add proration on plan change", author: bob, date: at("2026-01-20"), files: { "src/prorate.ts": prorate("  ", "30") } });
  sha.rename = commitFiles(dir, {
    message: "Move rounding helpers to lib",
    author: ada,
    date: at("2026-02-01"),
    files: { "src/util/round.ts": null, "src/lib/round.ts": round, "src/pay.ts": pay("./lib/round") },
  });
  sha.reformat = commitFiles(dir, { message: "Reformat with 4-space indent", author: carol, date: at("2026-02-10"), files: { "src/prorate.ts": prorate("    ", "30") } });
  sha.ignore = commitFiles(dir, {
    message: "Ignore the reformat in blame; merge Ada's identities",
    author: carol,
    date: at("2026-02-11"),
    files: {
      ".git-blame-ignore-revs": `# 4-space reformat\n${sha.reformat}\n`,
      ".mailmap": "Ada Lovelace <ada@example.test> ada <ada@old.example>\n",
    },
  });
  sha.timeout30 = commitFiles(dir, {
    message: "SUP-88: raise payment timeout to 30s\n\nSEPA banks take up to 20 seconds to answer.",
    author: bob,
    date: at("2026-03-01"),
    files: { "src/config.ts": config(30000) },
  });
  sha.fix = commitFiles(dir, {
    message: "Fix proration for short months\n\nThe share divided by 30 whatever the month.\n\nFixes #12",
    author: dan,
    date: at("2026-04-02"),
    files: { "src/prorate.ts": prorate("    ", "daysInMonth") },
  });
  sha.timeout20 = commitFiles(dir, {
    message: "SUP-120: lower payment timeout to 20s\n\nThe provider's new SLA answers within 10 seconds.",
    author: ada,
    date: at("2026-05-05"),
    files: { "src/config.ts": config(20000) },
  });
  return { dir, sha };
}

export { gitIn };
