import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { z } from "zod";
import { UserError } from "../../../core/errors.js";
import { runnersOf } from "./discover.js";

/**
 * The repo's own test runner, run as its users run it, for `worldline tests compare`: vitest and jest write
 * the same JSON report (a file per test file, each case with its describe titles and status). This is the
 * ground truth the sandbox's outcomes are measured against.
 */

const AssertionResult = z.object({ ancestorTitles: z.array(z.string()), title: z.string(), status: z.string(), failureMessages: z.array(z.string()).optional() });
const JsonReport = z.object({ testResults: z.array(z.object({ name: z.string(), assertionResults: z.array(AssertionResult), message: z.string().optional() })) });

export type RealStatus = "pass" | "fail" | "skip";

export interface RealCase {
  file: string;
  titles: string[];
  nth: number;
  status: RealStatus;
  message?: string;
}

const statusOf = (s: string): RealStatus => (s === "passed" ? "pass" : s === "failed" ? "fail" : "skip");

/** Parses a vitest/jest JSON report into cases keyed by repo path, titles and order. */
export function parseJsonReport(repo: string, text: string): RealCase[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UserError(`the test runner's JSON report is not JSON (${(err as Error).message}): run it by hand to see why`);
  }
  const report = JsonReport.safeParse(raw);
  if (!report.success) throw new UserError(`the test runner's JSON report has no testResults[].assertionResults[]: expected vitest's or jest's --json report`);
  const out: RealCase[] = [];
  for (const file of report.data.testResults) {
    const path = relative(repo, file.name).split("\\").join("/");
    const seen = new Map<string, number>();
    for (const a of file.assertionResults) {
      // vitest 1 names the file's own suite "": it is not a describe of the file.
      const ancestors = a.ancestorTitles[0] === "" ? a.ancestorTitles.slice(1) : a.ancestorTitles;
      const titles = [...ancestors, a.title];
      const key = titles.join("\u0000");
      const nth = (seen.get(key) ?? 0) + 1;
      seen.set(key, nth);
      const message = a.failureMessages?.[0]?.split("\n")[0];
      out.push({ file: path, titles, nth, status: statusOf(a.status), ...(message ? { message } : {}) });
    }
  }
  return out;
}

/** The nearest node_modules/.bin/<name> from `dir` up to `repo`. */
function binFrom(repo: string, dir: string, name: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    const bin = join(d, "node_modules", ".bin", name);
    if (existsSync(bin)) return bin;
    if (d === repo || dirname(d) === d || !d.startsWith(repo)) return undefined;
  }
}

const CONFIG = /^(vitest|vite|jest)\.config\.[cm]?[jt]s$/;

/** Where the suite runs: the root when it holds a runner config (or none is anywhere), else each folder that holds one (a workspace package). */
function suiteFolders(repo: string): string[] {
  const has = (dir: string) => readdirSync(dir).some((f) => CONFIG.test(f));
  if (has(repo)) return [repo];
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 3) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory() || e.name === "node_modules" || e.name.startsWith(".")) continue;
      const sub = join(dir, e.name);
      if (has(sub)) found.push(sub);
      else walk(sub, depth + 1);
    }
  };
  walk(repo, 1);
  return found.length ? found : [repo];
}

/** The command that runs one folder's suite with a JSON report into `out`: by its config's name, else by what package.json names. */
function runnerCommand(repo: string, dir: string, out: string): { bin: string; args: string[] } {
  const config = readdirSync(dir).find((f) => CONFIG.test(f));
  const pkgPath = join(dir, "package.json");
  const named = runnersOf(existsSync(pkgPath) ? readFileSync(pkgPath, "utf8") : undefined);
  const runner = config?.startsWith("jest") ? "jest" : config ? "vitest" : named.find((r) => r === "vitest" || r === "jest");
  const vitest = binFrom(repo, dir, "vitest");
  const jest = binFrom(repo, dir, "jest");
  if ((runner === "vitest" || !runner) && vitest) return { bin: vitest, args: ["run", "--reporter=json", `--outputFile=${out}`] };
  if ((runner === "jest" || !runner) && jest) return { bin: jest, args: ["--json", `--outputFile=${out}`, "--silent"] };
  if (vitest) return { bin: vitest, args: ["run", "--reporter=json", `--outputFile=${out}`] };
  throw new UserError(`no vitest or jest installed for ${dir} (node_modules/.bin): run npm ci in the repo first (tests compare runs the repo's own runner)`);
}

/** Runs the suite in `repo` (a checkout with its node_modules); a failing suite is an answer, not an error. */
export async function runRealSuite(repo: string, timeoutMs = 30 * 60_000): Promise<{ cases: RealCase[]; ms: number }> {
  const tmp = mkdtempSync(join(tmpdir(), "worldline-runner-"));
  const started = performance.now();
  const cases: RealCase[] = [];
  try {
    for (const [i, dir] of suiteFolders(repo).entries()) {
      const out = join(tmp, `report-${i}.json`);
      const { bin, args } = runnerCommand(repo, dir, out);
      const stderr = await new Promise<string>((resolve, reject) => {
        execFile(bin, args, { cwd: dir, timeout: timeoutMs, maxBuffer: 256 * 2 ** 20, env: { ...process.env, CI: "true", FORCE_COLOR: "0" } }, (err, _stdout, stderrText) => {
          if (err && (err as { killed?: boolean }).killed) reject(new UserError(`the repo's test runner did not finish in ${Math.round(timeoutMs / 1000)} s`));
          else resolve(stderrText);
        });
      });
      if (!existsSync(out)) throw new UserError(`the repo's test runner wrote no report (${bin} ${args.join(" ")} in ${dir}): ${stderr.trim().split("\n").slice(-2).join(" ") || "no output"}`);
      cases.push(...parseJsonReport(repo, readFileSync(out, "utf8")));
    }
    return { cases, ms: performance.now() - started };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
