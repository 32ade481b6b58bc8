import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import { type Db, migrate, statementCache } from "../../core/db.js";
import { redact, redactJson, type RedactOptions, redactStored } from "../../core/redact.js";
import { DECISION_TRACE_PREFIX } from "./decisions.js";
import {
  authorityRank,
  EdgeInput,
  EpisodeInput,
  type GraphEdge,
  type GraphNode,
  type IngestBatch,
  type IngestResult,
  kindOf,
  NodeInput,
  type NodeKind,
  type TimeFilter,
  toUtc,
} from "./model.js";
import { CONTEXT_GRAPH_MIGRATIONS } from "./schema.js";
import type { ContextGraphStore, GraphStatus, IngestionMark, Neighbor, SearchHit, TraversalOptions } from "./store.js";

/** Far future: "known at" with no time given means everything recorded and not retracted. */
const END_OF_TIME = "9999-12-31T23:59:59.999Z";

interface EdgeRow {
  id: number;
  src: string;
  rel: string;
  dst: string;
  claim_key: string;
  valid_from: string | null;
  valid_to: string | null;
  recorded_at: string;
  retracted_at: string | null;
  at_rev: string | null;
  props: string;
  method: string;
  authority: GraphEdge["provenance"]["authority"];
  authority_rank: number;
  confidence: number;
  fingerprint: string;
}

interface NodeRow {
  id: string;
  kind: NodeKind;
  title: string;
  body: string;
  props: string;
  occurred_at: string | null;
  recorded_at: string;
  updated_at: string;
}

/**
 * How much to redact. What people wrote (commits, tickets, ADRs, scenarios) loses what a rule names: a
 * random-looking run there is as often an id someone searches for. What machines made (simulation records
 * with the values that crossed a run, decision traces quoting them, transcripts, any other episode) also
 * loses random-looking values that nothing names, since a traced value has lost its variable's name.
 */
const WRITTEN_SOURCES = /^(?:git|adr|scenario|tickets:.*)$/;

function episodeRedaction(source: string): RedactOptions {
  return WRITTEN_SOURCES.test(source) ? {} : { unnamed: true };
}

function nodeRedaction(id: string, kind: NodeKind): RedactOptions {
  return kind === "simulation" || id.startsWith(DECISION_TRACE_PREFIX) ? { unnamed: true } : {};
}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

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

function timeParams(filter: TimeFilter | undefined): { asOf: string | null; knownAt: string } {
  return {
    asOf: filter?.asOf ? toUtc(filter.asOf) : null,
    knownAt: filter?.asKnownAt ? toUtc(filter.asKnownAt) : END_OF_TIME,
  };
}

function relCondition(alias: string, rels: readonly string[] | undefined): string {
  if (!rels || rels.length === 0) return "1 = 1";
  return `${alias}.rel IN (${rels.map((r) => `'${r.replace(/'/g, "''")}'`).join(", ")})`;
}

export interface SqliteContextGraphOptions {
  /** System clock, for recorded_at and retracted_at; tests pass their own. */
  now?: () => string;
}

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
    // Validate everything before writing anything: a bad item leaves the graph untouched.
    const parsed = batches.map((batch) => ({
      episode: batch.episode ? EpisodeInput.parse(batch.episode) : undefined,
      nodes: (batch.nodes ?? []).map((n) => NodeInput.parse(n)),
      edges: (batch.edges ?? []).map((e) => EdgeInput.parse(e)),
      closures: batch.closures ?? [],
    }));
    const result: IngestResult = { nodesAdded: 0, nodesUpdated: 0, edgesAdded: 0, edgesRetired: 0, edgesClosed: 0 };
    if (this.knownNodes.size > 500_000) this.knownNodes.clear();
    const write = this.db.transaction(() => {
        const now = this.now();
        for (const { episode, nodes, edges, closures } of parsed) {
          let episodeId: string | undefined;
          if (episode) {
            // Redacted before anything is derived from it: the id hashes what is stored.
            const text = redactStored(episode.text, episodeRedaction(episode.source)).text;
            const source = redact(episode.source).text;
            const ref = redact(episode.ref).text;
            episodeId = `episode:${sha1(`${source}\0${ref}\0${text}`)}`;
            this.stmt(
              `INSERT INTO ctx_episode (id, source, ref, body, occurred_at, recorded_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
            ).run(episodeId, source, ref, text, episode.occurredAt ? toUtc(episode.occurredAt) : null, now);
            result.episode = episodeId;
            this.upsertNode({ id: episodeId, title: `${source} ${ref}`, text: "", props: { source, ref } }, now, result, episode.occurredAt);
          }
          for (const n of nodes) this.upsertNode(n, now, result, n.occurredAt);
          for (const e of edges) {
            const episodes = [...new Set([...e.provenance.episodes, ...(episodeId ? [episodeId] : [])])];
            this.assertEdge({ ...e, provenance: { ...e.provenance, episodes } }, now, result);
          }
          for (const c of closures) this.closeClaims(c.src, c.rel, c.key, toUtc(c.validTo), episodeId, now, result);
        }
      });
    try {
      write.immediate();
    } catch (err) {
      this.knownNodes.clear(); // the rolled-back nodes are not stored
      throw err;
    }
    return result;
  }

  /**
   * Every string a node stores is redacted here, whoever wrote it (history, tickets, ADRs, simulations with
   * the values that crossed them, decisions, transcripts): its title, its text and its props, structurally.
   * Ids are not: they are keys (shas, paths, ticket keys), and a redacted id would be another node.
   */
  private upsertNode(n: { id: string; title: string; text: string; props: Record<string, unknown> }, now: string, result: IngestResult, occurredAt?: string): void {
    const kind = kindOf(n.id);
    const existing = this.stmt("SELECT * FROM ctx_node WHERE id = ?").get(n.id) as NodeRow | undefined;
    const how = nodeRedaction(n.id, kind);
    const text = redactStored(n.text, how).text;
    const given = redact(n.title, how).text;
    const nodeProps = redactJson(n.props, how).value;
    if (!existing) {
      this.stmt(
        "INSERT INTO ctx_node (id, kind, title, body, props, occurred_at, recorded_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      ).run(n.id, kind, given || n.id.slice(kind.length + 1), text, JSON.stringify(nodeProps), occurredAt ? toUtc(occurredAt) : null, now, now);
      result.nodesAdded++;
      return;
    }
    const props = { ...(JSON.parse(existing.props) as Record<string, unknown>), ...nodeProps };
    const title = given || existing.title;
    const body = text || existing.body;
    const occurred = occurredAt ? toUtc(occurredAt) : existing.occurred_at;
    if (title === existing.title && body === existing.body && JSON.stringify(props) === existing.props && occurred === existing.occurred_at) return;
    this.stmt("UPDATE ctx_node SET title = ?, body = ?, props = ?, occurred_at = ?, updated_at = ? WHERE id = ?").run(
      title,
      body,
      JSON.stringify(props),
      occurred,
      now,
      n.id,
    );
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
    const link = this.stmt("INSERT INTO ctx_edge_episode (edge, episode) VALUES (?, ?) ON CONFLICT DO NOTHING");
    for (const ep of episodes) link.run(id, ep);
    return id;
  }

  private assertEdge(e: ReturnType<typeof EdgeInput.parse>, now: string, result: IngestResult): void {
    this.ensureNode(e.src, now, result);
    this.ensureNode(e.dst, now, result);
    const claimKey = e.key ?? e.dst;
    const row = {
      src: e.src,
      rel: e.rel,
      dst: e.dst,
      claim_key: claimKey,
      valid_from: e.validFrom ? toUtc(e.validFrom) : null,
      valid_to: e.validTo ? toUtc(e.validTo) : null,
      recorded_at: now,
      at_rev: e.atRev ?? null,
      props: JSON.stringify(redactJson(e.props).value),
      method: e.provenance.method,
      authority: e.provenance.authority,
      authority_rank: authorityRank(e.provenance.authority),
      confidence: e.provenance.confidence,
      fingerprint: "",
    };
    // 64 bits of a hash identify an assertion among the claims of one (src, rel, key): ample.
    row.fingerprint = sha1(
      JSON.stringify([row.src, row.rel, row.dst, row.claim_key, row.valid_from, row.valid_to, row.at_rev, row.props, row.method, row.authority, row.confidence]),
    ).slice(0, 16);
    // The open claims of the same subject, relation and key (one index lookup serves both checks below).
    const open = this.stmt("SELECT id, at_rev, authority_rank, fingerprint FROM ctx_edge WHERE src = ? AND rel = ? AND claim_key = ? AND retracted_at IS NULL").all(
      row.src,
      row.rel,
      row.claim_key,
    ) as Array<{ id: number; at_rev: string | null; authority_rank: number; fingerprint: string }>;
    const same = open.find((o) => o.fingerprint === row.fingerprint);
    if (same) {
      // The same fact again: no new fact, though a new episode that states it is linked as more evidence.
      const link = this.stmt("INSERT INTO ctx_edge_episode (edge, episode) VALUES (?, ?) ON CONFLICT DO NOTHING");
      for (const ep of e.provenance.episodes) link.run(same.id, ep);
      return;
    }
    // A new claim retires the open claims it replaces: same subject, relation, key and revision, and
    // never one of higher authority (those stay, and both claims are visible with their authority).
    const retire = this.stmt("UPDATE ctx_edge SET retracted_at = ? WHERE id = ?");
    for (const o of open) {
      if (o.at_rev === row.at_rev && o.authority_rank <= row.authority_rank) {
        retire.run(now, o.id);
        result.edgesRetired++;
      }
    }
    this.insertEdge(row, e.provenance.episodes);
    result.edgesAdded++;
  }

  /**
   * A fact stopped holding at `validTo`. Bi-temporal: the open row is retracted and a copy with valid_to is
   * recorded now, so a query "as known" before today still sees the fact as open.
   */
  private closeClaims(src: string, rel: string, key: string, validTo: string, episode: string | undefined, now: string, result: IngestResult): void {
    const open = this.stmt(
      "SELECT * FROM ctx_edge WHERE src = ? AND rel = ? AND claim_key = ? AND retracted_at IS NULL AND valid_to IS NULL",
    ).all(src, rel, key) as EdgeRow[];
    for (const old of open) {
      const episodes = (this.stmt("SELECT episode FROM ctx_edge_episode WHERE edge = ?").all(old.id) as Array<{ episode: string }>).map((r) => r.episode);
      this.stmt("UPDATE ctx_edge SET retracted_at = ? WHERE id = ?").run(now, old.id);
      const { id: _id, retracted_at: _r, ...rest } = old;
      // The closed copy keeps the assertion's fingerprint: asserting the same fact again finds it and adds nothing.
      const closed = { ...rest, valid_to: validTo, recorded_at: now };
      this.insertEdge(closed, [...episodes, ...(episode ? [episode] : [])]);
      result.edgesClosed++;
    }
  }

  private toNode(r: NodeRow): GraphNode {
    return {
      id: r.id,
      kind: r.kind,
      title: r.title,
      text: r.body,
      props: JSON.parse(r.props) as Record<string, unknown>,
      recordedAt: r.recorded_at,
      updatedAt: r.updated_at,
      ...(r.occurred_at ? { occurredAt: r.occurred_at } : {}),
    };
  }

  private toEdge(r: EdgeRow): GraphEdge {
    const episodes = (this.stmt("SELECT episode FROM ctx_edge_episode WHERE edge = ? ORDER BY episode").all(r.id) as Array<{ episode: string }>).map(
      (x) => x.episode,
    );
    return {
      id: r.id,
      src: r.src,
      rel: r.rel,
      dst: r.dst,
      key: r.claim_key,
      validFrom: r.valid_from,
      validTo: r.valid_to,
      recordedAt: r.recorded_at,
      retractedAt: r.retracted_at,
      atRev: r.at_rev,
      props: JSON.parse(r.props) as Record<string, unknown>,
      provenance: { episodes, method: r.method, authority: r.authority, confidence: r.confidence },
    };
  }

  async getNode(id: string, filter?: TimeFilter): Promise<GraphNode | undefined> {
    const r = this.stmt("SELECT * FROM ctx_node WHERE id = ? AND recorded_at <= ?").get(id, timeParams(filter).knownAt) as NodeRow | undefined;
    return r ? this.toNode(r) : undefined;
  }

  async getNodes(ids: readonly string[]): Promise<GraphNode[]> {
    if (ids.length === 0) return [];
    const rows = this.db.prepare(`SELECT * FROM ctx_node WHERE id IN (${ids.map(() => "?").join(",")})`).all(...ids) as NodeRow[];
    const byId = new Map(rows.map((r) => [r.id, this.toNode(r)]));
    return ids.map((id) => byId.get(id)).filter((n): n is GraphNode => n !== undefined);
  }

  async listNodes(kind: NodeKind): Promise<GraphNode[]> {
    return (this.stmt("SELECT * FROM ctx_node WHERE kind = ? ORDER BY recorded_at, id").all(kind) as NodeRow[]).map((r) => this.toNode(r));
  }

  async edgesOf(id: string, options: TraversalOptions = {}): Promise<GraphEdge[]> {
    const dir = options.direction ?? "both";
    const ends = dir === "out" ? "e.src = @id" : dir === "in" ? "e.dst = @id" : "(e.src = @id OR e.dst = @id)";
    const rows = this.stmt(
      `SELECT e.* FROM ctx_edge e WHERE ${ends} AND ${relCondition("e", options.rels)} AND ${timeCondition("e", options.filter)}
         ORDER BY COALESCE(e.valid_from, e.recorded_at), e.id`,
    ).all({ id, ...timeParams(options.filter) }) as EdgeRow[];
    return rows.map((r) => this.toEdge(r));
  }

  async search(
    text: string,
    options: { kinds?: NodeKind[] | undefined; filter?: TimeFilter | undefined; limit?: number; offset?: number } = {},
  ): Promise<SearchHit[]> {
    const tokens = text.match(/[\p{L}\p{N}_]+/gu) ?? [];
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
    return rows.map((r) => ({ node: this.toNode(r), score: -r.score }));
  }

  /**
   * Breadth-first, one indexed query per level over the whole frontier, each level fetching no more nodes
   * than the answer can still use. (A recursive CTE queues a hub's whole expansion before its LIMIT applies:
   * measured at 0.8-1 s for depth 3 on a 1M-edge graph, against a few milliseconds this way.)
   */
  async neighbors(id: string, depth: number, options: TraversalOptions & { limit?: number } = {}): Promise<Neighbor[]> {
    const dir = options.direction ?? "both";
    const limit = options.limit ?? 1000;
    const visited = new Set([id]);
    const out: Neighbor[] = [];
    let frontier = [id];
    for (let d = 1; d <= depth && frontier.length > 0 && out.length < limit; d++) {
      const next: string[] = [];
      for (let i = 0; i < frontier.length && out.length < limit; i += 500) {
        const chunk = frontier.slice(i, i + 500);
        // Distinct nodes; at most `visited.size` of them can be old, so this many rows always suffice.
        const cap = limit - out.length + visited.size;
        for (const n of this.step(chunk, dir, options, cap)) {
          if (visited.has(n)) continue;
          visited.add(n);
          next.push(n);
          out.push({ id: n, depth: d });
          if (out.length >= limit) break;
        }
      }
      frontier = next;
    }
    return out.sort((a, b) => a.depth - b.depth || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Nodes one edge away from any node of `from`, in the given direction, at most `cap` per direction. */
  private step(from: readonly string[], dir: TraversalOptions["direction"], options: TraversalOptions, cap: number): string[] {
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

  /** One level of a breadth-first search: the edges touching any node of the frontier. */
  private expand(frontier: readonly string[], options: TraversalOptions): EdgeRow[] {
    const list = frontier.map((_, i) => `@n${i}`).join(",");
    const params: Record<string, string | null> = { ...timeParams(options.filter) };
    frontier.forEach((n, i) => (params[`n${i}`] = n));
    return this.db
      .prepare(`SELECT e.* FROM ctx_edge e WHERE (e.src IN (${list}) OR e.dst IN (${list})) AND ${relCondition("e", options.rels)} AND ${timeCondition("e", options.filter)}`)
      .all(params) as EdgeRow[];
  }

  /**
   * Shortest evidence path, either edge direction, searched from both ends at once with one indexed query
   * per level (a recursive CTE carries no visited set, so a path search in SQL alone grows with every branch).
   */
  async evidencePath(from: string, to: string, maxDepth: number, options: TraversalOptions = {}): Promise<GraphEdge[] | undefined> {
    if (from === to) return [];
    const parents = [new Map<string, EdgeRow | null>([[from, null]]), new Map<string, EdgeRow | null>([[to, null]])] as const;
    const frontiers: [string[], string[]] = [[from], [to]];
    for (let depth = 0; depth < maxDepth; depth++) {
      // Grow the smaller side: a hub on one side does not blow up the other.
      const side = frontiers[0].length <= frontiers[1].length ? 0 : 1;
      const frontier = frontiers[side];
      if (frontier.length === 0) return undefined;
      const seen = parents[side];
      const other = parents[1 - side] as Map<string, EdgeRow | null>;
      const inFrontier = new Set(frontier);
      const next: string[] = [];
      for (let i = 0; i < frontier.length; i += 500) {
        for (const e of this.expand(frontier.slice(i, i + 500), options)) {
          for (const [here, there] of [[e.src, e.dst], [e.dst, e.src]] as const) {
            if (!inFrontier.has(here) || seen.has(there)) continue;
            seen.set(there, e);
            next.push(there);
            if (other.has(there)) return this.stitch(there, parents[0], parents[1]);
          }
        }
      }
      frontiers[side] = next;
    }
    return undefined;
  }

  private stitch(meet: string, fromSide: Map<string, EdgeRow | null>, toSide: Map<string, EdgeRow | null>): GraphEdge[] {
    const left: EdgeRow[] = [];
    for (let node = meet, e = fromSide.get(node); e; e = fromSide.get(node)) {
      left.unshift(e);
      node = e.src === node ? e.dst : e.src;
    }
    const right: EdgeRow[] = [];
    for (let node = meet, e = toSide.get(node); e; e = toSide.get(node)) {
      right.push(e);
      node = e.src === node ? e.dst : e.src;
    }
    return [...left, ...right].map((r) => this.toEdge(r));
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
