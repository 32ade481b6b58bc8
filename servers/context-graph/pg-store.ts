import { inTransaction, type PgClient, type PgDatabase, query } from "../../core/pg.js";
import { redactJson } from "../../core/redact.js";
import type { Direction, GraphEdge, GraphNode, IngestBatch, IngestResult, NodeKind, TimeFilter } from "./model.js";
import { toUtc } from "./model.js";
import { PG_CONTEXT_GRAPH_MIGRATIONS } from "./schema.js";
import { type EdgeRow, edgeRow, episodeRow, type NodeRow, type NodeWrite, nodeChange, parseBatches, type ParsedBatch, retiredBy, searchTokens, timeParams, toEdge, toNode } from "./rows.js";
import type { ContextGraphStore, GraphStatus, IngestionMark, Neighbor, SearchHit, TraversalOptions } from "./store.js";
import { shortestPath, walkNeighbors } from "./traversal.js";

/** Positional parameters collected while a statement is written. */
class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

function timeCondition(alias: string, filter: TimeFilter | undefined, p: Params): string {
  const { asOf, knownAt } = timeParams(filter);
  const known = filter?.asKnownAt
    ? `${alias}.recorded_at <= ${p.add(knownAt)} AND (${alias}.retracted_at IS NULL OR ${alias}.retracted_at > ${p.add(knownAt)})`
    : `${alias}.retracted_at IS NULL`;
  if (!asOf) return known;
  const a = p.add(asOf);
  return `(${alias}.valid_from IS NULL OR ${alias}.valid_from <= ${a}) AND (${alias}.valid_to IS NULL OR ${alias}.valid_to > ${a}) AND ${known}`;
}

function relCondition(alias: string, rels: readonly string[] | undefined, p: Params): string {
  if (!rels || rels.length === 0) return "TRUE";
  return `${alias}.rel = ANY(${p.add([...rels])}::text[])`;
}

/** Every graph write of every machine takes this lock: writers serialize as SQLite's do, readers never wait. */
const WRITE_LOCK = "worldline:context-graph:write";

export interface PgContextGraphOptions {
  /** System clock, for recorded_at and retracted_at; tests pass their own. */
  now?: () => string;
}

/**
 * The context graph a team shares, on PostgreSQL: the same rows, rules and answers as the SQLite store
 * (the store suite runs on both), written in transactions that serialize on an advisory lock, so machines
 * ingesting at once never retire each other's claims half-way.
 */
export class PgContextGraph implements ContextGraphStore {
  private readonly now: () => string;
  /** Node ids known to be stored (nodes are never deleted); cleared when a write fails. */
  private readonly knownNodes = new Set<string>();

  constructor(
    readonly database: PgDatabase,
    options: PgContextGraphOptions = {},
  ) {
    this.now = options.now ?? (() => new Date().toISOString());
  }

  private async rows<R extends object>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    await this.database.ready("context-graph", PG_CONTEXT_GRAPH_MIGRATIONS);
    return query<R & Record<string, unknown>>(this.database.pool, sql, params);
  }

  close(): void {
    void this.database.close();
  }

  ingest(batch: IngestBatch): Promise<IngestResult> {
    return this.ingestAll([batch]);
  }

  async ingestAll(batches: readonly IngestBatch[]): Promise<IngestResult> {
    const parsed = parseBatches(batches);
    await this.database.ready("context-graph", PG_CONTEXT_GRAPH_MIGRATIONS);
    if (this.knownNodes.size > 500_000) this.knownNodes.clear();
    try {
      return await inTransaction(
        this.database.pool,
        async (c) => {
          // A retried transaction starts from nothing: counts and known nodes of the failed try do not carry over.
          this.knownNodes.clear();
          const result: IngestResult = { nodesAdded: 0, nodesUpdated: 0, edgesAdded: 0, edgesRetired: 0, edgesClosed: 0 };
          const now = this.now();
          for (const batch of parsed) await this.write(c, batch, now, result);
          return result;
        },
        WRITE_LOCK,
      );
    } catch (err) {
      this.knownNodes.clear(); // the rolled-back nodes are not stored
      throw err;
    }
  }

  private async write(c: PgClient, { episode, nodes, edges, closures }: ParsedBatch, now: string, result: IngestResult): Promise<void> {
    let episodeId: string | undefined;
    if (episode) {
      const ep = episodeRow(episode);
      episodeId = ep.id;
      await c.query(`INSERT INTO ctx_episode (id, source, ref, body, occurred_at, recorded_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, [
        ep.id,
        ep.source,
        ep.ref,
        ep.text,
        ep.occurredAt,
        now,
      ]);
      result.episode = ep.id;
      await this.upsertNode(c, { id: ep.id, title: `${ep.source} ${ep.ref}`, text: "", props: { source: ep.source, ref: ep.ref } }, now, result, episode.occurredAt);
    }
    for (const n of nodes) await this.upsertNode(c, n, now, result, n.occurredAt);
    for (const e of edges) {
      const episodes = [...new Set([...e.provenance.episodes, ...(episodeId ? [episodeId] : [])])];
      await this.assertEdge(c, { ...e, provenance: { ...e.provenance, episodes } }, now, result);
    }
    for (const cl of closures) await this.closeClaims(c, cl.src, cl.rel, cl.key, toUtc(cl.validTo), episodeId, now, result);
  }

  private async upsertNode(c: PgClient, n: NodeWrite, now: string, result: IngestResult, occurredAt?: string): Promise<void> {
    const existing = (await c.query<NodeRow>("SELECT id, kind, title, body, props, occurred_at, recorded_at, updated_at FROM ctx_node WHERE id = $1", [n.id])).rows[0];
    const change = nodeChange(n, existing, occurredAt);
    if (!change) return;
    if ("insert" in change) {
      const r = change.insert;
      await c.query("INSERT INTO ctx_node (id, kind, title, body, props, occurred_at, recorded_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)", [
        r.id,
        r.kind,
        r.title,
        r.body,
        r.props,
        r.occurred_at,
        now,
      ]);
      result.nodesAdded++;
      return;
    }
    const u = change.update;
    await c.query("UPDATE ctx_node SET title = $1, body = $2, props = $3, occurred_at = $4, updated_at = $5 WHERE id = $6", [u.title, u.body, u.props, u.occurred_at, now, n.id]);
    result.nodesUpdated++;
  }

  private async ensureNode(c: PgClient, id: string, now: string, result: IngestResult): Promise<void> {
    if (this.knownNodes.has(id)) return;
    if (!(await c.query("SELECT 1 FROM ctx_node WHERE id = $1", [id])).rowCount) await this.upsertNode(c, { id, title: "", text: "", props: {} }, now, result);
    this.knownNodes.add(id);
  }

  private async insertEdge(c: PgClient, e: Omit<EdgeRow, "id" | "retracted_at">, episodes: readonly string[]): Promise<void> {
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO ctx_edge (src, rel, dst, claim_key, valid_from, valid_to, recorded_at, retracted_at, at_rev, props, method, authority, authority_rank, confidence, fingerprint)
       VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
      [e.src, e.rel, e.dst, e.claim_key, e.valid_from, e.valid_to, e.recorded_at, e.at_rev, e.props, e.method, e.authority, e.authority_rank, e.confidence, e.fingerprint],
    );
    await this.link(c, rows[0]!.id, episodes);
  }

  private async link(c: PgClient, edge: string | number, episodes: readonly string[]): Promise<void> {
    if (episodes.length === 0) return;
    await c.query("INSERT INTO ctx_edge_episode (edge, episode) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING", [edge, [...episodes]]);
  }

  private async assertEdge(c: PgClient, e: Parameters<typeof edgeRow>[0], now: string, result: IngestResult): Promise<void> {
    await this.ensureNode(c, e.src, now, result);
    await this.ensureNode(c, e.dst, now, result);
    const row = edgeRow(e, now);
    const open = (
      await c.query<{ id: string; at_rev: string | null; authority_rank: number; fingerprint: string }>(
        "SELECT id, at_rev, authority_rank, fingerprint FROM ctx_edge WHERE src = $1 AND rel = $2 AND claim_key = $3 AND retracted_at IS NULL",
        [row.src, row.rel, row.claim_key],
      )
    ).rows;
    const same = open.find((o) => o.fingerprint === row.fingerprint);
    if (same) {
      // The same fact again: no new fact, though a new episode that states it is linked as more evidence.
      await this.link(c, same.id, e.provenance.episodes);
      return;
    }
    const retired = retiredBy(open, row);
    if (retired.length > 0) {
      await c.query("UPDATE ctx_edge SET retracted_at = $1 WHERE id = ANY($2::bigint[])", [now, retired.map((o) => o.id)]);
      result.edgesRetired += retired.length;
    }
    await this.insertEdge(c, row, e.provenance.episodes);
    result.edgesAdded++;
  }

  /** A fact stopped holding at `validTo`: the open row is retracted and a closed copy recorded now (bi-temporal). */
  private async closeClaims(c: PgClient, src: string, rel: string, key: string, validTo: string, episode: string | undefined, now: string, result: IngestResult): Promise<void> {
    const open = (
      await c.query<EdgeRow>("SELECT * FROM ctx_edge WHERE src = $1 AND rel = $2 AND claim_key = $3 AND retracted_at IS NULL AND valid_to IS NULL", [src, rel, key])
    ).rows;
    for (const old of open) {
      const episodes = (await c.query<{ episode: string }>("SELECT episode FROM ctx_edge_episode WHERE edge = $1 ORDER BY episode", [old.id])).rows.map((r) => r.episode);
      await c.query("UPDATE ctx_edge SET retracted_at = $1 WHERE id = $2", [now, old.id]);
      const { id: _id, retracted_at: _r, ...rest } = old;
      await this.insertEdge(c, { ...rest, valid_to: validTo, recorded_at: now }, [...episodes, ...(episode ? [episode] : [])]);
      result.edgesClosed++;
    }
  }

  /** Rows read back as the SQLite store's, episodes attached in one query for all of them. */
  private async edges(rows: EdgeRow[]): Promise<GraphEdge[]> {
    if (rows.length === 0) return [];
    const links = await this.rows<{ edge: string; episode: string }>("SELECT edge, episode FROM ctx_edge_episode WHERE edge = ANY($1::bigint[]) ORDER BY episode", [rows.map((r) => r.id)]);
    const byEdge = new Map<string, string[]>();
    for (const l of links) byEdge.set(String(l.edge), [...(byEdge.get(String(l.edge)) ?? []), l.episode]);
    return rows.map((r) => toEdge(r, byEdge.get(String(r.id)) ?? []));
  }

  async getNode(id: string, filter?: TimeFilter): Promise<GraphNode | undefined> {
    const [r] = await this.rows<NodeRow>("SELECT * FROM ctx_node WHERE id = $1 AND recorded_at <= $2", [id, timeParams(filter).knownAt]);
    return r ? toNode(r) : undefined;
  }

  async getNodes(ids: readonly string[]): Promise<GraphNode[]> {
    if (ids.length === 0) return [];
    const rows = await this.rows<NodeRow>("SELECT * FROM ctx_node WHERE id = ANY($1::text[])", [[...ids]]);
    const byId = new Map(rows.map((r) => [r.id, toNode(r)]));
    return ids.map((id) => byId.get(id)).filter((n): n is GraphNode => n !== undefined);
  }

  async listNodes(kind: NodeKind): Promise<GraphNode[]> {
    // COLLATE "C": the same order as SQLite's byte-wise comparison.
    return (await this.rows<NodeRow>(`SELECT * FROM ctx_node WHERE kind = $1 ORDER BY recorded_at COLLATE "C", id COLLATE "C"`, [kind])).map(toNode);
  }

  async edgesOf(id: string, options: TraversalOptions = {}): Promise<GraphEdge[]> {
    const dir = options.direction ?? "both";
    const p = new Params();
    const i = p.add(id);
    const ends = dir === "out" ? `e.src = ${i}` : dir === "in" ? `e.dst = ${i}` : `(e.src = ${i} OR e.dst = ${i})`;
    const rows = await this.rows<EdgeRow>(
      `SELECT e.* FROM ctx_edge e WHERE ${ends} AND ${relCondition("e", options.rels, p)} AND ${timeCondition("e", options.filter, p)}
       ORDER BY COALESCE(e.valid_from, e.recorded_at) COLLATE "C", e.id`,
      p.values,
    );
    return this.edges(rows);
  }

  async search(
    text: string,
    options: { kinds?: NodeKind[] | undefined; filter?: TimeFilter | undefined; limit?: number; offset?: number } = {},
  ): Promise<SearchHit[]> {
    const tokens = searchTokens(text);
    if (tokens.length === 0) return [];
    const { asOf, knownAt } = timeParams(options.filter);
    const run = async (joiner: " & " | " | ") => {
      const p = new Params();
      const q = `to_tsquery('english', ${p.add(tokens.join(joiner))})`;
      const kinds = options.kinds?.length ? `AND n.kind = ANY(${p.add([...options.kinds])}::text[])` : "";
      const a = p.add(asOf);
      return this.rows<NodeRow & { score: number }>(
        `SELECT n.id, n.kind, n.title, n.body, n.props, n.occurred_at, n.recorded_at, n.updated_at, ts_rank(n.search, ${q}) AS score FROM ctx_node n
         WHERE n.search @@ ${q} ${kinds} AND n.recorded_at <= ${p.add(knownAt)} AND (${a}::text IS NULL OR n.occurred_at IS NULL OR n.occurred_at <= ${a}::text)
         ORDER BY score DESC, n.id LIMIT ${p.add(options.limit ?? 50)} OFFSET ${p.add(options.offset ?? 0)}`,
        p.values,
      );
    };
    // All words first; when nothing has them all, any word. Both stemmed (`english`).
    let rows = await run(" & ");
    if (rows.length === 0 && tokens.length > 1) rows = await run(" | ");
    return rows.map((r) => ({ node: toNode(r), score: Number(r.score) }));
  }

  async neighbors(id: string, depth: number, options: TraversalOptions & { limit?: number } = {}): Promise<Neighbor[]> {
    return walkNeighbors(id, depth, options.direction ?? "both", options.limit ?? 1000, (from, dir, cap) => this.step(from, dir, options, cap));
  }

  private async step(from: readonly string[], dir: Direction, options: TraversalOptions, cap: number): Promise<string[]> {
    const nodes: string[] = [];
    for (const [match, pick, run] of [
      ["src", "dst", dir !== "in"],
      ["dst", "src", dir !== "out"],
    ] as const) {
      if (!run) continue;
      const p = new Params();
      const list = p.add([...from]);
      const rows = await this.rows<{ node: string }>(
        `SELECT e.${pick} AS node FROM ctx_edge e WHERE e.${match} = ANY(${list}::text[]) AND ${relCondition("e", options.rels, p)} AND ${timeCondition("e", options.filter, p)} LIMIT ${p.add(cap)}`,
        p.values,
      );
      for (const r of rows) nodes.push(r.node);
    }
    return nodes;
  }

  async evidencePath(from: string, to: string, maxDepth: number, options: TraversalOptions = {}): Promise<GraphEdge[] | undefined> {
    const path = await shortestPath(from, to, maxDepth, async (frontier) => {
      const p = new Params();
      const list = p.add([...frontier]);
      // Rows in id order, as SQLite's scan gives them: ties between equally short paths break alike.
      return this.rows<EdgeRow>(
        `SELECT e.* FROM ctx_edge e WHERE (e.src = ANY(${list}::text[]) OR e.dst = ANY(${list}::text[])) AND ${relCondition("e", options.rels, p)} AND ${timeCondition("e", options.filter, p)} ORDER BY e.id`,
        p.values,
      );
    });
    return path ? this.edges(path) : undefined;
  }

  async markIngestion(source: string, highWater: string | null, stats: Record<string, unknown>): Promise<void> {
    await this.rows(
      `INSERT INTO ctx_ingestion (source, last_run_at, high_water, stats) VALUES ($1, $2, $3, $4)
       ON CONFLICT (source) DO UPDATE SET last_run_at = excluded.last_run_at, high_water = excluded.high_water, stats = excluded.stats`,
      [source, this.now(), highWater, JSON.stringify(redactJson(stats).value)],
    );
  }

  async ingestion(source: string): Promise<IngestionMark | undefined> {
    const [r] = await this.rows<{ source: string; last_run_at: string; high_water: string | null; stats: string }>("SELECT * FROM ctx_ingestion WHERE source = $1", [source]);
    return r ? { source: r.source, lastRunAt: r.last_run_at, highWater: r.high_water, stats: JSON.parse(r.stats) as Record<string, unknown> } : undefined;
  }

  async status(): Promise<GraphStatus> {
    const count = (rows: Array<{ k: string; n: string }>) => Object.fromEntries(rows.map((r) => [r.k, Number(r.n)]));
    const nodes = count(await this.rows(`SELECT kind AS k, COUNT(*) AS n FROM ctx_node GROUP BY kind ORDER BY kind COLLATE "C"`));
    const edges = count(await this.rows(`SELECT rel AS k, COUNT(*) AS n FROM ctx_edge WHERE retracted_at IS NULL GROUP BY rel ORDER BY rel COLLATE "C"`));
    const [ep] = await this.rows<{ n: string }>("SELECT COUNT(*) AS n FROM ctx_episode");
    const sources = await this.rows<{ source: string }>(`SELECT source FROM ctx_ingestion ORDER BY source COLLATE "C"`);
    const marks = await Promise.all(sources.map((s) => this.ingestion(s.source)));
    return { nodes, edges, episodes: Number(ep?.n ?? 0), ingestions: marks.filter((m): m is IngestionMark => m !== undefined) };
  }
}
