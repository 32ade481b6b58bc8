import { basename } from "node:path";
import { UserError } from "../core/errors.js";
import type { ServerPart, ToolOffer } from "../core/mcp.js";
import { resolveRepo } from "../core/repo.js";
import type { Workspace } from "../servers/workspace.js";
import type { ToolHub } from "./hub.js";
import { SERVERS, type ParsedCommand, type ServerName } from "./cli-parse.js";

/**
 * `worldline serve NAME`: one workspace per repo, the asked server's parts on it, served over stdio (the
 * default: one repo, one client) or Streamable HTTP (`--http HOST:PORT`: any number of repos and clients).
 */

/** Each server's parts on a workspace, loaded only when that server is asked for. */
const SERVER_PARTS: Record<ServerName, (workspace: Workspace, rev: string | undefined) => Promise<ServerPart>> = {
  "code-graph": async (ws, rev) => (await import("../servers/code-graph/main.js")).codeGraphPart(ws, rev),
  "git-history": async (ws) => (await import("../servers/git-history/main.js")).gitHistoryPart(ws),
  tickets: async (ws) => (await import("../servers/tickets/main.js")).ticketPart(ws),
  scenarios: async (ws) => (await import("../servers/scenarios/main.js")).scenarioPart(ws),
  "context-graph": async (ws) => (await import("../servers/context-graph/main.js")).contextGraphPart(ws),
};

const list = (v: string | boolean | string[] | undefined): string[] => (Array.isArray(v) ? v : typeof v === "string" ? [v] : []);

const REPO_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** `--repo name=DIR` or `--repo DIR` (named by its folder); no `--repo`: the current directory's repo. */
export async function namedRepos(args: readonly string[]): Promise<Array<{ name: string; dir: string }>> {
  const repos = await Promise.all(
    (args.length ? args : [undefined]).map(async (arg) => {
      const m = arg === undefined ? null : /^([^=/\\]+)=(.+)$/.exec(arg);
      if (m && !REPO_NAME.test(m[1] ?? "")) throw new UserError(`--repo "${arg}": the name "${m[1]}" should be letters, digits, dot, dash or underscore`);
      const dir = await resolveRepo(m ? m[2] : arg);
      const name = m?.[1] ?? basename(dir);
      if (!REPO_NAME.test(name)) throw new UserError(`--repo "${arg ?? dir}": the folder name "${name}" cannot name a path: give --repo NAME=DIR`);
      return { name, dir };
    }),
  );
  const seen = new Map<string, string>();
  for (const r of repos) {
    const other = seen.get(r.name);
    if (other !== undefined) throw new UserError(`two repos named "${r.name}" (${other} and ${r.dir}): give each --repo NAME=DIR a name of its own`);
    seen.set(r.name, r.dir);
  }
  return repos;
}

/**
 * The parts of server `name` on a workspace. `all` is the five servers' parts behind the `worldline` part, whose
 * `what_breaks` runs the planner over those same parts (its instructions, the recipe, come first).
 */
async function partsFor(name: string, workspace: Workspace, rev: string | undefined, offer: ToolOffer | undefined): Promise<ServerPart[]> {
  if (name !== "all") return [await SERVER_PARTS[name as ServerName](workspace, rev)];
  const parts = await Promise.all(SERVERS.map((s) => SERVER_PARTS[s](workspace, rev)));
  const { whatBreaksPart } = await import("./what-breaks/tools.js");
  return [whatBreaksPart({ repo: workspace.repo, parts, offer }), ...parts];
}

/** `--tools LIST`, for `serve all` only: which tools the client is offered. */
async function offerFor(name: string, tools: string | undefined): Promise<ToolOffer | undefined> {
  if (tools === undefined && name !== "all") return undefined;
  if (name !== "all") throw new UserError(`--tools is for serve all: serve ${name} offers all of its own tools`);
  const { parseToolsets, toolOffer } = await import("./toolsets.js");
  return toolOffer(parseToolsets(tools));
}

export async function runServe(cmd: ParsedCommand, err: (line: string) => void): Promise<void> {
  const name = cmd.positionals[0];
  if (name === undefined || (name !== "all" && !SERVERS.some((s) => s === name))) {
    throw new UserError(`unknown server "${name}": expected one of ${SERVERS.join(", ")}, or all`);
  }
  const http = typeof cmd.values.http === "string" ? cmd.values.http : undefined;
  const tokensFile = typeof cmd.values.tokens === "string" ? cmd.values.tokens : undefined;
  const origins = list(cmd.values["allow-origin"]);
  const rev = typeof cmd.values.rev === "string" ? cmd.values.rev : undefined;
  const offer = await offerFor(name, typeof cmd.values.tools === "string" ? cmd.values.tools : undefined);
  const repoArgs = list(cmd.values.repo);
  if (!http) {
    if (tokensFile !== undefined || origins.length) throw new UserError(`--${tokensFile !== undefined ? "tokens" : "allow-origin"} is for --http HOST:PORT: over stdio the client that starts the server is the only one`);
    if (repoArgs.length > 1) throw new UserError("several --repo need --http HOST:PORT: over stdio a server serves one repo");
    return serveOverStdio(name, (await namedRepos(repoArgs))[0]?.dir ?? (await resolveRepo(undefined)), rev, offer);
  }
  const { isLoopback, normalizeOrigin, parseListen, parseTokens } = await import("../core/http-access.js");
  const listen = parseListen(http);
  if (tokensFile === undefined && !isLoopback(listen.host)) {
    throw new UserError(`--http ${http} is reachable from other machines: give --tokens FILE (bearer tokens), or listen on 127.0.0.1, ::1 or localhost`);
  }
  const allowOrigins = origins.map(normalizeOrigin);
  const repos = await namedRepos(repoArgs);
  let grants: ReturnType<typeof parseTokens> | undefined;
  // Said after the "listening on" line, which stays the first line on standard error.
  const warnings: string[] = [];
  if (tokensFile !== undefined) {
    const { readFile } = await import("node:fs/promises");
    const text = await readFile(tokensFile, "utf8").catch((e: NodeJS.ErrnoException) => {
      throw new UserError(`cannot read tokens file ${tokensFile}: ${e.code === "ENOENT" ? "no such file" : e.message}`);
    });
    grants = parseTokens(text, tokensFile, repos.map((r) => r.name));
    const { stat } = await import("node:fs/promises");
    // Tokens others on the machine can read are tokens anyone on it may use.
    if (((await stat(tokensFile)).mode & 0o077) !== 0) warnings.push(`warning: tokens file ${tokensFile} is readable by other users: chmod 600 ${tokensFile}`);
  }
  const { partsServer } = await import("../core/mcp.js");
  const { serveHttp } = await import("../core/http-serve.js");
  const { openWorkspace } = await import("../servers/workspace.js");
  // Services are built once per repo: its workspace and the parts on it. Each session gets a server over them.
  const opened: Array<{ workspace: Workspace; parts: ServerPart[] }> = [];
  const closeAll = () => {
    for (const o of opened.splice(0)) {
      for (const p of o.parts) p.service.close();
      o.workspace.close();
    }
  };
  try {
    const served = [];
    for (const r of repos) {
      const workspace = openWorkspace(r.dir, { rev });
      const entry = { workspace, parts: [] as ServerPart[] };
      opened.push(entry);
      entry.parts = await partsFor(name, workspace, rev, offer);
      served.push({ name: r.name, newServer: () => partsServer(name, entry.parts, offer) });
    }
    await serveHttp(
      { host: listen.host, port: listen.port, repos: served, grants, allowOrigins },
      (serving) => {
        // The first line is the contract scripts read; the rest says what is where.
        err(`listening on ${serving.url}`);
        for (const r of repos) err(`  ${serving.url}/mcp/${r.name}${repos.length === 1 ? " (also /mcp)" : ""}: ${r.dir}`);
        if (!grants) err("  no --tokens: any process on this machine may connect");
        for (const w of warnings) err(w);
      },
      closeAll,
    );
  } finally {
    closeAll();
  }
}

/**
 * The five servers in this process, on one workspace, reached over the SDK's in-memory transport: what `check`
 * and the other commands talk to. The same tools and contracts as servers over stdio, without five processes
 * each starting, indexing and opening the database on its own (seconds per command on a small machine).
 * `WORLDLINE_SERVERS=stdio` starts them as child processes from mcp.json instead.
 */
export async function localHub(repo: string): Promise<ToolHub> {
  const { launches, ToolHub: Hub } = await import("./hub.js");
  if (process.env.WORLDLINE_SERVERS === "stdio") return new Hub(launches(repo));
  const { openWorkspace } = await import("../servers/workspace.js");
  const { inProcessConnector } = await import("./what-breaks/in-process.js");
  const workspace = openWorkspace(repo);
  let parts: ServerPart[] = [];
  try {
    parts = await Promise.all(SERVERS.map((s) => SERVER_PARTS[s](workspace, undefined)));
  } catch (err) {
    workspace.close();
    throw err;
  }
  const byName = new Map(SERVERS.map((s, i): [ServerName, ServerPart] => [s, parts[i] as ServerPart]));
  return Hub.withConnector(inProcessConnector(byName), () => {
    for (const p of parts) p.service.close();
    workspace.close();
  });
}

async function serveOverStdio(name: string, repo: string, rev: string | undefined, offer: ToolOffer | undefined): Promise<void> {
  const { partsServer, serveStdio } = await import("../core/mcp.js");
  // One workspace for whatever is served: `all` runs one code-graph index and one database connection for every server.
  const { openWorkspace } = await import("../servers/workspace.js");
  const workspace = openWorkspace(repo, { rev });
  try {
    const parts = await partsFor(name, workspace, rev, offer);
    await serveStdio(partsServer(name, parts, offer), () => {
      for (const p of parts) p.service.close();
      workspace.close();
    });
  } finally {
    workspace.close();
  }
}
