import { UserError } from "./errors.js";

/**
 * Ids shared by every part of Worldline (DESIGN.md, "Contracts"):
 * a symbol is `path#Name` or `path#Class.member` (`path#default` for a default export); a member of an
 * object literal is named by its path from a symbol, members joined by dots and elements of an array by
 * index: `path#binary.stringify`, `path#jsonScalars[0].resolve`, `path#routes.user.create`,
 * `path#default.setup`; a graph node is `kind:key`; a location is `path:line`, 1-based, from the repo root.
 */
export type SymbolId = string;

export function symbolId(path: string, qualifiedName: string): SymbolId {
  return `${path}#${qualifiedName}`;
}

export interface ParsedSymbolId {
  path: string;
  qualifiedName: string;
}

export function parseSymbolId(id: string): ParsedSymbolId {
  const hash = id.indexOf("#");
  if (hash <= 0 || hash === id.length - 1) {
    throw new UserError(`symbol "${id}" is not a symbol id: expected path#Name, path#Class.member or path#object.member, e.g. src/a.ts#f`);
  }
  return { path: id.slice(0, hash), qualifiedName: id.slice(hash + 1) };
}

export const NODE_KINDS = [
  "file",
  "symbol",
  "commit",
  "person",
  "ticket",
  "incident",
  "decision",
  "scenario",
  "simulation",
  "config",
  "episode",
] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

export function nodeId(kind: NodeKind, key: string): string {
  return `${kind}:${key}`;
}

export interface Location {
  path: string;
  line: number;
}

export function formatLocation(loc: Location): string {
  return `${loc.path}:${loc.line}`;
}

export function parseLocation(text: string): Location {
  const m = /^(.+):(\d+)$/.exec(text);
  const line = m ? Number(m[2]) : 0;
  if (!m || !m[1] || line < 1) {
    throw new UserError(`location "${text}" is not path:line: expected a repo-relative path and a 1-based line, e.g. src/a.ts:12`);
  }
  return { path: m[1], line };
}
