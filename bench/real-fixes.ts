import { formatTable, gitOut, invokedDirectly, mirrorsDir, NODE, ROOT, worldlineRevision, worldlineUnderTest } from "./common.js";
import { median } from "./measure.js";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ts } from "@ts-morph/common";

/**
 * Reverted real fixes: `worldline check` on real TypeScript libraries, where the change under review
 * re-introduces a bug that was fixed upstream. The corpus is data (bench/real-fixes/<repo>.json): per fix, the
 * fix commit F, a scenario whose expectations hold at F and fail once F is reverted, and a control scenario off
 * the change. For each fix the bench commits both scenarios on top of F (base `rf-base-<short>`), reverts F on
 * top of that (head `revert-<short>`), and runs plain `worldline check` (no `--scenario`): is the fix's scenario
 * selected, what is its verdict, does the root cause lie in the reverted hunk, and does the control stay
 * unselected.
 *
 * Standalone: `npx tsx bench/real-fixes.ts` (one repo at a time; a repo whose mirror is absent is skipped).
 * Environment: REAL_FIXES_REPOS=yaml,remeda (corpus files to run), REAL_FIXES_ONLY=bf03c0c,fdf3e62 (fixes),
 * REAL_FIXES_INSTALL=0 (skip npm ci), REAL_FIXES_OUT=FILE (also write the results as JSON),
 * REAL_FIXES_KEEP=1 (keep the clones), REAL_FIXES_TIMEOUT_S (per check, default 900), REAL_FIXES_MIRRORS (the
 * folder of mirrors, default /work/.mirror), REAL_FIXES_WORLDLINE=DIR (the Worldline checkout whose
 * bin/worldline.js runs, default this one).
 */
const { dir: WORLDLINE, bin: BIN } = worldlineUnderTest("REAL_FIXES_WORLDLINE");
export const CORPUS_DIR = join(ROOT, "bench/real-fixes");
const MIRRORS = mirrorsDir("REAL_FIXES_MIRRORS");

export interface RealFix {
  /** The fix commit F (base is F with the scenarios committed on top). */
  sha: string;
  subject: string;
  /** What the fix fixed, in one line. */
  description: string;
  /** Why the scenario shows it: what the public API answers at the fix and at the revert. */
  shows: string;
  note?: string;
  /** The scenario file's text: expectations hold at F and fail at its revert. */
  scenario: string;
  /** A control scenario off the change, expected to stay unselected. */
  control: string;
}

export interface Corpus {
  /** owner/name on GitHub; the mirror is <MIRRORS>/<owner>+<name>/repo. */
  repo: string;
  description?: string;
  fixes: RealFix[];
}

export interface FixResult {
  repo: string;
  sha: string;
  short: string;
  subject: string;
  scenario: string;
  control: string;
  /** The fix's scenario is in the report's `selected`. */
  selected: boolean;
  /** Kinds of the selection reasons: coverage, reads, reachability, text, runs (undecided), ... */
  selectedBy: string[];
  /** The selection reasons as the report gives them. */
  reasons: string[];
  /** Its verdict in the report, or "not run" when it was not selected. */
  verdict: string;
  reason?: string;
  rootCause?: string;
  rootCauseNote?: string;
  /**
   * Where the root cause lies against the revert's hunks: `yes` its line is in a hunk; `encloses` the statement
   * (or function) that starts at its line spans a hunk, without the line itself being changed; `no` neither;
   * undefined when there is no root cause.
   */
  inHunk?: "yes" | "encloses" | "no";
  /** The root cause's two values differ (or one side has none). */
  valuesDiffer?: boolean;
  /** The report's fix for the fix's scenario: verified or not; undefined when none was drafted. */
  fix?: "verified" | "unverified";
  /** What the fix reverted (the planner's `by`). */
  fixBy?: string;
  controlSelected: boolean;
  controlBy: string[];
  controlReasons: string[];
  controlVerdict?: string;
  /** `worldline check`'s exit code (null when it was killed). */
  exit: number | null;
  ms: number;
  error?: string;
}

interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
}

interface ReportLike {
  selected: Array<{ scenario: string; reasons: string[] }>;
  verdicts: Array<{ scenario: string; verdict: string; reason: string; rootCause?: { location: string; note?: string; base?: unknown; head?: unknown }; fix?: { verified: boolean; patch: string; by?: string } }>;
}

const git = gitOut;

const log = (line: string) => process.stderr.write(`${line}\n`);

/** The scenario id in a scenario file's front matter. */
export function scenarioId(text: string): string {
  const m = /^id:\s*["']?([a-z0-9][a-z0-9-]*)["']?\s*$/m.exec(text);
  if (!m?.[1]) throw new Error(`a scenario without an id: ${text.slice(0, 80)}`);
  return m[1];
}

/** Every corpus file in bench/real-fixes (or those named in `only`, by file name without .json). */
export function loadCorpus(only?: string[], dir = CORPUS_DIR): Array<{ name: string; corpus: Corpus }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ""), corpus: JSON.parse(readFileSync(join(dir, f), "utf8")) as Corpus }))
    .filter((c) => !only?.length || only.includes(c.name) || only.includes(c.corpus.repo));
}

export function mirrorOf(repo: string): string {
  return join(MIRRORS, repo.replace("/", "+"), "repo");
}

/** npm ci, then with --ignore-scripts; a repo without a lockfile gets npm install --no-save. */
function install(clone: string): string {
  const run = (args: string[]) => execFileSync("npm", args, { cwd: clone, stdio: ["ignore", "ignore", "pipe"], env: process.env });
  const attempts = existsSync(join(clone, "package-lock.json")) || existsSync(join(clone, "npm-shrinkwrap.json"))
    ? [["ci", "--no-audit", "--no-fund"], ["ci", "--no-audit", "--no-fund", "--ignore-scripts"]]
    : [["install", "--no-audit", "--no-fund", "--no-save", "--ignore-scripts"]];
  let last = "";
  for (const args of attempts) {
    try {
      run(args);
      return `npm ${args.join(" ")}`;
    } catch (err) {
      last = String((err as { stderr?: Buffer }).stderr ?? err).trim().split("\n").slice(-2).join(" ");
    }
  }
  return `install failed (${last}); running without node_modules`;
}

/** Hunks of base→head for one path, from `git diff -U0`. */
function hunks(clone: string, base: string, head: string, path: string): Hunk[] {
  const out = git(clone, ["diff", "-U0", "--no-ext-diff", "--no-color", base, head, "--", path]);
  const found: Hunk[] = [];
  for (const m of out.matchAll(/^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/gm)) {
    found.push({ oldStart: Number(m[1]), oldLines: m[2] === undefined ? 1 : Number(m[2]), newStart: Number(m[3]), newLines: m[4] === undefined ? 1 : Number(m[4]) });
  }
  return found;
}

const STATEMENT_LIKE = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.FunctionDeclaration,
  ts.SyntaxKind.ClassDeclaration,
  ts.SyntaxKind.MethodDeclaration,
  ts.SyntaxKind.Constructor,
  ts.SyntaxKind.GetAccessor,
  ts.SyntaxKind.SetAccessor,
  ts.SyntaxKind.PropertyDeclaration,
  ts.SyntaxKind.PropertyAssignment,
  ts.SyntaxKind.VariableDeclaration,
]);

/** The lines [first, last] of the innermost statement (or declaration) that starts on `line`, if one does. */
function statementAt(text: string, path: string, line: number): [number, number] | undefined {
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  let best: [number, number] | undefined;
  const visit = (node: ts.Node) => {
    const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
    if (start > line || end < line) return;
    const statement = (node.kind >= ts.SyntaxKind.FirstStatement && node.kind <= ts.SyntaxKind.LastStatement) || STATEMENT_LIKE.has(node.kind);
    if (statement && start === line && (!best || end - start < best[1] - best[0])) best = [start, end];
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return best;
}

/**
 * Where a root cause `path:line` lies against the revert's hunks, on head's side of the diff, or on base's when
 * the root cause names a line only base has. A pure deletion counts at the lines either side of it.
 */
function placeInRevert(clone: string, base: string, head: string, location: string, note: string | undefined): "yes" | "encloses" | "no" {
  const m = /^(.*):(\d+)$/.exec(location);
  if (!m?.[1] || !m[2]) return "no";
  const path = m[1];
  const line = Number(m[2]);
  const onBase = /on base only/.test(note ?? "");
  const ranges = hunks(clone, base, head, path).map((h): [number, number] => {
    const [start, count] = onBase ? [h.oldStart, h.oldLines] : [h.newStart, h.newLines];
    return count === 0 ? [start, start + 1] : [start, start + count - 1];
  });
  if (!ranges.length) return "no";
  if (ranges.some(([a, b]) => line >= a && line <= b)) return "yes";
  let text: string;
  try {
    text = git(clone, ["show", `${onBase ? base : head}:${path}`]);
  } catch {
    return "no";
  }
  const st = statementAt(text, path, line);
  return st && ranges.some(([a, b]) => a <= st[1] && b >= st[0]) ? "encloses" : "no";
}

/** The kinds of selection reasons, for the table. */
function reasonKinds(reasons: string[]): string[] {
  const kind = (r: string) =>
    /^its run on base covers/.test(r)
      ? "coverage"
      : /, which changed \(/.test(r)
        ? "reads"
        : /is reachable from/.test(r)
          ? "reachability"
          : /^its (text|source)/.test(r)
            ? "text"
            : /it runs$|so it runs|: it runs/.test(r)
              ? "runs"
              : r.split(/\s+/).slice(0, 4).join(" ");
  return [...new Set(reasons.map(kind))];
}

function runCheck(clone: string, base: string, head: string, out: string, timeoutMs: number): Promise<{ code: number | null; ms: number; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(NODE, [BIN, "check", "--repo", clone, "--base", base, "--head", head, "--format", "json", "--out", out, "--quiet"], { cwd: clone, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, ms: performance.now() - started, stderr });
    });
  });
}

/** Base and head of one fix in the clone: the scenarios committed on F, then F reverted on top. */
function buildBranches(clone: string, fix: RealFix, short: string, ids: { scenario: string; control: string }): { base: string; head: string } {
  git(clone, ["checkout", "-q", "-f", "--detach", fix.sha]);
  git(clone, ["clean", "-q", "-f", "-d"]);
  mkdirSync(join(clone, "scenarios"), { recursive: true });
  writeFileSync(join(clone, "scenarios", `${ids.scenario}.md`), fix.scenario);
  writeFileSync(join(clone, "scenarios", `${ids.control}.md`), fix.control);
  // The figure is about the written scenario and its control: the repo's own tests as scenarios are measured
  // by the tests bench, so here they are off (a config the base commit carries, so the change does not touch it).
  writeFileSync(join(clone, "worldline.config.json"), `${JSON.stringify({ tests: false })}\n`);
  git(clone, ["add", "-f", "--", `scenarios/${ids.scenario}.md`, `scenarios/${ids.control}.md`, "worldline.config.json"]);
  git(clone, ["commit", "-q", "--no-verify", "-m", `scenarios for ${short}`]);
  const base = `rf-base-${short}`;
  const head = `revert-${short}`;
  git(clone, ["branch", "-f", base, "HEAD"]);
  try {
    git(clone, ["revert", "--no-edit", fix.sha]);
  } catch (err) {
    try {
      git(clone, ["revert", "--abort"]);
    } catch {
      // nothing to abort
    }
    throw new Error(`git revert ${short} does not apply: ${String((err as { stderr?: string }).stderr ?? err).trim().split("\n")[0]}`);
  }
  git(clone, ["branch", "-f", head, "HEAD"]);
  git(clone, ["checkout", "-q", "-f", "--detach", base]);
  return { base, head };
}

/** One fix: build its branches, run `worldline check`, read the report. */
async function runFix(clone: string, repo: string, fix: RealFix, out: string, timeoutMs: number): Promise<FixResult> {
  const short = fix.sha.slice(0, 8);
  const ids = { scenario: scenarioId(fix.scenario), control: scenarioId(fix.control) };
  const result: FixResult = { repo, sha: fix.sha, short, subject: fix.subject, ...ids, selected: false, selectedBy: [], reasons: [], verdict: "not run", controlSelected: false, controlBy: [], controlReasons: [], exit: null, ms: 0 };
  let base: string;
  let head: string;
  try {
    ({ base, head } = buildBranches(clone, fix, short, ids));
  } catch (err) {
    return { ...result, verdict: "setup failed", error: (err as Error).message };
  }
  rmSync(out, { force: true });
  const run = await runCheck(clone, base, head, out, timeoutMs);
  result.exit = run.code;
  result.ms = run.ms;
  if (!existsSync(out)) return { ...result, verdict: "no report", error: run.stderr.trim().split("\n").slice(-3).join(" ") || `exit ${run.code}` };
  const report = JSON.parse(readFileSync(out, "utf8")) as ReportLike;
  const sel = report.selected.find((s) => s.scenario === ids.scenario);
  const ctl = report.selected.find((s) => s.scenario === ids.control);
  const v = report.verdicts.find((x) => x.scenario === ids.scenario);
  const cv = report.verdicts.find((x) => x.scenario === ids.control);
  result.selected = sel !== undefined;
  result.reasons = sel?.reasons ?? [];
  result.selectedBy = reasonKinds(result.reasons);
  result.controlSelected = ctl !== undefined;
  result.controlReasons = ctl?.reasons ?? [];
  result.controlBy = reasonKinds(result.controlReasons);
  if (cv) result.controlVerdict = cv.verdict;
  if (v) {
    result.verdict = v.verdict;
    result.reason = v.reason;
    if (v.rootCause) {
      result.rootCause = v.rootCause.location;
      if (v.rootCause.note) result.rootCauseNote = v.rootCause.note;
      result.inHunk = placeInRevert(clone, base, head, v.rootCause.location, v.rootCause.note);
      result.valuesDiffer = JSON.stringify(v.rootCause.base) !== JSON.stringify(v.rootCause.head);
    }
    if (v.fix) {
      result.fix = v.fix.verified ? "verified" : "unverified";
      if (v.fix.by) result.fixBy = v.fix.by;
    }
  }
  if (run.code !== 0 && run.code !== 1) result.error = run.stderr.trim().split("\n").slice(-2).join(" ");
  return result;
}

export interface RunOptions {
  /** Where the clones go. */
  work: string;
  /** Corpus files (yaml, remeda, ...) or repos (owner/name) to run; all when absent. */
  repos?: string[];
  /** Fixes to run, by sha prefix; all when absent. */
  fixes?: string[];
  install?: boolean;
  timeoutMs?: number;
  keep?: boolean;
}

/** Runs the corpus one repo at a time (the machine is shared): a repo whose mirror is absent is skipped. */
export async function runRealFixes(opts: RunOptions): Promise<{ results: FixResult[]; skipped: string[] }> {
  const results: FixResult[] = [];
  const skipped: string[] = [];
  for (const { name, corpus } of loadCorpus(opts.repos)) {
    const mirror = mirrorOf(corpus.repo);
    if (!existsSync(mirror)) {
      skipped.push(`${corpus.repo}: no mirror at ${mirror}`);
      log(`real-fixes: skipping ${corpus.repo}: no mirror at ${mirror}`);
      continue;
    }
    const fixes = corpus.fixes.filter((f) => !opts.fixes?.length || opts.fixes.some((p) => f.sha.startsWith(p)));
    if (!fixes.length) continue;
    const clone = join(opts.work, name);
    rmSync(clone, { recursive: true, force: true });
    git(opts.work, ["clone", "-q", mirror, clone]);
    if (opts.install !== false) {
      const t = performance.now();
      log(`real-fixes: ${corpus.repo}: ${install(clone)} (${((performance.now() - t) / 1000).toFixed(0)} s)`);
    }
    for (const [i, fix] of fixes.entries()) {
      const r = await runFix(clone, corpus.repo, fix, join(opts.work, `${name}-${fix.sha.slice(0, 8)}.json`), opts.timeoutMs ?? 900_000);
      results.push(r);
      log(`real-fixes: [${i + 1}/${fixes.length}] ${corpus.repo} ${r.short}: ${r.selected ? "selected" : "not selected"}, ${r.verdict}${r.rootCause ? ` at ${r.rootCause}` : ""}, control ${r.controlSelected ? `selected (${r.controlVerdict ?? "?"})` : "unselected"}, exit ${r.exit}, ${(r.ms / 1000).toFixed(1)} s${r.error ? `; ${r.error}` : ""}`);
    }
    if (!opts.keep) rmSync(clone, { recursive: true, force: true });
  }
  return { results, skipped };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function realFixesTable(results: FixResult[]): string {
  const body = results.map((r) => {
    const issue = /#\d+/.exec(r.subject)?.[0];
    return [
      r.repo,
      `${r.short}${issue ? ` ${issue}` : ""}`,
      r.selected ? `yes (${r.selectedBy.join(", ") || "?"})` : "no",
      r.verdict,
      r.rootCause ?? "",
      r.inHunk ?? "",
      r.fix ? `${r.fix}${r.fixBy ? ` (${r.fixBy})` : ""}` : "none",
      r.controlSelected ? `selected (${r.controlBy.join(", ") || "?"}): ${r.controlVerdict ?? "?"}` : "unselected",
      r.exit === null ? "killed" : String(r.exit),
      seconds(r.ms),
    ];
  });
  return formatTable(["repo", "fix", "selected?", "verdict", "root cause", "in reverted hunk?", "fix", "control", "exit", "time"], body);
}

export function realFixesTotals(results: FixResult[], skipped: string[] = []): string {
  const n = results.length;
  const count = (p: (r: FixResult) => boolean) => results.filter(p).length;
  const withCause = count((r) => r.rootCause !== undefined);
  const repos = new Set(results.map((r) => r.repo)).size;
  const total = results.reduce((s, r) => s + r.ms, 0);
  const verdicts: Record<string, number> = {};
  for (const r of results) verdicts[r.verdict] = (verdicts[r.verdict] ?? 0) + 1;
  return formatTable(["reverted real fixes", "result", "target"], [
    [`fixes (over ${repos} repositories)`, String(n), "20+ over 3+ repositories"],
    ["fix's scenario selected by plain `worldline check`", `${count((r) => r.selected)} / ${n}`, `${n} / ${n}`],
    ["  selected on coverage of its base run", `${count((r) => r.selectedBy.includes("coverage"))} / ${n}`, ""],
    ["verdict fail", `${count((r) => r.verdict === "fail")} / ${n} (${Object.entries(verdicts).map(([k, v]) => `${v} ${k}`).join(", ")})`, `${n} / ${n}`],
    ["root cause in the reverted hunk (its line changed)", `${count((r) => r.inHunk === "yes")} / ${withCause} with a root cause`, `${withCause} / ${withCause}`],
    ["  or the statement at the root cause spans the hunk", `${count((r) => r.inHunk === "encloses")} / ${withCause}`, ""],
    ["root cause's two values differ", `${count((r) => r.valuesDiffer === true)} / ${withCause}`, `${withCause} / ${withCause}`],
    ["verified fix", `${count((r) => r.fix === "verified")} / ${n} (${count((r) => r.fix === "unverified")} drafted, not verified)`, "80%+"],
    ["check exits 1 (blocks the revert)", `${count((r) => r.exit === 1)} / ${n}`, `${n} / ${n}`],
    ["control stays unselected", `${count((r) => !r.controlSelected)} / ${n}`, `${n} / ${n}`],
    ["errors (setup, no report, exit 2 or 3)", String(count((r) => r.error !== undefined)), "0"],
    ["time, all checks (median per fix)", `${seconds(total)} (${seconds(median(results.map((r) => r.ms)))})`, ""],
    ...skipped.map((s) => [`skipped: ${s}`, "", ""]),
  ]);
}

/** For bench/run.ts (`BENCH_ONLY=real-fixes`): the table and the totals, clones under `work`. */
export async function realFixesBench(work: string, opts: Omit<RunOptions, "work"> = {}): Promise<string> {
  const dir = join(work, "real-fixes");
  mkdirSync(dir, { recursive: true });
  const { results, skipped } = await runRealFixes({ work: dir, ...envOptions(), ...opts });
  return `${realFixesTable(results)}\n\n${realFixesTotals(results, skipped)}`;
}

function envOptions(): Omit<RunOptions, "work"> {
  const list = (v: string | undefined) => (v ? v.split(",").map((s) => s.trim()).filter(Boolean) : undefined);
  const repos = list(process.env.REAL_FIXES_REPOS);
  const fixes = list(process.env.REAL_FIXES_ONLY);
  return {
    ...(repos ? { repos } : {}),
    ...(fixes ? { fixes } : {}),
    install: process.env.REAL_FIXES_INSTALL !== "0",
    keep: process.env.REAL_FIXES_KEEP === "1",
    timeoutMs: Number(process.env.REAL_FIXES_TIMEOUT_S ?? 900) * 1000,
  };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "worldline-real-fixes-"));
  const opts = envOptions();
  try {
    const revision = worldlineRevision(WORLDLINE);
    log(`real-fixes: clones in ${work}; worldline ${revision} from ${WORLDLINE}`);
    const { results, skipped } = await runRealFixes({ work, ...opts });
    if (process.env.REAL_FIXES_OUT) writeFileSync(process.env.REAL_FIXES_OUT, `${JSON.stringify({ worldline: WORLDLINE, revision, at: new Date().toISOString(), results, skipped }, null, 2)}\n`);
    process.stdout.write(`worldline ${revision}\n\n${realFixesTable(results)}\n\n${realFixesTotals(results, skipped)}\n`);
  } finally {
    if (!opts.keep) rmSync(work, { recursive: true, force: true });
  }
}

if (invokedDirectly(import.meta.url)) await main();
