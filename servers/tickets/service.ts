import { openRepoDb } from "../../core/db.js";
import { resolveRevision } from "../../core/git.js";
import { loadConfig, type WorldlineConfig } from "../../core/repo.js";
import { CodeGraphService } from "../code-graph/service.js";
import { SqliteContextGraph } from "../context-graph/sqlite-store.js";
import { CommitCache } from "../git-history/commits.js";
import type { RepoView } from "./code-refs.js";
import { type ImportContext } from "./importer.js";
import { TicketStore } from "./store.js";

/** The tickets of one repo: their store, and the code graph, history and context graph they link into. */
export class TicketService {
  readonly store: TicketStore;
  readonly graph: SqliteContextGraph;
  readonly codeGraph: CodeGraphService;
  readonly commits: CommitCache;
  readonly config: WorldlineConfig;

  constructor(readonly repo: string) {
    this.store = new TicketStore(openRepoDb(repo));
    this.graph = new SqliteContextGraph(openRepoDb(repo));
    this.codeGraph = new CodeGraphService(repo);
    this.commits = new CommitCache(repo);
    this.config = loadConfig(repo);
  }

  close(): void {
    this.store.db.close();
    this.graph.close();
    this.codeGraph.close();
  }

  async repoView(): Promise<RepoView> {
    await this.codeGraph.index();
    const graph = await this.codeGraph.graph();
    const paths = new Set(this.codeGraph.store.manifestFiles(graph.revision.manifest).map((f) => f.path));
    return {
      graph,
      paths,
      hasCommit: async (prefix) => (await resolveRevision(this.repo, prefix).catch(() => undefined))?.commit ?? undefined,
    };
  }

  importContext(now?: () => string): ImportContext {
    return {
      store: this.store,
      graph: this.graph,
      repoView: () => this.repoView(),
      repo: this.repo,
      commits: this.commits,
      suspectAgeDays: this.config.suspectAgeDays,
      ...(now ? { now } : {}),
    };
  }
}
