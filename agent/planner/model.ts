import { readFileSync } from "node:fs";
import Anthropic from "@anthropic-ai/sdk";
import { mcpTools, type MCPCallToolResultLike } from "@anthropic-ai/sdk/helpers/beta/mcp";
import type { BetaRunnableTool } from "@anthropic-ai/sdk/lib/tools/BetaRunnableTool";
import type { BetaMessage } from "@anthropic-ai/sdk/resources/beta";
import { UserError } from "../../core/errors.js";
import { loadConfig } from "../../core/repo.js";
import { SERVERS, type ServerName } from "../../core/server-names.js";
import { reindexCode } from "../../servers/code-graph/contracts.js";
import { ingestAdrsTool, recordDecisionTool, recordEpisodeTool, setIngestionMark } from "../../servers/context-graph/contracts.js";
import { ingestHistoryTool } from "../../servers/git-history/contracts.js";
import { upsertScenario } from "../../servers/scenarios/contracts.js";
import { commentTicket, importTicketsTool } from "../../servers/tickets/contracts.js";
import type { ToolHub } from "../hub.js";

/**
 * What both LLM planners (a change's simulation, a ticket's triage) share: the settings, the MCP tools the
 * model may call, one conversation through the SDK's beta tool runner under a turn limit and a token budget,
 * and its transcript stored as an episode so that decision traces can cite it.
 */
export interface LlmSettings {
  model: string;
  /** Most requests to the model (tool-runner iterations) in one conversation. */
  maxTurns: number;
  /** Most tokens (input and output): over one run of simulate, over one round of triage. */
  maxTokens: number;
  /** max_tokens of one reply. */
  replyTokens: number;
}

export const DEFAULT_MODEL = "claude-sonnet-4-5";

/** The settings from the environment and worldline.config.json; refuses to start without an API key. */
export function llmSettings(repo: string, limits: { maxTurns?: number | undefined; maxTokens?: number | undefined }, defaults: { maxTurns: number; maxTokens: number }): LlmSettings {
  if (!process.env.ANTHROPIC_API_KEY) {
    throw new UserError("--planner llm needs ANTHROPIC_API_KEY in the environment (and optionally WORLDLINE_MODEL, ANTHROPIC_BASE_URL); without a key use --planner embedded");
  }
  const model = process.env.WORLDLINE_MODEL ?? loadConfig(repo).model ?? DEFAULT_MODEL;
  return { model, maxTurns: limits.maxTurns ?? defaults.maxTurns, maxTokens: limits.maxTokens ?? defaults.maxTokens, replyTokens: 4096 };
}

/** Reads a prompt in prompts/ and fills its {{name}} placeholders. */
export function prompt(name: string, values: Record<string, string>): string {
  let text = readFileSync(new URL(`../../prompts/${name}`, import.meta.url), "utf8");
  for (const [k, v] of Object.entries(values)) text = text.replaceAll(`{{${k}}}`, v);
  return text;
}

/** Tools that import, rewrite, record or post: the agent does those itself, from what the tools answered. */
export const WITHHELD = new Set([importTicketsTool, ingestHistoryTool, ingestAdrsTool, reindexCode, upsertScenario, recordEpisodeTool, recordDecisionTool, commentTicket, setIngestionMark].map((c) => c.name));

export type ModelTool = BetaRunnableTool<Record<string, unknown>>;
/** A tool of our own (betaZodTool) among the MCP ones: the runner parses its input with its own schema first. */
export function ownTool<T>(tool: BetaRunnableTool<T>): ModelTool {
  return tool as unknown as ModelTool;
}
export type Answered = (server: ServerName, tool: string, args: Record<string, unknown>, answer: Record<string, unknown> | undefined) => void;

/**
 * Every MCP tool of the five servers but the withheld ones, through clients that report each answer. A call
 * that would write into the repo (draft_scenario's write) is refused: a planner proposes, people write.
 */
export async function modelTools(hub: ToolHub, answered: Answered): Promise<ModelTool[]> {
  const tools: ModelTool[] = [];
  for (const server of SERVERS) {
    const client = await hub.client(server);
    const listed = (await client.listTools()).tools.filter((t) => !WITHHELD.has(t.name));
    const reporting = {
      callTool: async (p: { name: string; arguments?: Record<string, unknown> }): Promise<MCPCallToolResultLike> => {
        if (p.arguments?.write === true) return { isError: true, content: [{ type: "text", text: `${p.name}: "write" is not open to the planner; call it without write to get the text` }] };
        const r = (await client.callTool(p)) as MCPCallToolResultLike;
        if (!r.isError) answered(server, p.name, p.arguments ?? {}, r.structuredContent as Record<string, unknown> | undefined);
        return r;
      },
    };
    tools.push(...mcpTools(listed as Parameters<typeof mcpTools>[0], reporting));
  }
  return tools;
}

export interface Conversation {
  turns: number;
  tokens: number;
  /** Why it ended before the model finished: the turn limit or the token budget. */
  stopped: string | undefined;
  /** The messages, the model's last reply included: the transcript. */
  messages: unknown[];
}

/**
 * One conversation: the tool runner calls the tools the model asks for until it answers without one, the turn
 * limit is reached, or `budget` tokens are spent (`budget` defaults to the settings' maxTokens).
 */
export async function converse(o: { settings: LlmSettings; system: string; first: string; tools: ModelTool[]; budget?: number; say?: (line: string) => void; who: string }): Promise<Conversation> {
  const budget = o.budget ?? o.settings.maxTokens;
  const runner = new Anthropic().beta.messages.toolRunner({
    model: o.settings.model,
    max_tokens: o.settings.replyTokens,
    system: o.system,
    tools: o.tools,
    messages: [{ role: "user", content: o.first }],
    max_iterations: o.settings.maxTurns,
    thread: false,
  });
  let turns = 0;
  let tokens = 0;
  let stopped: string | undefined;
  let last: BetaMessage | undefined;
  for await (const message of runner) {
    turns++;
    last = message;
    tokens += message.usage.input_tokens + message.usage.output_tokens;
    o.say?.(`  turn ${turns}: ${message.content.flatMap((c) => (c.type === "tool_use" ? [c.name] : [])).join(", ") || message.stop_reason}`);
    if (tokens > budget) {
      stopped = `the ${o.who} stopped at its token budget (${o.settings.maxTokens} tokens)`;
      break;
    }
  }
  if (!stopped && last?.stop_reason === "tool_use" && turns >= o.settings.maxTurns) stopped = `the ${o.who} stopped at its turn limit (${o.settings.maxTurns} turns)`;
  return { turns, tokens, stopped, messages: [...runner.params.messages, ...(last ? [{ role: "assistant", content: last.content }] : [])] };
}

/** Stores a conversation as an episode (the evidence its judgements rest on); answers the episode's id. */
export async function storeTranscript(hub: ToolHub, source: string, ref: string, settings: LlmSettings, c: Conversation, about: Record<string, string>): Promise<string> {
  const text = JSON.stringify({ model: settings.model, ...about, turns: c.turns, tokens: c.tokens, stopped: c.stopped, messages: c.messages });
  return (await hub.call(recordEpisodeTool, { source, ref, text })).id;
}
