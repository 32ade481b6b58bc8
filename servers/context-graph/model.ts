import { z } from "zod";
import { NODE_KINDS } from "../../core/ids.js";

/**
 * The context graph's vocabulary: nodes, edges with two clocks and a revision, provenance, and the
 * episodes facts come from. Shared by the store, its MCP tools and every ingester.
 */
export const NodeKind = z.enum(NODE_KINDS);
export type NodeKind = z.infer<typeof NodeKind>;

/** Edge kinds in use; new ones need no schema change (any lower-case, dashed name is accepted). */
export const KNOWN_RELATIONS = [
  "modifies",
  "authored",
  "references",
  "fixes",
  "induced-by",
  "suspect-of",
  "governs",
  "motivated-by",
  "covers",
  "evaluated",
  "supersedes",
  "amends",
  "mentions",
] as const;
export const Relation = z.string().regex(/^[a-z][a-z0-9-]*$/, "a relation is lower-case words joined by dashes, e.g. induced-by");

export const AUTHORITIES = ["llm", "deterministic", "human"] as const;
export const Authority = z.enum(AUTHORITIES);
export type Authority = z.infer<typeof Authority>;
/** human > deterministic > llm: a claim never retires one of higher authority. */
export function authorityRank(a: Authority): number {
  return AUTHORITIES.indexOf(a);
}

export const NodeId = z
  .string()
  .regex(new RegExp(`^(${NODE_KINDS.join("|")}):.+`), `a node id is kind:key with kind one of ${NODE_KINDS.join(", ")}, e.g. file:src/a.ts`);

export function kindOf(id: string): NodeKind {
  return NodeKind.parse(id.slice(0, id.indexOf(":")));
}

/** ISO-8601 time; stored as UTC text so that text order is time order. */
export const Time = z.iso.datetime({ offset: true }).describe("ISO-8601 time, e.g. 2026-03-15T10:00:00Z");

export function toUtc(time: string): string {
  return new Date(time).toISOString();
}

export const NodeInput = z.object({
  id: NodeId,
  title: z.string().default("").describe("Short human-readable name"),
  text: z.string().default("").describe("Searchable text: a message, a ticket's body, a decision"),
  props: z.record(z.string(), z.unknown()).default({}).describe("Kind-specific attributes"),
  occurredAt: Time.optional().describe("Event time of the node itself: a commit's time, a ticket's creation"),
});
export type NodeInput = z.input<typeof NodeInput>;

export interface GraphNode {
  id: string;
  kind: NodeKind;
  title: string;
  text: string;
  props: Record<string, unknown>;
  occurredAt?: string;
  /** System time when Worldline first learned of the node. */
  recordedAt: string;
  updatedAt: string;
}

export const Provenance = z.object({
  episodes: z.array(z.string()).default([]).describe("Episode ids the fact was read from"),
  method: z.string().min(1).describe("How it was derived, with version, e.g. adr-parser@1"),
  authority: Authority,
  confidence: z.number().min(0).max(1).default(1),
});
export type Provenance = z.input<typeof Provenance>;

export const EdgeInput = z.object({
  src: NodeId,
  rel: Relation,
  dst: NodeId,
  /** Which claim of (src, rel) this is; claims with the same subject, relation and key compete. Defaults to dst. */
  key: z.string().optional(),
  validFrom: Time.optional().describe("Event time when it became true"),
  validTo: Time.optional().describe("Event time when it stopped being true"),
  atRev: z.string().optional().describe("Revision where it holds (a commit, or WORKTREE)"),
  props: z.record(z.string(), z.unknown()).default({}),
  provenance: Provenance,
});
export type EdgeInput = z.input<typeof EdgeInput>;

export interface GraphEdge {
  id: number;
  src: string;
  rel: string;
  dst: string;
  key: string;
  validFrom: string | null;
  validTo: string | null;
  recordedAt: string;
  retractedAt: string | null;
  atRev: string | null;
  props: Record<string, unknown>;
  provenance: { episodes: string[]; method: string; authority: Authority; confidence: number };
}

export const EpisodeInput = z.object({
  source: z.string().min(1).describe("Where it came from: git, adr, tickets, agent, ..."),
  ref: z.string().min(1).describe("Its address in the source: a commit, a file path, a ticket key"),
  text: z.string().describe("The raw record"),
  occurredAt: Time.optional(),
});
export type EpisodeInput = z.input<typeof EpisodeInput>;

/** Which facts a query sees: valid at an event time, and known at a system time (default: now). */
export const TimeFilter = z.object({
  asOf: Time.optional().describe("Event time: only facts true at this time"),
  asKnownAt: Time.optional().describe("System time: only facts Worldline had recorded, and not retracted, by then"),
});
export type TimeFilter = z.infer<typeof TimeFilter>;

export type Direction = "out" | "in" | "both";

/** One batch of facts from one episode: stored whole or not at all. */
export interface IngestBatch {
  episode?: EpisodeInput;
  nodes?: NodeInput[];
  edges?: EdgeInput[];
  /** Facts that stopped holding: open edges of (src, rel, key) get this valid_to. */
  closures?: Array<{ src: string; rel: string; key: string; validTo: string }>;
}

export interface IngestResult {
  episode?: string;
  nodesAdded: number;
  nodesUpdated: number;
  edgesAdded: number;
  edgesRetired: number;
  edgesClosed: number;
}
