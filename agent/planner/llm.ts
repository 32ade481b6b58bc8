import { betaZodTool } from "@anthropic-ai/sdk/helpers/beta/zod";
import { z } from "zod";
import type { Report, ScenarioVerdict } from "../../core/verdict.js";
import { parseAnswer } from "../../core/contract.js";
import type { ServerName } from "../../core/server-names.js";
import { checkFix, simulateScenario, tryScenario } from "../../servers/scenarios/contracts.js";
import type { ToolHub } from "../hub.js";
import type { PlanRequest } from "./embedded.js";
import { addBlastRadius, finishReport, fixFromCheck, recordDecisions, selectFor, type FixCheck } from "./evidence.js";
import { converse, modelTools, ownTool, prompt, storeTranscript, type LlmSettings } from "./model.js";

/**
 * The LLM planner (DESIGN.md, "The agent"): the model works through the same MCP tools as the embedded
 * planner, driven by the SDK's beta tool runner with its MCP helpers, under a turn limit and a token budget.
 * The report is built from what the tools answered (the verdicts simulate_scenario gave, the fixes check_fix
 * judged, the walks the model recorded), never from the model's own claims; the transcript is stored as an
 * episode and cited by the decision traces.
 */
const RecordVerdict = z.object({
  scenario: z.string().min(1).describe("The scenario id"),
  verdict: z.enum(["pass", "at-risk", "unaffected"]).describe("Your judgement of a prose-only scenario after walking it"),
  reason: z.string().min(1).describe("One or two sentences: why"),
  steps: z.array(z.string()).default([]).describe("The steps you walked, each as path:line or symbol and what happens there"),
});

interface Captured {
  simulations: Map<string, ScenarioVerdict>;
  tried: Map<string, ScenarioVerdict>;
  fixes: Array<{ patch: string; results: FixCheck[] }>;
  walked: Map<string, z.infer<typeof RecordVerdict>>;
}

export async function llmPlan(hub: ToolHub, req: PlanRequest, settings: LlmSettings): Promise<Report> {
  const say = req.progress ?? (() => undefined);
  const started = new Date().toISOString();
  const { base, head } = req;
  const selected = await selectFor(hub, req);
  const captured: Captured = { simulations: new Map(), tried: new Map(), fixes: [], walked: new Map() };

  const tools = await modelTools(hub, (server, tool, args, answer) => keep(captured, server, tool, args, answer));
  tools.push(
    ownTool(betaZodTool({
      name: "record_verdict",
      description: "Record your verdict for a prose-only scenario after walking it step by step over the code. Only for scenarios without a simulate: block.",
      inputSchema: RecordVerdict,
      run: (v) => {
        captured.walked.set(v.scenario, v);
        return `recorded ${v.verdict} for ${v.scenario}`;
      },
    })),
  );

  const first = [
    `Change: base ${base} → head ${head}.`,
    selected.length ? "Selected scenarios:" : "No scenario was selected: say so and stop.",
    ...selected.map((s) => `- ${s.scenario}: ${s.reasons.slice(0, 3).join("; ")}`),
  ].join("\n");
  const talk = await converse({ settings, system: prompt("planner.md", { base, head }), first, tools, say, who: "LLM planner" });
  const { turns, tokens, stopped } = talk;
  // The transcript is the evidence the model's judgements rest on: stored as an episode, cited by decisions.
  const episode = await storeTranscript(hub, "agent:llm-planner", `${base}..${head}`, settings, talk, { base, head });

  const verdicts = selected.map((s): ScenarioVerdict => {
    const simulated = captured.simulations.get(s.scenario);
    const tried = captured.tried.get(s.scenario);
    const walked = captured.walked.get(s.scenario);
    if (tried && (!simulated || simulated.depth === "static")) return { ...tried, depth: "agent", reason: `with a simulate: block the model proposed, which passes on base: ${tried.reason}` };
    if (simulated && simulated.depth !== "static") return simulated;
    if (walked) return { scenario: s.scenario, verdict: walked.verdict, depth: "agent", reason: `${walked.reason} (the model walked it; transcript ${episode})`, steps: walked.steps };
    if (simulated) return simulated;
    return { scenario: s.scenario, verdict: "error", depth: "agent", reason: `not simulated: ${stopped ?? "the LLM planner finished without simulating it"}` };
  });
  for (const v of verdicts) {
    if (v.verdict !== "fail") continue;
    const checked = [...captured.fixes].reverse().find((f) => f.results.some((r) => r.scenario === v.scenario));
    if (checked) v.fix = fixFromCheck(checked.patch, v.scenario, checked.results, settings.model);
  }
  await addBlastRadius(hub, verdicts, head, started, say);
  await recordDecisions(hub, verdicts, base, head, {
    author: settings.model,
    authority: "llm",
    reasoning: `LLM planner (${turns} turns, ${tokens} tokens): simulations and fix checks by the tools, prose-only scenarios walked by the model`,
    evidence: [episode],
  });
  return finishReport(base, head, "llm", selected, verdicts, stopped);
}

/** Keeps the answers the report is built from, each parsed with its tool's contract. */
function keep(c: Captured, server: ServerName, tool: string, args: Record<string, unknown>, answer: Record<string, unknown> | undefined): void {
  if (server !== simulateScenario.server || !answer) return;
  if (tool === simulateScenario.name) {
    const v = parseAnswer(simulateScenario, answer).verdict;
    c.simulations.set(v.scenario, v);
  } else if (tool === tryScenario.name && answer.passesOnBase === true) {
    const v = parseAnswer(tryScenario, answer).verdict;
    c.tried.set(v.scenario, v);
  } else if (tool === checkFix.name && typeof args.patch === "string") {
    c.fixes.push({ patch: args.patch, results: parseAnswer(checkFix, answer).results });
  }
}
