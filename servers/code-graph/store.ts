import type Database from "better-sqlite3";
import type { Db } from "../../core/db.js";
import { migrate, statementCache } from "../../core/db.js";
import { redact, redactJson } from "../../core/redact.js";
import type { ResolvedFacts } from "./resolve.js";
import { CACHE_TABLES, CODE_GRAPH_MIGRATIONS, INDEX_VERSION } from "./schema.js";
import type { LocalFacts, ModuleRef, ParseError } from "./syntax.js";

export interface BlobInfo {
  lines: number;
  surfaceHash: string;
  moduleRefs: ModuleRef[];
  hasMain: boolean;
  parseErrors: ParseError[];
}

export interface ImportFact {
  line: number;
  kind: string;
  specifier: string;
  target: string | null;
  external: string | null;
  /** Re-exported names, when only some are taken. */
  names: string[] | null;
}

export interface ManifestFile {
  path: string;
  hash: string;
  unit: string;
}

export interface RevisionRow {
  name: string;
  commit: string | null;
  manifest: number;
  indexedAt: string;
  stats: IndexStats;
}

export interface IndexStats {
  files: number;
  lines: number;
  symbols: number;
  parsedFiles: number;
  resolvedFiles: number;
  parseErrors: Array<{ path: string; line: number; message: string }>;
  durationMs: number;
  /** Milliseconds per phase of the run (read, parse, units, program, resolve, store). */
  phases?: Record<string, number>;
}

const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** Reads and writes the code graph's tables; knows SQL, not TypeScript. */
export class CodeGraphStore {
  private readonly stmt: (sql: string) => Database.Statement;

  /** A statement prepared once for this connection. */
  prepare(sql: string): Database.Statement {
    return this.stmt(sql);
  }

  constructor(readonly db: Db) {
    migrate(db, "code-graph", CODE_GRAPH_MIGRATIONS);
    this.stmt = statementCache(db);
    this.dropStaleFacts();
  }

  /**
   * Facts an older indexer stored (INDEX_VERSION) are dropped with the revisions built on them, under the
   * write lock and checked again there, so two processes opening an old database drop it once.
   */
  private dropStaleFacts(): void {
    const current = () =>
      this.db.prepare<[], { value: string }>("SELECT value FROM cg_meta WHERE key = 'index_version'").get()?.value;
    if (current() === String(INDEX_VERSION)) return;
    this.db
      .transaction(() => {
        if (current() === String(INDEX_VERSION)) return;
        for (const table of CACHE_TABLES) this.db.exec(`DELETE FROM ${table}`);
        this.db.exec("INSERT INTO cg_symbol_fts(cg_symbol_fts) VALUES ('delete-all')");
        this.db.prepare("INSERT OR REPLACE INTO cg_meta (key, value) VALUES ('index_version', ?)").run(String(INDEX_VERSION));
      })
      .immediate();
  }


  blobInfos(hashes: readonly string[]): Map<string, BlobInfo> {
    const out = new Map<string, BlobInfo>();
    for (const part of chunks([...new Set(hashes)])) {
      const rows = this.db
        .prepare<string[], { hash: string; lines: number; surface_hash: string; module_refs: string; has_main: number; parse_errors: string }>(
          `SELECT hash, lines, surface_hash, module_refs, has_main, parse_errors FROM cg_blob WHERE hash IN (${part.map(() => "?").join(",")})`,
        )
        .all(...part);
      for (const r of rows) {
        out.set(r.hash, {
          lines: r.lines,
          surfaceHash: r.surface_hash,
          moduleRefs: JSON.parse(r.module_refs) as ModuleRef[],
          hasMain: r.has_main === 1,
          parseErrors: JSON.parse(r.parse_errors) as ParseError[],
        });
      }
    }
    return out;
  }

  knownUnits(units: readonly string[]): Set<string> {
    const out = new Set<string>();
    for (const part of chunks([...new Set(units)])) {
      const rows = this.db
        .prepare<string[], { unit: string }>(`SELECT unit FROM cg_unit WHERE unit IN (${part.map(() => "?").join(",")})`)
        .all(...part);
      for (const r of rows) out.add(r.unit);
    }
    return out;
  }

  symbolNames(hashes: readonly string[]): Set<string> {
    const out = new Set<string>();
    for (const part of chunks([...new Set(hashes)])) {
      const rows = this.db
        .prepare<string[], { name: string }>(`SELECT DISTINCT name FROM cg_symbol WHERE hash IN (${part.map(() => "?").join(",")})`)
        .all(...part);
      for (const r of rows) out.add(r.name);
    }
    return out;
  }

  symbolCount(manifest: number): number {
    const row = this.db
      .prepare<[number], { n: number }>(
        "SELECT COUNT(*) AS n FROM cg_manifest_file mf JOIN cg_symbol s ON s.hash = mf.hash WHERE mf.manifest = ?",
      )
      .get(manifest);
    return row?.n ?? 0;
  }

  /**
   * Stores what a file's text decides. The text the repo wrote is redacted first: string literals (what
   * find_literal and throw-site matching read), signatures and doc comments (and so their full-text index),
   * and parse errors. Names, paths and module specifiers are code, not data, and stay as written.
   */
  insertBlob(hash: string, facts: LocalFacts): void {
    const res = this.stmt("INSERT OR IGNORE INTO cg_blob (hash, lines, parse_errors, surface_hash, module_refs, has_main) VALUES (?, ?, ?, ?, ?, ?)")
      .run(hash, facts.lines, JSON.stringify(redactJson(facts.parseErrors).value), facts.surfaceHash, JSON.stringify(facts.moduleRefs), facts.hasMain ? 1 : 0);
    if (res.changes === 0) return; // another process stored the same content first
    const sym = this.stmt(
      "INSERT OR IGNORE INTO cg_symbol (hash, qname, name, kind, start_line, end_line, signature, doc, exported) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    for (const s of facts.symbols) {
      sym.run(hash, s.qualifiedName, s.name, s.kind, s.startLine, s.endLine, redact(s.signature).text, redact(s.doc).text, s.exported ? 1 : 0);
    }
    const lit = this.stmt("INSERT INTO cg_literal (hash, line, value, symbol) VALUES (?, ?, ?, ?)");
    for (const l of facts.literals) lit.run(hash, l.line, redact(l.value).text, l.symbol);
    const cfg = this.stmt("INSERT INTO cg_config_read (hash, line, key, kind, symbol) VALUES (?, ?, ?, ?, ?)");
    for (const c of facts.configReads) cfg.run(hash, c.line, c.key, c.kind, c.symbol);
  }

  insertUnit(unit: string, path: string, hash: string, facts: ResolvedFacts, imports: readonly ImportFact[]): void {
    const res = this.stmt("INSERT OR IGNORE INTO cg_unit (unit, path, hash) VALUES (?, ?, ?)").run(unit, path, hash);
    if (res.changes === 0) return;
    const edge = this.stmt("INSERT INTO cg_edge (unit, kind, from_q, line, to_id) VALUES (?, ?, ?, ?, ?)");
    for (const e of facts.edges) edge.run(unit, e.kind, e.from, e.line, e.to);
    const imp = this.stmt("INSERT INTO cg_import (unit, line, kind, specifier, target, external, names) VALUES (?, ?, ?, ?, ?, ?, ?)");
    for (const i of imports) imp.run(unit, i.line, i.kind, i.specifier, i.target, i.external, i.names ? JSON.stringify(i.names) : null);
    const her = this.stmt("INSERT INTO cg_heritage (unit, class_q, relation, target_id) VALUES (?, ?, ?, ?)");
    for (const h of facts.heritage) her.run(unit, h.classQualifiedName, h.relation, h.target);
    const route = this.stmt(
      "INSERT INTO cg_route (unit, line, framework, method, route_path, handler_id, handler_line, handler_end_line) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    for (const r of facts.routes) route.run(unit, r.line, r.framework, r.method, r.path, r.handler, r.handlerLine, r.handlerEndLine);
    const bind = this.stmt("INSERT INTO cg_binding (unit, line, member_id, value_id) VALUES (?, ?, ?, ?)");
    for (const b of facts.bindings) bind.run(unit, b.line, b.member, b.value);
  }

  insertManifest(files: readonly ManifestFile[], settings: unknown): number {
    const id = Number(
      this.db.prepare("INSERT INTO cg_manifest (created_at, settings) VALUES (?, ?)").run(new Date().toISOString(), JSON.stringify(settings))
        .lastInsertRowid,
    );
    const row = this.stmt("INSERT INTO cg_manifest_file (manifest, path, hash, unit) VALUES (?, ?, ?, ?)");
    for (const f of files) row.run(id, f.path, f.hash, f.unit);
    return id;
  }

  setRevision(name: string, commit: string | null, manifest: number, stats: IndexStats): void {
    this.db
      .prepare(
        `INSERT INTO cg_revision (name, commit_sha, manifest, indexed_at, stats) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET commit_sha = excluded.commit_sha, manifest = excluded.manifest,
           indexed_at = excluded.indexed_at, stats = excluded.stats`,
      )
      .run(name, commit, manifest, new Date().toISOString(), JSON.stringify(redactJson(stats).value));
  }

  revision(name: string): RevisionRow | undefined {
    const r = this.db
      .prepare<[string], { name: string; commit_sha: string | null; manifest: number; indexed_at: string; stats: string }>(
        "SELECT name, commit_sha, manifest, indexed_at, stats FROM cg_revision WHERE name = ?",
      )
      .get(name);
    return r ? { name: r.name, commit: r.commit_sha, manifest: r.manifest, indexedAt: r.indexed_at, stats: JSON.parse(r.stats) as IndexStats } : undefined;
  }

  revisions(): RevisionRow[] {
    return this.db
      .prepare<[], { name: string }>("SELECT name FROM cg_revision ORDER BY indexed_at DESC")
      .all()
      .map((r) => this.revision(r.name))
      .filter((r): r is RevisionRow => r !== undefined);
  }

  manifestFiles(manifest: number): ManifestFile[] {
    return this.db
      .prepare<[number], ManifestFile>("SELECT path, hash, unit FROM cg_manifest_file WHERE manifest = ? ORDER BY path")
      .all(manifest);
  }

  manifestSettings(manifest: number): unknown {
    const r = this.db.prepare<[number], { settings: string }>("SELECT settings FROM cg_manifest WHERE id = ?").get(manifest);
    return r ? (JSON.parse(r.settings) as unknown) : undefined;
  }
}
