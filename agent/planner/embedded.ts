import type { Fix, Report, ScenarioVerdict } from "../../core/verdict.js";
import { draftFix, simulateScenario } from "../../servers/scenarios/contracts.js";
import type { AnswerOf } from "../../core/contract.js";
import { ToolError, type Tools } from "../hub.js";
import { addBlastRadius, finishReport, fixFromCheck, recordDecisions, selectFor, type FixCheck } from "./evidence.js";

/**
 * The embedded planner (DESIGN.md, "The agent"): deterministic, offline, the default and what CI uses. Over
 * the servers' MCP tools it selects the scenarios a change can affect, simulates each at the deepest depth it
 * allows (in parallel), and for each failing or at-risk one gathers the blast radius, drafts reverts around
 * the root cause smallest first and keeps the first that re-simulation verifies; then it records decision traces.
 */
export interface PlanRequest {
  base: string;
  head: string;
  /** Only this scenario instead of the selection. */
  scenario?: string | undefined;
  /** Progress lines while it works (terminal output). */
  progress?: (line: string) => void;
}

export const PLANNER = "embedded-planner@1";

/**
 * The fix for a root cause: draft_fix's ladder with the failing scenario, reverts smallest first, each
 * re-simulated, the first that turns it to pass and makes no other executable scenario worse (DESIGN.md).
 * When none does, the smallest draft is reported unverified, with what each one did.
 */
export async function draftAndCheck(tools: Tools, v: ScenarioVerdict, executable: string[], base: string, head: string): Promise<Fix | undefined> {
  if (!v.rootCause) return undefined;
  const location = v.rootCause.location.split(" ")[0] as string;
  let draft: AnswerOf<typeof draftFix>;
  try {
    draft = await tools.call(draftFix, { location, base, head, scenario: v.scenario, ids: executable.filter((id) => id !== v.scenario), ...(v.rootCause.side ? { side: v.rootCause.side } : {}) });
  } catch (err) {
    // No draft: the report says so and why, rather than showing no fix at all.
    if (err instanceof ToolError) return { patch: "", verified: false, by: PLANNER, reason: `no fix drafted: ${err.message}` };
    throw err;
  }
  const results: FixCheck[] = (draft.results ?? []).map(({ scenario, before, after }) => ({ scenario, before, after }));
  const fix = fixFromCheck(draft.patch, v.scenario, results, PLANNER);
  const verified = draft.verified === true && fix.verified;
  return { ...fix, verified, scope: draft.scope, ...(verified ? {} : { reason: draft.reason ?? "re-simulation with the draft did not turn the scenario to pass" }) };
}

export async function embeddedPlan(tools: Tools, req: PlanRequest): Promise<Report> {
  const say = req.progress ?? (() => undefined);
  const started = new Date().toISOString();
  const { base, head } = req;
  const selected = await selectFor(tools, req);
  say(`${selected.length} scenario(s) selected; simulating…`);
  let done = 0;
  const verdicts = await Promise.all(
    selected.map(async (s) => {
      const r = await tools.call(simulateScenario, { id: s.scenario, base, head });
      say(`  [${++done}/${selected.length}] ${r.verdict.verdict.toUpperCase()} ${s.scenario}${r.worker ? ` (on worker ${r.worker})` : ""}`);
      return r.verdict;
    }),
  );
  await addBlastRadius(tools, verdicts, head, started, say);
  const executable = verdicts.filter((v) => v.depth === "differential" && v.verdict !== "error").map((v) => v.scenario);
  const fixes = new Map<string, Fix>();
  for (const v of verdicts) {
    if (v.verdict === "fail" && v.rootCause) {
      const key = v.rootCause.location;
      if (!fixes.has(key)) {
        say(`drafting and checking a fix for ${key}…`);
        const fix = await draftAndCheck(tools, v, executable, base, head);
        if (fix) fixes.set(key, fix);
      }
      const fix = fixes.get(key);
      if (fix) v.fix = fix;
    }
  }
  await recordDecisions(tools, verdicts, base, head, {
    author: PLANNER,
    authority: "deterministic",
    reasoning: "embedded planner: select, simulate at the deepest depth, blast radius from the code graph, history and tickets, fix = the smallest revert around the root cause (statement, hunk, function, file) that re-simulation verifies",
  });
  return finishReport(base, head, "embedded", selected, verdicts);
}
