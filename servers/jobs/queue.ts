import { createHash, randomUUID } from "node:crypto";
import { hostname } from "node:os";
import PgBoss from "pg-boss";
import type { Migration } from "../../core/db.js";
import { type PgDatabase, query, retryTransient, safeUrl } from "../../core/pg.js";
import { SimulationJob, SimulationResult } from "./model.js";

/**
 * The team's simulation queue: pg-boss on the team's PostgreSQL (its own schema, `pgboss`), one queue per
 * repository, and a table of workers' heartbeats so a client knows whether anyone will take a job. pg-boss
 * gives the guarantees a team needs: a job is taken by one worker at a time (SKIP LOCKED), a job whose
 * worker died is taken again once it has been active longer than its expiry, and a job completes once
 * (completing a job that is no longer active changes nothing).
 */
const WORKER_MIGRATIONS: readonly Migration[] = [
  { version: 1, sql: "CREATE TABLE wl_worker (id TEXT PRIMARY KEY, queue TEXT NOT NULL, repo_url TEXT NOT NULL, host TEXT NOT NULL, seen_at TIMESTAMPTZ NOT NULL, jobs_done INTEGER NOT NULL DEFAULT 0)" },
];

/** A worker that has not been heard from in this long is taken to be gone: clients simulate locally. */
export const HEARTBEAT_WINDOW_SECONDS = 30;
const HEARTBEAT_EVERY_MS = 5_000;

export interface QueueSettings {
  /** How long a job may stay active before another worker takes it (its worker is presumed dead). */
  expireSeconds: number;
  /** How often a worker looks for jobs that outlived their expiry. */
  maintenanceSeconds: number;
  /** How many times a job is tried before it is failed for good. */
  retryLimit: number;
}

/** Settings from the environment, with defaults fit for simulations of a few minutes. */
export function queueSettings(env: NodeJS.ProcessEnv = process.env): QueueSettings {
  const num = (name: string, fallback: number, min: number): number => {
    const v = env[name];
    if (v === undefined || v === "") return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name}="${v}": expected a whole number of seconds, at least ${min}`);
    return n;
  };
  const expireSeconds = num("WORLDLINE_JOB_EXPIRE_SECONDS", 900, 2);
  return { expireSeconds, maintenanceSeconds: Math.max(1, Math.min(60, Math.floor(expireSeconds / 3))), retryLimit: 3 };
}

/** The form of a repository URL every clone agrees on: no credentials, no `.git`, no trailing slash, scp form as ssh. */
export function normalizeRepoUrl(url: string): string {
  let u = url.trim().replace(/\/+$/, "").replace(/\.git$/, "");
  const scp = /^([\w.-]+@)?([\w.-]+):(?!\/\/)(.+)$/.exec(u);
  if (scp && !/^[a-z]+:\/\//i.test(u) && !u.startsWith("/")) u = `ssh://${scp[2]}/${scp[3]}`;
  try {
    const parsed = new URL(u);
    parsed.username = "";
    parsed.password = "";
    const host = parsed.host.toLowerCase();
    const path = parsed.pathname.replace(/\/+$/, "");
    return parsed.protocol === "file:" ? `file://${path}` : `${host}${path}`;
  } catch {
    return u.startsWith("/") ? `file://${u}` : u;
  }
}

export function queueName(repoUrl: string): string {
  return `simulate-${createHash("sha1").update(normalizeRepoUrl(repoUrl)).digest("hex").slice(0, 16)}`;
}

export interface WorkerInfo {
  id: string;
  host: string;
  seenAt: string;
  jobsDone: number;
}

export class JobQueue {
  private boss: Promise<PgBoss> | undefined;
  private readonly created = new Set<string>();
  readonly settings: QueueSettings;

  constructor(
    private readonly database: PgDatabase,
    /** A worker supervises (expires jobs of dead workers); a client only sends and reads. */
    private readonly role: "client" | "worker",
    settings: QueueSettings = queueSettings(),
  ) {
    this.settings = settings;
  }

  private start(): Promise<PgBoss> {
    this.boss ??= (async () => {
      const boss = new PgBoss({
        connectionString: this.database.url,
        max: this.role === "worker" ? 4 : 2,
        supervise: this.role === "worker",
        schedule: false,
        maintenanceIntervalSeconds: this.settings.maintenanceSeconds,
      });
      boss.on("error", (err: Error) => process.stderr.write(`worldline: the job queue on ${safeUrl(this.database.url)}: ${err.message}\n`));
      await boss.start();
      return boss;
    })();
    return this.boss;
  }

  private async queue(repoUrl: string): Promise<{ boss: PgBoss; name: string }> {
    const boss = await this.start();
    const name = queueName(repoUrl);
    if (!this.created.has(name)) {
      // Creating an existing queue is a no-op in pg-boss; the options are the queue's own from then on.
      await retryTransient(() => boss.createQueue(name, { name, retryLimit: this.settings.retryLimit, retryDelay: 1, expireInSeconds: this.settings.expireSeconds }));
      this.created.add(name);
    }
    return { boss, name };
  }

  /** Workers of this repository heard from within the heartbeat window. */
  async liveWorkers(repoUrl: string): Promise<WorkerInfo[]> {
    await this.database.ready("jobs", WORKER_MIGRATIONS);
    const rows = await query<{ id: string; host: string; seen_at: Date; jobs_done: number }>(
      this.database.pool,
      `SELECT id, host, seen_at, jobs_done FROM wl_worker WHERE queue = $1 AND seen_at > now() - make_interval(secs => $2) ORDER BY id`,
      [queueName(repoUrl), HEARTBEAT_WINDOW_SECONDS],
    );
    return rows.map((r) => ({ id: r.id, host: r.host, seenAt: r.seen_at.toISOString(), jobsDone: r.jobs_done }));
  }

  async submit(job: SimulationJob): Promise<string> {
    // Stored with the repository's normalized URL: whatever credentials a clone's origin carries stay out of the shared database.
    const data = SimulationJob.parse({ ...job, repoUrl: normalizeRepoUrl(job.repoUrl) });
    const { boss, name } = await this.queue(data.repoUrl);
    // The job's id is chosen here, so a send repeated after a cut connection (the first may have been stored)
    // finds the job already there instead of making a second one.
    const id = randomUUID();
    await retryTransient(() => boss.send(name, data, { id }));
    return id;
  }

  /**
   * Waits for a job's verdict. A job that failed for good (every try errored or expired) is an error naming
   * its last failure; a result of the wrong shape is an error too, never a verdict.
   */
  async result(repoUrl: string, id: string, options: { pollMs?: number; onState?: (state: string) => void } = {}): Promise<SimulationResult> {
    const { boss, name } = await this.queue(repoUrl);
    let last = "";
    for (;;) {
      const job = await retryTransient(() => boss.getJobById<SimulationJob>(name, id));
      if (!job) throw new Error(`job ${id} is not in the queue ${name}: it was deleted or never sent`);
      if (job.state !== last) options.onState?.((last = job.state));
      if (job.state === "completed") {
        const parsed = SimulationResult.safeParse(job.output);
        if (!parsed.success) throw new Error(`job ${id} completed with an output that is not a simulation result: ${parsed.error.issues[0]?.message ?? "unknown shape"}`);
        return parsed.data;
      }
      if (job.state === "failed" || job.state === "cancelled") {
        const message = (job.output as { message?: string; value?: { message?: string } } | null)?.message ?? (job.output as { value?: { message?: string } } | null)?.value?.message;
        throw new Error(`the simulation of ${job.data.scenario} ${job.state} on the workers after ${job.retryCount + 1} tries: ${message ?? "no reason given"}`);
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 300));
    }
  }

  /**
   * Takes this repository's jobs, `concurrency` at a time, until stopped; keeps a heartbeat while it does.
   * A handler that throws fails the try (pg-boss retries it, here or on another worker).
   */
  async work(repoUrl: string, workerId: string, concurrency: number, handler: (job: SimulationJob, id: string) => Promise<SimulationResult>): Promise<() => Promise<void>> {
    await this.database.ready("jobs", WORKER_MIGRATIONS);
    const { boss, name } = await this.queue(repoUrl);
    const beat = async (done: number) =>
      query(
        this.database.pool,
        `INSERT INTO wl_worker (id, queue, repo_url, host, seen_at, jobs_done) VALUES ($1, $2, $3, $4, now(), $5)
         ON CONFLICT (id) DO UPDATE SET seen_at = now(), jobs_done = wl_worker.jobs_done + $5`,
        [workerId, name, normalizeRepoUrl(repoUrl), hostname(), done],
      );
    let finished = 0;
    await beat(0);
    const timer = setInterval(() => {
      const done = finished;
      finished = 0;
      beat(done).catch((err: unknown) => {
        finished += done;
        process.stderr.write(`worldline worker: heartbeat failed (${err instanceof Error ? err.message : String(err)}); trying again\n`);
      });
    }, HEARTBEAT_EVERY_MS);
    const ids: string[] = [];
    for (let i = 0; i < concurrency; i++) {
      ids.push(
        await boss.work<SimulationJob>(name, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async ([job]) => {
          if (!job) return undefined;
          const out = await handler(SimulationJob.parse(job.data), job.id);
          finished++;
          return SimulationResult.parse(out);
        }),
      );
    }
    return async () => {
      clearInterval(timer);
      for (const id of ids) await boss.offWork({ id });
      // Gone from the list at once: clients stop sending it work.
      await query(this.database.pool, "DELETE FROM wl_worker WHERE id = $1", [workerId]);
    };
  }

  async close(): Promise<void> {
    if (!this.boss) return;
    const boss = await this.boss;
    await boss.stop({ graceful: true, wait: true, close: true, timeout: 10_000 });
  }
}
