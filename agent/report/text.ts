import type { ScenarioVerdict } from "../../core/verdict.js";

/** Small wording shared by the report formats, so terminal, Markdown and SARIF say the same thing. */
export function show(v: unknown, max = 160): string {
  const s = JSON.stringify(v);
  if (s === undefined) return "undefined";
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export interface EffectChange {
  target: string;
  at: string;
  base: unknown[];
  head: unknown[];
}

export interface EffectsDiffShape {
  added?: Array<{ target: string; at: string; args?: unknown[] }>;
  removed?: Array<{ target: string; at: string; args?: unknown[] }>;
  changed?: EffectChange[];
}

export function effectsOf(v: ScenarioVerdict): EffectsDiffShape {
  return (v.effectsDiff ?? {}) as EffectsDiffShape;
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

export function rootCauseLine(v: ScenarioVerdict): string | undefined {
  const rc = v.rootCause;
  return rc ? `${rc.location} in ${rc.symbol}: base ${show(rc.base)}, head ${show(rc.head)}` : undefined;
}

/** The touched steps of a static verdict, as path:line in symbol. */
export function touchedLines(v: ScenarioVerdict): string[] {
  return ((v.steps ?? []) as Array<{ location?: string; symbol?: string; touched?: { hunks?: string[] } }>)
    .filter((s) => s.touched && s.location)
    .map((s) => `${s.location} in ${s.symbol}${s.touched?.hunks?.length ? ` (hunk ${s.touched.hunks.join(", ")})` : ""}`);
}

export function blastLines(v: ScenarioVerdict): string[] {
  const b = v.blastRadius;
  if (!b) return [];
  const out: string[] = [];
  if (b.customers.length || b.workflow) out.push(`customers: ${b.customers.join(", ") || "(none named)"}${b.workflow ? `; workflow: ${b.workflow}` : ""}`);
  if (b.entryPoints.length) out.push(`entry points: ${b.entryPoints.join(", ")}`);
  if (b.tickets.length) out.push(`tickets: ${b.tickets.join(", ")}`);
  if (b.scenarios.length) out.push(`scenarios sharing the path: ${b.scenarios.join(", ")}`);
  if (b.owners.length) out.push(`owners: ${b.owners.join(", ")}`);
  const f = b.fragility;
  if (f.commits || f.reverts || f.incidents.length || f.failingSimulations) {
    out.push(`history: ${f.commits} commits shaped it, ${f.reverts} reverts, ${f.incidents.length} incidents${f.incidents.length ? ` (${f.incidents.join(", ")})` : ""}, ${f.failingSimulations} failing simulations`);
  }
  return out;
}
