import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { commit, finalFiles, git, type Person, type Step } from "../history.js";

/**
 * Builds the sample shop as a real git repository: `npx tsx examples/shop/build.ts DIR`.
 * Three services, each its own package: orders (node:http) charges a cart through billing (polka) over HTTP
 * and publishes `order-paid` on Kafka, which notifications consumes to queue a receipt in PostgreSQL. The
 * final files live in examples/shop/repo; this script replays a short history by several people that reaches
 * them, then the branch pr/tax-rounding, whose one commit changes only billing: tax rounded per line again,
 * which the orders scenario catches (the amount charged and the receipt move by a cent).
 */
const FILES = join(dirname(fileURLToPath(import.meta.url)), "repo");

const ADA: Person = { name: "Ada Lovelace", email: "ada@acme.test" };
const BOB: Person = { name: "Bob Builder", email: "bob@acme.test" };
const CAROL: Person = { name: "Carol Chen", email: "carol@acme.test" };
const EVE: Person = { name: "Eve Martin", email: "eve@acme.test" };

const { finalFile, replaced } = finalFiles(FILES, "shop");

/** Every final file under a folder of the shop, by repo path. */
function tree(folder: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(FILES, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else out[path] = finalFile(path);
    }
  };
  walk(folder);
  return out;
}

const f = (...paths: string[]) => Object.fromEntries(paths.map((p) => [p, finalFile(p)]));

/** Billing's tax as it first shipped, and as pr/tax-rounding brings it back: each line rounded, then summed. */
const TAX_PER_LINE: Array<[string, string]> = [
  ['import { subtotalCents, type Line } from "./cart.js";', 'import { lineCents, type Line } from "./cart.js";'],
  [
    "/**\n * Tax on a cart, in cents. It is computed on the subtotal and rounded once: rounding each line first drifts\n * by a cent on carts of cheap items, and the receipt no longer matches what the card was charged.\n */",
    "/** Tax on a cart, in cents: each line's tax rounded to the cent, as the invoice prints it per line. */",
  ],
  ["  const subtotal = subtotalCents(lines);\n  const tax = Math.round(subtotal * TAX_RATE);\n  return tax;", "  return lines.reduce((sum, line) => sum + Math.round(lineCents(line) * TAX_RATE), 0);"],
];
const CHECKOUT_BEFORE_EVENTS: Array<[string, string]> = [
  ['import { publishOrderPaid } from "./events.js";\n', ""],
  ["  await publishOrderPaid(order);\n", ""],
  ["/** Places an order: billing charges the cart, the order is kept as paid, and `order-paid` tells notifications. */", "/** Places an order: billing charges the cart and the order is kept as paid. */"],
];


const day = (d: string, hour = 10) => `${d}T${String(hour).padStart(2, "0")}:00:00Z`;

/**
 * Copies an npm package and its dependencies from Worldline's own install into the shop's node_modules: a
 * real copy, since the sandbox loads only packages that lie inside the repo (a symlink out is refused).
 * Resolved as Node would from here, so a hoisted install (Worldline inside another project) is found too.
 */
function installFromWorldline(repo: string, name: string, from: string = fileURLToPath(import.meta.url), seen = new Set<string>()): void {
  if (seen.has(name)) return;
  seen.add(name);
  let manifest: string;
  try {
    manifest = createRequire(from).resolve(`${name}/package.json`);
  } catch {
    throw new Error(`the sample shop needs ${name} from Worldline's node_modules, and it is not installed: run npm ci in Worldline's folder`);
  }
  cpSync(dirname(manifest), join(repo, "node_modules", name), { recursive: true });
  const pkg = JSON.parse(readFileSync(manifest, "utf8")) as { dependencies?: Record<string, string> };
  for (const dep of Object.keys(pkg.dependencies ?? {})) installFromWorldline(repo, dep, manifest, seen);
}

/** The services the shop's worldline.config.json maps, as written there. */
export const SHOP_SERVICES = ["orders", "billing", "notifications"] as const;
/** The branch under review. */
export const SHOP_PR = "pr/tax-rounding";

export function buildShop(dir: string): { dir: string; commits: Record<string, string> } {
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${dir} is not empty: pass a new or empty directory`);
  mkdirSync(dir, { recursive: true });
  git(dir, ["init", "-q", "-b", "main"]);
  const sha: Record<string, string> = {};
  const step = (name: string, s: Step) => (sha[name] = commit(dir, s));
  const orders = (p: string) => `services/orders/${p}`;
  const billing = (p: string) => `services/billing/${p}`;

  step("orders", {
    message: "Orders: place and look up orders over HTTP, charged through billing",
    author: ADA,
    date: day("2025-11-03"),
    files: {
      ...f("package.json", ".gitignore", "tsconfig.json"),
      ...f(orders("package.json"), orders("Dockerfile"), orders("src/model.ts"), orders("src/store.ts"), orders("src/billing-client.ts"), orders("src/server.ts")),
      [orders("src/checkout.ts")]: replaced(orders("src/checkout.ts"), CHECKOUT_BEFORE_EVENTS),
    },
  });
  step("billing", {
    message: "Billing: price carts with sales tax and the card fee, keep a ledger (polka)",
    author: CAROL,
    date: day("2025-11-05"),
    files: {
      ...f(billing("package.json"), billing("Dockerfile"), billing("src/cart.ts"), billing("src/pricing.ts"), billing("src/ledger.ts"), billing("src/server.ts")),
      [billing("src/tax.ts")]: replaced(billing("src/tax.ts"), TAX_PER_LINE),
    },
  });
  step("notifications", {
    message: "Notifications: a receipt for every paid order, from order-paid on Kafka",
    author: EVE,
    date: day("2025-11-12"),
    files: { ...tree("services/notifications"), ...f(orders("src/events.ts"), orders("src/checkout.ts")) },
  });
  step("compose", { message: "docker-compose for the three services, with Kafka and PostgreSQL", author: BOB, date: day("2025-11-14"), files: f("docker-compose.yml", "README.md") });
  step("taxonce", {
    message:
      "Tax on the cart total, rounded once\n\nReceipts for carts of cheap items showed a cent less tax than the card statement: each line's tax was rounded before summing. Tax is now computed on the subtotal and rounded once.",
    author: CAROL,
    date: day("2025-12-01"),
    files: f(billing("src/tax.ts")),
  });
  step("scenarios", { message: "Service map for Worldline, and checkout scenarios across the services", author: ADA, date: day("2026-01-12"), files: { ...f("worldline.config.json"), ...tree("scenarios") } });

  // The pull request under review: billing alone, rounding each line's tax again so the invoice lines add up.
  git(dir, ["checkout", "-q", "-b", SHOP_PR]);
  step("pr", {
    message: "Round tax per line, so invoice lines add up to the tax total",
    author: BOB,
    date: day("2026-03-09"),
    files: { [billing("src/tax.ts")]: replaced(billing("src/tax.ts"), TAX_PER_LINE) },
  });
  git(dir, ["checkout", "-q", "main"]);
  // Installed, not committed (.gitignore): billing's one package from npm.
  installFromWorldline(dir, "polka");
  return { dir, commits: sha };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = process.argv[2];
  if (!target) {
    console.error("usage: npx tsx examples/shop/build.ts DIR");
    process.exit(2);
  }
  const { dir, commits } = buildShop(target);
  console.log(`built the sample shop in ${dir}: ${Object.keys(commits).length} commits on main and ${SHOP_PR}`);
  console.log(`relative to here: ${relative(process.cwd(), dir) || "."}`);
}
