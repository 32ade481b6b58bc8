import { errorLine } from "../../core/errors.js";
import { listTree, listWorktree, readFilesAt, resolveRevision, WORKTREE } from "../../core/git.js";
import { type Adr, isAdrPath, parseAdr } from "./adr.js";
import type { EdgeInput, IngestBatch, IngestResult } from "./model.js";
import type { ContextGraphStore } from "./store.js";

export const ADR_METHOD = "adr-parser@1";

export interface AdrIngestion {
  revision: string;
  adrs: Array<{ id: string; path: string; title: string; status: string }>;
  errors: Array<{ path: string; message: string }>;
  result: IngestResult;
}

export function decisionId(path: string): string {
  return `decision:${path}`;
}

function mentionNode(m: string): string {
  return m.includes("#") ? `symbol:${m}` : `file:${m}`;
}

/**
 * Reads every ADR of a revision and records decisions, what they govern and how they supersede or amend
 * each other, in one transaction. A file that does not parse is reported and skipped; the rest load.
 * Decisions superseded by a later one stop governing at the later one's date.
 */
export async function ingestAdrs(store: ContextGraphStore, repo: string, rev: string = WORKTREE): Promise<AdrIngestion> {
  const revision = await resolveRevision(repo, rev);
  const atRev = revision.commit ?? WORKTREE;
  const allPaths = new Set(revision.commit ? (await listTree(repo, revision.commit)).map((e) => e.path) : await listWorktree(repo));
  const files = await readFilesAt(repo, revision, isAdrPath);
  const parsed: Array<{ adr: Adr; text: string }> = [];
  const errors: AdrIngestion["errors"] = [];
  for (const f of files) {
    try {
      parsed.push({ adr: parseAdr(f.path, f.text, (p) => allPaths.has(p)), text: f.text });
    } catch (err) {
      errors.push({ path: f.path, message: errorLine(err) });
    }
  }
  const byPath = new Map(parsed.map((p) => [p.adr.path, p.adr]));
  const provenance = (episodes: string[] = []) => ({ method: ADR_METHOD, authority: "deterministic" as const, confidence: 1, episodes });

  const batches: IngestBatch[] = parsed.map(({ adr, text }) => {
    const id = decisionId(adr.path);
    const edges: EdgeInput[] = adr.mentions.map((m) => ({
      src: id,
      rel: "governs",
      dst: mentionNode(m),
      atRev,
      ...(adr.date ? { validFrom: adr.date } : {}),
      provenance: provenance(),
    }));
    for (const link of adr.links) {
      const [src, dst] = link.reverse ? [link.target, adr.path] : [adr.path, link.target];
      const date = byPath.get(src)?.date;
      edges.push({ src: decisionId(src), rel: link.rel, dst: decisionId(dst), atRev, ...(date ? { validFrom: date } : {}), provenance: provenance() });
    }
    return {
      episode: { source: "adr", ref: adr.path, text, ...(adr.date ? { occurredAt: adr.date } : {}) },
      nodes: [
        {
          id,
          title: `${adr.number !== null ? `ADR ${String(adr.number).padStart(4, "0")}: ` : ""}${adr.title}`,
          text: [adr.title, adr.context, adr.decision, adr.consequences].filter(Boolean).join("\n\n"),
          props: { path: adr.path, format: adr.format, number: adr.number, status: adr.status, context: adr.context, decision: adr.decision, consequences: adr.consequences },
          ...(adr.date ? { occurredAt: adr.date } : {}),
        },
      ],
      edges,
    };
  });

  // A superseded decision stops governing when its successor was decided.
  const closures: NonNullable<IngestBatch["closures"]> = [];
  for (const adr of parsed.map((p) => p.adr)) {
    for (const link of adr.links.filter((l) => l.rel === "supersedes")) {
      const [newer, older] = link.reverse ? [byPath.get(link.target), adr] : [adr, byPath.get(link.target)];
      if (!newer?.date || !older) continue;
      for (const m of older.mentions) closures.push({ src: decisionId(older.path), rel: "governs", key: mentionNode(m), validTo: newer.date });
    }
  }
  batches.push({ closures });

  const result = await store.ingestAll(batches);
  await store.markIngestion("adr", atRev, { adrs: parsed.length, errors: errors.length });
  return {
    revision: revision.name,
    adrs: parsed.map(({ adr }) => ({ id: decisionId(adr.path), path: adr.path, title: adr.title, status: adr.status })),
    errors,
    result,
  };
}
