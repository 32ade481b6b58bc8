import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SERVERS } from "./cli-parse.js";

/**
 * `worldline mcp-config --client C`: the block that plugs the five servers (or `serve all`) for the repo at
 * hand into an MCP client, with absolute paths so it works from any directory.
 */
export const CLIENTS = ["claude", "cursor", "vscode"] as const;
export type Client = (typeof CLIENTS)[number];

const BIN = fileURLToPath(new URL("../bin/worldline.js", import.meta.url));

export const CONFIG_FILE: Record<Client, string> = { claude: ".mcp.json", cursor: ".cursor/mcp.json", vscode: ".vscode/mcp.json" };

export function mcpConfig(client: Client, repo: string, all: boolean, node = process.execPath): Record<string, unknown> {
  const names = all ? ["all"] : [...SERVERS];
  const entry = (name: string) => ({
    ...(client === "vscode" ? { type: "stdio" } : {}),
    command: node,
    args: [BIN, "serve", name, "--repo", repo],
  });
  const servers = Object.fromEntries(names.map((n) => [n === "all" ? "worldline" : n, entry(n)]));
  return client === "vscode" ? { servers } : { mcpServers: servers };
}

export function configPath(client: Client, repo: string): string {
  return join(repo, CONFIG_FILE[client]);
}
