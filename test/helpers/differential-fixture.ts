import { Simulate, type Scenario } from "../../servers/scenarios/format.js";

/**
 * Small differential cases: a module at base, the same module at head, the steps that exercise it, and the
 * verdict and root-cause line the simulation must give. A head line marked `// CHANGED` is the root cause.
 */
export interface DiffCase {
  name: string;
  base: string;
  head: string;
  simulate: Record<string, unknown>;
  verdict: "pass" | "fail" | "at-risk" | "unaffected" | "error";
  /** Other files the case needs at both revisions. */
  extra?: Record<string, string>;
  /** Expected substrings of the reason. */
  reason?: string[];
}

const call = (name: string, fn: string, args: unknown[], expect: string[], extra: Record<string, unknown> = {}) => ({
  steps: [{ call: `src/cases/${name}.ts#${fn}`, args, expect, ...extra }],
});

export const CASES: DiffCase[] = [
  {
    name: "arithmetic",
    base: "export function vat(net: number): number {\n  const rate = 0.19;\n  return Math.round(net * rate * 100) / 100;\n}\n",
    head: "export function vat(net: number): number {\n  const rate = 0.2; // CHANGED\n  return Math.round(net * rate * 100) / 100;\n}\n",
    simulate: call("arithmetic", "vat", [100], ["result === 19"]),
    verdict: "fail",
  },
  {
    name: "string",
    base: "export function greet(name: string): string {\n  const text = `Hello, ${name}`;\n  return text;\n}\n",
    head: "export function greet(name: string): string {\n  const text = `Hi, ${name}`; // CHANGED\n  return text;\n}\n",
    simulate: call("string", "greet", ["Ada"], ['result === "Hello, Ada"']),
    verdict: "fail",
  },
  {
    name: "branch",
    base: "export function discount(total: number): number {\n  if (total > 100) return 10;\n  return 0;\n}\n",
    head: "export function discount(total: number): number {\n  if (total >= 100) return 10; // CHANGED\n  return 0;\n}\n",
    simulate: call("branch", "discount", [100], ["result === 0"]),
    verdict: "fail",
  },
  {
    name: "async",
    base: "export async function total(xs: number[]): Promise<number> {\n  const values = await Promise.all(xs.map(async (x) => x * 2));\n  return values.reduce((a, b) => a + b, 0);\n}\n",
    head: "export async function total(xs: number[]): Promise<number> {\n  const values = await Promise.all(xs.map(async (x) => x * 3)); // CHANGED\n  return values.reduce((a, b) => a + b, 0);\n}\n",
    simulate: call("async", "total", [[1, 2, 3]], ["result === 12"]),
    verdict: "fail",
  },
  {
    name: "class-method",
    base: "export class Account {\n  constructor(private balance: number) {}\n  withdraw(n: number): number {\n    this.balance = this.balance - n;\n    return this.balance;\n  }\n}\n",
    head: "export class Account {\n  constructor(private balance: number) {}\n  withdraw(n: number): number {\n    this.balance = this.balance - n - 1; // CHANGED\n    return this.balance;\n  }\n}\n",
    simulate: { steps: [{ call: "src/cases/class-method.ts#Account.withdraw", construct: [10], args: [3], expect: ["result === 7"] }] },
    verdict: "fail",
  },
  {
    name: "closure",
    base: "function counter(step: number) {\n  let n = 0;\n  return () => (n += step);\n}\nexport function countTo(times: number): number {\n  const next = counter(1);\n  let last = 0;\n  for (let i = 0; i < times; i++) last = next();\n  return last;\n}\n",
    head: "function counter(step: number) {\n  let n = 0;\n  return () => (n += step);\n}\nexport function countTo(times: number): number {\n  const next = counter(2); // CHANGED\n  let last = 0;\n  for (let i = 0; i < times; i++) last = next();\n  return last;\n}\n",
    simulate: call("closure", "countTo", [3], ["result === 3"]),
    verdict: "fail",
  },
  {
    name: "exception",
    base: "export function parseQty(s: string): number {\n  const n = Number(s);\n  if (!Number.isInteger(n)) throw new RangeError(`not a quantity: ${s}`);\n  return n;\n}\n",
    head: "export function parseQty(s: string): number {\n  const n = Number(s);\n  if (Number.isNaN(n)) throw new RangeError(`not a quantity: ${s}`); // CHANGED\n  return n;\n}\n",
    simulate: call("exception", "parseQty", ["1.5"], ["error instanceof RangeError"]),
    verdict: "fail",
  },
  {
    name: "timers",
    base: "export function later(ms: number): Promise<number> {\n  const delay = ms;\n  return new Promise((resolve) => setTimeout(() => resolve(Date.now()), delay));\n}\n",
    head: "export function later(ms: number): Promise<number> {\n  const delay = ms * 2; // CHANGED\n  return new Promise((resolve) => setTimeout(() => resolve(Date.now()), delay));\n}\n",
    simulate: { world: { clock: "2026-03-01T00:00:00Z" }, ...call("timers", "later", [60000], ["result === Date.parse('2026-03-01T00:01:00Z')"]) },
    verdict: "fail",
  },
  {
    name: "generator",
    base: "function* evens(n: number) {\n  for (let i = 0; i < n; i++) yield i * 2;\n}\nexport function sumEvens(n: number): number {\n  let s = 0;\n  for (const x of evens(n)) s += x;\n  return s;\n}\n",
    head: "function* evens(n: number) {\n  for (let i = 0; i < n; i++) yield i * 2 + 1; // CHANGED\n}\nexport function sumEvens(n: number): number {\n  let s = 0;\n  for (const x of evens(n)) s += x;\n  return s;\n}\n",
    simulate: call("generator", "sumEvens", [4], ["result === 12"]),
    verdict: "fail",
  },
  {
    name: "db-stub",
    base: 'import { Pool } from "pg";\nconst pool = new Pool();\nexport async function markPaid(id: string): Promise<number> {\n  const sql = "update invoices set paid = true where id = $1";\n  const r = await pool.query(sql, [id]);\n  return r.rowCount;\n}\n',
    head: 'import { Pool } from "pg";\nconst pool = new Pool();\nexport async function markPaid(id: string): Promise<number> {\n  const sql = "update invoices set paid = true"; // CHANGED\n  const r = await pool.query(sql, [id]);\n  return r.rowCount;\n}\n',
    simulate: {
      world: { stubs: { "pg#Pool.query": [{ match: { 0: "update invoices set paid = true where id = $1" }, returns: { rowCount: 1 } }, { returns: { rowCount: 40 } }] } },
      ...call("db-stub", "markPaid", ["inv_1"], ["result === 1", "effects.some(e => e.target === 'pg#Pool.query' && e.args[0].includes('where id'))"]),
    },
    verdict: "fail",
  },
  {
    name: "npm-pure",
    extra: {},
    base: 'import padStart from "pad-lite";\nimport { shout } from "esm-shout";\nexport function label(code: string): string {\n  const padded = padStart(code, 6, "0");\n  return shout(padded);\n}\n',
    head: 'import padStart from "pad-lite";\nimport { shout } from "esm-shout";\nexport function label(code: string): string {\n  const padded = padStart(code, 8, "0"); // CHANGED\n  return shout(padded);\n}\n',
    simulate: call("npm-pure", "label", ["ab"], ['result === "00AB!"']),
    verdict: "fail",
  },
  {
    name: "builtin-ports",
    base: 'import { join } from "node:path";\nimport { format } from "util";\nimport { EventEmitter } from "events";\nimport { createHash } from "crypto";\nexport function describe(dir: string): string {\n  const bus = new EventEmitter();\n  let seen = "";\n  bus.on("x", (v: string) => (seen = v));\n  bus.emit("x", join(dir, "a.txt"));\n  const digest = createHash("sha256").update(seen).digest("hex").slice(0, 8);\n  return format("%s %s", seen, digest);\n}\n',
    head: 'import { join } from "node:path";\nimport { format } from "util";\nimport { EventEmitter } from "events";\nimport { createHash } from "crypto";\nexport function describe(dir: string): string {\n  const bus = new EventEmitter();\n  let seen = "";\n  bus.on("x", (v: string) => (seen = v));\n  bus.emit("x", join(dir, "b.txt")); // CHANGED\n  const digest = createHash("sha256").update(seen).digest("hex").slice(0, 8);\n  return format("%s %s", seen, digest);\n}\n',
    simulate: call("builtin-ports", "describe", ["/data/../in"], ['result === "/in/a.txt 31e535d3"']),
    verdict: "fail",
  },
  {
    name: "unaffected",
    base: "export function used(n: number): number {\n  return n + 1;\n}\nexport function unused(n: number): number {\n  return n - 1;\n}\n",
    head: "export function used(n: number): number {\n  return n + 1;\n}\nexport function unused(n: number): number {\n  return n - 2;\n}\n",
    simulate: call("unaffected", "used", [1], ["result === 2"]),
    verdict: "unaffected",
  },
  {
    name: "refactor-pass",
    base: "export function area(w: number, h: number): number {\n  const a = w * h;\n  return a;\n}\n",
    head: "export function area(w: number, h: number): number {\n  const product = w * h;\n  return product;\n}\n",
    simulate: call("refactor-pass", "area", [3, 4], ["result === 12"]),
    verdict: "pass",
  },
  {
    name: "unchecked-change",
    base: 'export function order(qty: number) {\n  const note = "standard";\n  return { qty, note };\n}\n',
    head: 'export function order(qty: number) {\n  const note = "express"; // CHANGED\n  return { qty, note };\n}\n',
    simulate: call("unchecked-change", "order", [2], ["result.qty === 2"]),
    verdict: "at-risk",
    reason: ["behaviour changed where they do not look"],
  },
  {
    // A Response has no own keys (Node copies it as {}): its status and body are read from its slots.
    name: "web-response",
    base: 'export function quote(n: number): Response {\n  const status = 200;\n  return new Response(JSON.stringify({ total: n * 3 }), { status, headers: { "content-type": "application/json" } });\n}\n',
    head: 'export function quote(n: number): Response {\n  const status = 202; // CHANGED\n  return new Response(JSON.stringify({ total: n * 3 }), { status, headers: { "content-type": "application/json" } });\n}\n',
    simulate: call("web-response", "quote", [10], ["result.ok === true"]),
    verdict: "at-risk",
  },
  {
    name: "symbolic",
    base: 'import { Pool } from "pg";\nconst pool = new Pool();\nexport async function balance(id: string): Promise<number> {\n  const r = await pool.query("select balance from accounts where id = $1", [id]);\n  return r.rows[0].balance + 1;\n}\n',
    head: 'import { Pool } from "pg";\nconst pool = new Pool();\nexport async function balance(id: string): Promise<number> {\n  const r = await pool.query("select balance from accounts where id = $1", [id]);\n  return r.rows[0].balance + 2; // CHANGED\n}\n',
    simulate: call("symbolic", "balance", ["a1"], ["result > 0"]),
    verdict: "at-risk",
    reason: ["No stub answered pg#Pool.query"],
  },
  {
    name: "syntax-error",
    base: "export function ok(): number {\n  return 1;\n}\n",
    head: "export function ok(): number {\n  return (1; // CHANGED\n}\n",
    simulate: call("syntax-error", "ok", [], ["result === 1"]),
    verdict: "error",
    reason: ["on head", "src/cases/syntax-error.ts:2"],
  },
  {
    name: "stub-sequence",
    base: 'import { fetchRate } from "./rate-source";\nexport async function rateWithRetry(): Promise<number> {\n  for (let attempt = 1; attempt <= 3; attempt++) {\n    try {\n      return await fetchRate("USD");\n    } catch {\n      continue;\n    }\n  }\n  return -1;\n}\n',
    head: 'import { fetchRate } from "./rate-source";\nexport async function rateWithRetry(): Promise<number> {\n  for (let attempt = 1; attempt <= 1; attempt++) { // CHANGED\n    try {\n      return await fetchRate("USD");\n    } catch {\n      continue;\n    }\n  }\n  return -1;\n}\n',
    extra: { "src/cases/rate-source.ts": 'export async function fetchRate(code: string): Promise<number> {\n  throw new Error(`no network for ${code}`);\n}\n' },
    simulate: {
      world: { stubs: { "src/cases/rate-source.ts#fetchRate": { match: { 0: "USD" }, sequence: [{ throws: "timeout" }, { returns: 1.08 }] } } },
      ...call("stub-sequence", "rateWithRetry", [], ["result === 1.08", "effects.length === 2"]),
    },
    verdict: "fail",
  },
  {
    name: "args-js",
    base: "export function keys(m: Map<string, number>, at: Date): string {\n  const ks = [...m.keys()].sort();\n  return `${ks.join(',')}@${at.getUTCFullYear()}`;\n}\n",
    head: "export function keys(m: Map<string, number>, at: Date): string {\n  const ks = [...m.keys()]; // CHANGED\n  return `${ks.join(',')}@${at.getUTCFullYear()}`;\n}\n",
    simulate: { steps: [{ call: "src/cases/args-js.ts#keys", args_js: "[new Map([['b', 1], ['a', 2]]), new Date('2026-05-01')]", expect: ['result === "a,b@2026"'] }] },
    verdict: "fail",
  },
  {
    name: "seeded-random",
    base: "export function pick(xs: string[]): string {\n  const i = Math.floor(Math.random() * xs.length);\n  return `${xs[i]}:${crypto.randomUUID().length}`;\n}\n",
    head: "export function pick(xs: string[]): string {\n  const n = xs.length;\n  const i = Math.floor(Math.random() * n);\n  return `${xs[i]}:${crypto.randomUUID().length}`;\n}\n",
    simulate: { world: { seed: 7 }, ...call("seeded-random", "pick", [["a", "b", "c", "d"]], ["result.endsWith(':36')"]) },
    verdict: "pass",
  },
  {
    name: "env",
    base: 'export function region(): string {\n  const r = process.env.REGION ?? "eu";\n  return r.toUpperCase();\n}\n',
    head: 'export function region(): string {\n  const r = process.env.REGION ?? "us";\n  return r.toUpperCase();\n}\n',
    simulate: { world: { env: { REGION: "ap" } }, ...call("env", "region", [], ['result === "AP"']) },
    verdict: "pass",
  },
  {
    name: "removed-line",
    base: "export function fee(total: number): number {\n  let out = total;\n  out += 2;\n  return out;\n}\n",
    head: "export function fee(total: number): number {\n  let out = total;\n  return out; // CHANGED\n}\n",
    simulate: call("removed-line", "fee", [10], ["result === 12"]),
    verdict: "fail",
  },
  {
    name: "fs-effect",
    base: 'import { writeFileSync } from "node:fs";\nexport function save(data: string): number {\n  const path = "/tmp/worldline-sandbox-probe/base.txt";\n  writeFileSync(path, data);\n  return data.length;\n}\n',
    head: 'import { writeFileSync } from "node:fs";\nexport function save(data: string): number {\n  const path = "/tmp/worldline-sandbox-probe/head.txt"; // CHANGED\n  writeFileSync(path, data);\n  return data.length;\n}\n',
    simulate: call("fs-effect", "save", ["hello"], ["result === 5", "the file is written where operators expect it"]),
    verdict: "at-risk",
    reason: ["1 changed", "1 prose expectation(s) unchecked"],
  },
];

/** Packages installed in the fixture repo's node_modules (not in git): one CommonJS, one ESM with `exports`. */
export const PACKAGES: Record<string, string> = {
  "node_modules/pad-lite/package.json": JSON.stringify({ name: "pad-lite", version: "1.0.0", main: "lib/index.js" }),
  "node_modules/pad-lite/lib/index.js": "module.exports = function padStart(s, n, c) { while (s.length < n) s = c + s; return s; };\nmodule.exports.default = module.exports;\n",
  "node_modules/esm-shout/package.json": JSON.stringify({ name: "esm-shout", version: "1.0.0", type: "module", exports: { ".": { import: "./src/index.js" } } }),
  "node_modules/esm-shout/src/index.js": 'import { suffix } from "./suffix.js";\nexport function shout(s) { return s.toUpperCase().replace(/^0{2}/, "") + suffix; }\n',
  "node_modules/esm-shout/src/suffix.js": 'export const suffix = "!";\n',
};

export function scenarioOf(c: DiffCase): Scenario {
  return { id: c.name, title: c.name, source: [], customers: [], tags: [], entry: [], simulate: Simulate.parse(c.simulate), path: `scenarios/${c.name}.md`, prose: "" };
}

/** The head line marked `// CHANGED` (1-based), if any. */
export function changedLine(c: DiffCase): number | undefined {
  const i = c.head.split("\n").findIndex((l) => l.includes("// CHANGED"));
  return i >= 0 ? i + 1 : undefined;
}
