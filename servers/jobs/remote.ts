import { run } from "./run.js";
import type { ScenarioVerdict } from "../../core/verdict.js";
import { WORKTREE } from "../../core/git.js";
import { renderScenario, type Scenario } from "../scenarios/format.js";
import type { SimulationJob, SimulationResult } from "./model.js";
import { worktreePatch } from "./patch.js";
import type { JobQueue } from "./queue.js";

/**
 * Simulations sent to the team's workers: used by the scenarios service when the workspace has a team
 * database and some worker of this repository has sent a heartbeat within the window; otherwise the
 * simulation runs here, as it always did. The repository is named by its `origin` remote, the URL the
 * workers were started with.
 */
export class RemoteSimulations {
  private url: Promise<string | undefined> | undefined;
  private checked: { at: number; live: boolean } | undefined;
  private readonly patches = new Map<string, { at: number; value: Promise<{ commit: string; patch: string }> }>();

  constructor(
    private readonly repo: string,
    private readonly queue: JobQueue,
  ) {}

  /** The repository's URL: its origin remote; none means no worker can fetch it. */
  repoUrl(): Promise<string | undefined> {
    this.url ??= run("git", ["remote", "get-url", "origin"], { cwd: this.repo }).then(
      (u) => u.trim() || undefined,
      () => undefined,
    );
    return this.url;
  }

  /** Whether a worker will take a job between these revisions (base must be on the remote); workers asked at most every 5 s. */
  async available(base: string): Promise<boolean> {
    const now = Date.now();
    if (!this.checked || now - this.checked.at >= 5_000) {
      const url = await this.repoUrl();
      this.checked = { at: now, live: url ? (await this.queue.liveWorkers(url)).length > 0 : false };
    }
    return this.checked.live && (await this.pushed(base));
  }

  /** Commits known to be on the remote (they stay there): every scenario of a question asks about the same two. */
  private readonly pushedCommits = new Map<string, Promise<boolean>>();

  /** Whether a remote-tracking ref holds the commit: then a worker can fetch it. */
  pushed(commit: string): Promise<boolean> {
    let answer = this.pushedCommits.get(commit);
    if (!answer) {
      answer = run("git", ["for-each-ref", "--count=1", "--contains", commit, "refs/remotes"], { cwd: this.repo }).then((out) => {
        const on = out.trim() !== "";
        // Not yet pushed is asked again next time: a push (and fetch) can change it.
        if (!on) this.pushedCommits.delete(commit);
        return on;
      });
      this.pushedCommits.set(commit, answer);
    }
    return answer;
  }

  /** One patch per question: patches made within 30 s are reused, so every scenario of a run sees one tree. */
  private patch(key: string, make: () => Promise<{ commit: string; patch: string }>): Promise<{ commit: string; patch: string }> {
    const hit = this.patches.get(key);
    if (hit && Date.now() - hit.at < 30_000) return hit.value;
    const value = make();
    this.patches.set(key, { at: Date.now(), value });
    return value;
  }

  async simulate(scenario: string, base: string, head: string, depth: "static" | "differential" | undefined): Promise<{ verdict: ScenarioVerdict; simulation: string; worker: string }> {
    const result = await this.run({ scenario, base, head, ...(depth ? { depth } : {}) });
    return { verdict: result.verdict, simulation: result.simulation, worker: result.worker };
  }

  /** A proposed scenario (in no file) tried on a worker: its Markdown travels with the job. */
  async tryScenario(proposed: Scenario, base: string, head: string): Promise<{ verdict: ScenarioVerdict; passesOnBase: boolean; base: { status: string; failing: string[] } }> {
    const result = await this.run({ scenario: proposed.id, base, head, proposed: renderScenario(proposed) });
    if (!result.tried) throw new Error(`the worker's answer to the proposed scenario ${proposed.id} says nothing of its base run`);
    return { verdict: result.verdict, ...result.tried };
  }

  private async run(what: Pick<SimulationJob, "scenario" | "base" | "head" | "depth" | "proposed">): Promise<SimulationResult> {
    const repoUrl = await this.repoUrl();
    if (!repoUrl) throw new Error(`${this.repo} has no origin remote, so no worker can fetch it: add one, or unset WORLDLINE_DATABASE_URL to simulate here`);
    const { base, head } = what;
    const job: SimulationJob = { repoUrl, ...what };
    if (head === WORKTREE) {
      // The working tree on a commit the remote does not have yet travels the whole way from base.
      const { commit, patch } = await this.patch(`${base}..${WORKTREE}`, async () => {
        const made = await worktreePatch(this.repo);
        return (await this.pushed(made.commit)) ? made : worktreePatch(this.repo, base);
      });
      job.headCommit = commit;
      job.patch = patch;
    } else if (!(await this.pushed(head))) {
      // A commit the remote does not have yet (a pre-push check): its tree travels as a patch against base.
      const { patch } = await this.patch(`${base}..${head}`, async () => ({ commit: base, patch: await run("git", ["diff", "--binary", "--no-color", "--no-ext-diff", base, head], { cwd: this.repo }) }));
      Object.assign(job, { head: WORKTREE, headCommit: base, patch });
    }
    const id = await this.queue.submit(job);
    return this.queue.result(repoUrl, id);
  }
}
