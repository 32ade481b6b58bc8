import { inTransaction, type PgDatabase, query } from "../../core/pg.js";
import type { CodeRef } from "./model.js";
import { byTicket, filterConditions, Params, type RefRow, REF_COLUMNS, refValues, searchTerms, STORED_COLUMNS, type StoredRow, ticketValues, toCodeRef, toHit, toStored, upsertTicketSql } from "./rows.js";
import { PG_TICKET_MIGRATIONS } from "./schema.js";
import type { SearchFilters, SearchMode, StoredTicket, TicketSave, TicketStore } from "./store.js";

/** Every ticket write of every machine takes this lock: writers serialize as SQLite's do, readers never wait. */
const WRITE_LOCK = "worldline:tickets:write";
const UPSERT = upsertTicketSql((i) => `$${i}`);
const placeholder = (i: number) => `$${i}`;
// COLLATE "C": times compare and sort byte-wise, as SQLite compares them, whatever the database's locale.
const DIALECT = { hasElement: (column: string, p: string) => `(t.${column}::jsonb) ? ${p}`, collate: ' COLLATE "C"' };

/** The tickets a team shares, on PostgreSQL: the same rows and answers as the SQLite store, stemmed search by tsvector. */
export class PgTicketStore implements TicketStore {
  constructor(readonly database: PgDatabase) {}

  private async rows<R extends object>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    await this.database.ready("tickets", PG_TICKET_MIGRATIONS);
    return query<R & Record<string, unknown>>(this.database.pool, sql, params);
  }

  close(): void {
    void this.database.close();
  }

  async contentHash(key: string): Promise<string | undefined> {
    return (await this.rows<{ content_hash: string }>("SELECT content_hash FROM tk_ticket WHERE key = $1", [key]))[0]?.content_hash;
  }

  async save(items: readonly TicketSave[], now: string): Promise<void> {
    await this.database.ready("tickets", PG_TICKET_MIGRATIONS);
    await inTransaction(
      this.database.pool,
      async (c) => {
        for (const item of items) {
          const { key, values } = ticketValues(item, now);
          await c.query(UPSERT, values);
          await c.query("DELETE FROM tk_code_ref WHERE key = $1", [key]);
          for (const r of refValues(key, item.refs)) await c.query("INSERT INTO tk_code_ref (key, kind, text, target, ord, location, mapping) VALUES ($1, $2, $3, $4, $5, $6, $7)", r);
        }
      },
      WRITE_LOCK,
    );
  }

  async get(key: string): Promise<StoredTicket | undefined> {
    const [r] = await this.rows<StoredRow>(`SELECT ${STORED_COLUMNS} FROM tk_ticket WHERE key = $1`, [key]);
    return r ? toStored(r) : undefined;
  }

  async codeRefs(key: string): Promise<CodeRef[]> {
    return (await this.rows<RefRow>(`SELECT ${REF_COLUMNS} FROM tk_code_ref WHERE key = $1 ORDER BY id`, [key])).map(toCodeRef);
  }

  async ticketsReferencing(targets: readonly string[]): Promise<Map<string, Set<string>>> {
    if (targets.length === 0) return new Map();
    return byTicket(await this.rows<{ key: string; target: string }>("SELECT key, target FROM tk_code_ref WHERE target = ANY($1::text[])", [[...targets]]));
  }

  async search(words: readonly string[], mode: SearchMode, filters: SearchFilters, limit: number): Promise<Array<{ ticket: StoredTicket["ticket"]; score: number }>> {
    const p = new Params(placeholder);
    const terms = searchTerms(words);
    if (words.length > 0 && terms.length === 0) return [];
    // Terms are letters and digits only, so the query text is never read as tsquery syntax.
    const q = terms.length ? `to_tsquery('english', ${p.add(terms.join(mode === "all" ? " & " : " | "))})` : undefined;
    const where = [...(q ? [`t.search @@ ${q}`] : []), ...filterConditions(filters, p, DIALECT)];
    const cond = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const sql = q
      ? `SELECT t.data, ts_rank(t.search, ${q}) AS score FROM tk_ticket t ${cond} ORDER BY score DESC, t.key COLLATE "C" LIMIT ${p.add(limit)}`
      : `SELECT t.data, 0 AS score FROM tk_ticket t ${cond} ORDER BY t.created_at COLLATE "C" DESC, t.key COLLATE "C" LIMIT ${p.add(limit)}`;
    return (await this.rows<{ data: string; score: number | string }>(sql, p.values)).map((r) => toHit(r, 1));
  }

  async changedSince(source: string | undefined, since: string | undefined): Promise<StoredTicket[]> {
    const rows = await this.rows<StoredRow>(
      `SELECT ${STORED_COLUMNS} FROM tk_ticket
       WHERE ($1::text IS NULL OR source = $1) AND ($2::text IS NULL OR COALESCE(updated_at, created_at) COLLATE "C" > $2)
       ORDER BY COALESCE(updated_at, created_at) COLLATE "C", key COLLATE "C"`,
      [source ?? null, since ?? null],
    );
    return rows.map(toStored);
  }

  async postedComment(key: string, revision: string): Promise<{ url: string; postedAt: string } | undefined> {
    const [r] = await this.rows<{ url: string; posted_at: string }>("SELECT url, posted_at FROM tk_comment WHERE key = $1 AND revision = $2", [key, revision]);
    return r ? { url: r.url, postedAt: r.posted_at } : undefined;
  }

  async recordComment(key: string, revision: string, url: string, at: string): Promise<void> {
    await this.database.ready("tickets", PG_TICKET_MIGRATIONS);
    await inTransaction(
      this.database.pool,
      async (c) => void (await c.query("INSERT INTO tk_comment (key, revision, url, posted_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", [key, revision, url, at])),
      WRITE_LOCK,
    );
  }

  async count(): Promise<number> {
    return Number((await this.rows<{ n: string }>("SELECT COUNT(*) AS n FROM tk_ticket"))[0]?.n ?? 0);
  }
}
