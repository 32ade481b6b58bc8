import type { RunResult, SimulationJob } from "./protocol.js";
import { failedRun } from "./pool.js";
import { callsOfLastRun, RETIRE_AFTER_CALLS, runJob } from "./runner.js";

/**
 * A pool child: runs simulation jobs sent over IPC, one at a time, each in a fresh isolate, and answers with
 * the run result. It dies with its parent: when the IPC channel closes, and, should that never be seen, when
 * its parent changes (a parent killed with SIGKILL leaves it to init). Both are noticed between runs only:
 * a run blocks this event loop, and the CPU limit bounds how long. Spawned with `--no-node-snapshot`
 * (isolated-vm needs it) and TZ=UTC (the host's zone would leak into Date methods).
 */
interface Request {
  id: number;
  job: SimulationJob;
}

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
    let result: RunResult;
    try {
      result = await runJob(msg.job);
    } catch (err) {
      result = failedRun(msg.job, (err as Error).message.split("\n")[0] ?? "the simulation failed");
    }
    // The parent may have gone during the run: nobody is left to answer.
    if (orphaned()) process.exit(0);
    // A job that left many isolate timeouts queued (see callsOfLastRun) ends this process once answered: they
    // would crash it under the next job. The pool spawns a fresh child for that one.
    const retire = callsOfLastRun() > RETIRE_AFTER_CALLS;
    process.send?.({ id: msg.id, result, ...(retire ? { retiring: true } : {}) }, undefined, {}, () => {
      if (retire) process.exit(0);
    });
  });
});
process.on("disconnect", () => process.exit(0));
process.send?.({ ready: true });
