import { isTestPath } from "../../core/paths.js";
import type { Scenario } from "./format.js";
import type { RunResult } from "./sandbox/protocol.js";

/**
 * Where a reproduced fault can live, by spectrum: the statements the failing run executed, each scored (Ochiai)
 * against runs of smaller inputs made by shrinking the step's string argument (a line, then a character, or a
 * half, dropped). A smaller input that shows the same symptom fails too (the same throw: its site and message; or, for a wrong
 * value, a throw or the same wrong value); one that does not is taken as passing. A statement every passing
 * variation also runs scores low; one only the failing runs reach scores 1.
 */
export interface RankedLine {
  location: string;
  score: number;
  /** Failing runs (the reproduction and failing variations) that executed it. */
  failing: number;
  /** Passing variations that executed it. */
  passing: number;
}

export interface Spectrum {
  ranked: RankedLine[];
  variations: { tried: number; failing: number; passing: number; errors: number };
}

/** Smaller versions of a text input, at most `max`, each different from it and from each other. */
export function shrinkings(input: string, max = 8): string[] {
  const lines = input.split("\n");
  const out: string[] = [];
  const add = (s: string) => {
    if (s !== input && !out.includes(s) && out.length < max) out.push(s);
  };
  if (lines.length > 1) {
    const half = Math.ceil(lines.length / 2);
    add(lines.slice(half).join("\n"));
    add(lines.slice(0, half).join("\n"));
    for (let i = 0; i < lines.length; i++) add([...lines.slice(0, i), ...lines.slice(i + 1)].join("\n"));
  }
  if (input.length <= 24) for (let i = 0; i < input.length; i++) add(input.slice(0, i) + input.slice(i + 1));
  else {
    const q = Math.ceil(input.length / 4);
    for (let i = 0; i < 4; i++) add(input.slice(0, i * q) + input.slice((i + 1) * q));
  }
  return out;
}

/** The statements of repo source a run executed, as path:line (tests and installed packages left out). */
export function coveredLines(run: RunResult): Set<string> {
  const out = new Set<string>();
  for (const [path, f] of Object.entries(run.coverage.files)) {
    if (path.includes("node_modules/") || isTestPath(path)) continue;
    for (const site of f.sites.split(";")) {
      const [line, , kind] = site.split(",");
      if (kind === "S") out.add(`${path}:${line}`);
    }
  }
  return out;
}

/** Ochiai over the runs: ef / sqrt(failing runs * (ef + ep)); ties keep the throw site first, then file order. */
export function rankLines(failing: ReadonlyArray<Set<string>>, passing: ReadonlyArray<Set<string>>, throwSite?: string): RankedLine[] {
  const lines = new Set(failing.flatMap((s) => [...s]));
  const ranked = [...lines].map((location) => {
    const ef = failing.filter((s) => s.has(location)).length;
    const ep = passing.filter((s) => s.has(location)).length;
    return { location, score: Math.round((ef / Math.sqrt(failing.length * (ef + ep))) * 1000) / 1000, failing: ef, passing: ep };
  });
  const order = (l: string) => {
    const i = l.lastIndexOf(":");
    return [l.slice(0, i), Number(l.slice(i + 1))] as const;
  };
  return ranked.sort((a, b) => {
    if (b.score !== a.score) return b.score - a.score;
    if ((a.location === throwSite) !== (b.location === throwSite)) return a.location === throwSite ? -1 : 1;
    const [pa, la] = order(a.location);
    const [pb, lb] = order(b.location);
    return pa === pb ? la - lb : pa.localeCompare(pb);
  });
}

/**
 * What made the reproduction fail: its throw (the site, with the message's first line without its numbers: a
 * library that collects errors throws them all from one place), or the wrong value it returned.
 */
function symptom(run: RunResult): { threw?: string; value: string } {
  const st = run.steps[0];
  const message = (st?.error?.message.split("\n")[0] ?? "").replace(/\d+/g, "#");
  return { ...(st?.error ? { threw: `${st.error.at} ${st.error.name}: ${message}` } : {}), value: JSON.stringify(st?.result) ?? "undefined" };
}

/**
 * Runs the shrunk inputs of a reproducing one-step scenario (through `run`, the sandbox) and ranks the failing
 * run's statements; undefined when the step has no string argument to shrink.
 */
export async function spectrumOf(s: Scenario, failed: RunResult, run: (variant: Scenario) => Promise<RunResult>, max = 8): Promise<Spectrum | undefined> {
  const step = s.simulate?.steps[0];
  const at = step?.args?.findIndex((a) => typeof a === "string") ?? -1;
  if (!s.simulate || !step?.args || at < 0 || s.simulate.steps.length !== 1) return undefined;
  const input = step.args[at] as string;
  const want = symptom(failed);
  const failing = [coveredLines(failed)];
  const passing: Array<Set<string>> = [];
  let errors = 0;
  for (const text of shrinkings(input, max)) {
    const args = step.args.map((a, i) => (i === at ? text : a));
    const variant: Scenario = { ...s, simulate: { ...s.simulate, steps: [{ ...step, args }] } };
    const r = await run(variant);
    if (r.status === "error") {
      errors++;
      continue;
    }
    const got = symptom(r);
    const same = want.threw ? got.threw === want.threw : got.threw !== undefined || got.value === want.value;
    (same ? failing : passing).push(coveredLines(r));
  }
  const tried = shrinkings(input, max).length;
  return { ranked: rankLines(failing, passing, failed.steps[0]?.error?.at), variations: { tried, failing: failing.length - 1, passing: passing.length, errors } };
}
