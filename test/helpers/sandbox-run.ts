import { afterAll, beforeAll, expect } from "vitest";
import { boundaries } from "../../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type RunResult, type SimulationJob } from "../../servers/scenarios/sandbox/protocol.js";
import { makeRepo, tempDir } from "./git-fixture.js";

/**
 * A fixture repo of one commit and a one-child pool for a describe block: `run(call)` runs that one step at HEAD and
 * asserts the run and the step ended without error.
 */
export function sandboxFixture(message: string, files: Record<string, string>): { run: (call: string) => Promise<RunResult> } {
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
  return {
    run: async (call) => {
      const job: SimulationJob = { repo: tmp.dir, rev: "HEAD", env: {}, stubs: {}, steps: [{ call, expect: [] }], boundaryPackages: boundaries([]), limits: DEFAULT_LIMITS };
      const r = await pool.run(job);
      expect(r.error, JSON.stringify(r.error)).toBeUndefined();
      expect(r.steps[0]?.error, JSON.stringify(r.steps[0]?.error)).toBeUndefined();
      return r;
    },
  };
}
