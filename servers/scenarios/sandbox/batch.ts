import type { SimulationJob } from "./protocol.js";

/**
 * Whether jobs can run as one batch (runner.ts runBatch): each is one case of a test file and nothing else, all
 * of the same file in the same world (revision, overlay, stubs, limits). The pool groups waiting jobs by this
 * key; undefined for a job that runs alone (a collection, a scenario of calls, several steps, a job asked to run alone).
 */
export function batchKey(job: SimulationJob): string | undefined {
  const only = job.steps.length === 1 ? job.steps[0] : undefined;
  if (job.collect || job.alone || !only?.run || only.run.titles.length === 0) return undefined;
  const { steps: _steps, ...world } = job;
  return JSON.stringify([only.run.file, world]);
}
