import type Database from "better-sqlite3";
import { type Db, type Migration, migrate, statementCache } from "../../core/db.js";
import { redactJson, type Redaction } from "../../core/redact.js";
import type { CodeRef, Ticket } from "./model.js";

/**
 * A ticket with every string people wrote in it redacted (title, body, comments, people, labels, components,
 * customers, links, status, priority, severity), with the rules that matched. What identifies it (key,
 * source, kind) and its times stay. Redacting a redacted ticket changes nothing.
 */
export function redactTicket(t: Ticket): { ticket: Ticket; redactions: Redaction[] } {
  const { key, source, kind, created, updated, closed, started, ended, ...written } = t;
  const r = redactJson(written);
  const ticket: Ticket = {
    ...t,
    ...r.value,
    key,
    source,
    kind,
    created,
    ...(updated !== undefined ? { updated } : {}),
    ...(closed !== undefined ? { closed } : {}),
    ...(started !== undefined ? { started } : {}),
    ...(ended !== undefined ? { ended } : {}),
  };
  return { ticket, redactions: r.redactions };
}

/** The ticket table, its full-text index and the code references found in each ticket. */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE tk_ticket (
  key TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  comments TEXT NOT NULL,
  status TEXT NOT NULL,
  labels TEXT NOT NULL,
  components TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT,
  data TEXT NOT NULL,
  redactions TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  imported_at TEXT NOT NULL
);
CREATE INDEX tk_ticket_created ON tk_ticket(created_at);
CREATE VIRTUAL TABLE tk_ticket_fts USING fts5(title, body, comments, content='tk_ticket', content_rowid='rowid');
CREATE TRIGGER tk_ticket_ai AFTER INSERT ON tk_ticket BEGIN
  INSERT INTO tk_ticket_fts(rowid, title, body, comments) VALUES (new.rowid, new.title, new.body, new.comments);
END;
CREATE TRIGGER tk_ticket_au AFTER UPDATE ON tk_ticket BEGIN
  INSERT INTO tk_ticket_fts(tk_ticket_fts, rowid, title, body, comments) VALUES ('delete', old.rowid, old.title, old.body, old.comments);
  INSERT INTO tk_ticket_fts(rowid, title, body, comments) VALUES (new.rowid, new.title, new.body, new.comments);
END;
CREATE TABLE tk_code_ref (key TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL, target TEXT, ord INTEGER);
CREATE INDEX tk_code_ref_key ON tk_code_ref(key);
CREATE INDEX tk_code_ref_target ON tk_code_ref(target);
`,
  },
  {
    version: 2,
    // Comments Worldline posted, one per ticket revision: a re-run posts nothing twice.
    sql: `CREATE TABLE tk_comment (key TEXT NOT NULL, revision TEXT NOT NULL, url TEXT NOT NULL, posted_at TEXT NOT NULL, PRIMARY KEY (key, revision));`,
  },
];

export interface StoredTicket {
  ticket: Ticket;
  redactions: Array<{ rule: string; count: number }>;
  contentHash: string;
  importedAt: string;
}

export interface SearchFilters {
  status?: string | undefined;
  label?: string | undefined;
  component?: string | undefined;
  kind?: string | undefined;
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
}

interface Row {
  key: string;
  data: string;
  redactions: string;
  content_hash: string;
  imported_at: string;
}

export class TicketStore {
  private readonly stmt: (sql: string) => Database.Statement;

  constructor(readonly db: Db) {
    migrate(db, "tickets", MIGRATIONS);
    this.stmt = statementCache(db);
  }

  contentHash(key: string): string | undefined {
    return (this.stmt("SELECT content_hash FROM tk_ticket WHERE key = ?").get(key) as { content_hash: string } | undefined)?.content_hash;
  }

  /**
   * Writes tickets and their code references in one transaction. Every ticket is redacted here too, whoever
   * calls: what reaches the row, its JSON and the full-text index is never a secret (the importer redacts
   * first, to count the rules; doing it again changes nothing).
   */
  save(items: ReadonlyArray<{ ticket: Ticket; refs: CodeRef[]; redactions: StoredTicket["redactions"]; contentHash: string }>, now: string): void {
    this.db
      .transaction(() => {
        for (const { ticket: given, refs, redactions, contentHash } of items) {
          const t = redactTicket(given).ticket;
          this.stmt(
            `INSERT INTO tk_ticket (key, source, kind, title, body, comments, status, labels, components, created_at, updated_at, data, redactions, content_hash, imported_at)
             VALUES (@key, @source, @kind, @title, @body, @comments, @status, @labels, @components, @created, @updated, @data, @redactions, @hash, @now)
             ON CONFLICT (key) DO UPDATE SET source = excluded.source, kind = excluded.kind, title = excluded.title, body = excluded.body,
               comments = excluded.comments, status = excluded.status, labels = excluded.labels, components = excluded.components,
               created_at = excluded.created_at, updated_at = excluded.updated_at, data = excluded.data, redactions = excluded.redactions,
               content_hash = excluded.content_hash, imported_at = excluded.imported_at`,
          ).run({
            key: t.key,
            source: t.source,
            kind: t.kind,
            title: t.title,
            body: t.body,
            comments: t.comments.map((c) => c.body).join("\n\n"),
            status: t.status.toLowerCase(),
            labels: JSON.stringify(t.labels),
            components: JSON.stringify(t.components),
            created: t.created,
            updated: t.updated ?? null,
            data: JSON.stringify(t),
            redactions: JSON.stringify(redactions),
            hash: contentHash,
            now,
          });
          this.stmt("DELETE FROM tk_code_ref WHERE key = ?").run(t.key);
          const ins = this.stmt("INSERT INTO tk_code_ref (key, kind, text, target, ord) VALUES (?, ?, ?, ?, ?)");
          for (const r of redactJson(refs).value) ins.run(t.key, r.kind, r.text, r.target, r.order ?? null);
        }
      })
      .immediate();
  }

  get(key: string): StoredTicket | undefined {
    const r = this.stmt("SELECT key, data, redactions, content_hash, imported_at FROM tk_ticket WHERE key = ?").get(key) as Row | undefined;
    return r ? this.toStored(r) : undefined;
  }

  private toStored(r: Row): StoredTicket {
    return { ticket: JSON.parse(r.data) as Ticket, redactions: JSON.parse(r.redactions) as StoredTicket["redactions"], contentHash: r.content_hash, importedAt: r.imported_at };
  }

  codeRefs(key: string): CodeRef[] {
    return (this.stmt("SELECT kind, text, target, ord FROM tk_code_ref WHERE key = ? ORDER BY rowid").all(key) as Array<{ kind: CodeRef["kind"]; text: string; target: string | null; ord: number | null }>).map(
      (r) => ({ kind: r.kind, text: r.text, target: r.target, ...(r.ord !== null ? { order: r.ord } : {}) }),
    );
  }

  /** Tickets naming any of these code targets, with the targets they share. */
  ticketsReferencing(targets: readonly string[]): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    if (targets.length === 0) return out;
    const rows = this.db
      .prepare(`SELECT key, target FROM tk_code_ref WHERE target IN (${targets.map(() => "?").join(",")})`)
      .all(...targets) as Array<{ key: string; target: string }>;
    for (const r of rows) out.set(r.key, (out.get(r.key) ?? new Set()).add(r.target));
    return out;
  }

  /** Full-text search (bm25, title weighted most) with filters; `match` is an FTS5 expression. */
  search(match: string, filters: SearchFilters, limit: number): Array<{ ticket: Ticket; score: number }> {
    const where: string[] = ["tk_ticket_fts MATCH @match"];
    if (filters.status) where.push("t.status = lower(@status)");
    if (filters.kind) where.push("t.kind = @kind");
    if (filters.label) where.push("EXISTS (SELECT 1 FROM json_each(t.labels) WHERE value = @label)");
    if (filters.component) where.push("EXISTS (SELECT 1 FROM json_each(t.components) WHERE value = @component)");
    if (filters.createdAfter) where.push("t.created_at >= @createdAfter");
    if (filters.createdBefore) where.push("t.created_at < @createdBefore");
    const rows = this.db
      .prepare(
        `SELECT t.data, bm25(tk_ticket_fts, 3.0, 1.0, 0.5) AS score FROM tk_ticket_fts f JOIN tk_ticket t ON t.rowid = f.rowid
         WHERE ${where.join(" AND ")} ORDER BY score LIMIT @limit`,
      )
      .all({ match, limit, ...filters }) as Array<{ data: string; score: number }>;
    return rows.map((r) => ({ ticket: JSON.parse(r.data) as Ticket, score: -r.score }));
  }

  /** Tickets of a source (folder, github, jira, jira-csv) created or updated after `since`, oldest change first. */
  changedSince(source: string | undefined, since: string | undefined): StoredTicket[] {
    const rows = this.db
      .prepare(
        `SELECT key, data, redactions, content_hash, imported_at FROM tk_ticket
         WHERE (@source IS NULL OR source = @source) AND (@since IS NULL OR COALESCE(updated_at, created_at) > @since)
         ORDER BY COALESCE(updated_at, created_at), key`,
      )
      .all({ source: source ?? null, since: since ?? null }) as Row[];
    return rows.map((r) => this.toStored(r));
  }

  postedComment(key: string, revision: string): { url: string; postedAt: string } | undefined {
    const r = this.stmt("SELECT url, posted_at FROM tk_comment WHERE key = ? AND revision = ?").get(key, revision) as { url: string; posted_at: string } | undefined;
    return r ? { url: r.url, postedAt: r.posted_at } : undefined;
  }

  recordComment(key: string, revision: string, url: string, at: string): void {
    this.stmt("INSERT OR IGNORE INTO tk_comment (key, revision, url, posted_at) VALUES (?, ?, ?, ?)").run(key, revision, url, at);
  }

  count(): number {
    return (this.stmt("SELECT COUNT(*) AS n FROM tk_ticket").get() as { n: number }).n;
  }
}
