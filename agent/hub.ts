import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { z } from "zod";
import { UserError } from "../core/errors.js";
import { VERSION } from "../core/version.js";
import { parseAnswer, type AnswerOf, type ArgsOf, type ToolContract } from "../core/contract.js";
import { SERVERS, type ServerName } from "../core/server-names.js";

/**
 * The agent's side of MCP: it starts the five servers as `mcp.json` lists them (stdio child processes, each
 * given `--repo`), connects the SDK's client to each on first use, and stops them when done. Both planners
 * reach the world model only through these tool calls.
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));

const McpJson = z.object({
  mcpServers: z.record(
    z.string(),
    z.object({ command: z.string(), args: z.array(z.string()).default([]), env: z.record(z.string(), z.string()).optional() }).loose(),
  ),
});

export interface Launch {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** How to start each server for `repo`, from Worldline's own mcp.json (paths in it are relative to Worldline). */
export function launches(repo: string, mcpJsonPath = join(ROOT, "mcp.json")): Record<ServerName, Launch> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(mcpJsonPath, "utf8"));
  } catch (err) {
    throw new UserError(`${mcpJsonPath}: cannot read it as JSON (${(err as Error).message.split("\n")[0]}); expected {"mcpServers": {...}}`);
  }
  const parsed = McpJson.safeParse(raw);
  if (!parsed.success) throw new UserError(`${mcpJsonPath}: expected {"mcpServers": {"name": {"command", "args"}}}: ${parsed.error.issues[0]?.message}`);
  const out = {} as Record<ServerName, Launch>;
  for (const name of SERVERS) {
    const spec = parsed.data.mcpServers[name];
    if (!spec) throw new UserError(`${mcpJsonPath} lists no "${name}" server: the agent needs all five (${SERVERS.join(", ")})`);
    const command = spec.command === "node" ? process.execPath : spec.command;
    const args = spec.args.map((a) => (/\.(?:[cm]?js|ts)$/.test(a) && !isAbsolute(a) ? join(ROOT, a) : a));
    out[name] = { command, args: [...args, "--repo", repo], ...(spec.env ? { env: spec.env } : {}) };
  }
  return out;
}

/** A tool refused: the server's one-line error about the input, named by server and tool. */
export class ToolError extends UserError {
  constructor(
    readonly server: ServerName,
    readonly tool: string,
    message: string,
  ) {
    super(`${server}.${tool}: ${message}`);
  }
}

/**
 * What planners call: one tool by its contract, with arguments typed from the contract's input and the answer
 * parsed with its output (a ContractError naming server, tool and field when it does not match).
 */
export interface Tools {
  call<C extends ToolContract>(contract: C, args: ArgsOf<C>): Promise<AnswerOf<C>>;
}

/**
 * Read-only answers reused for one run: a change's verdicts ask the same questions (impact of the same changed
 * symbols, why and ownership of the same file) many times over. Failed calls are not kept.
 */
export function memoReads(tools: Tools): Tools {
  const memo = new Map<string, Promise<unknown>>();
  return {
    call<C extends ToolContract>(contract: C, args: ArgsOf<C>): Promise<AnswerOf<C>> {
      const key = JSON.stringify([contract.server, contract.name, args]);
      let answer = memo.get(key);
      if (!answer) {
        answer = tools.call(contract, args);
        memo.set(key, answer);
        answer.catch(() => memo.delete(key));
      }
      return answer as Promise<AnswerOf<C>>;
    },
  };
}

/** How a hub reaches a server: a connected SDK client for it. */
export type Connect = (name: ServerName) => Promise<Client>;

export class ToolHub implements Tools {
  private readonly clients = new Map<ServerName, Promise<Client>>();
  private readonly stderr = new Map<ServerName, string>();
  private readonly connect: Connect;
  private onClose: (() => void) | undefined;

  /** Starts each server as a child process over stdio, as `launches` says (or connects through `withConnector`'s function). */
  constructor(starts: Record<ServerName, Launch> | Connect, onClose?: () => void) {
    this.connect = typeof starts === "function" ? starts : (name) => this.launch(starts[name], name);
    this.onClose = onClose;
  }

  /**
   * A hub whose clients come from `connect` (e.g. servers in this process, over the SDK's in-memory transport);
   * `onClose` runs once its clients are closed (what the servers hold: their services, the workspace).
   */
  static withConnector(connect: Connect, onClose?: () => void): ToolHub {
    return new ToolHub(connect, onClose);
  }

  /** The connected client of a server, started on first use. */
  client(name: ServerName): Promise<Client> {
    let c = this.clients.get(name);
    if (!c) {
      c = this.connect(name);
      this.clients.set(name, c);
    }
    return c;
  }

  private async launch(launch: Launch, name: ServerName): Promise<Client> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    const transport = new StdioClientTransport({ command: launch.command, args: launch.args, env: { ...env, ...launch.env }, stderr: "pipe" });
    transport.stderr?.on("data", (d: Buffer) => this.stderr.set(name, `${this.stderr.get(name) ?? ""}${d.toString()}`.slice(-4000)));
    const client = new Client({ name: "worldline-agent", version: VERSION });
    try {
      await client.connect(transport);
    } catch (err) {
      throw new Error(`the ${name} server did not start: ${(err as Error).message}${this.stderr.get(name) ? ` (${this.stderr.get(name)?.trim().split("\n").pop()})` : ""}`);
    }
    return client;
  }

  async call<C extends ToolContract>(contract: C, args: ArgsOf<C>): Promise<AnswerOf<C>> {
    const { server, name } = contract;
    const client = await this.client(server);
    const r = (await client.callTool({ name, arguments: args }, undefined, { timeout: 600_000 })) as { isError?: boolean; structuredContent?: unknown; content?: Array<{ type: string; text?: string }> };
    if (r.isError) throw new ToolError(server, name, r.content?.find((c) => c.type === "text")?.text ?? "failed");
    return parseAnswer(contract, r.structuredContent);
  }

  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map(async (c) => (await c.catch(() => undefined))?.close().catch(() => undefined)));
    const done = this.onClose;
    this.onClose = undefined;
    done?.();
  }
}
