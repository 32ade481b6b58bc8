import { type ChildProcess, spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { RunResult, SimulationJob } from "./protocol.js";
import { batchKey } from "./batch.js";
import { compiledCacheEnv } from "./compiled-cache.js";

/**
 * A small pool of child processes that run simulation jobs (DESIGN.md: isolates live in children, never in
 * the server's own process, because some allocations abort a whole process despite the isolate's memory
 * limit). A child that dies fails only its own job, as an `error` run, and is replaced.
 */
const CHILD = fileURLToPath(new URL("./child.ts", import.meta.url));

/**
 * The OS-level bound on each child's memory (RLIMIT_DATA, set by the shell's `ulimit -d` before Node starts),
 * in MiB. Some allocations escape the isolate's own heap limit (WebAssembly memory, which the isolate does not
 * get, and V8 allocations that abort the process); this bound holds whatever the code does. It counts memory
 * as it is made writable, not address space reserved, so V8 starts under it (an address-space limit, RLIMIT_AS,
 * stops V8 from reserving its heap). 2 GiB: about eight times what a child needs on a large repo, and with at
 * most four children, a third of this machine's 24 GiB. `WORLDLINE_SANDBOX_CHILD_MB` changes it.
 */
export const CHILD_MEMORY_MB = Number(process.env.WORLDLINE_SANDBOX_CHILD_MB) || 2048;
// Where Node finds tsx from here: Worldline's node_modules, or the project's when npm hoisted it there.
const TSX = import.meta.resolve("tsx/esm");

interface Waiting {
  job: SimulationJob;
  resolve: (r: RunResult) => void;
  /** Its batchKey, computed once. */
  key: string | undefined;
  /** Set for a job of a batch whose process died: it runs alone, so that only the job to blame fails. */
  alone?: boolean;
}

interface Worker {
  proc: ChildProcess;
  busy?: { id: number; jobs: Waiting[]; timer: NodeJS.Timeout };
  ready: boolean;
}

/**
 * The most cases of one test file sent to a child as one batch. A batch runs its file's cases one after another
 * in one isolate (runner.ts runBatch), so the file loads once; bounded so that the other children get work too.
 */
export const BATCH_MAX = 64;

/**
 * How long a test case waits for more cases of its file before its batch goes (ms), and at most: callers ask
 * for cases one by one, a few milliseconds apart, and each batch costs an isolate and the file's loading.
 */
const LINGER_MS = 30;
const LINGER_MAX_MS = 250;

export function failedRun(job: SimulationJob, reason: string): RunResult {
  return { rev: job.rev, status: "error", error: { reason }, steps: [], trace: [], truncated: 0, effects: [], missingStubs: [], logs: [], modules: [], executed: [], functions: [], coverage: { files: {}, requests: [], env: [] }, ms: 0 };
}

export class SandboxPool {
  private readonly workers: Worker[] = [];
  private readonly waiting: Waiting[] = [];
  private nextId = 1;
  private closed = false;

  constructor(readonly size = Math.max(1, Math.min(4, availableParallelism()))) {}

  run(job: SimulationJob): Promise<RunResult> {
    if (this.closed) return Promise.resolve(failedRun(job, "the simulation pool is closed"));
    return new Promise((resolve) => {
      const key = batchKey(job);
      this.waiting.push({ job, resolve, key });
      if (key !== undefined) this.linger(key);
      this.dispatch();
    });
  }

  /**
   * Starts the children before the first job needs them (a child takes a second or two to start: the caller
   * warms the pool while it does other work, such as selection).
   */
  warm(): void {
    while (!this.closed && this.workers.length < this.size) this.spawnWorker();
  }

  /** When each test file's waiting cases may go: a little after the last one came, so that its siblings join the batch. */
  private readonly lingering = new Map<string, { first: number; until: number }>();
  private lingerTimer: NodeJS.Timeout | undefined;

  private linger(key: string): void {
    const now = performance.now();
    const l = this.lingering.get(key) ?? { first: now, until: now };
    l.until = Math.min(l.first + LINGER_MAX_MS, now + LINGER_MS);
    this.lingering.set(key, l);
  }

  /** Dispatches again when the first lingering file's cases are due (dispatch found none due now). */
  private wakeForLingering(now: number): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    const next = Math.min(...[...this.lingering.values()].map((x) => x.until));
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      this.dispatch();
    }, Math.max(0, next - now) + 1);
  }

  /** Whether a waiting job may go now: not while its file's siblings are still arriving. */
  private due(q: Waiting, now: number): boolean {
    if (q.key === undefined || q.alone) return true;
    const l = this.lingering.get(q.key);
    if (!l || now >= l.until) {
      this.lingering.delete(q.key);
      return true;
    }
    return false;
  }

  /** Stops every child; pending jobs end as errors. */
  close(): void {
    this.closed = true;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    for (const w of this.workers) {
      if (w.busy) {
        clearTimeout(w.busy.timer);
        for (const q of w.busy.jobs) q.resolve(failedRun(q.job, "the simulation pool closed during the run"));
      }
      w.proc.kill("SIGKILL");
    }
    this.workers.length = 0;
    for (const q of this.waiting.splice(0)) q.resolve(failedRun(q.job, "the simulation pool is closed"));
  }

  private spawnWorker(): Worker {
    const node = [process.execPath, "--no-node-snapshot", "--no-expose-wasm", "--import", TSX, CHILD];
    const proc = spawn("/bin/sh", ["-c", 'ulimit -d "$1" || exit 97; shift; exec "$@"', "worldline-sandbox", String(CHILD_MEMORY_MB * 1024), ...node], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", TZ: "UTC", ...compiledCacheEnv() },
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    const w: Worker = { proc, ready: false };
    let stderr = "";
    proc.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    proc.on("message", (msg: { ready?: boolean; id?: number; result?: RunResult; results?: RunResult[]; retiring?: boolean }) => {
      if (msg.ready) {
        w.ready = true;
        this.dispatch();
        return;
      }
      const answered = msg.results ?? (msg.result ? [msg.result] : undefined);
      if (w.busy && msg.id === w.busy.id && answered) {
        const b = w.busy;
        w.busy = undefined;
        // A child that retires after this answer (child.ts) takes no next job: a fresh one is spawned for it.
        if (msg.retiring) {
          w.ready = false;
          const i = this.workers.indexOf(w);
          if (i >= 0) this.workers.splice(i, 1);
        }
        clearTimeout(b.timer);
        b.jobs.forEach((q, i) => q.resolve(answered[i] ?? failedRun(q.job, "the simulation process answered no result for this job")));
        this.dispatch();
      }
    });
    proc.on("exit", (code, signal) => {
      const i = this.workers.indexOf(w);
      if (i >= 0) this.workers.splice(i, 1);
      if (w.busy) {
        clearTimeout(w.busy.timer);
        const why = signal ? `signal ${signal}` : `exit code ${code}`;
        const detail = /memory|allocation/i.test(stderr) ? ` after running out of memory (the isolate's heap limit, or the process bound of ${CHILD_MEMORY_MB} MiB)` : code === 97 ? " (the shell could not set its memory bound)" : "";
        const jobs = w.busy.jobs;
        w.busy = undefined;
        // A batch's process died: which case is to blame cannot be told, so each runs again alone.
        if (jobs.length > 1 && !this.closed) this.waiting.unshift(...jobs.map((q) => ({ ...q, alone: true })));
        else for (const q of jobs) q.resolve(failedRun(q.job, `the simulation process died (${why})${detail}: the code may allocate without bound`));
      }
      if (!this.closed) this.dispatch();
    });
    this.workers.push(w);
    return w;
  }

  /** The waiting jobs that can run in one batch with `first` (same test file, same world), taken off the queue. */
  private batchWith(first: Waiting): Waiting[] {
    const key = first.alone ? undefined : first.key;
    if (key === undefined) return [];
    const taken: Waiting[] = [];
    // The same case asked twice waits for the next batch: in this one it would run on the state the first left.
    const cases = new Set([JSON.stringify(first.job.steps)]);
    for (let i = 0; i < this.waiting.length && taken.length < BATCH_MAX - 1; i++) {
      const q = this.waiting[i] as Waiting;
      if (q.alone || q.key !== key) continue;
      const steps = JSON.stringify(q.job.steps);
      if (cases.has(steps)) continue;
      cases.add(steps);
      taken.push(q);
      this.waiting.splice(i--, 1);
    }
    return taken;
  }

  private dispatch(): void {
    while (this.waiting.length && !this.closed) {
      let w = this.workers.find((x) => x.ready && !x.busy);
      if (!w) {
        if (this.workers.length < this.size) this.spawnWorker();
        return;
      }
      const now = performance.now();
      const at = this.waiting.findIndex((q) => this.due(q, now));
      if (at < 0) return this.wakeForLingering(now);
      const [next] = this.waiting.splice(at, 1);
      if (!next) return;
      const jobs = [next, ...this.batchWith(next)];
      if (next.key !== undefined) this.lingering.delete(next.key);
      const id = this.nextId++;
      // A child that stops answering (stuck outside the isolate) is killed; its run is an error. The timer holds
      // its own worker: the loop's variable moves on. The bound covers the run's reruns on a busy machine.
      const worker = w;
      const timer = setTimeout(() => worker.proc.kill("SIGKILL"), jobs.length * next.job.limits.cpuMs * 20 + 60_000);
      worker.busy = { id, jobs, timer };
      worker.proc.send(jobs.length > 1 ? { id, jobs: jobs.map((q) => q.job) } : { id, job: next.job });
      w = undefined;
    }
  }
}
