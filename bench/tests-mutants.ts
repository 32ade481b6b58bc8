import { formatTable, invokedDirectly, NODE, ROOT } from "./common.js";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { z } from "zod";
import { Report } from "../core/verdict.js";
import { slug } from "../servers/scenarios/tests/as-scenarios.js";

/**
 * Selection on mutants (issue 17): Stryker 9 (`disableBail`, per-test coverage) mutates a fetched library and records
 * every test that kills each mutant; each mutant is then applied to the clone's work tree and `worldline check
 * --head WORKTREE` is run on it as a user would. Selected = simulated on head; recall and precision are pooled over
 * mutants (sum of killing∩selected over sum of killing, resp. selected). Also: the gate's own precision (cases
 * reported `fail` that really fail), the share of failing mutants whose root cause is the mutated line, and the time
 * of the first (cold) and of the next checks against the library's own `vitest run`.
 *
 * Standalone: `npx tsx bench/tests-mutants.ts`. MUTANTS_REPO=owner/name (default supermacro/neverthrow),
 * MUTANTS_LIMIT (default 100), MUTANTS_REPORT=path of a Stryker mutation.json to reuse (else Stryker runs),
 * MUTANTS_MIRRORS (default /work/.mirror). A repo whose mirror is absent is skipped with a message.
 */
const MIRRORS = process.env.MUTANTS_MIRRORS ?? "/work/.mirror";
const STRYKER = ["@stryker-mutator/core@9", "@stryker-mutator/vitest-runner@9"];

const log = (line: string) => process.stderr.write(`${line}\n`);

const Position = z.object({ line: z.number().int(), column: z.number().int() });
const MutationReport = z.object({
  files: z.record(z.string(), z.object({ mutants: z.array(z.object({ id: z.string(), mutatorName: z.string(), replacement: z.string().optional(), status: z.string(), killedBy: z.array(z.string()).optional(), coveredBy: z.array(z.string()).optional(), location: z.object({ start: Position, end: Position }) })) })),
  testFiles: z.record(z.string(), z.object({ tests: z.array(z.object({ id: z.string(), name: z.string() })) })),
});
type MutationReport = z.infer<typeof MutationReport>;
type Mutant = MutationReport["files"][string]["mutants"][number] & { file: string };

/**
 * Stryker names a test by its titles joined with spaces, Worldline by `path--slug`: both slug the same words, so a
 * name maps to one scenario id. Two Stryker tests whose ids collide are left out of the pool (counted apart).
 */
function scenarioIds(report: MutationReport): { ids: Map<string, string>; ambiguous: Set<string> } {
  const ids = new Map<string, string>();
  const seen = new Map<string, number>();
  for (const [path, f] of Object.entries(report.testFiles)) {
    for (const t of f.tests) {
      const id = `${slug(path.replace(/\.[cm]?[jt]sx?$/, ""), 80)}--${slug(t.name, 80) || "case"}`;
      ids.set(t.id, id);
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
  }
  return { ids, ambiguous: new Set([...seen].filter(([, n]) => n > 1).map(([id]) => id)) };
}

/**
 * Whether a root cause (`path:line`) is on a line the mutant replaced: a mutant spans lines (a block statement
 * replaced by `{}` starts on its brace's line and holds the statements the root cause names).
 */
function onMutant(location: string | undefined, m: Mutant): boolean {
  const at = /^(.*):(\d+)$/.exec(location?.split(" ")[0] ?? "");
  if (!at || at[1] !== m.file) return false;
  const line = Number(at[2]);
  return line >= m.location.start.line && line <= m.location.end.line;
}

function applyMutant(dir: string, m: Mutant): () => void {
  const path = join(dir, m.file);
  const text = readFileSync(path, "utf8");
  const lines = text.split("\n");
  const offset = (p: { line: number; column: number }) => lines.slice(0, p.line - 1).reduce((n, l) => n + l.length + 1, 0) + p.column - 1;
  writeFileSync(path, text.slice(0, offset(m.location.start)) + (m.replacement ?? "") + text.slice(offset(m.location.end)));
  return () => writeFileSync(path, text);
}

/** The test files `vitest related` picks for a source file (the import-graph peer), run once on the unmutated tree. */
function relatedFiles(dir: string, file: string, out: string): Set<string> {
  spawnSync(NODE, [join(dir, "node_modules/vitest/vitest.mjs"), "related", "--run", file, "--reporter=json", `--outputFile=${out}`], { cwd: dir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (!existsSync(out)) throw new Error(`vitest related ${file} wrote no report in ${dir}`);
  const r = z.object({ testResults: z.array(z.object({ name: z.string() })) }).parse(JSON.parse(readFileSync(out, "utf8")));
  rmSync(out);
  return new Set(r.testResults.map((t) => relative(dir, t.name)));
}

/**
 * A run of worldline check with the time its verdicts were ready: the first progress line about drafting a
 * fix marks the end of selection and simulation (fix drafting is reported apart, as the issue asks).
 */
function checkTimed(args: string[], cwd: string): Promise<{ ms: number; verdictsMs: number; out: string; err: string; status: number | null }> {
  return new Promise((done) => {
    const started = performance.now();
    let verdictsMs: number | undefined;
    const child = spawn(NODE, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      if (verdictsMs === undefined && /drafting and checking a fix/.test(err)) verdictsMs = performance.now() - started;
    });
    child.on("close", (status) => {
      const ms = performance.now() - started;
      done({ ms, verdictsMs: verdictsMs ?? ms, out, err, status });
    });
  });
}

function timed(cmd: string, args: string[], cwd: string): { ms: number; out: string; err: string; status: number | null } {
  const started = performance.now();
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
  return { ms: performance.now() - started, out: r.stdout, err: r.stderr, status: r.status };
}

export async function testsMutantsBench(work: string): Promise<string> {
  const repo = process.env.MUTANTS_REPO ?? "supermacro/neverthrow";
  const limit = Number(process.env.MUTANTS_LIMIT ?? 100);
  const mirror = join(MIRRORS, repo.replace("/", "+"), "repo");
  if (!existsSync(mirror)) return `tests-mutants: ${repo} skipped: no mirror at ${mirror} (fetch it)`;
  // The clone's folder is the repo's name: Worldline names a repo by its folder, and "owner+name" names no path.
  const dir = join(work, repo.split("/")[1] ?? "repo");
  execFileSync("git", ["clone", "-q", mirror, dir]);
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  // Stryker's files stay out of the work tree Worldline reads.
  appendFileSync(join(dir, ".git/info/exclude"), "\nstryker.worldline.json\nreports/\n.stryker-tmp/\n");
  let reportPath = process.env.MUTANTS_REPORT;
  if (!reportPath) {
    execFileSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", ...STRYKER], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    writeFileSync(join(dir, "stryker.worldline.json"), JSON.stringify({ testRunner: "vitest", mutate: ["src/**/*.ts"], disableBail: true, coverageAnalysis: "perTest", reporters: ["json"], jsonReporter: { fileName: "reports/mutation.json" }, concurrency: 1 }));
    log(`tests-mutants: ${repo}: running Stryker`);
    execFileSync("npx", ["stryker", "run", "stryker.worldline.json"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    reportPath = join(dir, "reports/mutation.json");
  }
  const report = MutationReport.parse(JSON.parse(readFileSync(reportPath, "utf8")));
  const { ids, ambiguous } = scenarioIds(report);
  const all: Mutant[] = Object.entries(report.files).flatMap(([file, f]) => f.mutants.map((m) => ({ ...m, file })));
  const usable = all.filter((m) => m.status === "Killed" || m.status === "Survived" || m.status === "NoCoverage");
  // Every k-th mutant, so the sample spans the files and mutators.
  const step = Math.max(1, Math.floor(usable.length / limit));
  const sample = usable.filter((_, i) => i % step === 0).slice(0, limit);

  const vitest = timed(NODE, [join(dir, "node_modules/vitest/vitest.mjs"), "run"], dir);
  // The peer: vitest related, per mutated file (the import graph does not change with a mutant); a related file counts as all its cases.
  const fileOfTest = new Map(Object.entries(report.testFiles).flatMap(([path, f]) => f.tests.map((t): [string, string] => [t.id, path])));
  const casesOf = new Map(Object.entries(report.testFiles).map(([path, f]) => [path, f.tests.length]));
  const related = new Map<string, Set<string>>();
  let peerSelected = 0;
  let peerKilledSelected = 0;
  let peerKilling = 0;
  let killedSelected = 0;
  let killing = 0;
  let selected = 0;
  let reportedFail = 0;
  let reallyFail = 0;
  let failingMutants = 0;
  let rootOnLine = 0;
  let rootOnFirstLine = 0;
  const times: number[] = [];
  const fixTimes: number[] = [];
  for (const m of sample) {
    if (!related.has(m.file)) related.set(m.file, relatedFiles(dir, m.file, join(work, "related.json")));
    const peer = related.get(m.file) ?? new Set<string>();
    peerSelected += [...peer].reduce((n, f) => n + (casesOf.get(f) ?? 0), 0);
    const killers = m.killedBy ?? [];
    peerKilling += killers.length;
    peerKilledSelected += killers.filter((t) => peer.has(fileOfTest.get(t) ?? "")).length;
    const restore = applyMutant(dir, m);
    try {
      const r = await checkTimed([join(ROOT, "bin/worldline.js"), "check", "--base", "HEAD", "--head", "WORKTREE", "--format", "json"], dir);
      times.push(r.verdictsMs);
      fixTimes.push(r.ms - r.verdictsMs);
      if (!r.out.trim()) throw new Error(`worldline check on mutant ${m.id} (${m.file}:${m.location.start.line}) printed no report, exit ${r.status}: ${r.err.trim().split("\n").slice(-2).join(" ")}`);
      // Worldline numbers cases whose ids collide (`-2`, `-3`): those of an ambiguous id are left out with it.
      const verdicts = Report.parse(JSON.parse(r.out)).verdicts.filter((v) => !ambiguous.has(v.scenario) && !ambiguous.has(v.scenario.replace(/-\d+$/, "")));
      const kill = new Set((m.killedBy ?? []).map((t) => ids.get(t) ?? "").filter((id) => id && !ambiguous.has(id)));
      const sim = verdicts.filter((v) => v.verdict !== "unaffected");
      const fails = verdicts.filter((v) => v.verdict === "fail");
      killing += kill.size;
      selected += sim.length;
      killedSelected += sim.filter((v) => kill.has(v.scenario)).length;
      reportedFail += fails.length;
      reallyFail += fails.filter((v) => kill.has(v.scenario)).length;
      if (fails.length) {
        failingMutants++;
        if (fails.some((v) => onMutant(v.rootCause?.location, m))) rootOnLine++;
        if (fails.some((v) => v.rootCause?.location === `${m.file}:${m.location.start.line}`)) rootOnFirstLine++;
      }
      if (times.length % 10 === 0) log(`tests-mutants: after ${times.length} mutants: recall ${(killedSelected / Math.max(1, killing)).toFixed(3)} (${killedSelected}/${killing}), precision ${(killedSelected / Math.max(1, selected)).toFixed(3)}, gate precision ${(reallyFail / Math.max(1, reportedFail)).toFixed(3)}, root cause ${rootOnLine}/${failingMutants}; peer recall ${(peerKilledSelected / Math.max(1, peerKilling)).toFixed(3)}, precision ${(peerKilledSelected / Math.max(1, peerSelected)).toFixed(3)}`);
      // What a miss looks like, to read the causes from the log: where the root causes were, and which fails the runner does not see.
      const rootMiss = fails.length && !fails.some((v) => onMutant(v.rootCause?.location, m)) ? `; root causes at ${[...new Set(fails.map((v) => v.rootCause?.location ?? "none"))].slice(0, 3).join(", ")}` : "";
      const falseFails = fails.filter((v) => !kill.has(v.scenario)).map((v) => v.scenario);
      log(`tests-mutants: mutant ${m.id} ${m.file}:${m.location.start.line} ${m.mutatorName}: killing ${kill.size}, selected ${sim.length}, fail ${fails.length} (verdicts ${(r.verdictsMs / 1000).toFixed(1)} s, fix ${((r.ms - r.verdictsMs) / 1000).toFixed(1)} s)${rootMiss}${falseFails.length ? `; fail but not killed: ${falseFails.slice(0, 3).join(", ")}` : ""}`);
    } finally {
      restore();
    }
  }
  const ratio = (a: number, b: number) => (b ? a / b : 1).toFixed(3);
  // The first check is cold (empty .worldline/); the next ones reuse its index and coverage.
  const sorted = times.slice(1).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const fixSorted = fixTimes.filter((t) => t > 1).sort((a, b) => a - b);
  const fixMedian = fixSorted[Math.floor(fixSorted.length / 2)] ?? 0;
  return formatTable(
    ["repo", "selection", "mutants", "recall (goal 0.99)", "precision (goal 0.30)", "gate precision", "root cause on the mutated lines (goal 0.95)", "on its first line", "first check / vitest run", "median next check / vitest run", "median fix drafting / vitest run"],
    [
      [repo, "worldline check", `${sample.length} of ${all.length}`, ratio(killedSelected, killing), ratio(killedSelected, selected), ratio(reallyFail, reportedFail), `${rootOnLine}/${failingMutants}`, `${rootOnFirstLine}/${failingMutants}`, ratio(times[0] ?? 0, vitest.ms), ratio(median, vitest.ms), ratio(fixMedian, vitest.ms)],
      [repo, "vitest related (peer)", `${sample.length} of ${all.length}`, ratio(peerKilledSelected, peerKilling), ratio(peerKilledSelected, peerSelected), "", "", "", "", "", ""],
    ],
  );
}

if (invokedDirectly(import.meta.url)) {
  const work = mkdtempSync(join(tmpdir(), "worldline-tests-mutants-"));
  try {
    process.stdout.write(`${await testsMutantsBench(work)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
