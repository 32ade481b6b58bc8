import type { Hunk } from "../git-history/diff.js";
import type { RunResult, TraceEvent } from "./sandbox/protocol.js";
import { Span } from "../../core/span.js";

/**
 * Value provenance (DESIGN.md, depth 2): when the first value that diverges is read outside the change, which
 * changed definition produced it. The run's coverage says which sites ran and what lines each spans, so a
 * changed line inside a multi-line definition (a regex in a tag table, an entry of a constant object) is
 * known to have run even though no trace step starts on it; the use site's text says which names it reads.
 * The changed definition that ran and defines a name the use reads is the root cause; the use is its `via`.
 */

/** A file's text on one side, for reading the names a use site reads (read only when provenance needs it). */
export type SourceText = (side: "base" | "head", path: string) => Promise<string | undefined>;

/** One site of a run's coverage: its span and whether it ran. */
interface CoverageSite {
  line: number;
  endLine: number;
  kind: "s" | "f";
  hit: boolean;
}

/** A changed definition that ran: the innermost site holding changed lines, and what it defines. */
export interface ChangedDefinition {
  side: "base" | "head";
  path: string;
  /** The site's span on its side. */
  line: number;
  endLine: number;
  /** The first changed line inside it on its side (the root cause's line). */
  changed: number;
  /** Names the changed lines define or mention: declarations, property keys, called names. */
  names: Set<string>;
  /** The site's first step in the trace, -1 when the trace did not record it (load before recording, truncation). */
  traced: number;
}

const KEYWORDS = new Set(
  "abstract any as async await boolean break case catch class const constructor continue debugger declare default delete do else enum export extends false finally for from function get if implements import in instanceof interface is keyof let module namespace never new null number object of package private protected public readonly return satisfies set static string super switch symbol this throw true try type typeof undefined unknown var void while with yield".split(
    " ",
  ),
);

/** Identifier-like words of some code, minus keywords and the one-letter names that every file has. */
export function words(code: string): Set<string> {
  const out = new Set<string>();
  // String and template contents are data, not names; a regex literal's text neither.
  const bare = code.replace(/(["'`])(?:\\.|(?!\1)[^\\])*\1/g, '""').replace(/\/\/.*$/gm, "");
  for (const m of bare.matchAll(/[A-Za-z_$][\w$]*/g)) {
    const w = m[0];
    if (w.length > 1 && !KEYWORDS.has(w)) out.add(w);
  }
  return out;
}

export function parseSites(compact: string | undefined): CoverageSite[] {
  if (!compact) return [];
  return compact.split(";").flatMap((part) => {
    const [line, endLine, kind] = part.split(",");
    if (!line || !endLine || !kind) return [];
    return [{ line: Number(line), endLine: Number(endLine), kind: kind.toLowerCase() as "s" | "f", hit: kind === kind.toUpperCase() }];
  });
}

/** The changed lines of a hunk on one side: head's added lines or base's removed ones, with their numbers. */
function changedLines(h: Hunk, side: "base" | "head"): Array<{ line: number; text: string }> {
  const [start, lines] = side === "head" ? [h.newStart, h.added] : [h.oldStart, h.removed];
  return lines.map((text, i) => ({ line: start + i, text }));
}

/**
 * Every changed definition that ran on one side: for each changed line, the innermost site of the run's
 * coverage that spans it and ran. Function sites count only for their own first line (a signature); a
 * function that merely contains the change is not a definition of it.
 */
export function changedDefinitions(run: RunResult, side: "base" | "head", files: ReadonlyArray<{ path: string; hunks: Hunk[] }>): ChangedDefinition[] {
  const out = new Map<string, ChangedDefinition>();
  for (const f of files) {
    const sites = parseSites(run.coverage.files[f.path]?.sites).filter((s) => s.hit);
    if (!sites.length) continue;
    for (const h of f.hunks) {
      for (const { line, text } of changedLines(h, side)) {
        let best: CoverageSite | undefined;
        for (const s of sites) {
          const spans = s.kind === "s" ? s.line <= line && s.endLine >= line : s.line === line;
          if (spans && (!best || s.endLine - s.line < best.endLine - best.line)) best = s;
        }
        if (!best) continue;
        const key = `${best.line}`;
        const def = out.get(`${f.path}:${key}`) ?? {
          side,
          path: f.path,
          line: best.line,
          endLine: best.endLine,
          changed: line,
          names: new Set<string>(),
          traced: run.trace.findIndex((e) => e.kind === "step" && e.at === `${f.path}:${best.line}`),
        };
        for (const w of words(text)) def.names.add(w);
        out.set(`${f.path}:${key}`, def);
      }
    }
  }
  return [...out.values()];
}

/** The span of the site that starts at a trace event's line, from the run's coverage (the line alone when unknown). */
export function siteSpan(run: RunResult, at: string): { path: string; line: number; endLine: number } {
  const span = Span.parse(at, "trace location");
  const sites = parseSites(run.coverage.files[span.path]?.sites).filter((s) => s.line === span.line);
  // A statement on the line is the use; a function starting there is read only by its signature.
  const s = sites.find((x) => x.kind === "s");
  return { path: span.path, line: span.line, endLine: s ? s.endLine : span.line };
}

/** The names the code at a trace event reads: the words of its statement's lines (just its first line for a function). */
export async function namesAt(run: RunResult, side: "base" | "head", at: string, text: SourceText): Promise<Set<string>> {
  const { path, line, endLine } = siteSpan(run, at);
  const source = await text(side, path);
  if (source === undefined) return new Set();
  const lines = source.split("\n").slice(line - 1, Math.min(endLine, line + 40));
  return words(lines.join("\n"));
}

export interface Provenance {
  definition: ChangedDefinition;
  /** The names the use reads that the definition's changed lines define. */
  shared: string[];
}

/**
 * The changed definition behind a use: the one whose changed lines define the most names the use reads;
 * among equals (or when none shares a name), the one that ran last before the use, then the first that ran.
 */
export function provenanceOf(use: { at: string; index: number }, uses: Set<string>, defs: ChangedDefinition[]): Provenance | undefined {
  if (!defs.length) return undefined;
  const scored = defs.map((d) => ({ d, shared: [...d.names].filter((n) => uses.has(n)) }));
  const before = (d: ChangedDefinition) => (d.traced >= 0 && d.traced <= use.index ? d.traced : -1);
  scored.sort((a, b) => b.shared.length - a.shared.length || before(b.d) - before(a.d) || a.d.traced - b.d.traced);
  const top = scored[0] as { d: ChangedDefinition; shared: string[] };
  return { definition: top.d, shared: top.shared };
}

/** The symbol holding a line: the innermost function of the run that spans it, else the module. */
export function symbolAt(run: RunResult, path: string, line: number): string {
  let best: { symbol: string; line: number; endLine: number } | undefined;
  for (const f of run.functions) {
    if (f.path === path && f.line <= line && f.endLine >= line && (!best || f.endLine - f.line < best.endLine - best.line)) best = f;
  }
  return best?.symbol ?? `${path}#<module>`;
}

/** The first event of each trace that differs once the events inside the change are set aside: where behaviour first differs outside it. */
export function firstDivergenceOutside(
  bt: readonly TraceEvent[],
  ht: readonly TraceEvent[],
  key: (e: TraceEvent, side: "base" | "head") => string,
  inChange: (e: TraceEvent, side: "base" | "head") => boolean,
): { base: number; head: number } | undefined {
  const b = bt.map((e, i) => ({ e, i })).filter((x) => !inChange(x.e, "base"));
  const h = ht.map((e, i) => ({ e, i })).filter((x) => !inChange(x.e, "head"));
  let k = 0;
  while (k < b.length && k < h.length && key((b[k] as { e: TraceEvent }).e, "base") === key((h[k] as { e: TraceEvent }).e, "head")) k++;
  if (k >= b.length && k >= h.length) return undefined;
  return { base: b[k]?.i ?? -1, head: h[k]?.i ?? -1 };
}
