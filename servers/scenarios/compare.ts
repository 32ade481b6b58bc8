import { rootCause as makeRootCause, type RootCause } from "../../core/verdict.js";
import { holdsHeadLine, type FileDiff, type Hunk } from "../git-history/diff.js";
import type { Effect, ExpectationStatus, RunResult, TraceEvent } from "./sandbox/protocol.js";
import { Span } from "../../core/span.js";
import { changedDefinitions, firstDivergenceOutside, namesAt, provenanceOf, symbolAt, type ChangedDefinition, type SourceText } from "./provenance.js";

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

/** The last statement of the function a return or throw at `k` leaves, if the trace holds it. */
function lastStepBefore(trace: TraceEvent[], k: number): TraceEvent | undefined {
  const end = trace[k] as TraceEvent;
  for (let i = k - 1; i >= 0 && i > k - 2000; i--) {
    const e = trace[i] as TraceEvent;
    if (e.depth < end.depth) return undefined;
    if (e.kind === "step" && e.depth === end.depth && e.symbol === end.symbol) return e;
  }
  return undefined;
}

/** The value a trace event holds: an entry's arguments, a return or throw, or the value a declaration bound. */
function eventValue(trace: TraceEvent[], k: number): unknown {
  const e = trace[k] as TraceEvent;
  return e.kind === "step" ? valueAfter(trace, k, e.at) : e.value;
}

/**
 * A root cause found by the rule DESIGN.md gives (depth 2, "Root cause"):
 * 1. the first step at or after the divergence whose line the change touched and whose values differ on the
 *    two sides (a signature whose arguments are the same is passed over for the line that decides the value);
 * 2. else a line base ran that head removed;
 * 3. else the provenance of the first value that differs outside the change: the changed definition that ran
 *    and defines a name that use reads (a regex in a tag table, a module-level constant), with the use as `via`;
 * 4. else the first divergence itself, said plainly to lie outside the change.
 */
async function findRootCause(base: RunResult, head: RunResult, files: FileDiff[], map: LineMap, d: number, key: (e: TraceEvent, side: "base" | "head") => string, text: SourceText | undefined): Promise<{ rootCause?: RootCause; anchor: number }> {
  const bt = base.trace;
  const ht = head.trace;
  // Why a side has no value: said in the root cause's note instead of leaving a reader to guess.
  const cut = (run: RunResult, side: "base" | "head") =>
    run.truncated > 0 ? `the ${side} trace was cut after ${run.trace.length} events (${run.truncated} more not recorded)` : `no value recorded on ${side}`;
  const notes = (parts: Array<string | false | undefined>) => parts.filter((p): p is string => typeof p === "string" && p !== "").join("; ") || undefined;
  const symbolOf = (e: TraceEvent) => e.symbol ?? `${split(e.at)[0]}#<module>`;
  const oldPathOf = (path: string) => files.find((f) => f.path === path)?.oldPath ?? path;

  // 1. Steps in the change on head, each matched with base's event of the same kind, in the same hunk, at the
  // same occurrence since the divergence (the third run of a loop body with base's third).
  interface Candidate {
    j: number;
    bj: number;
    base: unknown;
    head: unknown;
    /** The changed line inside a statement that spans it, when the step starts before the change. */
    at?: string;
  }
  // A statement that starts before a changed line and spans it (a multi-line return, a table entry) is in the
  // change too: the run's coverage gives its span. Its root cause is the changed line inside it.
  const spanning = (run: RunResult, side: "base" | "head") => {
    const out = new Map<string, { hunk: Hunk; changed: number }>();
    const sideFiles = side === "head" ? files : files.map((f) => ({ path: f.oldPath ?? f.path, hunks: f.hunks }));
    for (const def of changedDefinitions(run, side, sideFiles)) {
      const hunk = side === "head" ? map.hunkAtHead(def.path, def.changed) : map.hunkAtBase(def.path, def.changed);
      if (hunk && def.line !== def.changed) out.set(`${def.path}:${def.line}`, { hunk, changed: def.changed });
    }
    return out;
  };
  const headSpans = spanning(head, "head");
  const baseSpans = spanning(base, "base");
  // Such a statement's step comes before the divergence it causes (the traces agree until its value shows):
  // the scan starts at the nearest one before the divergence.
  let lo = d;
  for (let k = d - 1; k >= 0 && k >= d - 200; k--) {
    const e = ht[k] as TraceEvent;
    if (e.kind === "step" && headSpans.has(e.at)) {
      lo = k;
      break;
    }
  }
  const seen = new Map<string, number>();
  const baseSeen = new Map<string, number[]>();
  const anyBase = new Map<string, number>();
  for (let k = lo; k < bt.length; k++) {
    const x = bt[k] as TraceEvent;
    if (x.kind === "exit" || x.kind === "value") continue;
    const hunk = map.hunkAtBase(...split(x.at)) ?? (x.kind === "step" ? baseSpans.get(x.at)?.hunk : undefined);
    if (!hunk) continue;
    const id = `${split(x.at)[0]}|${hunk.oldStart}|${x.kind}`;
    baseSeen.set(id, [...(baseSeen.get(id) ?? []), k]);
    if (!anyBase.has(`${split(x.at)[0]}|${hunk.oldStart}`)) anyBase.set(`${split(x.at)[0]}|${hunk.oldStart}`, k);
  }
  let first: Candidate | undefined;
  let chosen: Candidate | undefined;
  for (let k = lo, n = 0; k < ht.length && n < 400 && !chosen; k++) {
    const e = ht[k] as TraceEvent;
    if (e.kind === "exit" || e.kind === "value") continue;
    const [path, line] = split(e.at);
    const span = e.kind === "step" ? headSpans.get(e.at) : undefined;
    const hunk = map.hunkAtHead(path, line) ?? span?.hunk;
    if (!hunk) continue;
    n++;
    const id = `${oldPathOf(path)}|${hunk.oldStart}|${e.kind}`;
    const nth = seen.get(id) ?? 0;
    seen.set(id, nth + 1);
    const bj = baseSeen.get(id)?.[nth] ?? baseSeen.get(id)?.[0] ?? anyBase.get(`${oldPathOf(path)}|${hunk.oldStart}`) ?? -1;
    let hv = eventValue(ht, k);
    let bv = bj >= 0 ? eventValue(bt, bj) : undefined;
    if (hv === undefined && bv === undefined && e.kind === "step" && e.symbol !== undefined) {
      // A statement that binds nothing decides its function's outcome: what the function returned on each side.
      hv = returnOf(ht, k, e.symbol);
      bv = bj >= 0 ? returnOf(bt, bj, (bt[bj] as TraceEvent).symbol) : undefined;
    }
    const c = { j: k, bj, base: bv, head: hv, ...(span && !map.hunkAtHead(path, line) ? { at: `${path}:${span.changed}` } : {}) };
    first ??= c;
    if (!same(bv, hv)) chosen = c;
  }
  if (chosen) {
    const e = ht[chosen.j] as TraceEvent;
    const { base: b, head: h, bj } = chosen;
    return {
      anchor: chosen.j,
      rootCause: makeRootCause({
        location: chosen.at ?? e.at,
        symbol: symbolOf(e),
        base: b,
        head: h,
        note: notes([
          b === undefined && (bj < 0 ? (base.truncated > 0 ? cut(base, "base") : "no step of this hunk ran on base") : e.symbol === undefined ? "module-level code records no value on base" : "the step bound no value on base"),
          h === undefined && (head.truncated > 0 ? cut(head, "head") : e.symbol === undefined ? "module-level code records no value on head" : "the step bound no value on head"),
        ]),
      }),
    };
  }

  // 2. Head ran nothing of the change: a line base ran that head removed.
  if (!first) {
    const j = bt.findIndex((e, k) => k >= d && e.kind !== "exit" && e.kind !== "value" && map.hunkAtBase(...split(e.at)) !== undefined);
    if (j >= 0) {
      const e = bt[j] as TraceEvent;
      const b = eventValue(bt, j) ?? (e.symbol === undefined ? undefined : returnOf(bt, j, e.symbol));
      return {
        anchor: d,
        rootCause: makeRootCause({
          location: e.at,
          symbol: symbolOf(e),
          base: b,
          side: "base",
          note: notes(["the line is on base only: head removed it", b === undefined && (e.symbol === undefined ? "module-level code records no value on base" : cut(base, "base"))]),
        }),
      };
    }
  }

  // 3. Where behaviour first differs outside the change, and the changed definition it read.
  const inChange = (e: TraceEvent, side: "base" | "head") => {
    const [path, line] = split(e.at);
    return (side === "head" ? map.hunkAtHead(path, line) : map.hunkAtBase(path, line)) !== undefined;
  };
  const outside = firstDivergenceOutside(bt, ht, key, inChange);
  if (outside) {
    const side = outside.head >= 0 ? "head" : "base";
    const diverged = (side === "head" ? ht[outside.head] : bt[outside.base]) as TraceEvent;
    // A value returned or thrown was made by the function's last statement: that statement is the use.
    const use = diverged.kind === "return" || diverged.kind === "throw" ? (lastStepBefore(side === "head" ? ht : bt, side === "head" ? outside.head : outside.base) ?? diverged) : diverged;
    const run = side === "head" ? head : base;
    const defs = [...changedDefinitions(head, "head", files), ...changedDefinitions(base, "base", files.map((f) => ({ path: f.oldPath ?? f.path, hunks: f.hunks })))];
    const prov = provenanceOf({ at: use.at, index: side === "head" ? outside.head : outside.base }, text ? await namesAt(run, side, use.at, text) : new Set(), defs);
    // The values: the definition's own where it bound one on both sides and they differ, else those at the
    // use, else what the use's function returned on each side.
    const useValues = (): { base: unknown; head: unknown; where: string } => {
      const hv = outside.head >= 0 ? eventValue(ht, outside.head) : undefined;
      const bv = outside.base >= 0 ? eventValue(bt, outside.base) : undefined;
      if (!same(bv, hv)) return { base: bv, head: hv, where: `the values at ${use.at}` };
      const hr = outside.head >= 0 && use.symbol ? returnOf(ht, outside.head, use.symbol) : undefined;
      const br = outside.base >= 0 && use.symbol ? returnOf(bt, outside.base, use.symbol) : undefined;
      if (!same(br, hr)) return { base: br, head: hr, where: `what ${use.symbol} returned` };
      return { base: undefined, head: undefined, where: "" };
    };
    if (prov) {
      const def = prov.definition;
      const defRun = def.side === "head" ? head : base;
      const counterpart = defs.find((x) => x.side !== def.side && x.path === (def.side === "head" ? oldPathOf(def.path) : files.find((f) => (f.oldPath ?? f.path) === def.path)?.path ?? def.path));
      const ownValue = (r: RunResult, x: ChangedDefinition | undefined) => (x && x.traced >= 0 ? valueAfter(r.trace, x.traced, r.trace[x.traced]?.at ?? "") : undefined);
      const own = def.side === "head" ? { head: ownValue(head, def), base: ownValue(base, counterpart) } : { base: ownValue(base, def), head: ownValue(head, counterpart) };
      const values = own.base !== undefined && own.head !== undefined && !same(own.base, own.head) ? { ...own, where: "the values it bound" } : useValues();
      const location = `${def.path}:${def.changed}`;
      return {
        anchor: outside.head >= 0 ? outside.head : d,
        rootCause: makeRootCause({
          location,
          symbol: symbolAt(defRun, def.path, def.changed),
          base: values.base,
          head: values.head,
          note: notes([
            `a changed definition: the first value that differs outside the change is read at ${use.at}${prov.shared.length ? ` (${prov.shared.map((n) => `\`${n}\``).join(", ")})` : ", which reads no name it defines: it is the changed code that ran last before it"}`,
            def.traced < 0 && "it ran when its module loaded, before the trace began or past its end",
            def.side === "base" && "the line is on base only: head removed it",
            values.where ? `the values are ${values.where}` : "no value differs on the way: the two sides took different steps there",
          ]),
          via: [{ location: use.at, symbol: symbolOf(use), what: prov.shared.length ? `reads ${prov.shared.join(", ")}` : "the first step that differs outside the change" }],
          ...(def.side === "base" ? { side: "base" as const } : {}),
        }),
      };
    }
    if (!first) {
      // Nothing the change touched ran on either side: the change reached the run some other way.
      const values = useValues();
      const changed = files.map((f) => f.path);
      const loaded = changed.filter((p) => head.coverage.files[p] !== undefined || base.coverage.files[oldPathOf(p)] !== undefined);
      return {
        anchor: outside.head >= 0 ? outside.head : d,
        rootCause: makeRootCause({
          location: use.at,
          symbol: symbolOf(use),
          base: values.base,
          head: values.head,
          note: notes([
            `outside the change: no changed line ran on base or head; ${loaded.length ? `the run loaded the changed file${loaded.length > 1 ? "s" : ""} ${loaded.slice(0, 3).join(", ")}, whose changed lines did not run` : `the change (${changed.slice(0, 3).join(", ")}) reached it through what the run loaded or read`}`,
            !values.where && "no value differs here: the two sides took different steps",
          ]),
        }),
      };
    }
  }

  // 4. Changed lines ran with the same values on both sides: the first of them, said so.
  if (first) {
    const e = ht[first.j] as TraceEvent;
    return {
      anchor: first.j,
      rootCause: makeRootCause({
        location: first.at ?? e.at,
        symbol: symbolOf(e),
        base: first.base,
        head: first.head,
        note:
          first.base === undefined && first.head === undefined
            ? e.symbol === undefined
              ? "module-level code: the statement records no value and returns none, on base or head"
              : "the changed lines bound no value on either side; the two sides differ only in the steps they took"
            : "the changed lines gave the same values on both sides; the two sides differ only in the steps they took",
      }),
    };
  }
  const e = ht[d] ?? bt[d];
  if (!e) return { anchor: d };
  return {
    anchor: d,
    rootCause: makeRootCause({
      location: e.at,
      symbol: symbolOf(e),
      ...(ht[d] ? { head: ht[d]?.value, base: bt[d]?.value } : { base: bt[d]?.value }),
      note: "outside the change: the traces differ here and no changed line ran on either side",
    }),
  };
}

/**
 * Compares a scenario's two runs. `text` reads a file's text on either side: with it, a divergence outside the
 * change is traced to the changed definition the diverging code reads (its provenance).
 */
export async function compareRuns(base: RunResult, head: RunResult, files: FileDiff[], text?: SourceText): Promise<Comparison> {
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
  const { rootCause, anchor } = traceDiverged ? await findRootCause(base, head, files, map, d, key, text) : { rootCause: undefined, anchor: d };

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
