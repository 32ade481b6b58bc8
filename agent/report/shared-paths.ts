import type { ScenarioVerdict } from "../../core/verdict.js";
import { touchedSteps } from "./text.js";

/**
 * "Scenarios sharing the path" named once. Each verdict's blast radius lists the other scenarios whose path
 * runs through its changed code, so with 44 scenarios on one path every one of them repeats the other 43
 * names. A path is the set of scenarios on it (the verdict with its others); each distinct set is one
 * `SharedPath`, labelled P1, P2… in report order, and a verdict refers to its label. A list of at most
 * `INLINE` others is shorter than a reference to it, so it stays inline.
 */
export const INLINE = 2;

export interface SharedPath {
  label: string;
  /** The changed symbols the scenarios' paths run through, as their verdicts name them. */
  through: string[];
  scenarios: string[];
}

export interface SharedPaths {
  paths: SharedPath[];
  /** The shared path a verdict refers to, or undefined when its others are listed inline (or there are none). */
  of(v: ScenarioVerdict): SharedPath | undefined;
}

/** The changed code on a verdict's path: its root cause, else the touched steps of a static trace. */
function changedSymbols(v: ScenarioVerdict): string[] {
  if (v.rootCause) return [v.rootCause.symbol];
  return touchedSteps(v).flatMap((s) => (s.symbol ? [s.symbol] : []));
}

export function sharedPaths(verdicts: ScenarioVerdict[]): SharedPaths {
  const byKey = new Map<string, SharedPath>();
  const byVerdict = new Map<ScenarioVerdict, SharedPath>();
  for (const v of verdicts) {
    const others = v.blastRadius?.scenarios ?? [];
    if (others.length <= INLINE) continue;
    const scenarios = [...new Set([v.scenario, ...others])].sort();
    const key = JSON.stringify(scenarios);
    let path = byKey.get(key);
    if (!path) {
      path = { label: `P${byKey.size + 1}`, through: [], scenarios };
      byKey.set(key, path);
    }
    for (const s of changedSymbols(v)) if (!path.through.includes(s)) path.through.push(s);
    byVerdict.set(v, path);
  }
  return { paths: [...byKey.values()], of: (v) => byVerdict.get(v) };
}
