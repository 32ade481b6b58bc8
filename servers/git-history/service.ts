import { UserError } from "../../core/errors.js";
import { defaultBase, listTree, quote, readFilesAt, resolveRevision, WORKTREE, type Revision } from "../../core/git.js";
import type { WorldlineConfig } from "../../core/repo.js";
import type { CodeGraphService } from "../code-graph/service.js";
import type { ContextGraphStore } from "../context-graph/store.js";
import { workspaceOf, type Workspace } from "../workspace.js";
import type { CommitCache } from "./commits.js";
import { readLog, type Commit } from "./log.js";
import type { ShapeCache } from "./shapes.js";

/**
 * The git history of one repo as a service: git through simple-git, the code graph for symbols, and the
 * context graph that history is ingested into and `why` reads.
 */
export class GitHistoryService {
  readonly repo: string;
  readonly commits: CommitCache;
  readonly shapes: ShapeCache;
  readonly codeGraph: CodeGraphService;
  readonly graph: ContextGraphStore;
  readonly config: WorldlineConfig;
  private readonly release: () => void;

  /** On a shared workspace, or on one of its own for a repo path. */
  constructor(source: string | Workspace) {
    const { workspace, release } = workspaceOf(source);
    this.release = release;
    this.repo = workspace.repo;
    this.commits = workspace.commits;
    this.shapes = workspace.shapes;
    this.codeGraph = workspace.codeGraph;
    this.graph = workspace.graph;
    this.config = workspace.config;
  }

  close(): void {
    this.release();
  }

  /** base and head as given, defaulting to the merge-base with the default branch and the working tree. */
  async range(base: string | undefined, head: string | undefined): Promise<{ base: string; head: string }> {
    const b = base ? (await resolveRevision(this.repo, base)).name : ((await defaultBase(this.repo)).commit ?? "HEAD");
    const h = head ?? WORKTREE;
    await resolveRevision(this.repo, h);
    return { base: b, head: h };
  }

  /** Non-merge and merge commits of HEAD's history (or of a resolved commit's), since a date when given. */
  async log(since?: string, commit = "HEAD"): Promise<Commit[]> {
    if (since && Number.isNaN(new Date(since).getTime())) {
      throw new UserError(`since ${quote(since)} is not a date: expected an ISO date such as 2026-01-01`);
    }
    return readLog(this.repo, [...(since ? [`--since=${new Date(since).toISOString()}`] : []), commit]);
  }

  /** A committed revision for the history views (default HEAD): they read its log and its files, which the working tree has neither of. */
  async commitRevision(rev: string | undefined): Promise<Revision & { commit: string }> {
    const r = await resolveRevision(this.repo, rev ?? "HEAD");
    if (!r.commit) throw new UserError(`revision ${quote(r.name)} is the working tree: history views need a commit; pass a branch, tag or commit (default HEAD)`);
    return { name: r.name, commit: r.commit };
  }

  /** The paths of the files at a commit. */
  async pathsAt(commit: string): Promise<Set<string>> {
    return new Set((await listTree(this.repo, commit)).map((e) => e.path));
  }

  /** Line counts at a revision of the given paths (absent paths are not there). */
  async linesAt(paths: ReadonlySet<string>, revision: Revision): Promise<Map<string, number>> {
    const files = await readFilesAt(this.repo, revision, (p) => paths.has(p));
    return new Map(files.map((f) => [f.path, f.text.split("\n").length - (f.text.endsWith("\n") ? 1 : 0)]));
  }

  /** Line counts at HEAD of the given paths (absent paths were deleted). */
  async linesAtHead(paths: ReadonlySet<string>): Promise<Map<string, number>> {
    return this.linesAt(paths, await resolveRevision(this.repo, "HEAD"));
  }
}
