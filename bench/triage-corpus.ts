import { formatTable, gitOut, invokedDirectly, mirrorsDir, NODE, ROOT, worldlineRevision, worldlineUnderTest } from "./common.js";
import { median } from "./measure.js";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { TriageReport, type TicketTriage } from "../core/triage.js";
import { fileOf } from "../core/span.js";

/**
 * Issue 23's measurement: real bug reports with known fixes (bench/triage-corpus/<repo>.json), each triaged by
 * plain `worldline triage` at the parent of its fix, as a user would: the report is a file in the repo's
 * tickets/ folder, the command runs from the repo's folder with `--ticket KEY --at <parent>`. Scored against
 * what the fix did: code@3 (a file the fix changed among the first three files the triage names), suspect@3 (a
 * commit that last touched a line the fix deleted or changed, by `git blame` at the parent, among the first
 * three suspects), likely-duplicate precision, reproductions that ran, and time per ticket.
 *
 * Standalone: `npx tsx bench/triage-corpus.ts [--json]`. Environment: TRIAGE_CORPUS_REPOS=yaml,immer (corpus
 * files), TRIAGE_CORPUS_ONLY=YAMLBUG-3,... (reports), TRIAGE_CORPUS_INSTALL=0 (skip npm ci), TRIAGE_CORPUS_TIMEOUT_S
 * (per triage, default 600), TRIAGE_CORPUS_MIRRORS (default /work/.mirror), TRIAGE_CORPUS_WORLDLINE=DIR.
 */
const { dir: WORLDLINE, bin: BIN } = worldlineUnderTest("TRIAGE_CORPUS_WORLDLINE");
export const CORPUS_DIR = join(ROOT, "bench/triage-corpus");
const MIRRORS = mirrorsDir("TRIAGE_CORPUS_MIRRORS");
const log = (line: string) => process.stderr.write(`${line}\n`);

export const Report = z.object({
  key: z.string().regex(/^[A-Z][A-Z0-9]+-\d+$/).describe("The ticket key: no commit message of the repo names it"),
  issue: z.number().int().positive().describe("The GitHub issue number, for the record only: not in the ticket"),
  title: z.string().min(1),
  body: z.string().min(1),
  fix: z.string().regex(/^[0-9a-f]{40}$/).describe("The full sha of the commit that fixed it"),
  duplicateOf: z.string().optional().describe("The key of another report GitHub closed this one as a duplicate of"),
});
export type Report = z.infer<typeof Report>;
export const Corpus = z.object({ repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/), description: z.string().optional(), reports: z.array(Report).min(1) });
export type Corpus = z.infer<typeof Corpus>;

export interface ReportResult {
  repo: string;
  key: string;
  issue: number;
  fix: string;
  /** Files the fix changed, tests and docs left out. */
  fixFiles: string[];
  /** The first files the triage names: its symbols' files, then its code references', in its order. */
  named: string[];
  codeAt3: boolean;
  /** Commits that last touched the lines the fix deleted or changed (blame at the parent); empty when the fix only adds. */
  inducing: string[];
  suspects: string[];
  /** null when the fix changed no existing line (not counted). */
  suspectAt3: boolean | null;
  likelyDuplicates: string[];
  realDuplicates: string[];
  reproduction: string | null;
  ms: number;
  exit: number | null;
  why: string[];
  error?: string;
}

/** Every corpus file in bench/triage-corpus, checked (or those named in `only`). A bad file fails naming its field. */
export function loadCorpus(only?: string[], dir = CORPUS_DIR): Array<{ name: string; corpus: Corpus }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      const parsed = Corpus.safeParse(JSON.parse(readFileSync(join(dir, f), "utf8")));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`bench/triage-corpus/${f}: field "${issue?.path.join(".") ?? ""}" ${issue?.message ?? "is invalid"}`);
      }
      return { name: f.replace(/\.json$/, ""), corpus: parsed.data };
    })
    .filter((c) => !only?.length || only.includes(c.name) || only.includes(c.corpus.repo));
}

// A top-level docs/ folder is documentation; a source folder named doc/ (yaml's src/doc/) is code.
const TEST_OR_DOC = /^docs?\/|(^|\/)(__tests__|tests?|spec)\/|\.(test|spec|test-d)\.[cm]?[jt]sx?$|\.md$/;

/** Files the fix changed, tests and docs left out: what a triage should point at. */
export function fixFiles(clone: string, fix: string): string[] {
  return gitOut(clone, ["diff", "--name-only", "--no-renames", `${fix}^`, fix]).split("\n").filter((f) => f && !TEST_OR_DOC.test(f));
}

/** Old-side ranges [start, count] of the lines the fix deleted or changed in `path` (`git diff -U0`). */
export function changedOldLines(clone: string, fix: string, path: string): Array<[number, number]> {
  const out = gitOut(clone, ["diff", "-U0", "--no-ext-diff", "--no-color", "--no-renames", `${fix}^`, fix, "--", path]);
  const ranges: Array<[number, number]> = [];
  for (const m of out.matchAll(/^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@/gm)) {
    const count = m[2] === undefined ? 1 : Number(m[2]);
    if (count > 0) ranges.push([Number(m[1]), count]);
  }
  return ranges;
}

/** The commits that introduced the lines the fix deleted or changed: blame at the fix's parent. */
export function inducingCommits(clone: string, fix: string, files: string[]): string[] {
  const found = new Set<string>();
  for (const path of files) {
    for (const [start, count] of changedOldLines(clone, fix, path)) {
      const out = gitOut(clone, ["blame", "--porcelain", "-L", `${start},+${count}`, `${fix}^`, "--", path]);
      for (const m of out.matchAll(/^([0-9a-f]{40}) \d+ \d+/gm)) if (m[1]) found.add(m[1]);
    }
  }
  return [...found];
}

/** The files a triage names, in its order: where it says to look; else its symbols, then its resolved code references. */
export function namedFiles(t: TicketTriage): string[] {
  if (t.files.length) return t.files.map((f) => f.path);
  const files = [...t.symbols.map(fileOf), ...t.codeRefs.filter((r) => r.target && r.kind !== "commit" && r.kind !== "config").map((r) => fileOf(r.target as string))];
  return [...new Set(files)];
}

/** A likely duplicate is real when GitHub closed one of the pair as a duplicate of the other, or both of a third. */
export function isRealDuplicate(a: Report, b: Report | undefined): boolean {
  if (!b) return false;
  return a.duplicateOf === b.key || b.duplicateOf === a.key || (a.duplicateOf !== undefined && a.duplicateOf === b.duplicateOf);
}

/** Scores one ticket's triage against its report's fix; `why` says what missed, where that can be told. */
export function score(repo: string, report: Report, byKey: Map<string, Report>, t: TicketTriage, files: string[], inducing: string[], ms: number, exit: number | null): ReportResult {
  const named = namedFiles(t);
  const top = named.slice(0, 3);
  const codeAt3 = top.some((f) => files.includes(f));
  const suspects = t.suspects.map((s) => s.commit);
  const hit = (s: string) => inducing.some((c) => c.startsWith(s) || s.startsWith(c));
  const suspectAt3 = inducing.length ? suspects.slice(0, 3).some(hit) : null;
  const likely = t.duplicates.filter((d) => d.likely).map((d) => d.key);
  const why: string[] = [];
  if (!codeAt3) {
    if (!named.length) why.push(`code: the triage names no file (${t.codeRefs.length} code reference(s), none resolved)`);
    else if (named.some((f) => files.includes(f))) why.push(`code: the fix's file is named only at position ${named.findIndex((f) => files.includes(f)) + 1}`);
    else why.push(`code: named ${top.join(", ")}; the fix changed ${files.join(", ")}`);
  }
  if (suspectAt3 === false) {
    if (!suspects.length) why.push("suspect: no suspects");
    else if (suspects.some(hit)) why.push(`suspect: an inducing commit is suspect #${suspects.findIndex(hit) + 1}`);
    else why.push(`suspect: ${suspects.length} suspect(s) (${t.suspects.slice(0, 3).map((s) => s.method).join(", ")}), none of the ${inducing.length} inducing commit(s)`);
  }
  if (suspectAt3 === null) why.push("suspect: the fix only adds lines (not counted)");
  return {
    repo,
    key: report.key,
    issue: report.issue,
    fix: report.fix,
    fixFiles: files,
    named: top,
    codeAt3,
    inducing,
    suspects: suspects.slice(0, 3),
    suspectAt3,
    likelyDuplicates: likely,
    realDuplicates: likely.filter((k) => isRealDuplicate(report, byKey.get(k))),
    reproduction: t.reproduction?.status ?? null,
    ms,
    exit,
    why,
  };
}

/** npm ci (then with --ignore-scripts) when node_modules is missing; only reproductions need it. */
function install(clone: string): string {
  if (existsSync(join(clone, "node_modules"))) return "node_modules present";
  const lock = existsSync(join(clone, "package-lock.json"));
  // A yarn repo's peer ranges may not satisfy npm's resolver: the legacy resolver installs what yarn would.
  const attempts = lock
    ? [["ci", "--no-audit", "--no-fund"], ["ci", "--no-audit", "--no-fund", "--ignore-scripts"]]
    : [["install", "--no-audit", "--no-fund", "--no-save", "--ignore-scripts"], ["install", "--no-audit", "--no-fund", "--no-save", "--ignore-scripts", "--legacy-peer-deps"]];
  let last = "";
  for (const args of attempts) {
    try {
      execFileSync("npm", args, { cwd: clone, stdio: ["ignore", "ignore", "pipe"] });
      return `npm ${args.join(" ")}`;
    } catch (err) {
      last = String((err as { stderr?: Buffer }).stderr ?? err).trim().split("\n").slice(-1).join(" ");
    }
  }
  return `install failed (${last}); reproductions run without node_modules`;
}

/**
 * The report as a tracker holds it (a JSON ticket of the tickets/ folder); the issue number is left out. The
 * corpus does not keep when it was filed: `created` is the time of its fix's parent, when it was still open.
 */
export function ticketFile(r: Report, created: string): string {
  return `${JSON.stringify({ key: r.key, title: r.title, body: r.body, kind: "bug", status: "open", created }, null, 2)}\n`;
}

function runTriage(clone: string, key: string, at: string, out: string, timeoutMs: number): Promise<{ code: number | null; ms: number; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(NODE, [BIN, "triage", "--ticket", key, "--at", at, "--format", "json", "--out", out, "--quiet"], { cwd: clone, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, ms: performance.now() - started, stderr });
    });
  });
}

export interface RunOptions {
  work: string;
  repos?: string[];
  only?: string[];
  install?: boolean;
  timeoutMs?: number;
}

/**
 * One clone per repo, one .worldline kept across its reports (indexing is incremental), reports in the order
 * their fixes were committed, so the history ingested at each parent never holds a later fix. The tickets/
 * folder holds the reports triaged so far plus this one: earlier reports are what a duplicate can point at.
 */
export async function runTriageCorpus(opts: RunOptions): Promise<{ results: ReportResult[]; skipped: string[] }> {
  const results: ReportResult[] = [];
  const skipped: string[] = [];
  for (const { name, corpus } of loadCorpus(opts.repos)) {
    const mirror = join(MIRRORS, corpus.repo.replace("/", "+"), "repo");
    if (!existsSync(mirror)) {
      skipped.push(`${corpus.repo}: no mirror at ${mirror}`);
      log(`triage-corpus: skipping ${corpus.repo}: no mirror at ${mirror}`);
      continue;
    }
    const clone = join(opts.work, name);
    rmSync(clone, { recursive: true, force: true });
    gitOut(opts.work, ["clone", "-q", mirror, clone]);
    if (opts.install !== false) log(`triage-corpus: ${corpus.repo}: ${install(clone)}`);
    const byKey = new Map(corpus.reports.map((r) => [r.key, r]));
    const when = (sha: string) => Number(gitOut(clone, ["show", "-s", "--format=%ct", sha]).trim());
    const reports = corpus.reports.filter((r) => !opts.only?.length || opts.only.includes(r.key)).sort((a, b) => when(a.fix) - when(b.fix));
    const filed: Array<{ report: Report; created: string }> = [];
    for (const [i, r] of reports.entries()) {
      const parent = gitOut(clone, ["rev-parse", `${r.fix}^`]).trim();
      gitOut(clone, ["checkout", "-q", "-f", "--detach", parent]);
      // Untracked files go (ignored ones stay: node_modules, and .worldline with its own `*` .gitignore).
      gitOut(clone, ["clean", "-q", "-f", "-d"]);
      filed.push({ report: r, created: new Date(when(parent) * 1000).toISOString() });
      mkdirSync(join(clone, "tickets"), { recursive: true });
      for (const f of filed) writeFileSync(join(clone, "tickets", `${f.report.key}.json`), ticketFile(f.report, f.created));
      const files = fixFiles(clone, r.fix);
      const inducing = inducingCommits(clone, r.fix, files);
      const out = join(opts.work, `${r.key}.json`);
      rmSync(out, { force: true });
      const run = await runTriage(clone, r.key, parent, out, opts.timeoutMs ?? 600_000);
      let result: ReportResult;
      const failed = (error: string): ReportResult => ({ repo: corpus.repo, key: r.key, issue: r.issue, fix: r.fix, fixFiles: files, named: [], codeAt3: false, inducing, suspects: [], suspectAt3: inducing.length ? false : null, likelyDuplicates: [], realDuplicates: [], reproduction: null, ms: run.ms, exit: run.code, why: [`triage failed: ${error}`], error });
      if (!existsSync(out)) result = failed(run.stderr.trim().split("\n").slice(-2).join(" ") || `exit ${run.code}`);
      else {
        const report = TriageReport.safeParse(JSON.parse(readFileSync(out, "utf8")));
        const t = report.success ? report.data.tickets.find((x) => x.key === r.key) : undefined;
        result = t ? score(corpus.repo, r, byKey, t, files, inducing, run.ms, run.code) : failed(report.success ? `${r.key} is not in the report (${report.data.summary})` : `the report is not a TriageReport: ${report.error.issues[0]?.message ?? ""}`);
      }
      results.push(result);
      log(`triage-corpus: [${i + 1}/${reports.length}] ${corpus.repo} ${r.key} (#${r.issue}): code@3 ${result.codeAt3 ? "yes" : "no"}, suspect@3 ${result.suspectAt3 ?? "n/a"}, repro ${result.reproduction ?? "none"}, ${(result.ms / 1000).toFixed(1)} s${result.why.length ? `; ${result.why.join("; ")}` : ""}`);
    }
    rmSync(clone, { recursive: true, force: true });
  }
  return { results, skipped };
}

const pct = (n: number, d: number) => (d ? `${n} / ${d} (${Math.round((100 * n) / d)}%)` : "0 / 0");
const ran = (r: ReportResult) => r.reproduction === "reproduces" || r.reproduction === "does-not-reproduce";

/** One row of figures for a set of results. */
function figures(rs: ReportResult[]): string[] {
  const counted = rs.filter((r) => r.suspectAt3 !== null);
  const likely = rs.reduce((n, r) => n + r.likelyDuplicates.length, 0);
  const real = rs.reduce((n, r) => n + r.realDuplicates.length, 0);
  const statuses = new Map<string, number>();
  for (const r of rs) statuses.set(r.reproduction ?? "none", (statuses.get(r.reproduction ?? "none") ?? 0) + 1);
  return [
    String(rs.length),
    pct(rs.filter((r) => r.codeAt3).length, rs.length),
    pct(counted.filter((r) => r.suspectAt3).length, counted.length),
    likely ? pct(real, likely) : "no likely duplicates",
    `${pct(rs.filter(ran).length, rs.length)}: ${[...statuses].map(([k, n]) => `${n} ${k}`).join(", ")}`,
    `${(median(rs.map((r) => r.ms)) / 1000).toFixed(1)} s`,
    String(rs.filter((r) => r.error).length),
  ];
}

export function triageCorpusTables(results: ReportResult[], skipped: string[] = []): string {
  const header = ["repo", "reports", "code@3 (goal 70%)", "suspect@3 (goal 50%)", "duplicate precision (goal 80%)", "reproductions that ran", "median time per ticket", "errors"];
  const repos = [...new Set(results.map((r) => r.repo))];
  const summary = formatTable(header, [...repos.map((repo) => [repo, ...figures(results.filter((r) => r.repo === repo))]), [`pooled (${repos.length} repositories)`, ...figures(results)], ...skipped.map((s) => [`skipped: ${s}`, "", "", "", "", "", "", ""])]);
  const detail = formatTable(
    ["repo", "report", "code@3", "suspect@3", "likely duplicates", "reproduction", "time", "why"],
    results.map((r) => [r.repo, `${r.key} (#${r.issue})`, r.codeAt3 ? "yes" : "no", r.suspectAt3 === null ? "n/a" : r.suspectAt3 ? "yes" : "no", r.likelyDuplicates.map((k) => (r.realDuplicates.includes(k) ? k : `${k} (not real)`)).join(", "), r.reproduction ?? "none", `${(r.ms / 1000).toFixed(1)} s`, r.why.join("; ")]),
  );
  return `${summary}\n\n${detail}`;
}

function envOptions(): Omit<RunOptions, "work"> {
  const list = (v: string | undefined) => (v ? v.split(",").map((s) => s.trim()).filter(Boolean) : undefined);
  const repos = list(process.env.TRIAGE_CORPUS_REPOS);
  const only = list(process.env.TRIAGE_CORPUS_ONLY);
  return { ...(repos ? { repos } : {}), ...(only ? { only } : {}), install: process.env.TRIAGE_CORPUS_INSTALL !== "0", timeoutMs: Number(process.env.TRIAGE_CORPUS_TIMEOUT_S ?? 600) * 1000 };
}

/** For bench/run.ts (`BENCH_ONLY=triage-corpus`): the tables, clones under `work`. */
export async function triageCorpusBench(work: string): Promise<string> {
  const dir = join(work, "triage-corpus");
  mkdirSync(dir, { recursive: true });
  const { results, skipped } = await runTriageCorpus({ work: dir, ...envOptions() });
  return triageCorpusTables(results, skipped);
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "worldline-triage-corpus-"));
  try {
    const revision = worldlineRevision(WORLDLINE);
    log(`triage-corpus: clones in ${work}; worldline ${revision} from ${WORLDLINE}`);
    const { results, skipped } = await runTriageCorpus({ work, ...envOptions() });
    if (process.argv.includes("--json")) process.stdout.write(`${JSON.stringify({ worldline: WORLDLINE, revision, at: new Date().toISOString(), results, skipped }, null, 2)}\n`);
    else process.stdout.write(`worldline ${revision}\n\n${triageCorpusTables(results, skipped)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (invokedDirectly(import.meta.url)) await main();
