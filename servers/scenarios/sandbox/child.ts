import type { RunResult, SimulationJob } from "./protocol.js";
import { failedRun } from "./pool.js";
import { runJob } from "./runner.js";

/**
 * A pool child: runs simulation jobs sent over IPC, one at a time, each in a fresh isolate, and answers with
 * the run result. It exits when its parent goes away. Spawned with `--no-node-snapshot` (isolated-vm needs
 * it) and TZ=UTC (the host's zone would leak into Date methods).
 */
interface Request {
  id: number;
  job: SimulationJob;
}


let queue: Promise<void> = Promise.resolve();
process.on("message", (msg: Request) => {
  queue = queue.then(async () => {
    let result: RunResult;
    try {
      result = await runJob(msg.job);
    } catch (err) {
      result = failedRun(msg.job, (err as Error).message.split("\n")[0] ?? "the simulation failed");
    }
    process.send?.({ id: msg.id, result });
  });
});
process.on("disconnect", () => process.exit(0));
process.send?.({ ready: true });
