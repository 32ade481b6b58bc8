import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { z } from "zod";
import { registerContract } from "../../core/contract.js";
import { paginate } from "../../core/paging.js";
import {
  contextGraphStatus,
  contextNeighbors,
  contextTimeline,
  EdgeOut,
  evidencePath,
  getContextNode,
  getIngestionMark,
  ingestAdrsTool,
  NodeOut,
  recordDecisionTool,
  recordEpisodeTool,
  searchContext,
  setIngestionMark,
} from "./contracts.js";
import { recordDecision } from "./decisions.js";
import { recordEpisode } from "./episodes.js";
import { ingestAdrs } from "./ingest-adrs.js";
import type { GraphEdge, GraphNode, TimeFilter } from "./model.js";
import type { ContextGraphService } from "./service.js";

/** The context graph's MCP face: each contract (contracts.ts) bound to the service. */

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

export function registerContextGraphTools(server: McpServer, service: ContextGraphService): void {
  const { store } = service;

  registerContract(server, searchContext, async (a) => {
    const hits = await store.search(a.text, { kinds: a.kinds, filter: filterOf(a), limit: 500 });
    return paginate(hits.map((h) => ({ id: h.node.id, kind: h.node.kind, title: h.node.title, score: Number(h.score.toFixed(4)) })), a);
  });

  registerContract(server, getContextNode, async (a) => {
    await service.requireNode(a.id);
    const node = await store.getNode(a.id, filterOf(a));
    if (!node) return { node: nodeOut(await service.requireNode(a.id)), edges: 0 };
    return { node: nodeOut(node), edges: (await store.edgesOf(a.id, { filter: filterOf(a) })).length };
  });

  registerContract(server, contextNeighbors, async (a) => {
    await service.requireNode(a.id);
    const found = await store.neighbors(a.id, a.depth ?? 1, { rels: a.rels, direction: a.direction, filter: filterOf(a), limit: 2000 });
    const page = paginate(found, a);
    const nodes = new Map((await store.getNodes(page.items.map((n) => n.id))).map((n) => [n.id, n]));
    return {
      ...page,
      items: page.items.map((n) => ({ id: n.id, kind: nodes.get(n.id)?.kind ?? n.id.split(":")[0] ?? "", title: nodes.get(n.id)?.title ?? "", depth: n.depth })),
    };
  });

  registerContract(server, evidencePath, async (a) => {
    await service.requireNode(a.from);
    await service.requireNode(a.to);
    const path = await store.evidencePath(a.from, a.to, a.maxDepth ?? 6, { rels: a.rels, filter: filterOf(a) });
    return { found: path !== undefined, path: (path ?? []).map(edgeOut) };
  });

  registerContract(server, contextTimeline, async (a) => {
    await service.requireNode(a.id);
    return paginate((await store.edgesOf(a.id, { rels: a.rels, filter: filterOf(a) })).map(edgeOut), a);
  });

  registerContract(server, recordEpisodeTool, async (a) => await recordEpisode(store, a));

  registerContract(server, getIngestionMark, async (a) => {
    const m = await store.ingestion(a.source);
    return { mark: m ?? { source: a.source, lastRunAt: null, highWater: null, stats: {} } };
  });

  registerContract(server, setIngestionMark, async (a) => {
    const before = await store.ingestion(a.source);
    const given = new Date(a.highWater).toISOString();
    const keep = before?.highWater && before.highWater > given ? before.highWater : given;
    await store.markIngestion(a.source, keep, a.stats);
    return { mark: (await store.ingestion(a.source)) ?? { source: a.source, lastRunAt: null, highWater: keep, stats: a.stats } };
  });

  registerContract(server, recordDecisionTool, async (a) => {
    await service.requireEvidence(a.evidence);
    return await recordDecision(store, a);
  });

  registerContract(server, ingestAdrsTool, async (a) => {
    const r = await ingestAdrs(store, service.repo, a.rev);
    const { episode: _episode, ...result } = r.result;
    return { ...r, result };
  });

  registerContract(server, contextGraphStatus, async () => await store.status());
}
