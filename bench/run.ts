import { formatTable, worldlineRevision } from "./common.js";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { apiExamplesBench } from "./api-examples.js";
import { realFixesBench } from "./real-fixes.js";
import { triageCorpusBench } from "./triage-corpus.js";
import { servicesBench } from "./services.js";
import { teamLoadBench } from "./team-load.js";
import { testsFidelityBench } from "./tests-fidelity.js";
import { testsMutantsBench } from "./tests-mutants.js";
import { toolsListBench } from "./tools-list.js";
import { whyQuestionsBench } from "./why-questions.js";
import { fileURLToPath, pathToFileURL } from "node:url";
import { generateRepo } from "./generate-repo.js";
import { measure, median, type Measurement } from "./measure.js";

/**
 * `npm run bench`: code-graph index speed and memory against the TypeScript compiler on the same repos.
 * Repos: a generated ~100k-line service (about 1,000 files) and a clean clone of this repository.
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const NODE = process.execPath;
const BIN = join(ROOT, "bin/worldline.js");
const TSC_JS = join(ROOT, "node_modules/typescript/bin/tsc");
// TypeScript 7's `tsc` is a Node wrapper around a native binary: measure the binary itself.
const TSC_NATIVE = join(ROOT, `node_modules/@typescript/typescript-${process.platform}-${process.arch}/lib/tsc`);
const TSX_LOADER = pathToFileURL(join(ROOT, "node_modules/tsx/dist/esm/index.mjs")).href;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "Bench",
  GIT_AUTHOR_EMAIL: "bench@example.test",
  GIT_COMMITTER_NAME: "Bench",
  GIT_COMMITTER_EMAIL: "bench@example.test",
};

function git(dir: string, args: string[]): void {
  execFileSync("git", args, { cwd: dir, env: GIT_ENV, stdio: "ignore" });
}

interface Row {
  repo: string;
  what: string;
  ms: number;
  peakMiB: number;
  vsTsc?: number;
  vsNative?: number;
}

async function repeat(runs: number, before: () => void, command: string, args: string[], cwd: string): Promise<Measurement & { all: number[] }> {
  const all: Measurement[] = [];
  for (let i = 0; i < runs; i++) {
    before();
    const m = await measure(command, args, cwd);
    if (command === NODE && args[0] === BIN && m.code !== 0) throw new Error(`${args.join(" ")} failed with code ${m.code}`);
    all.push(m);
  }
  const ms = all.map((m) => m.ms);
  return { ...(all[0] as Measurement), ms: median(ms), peakMiB: Math.max(...all.map((m) => m.peakMiB)), all: ms };
}

async function benchRepo(label: string, repo: string, tsconfig: string, editable: string | undefined): Promise<Row[]> {
  const rows: Row[] = [];
  const fresh = () => rmSync(join(repo, ".worldline"), { recursive: true, force: true });
  const tsc = await repeat(RUNS, () => undefined, NODE, [TSC_JS, "--noEmit", "-p", tsconfig], repo);
  rows.push({ repo: label, what: "tsc --noEmit (TypeScript 6.0, JS)", ms: tsc.ms, peakMiB: tsc.peakMiB });
  const native = await repeat(RUNS, () => undefined, TSC_NATIVE, ["--noEmit", "-p", tsconfig], repo);
  rows.push({ repo: label, what: "tsc --noEmit (TypeScript 7, native)", ms: native.ms, peakMiB: native.peakMiB });
  const full = await repeat(RUNS, fresh, NODE, [BIN, "index", "--repo", repo], repo);
  rows.push({ repo: label, what: "worldline index, full (cold CLI)", ms: full.ms, peakMiB: full.peakMiB, vsTsc: full.ms / tsc.ms, vsNative: full.ms / native.ms });
  if (editable) {
    const abs = join(repo, editable);
    const original = readFileSync(abs, "utf8");
    let round = 0;
    const edit = () => writeFileSync(abs, original.replace("let total = 0;", `let total = ${100 + round++};`));
    const cold = await repeat(RUNS, edit, NODE, [BIN, "index", "--repo", repo], repo);
    rows.push({ repo: label, what: "worldline index after a 1-file change (cold CLI)", ms: cold.ms, peakMiB: cold.peakMiB });
    writeFileSync(abs, original);
    const warm = await measure(NODE, ["--import", TSX_LOADER, join(ROOT, "bench/warm-reindex.ts"), repo, editable, "5"], repo);
    const result = JSON.parse(warm.stdout) as { median: number };
    rows.push({ repo: label, what: "re-index after a 1-file change (warm process, median of 5)", ms: result.median, peakMiB: warm.peakMiB });
  }
  return rows;
}

function table(rows: Row[]): string {
  return formatTable(
    ["repo", "measurement", "time", "peak memory", "÷ tsc (JS)", "÷ tsc (native)"],
    rows.map((r) => [
      r.repo,
      r.what,
      r.ms >= 1000 ? `${(r.ms / 1000).toFixed(2)} s` : `${Math.round(r.ms)} ms`,
      `${Math.round(r.peakMiB)} MiB`,
      r.vsTsc === undefined ? "" : `${r.vsTsc.toFixed(2)}x`,
      r.vsNative === undefined ? "" : `${r.vsNative.toFixed(2)}x`,
    ]),
  );
}

/** Runs one of the bench's child scripts (its own process, so its peak memory is its own) and reads its JSON. */
async function runChild<T>(script: string, args: string[]): Promise<{ r: T; peakMiB: number }> {
  const run = await measure(NODE, ["--import", TSX_LOADER, join(ROOT, "bench", script), ...args], ROOT);
  if (run.code !== 0) throw new Error(`bench/${script} failed with code ${run.code}`);
  return { r: JSON.parse(run.stdout) as T, peakMiB: run.peakMiB };
}

/** The context graph: 1M edges shaped like a repo's, inserted in batches, then traversals (child process). */
async function contextGraphTable(work: string): Promise<string> {
  const dir = join(work, "context-graph");
  mkdirSync(dir);
  const edges = process.env.BENCH_GRAPH_EDGES ?? "1000000";
  const { r, peakMiB } = await runChild<{
    edges: number;
    nodes: number;
    insertMs: number;
    neighborsMedianMs: number;
    neighborsMedianFound: number;
    pathMedianMs: number;
    pathsFound: number;
    pathQueries: number;
    dbBytes: number;
  }>("context-graph.ts", [dir, edges]);
  return formatTable(["context graph", "result", "target"], [
    [`insert ${r.edges.toLocaleString("en")} edges (${r.nodes.toLocaleString("en")} nodes), batches of 20,000`, `${(r.insertMs / 1000).toFixed(1)} s`, "under 60 s"],
    [`neighbors to depth 3 of a typical node (median of 40; ${r.neighborsMedianFound} nodes each)`, `${r.neighborsMedianMs.toFixed(1)} ms`, "under 20 ms"],
    [`evidence path, symbol to ticket (median of ${r.pathQueries}; ${r.pathsFound} found)`, `${r.pathMedianMs.toFixed(1)} ms`, "under 100 ms"],
    ["database size", `${Math.round(r.dbBytes / 2 ** 20)} MiB`, ""],
    ["peak memory of the run", `${Math.round(peakMiB)} MiB`, ""],
  ]);
}

/** Git history: 5,000 generated commits ingested into the context graph, views, and `why` (child process). */
async function gitHistoryTable(work: string): Promise<string> {
  const dir = join(work, "history");
  const commits = process.env.BENCH_COMMITS ?? "5000";
  const { r, peakMiB } = await runChild<{
    commits: number;
    ingestMs: number;
    fixes: number;
    suspects: number;
    viewsMs: number;
    hotspots: number;
    couplingPairs: number;
    whyMedianMs: number;
    shapesMs: number;
    shaped: number;
    sweeps: number;
    whyPassed: number;
  }>("git-history.ts", [dir, commits]);
  return formatTable(["git history", "result", "target"], [
    [`ingest ${r.commits.toLocaleString("en")} commits into the context graph (${r.fixes} fixes, ${r.suspects} SZZ suspects)`, `${(r.ingestMs / 1000).toFixed(1)} s`, "under 30 s"],
    [`hotspots and coupling over the whole history (${r.hotspots} files, ${r.couplingPairs} coupled pairs)`, `${Math.round(r.viewsMs)} ms`, ""],
    [`of which: classify each commit's hunks, SZZ through reformats (${r.shaped.toLocaleString("en")} commits, ${r.sweeps} formatter sweeps)`, `${(r.shapesMs / 1000).toFixed(1)} s`, ""],
    [`why path:line, warm (median of 20; ${r.whyPassed} reformats passed through)`, `${Math.round(r.whyMedianMs)} ms`, "under 200 ms"],
    ["peak memory of the run", `${Math.round(peakMiB)} MiB`, ""],
  ]);
}

interface ServeAll {
  files: number;
  lines: number;
  startMs: number;
  firstCallsMs: number;
  callMs: Record<string, number>;
  peakMiB: number;
  handles: number;
}

/**
 * `worldline serve all` on the generated repo: start time, one call per server that reads the code graph, peak
 * memory and database connections (child process). With SERVE_BEFORE=DIR (a clean clone of an older commit,
 * its node_modules linked) the same run of that checkout comes first, for a before/after.
 */
async function serveAllTable(work: string): Promise<string> {
  const runs: Array<[string, ServeAll]> = [];
  const before = process.env.SERVE_BEFORE;
  for (const [label, checkout] of [...(before ? [[`before (${worldlineRevision(before)})`, before] as const] : []), ["this checkout", ROOT] as const]) {
    const dir = join(work, `serve-${runs.length}`);
    const prev = process.env.SERVE_WORLDLINE;
    process.env.SERVE_WORLDLINE = checkout;
    try {
      runs.push([label, (await runChild<ServeAll>("serve-all.ts", [dir])).r]);
    } finally {
      if (prev === undefined) delete process.env.SERVE_WORLDLINE;
      else process.env.SERVE_WORLDLINE = prev;
    }
  }
  const size = runs[0]?.[1];
  return formatTable(
    [`serve all on the generated repo (${size?.files ?? 0} files, ${Math.round((size?.lines ?? 0) / 1000)}k lines)`, "start (index built)", "first call of each server", "peak memory", "database connections"],
    runs.map(([label, r]) => [label, `${(r.startMs / 1000).toFixed(1)} s`, `${(r.firstCallsMs / 1000).toFixed(1)} s`, `${Math.round(r.peakMiB)} MiB`, String(r.handles)]),
  );
}

/** Tickets: 50,000 generated tickets imported, then search and similar_tickets (child process). */
async function ticketsTable(work: string): Promise<string> {
  const dir = join(work, "tickets");
  mkdirSync(dir);
  const count = process.env.BENCH_TICKETS ?? "50000";
  const { r, peakMiB } = await runChild<{ tickets: number; importMs: number; searchMedianMs: number; similarMedianMs: number }>("tickets.ts", [dir, count]);
  return formatTable(["tickets", "result", "target"], [
    [`import ${r.tickets.toLocaleString("en")} tickets (redaction, code references, graph links)`, `${(r.importMs / 1000).toFixed(1)} s`, "under 60 s"],
    ["search_tickets (median of 30)", `${r.searchMedianMs.toFixed(1)} ms`, "under 50 ms"],
    ["similar_tickets (median of 30)", `${Math.round(r.similarMedianMs)} ms`, "under 200 ms"],
    ["peak memory of the run", `${Math.round(peakMiB)} MiB`, ""],
  ]);
}

/** Scenarios: selection plus static simulation of 200 scenarios for one change, warm index (child process). */
async function scenariosTable(work: string): Promise<string> {
  const dir = join(work, "scenarios");
  mkdirSync(dir);
  const { r, peakMiB } = await runChild<{
    lines: number;
    scenarios: number;
    selected: number;
    indexMs: number;
    selectMs: number;
    selectWarmMs: number;
    warmSelected: number;
    simulateMs: number;
    verdicts: Record<string, number>;
    sample: { scenarios: number; selected: number; indexMs: number; ms: number };
  }>("scenarios.ts", [dir, process.env.BENCH_SCENARIOS ?? "200"]);
  const verdicts = Object.entries(r.verdicts).map(([k, n]) => `${n} ${k}`).join(", ");
  return formatTable(["scenarios (generated repo, " + `${Math.round(r.lines / 1000)}k lines)`, "result", "target"], [
    ["index base and head (reported apart; the rest runs warm)", `${(r.indexMs / 1000).toFixed(1)} s`, ""],
    [`select scenarios for the change, coverage cache cold: every executable scenario runs on base first (${r.selected} of ${r.scenarios} selected)`, `${(r.selectMs / 1000).toFixed(2)} s`, ""],
    [`select again, coverage cache warm (a new service; ${r.warmSelected} selected)`, `${(r.selectWarmMs / 1000).toFixed(2)} s`, ""],
    [`static simulation of all ${r.scenarios} scenarios (${verdicts})`, `${(r.simulateMs / 1000).toFixed(2)} s`, ""],
    ["selection plus simulation", `${((r.selectMs + r.simulateMs) / 1000).toFixed(2)} s`, "under 15 s"],
    [`sample service, pr/rounding-refactor: select (${r.sample.selected} of ${r.sample.scenarios}) and simulate all statically (index ${(r.sample.indexMs / 1000).toFixed(1)} s apart)`, `${(r.sample.ms / 1000).toFixed(2)} s`, "under 2 s"],
    ["peak memory of the run", `${Math.round(peakMiB)} MiB`, ""],
  ]);
}

/** Differential simulation on the sample service with the process pool, and the instrumentation's overhead. */
async function differentialTable(work: string): Promise<string> {
  const dir = join(work, "differential");
  mkdirSync(dir);
  const { r, peakMiB } = await runChild<{
    scenarios: number;
    warmupMs: number;
    oneMs: number;
    batch: number;
    batchMs: number;
    sandboxRuns: number;
    verdicts: Record<string, number>;
    poolSize: number;
    overhead: { calls: number; nativeMs: number; sandboxMs: number; ratio: number };
    perRun: { runMs: number; expectMs: number };
    provenance: { pairs: number; plainMs: number; forcedMs: number; oneMs: number };
  }>("differential.ts", [dir]);
  const verdicts = Object.entries(r.verdicts).map(([k, n]) => `${n} ${k}`).join(", ");
  return formatTable([`differential simulation (sample service, pr/rounding-refactor, pool of ${r.poolSize})`, "result", "target"], [
    [`warm-up: all ${r.scenarios} executable scenarios once (pool start, files read, modules transpiled)`, `${(r.warmupMs / 1000).toFixed(2)} s`, ""],
    ["one typical scenario (eu-proration-fx-rounding, base and head), median of 10", `${Math.round(r.oneMs)} ms`, "under 300 ms"],
    [`${r.batch} scenario runs in parallel (${r.sandboxRuns} sandbox runs; ${verdicts})`, `${(r.batchMs / 1000).toFixed(2)} s`, "under 10 s"],
    ["scenario runs per second (each base and head)", `${(r.batch / (r.batchMs / 1000)).toFixed(1)}`, ""],
    [`instrumentation overhead: ${r.overhead.calls.toLocaleString("en")} calls in the sandbox vs untransformed in Node`, `${r.overhead.ratio.toFixed(1)}x (${Math.round(r.overhead.sandboxMs)} ms vs ${Math.round(r.overhead.nativeMs)} ms)`, ""],
    ["one sandbox run with no work (isolate, prelude, the record written out), median of 30", `${Math.round(r.perRun.runMs)} ms`, ""],
    ["the same with three expectations (checked in the second, pristine context), median of 30", `${Math.round(r.perRun.expectMs)} ms`, ""],
    [`root cause as the engine finds it, per simulation (median of ${r.provenance.pairs} base/head pairs)`, `${r.provenance.plainMs.toFixed(2)} ms`, ""],
    ["provenance pass forced on every pair (reads the use site's file from git once per commit, median)", `${r.provenance.forcedMs.toFixed(2)} ms`, ""],
    ["provenance's share of one typical scenario's time, were it to run", `${((r.provenance.forcedMs / r.provenance.oneMs) * 100).toFixed(1)}%`, "small"],
    ["peak memory of the run (the pool's children apart)", `${Math.round(peakMiB)} MiB`, ""],
  ]);
}

/** `worldline simulate` end to end through the five MCP servers (child process). */
async function agentTable(work: string): Promise<string> {
  const dir = join(work, "agent");
  mkdirSync(dir);
  type Run = { startMs: number; indexMs: number; simulateMs: number; summary: string; selected: number };
  // BENCH_AGENT_SCENARIOS=0 skips the generated repo (about a minute with its generation and indexing).
  const count = process.env.BENCH_AGENT_SCENARIOS ?? "200";
  const { r } = await runChild<{ sample: Run; generated?: Run & { lines: number } }>("agent.ts", [dir, count]);
  const row = (label: string, x: Run, target: string) => [
    [`${label}: start the five servers / index base and head (apart)`, `${(x.startMs / 1000).toFixed(1)} s / ${(x.indexMs / 1000).toFixed(1)} s`, ""],
    [`${label}: simulate, warm (${x.selected} selected: ${x.summary})`, `${(x.simulateMs / 1000).toFixed(1)} s`, target],
  ];
  return formatTable(["worldline simulate end to end (embedded planner)", "result", "target"], [
    ...row("sample service, pr/rounding-refactor", r.sample, "under 10 s"),
    ...(r.generated ? row(`generated repo (${Math.round(r.generated.lines / 1000)}k lines, ${count} scenarios)`, r.generated, "under 60 s") : []),
  ]);
}

/** `worldline triage` of 100 new tickets on the sample service, one round through the five servers. */
async function triageTable(work: string): Promise<string> {
  const dir = join(work, "triage");
  mkdirSync(dir);
  const { r } = await runChild<{ tickets: number; startMs: number; roundMs: number; secondMs: number; llmTickets: number; llmMs: number; modelRequests: number; summary: string }>("triage.ts", [dir, process.env.BENCH_TRIAGE_TICKETS ?? "100"]);
  return formatTable(["worldline triage, sample service (embedded planner unless named)", "result", "target"], [
    ["start the five servers (apart)", `${(r.startMs / 1000).toFixed(1)} s`, ""],
    [`triage ${r.tickets} new tickets, one round ${r.summary}`, `${(r.roundMs / 1000).toFixed(1)} s`, "under 60 s"],
    ["the same round again: nothing new, nothing posted", `${(r.secondMs / 1000).toFixed(1)} s`, ""],
    [`--planner llm at a new commit: ${r.llmTickets} tickets, ${r.modelRequests} replies of a stand-in model (its latency left out)`, `${(r.llmMs / 1000).toFixed(1)} s`, ""],
  ]);
}

/** A process's state and parent from /proc, or undefined once it is gone. */
function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const [state, ppid] = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: state ?? "", ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

/** Running: present and not a zombie waiting to be reaped. */
const isRunning = (pid: number): boolean => (procStat(pid)?.state ?? "Z") !== "Z";

function runningChildren(pid: number): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((p) => procStat(p)?.ppid === pid && isRunning(p));
}

/**
 * One server's end: start `worldline serve NAME`, run one differential simulation over MCP (JSON-RPC lines on
 * stdio), close its stdin, and time until it exits; then count the pool children still running.
 */
async function exitAfterStdinCloses(repo: string, name: string): Promise<{ ms: number; code: number | null; signal: string | null; left: number }> {
  const proc = spawn(NODE, [BIN, "serve", name, "--repo", repo, ...(name === "all" ? ["--tools", "all"] : [])], { cwd: repo, stdio: ["pipe", "pipe", "ignore"] });
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal, at: performance.now() })));
  const answers = new Map<number, (msg: unknown) => void>();
  let buffered = "";
  proc.stdout.on("data", (d: Buffer) => {
    buffered += d.toString();
    for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
      const msg = JSON.parse(buffered.slice(0, nl)) as { id?: number };
      buffered = buffered.slice(nl + 1);
      if (msg.id !== undefined) answers.get(msg.id)?.(msg);
    }
  });
  let id = 0;
  const request = (method: string, params: unknown) =>
    new Promise<unknown>((resolve) => {
      answers.set(++id, resolve);
      proc.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
    });
  await request("initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "worldline-bench", version: "0" } });
  proc.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`);
  const r = (await request("tools/call", { name: "simulate_scenario", arguments: { id: "vat-rate", base: "HEAD~1", head: "HEAD" } })) as { result?: { structuredContent?: { verdict?: { depth?: string } } } };
  if (r.result?.structuredContent?.verdict?.depth !== "differential") throw new Error(`serve ${name}: the simulation did not run: ${JSON.stringify(r).slice(0, 300)}`);
  const children = runningChildren(proc.pid as number);
  const closed = performance.now();
  proc.stdin.end();
  const timeout = setTimeout(() => proc.kill("SIGKILL"), 60_000);
  const e = await exited;
  clearTimeout(timeout);
  await new Promise((res) => setTimeout(res, 500));
  const left = children.filter(isRunning);
  for (const pid of left) process.kill(pid, "SIGKILL");
  return { ms: e.at - closed, code: e.code, signal: e.signal, left: left.length };
}

/** Server lifecycle: how long a server takes to exit once its client closes stdin, after a differential simulation. */
async function lifecycleTable(work: string): Promise<string> {
  const repo = join(work, "lifecycle");
  const vat = (rate: string) => `export function vat(net: number): number {\n  const rate = ${rate};\n  return Math.round(net * rate * 100) / 100;\n}\n`;
  mkdirSync(join(repo, "src"), { recursive: true });
  mkdirSync(join(repo, "scenarios"));
  writeFileSync(join(repo, "src/vat.ts"), vat("0.19"));
  writeFileSync(join(repo, "scenarios/vat-rate.md"), ["---", "id: vat-rate", "title: VAT is 19 percent", "simulate:", "  steps:", "    - call: src/vat.ts#vat", "      args: [100]", "      expect:", "        - result === 19", "---", "VAT on 100 is 19."].join("\n"));
  git(repo, ["init", "-q", "-b", "main"]);
  git(repo, ["add", "-A"]);
  git(repo, ["commit", "-q", "-m", "VAT at 19%"]);
  writeFileSync(join(repo, "src/vat.ts"), vat("0.2"));
  git(repo, ["commit", "-q", "-am", "VAT at 20%"]);
  const rows: string[][] = [];
  let left = 0;
  for (const name of ["scenarios", "all"]) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await exitAfterStdinCloses(repo, name));
    left += runs.reduce((n, r) => n + r.left, 0);
    const ms = runs.map((r) => r.ms);
    const how = [...new Set(runs.map((r) => (r.signal ? `killed (${r.signal})` : `code ${r.code}`)))].join(", ");
    const show = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);
    rows.push([`worldline serve ${name}: stdin closed to exit (median / slowest of ${RUNS}; exit ${how})`, `${show(median(ms))} / ${show(Math.max(...ms))}`, "under 2 s"]);
  }
  rows.push(["pool children still running half a second after their server exited", String(left), "0"]);
  return formatTable(["server exit after stdin closes (after one differential simulation)", "result", "target"], rows);
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "worldline-bench-"));
  try {
    // BENCH_ONLY=differential runs one table alone.
    if (process.env.BENCH_ONLY === "differential") {
      process.stdout.write(`${await differentialTable(work)}\n`);
      return;
    }
    if (process.env.BENCH_ONLY === "scenarios") {
      process.stdout.write(`${await scenariosTable(work)}\n`);
      return;
    }
    if (process.env.BENCH_ONLY === "triage") {
      process.stdout.write(`${await triageTable(work)}\n`);
      return;
    }
    if (process.env.BENCH_ONLY === "agent") {
      process.stdout.write(`${await agentTable(work)}\n`);
      return;
    }
    // 5,000 generated commits with formatter sweeps: ingestion, history views, warm why.
    if (process.env.BENCH_ONLY === "history") {
      process.stdout.write(`${await gitHistoryTable(work)}\n`);
      return;
    }
    if (process.env.BENCH_ONLY === "serve") {
      process.stdout.write(`${await serveAllTable(work)}\n\n${await toolsListBench(work)}\n`);
      return;
    }
    // What a client reads before its first question: tools/list of serve all, per toolset (SERVE_BEFORE=DIR for a before).
    if (process.env.BENCH_ONLY === "tools") {
      process.stdout.write(`${await toolsListBench(work)}\n`);
      return;
    }
    // Real libraries' public-API examples, natively and in the sandbox (fetched mirrors; absent ones skipped).
    if (process.env.BENCH_ONLY === "api") {
      process.stdout.write(`${await apiExamplesBench(work)}\n`);
      return;
    }
    // The team's simulation queue: throughput with 1 and 2 workers, then a worker killed and connections cut under load.
    if (process.env.BENCH_ONLY === "team") {
      process.stdout.write(`${await teamLoadBench(work)}\n`);
      return;
    }
    // Across services: a chain of 50 generated node:http services, one changed, simulated on base and head (bench/services.ts).
    if (process.env.BENCH_ONLY === "services") {
      process.stdout.write(`${await servicesBench(work)}\n`);
      return;
    }
    if (process.env.BENCH_ONLY === "lifecycle") {
      process.stdout.write(`${await lifecycleTable(work)}\n`);
      return;
    }
    // The repo's own tests as scenarios on fetched libraries: the sandbox against their runner.
    if (process.env.BENCH_ONLY === "tests") {
      process.stdout.write(`${await testsFidelityBench(join(work, "tests"))}\n`);
      return;
    }
    // Selection on Stryker's mutants of a fetched library: one `worldline check` per mutant (bench/tests-mutants.ts).
    if (process.env.BENCH_ONLY === "mutants") {
      process.stdout.write(`${await testsMutantsBench(join(work, "mutants"))}\n`);
      return;
    }
    // Reverted real fixes on fetched repositories (bench/real-fixes.ts; a repo whose mirror is absent is skipped).
    if (process.env.BENCH_ONLY === "real-fixes") {
      process.stdout.write(`${await realFixesBench(work)}\n`);
      return;
    }
    // Real bug reports triaged at the parent of their fix (bench/triage-corpus.ts; a repo whose mirror is absent is skipped).
    if (process.env.BENCH_ONLY === "triage-corpus") {
      process.stdout.write(`${await triageCorpusBench(work)}\n`);
      return;
    }
    // "Why is this line like this" through reformats and moves: worldline why against git blame (bench/why-questions.ts).
    if (process.env.BENCH_ONLY === "why") {
      process.stdout.write(`${await whyQuestionsBench(work)}\n`);
      return;
    }
    const generated = join(work, "generated");
    const gen = generateRepo(generated);
    git(generated, ["init", "-q", "-b", "main"]);
    git(generated, ["add", "-A"]);
    git(generated, ["commit", "-q", "-m", "generated service"]);
    process.stderr.write(`generated ${gen.files} files, ${gen.lines} lines in ${generated}\n`);

    const self = join(work, "worldline");
    git(ROOT, ["clone", "-q", "--no-local", ROOT, self]);
    // The clone type-checks against this checkout's installed packages.
    if (!existsSync(join(self, "node_modules"))) symlinkSync(join(ROOT, "node_modules"), join(self, "node_modules"));

    const rows = [
      ...(await benchRepo(`generated (${gen.files} files, ${Math.round(gen.lines / 1000)}k lines)`, generated, join(generated, "tsconfig.json"), gen.editable)),
      ...(await benchRepo("this repo (clean clone)", self, join(self, "tsconfig.json"), undefined)),
    ];
    process.stdout.write(`${table(rows)}\n`);
    process.stdout.write(`median of ${RUNS} runs each (BENCH_RUNS to change); peak memory is the largest resident set seen\n\n`);
    process.stdout.write(`${await contextGraphTable(work)}\n\n`);
    process.stdout.write(`${await gitHistoryTable(work)}\n\n`);
    process.stdout.write(`${await serveAllTable(work)}\n\n`);
    process.stdout.write(`${await toolsListBench(work)}\n\n`);
    process.stdout.write(`${await apiExamplesBench(work)}\n\n`);
    process.stdout.write(`${await ticketsTable(work)}\n\n`);
    process.stdout.write(`${await scenariosTable(work)}\n\n`);
    process.stdout.write(`${await differentialTable(work)}\n\n`);
    process.stdout.write(`${await servicesBench(work)}\n\n`);
    process.stdout.write(`${await agentTable(work)}\n\n`);
    process.stdout.write(`${await triageTable(work)}\n\n`);
    process.stdout.write(`${await lifecycleTable(work)}\n\n`);
    process.stdout.write(`${await realFixesBench(work)}\n\n`);
    process.stdout.write(`${await triageCorpusBench(work)}\n\n`);
    process.stdout.write(`${await testsFidelityBench(join(work, "tests"))}\n\n`);
    // Each mutant is one full check (minutes on 2 cores): part of the full run only when a sample size is given.
    process.stdout.write(`${process.env.MUTANTS_LIMIT ? await testsMutantsBench(join(work, "mutants")) : "tests-mutants: skipped: set MUTANTS_LIMIT=N (or BENCH_ONLY=mutants) to check N of Stryker's mutants"}\n\n`);
    process.stdout.write(`${await whyQuestionsBench(work)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
