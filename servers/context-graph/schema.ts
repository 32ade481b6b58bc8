import type { Migration } from "../../core/db.js";

/**
 * The context graph's tables, written once for both backends: only column types and the full-text index
 * differ (SQLite's FTS5 table and triggers; PostgreSQL's stemmed tsvector column). Times are ISO text and
 * props JSON text on both, so both compare and read back alike.
 */
function graphTables(t: { edgeId: string; edgeRef: string; real: string; nodeSearch: string }): string {
  return `
CREATE TABLE ctx_node (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  props TEXT NOT NULL,
  occurred_at TEXT,
  recorded_at TEXT NOT NULL,
  updated_at TEXT NOT NULL${t.nodeSearch}
);
CREATE INDEX ctx_node_kind ON ctx_node(kind);

CREATE TABLE ctx_episode (
  id TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  ref TEXT NOT NULL,
  body TEXT NOT NULL,
  occurred_at TEXT,
  recorded_at TEXT NOT NULL
);
CREATE INDEX ctx_episode_ref ON ctx_episode(source, ref);

CREATE TABLE ctx_edge (
  id ${t.edgeId},
  src TEXT NOT NULL,
  rel TEXT NOT NULL,
  dst TEXT NOT NULL,
  claim_key TEXT NOT NULL,
  valid_from TEXT,
  valid_to TEXT,
  recorded_at TEXT NOT NULL,
  retracted_at TEXT,
  at_rev TEXT,
  props TEXT NOT NULL,
  method TEXT NOT NULL,
  authority TEXT NOT NULL,
  authority_rank INTEGER NOT NULL,
  confidence ${t.real} NOT NULL,
  fingerprint TEXT NOT NULL
);
-- (src, rel, claim_key) serves lookups by source too; (dst, rel) serves lookups by target.
CREATE INDEX ctx_edge_claim ON ctx_edge(src, rel, claim_key);
CREATE INDEX ctx_edge_dst ON ctx_edge(dst, rel);

CREATE TABLE ctx_edge_episode (
  edge ${t.edgeRef} NOT NULL,
  episode TEXT NOT NULL,
  PRIMARY KEY (edge, episode)
);

CREATE TABLE ctx_ingestion (
  source TEXT PRIMARY KEY,
  last_run_at TEXT NOT NULL,
  high_water TEXT,
  stats TEXT NOT NULL
);
`;
}

export const CONTEXT_GRAPH_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `${graphTables({ edgeId: "INTEGER PRIMARY KEY", edgeRef: "INTEGER", real: "REAL", nodeSearch: "" })}
CREATE VIRTUAL TABLE ctx_node_fts USING fts5(title, body, content='ctx_node', content_rowid='rowid');
CREATE TRIGGER ctx_node_ai AFTER INSERT ON ctx_node BEGIN
  INSERT INTO ctx_node_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body);
END;
CREATE TRIGGER ctx_node_au AFTER UPDATE OF title, body ON ctx_node BEGIN
  INSERT INTO ctx_node_fts(ctx_node_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
  INSERT INTO ctx_node_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body);
END;
`,
  },
];

/** The same tables on PostgreSQL, title weighted above body in the search column. */
export const PG_CONTEXT_GRAPH_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `${graphTables({
      edgeId: "BIGSERIAL PRIMARY KEY",
      edgeRef: "BIGINT",
      real: "DOUBLE PRECISION",
      nodeSearch: `,\n  search tsvector GENERATED ALWAYS AS (setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')) STORED`,
    })}
CREATE INDEX ctx_node_search ON ctx_node USING GIN (search);
`,
  },
];
