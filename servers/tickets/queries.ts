import { UserError } from "../../core/errors.js";
import { readLog } from "../git-history/log.js";
import { ownership } from "../git-history/views.js";
import type { CodeRef, Ticket } from "./model.js";
import { hasFilter } from "./rows.js";
import type { SearchFilters, TicketStore } from "./store.js";
import { fileOf } from "../../core/span.js";

/** Search, duplicates, components and owners over the imported tickets. */

const STOPWORDS = new Set(
  "the a an and or of to in on for with is are was were be been it its this that when then than from by at as not no but if so we our you your they their i me my can cannot could would should will shall do does did has have had get gets got after before into out over under".split(
    " ",
  ),
);

export function terms(text: string, max = 40): string[] {
  const counts = new Map<string, number>();
  for (const w of text.toLowerCase().match(/[\p{L}\p{N}_]{3,}/gu) ?? []) if (!STOPWORDS.has(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, max).map(([w]) => w);
}

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
  sharedCode: string[];
  sharedTerms: string[];
}

/**
 * Candidates ranked by text (bm25 over the ticket's salient terms, scaled to the best candidate) plus shared
 * code references (Jaccard over resolved targets), each with the evidence shown.
 */
export async function similarTickets(store: TicketStore, key: string, limit = 10): Promise<SimilarTicket[]> {
  const stored = await store.get(key);
  if (!stored) throw new UserError(`unknown ticket "${key}": expected a key of an imported ticket (see search_tickets)`);
  const t = stored.ticket;
  const own = terms(`${t.title} ${t.title} ${t.body} ${t.comments.map((c) => c.body).join(" ")}`);
  const refs = new Set((await store.codeRefs(key)).map((r) => r.target).filter((x): x is string => x !== null));
  const byText = own.length ? await store.search(own.slice(0, 25), "any", {}, 100) : [];
  const best = Math.max(...byText.filter((r) => r.ticket.key !== key).map((r) => r.score), 1e-9);
  const candidates = new Map<string, { ticket: Ticket; text: number }>();
  for (const r of byText) if (r.ticket.key !== key) candidates.set(r.ticket.key, { ticket: r.ticket, text: r.score / best });
  const byCode = await store.ticketsReferencing([...refs]);
  for (const k of byCode.keys()) {
    if (k === key || candidates.has(k)) continue;
    const other = await store.get(k);
    if (other) candidates.set(k, { ticket: other.ticket, text: 0 });
  }
  const out: SimilarTicket[] = [];
  for (const [k, c] of candidates) {
    const theirs = new Set((await store.codeRefs(k)).map((r) => r.target).filter((x): x is string => x !== null));
    const shared = [...refs].filter((r) => theirs.has(r));
    const union = new Set([...refs, ...theirs]).size;
    const code = union ? shared.length / union : 0;
    const theirTerms = new Set(terms(`${c.ticket.title} ${c.ticket.body}`, 80));
    const score = 0.6 * c.text + 0.4 * code;
    out.push({
      ...hit(c.ticket, score),
      textScore: Math.round(c.text * 1000) / 1000,
      codeScore: Math.round(code * 1000) / 1000,
      sharedCode: shared.sort(),
      sharedTerms: own.filter((w) => theirTerms.has(w)).slice(0, 10),
    });
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
  basis: "references" | "similar-tickets" | "none";
  owner: { name: string; share: number; basis: string } | null;
}

/**
 * A ticket's likely component (its files' common folder) and owner (main developer of those files). With a
 * revision, from its references at that revision and the history up to it.
 */
export async function componentAndOwner(store: TicketStore, repo: string, key: string, at: { rev?: string; refs?: readonly CodeRef[] } = {}): Promise<ComponentGuess> {
  const refs = at.refs ?? (await store.codeRefs(key));
  // Tests that quote its message say where it was checked: they count only when the ticket names nothing else.
  const inCode = refs.filter((r) => r.kind !== "test-message" && pathOf(r) !== undefined);
  let files = [...new Set((inCode.length ? inCode : refs).map(pathOf).filter((p): p is string => p !== undefined))];
  let basis: ComponentGuess["basis"] = "references";
  if (files.length === 0) {
    basis = "similar-tickets";
    for (const s of await similarTickets(store, key, 3)) files.push(...(await store.codeRefs(s.key)).map(pathOf).filter((p): p is string => p !== undefined));
    files = [...new Set(files)];
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
