import type { Migration } from "../../core/db.js";

/**
 * The version of what the indexer extracts. Facts are cached by content hash, so an indexer that extracts
 * more (or differently) must not reuse facts an older one stored: when this differs from the version the
 * database records, the store drops every cached fact and revision, and the next question re-indexes.
 * Bump it with every change to what declarations.ts, syntax.ts or resolve.ts produce.
 *
 * 2: object-literal members and type-literal members are symbols, overloads are one symbol; edges of kinds
 *    init, super, bind, apply, callback and alias; bindings of functions to the members they are stored in.
 * 3: an inline route handler's last line, so code in it reaches its route.
 */
export const INDEX_VERSION = 3;

/**
 * The kinds of cg_edge, each saying how the code gets from one symbol to the next:
 * - `call`: a call, `f()` or `o.m()` (through an interface or type member, it reaches what is bound to it);
 * - `new`: `new X()`, to the class; the class leads on to what construction runs:
 * - `init`: from a class to its constructor and to each instance field with an initializer;
 * - `super`: `super(...)` and `super.m()` to the base class's constructor or method (never to overrides),
 *   and from a class with no constructor of its own to its base class (the implicit `super()`);
 * - `bind`, `apply`: `f.bind(o)`, and `f.call(o, ...)` or `f.apply(o, args)`;
 * - `callback`: a function passed as an argument, `xs.map(f)`, `on("x", this.handle)`;
 * - `alias`: a variable that holds a function, `export const produce = immer.produce`;
 * - `accessor`: reading or writing a property that has a getter or setter, `map.size`;
 * - `ref`: any other reference (read, not run).
 */
export type EdgeKind = "call" | "new" | "init" | "super" | "bind" | "apply" | "callback" | "alias" | "accessor" | "ref";

/** The kinds that run the code they lead to: what callees, callers and call paths follow. */
export const CALL_EDGE_KINDS: readonly EdgeKind[] = ["call", "new", "init", "super", "bind", "apply", "callback", "alias", "accessor"];

/** The tables that hold cached facts and revisions: all of them are derived, and rebuilt on a version change. */
export const CACHE_TABLES = [
  "cg_blob",
  "cg_symbol",
  "cg_literal",
  "cg_config_read",
  "cg_unit",
  "cg_edge",
  "cg_import",
  "cg_heritage",
  "cg_route",
  "cg_binding",
  "cg_manifest",
  "cg_manifest_file",
  "cg_revision",
] as const;

/**
 * The code graph's tables. Facts a file's text decides are keyed by blob hash (`hash`); facts that need
 * the checker are keyed by resolution unit (`unit`: path, hash and the export surfaces of its imports).
 * A revision points at a manifest: the path, hash and unit of each file.
 */
export const CODE_GRAPH_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE cg_blob (
  hash TEXT PRIMARY KEY,
  lines INTEGER NOT NULL,
  parse_errors TEXT NOT NULL,
  surface_hash TEXT NOT NULL,
  module_refs TEXT NOT NULL,
  has_main INTEGER NOT NULL
);
CREATE TABLE cg_symbol (
  hash TEXT NOT NULL,
  qname TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  start_line INTEGER NOT NULL,
  end_line INTEGER NOT NULL,
  signature TEXT NOT NULL,
  doc TEXT NOT NULL,
  exported INTEGER NOT NULL,
  PRIMARY KEY (hash, qname)
);
CREATE INDEX cg_symbol_name ON cg_symbol(name);
-- Doc comments only: names are matched with LIKE, and most symbols have no doc, so this stays small.
CREATE VIRTUAL TABLE cg_symbol_fts USING fts5(doc, content='cg_symbol', content_rowid='rowid');
CREATE TRIGGER cg_symbol_ai AFTER INSERT ON cg_symbol WHEN new.doc <> '' BEGIN
  INSERT INTO cg_symbol_fts(rowid, doc) VALUES (new.rowid, new.doc);
END;
CREATE TABLE cg_literal (hash TEXT NOT NULL, line INTEGER NOT NULL, value TEXT NOT NULL, symbol TEXT);
CREATE INDEX cg_literal_hash ON cg_literal(hash);
CREATE TABLE cg_config_read (hash TEXT NOT NULL, line INTEGER NOT NULL, key TEXT NOT NULL, kind TEXT NOT NULL, symbol TEXT);
CREATE INDEX cg_config_read_hash ON cg_config_read(hash);
CREATE INDEX cg_config_read_key ON cg_config_read(key);

CREATE TABLE cg_unit (unit TEXT PRIMARY KEY, path TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TABLE cg_edge (unit TEXT NOT NULL, kind TEXT NOT NULL, from_q TEXT, line INTEGER NOT NULL, to_id TEXT NOT NULL);
CREATE INDEX cg_edge_unit ON cg_edge(unit);
CREATE INDEX cg_edge_to ON cg_edge(to_id);
CREATE TABLE cg_import (unit TEXT NOT NULL, line INTEGER NOT NULL, kind TEXT NOT NULL, specifier TEXT NOT NULL, target TEXT, external TEXT, names TEXT);
CREATE INDEX cg_import_unit ON cg_import(unit);
CREATE INDEX cg_import_target ON cg_import(target);
CREATE TABLE cg_heritage (unit TEXT NOT NULL, class_q TEXT NOT NULL, relation TEXT NOT NULL, target_id TEXT NOT NULL);
CREATE INDEX cg_heritage_unit ON cg_heritage(unit);
CREATE INDEX cg_heritage_target ON cg_heritage(target_id);
CREATE TABLE cg_route (unit TEXT NOT NULL, line INTEGER NOT NULL, framework TEXT NOT NULL, method TEXT NOT NULL, route_path TEXT NOT NULL, handler_id TEXT, handler_line INTEGER NOT NULL);
CREATE INDEX cg_route_unit ON cg_route(unit);

CREATE TABLE cg_manifest (id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, settings TEXT NOT NULL);
CREATE TABLE cg_manifest_file (manifest INTEGER NOT NULL, path TEXT NOT NULL, hash TEXT NOT NULL, unit TEXT NOT NULL, PRIMARY KEY (manifest, path));
CREATE INDEX cg_manifest_file_unit ON cg_manifest_file(manifest, unit);
CREATE INDEX cg_manifest_file_hash ON cg_manifest_file(manifest, hash);
CREATE TABLE cg_revision (
  name TEXT PRIMARY KEY,
  commit_sha TEXT,
  manifest INTEGER NOT NULL,
  indexed_at TEXT NOT NULL,
  stats TEXT NOT NULL
);
`,
  },
  {
    // A function stored where an interface, type or class member is expected (an object literal typed as
    // that type, or passed where it is expected): calls through the member may reach it. And the version of
    // the facts the cache holds (see INDEX_VERSION).
    version: 2,
    sql: `
CREATE TABLE cg_binding (unit TEXT NOT NULL, line INTEGER NOT NULL, member_id TEXT NOT NULL, value_id TEXT NOT NULL);
CREATE INDEX cg_binding_unit ON cg_binding(unit);
CREATE INDEX cg_binding_member ON cg_binding(member_id);
CREATE INDEX cg_binding_value ON cg_binding(value_id);
CREATE TABLE cg_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`,
  },
  {
    // An inline handler (`app.post("/x", async (req, res) => ...)`) has no symbol: its span is what says a
    // call inside it is the route's.
    version: 3,
    sql: `ALTER TABLE cg_route ADD COLUMN handler_end_line INTEGER;`,
  },
];
