import { formatTable, gitOut, invokedDirectly, mirrorsDir, NODE, ROOT, worldlineRevision, worldlineUnderTest } from "./common.js";
import { median } from "./measure.js";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";

/**
 * "Why is this line like this" through reformats, moves and value changes (issue 19). The question set is data
 * (bench/why-questions/<repo>.json): per question a revision, a `path:line` target, the line's text at that
 * revision, a kind (control, reformat, move, value) and the deciding commit, checked by hand with `git log -L`
 * and `git log -S`/`-G`: the commit that last changed the line's meaning (for a value line, the one that set the
 * current value), passing through commits that only reformatted it, moved it, or touched it without changing it.
 *
 * For each question the bench checks out the revision (detached) in a clone of the repo's mirror, verifies the
 * line, and asks three answerers for the commit: plain `git blame`, `git blame -w -M -C -C`, and
 * `worldline why <target> --format json` (its `answer.deciding.commit` when the report has one, else its first
 * commit item). Each is right when it names the expected commit (sha prefix match).
 *
 * Standalone: `npx tsx bench/why-questions.ts`; in the bench: `BENCH_ONLY=why npm run bench`.
 * Environment: WHY_REPOS=yaml,remeda (question files to run), WHY_KINDS=reformat,move (kinds to run),
 * WHY_OUT=FILE (also write the results as JSON), WHY_KEEP=1 (keep the clones), WHY_TIMEOUT_S (per why call,
 * default 300), WHY_MIRRORS (the folder of mirrors, default /work/.mirror), WHY_WORLDLINE=DIR (the Worldline
 * checkout whose bin/worldline.js runs, default this one: e.g. a clean clone of a commit for a before figure).
 */
const { dir: WORLDLINE, bin: BIN } = worldlineUnderTest("WHY_WORLDLINE");
export const QUESTIONS_DIR = join(ROOT, "bench/why-questions");
const MIRRORS = mirrorsDir("WHY_MIRRORS");

const sha = z.string().regex(/^[0-9a-f]{40}$/, "a 40-hex commit");
export const KINDS = ["control", "reformat", "move", "value"] as const;
export type Kind = (typeof KINDS)[number];

export const Question = z.object({
  /** The commit to check out. */
  rev: sha,
  /** `path:line` at rev. */
  target: z.string().regex(/^[^:]+:[1-9][0-9]*$/, "path:line"),
  /** The line's exact text at rev (a sanity check). */
  line: z.string(),
  kind: z.enum(KINDS),
  /** The deciding commit. */
  expected: sha,
  /** One sentence of the history. */
  why: z.string().min(1),
});
export type Question = z.infer<typeof Question>;

export const QuestionFile = z.object({
  /** owner/name on GitHub. */
  repo: z.string().regex(/^[^/]+\/[^/]+$/),
  /** The mirror's folder name under WHY_MIRRORS: <mirror>/repo is the bare git directory. */
  mirror: z.string().min(1),
  questions: z.array(Question).min(1),
});
export type QuestionFile = z.infer<typeof QuestionFile>;

export interface Answer {
  commit?: string;
  error?: string;
}

export interface WhyResult {
  repo: string;
  target: string;
  rev: string;
  kind: Kind;
  expected: string;
  why: string;
  blame: Answer;
  blameWMC: Answer;
  worldline: Answer & { source?: "answer.deciding" | "first commit item"; ms?: number };
  /** Set when the question could not be asked (checkout failed, the line text differs). */
  setupError?: string;
}

const git = gitOut;

const log = (line: string) => process.stderr.write(`${line}\n`);

/** The question files, validated; `only` filters by file name (yaml) or repo (eemeli/yaml). */
export function loadQuestions(only?: string[], dir = QUESTIONS_DIR): Array<{ name: string; file: QuestionFile }> {
  const out: Array<{ name: string; file: QuestionFile }> = [];
  for (const entry of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
    const name = entry.replace(/\.json$/, "");
    const parsed = QuestionFile.safeParse(JSON.parse(readFileSync(join(dir, entry), "utf8")));
    if (!parsed.success) throw new Error(`bench/why-questions/${entry}: ${parsed.error.message}`);
    if (only?.length && !only.includes(name) && !only.includes(parsed.data.repo)) continue;
    out.push({ name, file: parsed.data });
  }
  return out;
}

function splitTarget(target: string): { path: string; line: number } {
  const i = target.lastIndexOf(":");
  return { path: target.slice(0, i), line: Number(target.slice(i + 1)) };
}

function blame(clone: string, rev: string, path: string, line: number, extra: string[]): Answer {
  try {
    const out = git(clone, ["blame", ...extra, "--porcelain", "-L", `${line},${line}`, rev, "--", path]);
    const commit = /^([0-9a-f]{40}) /.exec(out)?.[1];
    return commit ? { commit } : { error: "no commit in the porcelain output" };
  } catch (e) {
    return { error: String((e as { stderr?: string }).stderr ?? e).trim().split("\n")[0] ?? "git blame failed" };
  }
}

interface WhyJson {
  deciding?: { commit?: string } | null;
  answer?: { deciding?: { commit?: string } };
  items?: Array<{ kind?: string; id?: string }>;
}

/** The commit `worldline why` puts first: `answer.deciding.commit` when present, else the first commit item. */
export function firstCommit(report: WhyJson): { commit?: string; source?: "answer.deciding" | "first commit item" } {
  const deciding = report.deciding?.commit ?? report.answer?.deciding?.commit;
  if (typeof deciding === "string" && deciding) return { commit: deciding.replace(/^commit:/, ""), source: "answer.deciding" };
  const item = report.items?.find((i) => i.kind === "commit" && typeof i.id === "string");
  if (item?.id) return { commit: item.id.replace(/^commit:/, ""), source: "first commit item" };
  return {};
}

function runWhy(clone: string, target: string, timeoutMs: number): WhyResult["worldline"] {
  const t = performance.now();
  const run = spawnSync(NODE, [BIN, "why", target, "--repo", clone, "--format", "json"], { cwd: clone, encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 2 ** 20 });
  const ms = performance.now() - t;
  if (run.status !== 0) {
    const why = run.signal ? `killed (${run.signal})` : `exit ${run.status}`;
    return { ms, error: `${why}: ${(run.stderr || run.stdout || "").trim().split("\n").slice(-2).join(" ")}` };
  }
  try {
    const found = firstCommit(JSON.parse(run.stdout) as WhyJson);
    return found.commit ? { ...found, ms } : { ms, error: "no commit in the report" };
  } catch (e) {
    return { ms, error: `unparsable JSON: ${String(e).slice(0, 120)}` };
  }
}

function ingest(clone: string): string {
  const run = spawnSync(NODE, [BIN, "ingest", "--history", "--repo", clone], { cwd: clone, encoding: "utf8", timeout: 900_000 });
  return run.status === 0 ? "ok" : `exit ${run.status}: ${(run.stderr || "").trim().split("\n").slice(-1).join("")}`;
}

export const right = (a: Answer, expected: string): boolean =>
  a.commit !== undefined && a.commit.length >= 7 && (expected.startsWith(a.commit) || a.commit.startsWith(expected));

export interface RunOptions {
  /** Where the clones go. */
  work: string;
  /** Question files (yaml, remeda, ...) or repos (owner/name) to run; all when absent. */
  repos?: string[];
  kinds?: Kind[];
  timeoutMs?: number;
  keep?: boolean;
}

/** Runs the questions one repo at a time; a repo whose mirror is absent is skipped. */
export async function runWhyQuestions(opts: RunOptions): Promise<{ results: WhyResult[]; skipped: string[] }> {
  const results: WhyResult[] = [];
  const skipped: string[] = [];
  for (const { name, file } of loadQuestions(opts.repos)) {
    const mirror = join(MIRRORS, file.mirror, "repo");
    if (!existsSync(mirror)) {
      skipped.push(`${file.repo}: no mirror at ${mirror}`);
      log(`why: skipping ${file.repo}: no mirror at ${mirror}`);
      continue;
    }
    const questions = file.questions.filter((q) => !opts.kinds?.length || opts.kinds.includes(q.kind));
    if (!questions.length) continue;
    const clone = join(opts.work, name);
    rmSync(clone, { recursive: true, force: true });
    git(opts.work, ["clone", "-q", mirror, clone]);
    let ingested = false;
    // Fewer checkouts: questions grouped by revision, in file order within one.
    const order = [...questions.entries()].sort((a, b) => a[1].rev.localeCompare(b[1].rev) || a[0] - b[0]).map(([, q]) => q);
    for (const [i, q] of order.entries()) {
      const { path, line } = splitTarget(q.target);
      const result: WhyResult = { repo: file.repo, target: q.target, rev: q.rev, kind: q.kind, expected: q.expected, why: q.why, blame: {}, blameWMC: {}, worldline: {} };
      try {
        git(clone, ["checkout", "-q", "--detach", q.rev]);
        const text = readFileSync(join(clone, path), "utf8").split("\n")[line - 1];
        if (text !== q.line) throw new Error(`line ${line} of ${path} at ${q.rev.slice(0, 8)} is ${JSON.stringify(text)}, not ${JSON.stringify(q.line)}`);
      } catch (e) {
        result.setupError = String((e as Error).message ?? e);
        results.push(result);
        log(`why: [${i + 1}/${order.length}] ${file.repo} ${q.target}: setup failed: ${result.setupError}`);
        continue;
      }
      result.blame = blame(clone, q.rev, path, line, []);
      result.blameWMC = blame(clone, q.rev, path, line, ["-w", "-M", "-C", "-C"]);
      result.worldline = runWhy(clone, q.target, opts.timeoutMs ?? 300_000);
      if (result.worldline.error && !ingested) {
        // `why` may want the history ingested (ticket context); once per clone, then ask again.
        ingested = true;
        log(`why: ${file.repo}: why failed (${result.worldline.error}); worldline ingest --history: ${ingest(clone)}`);
        result.worldline = runWhy(clone, q.target, opts.timeoutMs ?? 300_000);
      }
      results.push(result);
      const mark = (a: Answer) => (right(a, q.expected) ? "right" : a.commit ? `wrong (${a.commit.slice(0, 8)})` : `error (${a.error ?? "?"})`);
      log(`why: [${i + 1}/${order.length}] ${file.repo} ${q.target} [${q.kind}] expected ${q.expected.slice(0, 8)}: why ${mark(result.worldline)}, blame ${mark(result.blame)}, blame -w -M -C -C ${mark(result.blameWMC)} (${((result.worldline.ms ?? 0) / 1000).toFixed(2)} s)`);
    }
    if (!opts.keep) rmSync(clone, { recursive: true, force: true });
  }
  return { results, skipped };
}

const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);

/** Per kind and in total: how often each answerer names the deciding commit; the timing of `worldline why`. */
export function whyTotals(results: WhyResult[], skipped: string[] = []): string {
  const asked = results.filter((r) => !r.setupError);
  const row = (label: string, rs: WhyResult[]) => {
    const n = rs.length;
    const count = (p: (r: WhyResult) => boolean) => `${rs.filter(p).length} / ${n}`;
    return [label, String(n), count((r) => right(r.worldline, r.expected)), count((r) => right(r.blame, r.expected)), count((r) => right(r.blameWMC, r.expected))];
  };
  const repos = new Set(asked.map((r) => r.repo)).size;
  const body = [...KINDS.map((k) => row(k, asked.filter((r) => r.kind === k))), row(`total (${repos} repositories)`, asked)];
  // Warm: every call after the first one on a clone (the first pays for any cache the clone lacks).
  const firsts = new Set<WhyResult>();
  const seen = new Set<string>();
  for (const r of asked) {
    if (seen.has(r.repo)) continue;
    seen.add(r.repo);
    firsts.add(r);
  }
  const warm = asked.filter((r) => !firsts.has(r) && r.worldline.ms !== undefined).map((r) => r.worldline.ms as number);
  const cold = [...firsts].filter((r) => r.worldline.ms !== undefined).map((r) => r.worldline.ms as number);
  const errors = asked.filter((r) => r.worldline.error).length;
  const lines = [
    formatTable(["why through reformats (first commit named)", "questions", "worldline why right", "git blame right", "git blame -w -M -C -C right"], body),
    "",
    formatTable(["worldline why", "result"], [
      ["median warm time per call (all but the first per clone)", warm.length ? `${ms(median(warm))} (slowest ${ms(Math.max(...warm))})` : "n/a"],
      ["first call per clone (median)", cold.length ? ms(median(cold)) : "n/a"],
      ["answered from answer.deciding / first commit item", `${asked.filter((r) => r.worldline.source === "answer.deciding").length} / ${asked.filter((r) => r.worldline.source === "first commit item").length}`],
      ["errors (no commit, exit != 0)", String(errors)],
      ["questions not asked (setup failed)", String(results.length - asked.length)],
      ...skipped.map((s) => [`skipped: ${s}`, ""]),
    ]),
  ];
  return lines.join("\n");
}

/** The questions Worldline's `why` gets wrong, with what the blames said. */
export function whyMisses(results: WhyResult[]): string {
  const show = (a: Answer, expected: string) => (right(a, expected) ? "right" : a.commit ? a.commit.slice(0, 8) : `error: ${a.error ?? "?"}`);
  const body = results
    .filter((r) => r.setupError || !right(r.worldline, r.expected))
    .map((r) => [`${r.repo} ${r.target}`, r.kind, r.expected.slice(0, 8), r.setupError ? `not asked: ${r.setupError}` : show(r.worldline, r.expected), show(r.blame, r.expected), show(r.blameWMC, r.expected)]);
  if (!body.length) return "worldline why misses: none";
  return formatTable(["worldline why misses", "kind", "expected", "why said", "git blame", "blame -w -M -C -C"], body);
}

function envOptions(): Omit<RunOptions, "work"> {
  const list = (v: string | undefined) => (v ? v.split(",").map((s) => s.trim()).filter(Boolean) : undefined);
  const repos = list(process.env.WHY_REPOS);
  const kinds = list(process.env.WHY_KINDS)?.filter((k): k is Kind => (KINDS as readonly string[]).includes(k));
  return {
    ...(repos ? { repos } : {}),
    ...(kinds?.length ? { kinds } : {}),
    keep: process.env.WHY_KEEP === "1",
    timeoutMs: Number(process.env.WHY_TIMEOUT_S ?? 300) * 1000,
  };
}

/** For bench/run.ts (`BENCH_ONLY=why`): the totals and the misses, clones under `work`. */
export async function whyQuestionsBench(work: string, opts: Omit<RunOptions, "work"> = {}): Promise<string> {
  const dir = join(work, "why-questions");
  mkdirSync(dir, { recursive: true });
  const { results, skipped } = await runWhyQuestions({ work: dir, ...envOptions(), ...opts });
  return `${whyTotals(results, skipped)}\n\n${whyMisses(results)}`;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "worldline-why-"));
  const opts = envOptions();
  try {
    const revision = worldlineRevision(WORLDLINE);
    log(`why: clones in ${work}; worldline ${revision} from ${WORLDLINE}`);
    const { results, skipped } = await runWhyQuestions({ work, ...opts });
    if (process.env.WHY_OUT) writeFileSync(process.env.WHY_OUT, `${JSON.stringify({ worldline: WORLDLINE, revision, at: new Date().toISOString(), results, skipped }, null, 2)}\n`);
    process.stdout.write(`worldline ${revision}\n\n${whyTotals(results, skipped)}\n\n${whyMisses(results)}\n`);
  } finally {
    if (!opts.keep) rmSync(work, { recursive: true, force: true });
  }
}

if (invokedDirectly(import.meta.url)) await main();
