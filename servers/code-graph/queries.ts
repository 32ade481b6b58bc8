import type Database from "better-sqlite3";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../../core/errors.js";
import { closest } from "../../core/suggest.js";
import { readBlobs } from "../../core/git.js";
import { parseLocation, parseSymbolId, symbolId, type SymbolId } from "../../core/ids.js";
import type { ManifestSettings } from "./indexer.js";
import { CALL_EDGE_KINDS } from "./schema.js";
import type { CodeGraphStore, RevisionRow } from "./store.js";
import { Span } from "../../core/span.js";

/**
 * Read-side of the code graph: answers about one indexed revision. Plain values out, no MCP here.
 */
export interface SymbolInfo {
  id: SymbolId;
  name: string;
  qualifiedName: string;
  kind: string;
  location: string;
  span: string;
  signature: string;
  doc: string;
  exported: boolean;
}

export interface CallSite {
  /** The calling symbol; null when the call runs at module level. */
  caller: SymbolId | null;
  callee: SymbolId;
  kind: string;
  site: string;
  depth: number;
  /** Set when the edge reaches the callee through an interface or base-class method. */
  via?: SymbolId;
}

export interface LiteralHit {
  location: string;
  value: string;
  symbol: SymbolId | null;
}

export interface ConfigRead {
  key: string;
  kind: "env" | "config";
  location: string;
  symbol: SymbolId | null;
}

export interface EntryPoint {
  kind: "package-export" | "route" | "bin" | "script" | "main";
  symbol: SymbolId | null;
  location: string;
  detail: string;
}

interface InlineRoute {
  method: string;
  route_path: string;
  handler_line: number;
  handler_end_line: number;
}

export interface ImpactItem {
  /** A symbol, or path:line where an inline route handler starts (it has no symbol). */
  symbol: SymbolId;
  distance: number;
  /** The symbol one step closer to the target, with the site of that call or reference. */
  towards: SymbolId;
  site: string;
  entryPoints: string[];
}

export interface CallPathStep {
  symbol: SymbolId;
  site: string | null;
  /** How the step before reaches this one (`call`, `new`, `bind`, `callback`, ...); absent on the start. */
  kind?: string;
  /** The interface, type or base member the call went through, when it was dispatched. */
  via?: SymbolId;
}

interface SymbolRow {
  path: string;
  qname: string;
  name: string;
  kind: string;
  start_line: number;
  end_line: number;
  signature: string;
  doc: string;
  exported: number;
}

interface EdgeRow {
  path: string;
  kind: string;
  from_q: string | null;
  line: number;
  to_id: string;
}

const SYMBOL_COLS = "mf.path AS path, s.qname, s.name, s.kind, s.start_line, s.end_line, s.signature, s.doc, s.exported";
/** Edge kinds that run what they lead to (schema.ts): calls, constructions, super, bind/call/apply, callbacks, aliases, accessors. */
const CALL_KINDS: readonly string[] = CALL_EDGE_KINDS;
/** Edge kinds that reach what is bound to, or overrides, an interface or base member; `super` names its target exactly. */
const DISPATCHED = new Set(["call", "bind", "apply", "callback", "alias"]);

/** A member of a class, interface, type or object (`X.m`, `table[0].resolve`): calls through it may dispatch. */
function isMember(id: SymbolId): boolean {
  return /[.[]/.test(parseSymbolId(id).qualifiedName);
}

function toInfo(r: SymbolRow): SymbolInfo {
  return {
    id: symbolId(r.path, r.qname),
    name: r.name,
    qualifiedName: r.qname,
    kind: r.kind,
    location: `${r.path}:${r.start_line}`,
    span: `${r.path}:${r.start_line}-${r.end_line}`,
    signature: r.signature,
    doc: r.doc,
    exported: r.exported === 1,
  };
}

function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Breadth-first over call sites from a symbol, one level per step up to `depth`; `next` names the symbol
 * each site leads to (its caller when walking up, its callee when walking down).
 */
function walkCalls(
  start: SymbolId,
  depth: number,
  sitesOf: (id: SymbolId) => Array<Omit<CallSite, "depth">>,
  next: (site: Omit<CallSite, "depth">) => SymbolId | null,
): CallSite[] {
  const out: CallSite[] = [];
  const seen = new Set([start]);
  let frontier = [start];
  for (let d = 1; d <= depth && frontier.length; d++) {
    const following: SymbolId[] = [];
    for (const id of frontier) {
      for (const site of sitesOf(id)) {
        out.push({ ...site, depth: d });
        const n = next(site);
        if (n && !seen.has(n)) {
          seen.add(n);
          following.push(n);
        }
      }
    }
    frontier = following;
  }
  return out;
}

export class CodeGraph {
  constructor(
    private readonly store: CodeGraphStore,
    private readonly repo: string,
    readonly revision: RevisionRow,
  ) {}

  /** Statements are prepared once per store: a tool call or a ticket import runs the same few many times. */
  private q<P extends unknown[] = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    return this.store.prepare(sql) as unknown as Database.Statement<P, R>;
  }

  private get manifest(): number {
    return this.revision.manifest;
  }

  private hasPath(path: string): boolean {
    return this.q("SELECT 1 FROM cg_manifest_file WHERE manifest = ? AND path = ?").get(this.manifest, path) !== undefined;
  }

  private unitOf(path: string): string | undefined {
    return this.q<[number, string], { unit: string }>("SELECT unit FROM cg_manifest_file WHERE manifest = ? AND path = ?")
      .get(this.manifest, path)?.unit;
  }

  /** Symbols looked up so far: a manifest's rows never change, and walks ask for the same ids many times. */
  private readonly symbolRows = new Map<SymbolId, SymbolRow | null>();
  private symbolRowsOf = -1;

  private findSymbol(id: SymbolId): SymbolRow | undefined {
    if (this.symbolRowsOf !== this.manifest) {
      this.symbolRows.clear();
      this.symbolRowsOf = this.manifest;
    }
    const known = this.symbolRows.get(id);
    if (known !== undefined) return known ?? undefined;
    const { path, qualifiedName } = parseSymbolId(id);
    const row = this.q<[number, string, string], SymbolRow>(
        `SELECT ${SYMBOL_COLS} FROM cg_manifest_file mf JOIN cg_symbol s ON s.hash = mf.hash
         WHERE mf.manifest = ? AND mf.path = ? AND s.qname = ?`,
      )
      .get(this.manifest, path, qualifiedName);
    if (this.symbolRows.size > 200_000) this.symbolRows.clear();
    this.symbolRows.set(id, row ?? null);
    return row;
  }

  /** The symbol with this id, or a one-line error naming it and how to find the right id. */
  requireSymbol(id: SymbolId): SymbolInfo {
    const { path, qualifiedName } = parseSymbolId(id);
    const row = this.findSymbol(id);
    if (row) return toInfo(row);
    if (!this.hasPath(path)) {
      throw new UserError(`unknown path "${path}" in symbol "${id}" at revision ${this.revision.name}: expected a source file of the index (see search_symbols)`);
    }
    const inFile = this.q<[number, string], { qname: string }>(
        "SELECT s.qname FROM cg_manifest_file mf JOIN cg_symbol s ON s.hash = mf.hash WHERE mf.manifest = ? AND mf.path = ?",
      )
      .all(this.manifest, path)
      .map((r) => r.qname);
    const near = closest(qualifiedName, inFile).map((q) => symbolId(path, q));
    throw new UserError(
      `unknown symbol "${id}" at revision ${this.revision.name}: expected path#Name, path#Class.member or path#object.member${near.length ? `; did you mean ${near.join(", ")}?` : ""}`,
    );
  }

  search(query: string, opts: { kind?: string | undefined; exportedOnly?: boolean | undefined } = {}): SymbolInfo[] {
    const q = query.trim();
    if (!q) throw new UserError('query "" is empty: expected part of a symbol name, a qualified name or words of its doc comment');
    const like = `%${likeEscape(q)}%`;
    const byName = this.q<[number, string, string, string], SymbolRow>(
        `SELECT ${SYMBOL_COLS} FROM cg_manifest_file mf JOIN cg_symbol s ON s.hash = mf.hash
         WHERE mf.manifest = ? AND (s.qname LIKE ? ESCAPE '\\' OR (mf.path || '#' || s.qname) = ? OR s.name = ?)
         LIMIT 2000`,
      )
      .all(this.manifest, like, q, q);
    const lower = q.toLowerCase();
    const rank = (r: SymbolRow): number => {
      const name = r.name.toLowerCase();
      const qn = r.qname.toLowerCase();
      if (`${r.path}#${r.qname}` === q) return 0;
      if (name === lower || qn === lower) return 1;
      if (name.startsWith(lower) || qn.startsWith(lower)) return 2;
      return 3;
    };
    byName.sort((a, b) => rank(a) - rank(b) || a.qname.length - b.qname.length || a.path.localeCompare(b.path));
    const tokens = q.match(/[\p{L}\p{N}_]+/gu) ?? [];
    let byDoc: SymbolRow[] = [];
    if (tokens.length > 0) {
      const match = tokens.map((t) => `"${t}"`).join(" ");
      byDoc = this.q<[string, number], SymbolRow>(
          `SELECT ${SYMBOL_COLS} FROM cg_symbol_fts f JOIN cg_symbol s ON s.rowid = f.rowid
           JOIN cg_manifest_file mf ON mf.hash = s.hash
           WHERE cg_symbol_fts MATCH ? AND mf.manifest = ? ORDER BY bm25(cg_symbol_fts) LIMIT 500`,
        )
        .all(match, this.manifest);
    }
    const seen = new Set<string>();
    const out: SymbolInfo[] = [];
    for (const r of [...byName, ...byDoc]) {
      const info = toInfo(r);
      if (seen.has(info.id)) continue;
      if (opts.kind && info.kind !== opts.kind) continue;
      if (opts.exportedOnly && !info.exported) continue;
      seen.add(info.id);
      out.push(info);
    }
    return out;
  }

  /** The symbols called from a line range of a file (e.g. one test case's body), in line order. */
  callsInRange(path: string, start: number, end: number): string[] {
    const unit = this.unitOf(path);
    if (!unit) return [];
    return this.q<unknown[], { to_id: string }>(
      `SELECT to_id FROM cg_edge WHERE unit = ? AND kind IN (${CALL_KINDS.map(() => "?").join(",")}) AND line BETWEEN ? AND ? ORDER BY line`,
    )
      .all(unit, ...CALL_KINDS, start, end)
      .map((r) => r.to_id)
      .filter((id, i, all) => all.indexOf(id) === i);
  }

  /** Symbols whose name or qualified name is exactly `name` (an indexed lookup, for scanning free text). */
  symbolsNamed(name: string): SymbolInfo[] {
    const short = name.includes(".") ? (name.split(".").pop() ?? name) : name;
    return this.q<[number, string], SymbolRow>(
        `SELECT ${SYMBOL_COLS} FROM cg_symbol s JOIN cg_manifest_file mf ON mf.hash = s.hash AND mf.manifest = ?
         WHERE s.name = ? ORDER BY mf.path, s.qname LIMIT 20`,
      )
      .all(this.manifest, short)
      .filter((r) => r.qname === name || r.name === name || r.qname.endsWith(`.${name}`))
      .map(toInfo);
  }

  /** Every symbol of one file, in source order (empty for a file the index does not hold). */
  symbolsIn(path: string): SymbolInfo[] {
    return this.q<[number, string], SymbolRow>(
        `SELECT ${SYMBOL_COLS} FROM cg_manifest_file mf JOIN cg_symbol s ON s.hash = mf.hash
         WHERE mf.manifest = ? AND mf.path = ? ORDER BY s.start_line, s.qname`,
      )
      .all(this.manifest, path)
      .map(toInfo);
  }

  /** A file's text at this revision, or undefined when the index does not hold it. */
  async fileText(path: string): Promise<string | undefined> {
    const hash = this.q<[number, string], { hash: string }>("SELECT hash FROM cg_manifest_file WHERE manifest = ? AND path = ?")
      .get(this.manifest, path)?.hash;
    if (!hash) return undefined;
    if (this.revision.commit) return (await readBlobs(this.repo, [hash])).get(hash)?.toString("utf8");
    return readFile(join(this.repo, path), "utf8").catch(() => undefined);
  }

  async source(info: SymbolInfo): Promise<string> {
    const { path, start, end } = Span.parse(info.span, `${info.id}'s span`);
    const hash = this.q<[number, string], { hash: string }>("SELECT hash FROM cg_manifest_file WHERE manifest = ? AND path = ?")
      .get(this.manifest, path)?.hash;
    let text = "";
    if (this.revision.commit && hash) text = (await readBlobs(this.repo, [hash])).get(hash)?.toString("utf8") ?? "";
    else text = await readFile(join(this.repo, path), "utf8").catch(() => "");
    return text.split("\n").slice(start - 1, end).join("\n");
  }

  /**
   * Functions and methods whose first parameter is an object type declaring every one of `keys` (a request a
   * ticket carries, say), the ones whose return type declares `field` first. Types are matched by their
   * members' names in the source, so this works on the index alone, without a type checker.
   */
  async takingShape(keys: readonly string[], field?: string): Promise<SymbolInfo[]> {
    if (keys.length === 0) return [];
    const types = this.q<[number], SymbolRow>(
        `SELECT ${SYMBOL_COLS} FROM cg_manifest_file mf JOIN cg_symbol s ON s.hash = mf.hash
         WHERE mf.manifest = ? AND s.kind IN ('interface', 'type-alias', 'class') LIMIT 5000`,
      )
      .all(this.manifest);
    const texts = new Map<string, string[]>();
    const declares = async (r: SymbolRow, names: readonly string[]): Promise<boolean> => {
      let lines = texts.get(r.path);
      if (!lines) texts.set(r.path, (lines = ((await this.fileText(r.path)) ?? "").split("\n")));
      const body = lines.slice(r.start_line - 1, r.end_line).join("\n");
      return names.every((k) => new RegExp(`(?:^|[\\s{;,(])(?:readonly\\s+)?["']?${k.replace(/[^\w$]/g, "")}["']?\\??\\s*:`).test(body));
    };
    const shaped: SymbolRow[] = [];
    for (const t of types) if (await declares(t, keys)) shaped.push(t);
    const out: Array<{ info: SymbolInfo; rank: number }> = [];
    for (const t of shaped) {
      const fns = this.q<[number, string], SymbolRow>(
          `SELECT ${SYMBOL_COLS} FROM cg_manifest_file mf JOIN cg_symbol s ON s.hash = mf.hash
           WHERE mf.manifest = ? AND s.kind IN ('function', 'method', 'arrow-function', 'function-expression') AND s.signature LIKE ? ESCAPE '\\' LIMIT 50`,
        )
        .all(this.manifest, `%(%: ${likeEscape(t.name)}%`);
      for (const f of fns) {
        const first = /\(([^,)]*)/.exec(f.signature)?.[1] ?? "";
        if (!new RegExp(`:\\s*${t.name}\\b`).test(first)) continue;
        const returned = /\)\s*:\s*(?:Promise<)?([A-Za-z_$][\w$]*)/.exec(f.signature)?.[1];
        const retType = returned ? types.find((x) => x.name === returned) : undefined;
        const hasField = field && retType ? await declares(retType, [field]) : false;
        out.push({ info: toInfo(f), rank: (hasField ? 0 : 2) + (f.exported ? 0 : 1) });
      }
    }
    return out.sort((a, b) => a.rank - b.rank || a.info.id.localeCompare(b.info.id)).map((x) => x.info).filter((x, i, all) => all.findIndex((y) => y.id === x.id) === i);
  }

  private edgesTo(ids: readonly string[], kinds: readonly string[]): EdgeRow[] {
    if (ids.length === 0) return [];
    return this.q<unknown[], EdgeRow>(
        // CROSS JOIN keeps SQLite on the to_id index: joined the other way it walks every edge of the manifest.
        `SELECT mf.path AS path, e.kind, e.from_q, e.line, e.to_id FROM cg_edge e
         CROSS JOIN cg_manifest_file mf ON mf.unit = e.unit AND mf.manifest = ?
         WHERE e.to_id IN (${ids.map(() => "?").join(",")}) AND e.kind IN (${kinds.map(() => "?").join(",")})
         ORDER BY mf.path, e.line`,
      )
      .all(this.manifest, ...ids, ...kinds);
  }

  private edgesFrom(id: SymbolId, kinds: readonly string[]): EdgeRow[] {
    const { path, qualifiedName } = parseSymbolId(id);
    const unit = this.unitOf(path);
    if (!unit) return [];
    return this.q<unknown[], EdgeRow>(
        `SELECT ? AS path, kind, from_q, line, to_id FROM cg_edge
         WHERE unit = ? AND from_q = ? AND kind IN (${kinds.map(() => "?").join(",")}) ORDER BY line`,
      )
      .all(path, unit, qualifiedName, ...kinds);
  }

  /** Interface and base-class methods a class member stands in for: calls to those may reach it. */
  private abstractionsOf(id: SymbolId): SymbolId[] {
    const { path, qualifiedName } = parseSymbolId(id);
    const dot = qualifiedName.indexOf(".");
    if (dot < 0) return [];
    const unit = this.unitOf(path);
    if (!unit) return [];
    const owner = qualifiedName.slice(0, dot);
    const member = qualifiedName.slice(dot + 1);
    return this.q<[string, string], { target_id: string }>("SELECT target_id FROM cg_heritage WHERE unit = ? AND class_q = ?")
      .all(unit, owner)
      .map((r) => `${r.target_id}.${member}`)
      .filter((candidate) => this.findSymbol(candidate) !== undefined);
  }

  /** Classes implementing (or extending) the owner of an interface method, with their own member. */
  private implementationsOf(id: SymbolId): SymbolId[] {
    const { path, qualifiedName } = parseSymbolId(id);
    const dot = qualifiedName.indexOf(".");
    if (dot < 0) return [];
    const owner = symbolId(path, qualifiedName.slice(0, dot));
    const member = qualifiedName.slice(dot + 1);
    return this.q<[number, string], { path: string; class_q: string }>(
        `SELECT mf.path AS path, h.class_q FROM cg_heritage h CROSS JOIN cg_manifest_file mf ON mf.unit = h.unit AND mf.manifest = ?
         WHERE h.target_id = ?`,
      )
      .all(this.manifest, owner)
      .map((r) => symbolId(r.path, `${r.class_q}.${member}`))
      .filter((candidate) => this.findSymbol(candidate) !== undefined);
  }

  /** Functions stored into a member (cg_binding): a call through the member may reach them. */
  private boundTo(member: SymbolId): SymbolId[] {
    return this.q<[number, string], { value_id: string }>(
        `SELECT DISTINCT b.value_id FROM cg_binding b CROSS JOIN cg_manifest_file mf ON mf.unit = b.unit AND mf.manifest = ?
         WHERE b.member_id = ? ORDER BY b.value_id`,
      )
      .all(this.manifest, member)
      .map((r) => r.value_id);
  }

  /** Members a function is stored into: calls through them may reach it. */
  private boundAs(value: SymbolId): SymbolId[] {
    return this.q<[number, string], { member_id: string }>(
        `SELECT DISTINCT b.member_id FROM cg_binding b CROSS JOIN cg_manifest_file mf ON mf.unit = b.unit AND mf.manifest = ?
         WHERE b.value_id = ? ORDER BY b.member_id`,
      )
      .all(this.manifest, value)
      .map((r) => r.member_id);
  }

  /**
   * Direct callers of a symbol, including calls through the interfaces it implements and the members it is
   * bound to; for what construction runs (a constructor, a field initializer), the `new` and `super` of its class.
   */
  private directCallers(id: SymbolId, kinds: readonly string[]): Array<EdgeRow & { via?: SymbolId }> {
    const targets = [id];
    const via = new Map<string, SymbolId>();
    let around = [id];
    for (let hop = 0; hop < 4 && around.length; hop++) {
      const next: SymbolId[] = [];
      for (const a of around.flatMap((x) => [...this.abstractionsOf(x), ...this.boundAs(x)])) {
        if (via.has(a) || a === id) continue;
        targets.push(a);
        via.set(a, a);
        next.push(a);
      }
      around = next;
    }
    const rows: Array<EdgeRow & { via?: SymbolId }> = [];
    for (const r of this.edgesTo(targets, [...new Set([...kinds, "init"])])) {
      const v = via.get(r.to_id);
      if (v) {
        if (DISPATCHED.has(r.kind)) rows.push({ ...r, to_id: id, via: v });
      } else if (r.kind === "init") {
        // The class's `init` edge stands for its constructions: who calls `new X()` (or a subclass's super) runs this.
        if (r.from_q === null) continue;
        const construct = kinds.filter((k) => k === "new" || k === "super");
        rows.push(...this.edgesTo([symbolId(r.path, r.from_q)], construct).map((c) => ({ ...c, to_id: id })));
      } else rows.push(r);
    }
    return rows;
  }

  callers(id: SymbolId, depth: number, includeReferences = false): CallSite[] {
    this.requireSymbol(id);
    const kinds = includeReferences ? [...CALL_KINDS, "ref"] : CALL_KINDS;
    return walkCalls(id, depth, (target) =>
      this.directCallers(target, kinds).map((r) => ({
        caller: r.from_q === null ? null : symbolId(r.path, r.from_q),
        callee: target,
        kind: r.kind,
        site: `${r.path}:${r.line}`,
        ...(r.via ? { via: r.via } : {}),
      })),
      (site) => site.caller,
    );
  }

  private directCallees(id: SymbolId, kinds: readonly string[]): Array<{ callee: SymbolId; kind: string; site: string; via?: SymbolId }> {
    const out: Array<{ callee: SymbolId; kind: string; site: string; via?: SymbolId }> = [];
    for (const r of this.edgesFrom(id, kinds)) {
      const site = `${r.path}:${r.line}`;
      out.push({ callee: r.to_id, kind: r.kind, site });
      // Through an interface or type member (or a base method), what is bound to it or overrides it may run;
      // a member stored into another member (`{ err: io.err }`) leads on to what is bound to that one.
      if (!DISPATCHED.has(r.kind) || !isMember(r.to_id)) continue;
      const reached = new Set([r.to_id]);
      let members = [r.to_id];
      for (let hop = 0; hop < 4 && members.length; hop++) {
        const next: SymbolId[] = [];
        for (const member of members) {
          const target = this.findSymbol(member);
          const impls = target?.kind === "method-signature" || target?.kind === "method" ? this.implementationsOf(member) : [];
          for (const impl of [...impls, ...this.boundTo(member)]) {
            if (reached.has(impl)) continue;
            reached.add(impl);
            out.push({ callee: impl, kind: r.kind, site, via: r.to_id });
            if (isMember(impl)) next.push(impl);
          }
        }
        members = next;
      }
    }
    return out;
  }

  callees(id: SymbolId, depth: number, includeReferences = false): CallSite[] {
    this.requireSymbol(id);
    const kinds = includeReferences ? [...CALL_KINDS, "ref"] : CALL_KINDS;
    return walkCalls(id, depth, (source) => this.directCallees(source, kinds).map((c) => ({ caller: source, ...c })), (site) => site.callee);
  }

  /** Shortest call paths from one symbol to another (breadth-first over callees), up to `limit` paths. */
  callPaths(from: SymbolId, to: SymbolId, maxDepth: number, limit: number): CallPathStep[][] {
    this.requireSymbol(from);
    this.requireSymbol(to);
    const parents = new Map<SymbolId, Array<{ parent: SymbolId; site: string; kind: string; via?: SymbolId }>>([[from, []]]);
    let frontier = [from];
    for (let d = 0; d < maxDepth && frontier.length && !parents.has(to); d++) {
      const next: SymbolId[] = [];
      const levelNew = new Map<SymbolId, Array<{ parent: SymbolId; site: string; kind: string; via?: SymbolId }>>();
      for (const s of frontier) {
        for (const c of this.directCallees(s, CALL_KINDS)) {
          if (parents.has(c.callee)) continue;
          const list = levelNew.get(c.callee) ?? [];
          if (!levelNew.has(c.callee)) next.push(c.callee);
          list.push({ parent: s, site: c.site, kind: c.kind, ...(c.via ? { via: c.via } : {}) });
          levelNew.set(c.callee, list);
        }
      }
      for (const [k, v] of levelNew) parents.set(k, v);
      frontier = next;
    }
    if (!parents.has(to) || from === to) return from === to ? [[{ symbol: from, site: null }]] : [];
    const paths: CallPathStep[][] = [];
    const walk = (node: SymbolId, suffix: CallPathStep[]): void => {
      if (paths.length >= limit) return;
      if (node === from) {
        paths.push([{ symbol: from, site: null }, ...suffix]);
        return;
      }
      for (const p of parents.get(node) ?? []) walk(p.parent, [{ symbol: node, site: p.site, kind: p.kind, ...(p.via ? { via: p.via } : {}) }, ...suffix]);
    };
    walk(to, []);
    return paths;
  }

  findLiteral(text: string, exact: boolean): LiteralHit[] {
    if (!text) throw new UserError('text "" is empty: expected the words of a message or string to find, e.g. "Invalid currency code"');
    const rows = this.q<[number, string], { path: string; line: number; value: string; symbol: string | null }>(
        `SELECT mf.path AS path, l.line, l.value, l.symbol FROM cg_literal l JOIN cg_manifest_file mf ON mf.hash = l.hash
         WHERE mf.manifest = ? AND ${exact ? "l.value = ?" : "l.value LIKE ? ESCAPE '\\'"} ORDER BY mf.path, l.line LIMIT 5000`,
      )
      .all(this.manifest, exact ? text : `%${likeEscape(text)}%`);
    return rows.map((r) => ({ location: `${r.path}:${r.line}`, value: r.value, symbol: r.symbol ? symbolId(r.path, r.symbol) : null }));
  }

  /** Where environment variables and config keys are read; `key` matches a substring, case-insensitively. */
  configReads(key?: string, kind?: ConfigRead["kind"]): ConfigRead[] {
    const rows = this.q<[number, string, string | null, string | null], { path: string; line: number; key: string; kind: ConfigRead["kind"]; symbol: string | null }>(
        `SELECT mf.path AS path, r.line, r.key, r.kind, r.symbol FROM cg_config_read r JOIN cg_manifest_file mf ON mf.hash = r.hash
         WHERE mf.manifest = ? AND r.key LIKE ? ESCAPE '\\' AND (? IS NULL OR r.kind = ?) ORDER BY r.key, mf.path, r.line LIMIT 5000`,
      )
      .all(this.manifest, `%${likeEscape(key ?? "")}%`, kind ?? null, kind ?? null);
    return rows.map((r) => ({ key: r.key, kind: r.kind, location: `${r.path}:${r.line}`, symbol: r.symbol ? symbolId(r.path, r.symbol) : null }));
  }

  entryPoints(kind?: EntryPoint["kind"]): EntryPoint[] {
    const settings = this.store.manifestSettings(this.manifest) as ManifestSettings | undefined;
    const out: EntryPoint[] = [];
    // What a file exports, following `export *` and `export { a } from` to the declaring files.
    const exportsOf = (path: string, names: readonly string[] | null, seen: Set<string>): SymbolRow[] => {
      const key = `${path}\0${names?.join(",") ?? "*"}`;
      if (seen.has(key)) return [];
      seen.add(key);
      const own = this.q<[number, string], SymbolRow>(
          `SELECT ${SYMBOL_COLS} FROM cg_manifest_file mf JOIN cg_symbol s ON s.hash = mf.hash
           WHERE mf.manifest = ? AND mf.path = ? AND s.exported = 1 AND instr(s.qname, '.') = 0 ORDER BY s.start_line`,
        )
        .all(this.manifest, path)
        .filter((r) => !names || names.includes(r.qname) || names.includes(r.name));
      const unit = this.unitOf(path);
      const reexports = unit
        ? this.q<[string], { target: string; names: string | null }>(
              "SELECT target, names FROM cg_import WHERE unit = ? AND kind = 'reexport' AND target IS NOT NULL",
            )
            .all(unit)
        : [];
      return [
        ...own,
        ...reexports.flatMap((r) => {
          const taken = r.names ? (JSON.parse(r.names) as string[]) : null;
          const wanted = taken && names ? taken.filter((n) => names.includes(n)) : (taken ?? names);
          return wanted && wanted.length === 0 ? [] : exportsOf(r.target, wanted, seen);
        }),
      ];
    };
    if (!kind || kind === "package-export") {
      for (const file of settings?.entryFiles ?? []) {
        for (const r of exportsOf(file, null, new Set())) {
          out.push({ kind: "package-export", symbol: symbolId(r.path, r.qname), location: `${r.path}:${r.start_line}`, detail: `exported from ${file}` });
        }
      }
    }
    if (!kind || kind === "route") {
      const routes = this.q<[number], { path: string; line: number; framework: string; method: string; route_path: string; handler_id: string | null; handler_line: number }>(
          `SELECT mf.path AS path, r.line, r.framework, r.method, r.route_path, r.handler_id, r.handler_line FROM cg_route r
           JOIN cg_manifest_file mf ON mf.unit = r.unit AND mf.manifest = ? ORDER BY mf.path, r.line`,
        )
        .all(this.manifest);
      for (const r of routes) {
        out.push({
          kind: "route",
          symbol: r.handler_id,
          location: `${r.path}:${r.line}`,
          detail: `${r.method} ${r.route_path} (${r.framework}; handler at ${r.path}:${r.handler_line})`,
        });
      }
    }
    const fileEntries = (k: "bin" | "script" | "main", files: readonly string[], detail: string) => {
      if (kind && kind !== k) return;
      for (const f of files) out.push({ kind: k, symbol: null, location: `${f}:1`, detail });
    };
    fileEntries("bin", settings?.binFiles ?? [], "package.json bin");
    fileEntries("script", settings?.scriptFiles ?? [], "run by a package.json script");
    const mains = this.q<[number], { path: string }>(
        "SELECT mf.path AS path FROM cg_manifest_file mf JOIN cg_blob b ON b.hash = mf.hash WHERE mf.manifest = ? AND b.has_main = 1 ORDER BY mf.path",
      )
      .all(this.manifest)
      .map((r) => r.path);
    fileEntries("main", mains, "runs as a script (require.main, import.meta.main or process.argv)");
    return out;
  }

  /** The innermost symbol whose span holds a location. */
  symbolAt(location: string): SymbolInfo {
    const { path, line } = parseLocation(location);
    if (!this.hasPath(path)) {
      throw new UserError(`unknown path "${path}" in location "${location}" at revision ${this.revision.name}: expected a source file of the index`);
    }
    const row = this.q<[number, string, number, number], SymbolRow>(
        `SELECT ${SYMBOL_COLS} FROM cg_manifest_file mf JOIN cg_symbol s ON s.hash = mf.hash
         WHERE mf.manifest = ? AND mf.path = ? AND s.start_line <= ? AND s.end_line >= ?
         ORDER BY (s.end_line - s.start_line) ASC LIMIT 1`,
      )
      .get(this.manifest, path, line, line);
    if (!row) throw new UserError(`location "${location}" is not inside any symbol (module-level code): pass a line inside a function, method or class`);
    return toInfo(row);
  }

  /** The inline route handler (a function written in the route's call) whose span holds a line of a file. */
  private inlineRouteAt(path: string, line: number): InlineRoute | undefined {
    let routes = this.inlineRoutes.get(path);
    if (!routes) {
      routes = this.q<[number, string], InlineRoute>(
          `SELECT r.method, r.route_path, r.handler_line, r.handler_end_line FROM cg_route r
           JOIN cg_manifest_file mf ON mf.unit = r.unit AND mf.manifest = ? AND mf.path = ?
           WHERE r.handler_id IS NULL AND r.handler_end_line IS NOT NULL ORDER BY r.handler_line DESC`,
        )
        .all(this.manifest, path);
      this.inlineRoutes.set(path, routes);
    }
    // Innermost first: the latest start that holds the line.
    return routes.find((x) => x.handler_line <= line && x.handler_end_line >= line);
  }
  private readonly inlineRoutes = new Map<string, InlineRoute[]>();

  /** Every transitive caller (and referrer) of the targets, nearest first, with the entry points they are. */
  impact(targets: readonly string[], maxDepth: number): { targets: SymbolId[]; items: ImpactItem[] } {
    const start = targets.map((t) => (t.includes("#") ? this.requireSymbol(t).id : this.symbolAt(t).id));
    const entries = new Map<SymbolId, string[]>();
    for (const e of this.entryPoints()) {
      if (!e.symbol) continue;
      entries.set(e.symbol, [...(entries.get(e.symbol) ?? []), e.kind === "route" ? `route ${e.detail.split(" (")[0]}` : e.kind]);
    }
    const items: ImpactItem[] = [];
    const seen = new Set(start);
    let frontier = [...new Set(start)];
    for (let d = 1; d <= maxDepth && frontier.length; d++) {
      const next: SymbolId[] = [];
      for (const target of frontier) {
        for (const r of this.directCallers(target, [...CALL_KINDS, "ref"])) {
          // Inside an inline route handler (a function written in the route's call, with no symbol of its own),
          // the route is who is hit, not the function that set the route up; nothing calls it but the framework.
          const route = this.inlineRouteAt(r.path, r.line);
          if (route) {
            const caller = `${r.path}:${route.handler_line}`;
            if (!seen.has(caller)) {
              seen.add(caller);
              items.push({ symbol: caller, distance: d, towards: target, site: `${r.path}:${r.line}`, entryPoints: [`route ${route.method} ${route.route_path}`] });
            }
            continue;
          }
          if (r.from_q === null) continue;
          const caller = symbolId(r.path, r.from_q);
          if (seen.has(caller)) continue;
          seen.add(caller);
          next.push(caller);
          items.push({ symbol: caller, distance: d, towards: target, site: `${r.path}:${r.line}`, entryPoints: entries.get(caller) ?? [] });
        }
      }
      frontier = next;
    }
    return { targets: [...new Set(start)], items };
  }
}
