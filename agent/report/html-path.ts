import type { ScenarioVerdict } from "../../core/verdict.js";
import { Expectation, matching, StaticStep, TraceEvent } from "./html-shapes.js";
import { shortValue } from "./html-values.js";
import { effectsOf, touchedSteps } from "./text.js";

/**
 * The path a diagram draws for one scenario, read from what the verdict holds and nothing more: the entry
 * points that reach the change, the calls or `via` steps known to lead to the root cause (or, for a static
 * trace, to the changed step), that node, and what it led to (effects that differ, expectations that fail on
 * head). Where the verdict does not say how one node reaches the next, the link is marked `known: false`.
 */

export type NodeKind = "entry" | "call" | "via" | "root-cause" | "touched" | "effect" | "expectation" | "unknown";

export interface PathNode {
  kind: NodeKind;
  title: string;
  /** path:line, when the node has one. */
  location?: string;
  detail?: string;
}

export interface PathRow {
  nodes: PathNode[];
  /** How many more of this row's kind there are than it shows. */
  more: number;
  /** Whether the verdict records how the row above leads to this one (drawn solid), or not (dashed, labelled). */
  known: boolean;
  label?: string;
}

export interface PathModel {
  rows: PathRow[];
  /** True when the verdict holds nothing but the root cause: the diagram says so. */
  onlyRootCause: boolean;
}

/** Nodes side by side in one row at most (the rest counted). */
const ROW = 3;

const nameOf = (symbol: string | undefined) => (symbol ? (symbol.split("#").pop() ?? symbol) : "(unnamed)");

/** The callers around a node: walking back from it, each earlier event at a smaller depth is the frame that called. */
function callersBefore(events: Array<{ location: string; symbol: string | undefined; depth: number }>, index: number): PathNode[] {
  const out: PathNode[] = [];
  let depth = events[index]?.depth ?? 0;
  for (let k = index - 1; k >= 0; k--) {
    const e = events[k];
    if (!e || e.depth >= depth) continue;
    out.unshift({ kind: "call", title: nameOf(e.symbol), location: e.location });
    depth = e.depth;
  }
  return out;
}

/** The known calls leading to the node, and the node itself: root cause, else the first changed step of a static trace. */
function middle(v: ScenarioVerdict): { chain: PathNode[]; target: PathNode } | undefined {
  const rc = v.rootCause;
  if (rc) {
    const values = `base ${shortValue(rc.base, 30)} → head ${shortValue(rc.head, 30)}`;
    const target: PathNode = { kind: "root-cause", title: nameOf(rc.symbol), location: rc.location, detail: values };
    if (rc.via?.length) {
      const via = rc.via.filter((s) => s.location !== rc.location).map((s): PathNode => ({ kind: "via", title: s.what ?? nameOf(s.symbol), location: s.location, ...(s.symbol ? { detail: `in ${nameOf(s.symbol)}` } : {}) }));
      return { chain: via, target };
    }
    const events = matching(TraceEvent, v.steps).map((e) => ({ location: e.at, symbol: e.symbol, depth: e.depth }));
    const at = events.findIndex((e) => e.location === rc.location);
    return { chain: at >= 0 ? callersBefore(events, at) : [], target };
  }
  const touched = touchedSteps(v)[0];
  if (!touched) return undefined;
  const steps = matching(StaticStep, v.steps).map((s) => ({ location: s.location, symbol: s.symbol, depth: s.depth }));
  const at = steps.findIndex((s) => s.location === touched.location);
  const target: PathNode = { kind: "touched", title: nameOf(touched.symbol), location: touched.location, detail: touched.hunks.length ? `hunk ${touched.hunks.join(", ")}` : "static trace: no values" };
  return { chain: at >= 0 ? callersBefore(steps, at) : [], target };
}

/** What the node led to: the effects that differ, then the expectations that pass on base and not on head. */
function consequences(v: ScenarioVerdict): PathNode[] {
  const d = effectsOf(v);
  const effects = [
    ...(d.changed ?? []).map((c): PathNode => ({ kind: "effect", title: c.target, location: c.at, detail: "called with other arguments" })),
    ...(d.added ?? []).map((a): PathNode => ({ kind: "effect", title: a.target, location: a.at, detail: "called on head only" })),
    ...(d.removed ?? []).map((r): PathNode => ({ kind: "effect", title: r.target, location: r.at, detail: "called on base only" })),
  ];
  const broken = matching(Expectation, v.expectations)
    .filter((e) => e.head !== e.base && (e.head === "fail" || e.head === "threw"))
    .map((e): PathNode => ({ kind: "expectation", title: e.expect, detail: `step ${e.step}: ${e.base} on base, ${e.head} on head` }));
  return [...broken, ...effects];
}

const row = (nodes: PathNode[], known: boolean, label?: string): PathRow => ({ nodes: nodes.slice(0, ROW), more: Math.max(0, nodes.length - ROW), known, ...(label ? { label } : {}) });

export function pathOf(v: ScenarioVerdict): PathModel | undefined {
  const mid = middle(v);
  if (!mid) return undefined;
  const entries = (v.blastRadius?.entryPoints ?? []).map((e): PathNode => ({ kind: "entry", title: e }));
  const after = consequences(v);
  const rows: PathRow[] = [];
  rows.push(entries.length ? row(entries, true) : row([{ kind: "unknown", title: "entry point not recorded" }], true));
  mid.chain.forEach((n, i) => rows.push(row([n], i > 0, i === 0 ? "calls in between not recorded" : undefined)));
  rows.push(row([mid.target], mid.chain.length > 0, mid.chain.length ? undefined : "calls in between not recorded"));
  if (after.length) rows.push(row(after, false, "leads to"));
  return { rows, onlyRootCause: !entries.length && !mid.chain.length && !after.length };
}
