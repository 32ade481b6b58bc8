import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

/** Shared MCP plumbing for the five servers: one result shape, one way to serve over stdio. */

/** A tool answer: structured content, and the same JSON as text for clients that read only text. */
export function toolResult<T extends object>(body: T): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(body) }], structuredContent: body as Record<string, unknown> };
}

export function createServer(name: string, version: string, instructions: string): McpServer {
  return new McpServer({ name: `worldline-${name}`, version }, { instructions });
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
  create: (repo: string, rev: string | undefined) => Promise<{ server: McpServer; service: { close(): void } }>,
): Promise<void> {
  const { pathToFileURL } = await import("node:url");
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  const { parseArgs } = await import("node:util");
  const { resolveRepo } = await import("./repo.js");
  const { values } = parseArgs({ options: { repo: { type: "string" }, rev: { type: "string" } } });
  const { server, service } = await create(await resolveRepo(values.repo), values.rev);
  await serveStdio(server, () => service.close());
}
