import type { Migration } from "../../core/db.js";

/**
 * The ticket tables, written once for both backends: only the full-text index differs (SQLite's FTS5 table
 * and triggers; PostgreSQL's stemmed tsvector column) and how code references keep their order (SQLite's
 * rowid; a serial id on PostgreSQL). Times are ISO text and labels and components JSON text on both.
 */
function ticketTables(t: { search: string; refId: string }): string {
  return `
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
  imported_at TEXT NOT NULL${t.search}
);
CREATE INDEX tk_ticket_created ON tk_ticket(created_at);
CREATE TABLE tk_code_ref (${t.refId}key TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL, target TEXT, ord INTEGER);
CREATE INDEX tk_code_ref_key ON tk_code_ref(key);
CREATE INDEX tk_code_ref_target ON tk_code_ref(target);
`;
}

/** Where a frame of a built file ran in the source, and how that was found (source map or build layout). */
const REF_SOURCE_COLUMNS = `ALTER TABLE tk_code_ref ADD COLUMN location TEXT;
ALTER TABLE tk_code_ref ADD COLUMN mapping TEXT;`;

/** Comments Worldline posted, one per ticket revision: a re-run posts nothing twice. */
const COMMENT_TABLE = `CREATE TABLE tk_comment (key TEXT NOT NULL, revision TEXT NOT NULL, url TEXT NOT NULL, posted_at TEXT NOT NULL, PRIMARY KEY (key, revision));`;

/** A ticket's labels as words for the full-text index (they are stored as a JSON array). */
const labelWords = (row: string) => `COALESCE((SELECT group_concat(value, ' ') FROM json_each(${row}.labels)), '')`;

export const SQLITE_TICKET_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `${ticketTables({ search: "", refId: "" })}
CREATE VIRTUAL TABLE tk_ticket_fts USING fts5(title, body, comments, content='tk_ticket', content_rowid='rowid');
CREATE TRIGGER tk_ticket_ai AFTER INSERT ON tk_ticket BEGIN
  INSERT INTO tk_ticket_fts(rowid, title, body, comments) VALUES (new.rowid, new.title, new.body, new.comments);
END;
CREATE TRIGGER tk_ticket_au AFTER UPDATE ON tk_ticket BEGIN
  INSERT INTO tk_ticket_fts(tk_ticket_fts, rowid, title, body, comments) VALUES ('delete', old.rowid, old.title, old.body, old.comments);
  INSERT INTO tk_ticket_fts(rowid, title, body, comments) VALUES (new.rowid, new.title, new.body, new.comments);
END;
`,
  },
  { version: 2, sql: COMMENT_TABLE },
  {
    version: 3,
    // Stemmed (porter), and labels searched too. Contentless: the index holds labels as words, which no
    // column of tk_ticket holds, so it must never read its text back from tk_ticket; the triggers give it.
    sql: `
DROP TRIGGER IF EXISTS tk_ticket_ai;
DROP TRIGGER IF EXISTS tk_ticket_au;
DROP TABLE tk_ticket_fts;
CREATE VIRTUAL TABLE tk_ticket_fts USING fts5(title, labels, body, comments, content='', tokenize='porter unicode61');
CREATE TRIGGER tk_ticket_ai AFTER INSERT ON tk_ticket BEGIN
  INSERT INTO tk_ticket_fts(rowid, title, labels, body, comments) VALUES (new.rowid, new.title, ${labelWords("new")}, new.body, new.comments);
END;
CREATE TRIGGER tk_ticket_au AFTER UPDATE ON tk_ticket BEGIN
  INSERT INTO tk_ticket_fts(tk_ticket_fts, rowid, title, labels, body, comments) VALUES ('delete', old.rowid, old.title, ${labelWords("old")}, old.body, old.comments);
  INSERT INTO tk_ticket_fts(rowid, title, labels, body, comments) VALUES (new.rowid, new.title, ${labelWords("new")}, new.body, new.comments);
END;
CREATE TRIGGER tk_ticket_ad AFTER DELETE ON tk_ticket BEGIN
  INSERT INTO tk_ticket_fts(tk_ticket_fts, rowid, title, labels, body, comments) VALUES ('delete', old.rowid, old.title, ${labelWords("old")}, old.body, old.comments);
END;
INSERT INTO tk_ticket_fts(rowid, title, labels, body, comments) SELECT t.rowid, t.title, ${labelWords("t")}, t.body, t.comments FROM tk_ticket t;
`,
  },
  { version: 4, sql: REF_SOURCE_COLUMNS },
];

/**
 * The same tables on PostgreSQL, new there, so in one migration. Weights: title A, labels B, body C,
 * comments D; `to_tsvector(jsonb)` indexes the label strings, not the JSON around them.
 */
export const PG_TICKET_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `${ticketTables({
      refId: "id BIGSERIAL PRIMARY KEY, ",
      search: `,
  search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', labels::jsonb), 'B') ||
    setweight(to_tsvector('english', body), 'C') || setweight(to_tsvector('english', comments), 'D')
  ) STORED`,
    })}
CREATE INDEX tk_ticket_search ON tk_ticket USING GIN (search);
${COMMENT_TABLE}
`,
  },
  { version: 2, sql: REF_SOURCE_COLUMNS },
];
