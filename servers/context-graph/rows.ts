import { createHash } from "node:crypto";
import { redact, redactJson, type RedactOptions, redactStored } from "../../core/redact.js";
import { DECISION_TRACE_PREFIX } from "./decisions.js";
import { authorityRank, EdgeInput, EpisodeInput, type GraphEdge, type GraphNode, type IngestBatch, kindOf, NodeInput, type NodeKind, type TimeFilter, toUtc } from "./model.js";

/**
 * What both context-graph backends store and how: the rows, what is redacted before a write, an assertion's
 * fingerprint, and what a row reads back as. The SQL around them is each backend's own.
 */

/** Far future: "known at" with no time given means everything recorded and not retracted. */
export const END_OF_TIME = "9999-12-31T23:59:59.999Z";

export interface EdgeRow {
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

export interface NodeRow {
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

export type ParsedBatch = {
  episode: ReturnType<typeof EpisodeInput.parse> | undefined;
  nodes: Array<ReturnType<typeof NodeInput.parse>>;
  edges: Array<ReturnType<typeof EdgeInput.parse>>;
  closures: NonNullable<IngestBatch["closures"]>;
};

/** Validates every batch before anything is written: a bad item leaves the graph untouched. */
export function parseBatches(batches: readonly IngestBatch[]): ParsedBatch[] {
  return batches.map((batch) => ({
    episode: batch.episode ? EpisodeInput.parse(batch.episode) : undefined,
    nodes: (batch.nodes ?? []).map((n) => NodeInput.parse(n)),
    edges: (batch.edges ?? []).map((e) => EdgeInput.parse(e)),
    closures: batch.closures ?? [],
  }));
}

/** An episode as stored: redacted before anything is derived from it, since its id hashes what is stored. */
export function episodeRow(episode: NonNullable<ParsedBatch["episode"]>): { id: string; source: string; ref: string; text: string; occurredAt: string | null } {
  const text = redactStored(episode.text, episodeRedaction(episode.source)).text;
  const source = redact(episode.source).text;
  const ref = redact(episode.ref).text;
  return { id: `episode:${sha1(`${source}\0${ref}\0${text}`)}`, source, ref, text, occurredAt: episode.occurredAt ? toUtc(episode.occurredAt) : null };
}

export interface NodeWrite {
  id: string;
  title: string;
  text: string;
  props: Record<string, unknown>;
}

/**
 * What a node write stores, given the row already there: a new row, changed columns, or nothing. Every
 * string a node stores is redacted here, whoever wrote it (history, tickets, ADRs, simulations with the
 * values that crossed them, decisions, transcripts): its title, its text and its props, structurally. Ids
 * are not: they are keys (shas, paths, ticket keys), and a redacted id would be another node.
 */
export function nodeChange(
  n: NodeWrite,
  existing: NodeRow | undefined,
  occurredAt: string | undefined,
): { insert: Omit<NodeRow, "recorded_at" | "updated_at"> } | { update: Pick<NodeRow, "title" | "body" | "props" | "occurred_at"> } | undefined {
  const kind = kindOf(n.id);
  const how = nodeRedaction(n.id, kind);
  const text = redactStored(n.text, how).text;
  const given = redact(n.title, how).text;
  const nodeProps = redactJson(n.props, how).value;
  if (!existing) {
    const title = given || n.id.slice(kind.length + 1);
    return { insert: { id: n.id, kind, title, body: text, props: JSON.stringify(nodeProps), occurred_at: occurredAt ? toUtc(occurredAt) : null } };
  }
  const props = JSON.stringify({ ...(JSON.parse(existing.props) as Record<string, unknown>), ...nodeProps });
  const title = given || existing.title;
  const body = text || existing.body;
  const occurred = occurredAt ? toUtc(occurredAt) : existing.occurred_at;
  if (title === existing.title && body === existing.body && props === existing.props && occurred === existing.occurred_at) return undefined;
  return { update: { title, body, props, occurred_at: occurred } };
}

/** An edge assertion as a row to insert, with its fingerprint. */
export function edgeRow(e: ReturnType<typeof EdgeInput.parse>, now: string): Omit<EdgeRow, "id" | "retracted_at"> {
  const row = {
    src: e.src,
    rel: e.rel,
    dst: e.dst,
    claim_key: e.key ?? e.dst,
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
  return row;
}

/** Open claims a new claim retires: same revision, and never one of higher authority (both stay visible). */
export function retiredBy<T extends { at_rev: string | null; authority_rank: number }>(open: readonly T[], row: { at_rev: string | null; authority_rank: number }): T[] {
  return open.filter((o) => o.at_rev === row.at_rev && o.authority_rank <= row.authority_rank);
}

export function timeParams(filter: TimeFilter | undefined): { asOf: string | null; knownAt: string } {
  return {
    asOf: filter?.asOf ? toUtc(filter.asOf) : null,
    knownAt: filter?.asKnownAt ? toUtc(filter.asKnownAt) : END_OF_TIME,
  };
}

/** Words of a search text: letters, digits and underscores; everything else separates. */
export function searchTokens(text: string): string[] {
  return text.match(/[\p{L}\p{N}_]+/gu) ?? [];
}

export function toNode(r: NodeRow): GraphNode {
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

export function toEdge(r: EdgeRow, episodes: string[]): GraphEdge {
  return {
    id: Number(r.id),
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
    provenance: { episodes, method: r.method, authority: r.authority, confidence: Number(r.confidence) },
  };
}
