import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { diffFiles } from "../servers/git-history/diff.js";
import { compareRuns } from "../servers/scenarios/compare.js";
import { differentialVerdict, errorVerdict } from "../servers/scenarios/differential.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type Limits, type RunResult } from "../servers/scenarios/sandbox/protocol.js";
import { ScenarioService } from "../servers/scenarios/service.js";
import { formatTable, GIT_ENV, invokedDirectly } from "./common.js";

/**
 * Across services at scale (issue 22): a generated repo of 50 services, each its own folder and package with a
 * node:http listener. Service i's handler works out its own value, keeps it in its in-memory state, records two
 * changes through pg (an insert and an update: 100 effects in all), and calls service i+1 over HTTP with fetch;
 * the last one answers, and each answer flows back up the chain. One scenario enters at service 1. Head changes
 * service 37's computation. Both sides run through the real sandbox pool (one child, so its memory is its own);
 * the verdict is the engine's (compareRuns, differentialVerdict).
 *
 * Standalone: `npx tsx bench/services.ts`; in the bench: `BENCH_ONLY=services npm run bench`.
 * Environment: SERVICES_COUNT (default 50), SERVICES_CHANGED (default 37), SERVICES_CPU_MS and
 * SERVICES_MAX_EVENTS (the run's limits; default the sandbox's own, 2000 ms and 50,000 events).
 */
const COUNT = Number(process.env.SERVICES_COUNT ?? 50);
const CHANGED = Number(process.env.SERVICES_CHANGED ?? 37);
const START = 11;
const MOD = 10_007;

const name = (i: number) => `s${String(i).padStart(2, "0")}`;
/** The statement head changes in the one changed service. */
const mixLine = (i: number, head: boolean) => `  const mixed = value * FACTOR + ${head && i === CHANGED ? i + 1 : i};`;

function workTs(i: number, head: boolean): string {
  return [
    `/** Service ${name(i)}'s own computation on the value it is handed. */`,
    "export const FACTOR = 31;",
    "export function work(value: number): number {",
    mixLine(i, head),
    `  return mixed % ${MOD};`,
    "}",
    "",
  ].join("\n");
}

function serverTs(i: number): string {
  const next = i < COUNT ? `http://${name(i + 1)}:3000/hop` : undefined;
  return [
    'import { createServer } from "node:http";',
    'import { Pool } from "pg";',
    'import { work } from "./work.js";',
    "",
    "const db = new Pool();",
    "/** This service's own state: the values it worked out, and their running total. */",
    "const seen: number[] = [];",
    "let total = 0;",
    "",
    "function body(req: import(\"node:http\").IncomingMessage): Promise<string> {",
    "  return new Promise((resolve) => {",
    '    let text = "";',
    '    req.on("data", (c) => (text += c));',
    '    req.on("end", () => resolve(text));',
    "  });",
    "}",
    "",
    "export const server = createServer(async (req, res) => {",
    "  const { value, path } = JSON.parse(await body(req)) as { value: number; path: string[] };",
    "  const mine = work(value);",
    "  seen.push(mine);",
    "  total += mine;",
    `  await db.query("INSERT INTO hops (service, value) VALUES ($1, $2)", ["${name(i)}", mine]);`,
    `  await db.query("UPDATE totals SET total = $1, hops = $2 WHERE service = $3", [total, seen.length, "${name(i)}"]);`,
    `  const here = [...path, "${name(i)}"];`,
    ...(next
      ? [
          `  const down = await fetch("${next}", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ value: mine, path: here }) });`,
          '  res.writeHead(down.status, { "content-type": "application/json" });',
          "  res.end(await down.text());",
        ]
      : ['  res.writeHead(200, { "content-type": "application/json" });', "  res.end(JSON.stringify({ value: mine, path: here }));"]),
    "});",
    "server.listen(3000);",
    "",
  ].join("\n");
}

const CLIENT = [
  "/** How a customer's request enters the chain: a call to the first service's own URL. */",
  "export async function enter(value: number): Promise<{ value: number; path: string[] }> {",
  `  const r = await fetch("http://${name(1)}:3000/hop", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ value, path: [] }) });`,
  "  return (await r.json()) as { value: number; path: string[] };",
  "}",
  "",
].join("\n");

/** The value the chain answers, worked out here: what the scenario expects (base's). */
function expected(): number {
  let v = START;
  for (let i = 1; i <= COUNT; i++) v = (v * 31 + i) % MOD;
  return v;
}

function write(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

const git = (dir: string, args: string[]) => execFileSync("git", args, { cwd: dir, env: GIT_ENV, encoding: "utf8" }).trim();

/** The generated repo: main with the 50 services and the scenario, and the branch `change` (service 37's line). */
export function generateServices(dir: string): { dir: string; services: number } {
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = { "package.json": JSON.stringify({ name: "chain", private: true, workspaces: ["services/*"] }, null, 2) + "\n" };
  const services: Record<string, { dir: string; entry: string; urls: string[]; consumes: string[] }> = {};
  for (let i = 1; i <= COUNT; i++) {
    const s = name(i);
    files[`services/${s}/package.json`] = JSON.stringify({ name: `@chain/${s}`, version: "1.0.0", main: "src/server.ts", dependencies: { pg: "^8.11.5" } }, null, 2) + "\n";
    files[`services/${s}/src/work.ts`] = workTs(i, false);
    files[`services/${s}/src/server.ts`] = serverTs(i);
    services[s] = { dir: `services/${s}`, entry: `services/${s}/src/server.ts`, urls: [`http://${s}:3000`], consumes: [] };
  }
  files[`services/${name(1)}/src/client.ts`] = CLIENT;
  files["worldline.config.json"] = JSON.stringify({ services }, null, 2) + "\n";
  files["scenarios/chain-answers.md"] = [
    "---",
    "id: chain-answers",
    `title: "A request entering at ${name(1)} crosses all ${COUNT} services and comes back with the last one's value"`,
    "simulate:",
    "  world:",
    "    stubs:",
    '      "pg#Pool.query": { returns: { rows: [], rowCount: 1 } }',
    "  steps:",
    `    - call: services/${name(1)}/src/client.ts#enter`,
    `      args: [${START}]`,
    "      expect:",
    `        - result.value === ${expected()}`,
    `        - result.path.length === ${COUNT}`,
    `        - effects.filter(e => e.target === "pg#Pool.query").length === ${2 * COUNT}`,
    "---",
    `Each service works out its value, records it twice and hands it on; ${name(COUNT)} answers.`,
    "",
  ].join("\n");
  write(dir, files);
  git(dir, ["init", "-q", "-b", "main"]);
  git(dir, ["add", "-A"]);
  git(dir, ["commit", "-q", "-m", `${COUNT} services in a chain`]);
  git(dir, ["checkout", "-q", "-b", "change"]);
  write(dir, { [`services/${name(CHANGED)}/src/work.ts`]: workTs(CHANGED, true) });
  git(dir, ["commit", "-q", "-am", `${name(CHANGED)}: add one more`]);
  git(dir, ["checkout", "-q", "main"]);
  return { dir, services: COUNT };
}

/** The pids of this process's children (from /proc; empty where there is none). */
function children(): Set<number> {
  const out = new Set<number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid) out.add(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const kib = (pid: number, field: "VmHWM" | "VmRSS"): number => {
  try {
    return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
};

export interface ServicesFigures {
  services: number;
  servicesCrossed: number;
  crossings: number;
  effects: number;
  /** Of them, pg Pool.query calls (the state changes); the rest are each service's `new Pool`. */
  queries: number;
  /** The pool child's start with one small run at base. */
  startMs: number;
  /** Each run's own time as the child measured it. */
  childMs: { base: number; head: number; warmBase: number; warmHead: number };
  traceEvents: number;
  truncated: number;
  baseMs: number;
  headMs: number;
  warmBaseMs: number;
  warmHeadMs: number;
  /** Peak RSS of the pool's child, MiB; `of` says whose it is when /proc did not show the child. */
  peakMiB: number;
  peakOf: "pool child" | "this process";
  limits: Limits;
  verdict: string;
  reason: string;
  rootCause?: { location: string; service?: string | undefined };
  effectsChangedFrom?: string | undefined;
  namesChanged: boolean;
  errors: string[];
}

export async function measureServices(work: string): Promise<ServicesFigures> {
  const { dir } = generateServices(join(work, "chain"));
  const limits: Limits = { ...DEFAULT_LIMITS, cpuMs: Number(process.env.SERVICES_CPU_MS ?? DEFAULT_LIMITS.cpuMs), maxEvents: Number(process.env.SERVICES_MAX_EVENTS ?? DEFAULT_LIMITS.maxEvents) };
  const scenarios = new ScenarioService(dir);
  const before = children();
  const pool = new SandboxPool(1);
  try {
    const { base, head } = await scenarios.pin("main", "change");
    const s = (await scenarios.load(base)).scenarios.find((x) => x.id === "chain-answers");
    if (!s) throw new Error("the generated chain lost its scenario");
    const job = (rev: string) => ({ ...scenarios.job(s, rev), limits });
    const timed = async (rev: string): Promise<{ run: RunResult; ms: number }> => {
      const t = performance.now();
      const run = await pool.run(job(rev));
      return { run, ms: performance.now() - t };
    };
    // The child starts and reads base's files, with one small module run: what any first run pays.
    const started = performance.now();
    await pool.run({ ...job(base), steps: [{ call: `services/${name(1)}/src/work.ts#work`, args: [1], expect: [] }] });
    const startMs = performance.now() - started;
    // Cold: every service's modules transpiled and loaded, the chain crossed.
    const b = await timed(base);
    const h = await timed(head);
    // Warm: the same runs again on the same child.
    const wb = await timed(base);
    const wh = await timed(head);
    const child = [...children()].find((p) => !before.has(p));
    const peak = child ? kib(child, "VmHWM") : 0;
    const errors = [b, h].filter((x) => x.run.status === "error").map((x) => `${x.run.rev.slice(0, 8)}: ${x.run.error?.reason ?? "?"}`);
    const files = await diffFiles(dir, base, head);
    const cmp = await compareRuns(b.run, h.run, files);
    // As the engine judges a side that could not run (a limit hit, a loop between services).
    const verdict = b.run.status === "error" ? errorVerdict(s, "base", b.run) : h.run.status === "error" ? errorVerdict(s, "head", h.run, b.run) : differentialVerdict(s, b.run, h.run, cmp);
    const crossings = b.run.trace.filter((e) => e.kind === "request" || e.kind === "response" || e.kind === "message");
    const services = new Set(b.run.trace.map((e) => e.service).filter(Boolean));
    const changed = name(CHANGED);
    const firstChanged = cmp.effectsDiff.changed[0]?.at;
    const rootCause = verdict.rootCause ? { location: verdict.rootCause.location, service: (verdict.rootCause as { service?: string }).service } : undefined;
    return {
      services: COUNT,
      servicesCrossed: services.size,
      crossings: crossings.length,
      effects: b.run.effects.length,
      queries: b.run.effects.filter((e) => e.target === "pg#Pool.query").length,
      startMs,
      childMs: { base: b.run.ms, head: h.run.ms, warmBase: wb.run.ms, warmHead: wh.run.ms },
      traceEvents: b.run.trace.length,
      truncated: b.run.truncated,
      baseMs: b.ms,
      headMs: h.ms,
      warmBaseMs: wb.ms,
      warmHeadMs: wh.ms,
      peakMiB: (peak || kib(process.pid, "VmHWM")) / 1024,
      peakOf: peak ? "pool child" : "this process",
      limits,
      verdict: verdict.verdict,
      reason: verdict.reason,
      ...(rootCause ? { rootCause } : {}),
      effectsChangedFrom: firstChanged,
      namesChanged: Boolean(rootCause?.location.startsWith(`services/${changed}/`)) && (rootCause?.service === undefined || rootCause.service === changed),
      errors,
    };
  } finally {
    pool.close();
    scenarios.close();
  }
}

export async function servicesBench(work: string): Promise<string> {
  const dir = join(work, "services");
  mkdirSync(dir, { recursive: true });
  const r = await measureServices(dir);
  const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);
  const limits = `cpuMs ${r.limits.cpuMs}, maxEvents ${r.limits.maxEvents.toLocaleString("en")}${r.limits.cpuMs === DEFAULT_LIMITS.cpuMs && r.limits.maxEvents === DEFAULT_LIMITS.maxEvents ? " (the defaults)" : ""}`;
  return formatTable([`across services: a chain of ${r.services} node:http services over fetch, ${name(CHANGED)} changed (one run per side, pool of 1)`, "result", "target"], [
    ["services crossed (base)", String(r.servicesCrossed), String(r.services)],
    ["crossings: requests and responses between services (base)", String(r.crossings), String(2 * r.services)],
    [`effects recorded (base): ${r.queries} pg Pool.query (an insert and an update per service), ${r.effects - r.queries} new Pool`, String(r.effects), `${2 * r.services}+`],
    [`trace events (base)${r.truncated ? `, ${r.truncated.toLocaleString("en")} more not kept` : ""}`, r.traceEvents.toLocaleString("en"), `under ${r.limits.maxEvents.toLocaleString("en")}`],
    ["pool child start, base's files read, one small module run", ms(r.startMs), ""],
    [`base run, first (all ${r.services} services' modules transpiled and loaded; in the child ${ms(r.childMs.base)})`, ms(r.baseMs), ""],
    [`head run, first (head's files read; in the child ${ms(r.childMs.head)})`, ms(r.headMs), ""],
    [`base run, then head run, again on the same child (in the child ${ms(r.childMs.warmBase)}, ${ms(r.childMs.warmHead)})`, `${ms(r.warmBaseMs)}, ${ms(r.warmHeadMs)}`, ""],
    [`peak RSS (${r.peakOf})`, `${Math.round(r.peakMiB)} MiB`, ""],
    ["run limits", limits, ""],
    ["verdict", `${r.verdict}${r.errors.length ? ` (${r.errors.join("; ")})` : ""}`, "fail"],
    ["root cause", r.rootCause ? `${r.rootCause.location}${r.rootCause.service ? ` (service ${r.rootCause.service})` : ""}` : "none", `services/${name(CHANGED)}/src/work.ts:4`],
    ["first changed effect", r.effectsChangedFrom ?? "none", `services/${name(CHANGED)}/…`],
    [`names ${name(CHANGED)}`, r.namesChanged ? "yes" : "no", "yes"],
  ]);
}

if (invokedDirectly(import.meta.url)) {
  const work = mkdtempSync(join(tmpdir(), "worldline-services-"));
  try {
    process.stdout.write(`${await servicesBench(work)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
