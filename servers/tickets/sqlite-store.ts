import type Database from "better-sqlite3";
import { type Db, migrate, statementCache } from "../../core/db.js";
import type { CodeRef } from "./model.js";
import { byTicket, filterConditions, Params, type RefRow, REF_COLUMNS, refValues, searchTerms, STORED_COLUMNS, type StoredRow, ticketValues, toCodeRef, toHit, toStored, upsertTicketSql } from "./rows.js";
import { SQLITE_TICKET_MIGRATIONS } from "./schema.js";
import type { SearchFilters, SearchMode, StoredTicket, TicketSave, TicketStore } from "./store.js";

const UPSERT = upsertTicketSql(() => "?");
const DIALECT = { hasElement: (column: string, p: string) => `EXISTS (SELECT 1 FROM json_each(t.${column}) WHERE value = ${p})`, collate: "" };

/** The embedded ticket store: tables in the repo's SQLite file, searched with FTS5 (porter-stemmed, bm25). */
export class SqliteTicketStore implements TicketStore {
  private readonly stmt: (sql: string) => Database.Statement;

  constructor(readonly db: Db) {
    migrate(db, "tickets", SQLITE_TICKET_MIGRATIONS);
    this.stmt = statementCache(db);
  }

  close(): void {
    this.db.close();
  }

  async contentHash(key: string): Promise<string | undefined> {
    return (this.stmt("SELECT content_hash FROM tk_ticket WHERE key = ?").get(key) as { content_hash: string } | undefined)?.content_hash;
  }

  async save(items: readonly TicketSave[], now: string): Promise<void> {
    this.db
      .transaction(() => {
        for (const item of items) {
          const { key, values } = ticketValues(item, now);
          this.stmt(UPSERT).run(...values);
          this.stmt("DELETE FROM tk_code_ref WHERE key = ?").run(key);
          const ins = this.stmt("INSERT INTO tk_code_ref (key, kind, text, target, ord, location, mapping) VALUES (?, ?, ?, ?, ?, ?, ?)");
          for (const r of refValues(key, item.refs)) ins.run(...r);
        }
      })
      .immediate();
  }

  async get(key: string): Promise<StoredTicket | undefined> {
    const r = this.stmt(`SELECT ${STORED_COLUMNS} FROM tk_ticket WHERE key = ?`).get(key) as StoredRow | undefined;
    return r ? toStored(r) : undefined;
  }

  async codeRefs(key: string): Promise<CodeRef[]> {
    return (this.stmt(`SELECT ${REF_COLUMNS} FROM tk_code_ref WHERE key = ? ORDER BY rowid`).all(key) as RefRow[]).map(toCodeRef);
  }

  async ticketsReferencing(targets: readonly string[]): Promise<Map<string, Set<string>>> {
    if (targets.length === 0) return new Map();
    // json_each: one statement whatever the number of targets (no limit on bound variables to meet).
    const rows = this.stmt("SELECT key, target FROM tk_code_ref WHERE target IN (SELECT value FROM json_each(?))").all(JSON.stringify(targets)) as Array<{ key: string; target: string }>;
    return byTicket(rows);
  }

  async search(words: readonly string[], mode: SearchMode, filters: SearchFilters, limit: number): Promise<Array<{ ticket: StoredTicket["ticket"]; score: number }>> {
    const p = new Params(() => "?");
    const terms = searchTerms(words);
    if (words.length > 0 && terms.length === 0) return [];
    const match = terms.length ? `tk_ticket_fts MATCH ${p.add(terms.map((t) => `"${t}"`).join(mode === "all" ? " " : " OR "))}` : undefined;
    const where = [...(match ? [match] : []), ...filterConditions(filters, p, DIALECT)];
    const cond = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const sql = match
      ? `SELECT t.data, bm25(tk_ticket_fts, 3.0, 2.0, 1.0, 0.5) AS score FROM tk_ticket_fts JOIN tk_ticket t ON t.rowid = tk_ticket_fts.rowid ${cond} ORDER BY score, t.key LIMIT ${p.add(limit)}`
      : `SELECT t.data, 0 AS score FROM tk_ticket t ${cond} ORDER BY t.created_at DESC, t.key LIMIT ${p.add(limit)}`;
    // bm25 is lower for better matches: negated, a higher score is better on both backends.
    return (this.db.prepare(sql).all(...p.values) as Array<{ data: string; score: number }>).map((r) => toHit(r, -1));
  }

  async changedSince(source: string | undefined, since: string | undefined): Promise<StoredTicket[]> {
    const rows = this.stmt(
      `SELECT ${STORED_COLUMNS} FROM tk_ticket
       WHERE (@source IS NULL OR source = @source) AND (@since IS NULL OR COALESCE(updated_at, created_at) > @since)
       ORDER BY COALESCE(updated_at, created_at), key`,
    ).all({ source: source ?? null, since: since ?? null }) as StoredRow[];
    return rows.map(toStored);
  }

  async postedComment(key: string, revision: string): Promise<{ url: string; postedAt: string } | undefined> {
    const r = this.stmt("SELECT url, posted_at FROM tk_comment WHERE key = ? AND revision = ?").get(key, revision) as { url: string; posted_at: string } | undefined;
    return r ? { url: r.url, postedAt: r.posted_at } : undefined;
  }

  async recordComment(key: string, revision: string, url: string, at: string): Promise<void> {
    this.stmt("INSERT INTO tk_comment (key, revision, url, posted_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING").run(key, revision, url, at);
  }

  async count(): Promise<number> {
    return (this.stmt("SELECT COUNT(*) AS n FROM tk_ticket").get() as { n: number }).n;
  }
}
