import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import { UserError } from "../core/errors.js";
import { httpUrl } from "../core/http-access.js";
import { resolveRepo } from "../core/repo.js";
import { SERVERS } from "./cli-parse.js";

/**
 * `worldline mcp-config --client C`: the block that plugs Worldline's servers into an MCP client, with no path
 * of this machine in it, so a team can commit it. Project scope (the default) starts the project's own install
 * (`npx --no-install worldline`, never the registry); user scope starts a global install (`worldline` on PATH).
 * The repo is the one the client runs in: Claude Code starts project servers in the project folder; Cursor and
 * VS Code are given `${workspaceFolder}`, which both expand. With `--http URL`, the block connects to a
 * `worldline serve --http` server, its bearer token read from an environment variable.
 */
export const CLIENTS = ["claude", "cursor", "vscode"] as const;
export type Client = (typeof CLIENTS)[number];

export const SCOPES = ["project", "user"] as const;
export type Scope = (typeof SCOPES)[number];

export const CONFIG_FILE: Record<Client, string> = { claude: ".mcp.json", cursor: ".cursor/mcp.json", vscode: ".vscode/mcp.json" };

/** The top-level key each client lists its servers under. */
const SERVERS_KEY: Record<Client, "mcpServers" | "servers"> = { claude: "mcpServers", cursor: "mcpServers", vscode: "servers" };

/** The one entry of `--all` and of `--http`. */
const ALL_ENTRY = "worldline";

/** What the editors expand to the folder they opened; Claude Code needs none (it starts servers in the project). */
const WORKSPACE = "${workspaceFolder}";

type Entry = Record<string, unknown>;

const wrap = (client: Client, servers: Record<string, Entry>) => ({ [SERVERS_KEY[client]]: servers });

function stdioEntry(client: Client, scope: Scope, server: string): Entry {
  const repo = client === "claude" ? [] : ["--repo", WORKSPACE];
  const serve = ["worldline", "serve", server, ...repo];
  // npx resolves the package from its working directory: an editor may start servers elsewhere, so it is told the project's folder.
  const prefix = client === "claude" ? [] : ["--prefix", WORKSPACE];
  const launch = scope === "user" ? { command: "worldline", args: serve.slice(1) } : { command: "npx", args: ["--no-install", ...prefix, ...serve] };
  return { ...(client === "vscode" ? { type: "stdio" } : {}), ...launch };
}

/** The stdio block: the five servers, or with `all` one `worldline serve all`. */
export function stdioConfig(client: Client, options: { all: boolean; scope: Scope }): Record<string, Record<string, Entry>> {
  const names = options.all ? ["all"] : [...SERVERS];
  return wrap(client, Object.fromEntries(names.map((n) => [n === "all" ? ALL_ENTRY : n, stdioEntry(client, options.scope, n)])));
}

/** Kept for agent/cli.ts until it calls runMcpConfig: the project-scoped block (the repo no longer appears in it). */
export function mcpConfig(client: Client, _repo: string, all: boolean): Record<string, unknown> {
  return stdioConfig(client, { all, scope: "project" });
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
export function mcpHttpConfig(client: Client, url: string, tokenEnv = DEFAULT_TOKEN_ENV): Record<string, Record<string, Entry>> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(tokenEnv)) throw new UserError(`--token-env "${tokenEnv}": expected an environment variable name, like ${DEFAULT_TOKEN_ENV}`);
  const entry = {
    ...(client === "cursor" ? {} : { type: "http" }),
    url: serverUrl(url),
    headers: { Authorization: `Bearer ${ENV_REF[client](tokenEnv)}` },
  };
  return wrap(client, { [ALL_ENTRY]: entry });
}

export function configPath(client: Client, repo: string): string {
  return join(repo, CONFIG_FILE[client]);
}

/** Where each client keeps its user-level servers (Claude Code: the top-level `mcpServers` of ~/.claude.json). */
export function userConfigPath(client: Client, home = homedir(), platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  if (client === "claude") return join(home, ".claude.json");
  if (client === "cursor") return join(home, ".cursor", "mcp.json");
  if (platform === "darwin") return join(home, "Library", "Application Support", "Code", "User", "mcp.json");
  if (platform === "win32") return join(env.APPDATA ?? join(home, "AppData", "Roaming"), "Code", "User", "mcp.json");
  return join(env.XDG_CONFIG_HOME ?? join(home, ".config"), "Code", "User", "mcp.json");
}

/** A client's config file as far as Worldline reads it: an object whose server list, if any, maps names to objects. */
const ConfigFile = (key: string) => z.object({ [key]: z.record(z.string(), z.object({}).loose()).optional() }).loose();

/** The names Worldline writes; an entry under one of them is Worldline's when it is `worldline` or starts `worldline`. */
const OWN_NAMES = new Set<string>([...SERVERS, ALL_ENTRY]);
const isWorldlines = (name: string, entry: Entry) => name === ALL_ENTRY || JSON.stringify(entry).includes("worldline");

export interface Written {
  path: string;
  created: boolean;
  /** Servers of others that the file already had, kept as they were. */
  kept: string[];
}

/**
 * Writes `block` into the client's file at `path`: a new file, or merged into an existing one (its other keys
 * and other servers kept, Worldline's own entries replaced). A file that is not JSON of that shape, or that
 * has someone else's server under a name Worldline needs, is refused and left as it was.
 */
export function writeMcpConfig(client: Client, path: string, block: Record<string, Record<string, Entry>>): Written {
  const key = SERVERS_KEY[client];
  const ours = block[key] ?? {};
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeAtomically(path, block);
    return { path, created: true, kept: [] };
  }
  const expected = `expected a JSON object with "${key}": {"name": {...}}`;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new UserError(`${path}: not valid JSON (${(err as Error).message.split("\n")[0]}); ${expected}; left as it was`);
  }
  const parsed = ConfigFile(key).safeParse(raw);
  if (!parsed.success) throw new UserError(`${path}: ${expected}; left as it was`);
  const existing = (parsed.data[key] ?? {}) as Record<string, Entry>;
  const kept: Record<string, Entry> = {};
  for (const [name, entry] of Object.entries(existing)) {
    if (!OWN_NAMES.has(name)) kept[name] = entry;
    else if (!isWorldlines(name, entry)) {
      throw new UserError(`${path}: its "${name}" server is not Worldline's; rename that entry (or use --all, one entry named worldline); left as it was`);
    }
  }
  // The parsed text, not zod's copy: the file's other keys keep their order.
  writeAtomically(path, { ...(raw as Record<string, unknown>), [key]: { ...kept, ...ours } });
  return { path, created: false, kept: Object.keys(kept) };
}

/** Through a temporary file and a rename, so a client never reads half a file. */
function writeAtomically(path: string, content: unknown): void {
  const tmp = `${path}.worldline-${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(content, null, 2)}\n`);
  renameSync(tmp, path);
}

/** The command's options as the command line gives them. */
export interface McpConfigRequest {
  repo?: string | undefined;
  client?: string | undefined;
  scope?: string | undefined;
  all?: boolean | undefined;
  http?: string | undefined;
  tokenEnv?: string | undefined;
  write?: boolean | undefined;
  /** The user's home (user scope); the process's own by default. */
  home?: string | undefined;
}

export interface Lines {
  out(line: string): void;
  err(line: string): void;
}

/** `worldline mcp-config`: prints the block, or with `write` writes it into the client's file. */
export async function runMcpConfig(req: McpConfigRequest, io: Lines): Promise<void> {
  const client = CLIENTS.find((c) => c === req.client);
  if (!client) throw new UserError(`--client "${req.client ?? ""}": expected one of ${CLIENTS.join(", ")}`);
  const scope = SCOPES.find((s) => s === (req.scope ?? "project"));
  if (!scope) throw new UserError(`--scope "${req.scope}": expected project (a file in the repo, for a project's own install) or user (for a global install)`);
  if (req.http === undefined && req.tokenEnv !== undefined) throw new UserError("--token-env is for --http URL: a stdio server needs no token");
  if (req.http !== undefined && req.all) throw new UserError("--all is for stdio: an --http server already serves what it was started with");
  const block = req.http === undefined ? stdioConfig(client, { all: Boolean(req.all), scope }) : mcpHttpConfig(client, req.http, req.tokenEnv);
  const path = scope === "user" ? userConfigPath(client, req.home ?? homedir()) : configPath(client, await resolveRepo(req.repo));
  if (!req.write) {
    io.err(`# put this in ${path} (or run again with --write, which merges it in)`);
    io.out(JSON.stringify(block, null, 2));
    return;
  }
  const written = writeMcpConfig(client, path, block);
  if (written.created) io.out(`wrote ${path}`);
  else io.out(`updated ${path}: Worldline's entries written${written.kept.length ? `, ${written.kept.length} other server(s) kept (${written.kept.join(", ")})` : ""}`);
}
