import { execFileSync } from "node:child_process";
import { generateRepo } from "./generate-repo.js";
import { median } from "./measure.js";
import { importTickets } from "../servers/tickets/importer.js";
import { Ticket } from "../servers/tickets/model.js";
import { searchTickets, similarTickets } from "../servers/tickets/queries.js";
import { TicketService } from "../servers/tickets/service.js";

/**
 * Child process of `npm run bench`: 50,000 generated tickets about a generated service (stack traces into its
 * code, its error messages and config keys, customers, free text), imported in batches; then search and
 * similar_tickets latency. Prints JSON.
 */
const [dir, countText = "50000"] = process.argv.slice(2);
if (!dir) throw new Error("usage: tickets.ts DIR [TICKETS]");
const COUNT = Number(countText);
const repo = generateRepo(dir, 200);
const env = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_AUTHOR_NAME: "Bench", GIT_AUTHOR_EMAIL: "b@example.test", GIT_COMMITTER_NAME: "Bench", GIT_COMMITTER_EMAIL: "b@example.test" };
execFileSync("git", ["init", "-q", "-b", "main"], { cwd: dir, env });
execFileSync("git", ["add", "-A"], { cwd: dir, env });
execFileSync("git", ["commit", "-q", "-m", "service"], { cwd: dir, env });

let seed = 5;
const rand = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const WORDS = "invoice payment refund currency proration customer account login export report timeout retry webhook email receipt discount coupon tax vat plan upgrade downgrade trial cancel subscription card bank sepa ledger balance statement".split(" ");
const VERBS = "fails crashes hangs shows wrong duplicates ignores rounds misses rejects delays".split(" ");
const CUSTOMERS = ["Acme GmbH", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries"];
const unit = (i: number) => `src/mod${i % 20}/unit${Math.floor(i / 20)}.ts`;

function ticket(n: number): Ticket {
  const a = pick(WORDS);
  const b = pick(WORDS);
  const step = Math.floor(rand() * 200);
  const lines = [`The ${a} ${pick(VERBS)} when the ${b} changes for ${pick(CUSTOMERS)}.`, `Steps: open the ${a} page, change the ${b}, save.`];
  if (rand() < 0.3) {
    lines.push(`Error: Invalid amount in step ${step}: -${Math.floor(rand() * 100)}`);
    lines.push(`    at compute${step} (/app/${unit(step)}:11:11)`);
    lines.push(`    at U${step}Service.handle (/app/${unit(step)}:36:20)`);
    lines.push("    at processTicksAndRejections (node:internal/process/task_queues:95:5)");
  }
  if (rand() < 0.2) lines.push(`We set STEP_${step % 50}_LIMIT to ${Math.floor(rand() * 1000)} in production.`);
  if (rand() < 0.1) lines.push(`Contact: user${n}@customer.example`);
  return Ticket.parse({
    key: `SUP-${n + 1}`,
    title: `${a[0]?.toUpperCase()}${a.slice(1)} ${pick(VERBS)} for ${b}`,
    body: lines.join("\n"),
    status: pick(["open", "open", "closed", "in progress"]),
    labels: [a, b],
    components: [`mod${step % 20}`],
    created: new Date(Date.UTC(2025, 0, 1) + n * 600_000).toISOString(),
    customers: [pick(CUSTOMERS)],
  });
}

const service = new TicketService(dir);
const all = Array.from({ length: COUNT }, (_, i) => ticket(i));
const started = performance.now();
for (let i = 0; i < all.length; i += 5000) await importTickets(service.importContext(), all.slice(i, i + 5000));
const importMs = performance.now() - started;

const searchTimes: number[] = [];
for (let i = 0; i < 30; i++) {
  const q = `${pick(WORDS)} ${pick(VERBS)}`;
  const t = performance.now();
  await searchTickets(service.store, q, {}, 50);
  searchTimes.push(performance.now() - t);
}
const similarTimes: number[] = [];
for (let i = 0; i < 30; i++) {
  const key = `SUP-${1 + Math.floor(rand() * COUNT)}`;
  const t = performance.now();
  await similarTickets(service.store, key, 10);
  similarTimes.push(performance.now() - t);
}
service.close();
process.stdout.write(JSON.stringify({ tickets: COUNT, files: repo.files, importMs, searchMedianMs: median(searchTimes), similarMedianMs: median(similarTimes) }));
