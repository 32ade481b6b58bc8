import { git } from "../../core/git.js";
import { parseLog, type Commit } from "./log.js";

const FORMAT = "%x1e%H%x1f%P%x1f%aN%x1f%aE%x1f%aI%x1f%cI%x1f%B%x1f";

/**
 * Commit headers by sha, read in one `git log --no-walk` call and cached: blame and history name the same
 * commits again and again.
 */
export class CommitCache {
  private readonly bySha = new Map<string, Commit>();

  constructor(private readonly repo: string) {}

  async get(shas: readonly string[]): Promise<Map<string, Commit>> {
    const missing = [...new Set(shas)].filter((s) => !this.bySha.has(s) && /^[0-9a-f]{40}$/.test(s));
    for (let i = 0; i < missing.length; i += 200) {
      const out = await git(this.repo).raw(["log", "--no-walk=unsorted", "-z", `--format=${FORMAT}`, "--end-of-options", ...missing.slice(i, i + 200)]);
      for (const c of parseLog(out)) this.bySha.set(c.sha, c);
    }
    return new Map(shas.filter((s) => this.bySha.has(s)).map((s) => [s, this.bySha.get(s) as Commit]));
  }

  async one(sha: string): Promise<Commit | undefined> {
    return (await this.get([sha])).get(sha);
  }
}
