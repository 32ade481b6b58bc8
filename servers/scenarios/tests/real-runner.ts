import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
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
      const titles = [...a.ancestorTitles, a.title];
      const key = titles.join("\u0000");
      const nth = (seen.get(key) ?? 0) + 1;
      seen.set(key, nth);
      const message = a.failureMessages?.[0]?.split("\n")[0];
      out.push({ file: path, titles, nth, status: statusOf(a.status), ...(message ? { message } : {}) });
    }
  }
  return out;
}

/** The command that runs the repo's suite with a JSON report into `out`, from the runner package.json names. */
function runnerCommand(repo: string, out: string): { bin: string; args: string[] } {
  const pkg = existsSync(join(repo, "package.json")) ? readFileSync(join(repo, "package.json"), "utf8") : undefined;
  const runners = runnersOf(pkg);
  const local = (name: string) => join(repo, "node_modules", ".bin", name);
  if (runners.includes("vitest") && existsSync(local("vitest"))) return { bin: local("vitest"), args: ["run", "--reporter=json", `--outputFile=${out}`] };
  if (runners.includes("jest") && existsSync(local("jest"))) return { bin: local("jest"), args: ["--json", `--outputFile=${out}`, "--silent"] };
  throw new UserError(`no vitest or jest installed in ${repo}/node_modules: run npm ci there first (tests compare runs the repo's own runner)`);
}

/** Runs the suite in `repo` (a checkout with its node_modules); a failing suite is an answer, not an error. */
export async function runRealSuite(repo: string, timeoutMs = 30 * 60_000): Promise<{ cases: RealCase[]; ms: number }> {
  const dir = mkdtempSync(join(tmpdir(), "worldline-runner-"));
  const out = join(dir, "report.json");
  const { bin, args } = runnerCommand(repo, out);
  const started = performance.now();
  try {
    const stderr = await new Promise<string>((resolve, reject) => {
      execFile(bin, args, { cwd: repo, timeout: timeoutMs, maxBuffer: 256 * 2 ** 20, env: { ...process.env, CI: "true", FORCE_COLOR: "0" } }, (err, _stdout, stderrText) => {
        if (err && (err as { killed?: boolean }).killed) reject(new UserError(`the repo's test runner did not finish in ${Math.round(timeoutMs / 1000)} s`));
        else resolve(stderrText);
      });
    });
    if (!existsSync(out)) throw new UserError(`the repo's test runner wrote no report (${bin} ${args.join(" ")}): ${stderr.trim().split("\n").slice(-2).join(" ") || "no output"}`);
    return { cases: parseJsonReport(repo, readFileSync(out, "utf8")), ms: performance.now() - started };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
