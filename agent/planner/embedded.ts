import type { Fix, Report, ScenarioVerdict } from "../../core/verdict.js";
import { checkFix, draftFix, simulateScenario } from "../../servers/scenarios/contracts.js";
import type { Tools } from "../hub.js";
import { addBlastRadius, finishReport, fixFromCheck, optional, recordDecisions, selectFor, type FixCheck } from "./evidence.js";

/**
 * The embedded planner (DESIGN.md, "The agent"): deterministic, offline, the default and what CI uses. Over
 * the servers' MCP tools it selects the scenarios a change can affect, simulates each at the deepest depth it
 * allows (in parallel), and for each failing or at-risk one gathers the blast radius, drafts the minimal
 * revert of the hunk holding the root cause and verifies it with check_fix; then it records decision traces.
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

/** Drafts the hunk revert for a root cause and checks it against the failing scenario and every other executable one selected. */
export async function draftAndCheck(tools: Tools, v: ScenarioVerdict, executable: string[], base: string, head: string): Promise<Fix | undefined> {
  if (!v.rootCause) return undefined;
  const location = v.rootCause.location.split(" ")[0] as string;
  const draft = await optional(tools.call(draftFix, { location, base, head }));
  if (!draft) return undefined;
  const ids = [v.scenario, ...executable.filter((id) => id !== v.scenario)];
  const checked = await tools.call(checkFix, { ids, patch: draft.patch, base, head });
  return fixFromCheck(draft.patch, v.scenario, checked.results, PLANNER);
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
    reasoning: "embedded planner: select, simulate at the deepest depth, blast radius from the code graph, history and tickets, fix = revert of the root-cause hunk checked by re-simulation",
  });
  return finishReport(base, head, "embedded", selected, verdicts);
}
