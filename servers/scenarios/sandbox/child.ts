import type { RunResult, SimulationJob } from "./protocol.js";
import { failedRun } from "./pool.js";
import { callsOfLastRun, RETIRE_AFTER_CALLS, runBatch, runJob } from "./runner.js";

/**
 * A pool child: runs simulation jobs sent over IPC, one at a time, each job (or batch of one test file's cases) in
 * a fresh isolate, and answers with the run results. It dies with its parent: when the IPC channel closes, and, should that never be seen, when
 * its parent changes (a parent killed with SIGKILL leaves it to init). Both are noticed between runs only:
 * a run blocks this event loop, and the CPU limit bounds how long. Spawned with `--no-node-snapshot`
 * (isolated-vm needs it) and TZ=UTC (the host's zone would leak into Date methods).
 */
/** One job, or the cases of one test file to run as a batch (runner.ts runBatch), answered with one result each. */
type Request = { id: number; job: SimulationJob; jobs?: undefined } | { id: number; jobs: SimulationJob[]; job?: undefined };

/** How often the child looks at its parent (ms). */
const PARENT_WATCH_MS = 250;

const parent = process.ppid;
const orphaned = () => process.ppid !== parent || !process.connected;
// Unref'd: the IPC channel is what keeps this process alive; the watch only ends it sooner.
setInterval(() => {
  if (orphaned()) process.exit(0);
}, PARENT_WATCH_MS).unref();

let queue: Promise<void> = Promise.resolve();
process.on("message", (msg: Request) => {
  queue = queue.then(async () => {
    if (orphaned()) process.exit(0);
    let answer: { result: RunResult } | { results: RunResult[] };
    const why = (err: unknown) => (err as Error).message.split("\n")[0] ?? "the simulation failed";
    if (msg.jobs) {
      const jobs = msg.jobs;
      answer = { results: await runBatch(jobs).catch((err: unknown) => jobs.map((j) => failedRun(j, why(err)))) };
    } else {
      const job = msg.job;
      answer = { result: await runJob(job).catch((err: unknown) => failedRun(job, why(err))) };
    }
    // The parent may have gone during the run: nobody is left to answer.
    if (orphaned()) process.exit(0);
    // A job that left many isolate timeouts queued (see callsOfLastRun) ends this process once answered: they
    // would crash it under the next job. The pool spawns a fresh child for that one.
    const retire = callsOfLastRun() > RETIRE_AFTER_CALLS;
    process.send?.({ id: msg.id, ...answer, ...(retire ? { retiring: true } : {}) }, undefined, {}, () => {
      if (retire) process.exit(0);
    });
  });
});
process.on("disconnect", () => process.exit(0));
process.send?.({ ready: true });
