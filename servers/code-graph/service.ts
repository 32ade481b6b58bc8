import { type Db, openRepoDb } from "../../core/db.js";
import { UserError } from "../../core/errors.js";
import { resolveRevision, WORKTREE } from "../../core/git.js";
import { parseLocation, parseSymbolId } from "../../core/ids.js";
import { confinePath } from "../../core/repo.js";
import { CodeGraphIndexer, type IndexResult } from "./indexer.js";
import { CodeGraph } from "./queries.js";
import { CodeGraphStore } from "./store.js";

const MAX_STALE_LISTED = 50;

export interface Staleness {
  stale?: string[];
  staleCount?: number;
}

/**
 * The code graph of one repo as a long-lived service: the store, a warm indexer, and the revision it serves
 * by default. The MCP tools and the CLI both go through it.
 */
export class CodeGraphService {
  readonly store: CodeGraphStore;
  readonly indexer: CodeGraphIndexer;
  private readonly db: Db;
  /** Whether close() closes the database: not when a workspace shares its connection. */
  private readonly ownsDb: boolean;

  constructor(
    readonly repo: string,
    readonly servedRevision: string = WORKTREE,
    db?: Db,
  ) {
    this.ownsDb = db === undefined;
    this.db = db ?? openRepoDb(repo);
    this.store = new CodeGraphStore(this.db);
    this.indexer = new CodeGraphIndexer(repo, this.store);
  }

  close(): void {
    if (this.ownsDb) this.db.close();
  }

  index(rev?: string): Promise<IndexResult> {
    return this.indexer.index(rev ?? this.servedRevision);
  }

  /** The graph at a revision; a revision never indexed is indexed first. */
  async graph(rev?: string): Promise<CodeGraph> {
    const name = rev ?? this.servedRevision;
    // The one resolver first: a name that is no revision is refused before anything is looked up by it.
    const now = await resolveRevision(this.repo, name);
    let row = this.store.revision(name);
    // A branch name may have moved since it was indexed.
    if (!row || (now.commit !== null && now.commit !== row.commit)) {
      await this.indexer.index(name);
      row = this.store.revision(name);
    }
    if (!row) throw new UserError(`revision "${name}" could not be indexed in ${this.repo}: run worldline index --rev ${name} to see why`);
    return new CodeGraph(this.store, this.repo, row);
  }

  /** Files of the working tree that moved past the index of a revision (listed up to a bound). */
  async staleness(graph: CodeGraph): Promise<Staleness> {
    const moved = await this.indexer.movedSince(this.store.manifestFiles(graph.revision.manifest));
    if (moved.length === 0) return {};
    return { stale: moved.slice(0, MAX_STALE_LISTED), staleCount: moved.length };
  }

  /** A symbol id with its path confined to the repo and normalised. */
  symbolId(id: string): string {
    const { path, qualifiedName } = parseSymbolId(id);
    return `${confinePath(this.repo, path)}#${qualifiedName}`;
  }

  /** A symbol id or a path:line location, confined to the repo. */
  target(text: string): string {
    if (text.includes("#")) return this.symbolId(text);
    const { path, line } = parseLocation(text);
    return `${confinePath(this.repo, path)}:${line}`;
  }
}
