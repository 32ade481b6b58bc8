import { openRepoDb } from "../../core/db.js";
import { UserError } from "../../core/errors.js";
import { defaultBase, quote, readFilesAt, resolveRevision, WORKTREE } from "../../core/git.js";
import { loadConfig, type WorldlineConfig } from "../../core/repo.js";
import { CodeGraphService } from "../code-graph/service.js";
import { SqliteContextGraph } from "../context-graph/sqlite-store.js";
import { CommitCache } from "./commits.js";
import { readLog, type Commit } from "./log.js";

/**
 * The git history of one repo as a service: git through simple-git, the code graph for symbols, and the
 * context graph that history is ingested into and `why` reads.
 */
export class GitHistoryService {
  readonly commits: CommitCache;
  readonly codeGraph: CodeGraphService;
  readonly graph: SqliteContextGraph;
  readonly config: WorldlineConfig;

  constructor(readonly repo: string) {
    this.commits = new CommitCache(repo);
    this.codeGraph = new CodeGraphService(repo);
    this.graph = new SqliteContextGraph(openRepoDb(repo));
    this.config = loadConfig(repo);
  }

  close(): void {
    this.codeGraph.close();
    this.graph.close();
  }

  /** base and head as given, defaulting to the merge-base with the default branch and the working tree. */
  async range(base: string | undefined, head: string | undefined): Promise<{ base: string; head: string }> {
    const b = base ? (await resolveRevision(this.repo, base)).name : ((await defaultBase(this.repo)).commit ?? "HEAD");
    const h = head ?? WORKTREE;
    await resolveRevision(this.repo, h);
    return { base: b, head: h };
  }

  /** Non-merge and merge commits of HEAD's history, since a date when given. */
  async log(since?: string): Promise<Commit[]> {
    if (since && Number.isNaN(new Date(since).getTime())) {
      throw new UserError(`since ${quote(since)} is not a date: expected an ISO date such as 2026-01-01`);
    }
    return readLog(this.repo, [...(since ? [`--since=${new Date(since).toISOString()}`] : []), "HEAD"]);
  }

  /** Line counts at HEAD of the given paths (absent paths were deleted). */
  async linesAtHead(paths: ReadonlySet<string>): Promise<Map<string, number>> {
    const head = await resolveRevision(this.repo, "HEAD");
    const files = await readFilesAt(this.repo, head, (p) => paths.has(p));
    return new Map(files.map((f) => [f.path, f.text.split("\n").length - (f.text.endsWith("\n") ? 1 : 0)]));
  }
}
