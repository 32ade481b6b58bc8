import { createHash } from "node:crypto";
import type { EdgeInput, IngestBatch } from "../context-graph/model.js";
import type { ContextGraphStore } from "../context-graph/store.js";
import type { CommitCache } from "../git-history/commits.js";
import { git } from "../../core/git.js";
import { ageAdjusted, suspectsOfLocations, type SuspectCommit } from "../git-history/suspects.js";
import { extractCodeRefs, type RepoView } from "./code-refs.js";
import type { CodeRef, Ticket } from "./model.js";
import { redactTicket, type TicketSave, type TicketStore } from "./store.js";
import { frameLocation } from "./bounded.js";

/**
 * Imports normalized tickets: redacts secrets and personal data, finds the code they name, and links them
 * into the context graph (references to code, suspect commits from stack frames, incidents to what they
 * mention). Idempotent: an unchanged ticket is skipped; a changed one updates in place, its old text kept
 * as an episode, and code it no longer names stops being referenced.
 */
export const TICKET_METHOD = "ticket-import@1";

export interface ImportSummary {
  added: number;
  updated: number;
  unchanged: number;
  errors: Array<{ file: string; message: string }>;
  redactions: Array<{ key: string; rule: string; count: number }>;
}

/** Blame answers shared by tickets: many carry the same stack frames. Keyed by HEAD and the stack. */
type SuspectMemo = Map<string, Promise<SuspectCommit[]>>;

export interface ImportContext {
  store: TicketStore;
  graph: ContextGraphStore;
  repoView: () => Promise<RepoView>;
  repo: string;
  commits: CommitCache;
  suspectAgeDays: number;
  suspectMemo?: SuspectMemo;
  now?: () => string;
}

function refNode(r: CodeRef): string | undefined {
  if (!r.target) return undefined;
  if (r.kind === "commit") return `commit:${r.target}`;
  if (r.kind === "config") return r.target;
  if (r.target.includes("#")) return `symbol:${r.target}`;
  const loc = /^(.+):\d+$/.exec(r.target);
  return `file:${loc ? loc[1] : r.target}`;
}

export async function importTickets(ctx: ImportContext, tickets: readonly Ticket[], errors: ImportSummary["errors"] = []): Promise<ImportSummary> {
  const summary: ImportSummary = { added: 0, updated: 0, unchanged: 0, errors: [...errors], redactions: [] };
  const now = ctx.now?.() ?? new Date().toISOString();
  const view = await ctx.repoView();
  const memo: SuspectMemo = ctx.suspectMemo ?? new Map();
  const head = await git(ctx.repo).raw(["rev-parse", "HEAD"]).then((h) => h.trim(), () => "");
  const toSave: TicketSave[] = [];
  const batches: IngestBatch[] = [];
  const byKey = new Map<string, Ticket>();
  for (const t of tickets) byKey.set(t.key, t); // the last copy of a key wins
  for (const raw of byKey.values()) {
    const { ticket, redactions } = redactTicket(raw);
    const contentHash = createHash("sha1").update(JSON.stringify(ticket)).digest("hex");
    const previous = await ctx.store.contentHash(ticket.key);
    if (previous === contentHash) {
      summary.unchanged++;
      continue;
    }
    if (previous) summary.updated++;
    else summary.added++;
    for (const r of redactions) summary.redactions.push({ key: ticket.key, ...r });
    const text = [ticket.title, ticket.body, ...ticket.comments.map((c) => c.body)].join("\n\n");
    const refs = await extractCodeRefs(text, view);
    toSave.push({ ticket, refs, redactions, contentHash });
    batches.push(await graphBatch(ctx, ticket, refs, text, memo, head));
  }
  // Graph first, then the ticket rows: a crash between them re-imports (idempotently) next time.
  if (batches.length) await ctx.graph.ingestAll(batches);
  if (toSave.length) await ctx.store.save(toSave, now);
  return summary;
}

async function graphBatch(ctx: ImportContext, t: Ticket, refs: CodeRef[], text: string, memo: SuspectMemo, head: string): Promise<IngestBatch> {
  const id = `ticket:${t.key}`;
  const at = t.updated ?? t.created;
  const prov = { method: TICKET_METHOD, authority: "deterministic" as const, confidence: 1 };
  const edges: EdgeInput[] = [];
  const named = new Set<string>();
  for (const r of refs) {
    const dst = refNode(r);
    if (!dst || named.has(dst)) continue;
    named.add(dst);
    edges.push({ src: id, rel: "references", dst, validFrom: t.created, props: { via: r.kind, text: r.text }, provenance: prov });
  }
  if (t.kind === "incident") {
    for (const link of t.links) {
      if (/^(?:[A-Z][A-Z0-9]+-\d+|#\d+)$/.test(link)) edges.push({ src: id, rel: "mentions", dst: `ticket:${link}`, validFrom: t.started ?? t.created, provenance: prov });
    }
    for (const r of refs.filter((x) => x.kind === "commit" && x.target)) edges.push({ src: id, rel: "mentions", dst: `commit:${r.target}`, validFrom: t.started ?? t.created, provenance: prov });
  }
  // Suspects from the in-app frames of its stack trace (the git-history server's method).
  // A built file's frame is blamed where it ran in the source (its mapped location), not at the built line.
  const locations = refs.map(frameLocation).filter((l): l is string => l !== undefined);
  if (locations.length) {
    // Blame once per stack; the age of each suspect is then judged against this ticket's creation.
    const memoKey = `${head}\0${locations.join("\0")}`;
    let pending = memo.get(memoKey);
    if (!pending) {
      pending = suspectsOfLocations(ctx.repo, ctx.commits, locations, { rev: "HEAD", maxAgeDays: Number.POSITIVE_INFINITY }).catch(() => []);
      memo.set(memoKey, pending);
    }
    const suspects = (await pending).map((s) => ageAdjusted(s, new Date(t.created), ctx.suspectAgeDays));
    for (const s of suspects) {
      edges.push({
        src: `commit:${s.commit}`,
        rel: "suspect-of",
        dst: id,
        key: id,
        validFrom: t.created,
        props: { evidence: s.evidence, ...(s.note ? { note: s.note } : {}) },
        provenance: { method: s.method, authority: "deterministic", confidence: s.confidence },
      });
    }
  }
  // Code the previous version named and this one does not: those references stop holding now.
  const closures = (await ctx.graph.edgesOf(id, { direction: "out", rels: ["references"] }))
    .filter((e) => !e.validTo && !named.has(e.dst))
    .map((e) => ({ src: id, rel: "references", key: e.key, validTo: at }));
  return {
    episode: { source: `tickets:${t.source}`, ref: t.key, text: JSON.stringify(t), occurredAt: at },
    nodes: [
      {
        id,
        title: t.title,
        text,
        occurredAt: t.created,
        props: {
          kind: t.kind,
          status: t.status,
          ...(t.priority ? { priority: t.priority } : {}),
          labels: t.labels,
          components: t.components,
          customers: t.customers,
          source: t.source,
          ...(t.severity ? { severity: t.severity } : {}),
          ...(t.started ? { started: t.started } : {}),
          ...(t.ended ? { ended: t.ended } : {}),
        },
      },
    ],
    edges,
    closures,
  };
}
