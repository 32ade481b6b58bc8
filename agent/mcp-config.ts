import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../core/errors.js";
import { httpUrl } from "../core/http-access.js";
import { SERVERS } from "./cli-parse.js";

/**
 * `worldline mcp-config --client C`: the block that plugs the five servers (or `serve all`) for the repo at
 * hand into an MCP client, with absolute paths so it works from any directory; with `--http URL`, the block
 * that connects to a `worldline serve --http` server, its bearer token read from an environment variable.
 */
export const CLIENTS = ["claude", "cursor", "vscode"] as const;
export type Client = (typeof CLIENTS)[number];

const BIN = fileURLToPath(new URL("../bin/worldline.js", import.meta.url));

export const CONFIG_FILE: Record<Client, string> = { claude: ".mcp.json", cursor: ".cursor/mcp.json", vscode: ".vscode/mcp.json" };

const wrap = (client: Client, servers: Record<string, unknown>) => (client === "vscode" ? { servers } : { mcpServers: servers });

export function mcpConfig(client: Client, repo: string, all: boolean, node = process.execPath): Record<string, unknown> {
  const names = all ? ["all"] : [...SERVERS];
  const entry = (name: string) => ({
    ...(client === "vscode" ? { type: "stdio" } : {}),
    command: node,
    args: [BIN, "serve", name, "--repo", repo],
  });
  const servers = Object.fromEntries(names.map((n) => [n === "all" ? "worldline" : n, entry(n)]));
  return wrap(client, servers);
}

export const DEFAULT_TOKEN_ENV = "WORLDLINE_TOKEN";

/** How each client writes a reference to an environment variable inside its config (expanded when it connects). */
const ENV_REF: Record<Client, (name: string) => string> = {
  claude: (name) => `\${${name}}`,
  cursor: (name) => `\${env:${name}}`,
  vscode: (name) => `\${env:${name}}`,
};

/** A server URL: http(s), and `/mcp` when it names only the host and port. */
export function serverUrl(text: string): string {
  const url = httpUrl(text);
  if (!url || url.username || url.password) {
    throw new UserError(`--http "${text}": expected the server's URL, like http://127.0.0.1:8765/mcp or https://worldline.example.com/mcp/billing`);
  }
  if (url.pathname === "/") url.pathname = "/mcp";
  return url.href;
}

/** The block for a Streamable HTTP server: one entry, `worldline`, whose Authorization header reads the token from `tokenEnv`. */
export function mcpHttpConfig(client: Client, url: string, tokenEnv = DEFAULT_TOKEN_ENV): Record<string, unknown> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(tokenEnv)) throw new UserError(`--token-env "${tokenEnv}": expected an environment variable name, like ${DEFAULT_TOKEN_ENV}`);
  const entry = {
    ...(client === "cursor" ? {} : { type: "http" }),
    url: serverUrl(url),
    headers: { Authorization: `Bearer ${ENV_REF[client](tokenEnv)}` },
  };
  return wrap(client, { worldline: entry });
}

export function configPath(client: Client, repo: string): string {
  return join(repo, CONFIG_FILE[client]);
}
