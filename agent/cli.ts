import { errorLine, UserError } from "../core/errors.js";
import { resolveRepo } from "../core/repo.js";
import { VERSION } from "../core/version.js";
import type { Served } from "../core/mcp.js";
import { helpText, parseCommandLine, SERVERS, type ParsedCommand, type ServerName } from "./cli-parse.js";

/** Exit codes shared by every command: 2 for a usage or input error, 3 when Worldline itself failed. */
export const EXIT = { ok: 0, usage: 2, internal: 3 } as const;


export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const stdio: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

function str(v: string | boolean | undefined): string | undefined {
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

/** Each server's factory, loaded only when that server is asked for. */
const SERVER_FACTORIES: Record<ServerName, (repo: string, rev: string | undefined) => Promise<Served>> = {
  "code-graph": async (repo, rev) => (await import("../servers/code-graph/main.js")).createCodeGraphServer(repo, rev),
  "git-history": async (repo) => (await import("../servers/git-history/main.js")).createGitHistoryServer(repo),
  tickets: async (repo) => (await import("../servers/tickets/main.js")).createTicketServer(repo),
  scenarios: async (repo) => (await import("../servers/scenarios/main.js")).createScenarioServer(repo),
  "context-graph": async (repo) => (await import("../servers/context-graph/main.js")).createContextGraphServer(repo),
};

async function runServe(cmd: ParsedCommand): Promise<number> {
  const name = cmd.positionals[0];
  if (!SERVERS.some((s) => s === name)) {
    throw new UserError(`unknown server "${name}": expected one of ${SERVERS.join(", ")}`);
  }
  const repo = await resolveRepo(str(cmd.values.repo));
  const { serveStdio } = await import("../core/mcp.js");
  const { server, service } = await SERVER_FACTORIES[name as ServerName](repo, str(cmd.values.rev));
  await serveStdio(server, () => service.close());
  return EXIT.ok;
}

async function runScenarios(cmd: ParsedCommand, io: Io): Promise<number> {
  if (cmd.positionals[0] !== "list") throw new UserError(`unknown action "${cmd.positionals[0]}" for worldline scenarios: expected list`);
  const repo = await resolveRepo(str(cmd.values.repo));
  const { ScenarioService } = await import("../servers/scenarios/service.js");
  const service = new ScenarioService(repo);
  try {
    const { scenarios, errors } = await service.load(str(cmd.values.rev));
    for (const s of scenarios) io.out(`${s.id.padEnd(32)} ${s.simulate ? "executable" : "prose     "} ${s.title}`);
    for (const e of errors) io.err(`worldline: ${e.message}`);
    io.out(`${scenarios.length} scenarios${errors.length ? `, ${errors.length} files did not load` : ""}`);
    return EXIT.ok;
  } finally {
    service.close();
  }
}

async function runSimulate(cmd: ParsedCommand, io: Io): Promise<number> {
  const repo = await resolveRepo(str(cmd.values.repo));
  const { ScenarioService } = await import("../servers/scenarios/service.js");
  const { WORKTREE } = await import("../core/git.js");
  const service = new ScenarioService(repo);
  try {
    const named = { base: str(cmd.values.base) ?? "HEAD", head: str(cmd.values.head) ?? WORKTREE };
    const { base, head } = await service.pin(named.base, named.head);
    const only = str(cmd.values.scenario);
    const selected = only ? [{ scenario: only, score: 1, reasons: ["asked for"] }] : (await service.select(base, head)).selected;
    const depth = str(cmd.values.depth);
    if (depth !== undefined && depth !== "static" && depth !== "differential") throw new UserError(`--depth "${depth}": expected static or differential`);
    const loaded = new Map((await service.load(head)).scenarios.map((s) => [s.id, s]));
    if (!cmd.values.json) io.err(`simulating ${selected.length} scenario(s)…`);
    // In parallel: differential runs go to the sandbox's process pool, one isolate per run.
    const verdicts = await Promise.all(selected.map(async (s) => (await service.simulate(loaded.get(s.scenario) ?? s.scenario, base, head, depth)).verdict));
    const counts = verdicts.reduce<Record<string, number>>((m, v) => ({ ...m, [v.verdict]: (m[v.verdict] ?? 0) + 1 }), {});
    const summary = verdicts.length ? Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(", ") : "no scenario selected";
    const report = { base: `${named.base} (${base.slice(0, 12)})`, head: head === WORKTREE ? WORKTREE : `${named.head} (${head.slice(0, 12)})`, selected: selected.map(({ scenario, reasons }) => ({ scenario, reasons })), verdicts, summary };
    if (cmd.values.json) {
      io.out(JSON.stringify(report, null, 2));
      return EXIT.ok;
    }
    for (const v of verdicts) {
      io.out(`${v.verdict.toUpperCase().padEnd(10)} ${v.scenario} (${v.depth}): ${v.reason}`);
      for (const step of (v.steps ?? []) as Array<{ location: string; symbol: string; touched?: { hunks: string[] } }>) {
        if (step.touched) io.out(`           ${step.location} in ${step.symbol} (hunk ${step.touched.hunks.join(", ")})`);
      }
      const diff = v.effectsDiff as { changed?: Array<{ target: string; at: string; base: unknown[]; head: unknown[] }>; added?: Array<{ target: string; at: string }>; removed?: Array<{ target: string; at: string }> } | undefined;
      const short = (x: unknown) => (JSON.stringify(x) ?? "").slice(0, 160);
      for (const c of diff?.changed ?? []) io.out(`           effect ${c.target} at ${c.at}: ${short(c.base)} -> ${short(c.head)}`);
      for (const a of diff?.added ?? []) io.out(`           effect added: ${a.target} at ${a.at}`);
      for (const r of diff?.removed ?? []) io.out(`           effect removed: ${r.target} at ${r.at}`);
    }
    io.out(summary);
    return EXIT.ok;
  } finally {
    service.close();
  }
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
        return await runServe(cmd);
      case "scenarios":
        return await runScenarios(cmd, io);
      case "simulate":
        return await runSimulate(cmd, io);
    }
  } catch (err) {
    if (err instanceof UserError) {
      io.err(`worldline: ${err.message}`);
      return EXIT.usage;
    }
    io.err(`worldline: internal error: ${errorLine(err)} (please report it with the command you ran)`);
    if (process.env.WORLDLINE_DEBUG) io.err(String((err as Error).stack));
    return EXIT.internal;
  }
}
