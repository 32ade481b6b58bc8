import type { Direction, GraphEdge, GraphNode, IngestBatch, IngestResult, NodeKind, TimeFilter } from "./model.js";

/**
 * The context graph as an interface: the SQLite class is the embedded implementation; a PostgreSQL class for
 * a team sharing one graph implements the same methods and passes the same test suite. Async throughout,
 * because a networked store is.
 */
export interface SearchHit {
  node: GraphNode;
  score: number;
}

export interface Neighbor {
  id: string;
  depth: number;
}

export interface IngestionMark {
  source: string;
  lastRunAt: string;
  highWater: string | null;
  stats: Record<string, unknown>;
}

export interface GraphStatus {
  nodes: Record<string, number>;
  edges: Record<string, number>;
  episodes: number;
  ingestions: IngestionMark[];
}

export interface TraversalOptions {
  rels?: string[] | undefined;
  direction?: Direction | undefined;
  filter?: TimeFilter | undefined;
}

export interface ContextGraphStore {
  /** Stores one batch in one transaction; the same batch twice adds nothing the second time. */
  ingest(batch: IngestBatch): Promise<IngestResult>;
  /** Stores many batches in one transaction: an import killed midway leaves the graph as it was. */
  ingestAll(batches: readonly IngestBatch[]): Promise<IngestResult>;
  getNode(id: string, filter?: TimeFilter): Promise<GraphNode | undefined>;
  getNodes(ids: readonly string[]): Promise<GraphNode[]>;
  /** Every node of a kind, oldest recorded first. */
  listNodes(kind: NodeKind): Promise<GraphNode[]>;
  /** Edges touching a node, oldest event first. */
  edgesOf(id: string, options?: TraversalOptions): Promise<GraphEdge[]>;
  search(text: string, options?: { kinds?: NodeKind[] | undefined; filter?: TimeFilter | undefined; limit?: number; offset?: number }): Promise<SearchHit[]>;
  /** Nodes within `depth` hops, nearest first, at most `limit` of them. */
  neighbors(id: string, depth: number, options?: TraversalOptions & { limit?: number }): Promise<Neighbor[]>;
  /** A shortest chain of edges (either direction) linking two nodes, or undefined when none is within `maxDepth`. */
  evidencePath(from: string, to: string, maxDepth: number, options?: Omit<TraversalOptions, "direction">): Promise<GraphEdge[] | undefined>;
  markIngestion(source: string, highWater: string | null, stats: Record<string, unknown>): Promise<void>;
  ingestion(source: string): Promise<IngestionMark | undefined>;
  status(): Promise<GraphStatus>;
  close(): void;
}
