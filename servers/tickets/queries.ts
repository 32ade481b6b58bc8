import { UserError } from "../../core/errors.js";
import { readLog } from "../git-history/log.js";
import { ownership } from "../git-history/views.js";
import type { CodeRef, Ticket } from "./model.js";
import { hasFilter } from "./rows.js";
import type { SearchFilters, TicketStore } from "./store.js";
import { fileOf } from "../../core/span.js";
import { corpusOf, NO_CONTEXT, scorerFor, termCounts, type Corpus, type Prepared, type RepoContext, type ScorePart, type Similarity } from "./similarity.js";

/** Search, duplicates, components and owners over the imported tickets. */

export interface TicketHit {
  key: string;
  title: string;
  status: string;
  kind: string;
  created: string;
  score: number;
}

function hit(t: Ticket, score: number): TicketHit {
  return { key: t.key, title: t.title, status: t.status, kind: t.kind, created: t.created, score: Math.round(score * 1000) / 1000 };
}

/**
 * Tickets with all the words (else, when none has them all, any of them), best first, with filters. With no
 * query, the tickets the filters let through, newest created first; with neither, nothing to go on.
 */
export async function searchTickets(store: TicketStore, text: string | undefined, filters: SearchFilters, limit = 200): Promise<TicketHit[]> {
  if (text === undefined || text.trim() === "") {
    if (!hasFilter(filters)) throw new UserError("search_tickets got no query and no filter: expected a query (words to find) or a filter (status, label, component, kind, createdAfter, createdBefore)");
    return (await store.search([], "all", filters, limit)).map((r) => hit(r.ticket, r.score));
  }
  const words = text.match(/[\p{L}\p{N}_]+/gu) ?? [];
  if (words.length === 0) throw new UserError(`query "${text}" has no words: expected words to search ticket titles, bodies and comments for`);
  let rows = await store.search(words, "all", filters, limit);
  if (rows.length === 0 && words.length > 1) rows = await store.search(words, "any", filters, limit);
  return rows.map((r) => hit(r.ticket, r.score));
}

export interface SimilarTicket extends TicketHit {
  textScore: number;
  codeScore: number;
  match: Similarity["match"];
  parts: ScorePart[];
  sharedCode: string[];
  sharedTerms: string[];
  discounted: string[];
}

/** The corpus and every ticket as the scorer reads it, kept while the imported tickets stay the same. */
const prepared = new WeakMap<TicketStore, { fingerprint: string; byKey: Map<string, { ticket: Ticket; prepared: Prepared }>; corpus: Corpus }>();

async function preparedTickets(store: TicketStore): Promise<{ byKey: Map<string, { ticket: Ticket; prepared: Prepared }>; corpus: Corpus }> {
  const all = await store.changedSince(undefined, undefined);
  const fingerprint = all.map((s) => `${s.ticket.key}\0${s.contentHash}`).sort().join("\n");
  const known = prepared.get(store);
  if (known?.fingerprint === fingerprint) return known;
  const byKey = new Map<string, { ticket: Ticket; prepared: Prepared }>();
  for (const { ticket: t } of all) {
    const text = `${t.title}\n${t.title}\n${t.body}\n${t.comments.map((c) => c.body).join("\n")}`;
    byKey.set(t.key, { ticket: t, prepared: { key: t.key, terms: termCounts(text), text: text.toLowerCase(), refs: await store.codeRefs(t.key) } });
  }
  const entry = { fingerprint, byKey, corpus: corpusOf([...byKey.values()].map((v) => v.prepared)) };
  prepared.set(store, entry);
  return entry;
}

/**
 * Every other ticket scored against this one (similarity.ts: code evidence first, then words that tell tickets
 * apart), best first, with the parts of each score and their evidence. With the repo's context, its issue
 * templates' words and its public API count for little or nothing.
 */
export async function similarTickets(store: TicketStore, key: string, limit = 10, context: RepoContext = NO_CONTEXT): Promise<SimilarTicket[]> {
  const stored = await store.get(key);
  if (!stored) throw new UserError(`unknown ticket "${key}": expected a key of an imported ticket (see search_tickets)`);
  const { byKey, corpus } = await preparedTickets(store);
  const own = byKey.get(key);
  if (!own) return [];
  const out: SimilarTicket[] = [];
  const score = scorerFor(own.prepared, corpus, context);
  for (const [k, other] of byKey) {
    if (k === key) continue;
    const s = score(other.prepared);
    if (s.score <= 0) continue;
    out.push({ ...hit(other.ticket, s.score), textScore: s.text, codeScore: s.code, match: s.match, parts: s.parts, sharedCode: s.sharedCode, sharedTerms: s.sharedTerms, discounted: s.discounted });
  }
  return out.sort((a, b) => b.score - a.score || a.key.localeCompare(b.key)).slice(0, limit);
}

function pathOf(r: CodeRef): string | undefined {
  if (!r.target || r.kind === "commit" || r.kind === "config") return undefined;
  return fileOf(r.target);
}

export interface ComponentGuess {
  component: string | null;
  files: string[];
  basis: "references" | "similar-tickets" | "report-words" | "none";
  owner: { name: string; share: number; basis: string } | null;
}

/**
 * A ticket's likely component (its files' common folder) and owner (main developer of those files). With a
 * revision, from its references at that revision and the history up to it.
 */
export async function componentAndOwner(store: TicketStore, repo: string, key: string, at: { rev?: string; refs?: readonly CodeRef[]; located?: () => Promise<readonly string[]> } = {}): Promise<ComponentGuess> {
  const refs = at.refs ?? (await store.codeRefs(key));
  // Tests that quote its message say where it was checked: they count only when the ticket names nothing else.
  const inCode = refs.filter((r) => r.kind !== "test-message" && pathOf(r) !== undefined);
  let files = [...new Set((inCode.length ? inCode : refs).map(pathOf).filter((p): p is string => p !== undefined))];
  let basis: ComponentGuess["basis"] = "references";
  if (files.length === 0) {
    basis = "similar-tickets";
    // Only tickets alike enough to be possible duplicates: a weak match's files say nothing of this one.
    for (const s of (await similarTickets(store, key, 3)).filter((x) => x.match !== "weak")) files.push(...(await store.codeRefs(s.key)).map(pathOf).filter((p): p is string => p !== undefined));
    files = [...new Set(files)];
  }
  // Last, the file the report's words point at (locate_ticket's first): weaker than any reference.
  if (files.length === 0 && at.located) {
    files = [...(await at.located())];
    if (files.length) basis = "report-words";
  }
  if (files.length === 0) return { component: null, files: [], basis: "none", owner: null };
  const folders = new Map<string, number>();
  for (const f of files) {
    const folder = f.includes("/") ? f.slice(0, f.lastIndexOf("/")) : ".";
    folders.set(folder, (folders.get(folder) ?? 0) + 1);
  }
  const component = [...folders].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null;
  const log = await readLog(repo, [at.rev ?? "HEAD"], files).catch(() => []);
  const rows = ownership(log, { now: new Date(), departed: [], paths: new Set(files) });
  const lines = new Map<string, number>();
  for (const c of log) for (const f of c.files) if (files.includes(f.path)) lines.set(c.author.name, (lines.get(c.author.name) ?? 0) + f.added);
  const total = [...lines.values()].reduce((a, b) => a + b, 0);
  const top = [...lines].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
  const owner = top && total ? { name: top[0], share: Math.round((top[1] / total) * 100) / 100, basis: `added lines in ${rows.length} file(s) it names` } : null;
  return { component, files: files.sort(), basis, owner };
}
