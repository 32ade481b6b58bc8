import { rootCauseText, type ScenarioVerdict } from "../../core/verdict.js";
import type { SharedPath } from "./shared-paths.js";

/**
 * Small wording shared by the report formats, so terminal, Markdown and SARIF say the same thing. The schema
 * leaves trace steps and effects open (`unknown`), so everything here reads them defensively: a report renders
 * whatever verdict the engine or a planner produced.
 */
export function show(v: unknown, max = 160): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    s = String(v);
  }
  if (s === undefined) return "undefined";
  return clip(s, max);
}

/** At most `max` characters, an ellipsis marking a cut; never splits a surrogate pair. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = Math.max(0, max - 1);
  if (end > 0 && /[\uD800-\uDBFF]/.test(s[end - 1] ?? "")) end--;
  return `${s.slice(0, end)}…`;
}

const records = (x: unknown): Array<Record<string, unknown>> =>
  Array.isArray(x) ? x.filter((i): i is Record<string, unknown> => typeof i === "object" && i !== null && !Array.isArray(i)) : [];
const text = (x: unknown): string | undefined => (typeof x === "string" ? x : undefined);

export interface EffectChange {
  target: string;
  at: string;
  base: unknown;
  head: unknown;
}

export interface EffectsDiffShape {
  added?: Array<{ target: string; at: string; args?: unknown[] }>;
  removed?: Array<{ target: string; at: string; args?: unknown[] }>;
  changed?: EffectChange[];
}

export function effectsOf(v: ScenarioVerdict): EffectsDiffShape {
  const d = (typeof v.effectsDiff === "object" && v.effectsDiff !== null ? v.effectsDiff : {}) as Record<string, unknown>;
  const effect = (e: Record<string, unknown>) => ({ target: text(e.target) ?? "?", at: text(e.at) ?? "?", ...(Array.isArray(e.args) ? { args: e.args as unknown[] } : {}) });
  return {
    added: records(d.added).map(effect),
    removed: records(d.removed).map(effect),
    changed: records(d.changed).map((c) => ({ target: text(c.target) ?? "?", at: text(c.at) ?? "?", base: c.base, head: c.head })),
  };
}

/** One line per effect that differs between base and head. */
export function effectLines(v: ScenarioVerdict): string[] {
  const d = effectsOf(v);
  return [
    ...(d.changed ?? []).map((c) => `${c.target} at ${c.at}: ${show(c.base)} → ${show(c.head)}`),
    ...(d.added ?? []).map((a) => `added ${a.target} at ${a.at}${a.args ? ` ${show(a.args)}` : ""}`),
    ...(d.removed ?? []).map((r) => `removed ${r.target} at ${r.at}${r.args ? ` ${show(r.args)}` : ""}`),
  ];
}

/**
 * One line per request, response or message between services that differs between base and head (all of them
 * when none differs would say nothing: those are left out), e.g.
 * `response billing → orders, status 201, at services/billing/src/server.ts:9: {"charged":1030} → {"charged":1055}`.
 */
export function crossingLines(v: ScenarioVerdict): string[] {
  return (v.crossings ?? [])
    .filter((c) => !c.same)
    .map((c) => {
      const route = `${c.kind} ${c.from}${c.to ? ` → ${c.to}` : ""}, ${c.what}, at ${c.at}`;
      if (c.base === undefined) return `${route}: only head sends it ${show(c.head)}`;
      if (c.head === undefined) return `${route}: only base sends it ${show(c.base)}`;
      return `${route}: ${show(c.base)} → ${show(c.head)}`;
    });
}

export function rootCauseLine(v: ScenarioVerdict): string | undefined {
  return v.rootCause ? rootCauseText(v.rootCause, (x) => show(x)) : undefined;
}

/** The trace steps of a verdict that the change touched, with their location. */
export function touchedSteps(v: ScenarioVerdict): Array<{ location: string; symbol: string | undefined; hunks: string[] }> {
  return records(v.steps)
    .filter((s) => s.touched && text(s.location))
    .map((s) => {
      const touched = (typeof s.touched === "object" && s.touched !== null ? s.touched : {}) as { hunks?: unknown };
      return { location: s.location as string, symbol: text(s.symbol), hunks: Array.isArray(touched.hunks) ? touched.hunks.filter((h): h is string => typeof h === "string") : [] };
    });
}

/** The touched steps of a static verdict, as path:line in symbol. */
export function touchedLines(v: ScenarioVerdict): string[] {
  return touchedSteps(v).map((s) => `${s.location} in ${s.symbol}${s.hunks.length ? ` (hunk ${s.hunks.join(", ")})` : ""}`);
}

/** At most `max` items of a list, then how many more (the JSON report has them all). */
export function listOf(items: string[], max = 10): string {
  return items.length > max ? `${items.slice(0, max).join(", ")} and ${items.length - max} more` : items.join(", ");
}

/** The blast-radius line that stands for a shared path's list: "7 others, listed once as P1". */
function sharedPathRef(v: ScenarioVerdict, path: SharedPath): string {
  const others = path.scenarios.length - (path.scenarios.includes(v.scenario) ? 1 : 0);
  return `scenarios sharing the path: ${others} others, listed once as ${path.label} under "Shared paths"`;
}

/**
 * The blast radius, one line per kind, each list at most `max` long. `shared` is the path the verdict's
 * scenarios are listed under once (see shared-paths.ts); without it the other scenarios are listed inline.
 */
export function blastLines(v: ScenarioVerdict, shared?: SharedPath, max = Infinity): string[] {
  const b = v.blastRadius;
  if (!b) return [];
  const out: string[] = [];
  const list = (items: string[]) => listOf(items, max);
  if (b.services?.length) out.push(`services: ${list(b.services)}`);
  if (b.customers.length || b.workflow) out.push(`customers: ${list(b.customers) || "(none named)"}${b.workflow ? `; workflow: ${b.workflow}` : ""}`);
  if (b.entryPoints.length) out.push(`entry points: ${list(b.entryPoints)}`);
  if (b.tickets.length) out.push(`tickets: ${list(b.tickets)}`);
  if (shared) out.push(sharedPathRef(v, shared));
  else if (b.scenarios.length) out.push(`scenarios sharing the path: ${list(b.scenarios)}`);
  if (b.owners.length) out.push(`owners: ${list(b.owners)}`);
  const f = b.fragility;
  if (f.commits || f.reverts || f.incidents.length || f.failingSimulations) {
    out.push(`history: ${f.commits} commits shaped it, ${f.reverts} reverts, ${f.incidents.length} incidents${f.incidents.length ? ` (${list(f.incidents)})` : ""}, ${f.failingSimulations} failing simulations`);
  }
  return out;
}
