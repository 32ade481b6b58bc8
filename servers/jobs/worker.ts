import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rm, symlink, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { WORKTREE } from "../../core/git.js";
import { PgDatabase } from "../../core/pg.js";
import { parseScenario } from "../scenarios/format.js";
import { ScenarioService } from "../scenarios/service.js";
import { openWorkspace, type Workspace } from "../workspace.js";
import type { SimulationJob, SimulationResult } from "./model.js";
import { applyPatch } from "./patch.js";
import { JobQueue, normalizeRepoUrl, queueName } from "./queue.js";
import { checkLockfile } from "./lockfile.js";
import { hideCredentials } from "../../core/redact.js";
import { run as runProgram } from "./run.js";

export interface WorkerOptions {
  repoUrl: string;
  databaseUrl: string;
  /** Where the clone, the installed dependencies and the per-job checkouts live. */
  cacheDir: string;
  concurrency: number;
  say?: (line: string) => void;
}

/**
 * A machine that takes a repository's simulation jobs from the team queue. It keeps one clone of the
 * repository, fetches the commits a job names, installs the dependencies of head's lockfile once per
 * lockfile (`npm ci --ignore-scripts`: the code under review is hostile, and the sandbox loads only plain
 * JavaScript), and runs the scenario in its own sandbox pool exactly as a local `simulate` would. A head
 * that travels as a patch runs in a checkout of its own, made for the job and removed after.
 */
export class SimulationWorker {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  private readonly clone: string;
  private workspace: Workspace | undefined;
  private service: ScenarioService | undefined;
  private readonly database: PgDatabase;
  private readonly queue: JobQueue;
  /** One dependency set at a time in the clone: jobs needing another wait for the running ones. */
  private deps: { hash: string; running: number; switching: Promise<void> | undefined } = { hash: "", running: 0, switching: undefined };
  private fetching: Promise<void> = Promise.resolve();

  constructor(private readonly options: WorkerOptions) {
    this.clone = join(options.cacheDir, "repos", queueName(options.repoUrl));
    this.database = new PgDatabase(options.databaseUrl);
    this.queue = new JobQueue(this.database, "worker");
  }

  private say(line: string): void {
    this.options.say?.(line);
  }

  /** Clones the repository (once per cache folder) and starts taking jobs; resolves with the stop function. */
  async start(): Promise<() => Promise<void>> {
    // The team database first: a worker that cannot reach it clones nothing.
    await this.queue.liveWorkers(this.options.repoUrl);
    await mkdir(join(this.options.cacheDir, "repos"), { recursive: true });
    if (!existsSync(join(this.clone, ".git"))) {
      this.say(`cloning ${hideCredentials(this.options.repoUrl)}…`);
      await runProgram("git", ["clone", "--quiet", "--no-checkout", this.options.repoUrl, this.clone], { cwd: this.options.cacheDir });
    }
    // The clone's own Worldline state (code-graph index) stays inside it; the shared stores are the team's.
    this.workspace = openWorkspace(this.clone, { databaseUrl: this.options.databaseUrl, simulateHere: true });
    this.service = new ScenarioService(this.workspace);
    const stopWork = await this.queue.work(this.options.repoUrl, this.id, this.options.concurrency, (job, id) => this.handle(job, id));
    this.say(`worker ${this.id} is taking jobs for ${normalizeRepoUrl(this.options.repoUrl)} (${this.options.concurrency} at a time)`);
    return async () => {
      await stopWork();
      await this.queue.close();
      this.service?.close();
      this.workspace?.close();
      await this.database.close();
    };
  }

  /** Makes sure the clone has the commit, fetching from the remote when it does not (one fetch at a time). */
  private async have(commit: string): Promise<void> {
    const has = () => runProgram("git", ["cat-file", "-e", `${commit}^{commit}`], { cwd: this.clone }).then(() => true, () => false);
    if (await has()) return;
    const fetched = this.fetching.then(async () => {
      if (await has()) return;
      await runProgram("git", ["fetch", "--quiet", "origin", "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"], { cwd: this.clone });
      if (!(await has())) await runProgram("git", ["fetch", "--quiet", "origin", commit], { cwd: this.clone }).catch(() => undefined);
    });
    this.fetching = fetched.catch(() => undefined);
    await fetched;
    if (!(await has())) throw new Error(`commit ${commit} is not on ${hideCredentials(this.options.repoUrl)}: push it, so the workers can fetch it`);
  }

  /** The clone's node_modules for head's lockfile, installed once per lockfile hash and kept. */
  private async dependencies(commit: string): Promise<{ release: () => void; dir: string | undefined }> {
    const lock = await runProgram("git", ["show", `${commit}:package-lock.json`], { cwd: this.clone }).catch(() => undefined);
    const hash = lock ? createHash("sha1").update(lock).digest("hex").slice(0, 16) : "none";
    for (;;) {
      if (this.deps.switching) {
        await this.deps.switching;
        continue;
      }
      if (this.deps.hash === hash) break;
      if (this.deps.running > 0) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      this.deps.switching = this.install(commit, hash, lock).finally(() => (this.deps.switching = undefined));
      await this.deps.switching;
      this.deps.hash = hash;
    }
    this.deps.running++;
    return { release: () => void this.deps.running--, dir: lock ? join(this.clone, ".worldline-deps", hash, "node_modules") : undefined };
  }

  private registryUrl: Promise<string> | undefined;

  /** The registry this machine's npm installs from: the only source a lockfile may name. */
  private registry(): Promise<string> {
    this.registryUrl ??= runProgram("npm", ["config", "get", "registry"], { cwd: this.options.cacheDir }).then((r) => r.trim() || "https://registry.npmjs.org/");
    return this.registryUrl;
  }

  private async install(commit: string, hash: string, lock: string | undefined): Promise<void> {
    const link = join(this.clone, "node_modules");
    await unlink(link).catch(() => undefined);
    if (!lock) return;
    const dir = join(this.clone, ".worldline-deps", hash);
    if (!existsSync(join(dir, "node_modules"))) {
      checkLockfile(lock, await this.registry(), `commit ${commit}`);
      this.say(`installing dependencies for lockfile ${hash}…`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, "package.json"), await runProgram("git", ["show", `${commit}:package.json`], { cwd: this.clone }));
      await writeFile(join(dir, "package-lock.json"), lock);
      // The lockfile was checked; npm's own refusals of git, file and directory sources say it twice (npm 11).
      await runProgram("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", "--allow-git=none", "--allow-file=none", "--allow-directory=none"], { cwd: dir, timeoutMs: 1_800_000 });
      // A lockfile without dependencies installs no folder; an empty one keeps every later step the same.
      await mkdir(join(dir, "node_modules"), { recursive: true });
    }
    // Inside the clone, so the sandbox's confinement (files under the repo's real path) admits it.
    await symlink(join(".worldline-deps", hash, "node_modules"), link);
  }

  /** One try of a job; a failed try is said here too, since its reason is otherwise only in the queue. */
  private async handle(job: SimulationJob, id: string): Promise<SimulationResult> {
    try {
      return await this.attempt(job, id);
    } catch (err) {
      this.say(`job ${id}: ${job.scenario} failed on this try: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }

  private async attempt(job: SimulationJob, id: string): Promise<SimulationResult> {
    if (normalizeRepoUrl(job.repoUrl) !== normalizeRepoUrl(this.options.repoUrl)) throw new Error(`job ${id} is for ${hideCredentials(job.repoUrl)}, not ${hideCredentials(this.options.repoUrl)}`);
    const headCommit = job.head === WORKTREE ? job.headCommit : job.head;
    if (!headCommit) throw new Error(`job ${id}: a WORKTREE head needs the commit its patch applies to`);
    await this.have(job.base);
    await this.have(headCommit);
    const deps = await this.dependencies(headCommit);
    try {
      this.say(`job ${id}: ${job.scenario} ${job.base.slice(0, 12)}..${job.head === WORKTREE ? `${headCommit.slice(0, 12)}+patch` : job.head.slice(0, 12)}`);
      const r = job.head === WORKTREE ? await this.inCheckout(job, headCommit, deps.dir, id) : await run(this.service!, job, job.head);
      this.say(`job ${id}: ${r.verdict.verdict.toUpperCase()} ${job.scenario}`);
      return { ...r, worker: this.id };
    } finally {
      deps.release();
    }
  }

  /** A head that is a patch: a checkout of its commit with the patch applied, its own dependencies linked by hard links. */
  private async inCheckout(job: SimulationJob, commit: string, deps: string | undefined, id: string): Promise<Omit<SimulationResult, "worker">> {
    const dir = join(this.options.cacheDir, "work", `${queueName(job.repoUrl)}-${id}`);
    await rm(dir, { recursive: true, force: true });
    await runProgram("git", ["worktree", "add", "--quiet", "--detach", "--force", dir, commit], { cwd: this.clone });
    let workspace: Workspace | undefined;
    let service: ScenarioService | undefined;
    try {
      await applyPatch(dir, job.patch ?? "");
      // Whatever the patch put at node_modules goes first (a link it made there would take the copy elsewhere).
      await rm(join(dir, "node_modules"), { recursive: true, force: true });
      // Hard links: the files are the installed ones, yet their real paths lie inside this checkout.
      if (deps) await runProgram("cp", ["-al", deps, join(dir, "node_modules")], { cwd: dir });
      workspace = openWorkspace(dir, { databaseUrl: this.options.databaseUrl, simulateHere: true });
      service = new ScenarioService(workspace);
      return await run(service, job, WORKTREE);
    } finally {
      service?.close();
      workspace?.close();
      await runProgram("git", ["worktree", "remove", "--force", dir], { cwd: this.clone }).catch(() => rm(dir, { recursive: true, force: true }));
    }
  }
}

/** One job on a service: a scenario of the repo by its id, or a proposed one (parsed as a scenario file is). */
async function run(service: ScenarioService, job: SimulationJob, head: string): Promise<Omit<SimulationResult, "worker">> {
  if (job.proposed === undefined) return service.simulate(job.scenario, job.base, head, job.depth);
  const proposed = parseScenario(`scenarios/${job.scenario}.md`, job.proposed);
  const tried = await service.tryScenario(proposed, job.base, head);
  return { verdict: tried.verdict, simulation: "", tried: { passesOnBase: tried.passesOnBase, base: tried.base } };
}
