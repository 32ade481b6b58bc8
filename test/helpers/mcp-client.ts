import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/worldline.js", import.meta.url));

/** Starts a real Worldline MCP server as a child process and connects the SDK's client to it over stdio. */
export async function connectServer(server: string, repo: string, extraArgs: string[] = []): Promise<{ client: Client; stderr: () => string; close: () => Promise<void> }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, "serve", server, "--repo", repo, ...extraArgs],
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: "worldline-test", version: "0.0.0" });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

/** The structured content of a tool answer, or the error text when the tool answered isError. */
export function structured<T = Record<string, unknown>>(result: unknown): T {
  const r = result as { isError?: boolean; structuredContent?: unknown; content?: Array<{ text?: string }> };
  if (r.isError) throw new Error(r.content?.[0]?.text ?? "tool error");
  return r.structuredContent as T;
}

export function errorText(result: unknown): string {
  const r = result as { isError?: boolean; content?: Array<{ text?: string }> };
  if (!r.isError) throw new Error(`expected an error, got ${JSON.stringify(result).slice(0, 300)}`);
  return r.content?.[0]?.text ?? "";
}
