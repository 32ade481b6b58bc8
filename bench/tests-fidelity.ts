import { formatTable, invokedDirectly } from "./common.js";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestsComparison } from "../servers/scenarios/tests/compare-runner.js";

/**
 * The repo's own tests as scenarios (issue 17): on fetched real libraries, `worldline tests compare` runs the
 * library's own runner and the sandbox on the same revision; the figure is the share of the runner's cases the
 * sandbox runs with the same outcome, with the causes of the rest. A repo whose mirror is absent is skipped.
 *
 * Standalone: `npx tsx bench/tests-fidelity.ts`; TESTS_REPOS=owner/name,... picks repos, TESTS_MIRRORS the
 * folder of mirrors (default /work/.mirror).
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const MIRRORS = process.env.TESTS_MIRRORS ?? "/work/.mirror";
const DEFAULT_REPOS = ["supermacro/neverthrow", "gvergnaud/ts-pattern", "ianstormtaylor/superstruct", "remeda/remeda"];

const log = (line: string) => process.stderr.write(`${line}\n`);

function install(dir: string): void {
  const lock = existsSync(join(dir, "package-lock.json"));
  const args = lock ? ["ci", "--no-audit", "--no-fund"] : ["install", "--no-audit", "--no-fund", "--no-save", "--ignore-scripts"];
  try {
    execFileSync("npm", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  } catch {
    execFileSync("npm", [...args, "--ignore-scripts"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  }
}

function compare(dir: string): Promise<{ report?: TestsComparison; error?: string; ms: number }> {
  return new Promise((done) => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(ROOT, "bin/worldline.js"), "tests", "compare", "--format", "json"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on("exit", (code) => {
      const ms = performance.now() - started;
      try {
        done({ report: JSON.parse(out) as TestsComparison, ms });
      } catch {
        done({ error: `exit ${code}: ${err.trim().split("\n").slice(-2).join(" ")}`, ms });
      }
    });
  });
}

export async function testsFidelityBench(work: string, repos = (process.env.TESTS_REPOS?.split(",").filter(Boolean) ?? DEFAULT_REPOS)): Promise<string> {
  const rows: string[][] = [];
  const causes: string[] = [];
  for (const repo of repos) {
    const mirror = join(MIRRORS, repo.replace("/", "+"), "repo");
    if (!existsSync(mirror)) {
      rows.push([repo, "skipped: no mirror (fetch it)", "", "", "", ""]);
      continue;
    }
    const dir = join(work, repo.replace("/", "+"));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    execFileSync("git", ["clone", "-q", mirror, dir]);
    install(dir);
    log(`tests-fidelity: ${repo}: installed; comparing`);
    const r = await compare(dir);
    if (!r.report) {
      rows.push([repo, `error: ${r.error ?? "?"}`, "", "", "", `${(r.ms / 1000).toFixed(1)} s`]);
      continue;
    }
    const c = r.report;
    rows.push([repo, String(c.cases), String(c.agree), `${(c.fidelity * 100).toFixed(1)}%`, `${(c.runnerMs / 1000).toFixed(1)} s`, `${(c.sandboxMs / 1000).toFixed(1)} s`]);
    for (const x of c.causes.slice(0, 5)) causes.push(`${repo}: ${x.count} × ${x.cause}`);
  }
  return `${formatTable(["repo (its own tests as scenarios)", "cases (runner, skips aside)", "same outcome in the sandbox", "fidelity (goal 95%)", "runner", "sandbox"], rows)}\n\nmost common causes of disagreement:\n${causes.map((c) => `- ${c}`).join("\n") || "- none"}`;
}

if (invokedDirectly(import.meta.url)) {
  const work = mkdtempSync(join(tmpdir(), "worldline-tests-fidelity-"));
  try {
    process.stdout.write(`${await testsFidelityBench(work)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
