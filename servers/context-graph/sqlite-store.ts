import type Database from "better-sqlite3";
import { type Db, migrate, statementCache } from "../../core/db.js";
import { redactJson } from "../../core/redact.js";
import type { Direction, GraphEdge, GraphNode, IngestBatch, IngestResult, NodeKind, TimeFilter } from "./model.js";
import { toUtc } from "./model.js";
import { type EdgeRow, edgeRow, episodeRow, type NodeRow, type NodeWrite, nodeChange, parseBatches, type ParsedBatch, retiredBy, searchTokens, timeParams, toEdge, toNode } from "./rows.js";
import { CONTEXT_GRAPH_MIGRATIONS } from "./schema.js";
import type { ContextGraphStore, GraphStatus, IngestionMark, Neighbor, SearchHit, TraversalOptions } from "./store.js";
import { shortestPath, walkNeighbors } from "./traversal.js";

/**
 * The SQL condition for "valid at asOf and known at asKnownAt", over an edge table alias. Without a filter
 * it is just "not retracted", the common case kept cheap.
 */
function timeCondition(alias: string, filter?: TimeFilter): string {
  const known = filter?.asKnownAt
    ? `${alias}.recorded_at <= @knownAt AND (${alias}.retracted_at IS NULL OR ${alias}.retracted_at > @knownAt)`
    : `${alias}.retracted_at IS NULL`;
  if (!filter?.asOf) return known;
  return `(${alias}.valid_from IS NULL OR ${alias}.valid_from <= @asOf) AND (${alias}.valid_to IS NULL OR ${alias}.valid_to > @asOf) AND ${known}`;
}

function relCondition(alias: string, rels: readonly string[] | undefined): string {
  if (!rels || rels.length === 0) return "1 = 1";
  return `${alias}.rel IN (${rels.map((r) => `'${r.replace(/'/g, "''")}'`).join(", ")})`;
}

export interface SqliteContextGraphOptions {
  /** System clock, for recorded_at and retracted_at; tests pass their own. */
  now?: () => string;
}

/** The embedded context graph: one SQLite file, one writer at a time (IMMEDIATE transactions), WAL readers. */
export class SqliteContextGraph implements ContextGraphStore {
  private readonly now: () => string;
  private readonly stmt: (sql: string) => Database.Statement;
  /** Node ids known to be stored; spares a lookup per edge end on large imports. Cleared when a write fails. */
  private readonly knownNodes = new Set<string>();

  constructor(
    readonly db: Db,
    options: SqliteContextGraphOptions = {},
  ) {
    migrate(db, "context-graph", CONTEXT_GRAPH_MIGRATIONS);
    this.stmt = statementCache(db);
    this.now = options.now ?? (() => new Date().toISOString());
  }

  close(): void {
    this.db.close();
  }

  ingest(batch: IngestBatch): Promise<IngestResult> {
    return this.ingestAll([batch]);
  }

  async ingestAll(batches: readonly IngestBatch[]): Promise<IngestResult> {
    const parsed = parseBatches(batches);
    const result: IngestResult = { nodesAdded: 0, nodesUpdated: 0, edgesAdded: 0, edgesRetired: 0, edgesClosed: 0 };
    if (this.knownNodes.size > 500_000) this.knownNodes.clear();
    const write = this.db.transaction(() => {
      const now = this.now();
      for (const batch of parsed) this.write(batch, now, result);
    });
    try {
      write.immediate();
    } catch (err) {
      this.knownNodes.clear(); // the rolled-back nodes are not stored
      throw err;
    }
    return result;
  }

  private write({ episode, nodes, edges, closures }: ParsedBatch, now: string, result: IngestResult): void {
    let episodeId: string | undefined;
    if (episode) {
      const ep = episodeRow(episode);
      episodeId = ep.id;
      this.stmt(`INSERT INTO ctx_episode (id, source, ref, body, occurred_at, recorded_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`).run(
        ep.id,
        ep.source,
        ep.ref,
        ep.text,
        ep.occurredAt,
        now,
      );
      result.episode = ep.id;
      this.upsertNode({ id: ep.id, title: `${ep.source} ${ep.ref}`, text: "", props: { source: ep.source, ref: ep.ref } }, now, result, episode.occurredAt);
    }
    for (const n of nodes) this.upsertNode(n, now, result, n.occurredAt);
    for (const e of edges) {
      const episodes = [...new Set([...e.provenance.episodes, ...(episodeId ? [episodeId] : [])])];
      this.assertEdge({ ...e, provenance: { ...e.provenance, episodes } }, now, result);
    }
    for (const c of closures) this.closeClaims(c.src, c.rel, c.key, toUtc(c.validTo), episodeId, now, result);
  }

  private upsertNode(n: NodeWrite, now: string, result: IngestResult, occurredAt?: string): void {
    const existing = this.stmt("SELECT * FROM ctx_node WHERE id = ?").get(n.id) as NodeRow | undefined;
    const change = nodeChange(n, existing, occurredAt);
    if (!change) return;
    if ("insert" in change) {
      const r = change.insert;
      this.stmt("INSERT INTO ctx_node (id, kind, title, body, props, occurred_at, recorded_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)").run(
        r.id,
        r.kind,
        r.title,
        r.body,
        r.props,
        r.occurred_at,
        now,
        now,
      );
      result.nodesAdded++;
      return;
    }
    const u = change.update;
    this.stmt("UPDATE ctx_node SET title = ?, body = ?, props = ?, occurred_at = ?, updated_at = ? WHERE id = ?").run(u.title, u.body, u.props, u.occurred_at, now, n.id);
    result.nodesUpdated++;
  }

  private ensureNode(id: string, now: string, result: IngestResult): void {
    if (this.knownNodes.has(id)) return;
    if (!this.stmt("SELECT 1 FROM ctx_node WHERE id = ?").get(id)) this.upsertNode({ id, title: "", text: "", props: {} }, now, result);
    this.knownNodes.add(id);
  }

  private insertEdge(e: Omit<EdgeRow, "id" | "retracted_at">, episodes: readonly string[]): number {
    const id = Number(
      this.stmt(
        `INSERT INTO ctx_edge (src, rel, dst, claim_key, valid_from, valid_to, recorded_at, retracted_at, at_rev, props, method, authority, authority_rank, confidence, fingerprint)
         VALUES (@src, @rel, @dst, @claim_key, @valid_from, @valid_to, @recorded_at, NULL, @at_rev, @props, @method, @authority, @authority_rank, @confidence, @fingerprint)`,
      ).run(e).lastInsertRowid,
    );
    this.link(id, episodes);
    return id;
  }

  private link(edge: number, episodes: readonly string[]): void {
    const link = this.stmt("INSERT INTO ctx_edge_episode (edge, episode) VALUES (?, ?) ON CONFLICT DO NOTHING");
    for (const ep of episodes) link.run(edge, ep);
  }

  private assertEdge(e: Parameters<typeof edgeRow>[0], now: string, result: IngestResult): void {
    this.ensureNode(e.src, now, result);
    this.ensureNode(e.dst, now, result);
    const row = edgeRow(e, now);
    // The open claims of the same subject, relation and key (one index lookup serves both checks below).
    const open = this.stmt("SELECT id, at_rev, authority_rank, fingerprint FROM ctx_edge WHERE src = ? AND rel = ? AND claim_key = ? AND retracted_at IS NULL").all(
      row.src,
      row.rel,
      row.claim_key,
    ) as Array<{ id: number; at_rev: string | null; authority_rank: number; fingerprint: string }>;
    const same = open.find((o) => o.fingerprint === row.fingerprint);
    if (same) {
      // The same fact again: no new fact, though a new episode that states it is linked as more evidence.
      this.link(same.id, e.provenance.episodes);
      return;
    }
    const retire = this.stmt("UPDATE ctx_edge SET retracted_at = ? WHERE id = ?");
    for (const o of retiredBy(open, row)) {
      retire.run(now, o.id);
      result.edgesRetired++;
    }
    this.insertEdge(row, e.provenance.episodes);
    result.edgesAdded++;
  }

  /**
   * A fact stopped holding at `validTo`. Bi-temporal: the open row is retracted and a copy with valid_to is
   * recorded now, so a query "as known" before today still sees the fact as open.
   */
  private closeClaims(src: string, rel: string, key: string, validTo: string, episode: string | undefined, now: string, result: IngestResult): void {
    const open = this.stmt("SELECT * FROM ctx_edge WHERE src = ? AND rel = ? AND claim_key = ? AND retracted_at IS NULL AND valid_to IS NULL").all(src, rel, key) as EdgeRow[];
    for (const old of open) {
      const episodes = this.episodesOf(old.id);
      this.stmt("UPDATE ctx_edge SET retracted_at = ? WHERE id = ?").run(now, old.id);
      const { id: _id, retracted_at: _r, ...rest } = old;
      // The closed copy keeps the assertion's fingerprint: asserting the same fact again finds it and adds nothing.
      this.insertEdge({ ...rest, valid_to: validTo, recorded_at: now }, [...episodes, ...(episode ? [episode] : [])]);
      result.edgesClosed++;
    }
  }

  private episodesOf(edge: number): string[] {
    return (this.stmt("SELECT episode FROM ctx_edge_episode WHERE edge = ? ORDER BY episode").all(edge) as Array<{ episode: string }>).map((x) => x.episode);
  }

  private edge(r: EdgeRow): GraphEdge {
    return toEdge(r, this.episodesOf(r.id));
  }

  async getNode(id: string, filter?: TimeFilter): Promise<GraphNode | undefined> {
    const r = this.stmt("SELECT * FROM ctx_node WHERE id = ? AND recorded_at <= ?").get(id, timeParams(filter).knownAt) as NodeRow | undefined;
    return r ? toNode(r) : undefined;
  }

  async getNodes(ids: readonly string[]): Promise<GraphNode[]> {
    if (ids.length === 0) return [];
    const rows = this.db.prepare(`SELECT * FROM ctx_node WHERE id IN (${ids.map(() => "?").join(",")})`).all(...ids) as NodeRow[];
    const byId = new Map(rows.map((r) => [r.id, toNode(r)]));
    return ids.map((id) => byId.get(id)).filter((n): n is GraphNode => n !== undefined);
  }

  async listNodes(kind: NodeKind): Promise<GraphNode[]> {
    return (this.stmt("SELECT * FROM ctx_node WHERE kind = ? ORDER BY recorded_at, id").all(kind) as NodeRow[]).map(toNode);
  }

  async edgesOf(id: string, options: TraversalOptions = {}): Promise<GraphEdge[]> {
    const dir = options.direction ?? "both";
    const ends = dir === "out" ? "e.src = @id" : dir === "in" ? "e.dst = @id" : "(e.src = @id OR e.dst = @id)";
    const rows = this.stmt(
      `SELECT e.* FROM ctx_edge e WHERE ${ends} AND ${relCondition("e", options.rels)} AND ${timeCondition("e", options.filter)}
         ORDER BY COALESCE(e.valid_from, e.recorded_at), e.id`,
    ).all({ id, ...timeParams(options.filter) }) as EdgeRow[];
    return rows.map((r) => this.edge(r));
  }

  async search(
    text: string,
    options: { kinds?: NodeKind[] | undefined; filter?: TimeFilter | undefined; limit?: number; offset?: number } = {},
  ): Promise<SearchHit[]> {
    const tokens = searchTokens(text);
    if (tokens.length === 0) return [];
    const { asOf, knownAt } = timeParams(options.filter);
    const kinds = options.kinds?.length ? `AND n.kind IN (${options.kinds.map((k) => `'${k}'`).join(", ")})` : "";
    const run = (match: string) =>
      this.db
        .prepare(
          `SELECT n.*, bm25(ctx_node_fts) AS score FROM ctx_node_fts f JOIN ctx_node n ON n.rowid = f.rowid
           WHERE ctx_node_fts MATCH @match ${kinds} AND n.recorded_at <= @knownAt AND (@asOf IS NULL OR n.occurred_at IS NULL OR n.occurred_at <= @asOf)
           ORDER BY score LIMIT @limit OFFSET @offset`,
        )
        .all({ match, knownAt, asOf, limit: options.limit ?? 50, offset: options.offset ?? 0 }) as Array<NodeRow & { score: number }>;
    // All words first; when nothing has them all, any word.
    let rows = run(tokens.map((t) => `"${t}"`).join(" "));
    if (rows.length === 0 && tokens.length > 1) rows = run(tokens.map((t) => `"${t}"`).join(" OR "));
    return rows.map((r) => ({ node: toNode(r), score: -r.score }));
  }

  async neighbors(id: string, depth: number, options: TraversalOptions & { limit?: number } = {}): Promise<Neighbor[]> {
    return walkNeighbors(id, depth, options.direction ?? "both", options.limit ?? 1000, async (from, dir, cap) => this.step(from, dir, options, cap));
  }

  /** Nodes one edge away from any node of `from`, in the given direction, at most `cap` per direction. */
  private step(from: readonly string[], dir: Direction, options: TraversalOptions, cap: number): string[] {
    const list = from.map((_, i) => `@n${i}`).join(",");
    const where = `${relCondition("e", options.rels)} AND ${timeCondition("e", options.filter)}`;
    const params: Record<string, string | number | null> = { ...timeParams(options.filter), cap };
    from.forEach((n, i) => (params[`n${i}`] = n));
    // Each direction on its own index, stopping at the cap; duplicates are dropped by the caller.
    const nodes: string[] = [];
    if (dir !== "in") {
      const rows = this.db.prepare(`SELECT e.dst AS node FROM ctx_edge e WHERE e.src IN (${list}) AND ${where} LIMIT @cap`).all(params) as Array<{ node: string }>;
      for (const r of rows) nodes.push(r.node);
    }
    if (dir !== "out") {
      const rows = this.db.prepare(`SELECT e.src AS node FROM ctx_edge e WHERE e.dst IN (${list}) AND ${where} LIMIT @cap`).all(params) as Array<{ node: string }>;
      for (const r of rows) nodes.push(r.node);
    }
    return nodes;
  }

  async evidencePath(from: string, to: string, maxDepth: number, options: TraversalOptions = {}): Promise<GraphEdge[] | undefined> {
    const path = await shortestPath(from, to, maxDepth, async (frontier) => {
      const list = frontier.map((_, i) => `@n${i}`).join(",");
      const params: Record<string, string | null> = { ...timeParams(options.filter) };
      frontier.forEach((n, i) => (params[`n${i}`] = n));
      return this.db
        .prepare(`SELECT e.* FROM ctx_edge e WHERE (e.src IN (${list}) OR e.dst IN (${list})) AND ${relCondition("e", options.rels)} AND ${timeCondition("e", options.filter)}`)
        .all(params) as EdgeRow[];
    });
    return path?.map((r) => this.edge(r));
  }

  async markIngestion(source: string, highWater: string | null, stats: Record<string, unknown>): Promise<void> {
    this.stmt(
      `INSERT INTO ctx_ingestion (source, last_run_at, high_water, stats) VALUES (?, ?, ?, ?)
       ON CONFLICT (source) DO UPDATE SET last_run_at = excluded.last_run_at, high_water = excluded.high_water, stats = excluded.stats`,
    ).run(source, this.now(), highWater, JSON.stringify(redactJson(stats).value));
  }

  async ingestion(source: string): Promise<IngestionMark | undefined> {
    const r = this.stmt("SELECT * FROM ctx_ingestion WHERE source = ?").get(source) as
      | { source: string; last_run_at: string; high_water: string | null; stats: string }
      | undefined;
    return r ? { source: r.source, lastRunAt: r.last_run_at, highWater: r.high_water, stats: JSON.parse(r.stats) as Record<string, unknown> } : undefined;
  }

  async status(): Promise<GraphStatus> {
    const nodes = Object.fromEntries(
      (this.db.prepare("SELECT kind, COUNT(*) AS n FROM ctx_node GROUP BY kind ORDER BY kind").all() as Array<{ kind: string; n: number }>).map((r) => [r.kind, r.n]),
    );
    const edges = Object.fromEntries(
      (
        this.db.prepare("SELECT rel, COUNT(*) AS n FROM ctx_edge WHERE retracted_at IS NULL GROUP BY rel ORDER BY rel").all() as Array<{ rel: string; n: number }>
      ).map((r) => [r.rel, r.n]),
    );
    const episodes = (this.db.prepare("SELECT COUNT(*) AS n FROM ctx_episode").get() as { n: number }).n;
    const ingestions = (this.db.prepare("SELECT source FROM ctx_ingestion ORDER BY source").all() as Array<{ source: string }>).map((r) => r.source);
    const marks = await Promise.all(ingestions.map((s) => this.ingestion(s)));
    return { nodes, edges, episodes, ingestions: marks.filter((m): m is IngestionMark => m !== undefined) };
  }
}
