import { openRepoDb, type Db } from "../core/db.js";
import { WORKTREE } from "../core/git.js";
import { loadConfig, type WorldlineConfig } from "../core/repo.js";
import { CodeGraphService } from "./code-graph/service.js";
import { SqliteContextGraph, type SqliteContextGraphOptions } from "./context-graph/sqlite-store.js";
import type { ContextGraphStore } from "./context-graph/store.js";
import { CommitCache } from "./git-history/commits.js";
import { ShapeCache } from "./git-history/shapes.js";
import { CoverageStore } from "./scenarios/coverage-store.js";
import { TicketStore } from "./tickets/store.js";

/**
 * Everything the servers of one repo share, built once: its config, one connection to its database, one code
 * graph (one indexer, one warm TypeScript program), the context graph, tickets, simulation coverage, commit
 * headers and shapes. `worldline serve all` hands one workspace to every server; a server run alone opens its
 * own. Services read the context graph through `ContextGraphStore`, so a second backend can stand in.
 */
export interface Workspace {
  readonly repo: string;
  readonly config: WorldlineConfig;
  readonly codeGraph: CodeGraphService;
  readonly graph: ContextGraphStore;
  readonly tickets: TicketStore;
  readonly coverage: CoverageStore;
  readonly commits: CommitCache;
  readonly shapes: ShapeCache;
  /** Closes the stores and the database once; later calls do nothing. */
  close(): void;
}

export interface WorkspaceOptions {
  /** The revision the code graph serves by default (the working tree unless given). */
  rev?: string | undefined;
  graph?: SqliteContextGraphOptions;
}

export function openWorkspace(repo: string, options: WorkspaceOptions = {}): Workspace {
  const config = loadConfig(repo);
  const db: Db = openRepoDb(repo);
  let closed = false;
  try {
    const shapes = new ShapeCache(repo);
    return {
      repo,
      config,
      codeGraph: new CodeGraphService(repo, options.rev ?? WORKTREE, db),
      graph: new SqliteContextGraph(db, options.graph),
      tickets: new TicketStore(db),
      coverage: new CoverageStore(db),
      commits: new CommitCache(repo),
      shapes,
      close: () => {
        if (closed) return;
        closed = true;
        shapes.close();
        db.close();
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * A service's workspace: the one it is given (shared, closed by whoever opened it), or one of its own for a
 * repo path (closed with the service).
 */
export function workspaceOf(source: string | Workspace, options: WorkspaceOptions = {}): { workspace: Workspace; release: () => void } {
  if (typeof source !== "string") return { workspace: source, release: () => {} };
  const workspace = openWorkspace(source, options);
  return { workspace, release: () => workspace.close() };
}
