/**
 * Source maps for fixture repos, written by a tiny encoder of their own (so the decoder is not tested
 * against itself): base64 VLQ segments of generated column, source, original line and column.
 */
const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

export function encodeVlq(n: number): string {
  let v = n < 0 ? (-n << 1) | 1 : n << 1;
  let out = "";
  do {
    let digit = v & 31;
    v >>>= 5;
    if (v > 0) digit |= 32;
    out += BASE64[digit];
  } while (v > 0);
  return out;
}

/** One mapping, all 1-based as editors show them: this generated line and column came from that source line and column. */
export interface Mapping {
  line: number;
  column?: number;
  sourceLine: number;
  sourceColumn?: number;
}

/** A version 3 source map of one generated file with one source. */
export function sourceMapOf(file: string, source: string, mappings: readonly Mapping[]): string {
  const byLine = new Map<number, Mapping[]>();
  for (const m of mappings) byLine.set(m.line, [...(byLine.get(m.line) ?? []), m]);
  const last = Math.max(0, ...mappings.map((m) => m.line));
  let prevSourceLine = 0;
  let prevSourceColumn = 0;
  const lines: string[] = [];
  for (let line = 1; line <= last; line++) {
    let prevColumn = 0;
    const segments = (byLine.get(line) ?? []).sort((a, b) => (a.column ?? 1) - (b.column ?? 1)).map((m) => {
      const column = (m.column ?? 1) - 1;
      const sourceLine = m.sourceLine - 1;
      const sourceColumn = (m.sourceColumn ?? 1) - 1;
      const seg = [column - prevColumn, 0, sourceLine - prevSourceLine, sourceColumn - prevSourceColumn].map(encodeVlq).join("");
      prevColumn = column;
      prevSourceLine = sourceLine;
      prevSourceColumn = sourceColumn;
      return seg;
    });
    lines.push(segments.join(","));
  }
  return JSON.stringify({ version: 3, file, sources: [source], names: [], mappings: lines.join(";") });
}
