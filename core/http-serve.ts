import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { UserError } from "./errors.js";
import { bearerToken, grantOf, hostForUrl, isLoopback, loopbackHostHeader, originAllowed, type TokenGrant } from "./http-access.js";

/**
 * MCP over Streamable HTTP for one or more repos: each repo at `/mcp/<name>` (and `/mcp` when there is one),
 * each MCP session with its own SDK server and transport (an SDK server holds one transport at a time),
 * built by the repo's `newServer` over the services the process built once for that repo.
 *
 * Every request is checked in this order: Host (on a loopback server, against DNS rebinding), Origin (when
 * sent), the bearer token (when there are tokens), the path, and whether the token may use that repo. A
 * session belongs to the repo and the token that opened it.
 */
export interface HttpRepo {
  readonly name: string;
  /** A new MCP server with the repo's tools, bound to its existing services. */
  newServer: () => McpServer;
}

export interface HttpServeOptions {
  host: string;
  port: number;
  repos: readonly HttpRepo[];
  /** Bearer tokens; undefined serves without authentication (the caller allows that on loopback only). */
  grants?: readonly TokenGrant[] | undefined;
  /** Origins allowed besides loopback ones on a loopback server. */
  allowOrigins?: readonly string[];
  /** A session with no request open for this long is closed (default 30 minutes). */
  idleMs?: number;
}

export interface HttpServing {
  /** The bound address, e.g. http://127.0.0.1:43121 (the port the system chose for port 0). */
  readonly url: string;
  /** The paths served, e.g. ["/mcp/a", "/mcp/b"]. */
  readonly paths: readonly string[];
  sessionCount(): number;
  /** Stops listening, ends every session and connection. */
  close(): Promise<void>;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  repo: string;
  grant: TokenGrant | undefined;
  open: number;
  lastSeen: number;
}

const IDLE_MS = 30 * 60_000;

/** Open sessions one token may hold, and the server in all: each is an MCP server with every tool registered. */
export const MAX_SESSIONS_PER_TOKEN = 64;
export const MAX_SESSIONS = 512;

/** A refusal as the SDK's transport writes its own: a JSON-RPC error on one line. */
function refuse(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }));
}

const CORS_HEADERS = {
  "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
  "access-control-allow-headers": "Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID",
  "access-control-expose-headers": "Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate",
  "access-control-max-age": "600",
};

export async function startHttp(options: HttpServeOptions): Promise<HttpServing> {
  const { repos, grants } = options;
  const loopback = isLoopback(options.host);
  const allowed = new Set(options.allowOrigins ?? []);
  const byPath = new Map<string, HttpRepo>();
  for (const r of repos) byPath.set(`/mcp/${r.name}`, r);
  const only = repos.length === 1 ? repos[0] : undefined;
  if (only) byPath.set("/mcp", only);
  const paths = [...byPath.keys()];
  const sessions = new Map<string, Session>();

  const pathsFor = (grant: TokenGrant | undefined) => paths.filter((p) => !grant?.repos || grant.repos.has((byPath.get(p) as HttpRepo).name));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host;
    if (loopback && !loopbackHostHeader(host)) {
      return refuse(res, 403, `Host "${host ?? ""}" is not allowed: this server is bound to loopback and answers only localhost, 127.0.0.1 or [::1]`);
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (!originAllowed(origin, allowed, loopback)) {
        return refuse(res, 403, `Origin ${origin} is not allowed: expected no Origin, ${loopback ? "a loopback origin, " : ""}or one given with --allow-origin`);
      }
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("vary", "Origin");
      if (req.method === "OPTIONS") {
        res.writeHead(204, CORS_HEADERS);
        res.end();
        return;
      }
      res.setHeader("access-control-expose-headers", CORS_HEADERS["access-control-expose-headers"]);
    }
    let grant: TokenGrant | undefined;
    if (grants) {
      const token = bearerToken(req.headers.authorization);
      if (token === undefined) return refuse(res, 401, "missing bearer token: send Authorization: Bearer TOKEN", { "www-authenticate": 'Bearer realm="worldline"' });
      grant = grantOf(grants, token);
      if (!grant) return refuse(res, 401, "invalid bearer token", { "www-authenticate": 'Bearer realm="worldline", error="invalid_token"' });
    }
    let path: string;
    try {
      path = new URL(req.url ?? "/", "http://localhost").pathname.replace(/(.)\/$/, "$1");
    } catch {
      return refuse(res, 400, "the request target is not a URL path: expected /mcp or /mcp/NAME");
    }
    const repo = byPath.get(path);
    if (!repo) return refuse(res, 404, `no MCP endpoint at ${path}: expected ${pathsFor(grant).join(", ")}`);
    if (grant?.repos && !grant.repos.has(repo.name)) {
      return refuse(res, 403, `this token may not use repo "${repo.name}": it may use ${[...grant.repos].join(", ")}`, {
        "www-authenticate": 'Bearer realm="worldline", error="insufficient_scope"',
      });
    }
    const sessionId = req.headers["mcp-session-id"];
    if (typeof sessionId === "string") {
      const session = sessions.get(sessionId);
      // Another repo's or another token's session is as unknown as an expired one.
      if (!session || session.repo !== repo.name || session.grant !== grant) return refuse(res, 404, "session not found: initialize a new one");
      return serveInSession(session, req, res);
    }
    if (req.method !== "POST") return refuse(res, 400, "no Mcp-Session-Id: POST an initialize request first");
    // Each session is a server with every tool: a client opening them without end would exhaust memory.
    const mine = [...sessions.values()].filter((s) => s.grant === grant).length;
    if (mine >= MAX_SESSIONS_PER_TOKEN) return refuse(res, 429, `too many open sessions for this token (${mine}): DELETE one (or let one idle out) first`, { "retry-after": "60" });
    if (sessions.size >= MAX_SESSIONS) return refuse(res, 503, `too many open sessions (${sessions.size}): try again later`, { "retry-after": "60" });
    return openSession(repo, grant, req, res);
  }

  async function serveInSession(session: Session, req: IncomingMessage, res: ServerResponse): Promise<void> {
    session.open++;
    session.lastSeen = Date.now();
    res.once("close", () => {
      session.open--;
      session.lastSeen = Date.now();
    });
    await session.transport.handleRequest(req, res);
  }

  async function openSession(repo: HttpRepo, grant: TokenGrant | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const server = repo.newServer();
    const session: Session = { transport: undefined as unknown as StreamableHTTPServerTransport, server, repo: repo.name, grant, open: 0, lastSeen: Date.now() };
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void sessions.set(id, session),
    });
    session.transport = transport;
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await serveInSession(session, req, res);
    // Not an initialize request (the transport answered 400): there is no session to keep.
    if (!transport.sessionId) await server.close();
  }

  const http = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => refuse(res, 500, `internal error: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`));
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const why = err.code === "EADDRINUSE" ? "the address is in use" : err.code === "EADDRNOTAVAIL" ? "no such address on this machine" : err.code === "EACCES" ? "permission denied" : err.message;
      reject(new UserError(`cannot listen on ${hostForUrl(options.host)}:${options.port}: ${why}`));
    };
    http.once("error", onError);
    http.listen(options.port, options.host, () => {
      http.off("error", onError);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const idleMs = options.idleMs ?? IDLE_MS;
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const s of sessions.values()) if (s.open === 0 && now - s.lastSeen > idleMs) void s.server.close();
  }, Math.min(60_000, Math.max(1_000, idleMs / 2)));
  sweep.unref();

  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostForUrl(options.host)}:${port}`,
    paths,
    sessionCount: () => sessions.size,
    close: () => {
      closing ??= (async () => {
        clearInterval(sweep);
        const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
        await Promise.allSettled([...sessions.values()].map((s) => s.server.close()));
        http.closeAllConnections();
        await stopped;
      })();
      return closing;
    },
  };
}

/**
 * Serves until SIGTERM or SIGINT, then ends every session, stops listening and calls `onClose` (the caller
 * closes the workspaces), and settles so the caller can exit 0. `onListening` gets the bound URL.
 */
export async function serveHttp(options: HttpServeOptions, onListening: (serving: HttpServing) => void, onClose: () => void): Promise<void> {
  const serving = await startHttp(options);
  await new Promise<void>((resolve, reject) => {
    const stop = () => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      serving
        .close()
        .then(() => {
          onClose();
          resolve();
        })
        .catch(reject);
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    onListening(serving);
  });
}
