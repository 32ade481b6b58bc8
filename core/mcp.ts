import { McpServer, type RegisteredTool, type ToolCallback } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { AnySchema, ZodRawShapeCompat } from "@modelcontextprotocol/sdk/server/zod-compat.js";
import type { CallToolResult, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { closest } from "./suggest.js";
import { VERSION } from "./version.js";

/**
 * Shared MCP plumbing for the five servers: one result shape, one way to serve over stdio (Streamable HTTP is
 * in http-serve.ts), and one way to register a tool, whose input object refuses arguments it does not declare
 * (DESIGN.md: unknown arguments refused) and whose errors are one line.
 */

/** A tool answer: structured content, and the same JSON as text for clients that read only text. */
export function toolResult<T extends object>(body: T): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(body) }], structuredContent: body as Record<string, unknown> };
}

/** A server and the service behind it (closed when the client goes away). */
export interface Served<S extends { close(): void } = { close(): void }> {
  server: McpServer;
  service: S;
}

/** One Worldline server's parts: its name, what it is for (the instructions clients show), its service and tools. */
export interface ServerPart {
  name: string;
  instructions: string;
  service: { close(): void };
  /** Registers the tools, bound to the service, on a server. */
  attach: (server: McpServer) => void;
}

export function serverPart<S extends { close(): void }>(name: string, instructions: string, service: S, register: (server: McpServer, service: S) => void): ServerPart {
  return { name, instructions, service, attach: (server) => register(server, service) };
}

/** The message for arguments a tool does not take: each named, with a likely meant one, and the valid ones listed. */
export function unknownArgumentsMessage(keys: readonly string[], valid: readonly string[]): string {
  const named = keys.map((k) => {
    const near = closest(k, valid, 1)[0];
    return `"${k}"${near ? ` (did you mean "${near}"?)` : ""}`;
  });
  const what = keys.length === 1 ? "unknown argument" : "unknown arguments";
  return `${what} ${named.join(", ")}: ${valid.length ? `expected only ${valid.join(", ")}` : "this tool takes no arguments"}`;
}

/** A tool's input as a strict object: an argument it does not declare is an error that names it and the valid ones. */
export function strictInput(shape: z.ZodRawShape): z.ZodObject {
  const valid = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === "unrecognized_keys") return unknownArgumentsMessage(iss.keys, valid);
      if (iss.code === "invalid_type" && iss.path?.length === 0) return `expected the arguments as an object${valid.length ? ` with ${valid.join(", ")}` : ""}`;
      return undefined;
    },
  });
}

const isZodSchema = (x: unknown): boolean => typeof x === "object" && x !== null && ("_zod" in x || "_def" in x);

/**
 * The SDK's validation error, as one line: "tool: issue; issue", each issue naming its argument. Other tool errors
 * keep their message, on one line.
 */
export function oneLineToolError(message: string): string {
  const m = /^MCP error -?\d+: Input validation error: Invalid arguments for tool (\S+): ([\s\S]*)$/.exec(message);
  const lines = (m ? (m[2] ?? "") : message).split("\n").map((l) => l.trim()).filter(Boolean);
  const issues = m
    ? lines.map((l) => {
        const at = /^(.*) at ([A-Za-z_$][\w$]*(?:\.[\w$]+|\[\d+\])*)$/.exec(l);
        if (!at) return l;
        const missing = /^Invalid input: expected (.+), received undefined$/.exec(at[1] ?? "");
        return missing ? `argument "${at[2]}" is missing: expected ${missing[1]}` : `argument "${at[2]}": ${at[1]}`;
      })
    : lines;
  const line = `${m ? `${m[1]}: ` : ""}${issues.join("; ")}`;
  return line.length > 2_000 ? `${line.slice(0, 1_999)}…` : line;
}

/** Which of a part's tools a server offers (`serve all --tools`): the tool's name and the part that registers it. */
export type ToolOffer = (tool: string, part: string) => boolean;

/** An McpServer whose tools take only the arguments they declare, and whose tool errors are one line. */
export class WorldlineMcpServer extends McpServer {
  /** Set while a part registers its tools, so a toolset can keep some of them out of `tools/list`. */
  private offering: { offer: ToolOffer; part: string } | undefined;

  constructor(...args: ConstructorParameters<typeof McpServer>) {
    super(...args);
    // The SDK turns a thrown error or a failed input check into an isError result through this (private) method;
    // it joins several issues with newlines. One line is what a client shows and a person reads.
    const self = this as unknown as { createToolError?: (message: string) => CallToolResult };
    const original = self.createToolError;
    if (typeof original === "function") self.createToolError = (message: string) => original.call(this, oneLineToolError(message));
  }

  override registerTool<OutputArgs extends ZodRawShapeCompat | AnySchema, InputArgs extends undefined | ZodRawShapeCompat | AnySchema = undefined>(
    name: string,
    config: { title?: string; description?: string; inputSchema?: InputArgs; outputSchema?: OutputArgs; annotations?: ToolAnnotations; _meta?: Record<string, unknown> },
    cb: ToolCallback<InputArgs>,
  ): RegisteredTool {
    const registered = this.registerStrict(name, config, cb);
    // A tool outside the offered toolsets is registered and removed at once: its part's code stays as it is,
    // and a call to it is the SDK's "tool not found".
    if (this.offering && !this.offering.offer(name, this.offering.part)) registered.remove();
    return registered;
  }

  /** Registers `part`'s tools on this server, keeping only those `offer` accepts. */
  attachPart(part: ServerPart, offer: ToolOffer | undefined): void {
    this.offering = offer ? { offer, part: part.name } : undefined;
    try {
      part.attach(this);
    } finally {
      this.offering = undefined;
    }
  }

  private registerStrict<OutputArgs extends ZodRawShapeCompat | AnySchema, InputArgs extends undefined | ZodRawShapeCompat | AnySchema = undefined>(
    name: string,
    config: { title?: string; description?: string; inputSchema?: InputArgs; outputSchema?: OutputArgs; annotations?: ToolAnnotations; _meta?: Record<string, unknown> },
    cb: ToolCallback<InputArgs>,
  ): RegisteredTool {
    const input = config.inputSchema;
    if (input === undefined) {
      // No arguments declared: none accepted. The callback of such a tool takes only `extra`.
      const noArgs = cb as unknown as (extra: unknown) => CallToolResult | Promise<CallToolResult>;
      return super.registerTool(name, { ...config, inputSchema: strictInput({}) }, (_args: unknown, extra: unknown) => noArgs(extra));
    }
    if (isZodSchema(input)) return super.registerTool(name, config, cb);
    return super.registerTool(name, { ...config, inputSchema: strictInput(input as z.ZodRawShape) }, cb as never);
  }
}

/**
 * A new MCP server with the parts' tools, bound to their existing services: cheap, so each HTTP session gets its
 * own (an SDK server holds one transport at a time). One part keeps its own instructions; several list each one's.
 */
export function partsServer(name: string, parts: readonly ServerPart[], offer?: ToolOffer): McpServer {
  const only = parts.length === 1 ? parts[0] : undefined;
  const instructions = only ? only.instructions : parts.map((p) => `${p.name}: ${p.instructions}`).join("\n\n");
  const server = new WorldlineMcpServer({ name: `worldline-${name}`, version: VERSION }, { instructions });
  for (const p of parts) server.attachPart(p, offer);
  return server;
}

export function buildServer(part: ServerPart): Served {
  return { server: partsServer(part.name, [part]), service: part.service };
}

/** Several servers' tools behind one server (`worldline serve all`), for clients that prefer one connection. */
export function buildCombined(name: string, parts: ServerPart[]): Served {
  return { server: partsServer(name, parts), service: { close: () => parts.forEach((p) => p.service.close()) } };
}

/**
 * Serves over stdio until the client goes away, then calls `onClose` to release what the server holds (its
 * stores, the sandbox's children) and settles, so the caller can exit 0. The client is gone when its end of
 * stdin closes (the SDK's transport does not report that itself: without this a server outlives its client),
 * when stdout breaks (EPIPE), or on SIGTERM or SIGINT. A tool call still running is abandoned.
 */
export async function serveStdio(server: McpServer, onClose: () => void): Promise<void> {
  const transport = new StdioServerTransport();
  const { stdin, stdout } = process;
  await new Promise<void>((resolve, reject) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      // Closing the transport calls `onclose` below (and the SDK's own close, which aborts running handlers).
      transport.close().catch(reject);
    };
    const detach = () => {
      stdin.off("end", stop);
      stdin.off("close", stop);
      stdout.off("error", stop);
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
    };
    let closed = false;
    transport.onclose = () => {
      if (closed) return;
      closed = true;
      stopping = true;
      detach();
      try {
        onClose();
        resolve();
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    };
    stdin.once("end", stop);
    stdin.once("close", stop);
    stdout.on("error", stop);
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    server.connect(transport).catch((err: unknown) => {
      detach();
      reject(err instanceof Error ? err : new Error(String(err)));
    });
  });
}

/**
 * Runs a server's `main.ts` over stdio when that file is executed directly (`tsx servers/x/main.ts --repo DIR`);
 * does nothing when it is imported, so tests and the CLI can import it.
 */
export async function runWhenExecuted(
  moduleUrl: string,
  create: (repo: string, rev: string | undefined) => Promise<Served>,
): Promise<void> {
  const { pathToFileURL } = await import("node:url");
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  const { parseArgs } = await import("node:util");
  const { resolveRepo } = await import("./repo.js");
  const { values } = parseArgs({ options: { repo: { type: "string" }, rev: { type: "string" } } });
  const { server, service } = await create(await resolveRepo(values.repo), values.rev);
  await serveStdio(server, () => service.close());
  // The stores are closed and the sandbox's children killed: exit now rather than wait on any handle left
  // (a git process still reading, a timer), and never leave this module's top-level await unsettled.
  process.exit(0);
}
