import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { boundaries } from "../../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../../servers/scenarios/sandbox/pool.js";
import { IO_BUILTINS, IO_PACKAGES } from "../../servers/scenarios/sandbox/boundaries.js";
import { DEFAULT_LIMITS, type Limits, type RunResult, type SimulationJob } from "../../servers/scenarios/sandbox/protocol.js";
import { makeRepo, tempDir } from "./git-fixture.js";

/**
 * A fixture repo of one commit and a one-child pool for a describe block: `run(call)` runs that one step at HEAD and
 * asserts the run and the step ended without error; `runJob(over)` runs a job at HEAD with `over`'s fields
 * (steps, globals, …) and asserts nothing.
 */
export function sandboxFixture(message: string, files: Record<string, string>): { run: (call: string) => Promise<RunResult>; runJob: (over: Partial<SimulationJob>) => Promise<RunResult> } {
  const tmp = tempDir();
  let pool: SandboxPool;
  beforeAll(() => {
    makeRepo(tmp.dir, [{ message, files }]);
    pool = new SandboxPool(1);
  });
  afterAll(() => {
    pool.close();
    tmp.cleanup();
  });
  const jobOf = (over: Partial<SimulationJob>): SimulationJob => ({ repo: tmp.dir, rev: "HEAD", env: {}, stubs: {}, steps: [], boundaryPackages: boundaries([]), limits: DEFAULT_LIMITS, ...over });
  return {
    runJob: (over) => pool.run(jobOf(over)),
    run: async (call) => {
      const r = await pool.run(jobOf({ steps: [{ call, expect: [] }] }));
      expect(r.error, JSON.stringify(r.error)).toBeUndefined();
      expect(r.steps[0]?.error, JSON.stringify(r.steps[0]?.error)).toBeUndefined();
      return r;
    },
  };
}

/** A job that runs one case of a test file in the working tree (what a test-case scenario's run is), expecting it to pass. */
export function caseJob(repo: string, file: string, titles: string[], limits: Partial<Limits> = {}): SimulationJob {
  return {
    repo,
    rev: "WORKTREE",
    env: {},
    stubs: {},
    steps: [{ call: "", run: { file, titles, nth: 1 }, expect: ["result.status === 'pass'"] }],
    boundaryPackages: [...IO_BUILTINS, ...IO_PACKAGES],
    limits: { ...DEFAULT_LIMITS, ...limits },
  };
}

/** Every file under a folder, at any depth (none when it is absent). */
export function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(root);
  return out;
}
