import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { VERSION } from "./version.js";

/** Shared MCP plumbing for the five servers: one result shape, one way to serve over stdio. */

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

export function buildServer(part: ServerPart): Served {
  const server = new McpServer({ name: `worldline-${part.name}`, version: VERSION }, { instructions: part.instructions });
  part.attach(server);
  return { server, service: part.service };
}

/** Several servers' tools behind one server (`worldline serve all`), for clients that prefer one connection. */
export function buildCombined(name: string, parts: ServerPart[]): Served {
  const server = new McpServer(
    { name: `worldline-${name}`, version: VERSION },
    { instructions: parts.map((p) => `${p.name}: ${p.instructions}`).join("\n\n") },
  );
  for (const p of parts) p.attach(server);
  return { server, service: { close: () => parts.forEach((p) => p.service.close()) } };
}

/** Serves over stdio until the client closes the stream; `onClose` releases what the server holds. */
export async function serveStdio(server: McpServer, onClose: () => void): Promise<void> {
  const transport = new StdioServerTransport();
  await new Promise<void>((resolve, reject) => {
    transport.onclose = () => {
      onClose();
      resolve();
    };
    server.connect(transport).catch(reject);
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
}
