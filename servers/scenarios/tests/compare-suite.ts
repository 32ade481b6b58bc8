import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveRevision, WORKTREE } from "../../../core/git.js";
import { stateDir, type WorldlineConfig } from "../../../core/repo.js";
import { jobFor } from "../differential.js";
import { boundaries } from "../sandbox/boundaries.js";
import type { SandboxPool } from "../sandbox/pool.js";
import { testOf } from "./as-scenarios.js";
import { caseKey, compareOutcomes, sandboxOutcome, type SandboxStatus, type TestsComparison } from "./compare-runner.js";
import { loadTestScenarios } from "./load.js";
import { runRealSuite } from "./real-runner.js";

/**
 * The repo's runner and the sandbox on the same revision: the working tree as it is, or a commit exported to
 * a temporary folder (git archive, the repo's node_modules linked in), so the repo's checkout is never moved.
 */
export async function compareTests(repo: string, config: WorldlineConfig, pool: SandboxPool, rev: string = WORKTREE, progress: (line: string) => void = () => {}): Promise<TestsComparison> {
  const revision = await resolveRevision(repo, rev);
  // Cases built at run time are collected in the same pool, kept under .worldline/ as the service keeps them.
  const { scenarios, files } = await loadTestScenarios(repo, revision, config, { run: (job) => pool.run(job), cacheDir: stateDir(repo), boundaryPackages: boundaries(config.boundaryPackages) });
  progress(`${scenarios.length} test cases found in ${files.length} files at ${revision.name}; running the repo's own runner`);
  let dir = repo;
  if (revision.commit) {
    dir = mkdtempSync(join(tmpdir(), "worldline-tests-"));
    execFileSync("sh", ["-c", 'git -C "$1" archive "$2" | tar -x -C "$3"', "sh", repo, revision.commit, dir]);
    symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"));
  }
  try {
    const real = await runRealSuite(dir);
    progress(`the runner reported ${real.cases.length} cases in ${(real.ms / 1000).toFixed(1)} s; running them in the sandbox`);
    const started = performance.now();
    const bounds = boundaries(config.boundaryPackages);
    const outcomes = new Map<string, { status: SandboxStatus; why?: string }>();
    await Promise.all(
      scenarios.map(async (s) => {
        const t = testOf(s);
        if (!t) return;
        const run = await pool.run(jobFor(s, repo, revision.commit ?? WORKTREE, bounds));
        outcomes.set(caseKey(t.ref.file, t.ref.titles, t.ref.nth), sandboxOutcome(run));
      }),
    );
    return compareOutcomes(revision.name, real.cases, files, outcomes, { runnerMs: real.ms, sandboxMs: performance.now() - started });
  } finally {
    if (dir !== repo) rmSync(dir, { recursive: true, force: true });
  }
}
