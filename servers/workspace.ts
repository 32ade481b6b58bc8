import { openRepoDb, type Db } from "../core/db.js";
import { WORKTREE } from "../core/git.js";
import { DATABASE_URL_VARIABLE, PgDatabase, safeUrl } from "../core/pg.js";
import { loadConfig, type WorldlineConfig } from "../core/repo.js";
import { CodeGraphService } from "./code-graph/service.js";
import { PgContextGraph } from "./context-graph/pg-store.js";
import { SqliteContextGraph } from "./context-graph/sqlite-store.js";
import type { ContextGraphStore } from "./context-graph/store.js";
import { CommitCache } from "./git-history/commits.js";
import { ShapeCache } from "./git-history/shapes.js";
import { JobQueue } from "./jobs/queue.js";
import { type CoverageStore, PgCoverageStore, SqliteCoverageStore } from "./scenarios/coverage-store.js";
import { PgTicketStore } from "./tickets/pg-store.js";
import { SqliteTicketStore } from "./tickets/sqlite-store.js";
import type { TicketStore } from "./tickets/store.js";

/**
 * Everything the servers of one repo share, built once: its config, one connection to its database, one code
 * graph (one indexer, one warm TypeScript program), the context graph, tickets, simulation coverage, commit
 * headers and shapes. `worldline serve all` hands one workspace to every server; a server run alone opens its
 * own. Services read the stores through their interfaces, so the backend is the workspace's choice: the
 * repo's SQLite file, or with `WORLDLINE_DATABASE_URL` the team's PostgreSQL database for everything a team
 * shares (the code-graph index and commit shapes stay a local cache: they are derived from the code).
 */
export interface Workspace {
  readonly repo: string;
  readonly config: WorldlineConfig;
  /** Where the shared stores live: "sqlite" (the repo's .worldline/worldline.db) or the PostgreSQL URL, password hidden. */
  readonly backend: string;
  readonly codeGraph: CodeGraphService;
  readonly graph: ContextGraphStore;
  readonly tickets: TicketStore;
  readonly coverage: CoverageStore;
  readonly commits: CommitCache;
  readonly shapes: ShapeCache;
  /** The team's simulation queue, when there is a team database and this process may hand simulations to workers. */
  readonly jobs: JobQueue | undefined;
  /** Closes the stores and the databases once; later calls do nothing. */
  close(): void;
}

export interface WorkspaceOptions {
  /** The revision the code graph serves by default (the working tree unless given). */
  rev?: string | undefined;
  graph?: { now?: () => string };
  /** The team database; `WORLDLINE_DATABASE_URL` when not given, SQLite when neither is. */
  databaseUrl?: string | undefined;
  /** Simulate in this process even when the team's workers could (a worker itself). */
  simulateHere?: boolean;
}

export function openWorkspace(repo: string, options: WorkspaceOptions = {}): Workspace {
  const config = loadConfig(repo);
  const url = options.databaseUrl ?? (process.env[DATABASE_URL_VARIABLE] || undefined);
  // A bad URL is refused before anything is opened or created.
  const team = url ? new PgDatabase(url) : undefined;
  let db: Db;
  try {
    db = openRepoDb(repo);
  } catch (err) {
    if (team) void team.close();
    throw err;
  }
  let closed = false;
  try {
    const shapes = new ShapeCache(repo);
    const jobs = team && !options.simulateHere ? new JobQueue(team, "client") : undefined;
    return {
      repo,
      config,
      backend: team ? safeUrl(team.url) : "sqlite",
      codeGraph: new CodeGraphService(repo, options.rev ?? WORKTREE, db),
      graph: team ? new PgContextGraph(team, options.graph) : new SqliteContextGraph(db, options.graph),
      tickets: team ? new PgTicketStore(team) : new SqliteTicketStore(db),
      coverage: team ? new PgCoverageStore(team) : new SqliteCoverageStore(db),
      commits: new CommitCache(repo),
      shapes,
      jobs,
      close: () => {
        if (closed) return;
        closed = true;
        shapes.close();
        db.close();
        // The queue's connections first, then the pool: pg-boss keeps its own.
        if (team) void (jobs ? jobs.close() : Promise.resolve()).then(() => team.close());
      },
    };
  } catch (err) {
    db.close();
    if (team) void team.close();
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
