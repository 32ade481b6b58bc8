import type { CodeGraph, SymbolInfo } from "../code-graph/queries.js";
import type { ChangedSymbol, FileDiff } from "../git-history/diff.js";
import type { Scenario } from "./format.js";
import { Span } from "../../core/span.js";

/**
 * Depth 1, the static trace: find a scenario's entry points, walk the call graph from them in statement
 * order, and mark the steps whose code a change touches.
 */
export interface EntryCandidate {
  symbol: string;
  score: number;
  why: string;
}

export interface TraceStep {
  /** The symbol the step is in. */
  symbol: string;
  /** path:line of the step: a symbol's first line when entering it, else the call site. */
  location: string;
  kind: "enter" | "call";
  /** For a call step, the symbol it calls. */
  call?: string;
  depth: number;
  /** Set when the change touches this step: how, and the hunks (new side) that touch it. */
  touched?: { change: string; hunks: string[] };
}

const STOP = new Set("the and for with when from that this into then than must should will a an of to in on is are be it its as at by or not".split(" "));

function words(text: string): string[] {
  return (text.match(/[A-Za-z][a-z]+|[A-Z]+(?![a-z])|\d+/g) ?? []).map((w) => w.toLowerCase()).filter((w) => w.length > 2 && !STOP.has(w));
}

/**
 * Entry points: the `simulate:` steps' calls, else the scenario's `entry` list, else retrieval over symbol
 * names (split into words) and routes against the scenario's words, plus symbols its tickets name.
 */
export function findEntries(s: Scenario, graph: CodeGraph, ticketSymbols: readonly string[] = []): EntryCandidate[] {
  const fixed = [...new Set(s.simulate?.steps.flatMap((st) => (st.call ? [st.call] : [])) ?? [])];
  if (fixed.length) return fixed.map((symbol) => ({ symbol, score: 1, why: "a simulate step calls it" }));
  if (s.entry.length) return s.entry.map((symbol) => ({ symbol, score: 1, why: "listed as an entry" }));
  const text = new Set(words(`${s.title} ${s.title} ${s.prose}`));
  const scores = new Map<string, EntryCandidate>();
  const offer = (c: EntryCandidate) => {
    const prev = scores.get(c.symbol);
    if (!prev || prev.score < c.score) scores.set(c.symbol, c);
  };
  for (const w of text) {
    if (w.length < 4) continue;
    for (const sym of graph.search(w).slice(0, 50)) {
      if (!["function", "arrow-function", "function-expression", "method"].includes(sym.kind)) continue;
      const nameWords = words(sym.name);
      if (nameWords.length === 0) continue;
      const hit = nameWords.filter((n) => text.has(n)).length;
      const score = hit / nameWords.length;
      if (score >= 0.5 && hit >= Math.min(2, nameWords.length)) offer({ symbol: sym.id, score: Math.round(score * 100) / 100, why: `its name matches "${nameWords.filter((n) => text.has(n)).join(" ")}"` });
    }
  }
  for (const e of graph.entryPoints("route")) {
    const route = e.detail.split(" (")[0] ?? "";
    if (e.symbol && `${s.title} ${s.prose}`.includes(route.split(" ")[1] ?? "\0")) offer({ symbol: e.symbol, score: 0.9, why: `the scenario names route ${route}` });
  }
  for (const sym of ticketSymbols) offer({ symbol: sym, score: 0.8, why: "a ticket the scenario comes from names it" });
  return [...scores.values()].sort((a, b) => b.score - a.score || a.symbol.localeCompare(b.symbol)).slice(0, 5);
}

/**
 * Depth-first from each entry, callees in statement order, each symbol entered once, to `maxDepth` calls.
 * Each symbol is entered on a shortest path to it (found first, breadth-first), so a symbol met early down a
 * long branch is still followed where it is near, and the depth bound cuts as little as it can. A class
 * stands for its construction: what it leads to (its constructor, field initializers, base class) is as deep
 * as the class, so `new X()` costs one level, as a call does.
 */
export function walkTrace(
  graph: CodeGraph,
  entries: readonly string[],
  maxDepth = 8,
  maxSteps = 500,
  calleesOf: (symbol: string) => Array<{ callee: string; site: string }> = (symbol) => graph.callees(symbol, 1),
): TraceStep[] {
  const infos = new Map<string, SymbolInfo | null>();
  const infoOf = (symbol: string): SymbolInfo | null => {
    let info = infos.get(symbol);
    if (info === undefined) {
      try {
        info = graph.requireSymbol(symbol);
      } catch {
        info = null; // a callee outside the index (an interface member with no body, a removed symbol)
      }
      infos.set(symbol, info);
    }
    return info;
  };
  const step = (symbol: string): number => (infoOf(symbol)?.kind === "class" ? 0 : 1);

  // Shortest depths, breadth-first with zero-cost steps out of classes (a 0-1 BFS), within a budget of
  // symbols expanded. A depth known is a real path's length, so the walk below only ever skips a symbol it
  // will meet nearer.
  const shortest = new Map<string, number>();
  const queue: Array<[string, number]> = [];
  for (const e of entries) {
    if (shortest.has(e)) continue;
    shortest.set(e, 0);
    queue.push([e, 0]);
  }
  for (let budget = maxSteps * 10; queue.length && budget > 0; budget--) {
    const [symbol, depth] = queue.shift() as [string, number];
    if (depth > (shortest.get(symbol) ?? Infinity) || depth >= maxDepth || !infoOf(symbol)) continue;
    const d = depth + step(symbol);
    for (const c of calleesOf(symbol)) {
      if ((shortest.get(c.callee) ?? Infinity) <= d) continue;
      shortest.set(c.callee, d);
      if (d === depth) queue.unshift([c.callee, d]);
      else queue.push([c.callee, d]);
    }
  }

  const steps: TraceStep[] = [];
  const entered = new Set<string>();
  const visit = (symbol: string, depth: number) => {
    if (entered.has(symbol) || steps.length >= maxSteps) return;
    // Met here deeper than its shortest path: it is entered where that path reaches it.
    if ((shortest.get(symbol) ?? Infinity) < depth) return;
    const info = infoOf(symbol);
    if (!info) return;
    entered.add(symbol);
    steps.push({ symbol, location: info.location, kind: "enter", depth });
    if (depth >= maxDepth) return;
    const calls = [...calleesOf(symbol)].sort((a, b) => lineOf(a.site) - lineOf(b.site));
    for (const c of calls) {
      if (steps.length >= maxSteps) return;
      steps.push({ symbol, location: c.site, kind: "call", call: c.callee, depth });
      visit(c.callee, depth + step(symbol));
    }
  };
  for (const e of entries) visit(e, 0);
  return steps;
}

function lineOf(location: string): number {
  return Span.parse(location, "step location").line;
}

/**
 * Marks the steps a change touches: entering a changed symbol, or a call site inside a hunk. A class or an
 * object whose change lies wholly inside its changed members (`X.m`, `table[0].resolve`) is not touched
 * itself: the trace reaches those members as steps of their own (construction enters X.constructor), and a
 * member off the path does not make the path touched.
 */
export function markTouched(steps: TraceStep[], changes: readonly ChangedSymbol[], files: readonly FileDiff[]): TraceStep[] {
  const changed = new Map(changes.filter((c) => c.head).map((c) => [c.head?.id ?? c.id, c]));
  const hunks = new Map(files.map((f) => [f.path, f.hunks.map((h) => ({ start: h.newStart, end: h.newStart + Math.max(h.newLines, 1) - 1 }))]));
  const fmt = (path: string, h: { start: number; end: number }) => `${path}:${h.start}${h.end > h.start ? `-${h.end}` : ""}`;
  const spanOf = (span: string): Span => Span.parse(span, "changed symbol's span");
  const memberSpans = (id: string): Array<{ start: number; end: number }> =>
    [...changed.values()].filter((c) => c.head && (c.head.id.startsWith(`${id}.`) || c.head.id.startsWith(`${id}[`))).map((c) => spanOf(c.head?.span ?? ""));
  return steps.map((s) => {
    const { path, line } = Span.parse(s.location, "step location");
    const inFile = hunks.get(path) ?? [];
    if (s.kind === "enter") {
      const c = changed.get(s.symbol);
      if (!c) return s;
      const { start: a, end: b } = spanOf(c.head?.span ?? "");
      const inSpan = inFile.filter((h) => h.end >= a && h.start <= b);
      if (c.change === "modified-body") {
        const members = memberSpans(s.symbol);
        const own = inSpan.filter((h) => !members.some((m) => m.start <= h.start && m.end >= h.end));
        if (members.length && own.length === 0) return s;
      }
      return { ...s, touched: { change: c.change, hunks: inSpan.map((h) => fmt(path, h)) } };
    }
    const hit = inFile.filter((h) => line >= h.start && line <= h.end);
    return hit.length ? { ...s, touched: { change: "changed-line", hunks: hit.map((h) => fmt(path, h)) } } : s;
  });
}
