import { UserError } from "../../core/errors.js";
import { redactJson } from "../../core/redact.js";
import type { CodeRef, Ticket } from "./model.js";
import { redactTicket, type SearchFilters, type StoredTicket, type TicketSave } from "./store.js";

/** What both ticket stores share: the rows they write and read, and the search filters as SQL. */

const TICKET_COLUMNS = [
  "key",
  "source",
  "kind",
  "title",
  "body",
  "comments",
  "status",
  "labels",
  "components",
  "created_at",
  "updated_at",
  "data",
  "redactions",
  "content_hash",
  "imported_at",
] as const;

/** The upsert of one ticket row; `param(i)` writes the i-th (1-based) placeholder of the dialect. */
export function upsertTicketSql(param: (i: number) => string): string {
  return `INSERT INTO tk_ticket (${TICKET_COLUMNS.join(", ")}) VALUES (${TICKET_COLUMNS.map((_, i) => param(i + 1)).join(", ")})
    ON CONFLICT (key) DO UPDATE SET ${TICKET_COLUMNS.filter((c) => c !== "key").map((c) => `${c} = excluded.${c}`).join(", ")}`;
}

/** A ticket's row values in column order, redacted whoever saves it. */
export function ticketValues({ ticket, redactions, contentHash }: TicketSave, now: string): { key: string; values: unknown[] } {
  const t = redactTicket(ticket).ticket;
  const values = [
    t.key,
    t.source,
    t.kind,
    t.title,
    t.body,
    t.comments.map((c) => c.body).join("\n\n"),
    t.status.toLowerCase(),
    JSON.stringify(t.labels),
    JSON.stringify(t.components),
    t.created,
    t.updated ?? null,
    JSON.stringify(t),
    JSON.stringify(redactions),
    contentHash,
    now,
  ];
  return { key: t.key, values };
}

/** A ticket's code references as rows (key, kind, text, target, ord, location, mapping), redacted. */
export function refValues(key: string, refs: readonly CodeRef[]): unknown[][] {
  return redactJson(refs).value.map((r) => [key, r.kind, r.text, r.target, r.order ?? null, r.location ?? null, r.mapping ?? null]);
}

/** The columns of tk_code_ref a reference is read from. */
export const REF_COLUMNS = "kind, text, target, ord, location, mapping";

export const STORED_COLUMNS = "key, data, redactions, content_hash, imported_at";

export interface StoredRow {
  key: string;
  data: string;
  redactions: string;
  content_hash: string;
  imported_at: string;
}

export function toStored(r: StoredRow): StoredTicket {
  return { ticket: JSON.parse(r.data) as Ticket, redactions: JSON.parse(r.redactions) as StoredTicket["redactions"], contentHash: r.content_hash, importedAt: r.imported_at };
}

export interface RefRow {
  kind: CodeRef["kind"];
  text: string;
  target: string | null;
  ord: number | null;
  location: string | null;
  mapping: string | null;
}

export function toCodeRef(r: RefRow): CodeRef {
  return {
    kind: r.kind,
    text: r.text,
    target: r.target,
    ...(r.ord !== null ? { order: r.ord } : {}),
    ...(r.location !== null ? { location: r.location } : {}),
    ...(r.mapping === "source-map" || r.mapping === "layout" ? { mapping: r.mapping } : {}),
  };
}

export function byTicket(rows: ReadonlyArray<{ key: string; target: string }>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of rows) out.set(r.key, (out.get(r.key) ?? new Set()).add(r.target));
  return out;
}

export function toHit(r: { data: string; score: number | string }, sign: 1 | -1): { ticket: Ticket; score: number } {
  return { ticket: JSON.parse(r.data) as Ticket, score: sign * Number(r.score) };
}

/** Search words as index terms: letters and digits only, so no word is read as query syntax on either backend. */
export function searchTerms(words: readonly string[]): string[] {
  return [...new Set(words.flatMap((w) => w.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []))];
}

/** Positional parameters collected while a statement is written, in the dialect's placeholder form. */
export class Params {
  readonly values: unknown[] = [];
  constructor(private readonly placeholder: (i: number) => string) {}
  add(v: unknown): string {
    this.values.push(v);
    return this.placeholder(this.values.length);
  }
}

export interface FilterDialect {
  /** The condition "this JSON array column holds the value". */
  hasElement(column: "labels" | "components", placeholder: string): string;
  /** Appended to text compared or ordered as times: byte order, as ISO times sort. */
  collate: string;
}

function isoTime(name: string, value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UserError(`filter ${name} "${value}" is not a time: expected an ISO 8601 date-time such as 2026-03-04T00:00:00Z`);
  // Stored times are toISOString()'s form; a filter in another form would compare wrongly as text.
  return new Date(ms).toISOString();
}

/** The filters as conditions over the ticket table `t`. */
export function filterConditions(f: SearchFilters, p: Params, d: FilterDialect): string[] {
  const where: string[] = [];
  if (f.status) where.push(`t.status = lower(${p.add(f.status)})`);
  if (f.kind) where.push(`t.kind = ${p.add(f.kind)}`);
  if (f.label) where.push(d.hasElement("labels", p.add(f.label)));
  if (f.component) where.push(d.hasElement("components", p.add(f.component)));
  if (f.createdAfter) where.push(`t.created_at${d.collate} >= ${p.add(isoTime("createdAfter", f.createdAfter))}`);
  if (f.createdBefore) where.push(`t.created_at${d.collate} < ${p.add(isoTime("createdBefore", f.createdBefore))}`);
  return where;
}

/** True when any filter is set. */
export function hasFilter(f: SearchFilters): boolean {
  return Object.values(f).some((v) => v !== undefined && v !== "");
}
