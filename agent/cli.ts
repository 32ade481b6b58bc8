import { homedir } from "node:os";
import { join } from "node:path";
import { errorLine, UserError } from "../core/errors.js";
import { defaultBase } from "../core/git.js";
import { DATABASE_URL_VARIABLE, parseDatabaseUrl } from "../core/pg.js";
import { resolveRepo } from "../core/repo.js";
import { VERSION } from "../core/version.js";
import type { Report, ScenarioVerdict } from "../core/verdict.js";
import { FORMATS, render, type Format } from "./report/index.js";
import { helpText, parseCommandLine, type ParsedCommand } from "./cli-parse.js";
import type { CommentPlan } from "./github/report-comment.js";
import { GithubApiError } from "./github/errors.js";

/** Exit codes shared by every command: 1 when `check` finds a new failure or head's code makes a scenario end `error` (or a `triage` source failed), 2 for a usage or input error, 3 when Worldline itself failed (or GitHub's API refused `--github-comment`). */
export const EXIT = { ok: 0, fail: 1, usage: 2, internal: 3 } as const;


export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Standard input, for the pre-push hook (tests pass their own). */
  readStdin?: () => Promise<string>;
  /** Stops `triage --watch` (tests pass their own; the command line stops on SIGINT or SIGTERM). */
  signal?: AbortSignal;
}

const stdio: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

function str(v: string | boolean | string[] | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}

async function runIndex(cmd: ParsedCommand, io: Io): Promise<number> {
  const repo = await resolveRepo(str(cmd.values.repo));
  // Commands load what they use: the MCP SDK is not needed to index, nor the compiler to print help.
  const { CodeGraphService } = await import("../servers/code-graph/service.js");
  const service = new CodeGraphService(repo);
  try {
    const { revision, manifest, stats } = await service.index(str(cmd.values.rev));
    const graph = await service.graph(revision.name);
    const entries = graph.entryPoints();
    const routes = entries.filter((e) => e.kind === "route").length;
    const summary = {
      repo,
      revision: revision.name,
      commit: revision.commit,
      manifest,
      files: stats.files,
      lines: stats.lines,
      symbols: stats.symbols,
      entryPoints: entries.length,
      routes,
      parsedFiles: stats.parsedFiles,
      resolvedFiles: stats.resolvedFiles,
      parseErrors: stats.parseErrors,
      durationMs: stats.durationMs,
    };
    if (cmd.values.json) {
      io.out(JSON.stringify(summary, null, 2));
      return EXIT.ok;
    }
    const at = revision.commit ? `${revision.name} (${revision.commit.slice(0, 12)})` : revision.name;
    io.out(`Indexed ${at} of ${repo} in ${(stats.durationMs / 1000).toFixed(2)} s`);
    io.out(`  ${stats.files} files, ${stats.lines} lines, ${stats.symbols} symbols, ${entries.length} entry points (${routes} routes)`);
    io.out(`  parsed ${stats.parsedFiles} files, resolved calls in ${stats.resolvedFiles} (the rest were already indexed)`);
    if (stats.parseErrors.length > 0) {
      io.out(`  ${stats.parseErrors.length} parse errors (indexed as far as possible):`);
      for (const e of stats.parseErrors.slice(0, 10)) io.out(`    ${e.path}:${e.line} ${e.message}`);
    }
    return EXIT.ok;
  } finally {
    service.close();
  }
}

/** `worldline serve NAME`: over stdio, or over Streamable HTTP with `--http` (agent/serve.ts). */
async function runServe(cmd: ParsedCommand, io: Io): Promise<number> {
  const { runServe: serve } = await import("./serve.js");
  await serve(cmd, io.err);
  return EXIT.ok;
}

/** `worldline tests compare`: exit 0 when the sandbox agrees with the repo's runner on every case, 1 when not. */
async function runTests(cmd: ParsedCommand, io: Io): Promise<number> {
  if (cmd.positionals[0] !== "compare") throw new UserError(`unknown action "${cmd.positionals[0] ?? ""}" for worldline tests: expected compare`);
  const format = str(cmd.values.format) ?? "terminal";
  if (format !== "terminal" && format !== "json") throw new UserError(`unknown --format "${format}" for worldline tests compare: expected terminal or json`);
  const repo = await resolveRepo(str(cmd.values.repo));
  const { ScenarioService } = await import("../servers/scenarios/service.js");
  const { compareTests } = await import("../servers/scenarios/tests/compare-suite.js");
  const service = new ScenarioService(repo);
  try {
    const r = await compareTests(repo, service.config, service.sandbox(), str(cmd.values.rev), (line) => io.err(`worldline: ${line}`));
    if (format === "json") io.out(JSON.stringify(r, null, 2));
    else {
      io.out(`${r.agree} of ${r.cases} cases agree with the repo's runner at ${r.rev} (${(r.fidelity * 100).toFixed(1)}%); runner ${(r.runnerMs / 1000).toFixed(1)} s, sandbox ${(r.sandboxMs / 1000).toFixed(1)} s${r.typeTests ? `; ${r.typeTests} type-test cases (the type checker's) left out` : ""}`);
      if (r.causes.length) io.out(`\n| disagreements | cause |\n|---|---|\n${r.causes.map((c) => `| ${c.count} | ${c.cause.replace(/\|/g, "\\|")} |`).join("\n")}`);
      for (const d of r.disagreements.slice(0, 200)) io.out(`${d.file} ${d.name}${d.nth > 1 ? ` (#${d.nth})` : ""}: runner ${d.real}, sandbox ${d.sandbox}${d.why ? ` (${d.why})` : ""}`);
      if (r.disagreements.length > 200) io.out(`... and ${r.disagreements.length - 200} more (--format json lists them all)`);
    }
    return r.disagreements.length ? EXIT.fail : EXIT.ok;
  } finally {
    service.close();
  }
}

async function runScenarios(cmd: ParsedCommand, io: Io): Promise<number> {
  const action = cmd.positionals[0];
  if (action !== "list" && action !== "draft") throw new UserError(`unknown action "${action ?? ""}" for worldline scenarios: expected list or draft`);
  const repo = await resolveRepo(str(cmd.values.repo));
  const { ScenarioService } = await import("../servers/scenarios/service.js");
  const service = new ScenarioService(repo);
  try {
    if (action === "draft") {
      const file = str(cmd.values["from-test"]);
      if (!file) throw new UserError("worldline scenarios draft needs --from-test FILE: the test file whose cases become scenario files");
      const written = await service.draft({ test: file, testName: str(cmd.values.name) }, true);
      for (const w of written) io.out(`wrote ${w.written ?? "?"} (${w.scenario.id})`);
      io.out(`${written.length} scenario file(s) from ${file}`);
      return EXIT.ok;
    }
    const { scenarios, errors } = await service.load(str(cmd.values.rev));
    const tests = cmd.values.tests === true;
    const shown = tests ? scenarios.filter((s) => s.tags.includes("test")) : scenarios;
    for (const s of shown) io.out(`${s.id.padEnd(32)} ${s.simulate ? "executable" : "prose     "} ${s.title}`);
    if (tests) for (const f of await service.testsLeftOut(str(cmd.values.rev))) io.out(`left out: ${f.path}:${f.line} ${f.why}`);
    for (const e of errors) io.err(`worldline: ${e.message}`);
    io.out(`${shown.length} scenarios${errors.length ? `, ${errors.length} files did not load` : ""}`);
    return EXIT.ok;
  } finally {
    service.close();
  }
}

function positiveInt(cmd: ParsedCommand, name: string): number | undefined {
  const v = str(cmd.values[name]);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`--${name} "${v}": expected a whole number of at least 1`);
  return n;
}

function reportOptions(cmd: ParsedCommand): { format: Format; planner: "embedded" | "llm"; maxTurns: number | undefined; maxTokens: number | undefined } {
  const format = cmd.values.json ? "json" : (str(cmd.values.format) ?? "terminal");
  if (!FORMATS.some((f) => f === format)) throw new UserError(`--format "${format}": expected one of ${FORMATS.join(", ")}`);
  const planner = str(cmd.values.planner) ?? "embedded";
  if (planner !== "embedded" && planner !== "llm") throw new UserError(`--planner "${planner}": expected embedded or llm`);
  if (cmd.values.worktree && cmd.values.head) throw new UserError("give --head REV or --worktree, not both");
  return { format: format as Format, planner, maxTurns: positiveInt(cmd, "max-turns"), maxTokens: positiveInt(cmd, "max-tokens") };
}

async function emit(text: string, cmd: ParsedCommand, io: Io): Promise<void> {
  const out = str(cmd.values.out);
  if (out) {
    const { writeFile } = await import("node:fs/promises");
    await writeFile(out, `${text}\n`);
  } else io.out(text);
}

/** `--github-comment`: where the report goes, checked before any simulation starts. */
async function commentPlan(cmd: ParsedCommand, repo: string, io: Io): Promise<CommentPlan | undefined> {
  if (!cmd.values["github-comment"]) return undefined;
  const { planComment } = await import("./github/report-comment.js");
  const plan = await planComment(process.env, repo);
  if (plan.kind === "skip") io.err(`worldline: ${plan.notice}`);
  return plan;
}

async function postComment(plan: CommentPlan | undefined, report: Report, io: Io): Promise<void> {
  if (plan?.kind !== "post") return;
  const { postReport } = await import("./github/report-comment.js");
  io.err(`worldline: ${await postReport(plan, report)}`);
}

async function runSimulate(cmd: ParsedCommand, io: Io): Promise<number> {
  const repo = await resolveRepo(str(cmd.values.repo));
  const { format, planner, maxTurns, maxTokens } = reportOptions(cmd);
  const comment = await commentPlan(cmd, repo, io);
  const { produceReport } = await import("./run.js");
  const report = await produceReport({
    maxTurns,
    maxTokens,
    repo,
    base: str(cmd.values.base) ?? (await defaultBase(repo)).commit ?? "HEAD",
    head: str(cmd.values.head) ?? "WORKTREE",
    scenario: str(cmd.values.scenario),
    planner,
    ...(cmd.values.quiet ? {} : { progress: io.err }),
  });
  await emit(render(report, format), cmd, io);
  await postComment(comment, report, io);
  return EXIT.ok;
}

async function runCheck(cmd: ParsedCommand, io: Io): Promise<number> {
  const repo = await resolveRepo(str(cmd.values.repo));
  const { format, planner, maxTurns, maxTokens } = reportOptions(cmd);
  const failOn = (str(cmd.values["fail-on"]) ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const { FAIL_ON, gate, prePushRanges, produceReport } = await import("./run.js");
  for (const k of failOn) if (!FAIL_ON.some((f) => f === k)) throw new UserError(`--fail-on "${k}": expected at-risk, error, or both comma-separated`);
  // A push can carry several refs and a pull request has one comment: they do not go together.
  if (cmd.values["pre-push"] && cmd.values["github-comment"]) throw new UserError("--github-comment and --pre-push do not go together: a pull request's comment is for one change (drop one of them)");
  const comment = await commentPlan(cmd, repo, io);
  const ranges = cmd.values["pre-push"]
    ? await prePushRanges(repo, await (io.readStdin ?? readStdin)())
    : [{ base: str(cmd.values.base) ?? (await defaultBase(repo)).commit ?? "HEAD", head: str(cmd.values.head) ?? "WORKTREE", ref: "" }];
  let failed = 0;
  for (const range of ranges) {
    const report = await produceReport({ repo, base: range.base, head: range.head, scenario: str(cmd.values.scenario), planner, maxTurns, maxTokens, ...(cmd.values.quiet ? {} : { progress: io.err }) });
    await emit(render(report, format), cmd, io);
    const g = gate(report, failOn as Array<(typeof FAIL_ON)[number]>);
    failed += g.failed.length;
    if (g.failed.length) io.err(`worldline check: ${g.failed.length} scenario(s) block this${range.ref ? ` push to ${range.ref}` : " change"}: ${g.failed.map(blocking).join(", ")}`);
    await postComment(comment, report, io);
  }
  return failed ? EXIT.fail : EXIT.ok;
}

/** A blocking verdict as `check` names it: the scenario, and for an error the side and why it could not run. */
function blocking(v: ScenarioVerdict): string {
  const m = /^the simulation could not run on (base|head): (.*)$/s.exec(v.reason);
  return m ? `${v.scenario} (error on ${m[1]}: ${m[2]})` : `${v.scenario} (${v.verdict})`;
}

/** A command that talks to the servers: they start on first use and stop when it is done. */
async function withServers<T>(repo: string, work: (hub: import("./hub.js").ToolHub) => Promise<T>): Promise<T> {
  const { localHub } = await import("./serve.js");
  const hub = await localHub(repo);
  try {
    return await work(hub);
  } finally {
    await hub.close();
  }
}

function textFormat(cmd: ParsedCommand): "terminal" | "markdown" | "json" {
  const format = str(cmd.values.format) ?? "terminal";
  if (format !== "terminal" && format !== "markdown" && format !== "json") throw new UserError(`--format "${format}": expected terminal, markdown or json`);
  return format;
}

async function runWhy(cmd: ParsedCommand, io: Io): Promise<number> {
  const repo = await resolveRepo(str(cmd.values.repo));
  const format = textFormat(cmd);
  const { renderWhy, why } = await import("./why.js");
  const answer = await withServers(repo, (hub) => why(hub, cmd.positionals[0] ?? "", str(cmd.values.rev)));
  io.out(format === "json" ? JSON.stringify(answer, null, 2) : renderWhy(answer, format));
  return EXIT.ok;
}

/** `worldline hotspots | coupling | ownership | suspect-commits`: the git-history tool of that name. */
async function runHistoryView(view: import("./history-views.js").HistoryView, cmd: ParsedCommand, io: Io): Promise<number> {
  const format = str(cmd.values.format) ?? "terminal";
  if (format !== "terminal" && format !== "json") throw new UserError(`--format "${format}" for worldline ${view}: expected terminal or json`);
  const repo = await resolveRepo(str(cmd.values.repo));
  const { callView, renderView, viewArgs } = await import("./history-views.js");
  // Flags are checked before any server starts: a bad number is a usage error, not a tool's.
  viewArgs(view, cmd.values);
  const answer = await withServers(repo, (hub) => callView(hub, view, cmd.values));
  io.out(format === "json" ? JSON.stringify(answer, null, 2) : renderView(view, answer, cmd.values));
  return EXIT.ok;
}

/** `worldline services`: the service map, from the config or inferred (agent/services.ts). */
async function runServices(cmd: ParsedCommand, io: Io): Promise<number> {
  const { servicesCommand } = await import("./services.js");
  io.out(await servicesCommand({ repo: str(cmd.values.repo), format: str(cmd.values.format) }));
  return EXIT.ok;
}

async function runIngest(cmd: ParsedCommand, io: Io): Promise<number> {
  const repo = await resolveRepo(str(cmd.values.repo));
  const some = Boolean(cmd.values.history || cmd.values.tickets || cmd.values.adrs);
  const { ingestAll, renderIngest } = await import("./ingest.js");
  const what = { history: !some || Boolean(cmd.values.history), tickets: !some || Boolean(cmd.values.tickets), adrs: !some || Boolean(cmd.values.adrs) };
  const summary = await withServers(repo, (hub) => ingestAll(hub, repo, what, cmd.values.json ? undefined : io.err));
  io.out(cmd.values.json ? JSON.stringify(summary, null, 2) : renderIngest(summary));
  return EXIT.ok;
}

async function runWorker(cmd: ParsedCommand, io: Io): Promise<number> {
  const repoUrl = str(cmd.values["repo-url"]);
  if (!repoUrl) throw new UserError("worldline worker needs --repo-url URL: the repository whose simulation jobs it takes");
  const databaseUrl = process.env[DATABASE_URL_VARIABLE];
  if (!databaseUrl) throw new UserError(`worldline worker needs ${DATABASE_URL_VARIABLE}=postgres://…: the team database its jobs come from`);
  const concurrency = positiveInt(cmd, "concurrency") ?? 1;
  const cacheDir = str(cmd.values.cache) ?? join(homedir(), ".cache", "worldline", "worker");
  const { SimulationWorker } = await import("../servers/jobs/worker.js");
  const worker = new SimulationWorker({ repoUrl, databaseUrl, cacheDir, concurrency, say: (l) => io.err(`worldline worker: ${l}`) });
  const stopped = new AbortController();
  const onSignal = () => stopped.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    // What stops a worker at its start (the database, the repository URL) is the user's to correct.
    const stop = await worker.start().catch((err: unknown) => {
      throw new UserError(`worldline worker could not start: ${errorLine(err)}`);
    });
    const signal = io.signal ? AbortSignal.any([io.signal, stopped.signal]) : stopped.signal;
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
    io.err("worldline worker: stopping; jobs in progress finish first");
    await stop();
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  return EXIT.ok;
}

async function runTriage(cmd: ParsedCommand, io: Io): Promise<number> {
  const repo = await resolveRepo(str(cmd.values.repo));
  const format = textFormat(cmd);
  const planner = str(cmd.values.planner) ?? "embedded";
  if (planner !== "embedded" && planner !== "llm") throw new UserError(`--planner "${planner}": expected embedded or llm`);
  const { llmSettings } = await import("./planner/model.js");
  // Per ticket: a few turns; per round: the token budget, past which tickets keep the embedded triage.
  const settings = planner === "llm" ? llmSettings(repo, { maxTurns: positiveInt(cmd, "max-turns"), maxTokens: positiveInt(cmd, "max-tokens") }, { maxTurns: 10, maxTokens: 1_000_000 }) : undefined;
  if (cmd.values.every && !cmd.values.watch) throw new UserError("--every goes with --watch: add --watch to keep running, or drop --every for one round");
  const { every, parseEvery, takeTeamTriageLock, takeTriageLock } = await import("./triage/watch.js");
  const everyText = str(cmd.values.every) ?? "15m";
  const everyMs = parseEvery(everyText);
  const tickets = Array.isArray(cmd.values.ticket) ? cmd.values.ticket : undefined;
  const { triageRound } = await import("./triage/round.js");
  const { renderTriage } = await import("./report/triage.js");
  const teamUrl = process.env[DATABASE_URL_VARIABLE];
  const release = teamUrl ? await takeTeamTriageLock(repo, teamUrl) : takeTriageLock(repo);
  try {
    const round = async (): Promise<number> => {
      const progress = cmd.values.quiet ? undefined : io.err;
      const report = await withServers(repo, async (hub) =>
        triageRound(hub, { repo, at: str(cmd.values.at), tickets, comment: Boolean(cmd.values.comment), ...(progress ? { progress } : {}) }, settings ? (await import("./triage/llm.js")).llmTriage(hub, settings, progress) : undefined),
      );
      await emit(renderTriage(report, format), cmd, io);
      return report.sources.some((s) => s.error) ? EXIT.fail : EXIT.ok;
    };
    if (!cmd.values.watch) return await round();
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
      io.err(`worldline triage: a round every ${everyText} until stopped (Ctrl-C)`);
      await every(everyMs, async () => void (await round()), (err) => io.err(`worldline triage: this round failed: ${errorLine(err)}; the next round retries`), io.signal ? AbortSignal.any([io.signal, stop.signal]) : stop.signal);
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    return EXIT.ok;
  } finally {
    await release();
  }
}

async function runMcpConfig(cmd: ParsedCommand, io: Io): Promise<number> {
  const { runMcpConfig: run } = await import("./mcp-config.js");
  const v = cmd.values;
  await run({ repo: str(v.repo), client: str(v.client), scope: str(v.scope), all: Boolean(v.all), http: str(v.http), tokenEnv: str(v["token-env"]), write: Boolean(v.write) }, io);
  return EXIT.ok;
}

async function runDemoCommand(cmd: ParsedCommand, io: Io): Promise<number> {
  const format = textFormat(cmd);
  const sample = cmd.positionals[0] ?? "billing";
  if (sample === "shop") {
    const { runShopDemo } = await import("./demo-shop.js");
    await runShopDemo(io.out, io.err, format, str(cmd.values.dir));
    return EXIT.ok;
  }
  if (sample !== "billing") throw new UserError(`unknown sample "${sample}" for worldline demo: expected billing or shop`);
  const { runDemo } = await import("./demo.js");
  await runDemo(io.out, io.err, format, str(cmd.values.dir));
  return EXIT.ok;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Runs one command line; returns the exit code instead of exiting, so tests can call it directly. */
export async function main(argv: readonly string[], io: Io = stdio): Promise<number> {
  let cmd: ParsedCommand;
  try {
    cmd = parseCommandLine(argv);
  } catch (err) {
    io.err(`worldline: ${errorLine(err)}`);
    return EXIT.usage;
  }
  try {
    // A team database named wrongly is said once, here, before any server starts on it.
    const teamUrl = process.env[DATABASE_URL_VARIABLE];
    if (teamUrl && cmd.command !== "help" && cmd.command !== "version") {
      try {
        parseDatabaseUrl(teamUrl);
      } catch (err) {
        throw new UserError(errorLine(err));
      }
    }
    switch (cmd.command) {
      case "help":
        io.out(helpText(cmd.helpFor));
        return EXIT.ok;
      case "version":
        io.out(VERSION);
        return EXIT.ok;
      case "index":
        return await runIndex(cmd, io);
      case "serve":
        return await runServe(cmd, io);
      case "scenarios":
        return await runScenarios(cmd, io);
      case "simulate":
        return await runSimulate(cmd, io);
      case "check":
        return await runCheck(cmd, io);
      case "tests":
        return await runTests(cmd, io);
      case "why":
        return await runWhy(cmd, io);
      case "ingest":
        return await runIngest(cmd, io);
      case "hotspots":
      case "coupling":
      case "ownership":
      case "suspect-commits":
        return await runHistoryView(cmd.command, cmd, io);
      case "services":
        return await runServices(cmd, io);
      case "triage":
        return await runTriage(cmd, io);
      case "worker":
        return await runWorker(cmd, io);
      case "mcp-config":
        return await runMcpConfig(cmd, io);
      case "demo":
        return await runDemoCommand(cmd, io);
    }
  } catch (err) {
    if (err instanceof UserError) {
      io.err(`worldline: ${err.message}`);
      return EXIT.usage;
    }
    // GitHub refusing a call is no bug of Worldline's: its line says what to do, with no plea to report it.
    if (err instanceof GithubApiError) {
      io.err(`worldline: ${err.message}`);
      return EXIT.internal;
    }
    io.err(`worldline: internal error: ${errorLine(err)} (please report it with the command you ran)`);
    if (process.env.WORLDLINE_DEBUG) io.err(String((err as Error).stack));
    return EXIT.internal;
  }
}
