import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { toolResult } from "../../core/mcp.js";
import { paginate, pageInput } from "../../core/paging.js";
import { DecisionTrace, recordDecision } from "./decisions.js";
import { EpisodeRecord, recordEpisode } from "./episodes.js";
import { ingestAdrs } from "./ingest-adrs.js";
import { AUTHORITIES, NodeId, NodeKind, Relation, type GraphEdge, type GraphNode, type TimeFilter } from "./model.js";
import type { ContextGraphService } from "./service.js";

/** The context graph's MCP face. */

const time = z.iso.datetime({ offset: true });
const filterInput = {
  asOf: time.optional().describe("Event time: only facts that were true then, e.g. 2026-04-01T00:00:00Z"),
  asKnownAt: time.optional().describe("System time: only what Worldline had recorded (and not retracted) by then"),
};
const rels = z.array(Relation).optional().describe("Only these edge kinds, e.g. [governs, fixes]");

const NodeOut = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  text: z.string().describe("Searchable text (first 2,000 characters)"),
  props: z.record(z.string(), z.unknown()),
  occurredAt: z.string().optional().describe("Event time of the node itself"),
  recordedAt: z.string().describe("System time it was first recorded"),
});

const EdgeOut = z.object({
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

function nodeOut(n: GraphNode): z.infer<typeof NodeOut> {
  return {
    id: n.id,
    kind: n.kind,
    title: n.title,
    text: n.text.length > 2000 ? `${n.text.slice(0, 1999)}…` : n.text,
    props: n.props,
    ...(n.occurredAt ? { occurredAt: n.occurredAt } : {}),
    recordedAt: n.recordedAt,
  };
}

function edgeOut(e: GraphEdge): z.infer<typeof EdgeOut> {
  const { props: _props, ...rest } = e;
  return rest;
}

function filterOf(a: { asOf?: string | undefined; asKnownAt?: string | undefined }): TimeFilter {
  return { ...(a.asOf ? { asOf: a.asOf } : {}), ...(a.asKnownAt ? { asKnownAt: a.asKnownAt } : {}) };
}

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
const WRITES = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
const pageOut = <T extends z.ZodType>(item: T) => ({ items: z.array(item), nextCursor: z.string().optional() });

export function registerContextGraphTools(server: McpServer, service: ContextGraphService): void {
  const { store } = service;

  server.registerTool(
    "search",
    {
      title: "Search the context graph",
      description: "Full-text search (bm25) over nodes: commits, tickets, decisions, episodes, scenarios. Filter by kind and by event or system time.",
      inputSchema: { text: z.string().min(1).describe("Words to find"), kinds: z.array(NodeKind).optional().describe("Only nodes of these kinds"), ...filterInput, ...pageInput },
      outputSchema: pageOut(z.object({ id: z.string(), kind: z.string(), title: z.string(), score: z.number().describe("bm25 relevance, higher is better") })),
      annotations: READ_ONLY,
    },
    async (a) => {
      const hits = await store.search(a.text, { kinds: a.kinds, filter: filterOf(a), limit: 500 });
      return toolResult(paginate(hits.map((h) => ({ id: h.node.id, kind: h.node.kind, title: h.node.title, score: Number(h.score.toFixed(4)) })), a));
    },
  );

  server.registerTool(
    "get_node",
    {
      title: "Get a node",
      description: "One node with its attributes, and how many edges it has.",
      inputSchema: { id: NodeId.describe("Node id kind:key, e.g. decision:doc/adr/0002-use-postgres.md"), ...filterInput },
      outputSchema: { node: NodeOut, edges: z.number().int().describe("Edges touching it under the time filter") },
      annotations: READ_ONLY,
    },
    async (a) => {
      await service.requireNode(a.id);
      const node = await store.getNode(a.id, filterOf(a));
      if (!node) return toolResult({ node: nodeOut(await service.requireNode(a.id)), edges: 0 });
      return toolResult({ node: nodeOut(node), edges: (await store.edgesOf(a.id, { filter: filterOf(a) })).length });
    },
  );

  server.registerTool(
    "neighbors",
    {
      title: "Neighbors",
      description: "Nodes within a number of hops of a node, nearest first, following the given edge kinds in the given direction.",
      inputSchema: {
        id: NodeId,
        rels,
        direction: z.enum(["out", "in", "both"]).optional().describe("Follow edges out of, into, or both ways (default both)"),
        depth: z.number().int().min(1).max(6).optional().describe("Hops (default 1)"),
        ...filterInput,
        ...pageInput,
      },
      outputSchema: pageOut(z.object({ id: z.string(), kind: z.string(), title: z.string(), depth: z.number().int() })),
      annotations: READ_ONLY,
    },
    async (a) => {
      await service.requireNode(a.id);
      const found = await store.neighbors(a.id, a.depth ?? 1, { rels: a.rels, direction: a.direction, filter: filterOf(a), limit: 2000 });
      const page = paginate(found, a);
      const nodes = new Map((await store.getNodes(page.items.map((n) => n.id))).map((n) => [n.id, n]));
      return toolResult({
        ...page,
        items: page.items.map((n) => ({ id: n.id, kind: nodes.get(n.id)?.kind ?? n.id.split(":")[0] ?? "", title: nodes.get(n.id)?.title ?? "", depth: n.depth })),
      });
    },
  );

  server.registerTool(
    "evidence_path",
    {
      title: "Evidence path",
      description: "The shortest chain of edges linking two nodes (either direction), each edge with its provenance and times.",
      inputSchema: { from: NodeId, to: NodeId, maxDepth: z.number().int().min(1).max(8).optional().describe("Longest chain (default 6)"), rels, ...filterInput },
      outputSchema: { found: z.boolean(), path: z.array(EdgeOut) },
      annotations: READ_ONLY,
    },
    async (a) => {
      await service.requireNode(a.from);
      await service.requireNode(a.to);
      const path = await store.evidencePath(a.from, a.to, a.maxDepth ?? 6, { rels: a.rels, filter: filterOf(a) });
      return toolResult({ found: path !== undefined, path: (path ?? []).map(edgeOut) });
    },
  );

  server.registerTool(
    "timeline",
    {
      title: "Timeline",
      description: "A node's edges in event-time order: when each fact became true, stopped, and who said so.",
      inputSchema: { id: NodeId, rels, ...filterInput, ...pageInput },
      outputSchema: pageOut(EdgeOut),
      annotations: READ_ONLY,
    },
    async (a) => {
      await service.requireNode(a.id);
      return toolResult(paginate((await store.edgesOf(a.id, { rels: a.rels, filter: filterOf(a) })).map(edgeOut), a));
    },
  );

  server.registerTool(
    "record_episode",
    {
      title: "Record an episode",
      description: "Record a raw episode (an agent's transcript, a conversation) that decisions can cite as evidence. The text is redacted before it is stored; the same text twice is one episode.",
      inputSchema: EpisodeRecord.shape,
      outputSchema: { id: z.string().describe("The episode node, episode:<hash>") },
      annotations: WRITES,
    },
    async (a) => toolResult(await recordEpisode(store, a)),
  );

  const MarkOut = z.object({ source: z.string(), lastRunAt: z.string().nullable(), highWater: z.string().nullable(), stats: z.record(z.string(), z.unknown()) });
  const markSource = z.string().regex(/^[\w.-]+:[^\s]+$/, "a mark is named kind:source, e.g. triage:folder:tickets").describe("The mark's name, e.g. triage:github:acme/billing");

  server.registerTool(
    "get_mark",
    {
      title: "Get a high-water mark",
      description: "How far a recurring job (an import, a triage of a ticket source) has got: the newest event time it has handled, and when it last ran.",
      inputSchema: { source: markSource },
      outputSchema: { mark: MarkOut },
      annotations: READ_ONLY,
    },
    async (a) => {
      const m = await store.ingestion(a.source);
      return toolResult({ mark: m ?? { source: a.source, lastRunAt: null, highWater: null, stats: {} } });
    },
  );

  server.registerTool(
    "set_mark",
    {
      title: "Set a high-water mark",
      description: "Record that a recurring job has handled everything up to highWater (event time), with its run's stats. A mark never moves back: an older highWater keeps the newer one.",
      inputSchema: { source: markSource, highWater: time, stats: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}) },
      outputSchema: { mark: MarkOut },
      annotations: WRITES,
    },
    async (a) => {
      const before = await store.ingestion(a.source);
      const given = new Date(a.highWater).toISOString();
      const keep = before?.highWater && before.highWater > given ? before.highWater : given;
      await store.markIngestion(a.source, keep, a.stats);
      return toolResult({ mark: (await store.ingestion(a.source)) ?? { source: a.source, lastRunAt: null, highWater: keep, stats: a.stats } });
    },
  );

  server.registerTool(
    "record_decision",
    {
      title: "Record a decision",
      description:
        "Record a decision trace (question, conclusion, evidence, reasoning, author) linked to every evidence node. Evidence must be nodes already in the graph (see search); recording the same trace twice adds nothing.",
      inputSchema: DecisionTrace.shape,
      outputSchema: { id: z.string(), evidence: z.number().int(), created: z.boolean().describe("False when this trace was already recorded") },
      annotations: WRITES,
    },
    async (a) => {
      await service.requireEvidence(a.evidence);
      return toolResult(await recordDecision(store, a));
    },
  );

  server.registerTool(
    "ingest_adrs",
    {
      title: "Ingest ADRs",
      description: "Read Architecture Decision Records (doc/adr, docs/adr: adr-tools; docs/decisions: MADR) at a revision into decision nodes, with what they govern and supersede.",
      inputSchema: { rev: z.string().optional().describe("Revision to read them at (default: the working tree)") },
      outputSchema: {
        revision: z.string(),
        adrs: z.array(z.object({ id: z.string(), path: z.string(), title: z.string(), status: z.string() })),
        errors: z.array(z.object({ path: z.string(), message: z.string() })).describe("Files that did not parse; the rest were ingested"),
        result: z.object({ nodesAdded: z.number(), nodesUpdated: z.number(), edgesAdded: z.number(), edgesRetired: z.number(), edgesClosed: z.number() }),
      },
      annotations: WRITES,
    },
    async (a) => {
      const r = await ingestAdrs(store, service.repo, a.rev);
      const { episode: _episode, ...result } = r.result;
      return toolResult({ ...r, result });
    },
  );

  server.registerTool(
    "graph_status",
    {
      title: "Graph status",
      description: "Counts of nodes by kind and current edges by kind, episodes, and the last ingestion of each source.",
      inputSchema: {},
      outputSchema: {
        nodes: z.record(z.string(), z.number()),
        edges: z.record(z.string(), z.number()),
        episodes: z.number(),
        ingestions: z.array(z.object({ source: z.string(), lastRunAt: z.string(), highWater: z.string().nullable(), stats: z.record(z.string(), z.unknown()) })),
      },
      annotations: READ_ONLY,
    },
    async () => toolResult(await store.status()),
  );
}
