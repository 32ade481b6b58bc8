import { posix } from "node:path";

/**
 * Source maps (version 3) of a repo's build output, read without a dependency: the `mappings` VLQ decoded
 * line by line, and a generated position looked up as the original source and line it came from.
 */

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** One mapped segment: generated column, source index, original line and column (all 0-based). */
export interface Segment {
  column: number;
  source: number;
  line: number;
  sourceColumn: number;
}

/** The VLQ numbers of one segment (`AAgBC` -> [0, 0, 16, 1]); undefined when it is not base64 VLQ. */
export function decodeVlq(text: string): number[] | undefined {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of text) {
    const digit = DIGIT.get(c);
    if (digit === undefined) return undefined;
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return shift === 0 ? out : undefined;
}

/** `mappings` as segments per generated line; segments without a source (1 field) are left out. */
export function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let source = 0;
  let line = 0;
  let sourceColumn = 0;
  for (const text of mappings.split(";")) {
    const segments: Segment[] = [];
    let column = 0;
    for (const part of text.split(",")) {
      if (!part) continue;
      const f = decodeVlq(part);
      if (!f || f.length === 0) continue;
      column += f[0] ?? 0;
      if (f.length < 4) continue;
      source += f[1] ?? 0;
      line += f[2] ?? 0;
      sourceColumn += f[3] ?? 0;
      segments.push({ column, source, line, sourceColumn });
    }
    lines.push(segments.sort((a, b) => a.column - b.column));
  }
  return lines;
}

export interface SourceMap {
  sources: string[];
  sourceRoot?: string;
  lines: Segment[][];
}

/** A source map's text as its sources and decoded lines; undefined when it is not a version 3 map with mappings. */
export function parseSourceMap(text: string): SourceMap | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\)\]\}'[^\n]*\n/, ""));
  } catch {
    return undefined;
  }
  if (!raw || typeof raw !== "object") return undefined;
  const m = raw as { sources?: unknown; sourceRoot?: unknown; mappings?: unknown };
  if (!Array.isArray(m.sources) || typeof m.mappings !== "string") return undefined;
  return {
    sources: m.sources.map((s) => (typeof s === "string" ? s : "")),
    ...(typeof m.sourceRoot === "string" && m.sourceRoot ? { sourceRoot: m.sourceRoot } : {}),
    lines: decodeMappings(m.mappings),
  };
}

/**
 * The original source (as the map names it) and 1-based line of a generated 1-based line and column: the
 * segment at or before the column, else the line's first segment, else the nearest mapped line above.
 */
export function originalPosition(map: SourceMap, line: number, column = 1): { source: string; line: number } | undefined {
  for (let l = line - 1; l >= 0 && l >= line - 50; l--) {
    const segments = map.lines[l];
    if (!segments?.length) continue;
    const at = l === line - 1 ? [...segments].reverse().find((s) => s.column <= column - 1) ?? segments[0] : segments[segments.length - 1];
    const source = at ? map.sources[at.source] : undefined;
    if (at && source !== undefined) return { source, line: at.line + 1 };
  }
  return undefined;
}

/** The repo path a map's source names, relative to the map's own folder and its sourceRoot (`../../src/x.ts`). */
export function sourcePath(mapPath: string, map: Pick<SourceMap, "sourceRoot">, source: string): string {
  const bare = source.replace(/^webpack:\/\/[^/]*\//, "").replace(/^file:\/\//, "");
  const joined = posix.isAbsolute(bare) ? bare : posix.join(posix.dirname(mapPath), map.sourceRoot ?? "", bare);
  return posix.normalize(joined).replace(/^(?:\.\/)+/, "").replace(/^\//, "");
}

/** Where a built file's map is: its `//# sourceMappingURL=` (a file next to it, or inline base64), else `<file>.map`. */
export function mapReference(builtPath: string, builtText: string | undefined): { path: string } | { inline: string } {
  const url = builtText ? [...builtText.matchAll(/\/\/[#@]\s*sourceMappingURL=(\S+)/g)].pop()?.[1] : undefined;
  if (url) {
    const inline = /^data:application\/json(?:;charset=[\w-]+)?;base64,(.+)$/.exec(url);
    if (inline?.[1]) return { inline: Buffer.from(inline[1], "base64").toString("utf8") };
    if (!/^[a-z]+:/i.test(url)) return { path: posix.normalize(posix.join(posix.dirname(builtPath), decodeURIComponent(url))) };
  }
  return { path: `${builtPath}.map` };
}
