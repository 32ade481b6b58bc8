import { rootCauseText, type ScenarioVerdict } from "../../core/verdict.js";
import type { Comparison } from "./compare.js";
import { crossingsOf, serviceAt } from "./crossings.js";
import { linesOfStep, type Scenario, type Step } from "./format.js";
import { DEFAULT_LIMITS, type Limits, type RunResult, type SimulationJob, type StepOrigin, type StepSpec } from "./sandbox/protocol.js";
import { parseTestRef, testOf } from "./tests/as-scenarios.js";

/** The differential depth's two halves that know nothing of stores: the job for a side, and the verdict. */
export const DIFFERENTIAL_METHOD = "differential@1";

export function jobFor(s: Scenario, repo: string, rev: string, boundaryPackages: string[], overlay?: Record<string, string>, limits: Limits = DEFAULT_LIMITS): SimulationJob {
  const sim = s.simulate;
  if (!sim) throw new Error(`scenario ${s.id} has no simulate block`);
  return {
    repo,
    rev,
    ...(overlay ? { overlay } : {}),
    clock: sim.world.clock,
    env: sim.world.env,
    seed: sim.world.seed,
    ...(sim.world.globals ? { globals: sim.world.globals } : {}),
    stubs: sim.world.stubs,
    steps: sim.steps.map(stepSpec),
    boundaryPackages,
    limits,
  };
}

/** What a run step expects before anything the scenario adds: its case passes, as the repo's runner would report it. */
export const TEST_PASSES = 'result.status === "pass"';

/** A scenario step as the sandbox runs it: a call, or one case of the repo's tests with its implicit expectation. */
function stepSpec(st: Step): StepSpec {
  // Where the scenario file holds the step: an error in its call, args_js or an expectation is reported there.
  const lines = linesOfStep(st);
  const origin = (implicit: Array<number | null>): StepOrigin | undefined =>
    lines && { file: lines.file, line: lines.line, call: lines.call ?? lines.run, args_js: lines.args_js, expect: [...implicit, ...lines.expect] };
  if (st.run === undefined) return { call: st.call ?? "", args: st.args, args_js: st.args_js, construct: st.construct, expect: st.expect, origin: origin([]) };
  // The implicit expectation is the run line's: the case it names must pass.
  return { call: "", run: parseTestRef(st.run, st.nth ?? 1), expect: [TEST_PASSES, ...st.expect], origin: origin([lines?.run ?? null]) };
}

const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? "undefined" : s.length > 120 ? `${s.slice(0, 120)}…` : s;
};

/** What a run's steps should have done and did not: expectations short of pass, and steps that threw unchecked. */
export function unmet(run: RunResult): string[] {
  return run.steps.flatMap((st) => [
    ...st.expectations.filter((e) => e.status !== "pass").map((e) => `${e.expect}: ${e.status}${e.detail ? ` (${e.detail})` : ""}`),
    ...(st.error && !st.expectations.length ? [`${st.call} threw ${st.error.name}: ${st.error.message}`] : []),
  ]);
}

export function unaffectedVerdict(s: Scenario, base: RunResult): ScenarioVerdict {
  const files = new Set(base.executed.map((f) => f.path)).size;
  const expectations = base.steps.flatMap((st, i) => st.expectations.map((e) => ({ step: i + 1, expect: e.expect, base: e.status, head: "not-run" as const, ...(e.detail ? { detail: e.detail } : {}) })));
  const broken = expectations.filter((e) => e.base === "fail" || e.base === "threw");
  const thrown = base.steps.findIndex((st) => st.error && !st.expectations.length);
  return {
    scenario: s.id,
    verdict: "unaffected",
    depth: "differential",
    reason:
      `nothing on its path changed: on base it ran ${base.executed.length} functions in ${files} files and no hunk touches them, so head was not run` +
      (broken.length ? `; note that ${broken.length} expectation(s) already fail on base, e.g. step ${broken[0]?.step}: \`${broken[0]?.expect}\`` : "") +
      (thrown >= 0 ? `; note that step ${thrown + 1} throws on base (${base.steps[thrown]?.error?.message})` : ""),
    expectations,
  };
}

/**
 * A side could not run. For head, `base` is the base run, so the verdict says how base went (the gate counts
 * an error on head only where base passed); when base had no module to run (code new on head), base is `not-run`.
 */
export function errorVerdict(s: Scenario, side: "base" | "head", run: RunResult, base?: RunResult): ScenarioVerdict {
  const where = run.error?.at ? ` at ${run.error.at}` : "";
  const baseRan = base && base.status === "ok";
  const expectations = side === "head" && base ? base.steps.flatMap((st, i) => st.expectations.map((e) => ({ step: i + 1, expect: e.expect, base: baseRan ? e.status : ("not-run" as const), head: "not-run" as const }))) : [];
  const baseNote = side === "head" && base && !baseRan ? "not-run" : undefined;
  return {
    scenario: s.id,
    verdict: "error",
    depth: "differential",
    reason: `the simulation could not run on ${side}: ${run.error?.reason ?? "unknown failure"}${where}`,
    ...(run.trace.length ? { steps: run.trace.slice(-10) } : {}),
    ...(expectations.length ? { expectations } : baseNote ? { expectations: [{ step: 1, expect: "(its module exists only on head)", base: baseNote, head: "not-run" }] } : {}),
  };
}

/** Whether a step's result or error carries a value no stub answered (a symbolic value, or text or NaN made from one). */
function tainted(step: RunResult["steps"][number] | undefined): boolean {
  if (!step) return false;
  const seen = JSON.stringify([step.result ?? null, step.error ?? null]);
  return seen.includes('"$symbolic"') || seen.includes("⟨") || seen.includes('"$number":"NaN"');
}

/** The verdict from both runs and their comparison (DESIGN.md: a verdict resting on a symbolic value is at most at-risk). */
export function differentialVerdict(s: Scenario, base: RunResult, head: RunResult, cmp: Comparison): ScenarioVerdict {
  const failing = cmp.expectations.filter((e) => e.head === "fail" || e.head === "threw");
  // Values no stub answered flowed through head: where head diverged, its verdict cannot be certain.
  const symbolic = cmp.expectations.some((e) => e.symbolic) || (head.missingStubs.length > 0 && cmp.diverged);
  const headThrew = head.steps.findIndex((st, i) => st.error && !base.steps[i]?.error);
  // Boundaries no stub answered that only head reaches: the change's own, so they make nothing uncertain.
  const newMissing = head.missingStubs.filter((m) => !base.missingStubs.includes(m));
  const pending = head.steps.findIndex((st) => st.pending);
  const crossings = crossingsOf(base, head);
  const changedCrossings = crossings.filter((c) => !c.same).length;
  const service = cmp.rootCause ? serviceAt(cmp.rootCause.location, head, base) : undefined;
  const rootCause = cmp.rootCause && service ? { ...cmp.rootCause, service } : cmp.rootCause;
  const cause = rootCause ? ` Root cause ${rootCauseText(rootCause, show)}.` : "";
  const missing = head.missingStubs.length ? ` No stub answered ${head.missingStubs.join(", ")}.` : "";
  let verdict: ScenarioVerdict["verdict"];
  let reason: string;
  if (failing.length) {
    // Uncertain only when the failing expectation, or the value it judged, rests on an unanswered boundary that
    // base answered the same way: a boundary only head reaches is the change's own, so its failure stands.
    // The step's value counts only for an expectation that reads it, and only when a boundary went unanswered.
    const readsValue = (f: Comparison["expectations"][number]) => /\b(?:result|error|steps)\b/.test(f.expect);
    const uncertainOf = (f: Comparison["expectations"][number]) =>
      newMissing.length === 0 && head.missingStubs.length > 0 && (Boolean(f.symbolic) || (readsValue(f) && tainted(head.steps[f.step - 1])));
    // A certain failure anywhere outweighs uncertain ones before it.
    const f = (failing.find((x) => !uncertainOf(x)) ?? failing[0]) as Comparison["expectations"][number];
    const was = f.base === "pass" ? "passes on base" : `${f.base} on base`;
    const uncertain = uncertainOf(f);
    // A test case failing on base already does not hold before the change: the change cannot be what breaks it
    // (the gate blocks what passed at base), but a run that moved is worth a look.
    // Only for a test case of the repo: a scenario written for head's behaviour (new at head) fails on base by design.
    const before = testOf(s)?.generated === true && failing.every((x) => x.base !== "pass");
    verdict = uncertain || before ? "at-risk" : "fail";
    reason = `step ${f.step}: expectation \`${f.expect}\` ${f.head === "threw" ? `threw (${f.detail ?? "error"})` : "fails"} on head (${was}).${cause}${uncertain ? " It reads values no stub answered, so the failure is not certain." : ""}${before && !uncertain ? " It failed on base already, so the change did not break it." : ""}${missing}`;
  } else if (headThrew >= 0) {
    const e = head.steps[headThrew]?.error;
    verdict = newMissing.length === 0 && (symbolic || head.missingStubs.length) ? "at-risk" : "fail";
    reason = `step ${headThrew + 1} throws on head (${e?.name}: ${e?.message} at ${e?.at}) and not on base.${cause}${missing}`;
  } else if (pending >= 0) {
    verdict = "at-risk";
    reason = `step ${pending + 1} never settles on head: it awaits something no stub or timer resolves.${missing}`;
  } else if (symbolic) {
    verdict = "at-risk";
    reason = `its expectations hold on head but read values no stub answered.${missing}`;
  } else if (cmp.diverged && cmp.expectations.some((e) => e.base !== "pass" && e.head === "pass")) {
    verdict = "pass";
    reason = `its expectations hold on head (some did not on base: the change fixes them).${cause}`;
  } else if (cmp.diverged && (cmp.resultsDiffer || changedCrossings > 0 || cmp.effectsDiff.added.length + cmp.effectsDiff.removed.length + cmp.effectsDiff.changed.length > 0)) {
    verdict = "at-risk";
    const ef = cmp.effectsDiff;
    // A request or response between services that changed reaches whoever else calls that service.
    const between = changedCrossings ? `${changedCrossings} request(s), response(s) or message(s) between services, ` : "";
    reason = `its expectations hold, but behaviour changed where they do not look (${cmp.resultsDiffer ? "a step's result, " : ""}${between}${ef.changed.length} changed, ${ef.added.length} added, ${ef.removed.length} removed effects).${cause}`;
  } else {
    verdict = "pass";
    const checked = cmp.expectations.filter((e) => e.head === "pass").length;
    reason = cmp.diverged ? `its ${checked} expectations hold on head; the path changed but results and effects are the same.` : `base and head behave identically over ${head.steps.length} steps; ${checked} expectations hold.`;
  }
  const unchecked = cmp.expectations.filter((e) => e.head === "unchecked").length;
  if (unchecked) reason += ` ${unchecked} prose expectation(s) unchecked.`;
  return {
    scenario: s.id,
    verdict,
    depth: "differential",
    reason,
    steps: cmp.steps,
    // A passing scenario has no root cause to show: its changed line gave the same values.
    ...(rootCause && verdict !== "pass" ? { rootCause } : {}),
    ...(crossings.length ? { crossings } : {}),
    effectsDiff: cmp.effectsDiff,
    expectations: cmp.expectations,
    ...(head.missingStubs.length ? { missingStubs: head.missingStubs } : {}),
  };
}
