import { z } from "zod";
import { defineTool, toolArgs } from "../../core/contract.js";
import { pageInput } from "../../core/paging.js";
import { DecisionTrace } from "./decisions.js";
import { EpisodeRecord } from "./episodes.js";
import { AUTHORITIES, NodeId, NodeKind, Relation } from "./model.js";

/** The context graph's tool contracts: names, descriptions and schemas, shared by the server, the agent and tests. */

const server = "context-graph" as const;
const time = z.iso.datetime({ offset: true });
const filterInput = {
  asOf: time.optional().describe("Event time: only facts that were true then, e.g. 2026-04-01T00:00:00Z"),
  asKnownAt: time.optional().describe("System time: only what Worldline had recorded (and not retracted) by then"),
};
const rels = z.array(Relation).optional().describe("Only these edge kinds, e.g. [governs, fixes]");

export const NodeOut = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  text: z.string().describe("Searchable text (first 2,000 characters)"),
  props: z.record(z.string(), z.unknown()),
  occurredAt: z.string().optional().describe("Event time of the node itself"),
  recordedAt: z.string().describe("System time it was first recorded"),
});

export const EdgeOut = z.object({
  id: z.number().int(),
  src: z.string(),
  rel: z.string(),
  dst: z.string(),
  key: z.string().describe("Claim key: claims with the same subject, relation and key compete"),
  validFrom: z.string().nullable().describe("Event time it became true"),
  validTo: z.string().nullable().describe("Event time it stopped being true"),
  recordedAt: z.string().describe("System time it was recorded"),
  retractedAt: z.string().nullable().describe("System time it was retracted by a newer claim"),
  atRev: z.string().nullable(),
  provenance: z.object({
    episodes: z.array(z.string()),
    method: z.string(),
    authority: z.enum(AUTHORITIES),
    confidence: z.number(),
  }),
});

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
const WRITES = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
const pageOut = <T extends z.ZodType>(item: T) => ({ items: z.array(item), nextCursor: z.string().optional() });

const MarkOut = z.object({ source: z.string(), lastRunAt: z.string().nullable(), highWater: z.string().nullable(), stats: z.record(z.string(), z.unknown()) });

const markSource = z.string().regex(/^[\w.-]+:[^\s]+$/, "a mark is named kind:source, e.g. triage:folder:tickets").describe("The mark's name, e.g. triage:github:acme/billing");

export const searchContext = defineTool({
  server,
  name: "search_context",
  title: "Search the context graph",
  description: "Full-text search (bm25) over nodes: commits, tickets, decisions, episodes, scenarios. Filter by kind and by event or system time.",
  input: toolArgs({ text: z.string().min(1).describe("Words to find"), kinds: z.array(NodeKind).optional().describe("Only nodes of these kinds"), ...filterInput, ...pageInput }),
  output: z.object(pageOut(z.object({ id: z.string(), kind: z.string(), title: z.string(), score: z.number().describe("bm25 relevance, higher is better") }))),
  annotations: READ_ONLY,
});

export const getContextNode = defineTool({
  server,
  name: "get_context_node",
  title: "Get a node",
  description: "One node with its attributes, and how many edges it has.",
  input: toolArgs({ id: NodeId.describe("Node id kind:key, e.g. decision:doc/adr/0002-use-postgres.md"), ...filterInput }),
  output: z.object({ node: NodeOut, edges: z.number().int().describe("Edges touching it under the time filter") }),
  annotations: READ_ONLY,
});

export const contextNeighbors = defineTool({
  server,
  name: "context_neighbors",
  title: "Neighbors",
  description: "Nodes within a number of hops of a node, nearest first, following the given edge kinds in the given direction.",
  input: toolArgs({
    id: NodeId,
    rels,
    direction: z.enum(["out", "in", "both"]).optional().describe("Follow edges out of, into, or both ways (default both)"),
    depth: z.number().int().min(1).max(6).optional().describe("Hops (default 1)"),
    ...filterInput,
    ...pageInput,
  }),
  output: z.object(pageOut(z.object({ id: z.string(), kind: z.string(), title: z.string(), depth: z.number().int() }))),
  annotations: READ_ONLY,
});

export const evidencePath = defineTool({
  server,
  name: "evidence_path",
  title: "Evidence path",
  description: "The shortest chain of edges linking two nodes (either direction), each edge with its provenance and times.",
  input: toolArgs({ from: NodeId, to: NodeId, maxDepth: z.number().int().min(1).max(8).optional().describe("Longest chain (default 6)"), rels, ...filterInput }),
  output: z.object({ found: z.boolean(), path: z.array(EdgeOut) }),
  annotations: READ_ONLY,
});

export const contextTimeline = defineTool({
  server,
  name: "context_timeline",
  title: "Timeline",
  description: "A node's edges in event-time order: when each fact became true, stopped, and who said so.",
  input: toolArgs({ id: NodeId, rels, ...filterInput, ...pageInput }),
  output: z.object(pageOut(EdgeOut)),
  annotations: READ_ONLY,
});

export const recordEpisodeTool = defineTool({
  server,
  name: "record_episode",
  title: "Record an episode",
  description: "Record a raw episode (an agent's transcript, a conversation) that decisions can cite as evidence. The text is redacted before it is stored; the same text twice is one episode.",
  input: toolArgs(EpisodeRecord.shape),
  output: z.object({ id: z.string().describe("The episode node, episode:<hash>") }),
  annotations: WRITES,
});

export const getIngestionMark = defineTool({
  server,
  name: "get_ingestion_mark",
  title: "Get a high-water mark",
  description: "How far a recurring job (an import, a triage of a ticket source) has got: the newest event time it has handled, and when it last ran.",
  input: toolArgs({ source: markSource }),
  output: z.object({ mark: MarkOut }),
  annotations: READ_ONLY,
});

export const setIngestionMark = defineTool({
  server,
  name: "set_ingestion_mark",
  title: "Set a high-water mark",
  description: "Record that a recurring job has handled everything up to highWater (event time), with its run's stats. A mark never moves back: an older highWater keeps the newer one.",
  input: toolArgs({ source: markSource, highWater: time, stats: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}) }),
  output: z.object({ mark: MarkOut }),
  annotations: WRITES,
});

export const recordDecisionTool = defineTool({
  server,
  name: "record_decision",
  title: "Record a decision",
  description: "Record a decision trace (question, conclusion, evidence, reasoning, author) linked to every evidence node. Evidence must be nodes already in the graph (see search_context); recording the same trace twice adds nothing.",
  input: toolArgs(DecisionTrace.shape),
  output: z.object({ id: z.string(), evidence: z.number().int(), created: z.boolean().describe("False when this trace was already recorded") }),
  annotations: WRITES,
});

export const ingestAdrsTool = defineTool({
  server,
  name: "ingest_adrs",
  title: "Ingest ADRs",
  description: "Read Architecture Decision Records (doc/adr, docs/adr: adr-tools; docs/decisions: MADR) at a revision into decision nodes, with what they govern and supersede.",
  input: toolArgs({ rev: z.string().optional().describe("Revision to read them at (default: the working tree)") }),
  output: z.object({
    revision: z.string(),
    adrs: z.array(z.object({ id: z.string(), path: z.string(), title: z.string(), status: z.string() })),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).describe("Files that did not parse; the rest were ingested"),
    result: z.object({ nodesAdded: z.number(), nodesUpdated: z.number(), edgesAdded: z.number(), edgesRetired: z.number(), edgesClosed: z.number() }),
  }),
  annotations: WRITES,
});

export const contextGraphStatus = defineTool({
  server,
  name: "context_graph_status",
  title: "Graph status",
  description: "Counts of nodes by kind and current edges by kind, episodes, and the last ingestion of each source.",
  input: toolArgs({}),
  output: z.object({
    nodes: z.record(z.string(), z.number()),
    edges: z.record(z.string(), z.number()),
    episodes: z.number(),
    ingestions: z.array(z.object({ source: z.string(), lastRunAt: z.string(), highWater: z.string().nullable(), stats: z.record(z.string(), z.unknown()) })),
  }),
  annotations: READ_ONLY,
});

/** Every tool the context-graph server registers, in its order. */
export const contextGraphContracts = [searchContext, getContextNode, contextNeighbors, evidencePath, contextTimeline, recordEpisodeTool, getIngestionMark, setIngestionMark, recordDecisionTool, ingestAdrsTool, contextGraphStatus] as const;
