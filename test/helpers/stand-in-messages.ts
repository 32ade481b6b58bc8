import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach } from "vitest";

/**
 * A scripted stand-in of the Anthropic Messages API on 127.0.0.1 (the only test double of the agent: the
 * real API cannot be reached from here). Each POST /v1/messages gets the next scripted reply; a script step
 * may inspect the request (the tool results it carries) and report what it found wrong in `problems`.
 */
export interface ContentBlock {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: Record<string, unknown>;
  tool_use_id?: string;
  content?: unknown;
  is_error?: boolean;
}

export interface MessagesRequest {
  model: string;
  max_tokens: number;
  system?: unknown;
  messages: Array<{ role: string; content: string | ContentBlock[] }>;
  tools?: Array<{ name: string }>;
}

export interface Reply {
  content: ContentBlock[];
  stop_reason?: "end_turn" | "tool_use" | "max_tokens";
  usage?: { input_tokens: number; output_tokens: number };
  /** Answer with this HTTP error status instead (the API refusing, e.g. 401 for a bad key). */
  status?: number;
}

export type Script = (req: MessagesRequest, turn: number, problems: string[]) => Reply;

/** Which turn of its own conversation a request is: one more than the model's replies it carries. */
export function turnOf(req: MessagesRequest): number {
  return req.messages.filter((m) => m.role === "assistant").length + 1;
}

/** The results of the tool calls the previous reply made, by tool name, from the request's last message. */
export function toolResults(req: MessagesRequest): Array<{ name: string; text: string; isError: boolean }> {
  const last = req.messages.at(-1);
  const asked = req.messages.at(-2);
  if (!last || typeof last.content === "string" || !asked || typeof asked.content === "string") return [];
  const names = new Map(asked.content.filter((b) => b.type === "tool_use").map((b) => [b.id, b.name ?? ""]));
  return last.content
    .filter((b) => b.type === "tool_result")
    .map((b) => ({
      name: names.get(b.tool_use_id) ?? "?",
      text: typeof b.content === "string" ? b.content : Array.isArray(b.content) ? (b.content as ContentBlock[]).map((c) => c.text ?? "").join("") : "",
      isError: b.is_error === true,
    }));
}

let ids = 0;
export const toolUse = (name: string, input: Record<string, unknown>): ContentBlock => ({ type: "tool_use", id: `toolu_${++ids}`, name, input });
export const text = (t: string): ContentBlock => ({ type: "text", text: t });

export async function messagesApi(script: Script): Promise<{ base: string; requests: Array<{ headers: Record<string, unknown>; body: MessagesRequest }>; problems: string[]; close: () => Promise<void> }> {
  const requests: Array<{ headers: Record<string, unknown>; body: MessagesRequest }> = [];
  const problems: string[] = [];
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (d: Buffer) => (raw += d.toString()));
    req.on("end", () => {
      if (req.method !== "POST" || !req.url?.startsWith("/v1/messages")) {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ type: "error", error: { type: "not_found_error", message: `no ${req.method} ${req.url}` } }));
        return;
      }
      const body = JSON.parse(raw) as MessagesRequest;
      requests.push({ headers: req.headers, body });
      let reply: Reply;
      try {
        reply = script(body, requests.length, problems);
      } catch (err) {
        problems.push(`turn ${requests.length}: ${(err as Error).message}`);
        reply = { content: [text("stopping")], stop_reason: "end_turn" };
      }
      if (reply.status) {
        res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify({ type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } }));
        return;
      }
      const stop = reply.stop_reason ?? (reply.content.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn");
      res.writeHead(200, { "content-type": "application/json", "request-id": `req_${requests.length}` });
      res.end(JSON.stringify({ id: `msg_${requests.length}`, type: "message", role: "assistant", model: body.model, content: reply.content, stop_reason: stop, stop_sequence: null, usage: reply.usage ?? { input_tokens: 1000, output_tokens: 100 } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, requests, problems, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export type StandIn = Awaited<ReturnType<typeof messagesApi>>;

/**
 * A stand-in model for a describe block's tests: `start` serves a script and points the agent at it (an API
 * key, the base URL, model claude-test); after each test the server is closed and the environment restored.
 */
export function standInModel(): { start: (script: Script) => Promise<StandIn> } {
  const saved = { ...process.env };
  let current: StandIn | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
    process.env = { ...saved };
  });
  return {
    async start(script) {
      await current?.close();
      current = await messagesApi(script);
      Object.assign(process.env, { ANTHROPIC_API_KEY: "test-key", ANTHROPIC_BASE_URL: current.base, WORLDLINE_MODEL: "claude-test" });
      return current;
    },
  };
}
