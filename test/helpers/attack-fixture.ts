import { afterAll, beforeAll, expect } from "vitest";
import { boundaries } from "../../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type RunResult, type SimulationJob } from "../../servers/scenarios/sandbox/protocol.js";
import { makeRepo, tempDir } from "./git-fixture.js";

/**
 * For a describe block of attacks: one fixture repo holding every attack module and a pool of two sandbox
 * processes, both torn down after it. `run` calls a module's `answer`; `recorded` is its step's result, the run
 * and the step having ended without error.
 */
export function attackFixture(prefix: string, files: Record<string, string>) {
  const tmp = tempDir(prefix);
  let pool: SandboxPool | undefined;
  beforeAll(() => {
    makeRepo(tmp.dir, [{ message: "attacks", files }]);
    pool = new SandboxPool(2);
  });
  afterAll(() => {
    pool?.close();
    tmp.cleanup();
  });
  const run = (path: string, expectations: string[] = []): Promise<RunResult> => {
    if (!pool) throw new Error("the attack pool is made in beforeAll: run attacks inside a test");
    const job: SimulationJob = { repo: tmp.dir, rev: "HEAD", env: {}, stubs: {}, steps: [{ call: `${path}#answer`, args: [], expect: expectations }], boundaryPackages: boundaries([]), limits: DEFAULT_LIMITS };
    return pool.run(job);
  };
  const recorded = async (path: string): Promise<unknown> => {
    const r = await run(path);
    expect(r.error, JSON.stringify(r.error)).toBeUndefined();
    expect(r.steps[0]?.error, JSON.stringify(r.steps[0]?.error)).toBeUndefined();
    return r.steps[0]?.result;
  };
  return { dir: tmp.dir, run, recorded };
}
