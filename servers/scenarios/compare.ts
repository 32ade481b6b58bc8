import { rootCause as makeRootCause, type RootCause } from "../../core/verdict.js";
import { holdsHeadLine, type FileDiff, type Hunk } from "../git-history/diff.js";
import type { Effect, ExpectationStatus, RunResult, TraceEvent } from "./sandbox/protocol.js";
import { Span } from "../../core/span.js";

/**
 * Comparing a scenario's run on base with its run on head (DESIGN.md, depth 2): align the traces step by
 * step (base lines mapped through the diff), find the first divergence that lies in the change (the root
 * cause, with the values on each side), diff the effects, and decide the verdict.
 */

/** Maps base lines of a file to head lines through its hunks; a line inside a hunk maps to nothing. */
class LineMap {
  private readonly byPath = new Map<string, { path: string; hunks: Hunk[] }>();

  constructor(files: FileDiff[]) {
    for (const f of files) this.byPath.set(f.oldPath ?? f.path, { path: f.path, hunks: f.hunks });
  }

  toHead(path: string, line: number): { path: string; line: number | undefined } {
    const f = this.byPath.get(path);
    if (!f) return { path, line };
    let shift = 0;
    for (const h of f.hunks) {
      const end = h.oldStart + h.oldLines - 1;
      if (h.oldLines > 0 && line >= h.oldStart && line <= end) return { path: f.path, line: undefined };
      if ((h.oldLines > 0 ? end : h.oldStart) < line) shift += h.newLines - h.oldLines;
    }
    return { path: f.path, line: line + shift };
  }

  /** The hunk holding a head line, if the change touched it. */
  hunkAtHead(path: string, line: number): Hunk | undefined {
    for (const f of this.byPath.values()) {
      if (f.path !== path) continue;
      return f.hunks.find((h) => holdsHeadLine(h, line));
    }
    return undefined;
  }

  hunkAtBase(path: string, line: number): Hunk | undefined {
    const f = this.byPath.get(path);
    return f?.hunks.find((h) => h.oldLines > 0 && line >= h.oldStart && line < h.oldStart + h.oldLines);
  }
}

const split = (at: string): [string, number] => {
  const span = Span.parse(at, "trace location");
  return [span.path, span.line];
};

export interface EffectsDiff {
  added: Effect[];
  removed: Effect[];
  changed: Array<{ target: string; at: string; base: unknown[]; head: unknown[] }>;
}

export interface ExpectationOutcome {
  step: number;
  expect: string;
  base: ExpectationStatus | "not-run";
  head: ExpectationStatus | "not-run";
  detail?: string;
  symbolic?: boolean;
}

export interface Comparison {
  diverged: boolean;
  /** Index of the first differing trace event (head side). */
  divergence?: number;
  rootCause?: RootCause;
  effectsDiff: EffectsDiff;
  resultsDiffer: boolean;
  expectations: ExpectationOutcome[];
  /** The head trace around the root cause (or the divergence). */
  steps: TraceEvent[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Effects aligned by target in order (longest common subsequence), then their arguments compared. */
export function diffEffects(base: Effect[], head: Effect[]): EffectsDiff {
  const n = base.length;
  const m = head.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const row = lcs[i] as number[];
      row[j] = base[i]?.target === head[j]?.target ? (lcs[i + 1]?.[j + 1] ?? 0) + 1 : Math.max(lcs[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const out: EffectsDiff = { added: [], removed: [], changed: [] };
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    const b = base[i] as Effect;
    const h = head[j] as Effect;
    if (b.target === h.target) {
      if (!same(b.args, h.args)) out.changed.push({ target: h.target, at: h.at, base: b.args, head: h.args });
      i++;
      j++;
    } else if ((lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0)) out.removed.push(base[i++] as Effect);
    else out.added.push(head[j++] as Effect);
  }
  while (i < n) out.removed.push(base[i++] as Effect);
  while (j < m) out.added.push(head[j++] as Effect);
  return out;
}

function valueAfter(trace: TraceEvent[], from: number, at: string): unknown {
  for (let k = from; k < trace.length && k < from + 400; k++) {
    const e = trace[k] as TraceEvent;
    if (e.kind === "value" && e.at === at) return e.value;
    if (e.kind === "step" && e.at !== at && k > from) break;
  }
  return undefined;
}

function returnOf(trace: TraceEvent[], from: number, symbol: string | undefined): unknown {
  for (let k = from; k < trace.length; k++) {
    const e = trace[k] as TraceEvent;
    if ((e.kind === "return" || e.kind === "throw") && e.symbol === symbol) return e.value;
  }
  return undefined;
}

export function compareRuns(base: RunResult, head: RunResult, files: FileDiff[]): Comparison {
  const map = new LineMap(files);
  const bt = base.trace;
  const ht = head.trace;
  const key = (e: TraceEvent, side: "base" | "head") => {
    const [path, line] = split(e.at);
    const mapped = side === "base" ? map.toHead(path, line) : { path, line };
    return `${e.kind}@${mapped.path}:${mapped.line ?? "changed"}|${JSON.stringify(e.value ?? null)}`;
  };
  let d = 0;
  while (d < bt.length && d < ht.length && key(bt[d] as TraceEvent, "base") === key(ht[d] as TraceEvent, "head")) d++;
  const traceDiverged = d < bt.length || d < ht.length;

  let rootCause: RootCause | undefined;
  let anchor = d;
  if (traceDiverged) {
    // Why a side has no value: said in the root cause's note instead of leaving a reader to guess.
    const cut = (run: RunResult, side: "base" | "head") =>
      run.truncated > 0 ? `the ${side} trace was cut after ${run.trace.length} events (${run.truncated} more not recorded)` : `no value recorded on ${side}`;
    const notes = (parts: Array<string | false | undefined>) => parts.filter((p): p is string => typeof p === "string" && p !== "").join("; ") || undefined;
    const symbolOf = (e: TraceEvent) => e.symbol ?? `${split(e.at)[0]}#<module>`;
    // The first step at or after the divergence whose line the change touched, on head; else on base.
    let j = ht.findIndex((e, k) => k >= d && e.kind !== "exit" && map.hunkAtHead(...split(e.at)) !== undefined);
    if (j >= 0) {
      const e = ht[j] as TraceEvent;
      const hunk = map.hunkAtHead(...split(e.at)) as Hunk;
      const [path] = split(e.at);
      const bj = bt.findIndex((x, k) => k >= d && split(x.at)[0] === (files.find((f) => f.path === path)?.oldPath ?? path) && map.hunkAtBase(...split(x.at)) === hunk);
      const headValue = e.kind === "return" || e.kind === "throw" ? e.value : valueAfter(ht, j, e.at);
      const baseValue = bj >= 0 ? (bt[bj]?.kind === "return" ? bt[bj]?.value : valueAfter(bt, bj, (bt[bj] as TraceEvent).at)) : undefined;
      if (baseValue !== undefined || headValue !== undefined) {
        rootCause = makeRootCause({
          location: e.at,
          symbol: symbolOf(e),
          base: baseValue,
          head: headValue,
          note: notes([
            baseValue === undefined && (bj < 0 ? (base.truncated > 0 ? cut(base, "base") : "no step of this hunk ran on base") : "the step bound no value on base"),
            headValue === undefined && (head.truncated > 0 ? cut(head, "head") : "the step bound no value on head"),
          ]),
        });
      } else if (e.symbol === undefined) {
        // Module-level code binds nothing the trace records and returns nothing: there is no value on either side.
        rootCause = makeRootCause({ location: e.at, symbol: symbolOf(e), note: "module-level code: the statement records no value and returns none, on base or head" });
      } else {
        const b = returnOf(bt, d, e.symbol);
        const h = returnOf(ht, j, e.symbol);
        rootCause = makeRootCause({
          location: e.at,
          symbol: symbolOf(e),
          base: b,
          head: h,
          note: notes([b === undefined && (base.truncated > 0 ? cut(base, "base") : `${e.symbol} returned no value on base`), h === undefined && (head.truncated > 0 ? cut(head, "head") : `${e.symbol} returned no value on head`)]),
        });
      }
      anchor = j;
    } else {
      j = bt.findIndex((e, k) => k >= d && map.hunkAtBase(...split(e.at)) !== undefined);
      if (j >= 0) {
        const e = bt[j] as TraceEvent;
        const b = valueAfter(bt, j, e.at) ?? (e.symbol === undefined ? undefined : returnOf(bt, j, e.symbol));
        rootCause = makeRootCause({
          location: e.at,
          symbol: symbolOf(e),
          base: b,
          note: notes(["the line is on base only: head removed it", b === undefined && (e.symbol === undefined ? "module-level code records no value on base" : cut(base, "base"))]),
        });
      } else if (ht[d]) {
        const e = ht[d] as TraceEvent;
        const b = bt[d]?.value;
        rootCause = makeRootCause({
          location: e.at,
          symbol: symbolOf(e),
          base: b,
          head: e.value,
          note: notes([
            b === undefined && (bt[d] ? "the step bound no value on base" : base.truncated > 0 ? cut(base, "base") : "the base trace ended before this step"),
            e.value === undefined && "the step bound no value on head",
          ]),
        });
      }
    }
  }

  const expectations: ExpectationOutcome[] = [];
  const steps = Math.max(base.steps.length, head.steps.length);
  for (let i = 0; i < steps; i++) {
    const b = base.steps[i]?.expectations ?? [];
    const h = head.steps[i]?.expectations ?? [];
    const exprs = h.length ? h : b;
    exprs.forEach((x, k) => {
      const hx = h[k];
      expectations.push({
        step: i + 1,
        expect: x.expect,
        base: b[k]?.status ?? "not-run",
        head: hx?.status ?? "not-run",
        ...(hx?.detail ? { detail: hx.detail } : {}),
        ...(hx?.symbolic ? { symbolic: true } : {}),
      });
    });
  }
  const resultsDiffer = base.steps.some((s, i) => !same(s.result, head.steps[i]?.result) || !same(s.error?.message, head.steps[i]?.error?.message));
  const effectsDiff = diffEffects(base.effects, head.effects);
  const effectsDiffer = effectsDiff.added.length + effectsDiff.removed.length + effectsDiff.changed.length > 0;
  return {
    diverged: traceDiverged || resultsDiffer || effectsDiffer,
    ...(traceDiverged ? { divergence: d } : {}),
    ...(rootCause ? { rootCause } : {}),
    effectsDiff,
    resultsDiffer,
    expectations,
    steps: ht.slice(Math.max(0, anchor - 5), anchor + 15),
  };
}
