import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

/** A Markdown table, columns padded to their widest cell. */
function formatTable(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
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
  }>("git-history.ts", [dir, commits]);
  return formatTable(["git history", "result", "target"], [
    [`ingest ${r.commits.toLocaleString("en")} commits into the context graph (${r.fixes} fixes, ${r.suspects} SZZ suspects)`, `${(r.ingestMs / 1000).toFixed(1)} s`, "under 30 s"],
    [`hotspots and coupling over the whole history (${r.hotspots} files, ${r.couplingPairs} coupled pairs)`, `${Math.round(r.viewsMs)} ms`, ""],
    ["why path:line (median of 20)", `${Math.round(r.whyMedianMs)} ms`, "under 200 ms"],
    ["peak memory of the run", `${Math.round(peakMiB)} MiB`, ""],
  ]);
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
    simulateMs: number;
    verdicts: Record<string, number>;
    sample: { scenarios: number; selected: number; indexMs: number; ms: number };
  }>("scenarios.ts", [dir, process.env.BENCH_SCENARIOS ?? "200"]);
  const verdicts = Object.entries(r.verdicts).map(([k, n]) => `${n} ${k}`).join(", ");
  return formatTable(["scenarios (generated repo, " + `${Math.round(r.lines / 1000)}k lines)`, "result", "target"], [
    ["index base and head (reported apart; the rest runs warm)", `${(r.indexMs / 1000).toFixed(1)} s`, ""],
    [`select scenarios for the change (${r.selected} of ${r.scenarios} selected)`, `${(r.selectMs / 1000).toFixed(2)} s`, ""],
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
  }>("differential.ts", [dir]);
  const verdicts = Object.entries(r.verdicts).map(([k, n]) => `${n} ${k}`).join(", ");
  return formatTable([`differential simulation (sample service, pr/rounding-refactor, pool of ${r.poolSize})`, "result", "target"], [
    [`warm-up: all ${r.scenarios} executable scenarios once (pool start, files read, modules transpiled)`, `${(r.warmupMs / 1000).toFixed(2)} s`, ""],
    ["one typical scenario (eu-proration-fx-rounding, base and head), median of 10", `${Math.round(r.oneMs)} ms`, "under 300 ms"],
    [`${r.batch} scenario runs in parallel (${r.sandboxRuns} sandbox runs; ${verdicts})`, `${(r.batchMs / 1000).toFixed(2)} s`, "under 10 s"],
    ["scenario runs per second (each base and head)", `${(r.batch / (r.batchMs / 1000)).toFixed(1)}`, ""],
    [`instrumentation overhead: ${r.overhead.calls.toLocaleString("en")} calls in the sandbox vs untransformed in Node`, `${r.overhead.ratio.toFixed(1)}x (${Math.round(r.overhead.sandboxMs)} ms vs ${Math.round(r.overhead.nativeMs)} ms)`, ""],
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

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "worldline-bench-"));
  try {
    // BENCH_ONLY=differential runs one table alone.
    if (process.env.BENCH_ONLY === "differential") {
      process.stdout.write(`${await differentialTable(work)}\n`);
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
    process.stdout.write(`${await ticketsTable(work)}\n\n`);
    process.stdout.write(`${await scenariosTable(work)}\n\n`);
    process.stdout.write(`${await differentialTable(work)}\n\n`);
    process.stdout.write(`${await agentTable(work)}\n\n`);
    process.stdout.write(`${await triageTable(work)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
