import { readFileSync } from "node:fs";
import Anthropic from "@anthropic-ai/sdk";
import { mcpTools, type MCPCallToolResultLike } from "@anthropic-ai/sdk/helpers/beta/mcp";
import { betaZodTool } from "@anthropic-ai/sdk/helpers/beta/zod";
import type { BetaMessage, BetaMessageParam } from "@anthropic-ai/sdk/resources/beta";
import { z } from "zod";
import type { Report, ScenarioVerdict } from "../../core/verdict.js";
import { SERVERS, type ServerName } from "../cli-parse.js";
import type { ToolHub } from "../hub.js";
import type { PlanRequest } from "./embedded.js";
import { addBlastRadius, finishReport, fixFromCheck, recordDecisions, selectFor, type FixCheck } from "./evidence.js";

/**
 * The LLM planner (DESIGN.md, "The agent"): the model works through the same MCP tools as the embedded
 * planner, driven by the SDK's beta tool runner with its MCP helpers, under a turn limit and a token budget.
 * The report is built from what the tools answered (the verdicts simulate_scenario gave, the fixes check_fix
 * judged, the walks the model recorded), never from the model's own claims; the transcript is stored as an
 * episode and cited by the decision traces.
 */
export interface LlmSettings {
  model: string;
  /** Most requests to the model (tool-runner iterations). */
  maxTurns: number;
  /** Most tokens (input and output) over the whole run. */
  maxTokens: number;
  /** max_tokens of one reply. */
  replyTokens: number;
}

export const DEFAULT_MODEL = "claude-sonnet-4-5";
const PROMPT = new URL("../../prompts/planner.md", import.meta.url);

/** The tools the model gets: reading and simulating, not importing or rewriting the repo's files. */
const WITHHELD = new Set(["import_tickets", "ingest_history", "ingest_adrs", "reindex", "upsert_scenario", "record_episode", "record_decision"]);

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

  // Every MCP tool of the five servers, through a client that keeps what the tools answered.
  const tools = [];
  for (const server of SERVERS) {
    const client = await hub.client(server);
    const listed = (await client.listTools()).tools.filter((t) => !WITHHELD.has(t.name));
    const keeping = {
      callTool: async (p: { name: string; arguments?: Record<string, unknown> }): Promise<MCPCallToolResultLike> => {
        const r = (await client.callTool(p)) as MCPCallToolResultLike;
        if (!r.isError) keep(captured, server, p.name, p.arguments ?? {}, r.structuredContent as Record<string, unknown> | undefined);
        return r;
      },
    };
    tools.push(...mcpTools(listed as Parameters<typeof mcpTools>[0], keeping));
  }
  tools.push(
    betaZodTool({
      name: "record_verdict",
      description: "Record your verdict for a prose-only scenario after walking it step by step over the code. Only for scenarios without a simulate: block.",
      inputSchema: RecordVerdict,
      run: (v) => {
        captured.walked.set(v.scenario, v);
        return `recorded ${v.verdict} for ${v.scenario}`;
      },
    }),
  );

  const system = readFileSync(PROMPT, "utf8").replaceAll("{{base}}", base).replaceAll("{{head}}", head);
  const first: BetaMessageParam = {
    role: "user",
    content: [
      `Change: base ${base} → head ${head}.`,
      selected.length ? "Selected scenarios:" : "No scenario was selected: say so and stop.",
      ...selected.map((s) => `- ${s.scenario}: ${s.reasons.slice(0, 3).join("; ")}`),
    ].join("\n"),
  };
  const anthropic = new Anthropic();
  const runner = anthropic.beta.messages.toolRunner({ model: settings.model, max_tokens: settings.replyTokens, system, tools, messages: [first], max_iterations: settings.maxTurns, thread: false });
  let turns = 0;
  let tokens = 0;
  let stopped: string | undefined;
  let last: BetaMessage | undefined;
  for await (const message of runner) {
    turns++;
    last = message;
    tokens += message.usage.input_tokens + message.usage.output_tokens;
    say(`  turn ${turns}: ${message.content.filter((c) => c.type === "tool_use").map((c) => (c.type === "tool_use" ? c.name : "")).join(", ") || message.stop_reason}`);
    if (tokens > settings.maxTokens) {
      stopped = `the LLM planner stopped at its token budget (${settings.maxTokens} tokens)`;
      break;
    }
  }
  if (!stopped && last?.stop_reason === "tool_use" && turns >= settings.maxTurns) stopped = `the LLM planner stopped at its turn limit (${settings.maxTurns} turns)`;

  // The transcript is the evidence the model's judgements rest on: stored as an episode, cited by decisions.
  const transcript = JSON.stringify({ model: settings.model, base, head, turns, tokens, stopped, messages: [...runner.params.messages, ...(last ? [{ role: "assistant", content: last.content }] : [])] });
  const episode = (await hub.call<{ id: string }>("context-graph", "record_episode", { source: "agent:llm-planner", ref: `${base}..${head}`, text: transcript })).id;

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

/** Keeps the answers the report is built from. */
function keep(c: Captured, server: ServerName, tool: string, args: Record<string, unknown>, answer: Record<string, unknown> | undefined): void {
  if (server !== "scenarios" || !answer) return;
  if (tool === "simulate_scenario") {
    const v = answer.verdict as ScenarioVerdict;
    c.simulations.set(v.scenario, v);
  } else if (tool === "try_scenario" && answer.passesOnBase === true) {
    const v = answer.verdict as ScenarioVerdict;
    c.tried.set(v.scenario, v);
  } else if (tool === "check_fix" && typeof args.patch === "string") {
    c.fixes.push({ patch: args.patch, results: (answer.results as FixCheck[]) ?? [] });
  }
}
