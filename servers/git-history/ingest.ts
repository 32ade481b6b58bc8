import { UserError } from "../../core/errors.js";
import { git, isAncestor, isCommitId, resolveRevision } from "../../core/git.js";
import type { EdgeInput, IngestBatch, NodeInput } from "../context-graph/model.js";
import type { ContextGraphStore } from "../context-graph/store.js";
import type { CommitCache } from "./commits.js";
import type { ShapeCache } from "./shapes.js";
import { readLog, type Commit } from "./log.js";
import { suspectsOfFix } from "./suspects.js";
import { ticketRefs } from "./ticket-keys.js";

/**
 * Git history into the context graph: commits, people (merged by the repo's mailmap), files, `modifies`
 * edges at commit time, ticket keys as `references`/`fixes` edges to ticket nodes (stubs until the tickets
 * server fills them), and each fix commit's `induced-by` candidates (SZZ). Incremental: a run ingests only
 * commits it has not seen; when history was rewritten, facts of commits no longer reachable are closed.
 */
export const GIT_METHOD = "git-log@1";
export const SOURCE = "git";

export interface HistoryIngestion {
  head: string;
  ingested: number;
  dropped: number;
  fixes: number;
  suspects: number;
  forcePushDetected: boolean;
}

const prov = { method: GIT_METHOD, authority: "deterministic" as const, confidence: 1 };

function commitBatch(c: Commit): IngestBatch {
  const id = `commit:${c.sha}`;
  const person = `person:${c.author.email || c.author.name}`;
  const nodes: NodeInput[] = [
    {
      id,
      title: c.subject,
      text: c.message,
      occurredAt: c.committedAt,
      props: { sha: c.sha, parents: c.parents, author: c.author.name, email: c.author.email, authoredAt: c.authoredAt, files: c.files.length },
    },
    { id: person, title: c.author.name, props: { email: c.author.email } },
  ];
  const edges: EdgeInput[] = [{ src: person, rel: "authored", dst: id, validFrom: c.authoredAt, atRev: c.sha, provenance: prov }];
  for (const f of c.files) {
    edges.push({
      src: id,
      rel: "modifies",
      dst: `file:${f.path}`,
      validFrom: c.committedAt,
      atRev: c.sha,
      props: { added: f.added, deleted: f.deleted, ...(f.oldPath ? { renamedFrom: f.oldPath } : {}) },
      provenance: prov,
    });
  }
  for (const t of ticketRefs(c.message)) {
    edges.push({ src: id, rel: t.relation, dst: `ticket:${t.key}`, validFrom: c.committedAt, atRev: c.sha, props: { kind: t.kind }, provenance: prov });
  }
  return { episode: { source: SOURCE, ref: c.sha, text: c.message, occurredAt: c.committedAt }, nodes, edges };
}

/** A commit that says it fixes something: a closing keyword for a ticket, or a subject that starts with fix. */
export function isFixCommit(c: Commit): boolean {
  return c.parents.length === 1 && (ticketRefs(c.message).some((t) => t.relation === "fixes") || /^(fix|bugfix|hotfix)\b/i.test(c.subject));
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

export async function ingestHistory(
  store: ContextGraphStore,
  repo: string,
  commits: CommitCache,
  options: { now?: () => string; shapes?: ShapeCache } = {},
): Promise<HistoryIngestion> {
  const head = (await resolveRevision(repo, "HEAD").catch(() => {
    throw new UserError(`${repo} has no commits yet: commit something, then ingest its history`);
  })).commit as string;
  const mark = await store.ingestion(SOURCE);
  // The mark is only ever a commit id this ingestion wrote; anything else is no mark (every commit is read again, and the known ones skipped).
  const previous = mark?.highWater && isCommitId(mark.highWater) ? mark.highWater : null;
  let forcePushDetected = false;
  const closures: NonNullable<IngestBatch["closures"]> = [];
  const droppedNodes: NodeInput[] = [];
  const now = options.now?.() ?? new Date().toISOString();
  const commitNodes = await store.listNodes("commit");
  if (previous && previous !== head && !(await isAncestor(repo, previous, head))) {
    // History was rewritten: the commits only the old tip reached no longer hold. Close their facts.
    forcePushDetected = true;
    const reachable = new Set((await git(repo).raw(["rev-list", "--end-of-options", head])).split("\n").filter(Boolean));
    for (const node of commitNodes) {
      if (reachable.has(node.id.slice("commit:".length)) || node.props.dropped) continue;
      droppedNodes.push({ id: node.id, title: node.title, props: { dropped: true, droppedAt: now } });
      for (const e of await store.edgesOf(node.id, { direction: "out" })) if (!e.validTo) closures.push({ src: e.src, rel: e.rel, key: e.key, validTo: now });
      for (const e of await store.edgesOf(node.id, { direction: "in", rels: ["authored"] })) if (!e.validTo) closures.push({ src: e.src, rel: e.rel, key: e.key, validTo: now });
    }
  }
  const known = new Set(commitNodes.map((n) => n.id.slice("commit:".length)));
  const range = previous && !forcePushDetected && previous !== head ? [head, `^${previous}`] : [head];
  const fresh = previous === head ? [] : (await readLog(repo, range)).filter((c) => !known.has(c.sha));
  // Oldest first, so that stubs become full nodes in the order the history happened.
  fresh.reverse();
  const batches = fresh.map(commitBatch);

  const fixes = fresh.filter(isFixCommit);
  const suspects = await mapLimit(fixes, 4, async (fix) => ({ fix, candidates: await suspectsOfFix(repo, commits, fix.sha, { ...(options.shapes ? { shapes: options.shapes } : {}) }).catch(() => []) }));
  let suspectEdges = 0;
  for (const { fix, candidates } of suspects) {
    const edges: EdgeInput[] = candidates.map((s) => ({
      src: `commit:${fix.sha}`,
      rel: "induced-by",
      dst: `commit:${s.commit}`,
      validFrom: fix.committedAt,
      atRev: fix.sha,
      props: { evidence: s.evidence.slice(0, 20), ...(s.note ? { note: s.note } : {}) },
      provenance: { method: s.method, authority: "deterministic", confidence: s.confidence },
    }));
    suspectEdges += edges.length;
    if (edges.length) batches.push({ edges });
  }
  if (closures.length || droppedNodes.length) batches.push({ closures, nodes: droppedNodes });
  await store.ingestAll(batches);
  // Each fresh commit's hunks classified once (reformat, comment edit, change of meaning), so that blame walks read them.
  if (options.shapes) await options.shapes.fill(fresh.map((c) => c.sha));
  await store.markIngestion(SOURCE, head, { ingested: fresh.length, dropped: droppedNodes.length, fixes: fixes.length, suspects: suspectEdges });
  return { head, ingested: fresh.length, dropped: droppedNodes.length, fixes: fixes.length, suspects: suspectEdges, forcePushDetected };
}
