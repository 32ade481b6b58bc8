import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { connect as netConnect, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Cleanups, connectHttp, serveTwoRepos, TOKEN_A, TOKEN_ALL, TOKEN_B, type TwoRepos, twoRepos } from "./helpers/http-fixture.js";
import { grantOf, loopbackHostHeader, originAllowed, parseTokens } from "../core/http-access.js";
import { type HttpServing } from "../core/http-serve.js";
import { BIN, connectServer, errorText, structured } from "./helpers/mcp-client.js";

/**
 * Red team of `worldline serve --http` (core/http-access.ts, core/http-serve.ts, agent/serve.ts): real HTTP on
 * 127.0.0.1, raw sockets where fetch would normalise the attack away, the SDK's own client where a session is
 * needed. Each test asserts the SAFE behaviour; a hole is an `it.fails` with a `// HOLE:` comment.
 */
const cleanups: Cleanups = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const fixture = (): TwoRepos => twoRepos(cleanups, "worldline-redteam-", (name) => ({ "notes.md": `# ${name}\nsecret-of-${name}\n`, "src/main.ts": `export const repo = "${name}";\nexport function hello${name}() { return 1; }\n` }));
const serveRepos = (fx: TwoRepos, opts: Parameters<typeof serveTwoRepos>[2] = {}): Promise<HttpServing> => serveTwoRepos(cleanups, fx, opts);
const connect = (url: string, token?: string): Promise<Client> => connectHttp(cleanups, url, token, "worldline-redteam");

const INIT = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } } };
const INIT_BODY = JSON.stringify(INIT);
const portOf = (s: HttpServing) => Number(new URL(s.url).port);

interface RawAnswer {
  status: number;
  head: string;
  body: string;
}

/**
 * One request written byte for byte on a socket (fetch and http.request would normalise the target, refuse a
 * missing Host or merge headers), read until the server closes (Connection: close).
 */
function raw(port: number, text: string, timeoutMs = 10_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const sock = netConnect(port, "127.0.0.1");
    let data = "";
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer in ${timeoutMs} ms to ${JSON.stringify(text.slice(0, 120))}; got ${JSON.stringify(data.slice(0, 200))}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      const [head = "", ...rest] = data.split("\r\n\r\n");
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0), head, body: rest.join("\r\n\r\n") });
    };
    sock.on("data", (d) => {
      data += d.toString("latin1");
      // A whole answer is in: the SDK's answers say Connection: keep-alive whatever the request asked, so the
      // server would keep the socket for its keep-alive time.
      const at = data.indexOf("\r\n\r\n");
      const length = /\r\ncontent-length: *(\d+)/i.exec(data.slice(0, at))?.[1];
      if (at >= 0 && (length !== undefined ? Buffer.byteLength(data.slice(at + 4), "latin1") >= Number(length) : data.endsWith("\r\n0\r\n\r\n"))) {
        sock.destroy();
        done();
      }
    });
    sock.on("error", () => undefined);
    sock.on("close", done);
    sock.write(text);
  });
}

/** A raw POST of `body` (initialize by default) to `target`, with the given header lines. */
function rawPost(port: number, target: string, headers: string[], body = INIT_BODY, version = "HTTP/1.1"): Promise<RawAnswer> {
  const lines = [`POST ${target} ${version}`, ...headers, "Content-Type: application/json", "Accept: application/json, text/event-stream", `Content-Length: ${Buffer.byteLength(body)}`, "Connection: close"];
  return raw(port, `${lines.join("\r\n")}\r\n\r\n${body}`);
}

const bearer = (t: string) => `Authorization: Bearer ${t}`;
const hostLine = (port: number) => `Host: 127.0.0.1:${port}`;

function post(url: string, headers: Record<string, string> = {}, body: string = INIT_BODY): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers }, body });
}

async function subjects(client: Client): Promise<string[]> {
  const r = structured<{ items: Array<{ subject: string; author: string }> }>(await client.callTool({ name: "change_history", arguments: { path: "notes.md" } }));
  return r.items.map((i) => `${i.subject} (${i.author})`);
}

/** A session id opened on `path` with `token`, by a raw initialize. */
async function openSession(serving: HttpServing, path: string, token: string): Promise<string> {
  const res = await post(`${serving.url}${path}`, { authorization: `Bearer ${token}` });
  expect(res.status).toBe(200);
  await res.text();
  const id = res.headers.get("mcp-session-id");
  expect(id).toBeTruthy();
  // The client's half of the handshake, so the session answers tool calls.
  const ack = await post(`${serving.url}${path}`, { authorization: `Bearer ${token}`, "mcp-session-id": id ?? "", "mcp-protocol-version": "2025-06-18" }, JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
  expect(ack.status).toBe(202);
  return id ?? "";
}

describe("red team: reaching repo b with a token for repo a (path tricks)", () => {
  it("never opens a session on b for TOKEN_A, whatever the request target says", async () => {
    const serving = await serveRepos(fixture());
    const port = portOf(serving);
    const targets = [
      "/mcp/b",
      "/mcp/a/../b",
      "/mcp/a/%2e%2e/b",
      "/mcp/a/%2E%2E/b",
      "/mcp/./b",
      "/mcp/%62",
      "/mcp/%2562",
      "/mcp/b/",
      "/mcp/b//",
      "/mcp//b",
      "//mcp/b",
      "/mcp/B",
      "/MCP/b",
      "/mcp/b.",
      "/mcp/b%00",
      "/mcp/b;a",
      "/mcp/b?repo=a",
      "/mcp/b#a",
      "/mcp/a%2f..%2fb",
      "/mcp/a%2F..%2Fb",
      "/mcp/a\\..\\b",
      "/mcp/a/..%2fb",
      `http://evil.example/mcp/b`,
      `http://127.0.0.1:${port}/mcp/b`,
      `http://127.0.0.1:${port}/mcp/a/../b`,
    ];
    for (const target of targets) {
      const r = await rawPost(port, target, [hostLine(port), bearer(TOKEN_A)]);
      // Either refused (400 bad request line, 403 not b's token, 404 no such path), or, if it reached a repo, repo a.
      if (r.status === 200) expect.fail(`${target} opened a session (it should be a's at most): ${r.head}`);
      expect([400, 403, 404], target).toContain(r.status);
    }
    expect(serving.sessionCount()).toBe(0);
  });

  it("a target that resolves to a still serves a: /mcp/b/../a, /mcp/a?/mcp/b, /mcp/a/ (the token's own repo only)", async () => {
    const serving = await serveRepos(fixture());
    const port = portOf(serving);
    for (const target of ["/mcp/b/../a", "/mcp/a?x=/mcp/b", "/mcp/a/"]) {
      const r = await rawPost(port, target, [hostLine(port), bearer(TOKEN_A)]);
      expect(r.status, target).toBe(200);
    }
    // And the session is a's: reused on b it is unknown.
    const id = await openSession(serving, "/mcp/b/../a", TOKEN_A);
    const onB = await post(`${serving.url}/mcp/b`, { authorization: `Bearer ${TOKEN_ALL}`, "mcp-session-id": id }, JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }));
    expect(onB.status).toBe(404);
  });
});

describe("red team: session ids across repos and tokens", () => {
  it("a session opened on a with TOKEN_ALL is unknown on b, to TOKEN_A on a, and to no token", async () => {
    const serving = await serveRepos(fixture());
    const id = await openSession(serving, "/mcp/a", TOKEN_ALL);
    const call = (path: string, headers: Record<string, string>) =>
      post(`${serving.url}${path}`, { "mcp-session-id": id, "mcp-protocol-version": "2025-06-18", ...headers }, JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "change_history", arguments: { path: "notes.md" } } }));
    expect((await call("/mcp/b", { authorization: `Bearer ${TOKEN_ALL}` })).status).toBe(404);
    expect((await call("/mcp/b", { authorization: `Bearer ${TOKEN_B}` })).status).toBe(404);
    expect((await call("/mcp/a", { authorization: `Bearer ${TOKEN_A}` })).status).toBe(404);
    expect((await call("/mcp/a", {})).status).toBe(401);
    // The owner still can; the answer is a's history.
    const own = await call("/mcp/a", { authorization: `Bearer ${TOKEN_ALL}` });
    expect(own.status).toBe(200);
    expect(await own.text()).toContain("alpha: first notes");
  });

  it("another token can neither DELETE the session nor open its GET stream; the session survives", async () => {
    const serving = await serveRepos(fixture());
    const id = await openSession(serving, "/mcp/a", TOKEN_A);
    const del = await fetch(`${serving.url}/mcp/a`, { method: "DELETE", headers: { authorization: `Bearer ${TOKEN_ALL}`, "mcp-session-id": id, "mcp-protocol-version": "2025-06-18" } });
    expect(del.status).toBe(404);
    const get = await fetch(`${serving.url}/mcp/a`, { method: "GET", headers: { authorization: `Bearer ${TOKEN_ALL}`, accept: "text/event-stream", "mcp-session-id": id } });
    expect(get.status).toBe(404);
    await get.body?.cancel();
    expect(serving.sessionCount()).toBe(1);
    // Two Mcp-Session-Id headers (fetch joins them "x, y"): unknown, not the first one's session.
    const two = await rawPost(portOf(serving), "/mcp/a", [hostLine(portOf(serving)), bearer(TOKEN_A), `Mcp-Session-Id: ${id}`, "Mcp-Session-Id: other"], JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/list" }));
    expect(two.status).not.toBe(200);
  });

  it("a re-initialize inside an existing session does not re-bind it (no second session, no repo switch)", async () => {
    const serving = await serveRepos(fixture());
    const id = await openSession(serving, "/mcp/a", TOKEN_A);
    const again = await post(`${serving.url}/mcp/a`, { authorization: `Bearer ${TOKEN_A}`, "mcp-session-id": id });
    expect(again.status).toBe(400);
    expect(serving.sessionCount()).toBe(1);
  });
});

describe("red team: bearer tokens", () => {
  it("refuses a prefix, an extension, a case change, a token in the query string and Basic auth", async () => {
    const serving = await serveRepos(fixture());
    const url = `${serving.url}/mcp/a`;
    for (const auth of [
      `Bearer ${TOKEN_ALL.slice(0, 16)}`,
      `Bearer ${TOKEN_ALL.slice(0, -1)}`,
      `Bearer ${TOKEN_ALL}x`,
      `Bearer ${TOKEN_ALL.toUpperCase()}`,
      `Bearer ${TOKEN_ALL}${TOKEN_ALL}`,
      `Bearer ${TOKEN_ALL},${TOKEN_ALL}`,
      `Bearer ${TOKEN_A} ${TOKEN_ALL}`,
      `Bearer\t${TOKEN_ALL}`,
      `Bearer`,
      `Bearer `,
      `${TOKEN_ALL}`,
      `Token ${TOKEN_ALL}`,
      `Basic ${Buffer.from(`${TOKEN_ALL}:`).toString("base64")}`,
    ]) {
      expect((await post(url, { authorization: auth })).status, auth).toBe(401);
    }
    expect((await post(`${url}?access_token=${TOKEN_ALL}`)).status).toBe(401);
    expect((await post(`${url}?authorization=Bearer%20${TOKEN_ALL}`)).status).toBe(401);
    // RFC 6750 schemes are case-insensitive and whitespace around the token is not the token.
    expect((await post(url, { authorization: `bearer ${TOKEN_ALL}` })).status).toBe(200);
    expect((await post(url, { authorization: `BEARER   ${TOKEN_ALL}  ` })).status).toBe(200);
  });

  it("two Authorization headers never widen a restricted token to repo b", async () => {
    const serving = await serveRepos(fixture());
    const port = portOf(serving);
    const r1 = await rawPost(port, "/mcp/b", [hostLine(port), bearer(TOKEN_A), bearer(TOKEN_ALL)]);
    expect(r1.status).not.toBe(200);
    const r2 = await rawPost(port, "/mcp/b", [hostLine(port), "Authorization: Bearer not-a-token-at-all-000000", bearer(TOKEN_ALL)]);
    expect(r2.status).not.toBe(200);
    expect(serving.sessionCount()).toBe(0);
  });

  it("matches digests only: no prefix of a token matches (grantOf)", () => {
    const grants = parseTokens(`${TOKEN_ALL}\n${TOKEN_A} a\n`, "t", ["a", "b"]);
    for (let n = 0; n < TOKEN_ALL.length; n++) expect(grantOf(grants, TOKEN_ALL.slice(0, n))).toBeUndefined();
    expect(grantOf(grants, `${TOKEN_ALL} `)).toBeUndefined();
    expect(grantOf(grants, TOKEN_ALL)?.line).toBe(1);
  });
});

describe("red team: Origin", () => {
  it("refuses null, look-alike hosts, userinfo tricks, other schemes, 0.0.0.0, and near misses of an allowed origin", async () => {
    const serving = await serveRepos(fixture(), { allowOrigins: ["https://app.example.com"] });
    const url = `${serving.url}/mcp/a`;
    const auth = { authorization: `Bearer ${TOKEN_ALL}` };
    for (const origin of [
      "null",
      "http://127.0.0.1.evil.com",
      "http://localhost.evil.com",
      "http://localhost.",
      "http://evil.com#@localhost",
      "http://localhost@evil.com",
      "http://evil.com\\@localhost",
      "http://0.0.0.0:5173",
      "http://127.0.0.2",
      "http://[::ffff:7f00:1]",
      "file://",
      "chrome-extension://abcdef",
      "https://app.example.com:8443",
      "http://app.example.com",
      "https://app.example.com.evil.com",
      "https://evil-app.example.com",
      "",
      " ",
    ]) {
      const r = await post(url, { ...auth, origin });
      expect(r.status, JSON.stringify(origin)).toBe(403);
      expect(r.headers.get("access-control-allow-origin"), origin).toBeNull();
    }
    expect(serving.sessionCount()).toBe(0);
  });

  it("a preflight from a foreign origin gets 403 and no CORS headers; from an allowed one, 204 without a token", async () => {
    const serving = await serveRepos(fixture(), { allowOrigins: ["https://app.example.com"] });
    const pre = (origin: string) => fetch(`${serving.url}/mcp/b`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" } });
    const evil = await pre("https://evil.example");
    expect(evil.status).toBe(403);
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    expect(evil.headers.get("access-control-allow-headers")).toBeNull();
    const ok = await pre("https://app.example.com");
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("the checks in isolation: originAllowed and loopbackHostHeader", () => {
    const none = new Set<string>();
    expect(originAllowed("http://localhost:3000", none, false)).toBe(false);
    expect(originAllowed("http://LOCALHOST:3000", none, true)).toBe(true);
    expect(originAllowed("http://localhost:3000/", none, true)).toBe(true);
    expect(originAllowed("https://app.example.com/", new Set(["https://app.example.com"]), false)).toBe(false);
    for (const h of ["localhost.evil.com", "127.0.0.1:80@evil", "evil:80", "localhost.", "127.1", "[::ffff:127.0.0.1]", "localhost:80:80", "", "localhost :80", "localhost:123456"]) {
      expect(loopbackHostHeader(h), h).toBe(false);
    }
    for (const h of ["localhost", "LocalHost:1", "127.0.0.1:8080", "[::1]:8080", "[::1]"]) expect(loopbackHostHeader(h), h).toBe(true);
  });
});

describe("red team: Host (DNS rebinding) on a loopback server without tokens", () => {
  it("refuses rebound and malformed Host headers, and a request with no Host", async () => {
    const serving = await serveRepos(fixture(), { tokens: false });
    const port = portOf(serving);
    for (const host of [
      `localhost.evil.com:${port}`,
      `127.0.0.1:${port}@evil.com`,
      `127.0.0.1.nip.io:${port}`,
      `evil.com:${port}`,
      `localhost.:${port}`,
      `127.1:${port}`,
      `2130706433:${port}`,
      `0x7f000001:${port}`,
      `[::ffff:127.0.0.1]:${port}`,
      `[0:0:0:0:0:0:0:1]:${port}`,
      `0.0.0.0:${port}`,
      `localhost:${port}, evil.com`,
    ]) {
      const r = await rawPost(port, "/mcp/a", [`Host: ${host}`]);
      expect([400, 403], host).toContain(r.status);
    }
    // HTTP/1.0 without Host, and HTTP/1.1 without Host (node answers 400 itself).
    expect([400, 403]).toContain((await rawPost(port, "/mcp/a", [], INIT_BODY, "HTTP/1.0")).status);
    expect([400, 403]).toContain((await rawPost(port, "/mcp/a", [])).status);
    // Two Host headers, the rebound one first.
    expect([400, 403]).toContain((await rawPost(port, "/mcp/a", [`Host: evil.com:${port}`, `Host: localhost:${port}`])).status);
    expect(serving.sessionCount()).toBe(0);
    // The genuine forms are served.
    for (const host of [`localhost:${port}`, `LOCALHOST:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, "localhost"]) {
      expect((await rawPost(port, "/mcp/a", [`Host: ${host}`])).status, host).toBe(200);
    }
  });

  it("an absolute-form target naming another host does not bypass the token check", async () => {
    const serving = await serveRepos(fixture());
    const port = portOf(serving);
    expect((await rawPost(port, `http://evil.example:${port}/mcp/a`, [hostLine(port)])).status).toBe(401);
    expect((await rawPost(port, `http://evil.example:${port}/mcp/b`, [hostLine(port), bearer(TOKEN_A)])).status).toBe(403);
  });
});

describe("red team: what an unauthenticated client learns", () => {
  it("gets the same 401 for every path and method, naming no repo, path, tokens file or token", async () => {
    const fx = fixture();
    const serving = await serveRepos(fx);
    const port = portOf(serving);
    const bodies = new Set<string>();
    for (const [method, target] of [
      ["POST", "/mcp/a"],
      ["POST", "/mcp/b"],
      ["POST", "/mcp"],
      ["POST", "/mcp/nope"],
      ["GET", "/"],
      ["GET", "/mcp/a"],
      ["DELETE", "/mcp/b"],
      ["PUT", "/x"],
      ["POST", "http://[::1"],
    ] as const) {
      const r = await raw(port, `${method} ${target} HTTP/1.1\r\n${hostLine(port)}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      expect(r.status, `${method} ${target}`).toBe(401);
      bodies.add(r.body);
    }
    expect(bodies.size).toBe(1);
    const [body = ""] = [...bodies];
    for (const leak of ["/mcp/", fx.tokens, fx.root, TOKEN_ALL, TOKEN_A.slice(0, 10), "alpha", "beta", "line "]) expect(body).not.toContain(leak);
  });

  it("a bad Host or Origin is refused before the token and names nothing served", async () => {
    const fx = fixture();
    const serving = await serveRepos(fx);
    const port = portOf(serving);
    const host = await rawPost(port, "/mcp/b", ["Host: evil.com"]);
    const origin = await rawPost(port, "/mcp/b", [hostLine(port), "Origin: https://evil.example"]);
    for (const r of [host, origin]) {
      expect(r.status).toBe(403);
      for (const leak of ["/mcp/a", "/mcp/b", fx.root, fx.tokens, '"a"', '"b"']) expect(r.body).not.toContain(leak);
    }
  });

  it("a malformed request target from an authenticated client is a 500/400 that does not crash the server", async () => {
    const serving = await serveRepos(fixture());
    const port = portOf(serving);
    const r = await rawPost(port, "http://[::1", [hostLine(port), bearer(TOKEN_ALL)]);
    expect([400, 404, 500]).toContain(r.status);
    expect(r.body).not.toMatch(/\/(tmp|home|work)\//);
    expect((await post(`${serving.url}/mcp/a`, { authorization: `Bearer ${TOKEN_ALL}` })).status).toBe(200);
  });
});

describe("red team: resource exhaustion", () => {
  it("refuses a body over 4 MiB with 413 and stays up; an unauthenticated huge Content-Length is 401 at once", async () => {
    const serving = await serveRepos(fixture());
    const id = await openSession(serving, "/mcp/a", TOKEN_ALL);
    const big = JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list", params: { pad: "x".repeat(5 * 1024 * 1024) } });
    const r = await post(`${serving.url}/mcp/a`, { authorization: `Bearer ${TOKEN_ALL}`, "mcp-session-id": id, "mcp-protocol-version": "2025-06-18" }, big);
    expect(r.status).toBe(413);
    const port = portOf(serving);
    const t0 = Date.now();
    const unauth = await raw(port, `POST /mcp/a HTTP/1.1\r\n${hostLine(port)}\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\nConnection: close\r\n\r\n{`);
    expect(unauth.status).toBe(401);
    expect(Date.now() - t0).toBeLessThan(3_000);
    // A batch over the SDK's bound (100) is refused too.
    const batch = JSON.stringify(Array.from({ length: 101 }, (_, i) => ({ jsonrpc: "2.0", id: 100 + i, method: "tools/list" })));
    const b = await post(`${serving.url}/mcp/a`, { authorization: `Bearer ${TOKEN_ALL}`, "mcp-session-id": id, "mcp-protocol-version": "2025-06-18" }, batch);
    expect(b.status).toBeGreaterThanOrEqual(400);
    expect((await post(`${serving.url}/mcp/a`, { authorization: `Bearer ${TOKEN_ALL}` })).status).toBe(200);
  });

  it("POSTs that are not initialize leave no session and no server behind", async () => {
    const serving = await serveRepos(fixture());
    for (let i = 0; i < 50; i++) {
      const r = await post(`${serving.url}/mcp/a`, { authorization: `Bearer ${TOKEN_A}` }, JSON.stringify({ jsonrpc: "2.0", id: i, method: "tools/list" }));
      expect(r.status).toBe(400);
      await r.text();
    }
    expect(serving.sessionCount()).toBe(0);
  });

  // Was a HOLE (fixed): no bound on sessions. Each initialize builds a new McpServer (every tool registered again) and keeps
  // it for the 30-minute idle time; one token (or, without --tokens, any local process) can open them in a loop
  // until the process runs out of memory. Nothing answers 429/503.
  it("bounds the sessions one token can hold open (refuses the 300th with 429 or 503)", async () => {
    const serving = await serveRepos(fixture());
    const statuses: number[] = [];
    for (let i = 0; i < 300; i++) {
      const r = await post(`${serving.url}/mcp/a`, { authorization: `Bearer ${TOKEN_A}` });
      statuses.push(r.status);
      await r.text();
    }
    expect(statuses.some((s) => s === 429 || s === 503)).toBe(true);
  });

  it("stays responsive to others while clients hold slow, half-sent requests (slowloris)", async () => {
    const serving = await serveRepos(fixture());
    const port = portOf(serving);
    const socks: Socket[] = [];
    cleanups.push(() => socks.forEach((s) => s.destroy()));
    for (let i = 0; i < 100; i++) {
      const s = netConnect(port, "127.0.0.1");
      s.on("error", () => undefined);
      // Half the headers, or all the headers and a trickle of a long authenticated body.
      s.write(i % 2 ? `POST /mcp/a HTTP/1.1\r\n${hostLine(port)}\r\nX-Slow: ` : `POST /mcp/a HTTP/1.1\r\n${hostLine(port)}\r\n${bearer(TOKEN_ALL)}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 100000\r\n\r\n{"jsonrpc":`);
      socks.push(s);
    }
    const t0 = Date.now();
    const client = await connect(`${serving.url}/mcp/b`, TOKEN_B);
    expect(await subjects(client)).toEqual(["beta: first notes (Bob Beta)"]);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});

describe("red team: tool arguments that reach outside the repo, over HTTP as over stdio", () => {
  it("blame and history refuse ../, absolute paths, the other repo's files and symlinks out, with stdio's own error", async () => {
    const fx = fixture();
    symlinkSync(join(fx.b, "notes.md"), join(fx.a, "to-beta.md"));
    const serving = await serveRepos(fx);
    const http = await connect(`${serving.url}/mcp/a`, TOKEN_A);
    const stdio = await connectServer("git-history", fx.a);
    cleanups.push(() => stdio.close());
    const attempts: Array<{ name: string; arguments: Record<string, unknown> }> = [];
    for (const path of ["../../../../../../etc/passwd", "/etc/passwd", "../beta/notes.md", join(fx.b, "notes.md"), "src/../../beta/notes.md", "to-beta.md", "notes.md\0../../etc/passwd"]) {
      attempts.push({ name: "blame_line", arguments: { path, start: 1, end: 2 } });
      attempts.push({ name: "change_history", arguments: { path } });
    }
    for (const call of attempts) {
      const overHttp = await http.callTool(call);
      const overStdio = await stdio.client.callTool(call);
      const text = JSON.stringify(overHttp);
      expect(text, JSON.stringify(call)).not.toMatch(/root:x?:0:0|secret-of-beta|beta: first notes/);
      // Refused exactly as over stdio (or answered with nothing, exactly as over stdio).
      expect(overHttp, JSON.stringify(call)).toEqual(overStdio);
    }
    // ../ paths and absolute ones out of the repo are errors, not empty answers.
    expect(errorText(await http.callTool({ name: "blame_line", arguments: { path: "../../../../../../etc/passwd", start: 1 } }))).toMatch(/outside the repo/);
  }, 90_000);

  it("get_symbol refuses a symbol id whose path leaves the repo", async () => {
    const fx = fixture();
    const serving = await serveRepos(fx, { codeGraph: true });
    const http = await connect(`${serving.url}/mcp/a`, TOKEN_A);
    expect(JSON.stringify(await http.callTool({ name: "get_symbol", arguments: { id: "src/main.ts#helloalpha", includeSource: true } }))).toContain("helloalpha");
    for (const id of ["../beta/src/main.ts#hellobeta", `${join(fx.b, "src/main.ts")}#hellobeta`, "../../../../etc/passwd#root"]) {
      const r = (await http.callTool({ name: "get_symbol", arguments: { id, includeSource: true } })) as { isError?: boolean };
      expect(r.isError, id).toBe(true);
      expect(JSON.stringify(r), id).not.toMatch(/hellobeta\(\)|root:x?:0:0/);
    }
  }, 90_000);

  // Was a HOLE (fixed): a refused path's error names the served repo's absolute directory ("path "../x" is outside
  // the repo /srv/checkouts/alpha: ..."). Over stdio the client is the user who started the server; over
  // HTTP it is any token holder, possibly on another machine, who learns the server's file-system layout.
  it("over HTTP, a refusal does not name the server's absolute repo directory", async () => {
    const fx = fixture();
    const serving = await serveRepos(fx);
    const http = await connect(`${serving.url}/mcp/a`, TOKEN_A);
    const text = errorText(await http.callTool({ name: "blame_line", arguments: { path: "../../etc/passwd", start: 1 } }));
    expect(text).not.toContain(fx.a);
  });
});

/** The URL of `listening on http://HOST:PORT`, and all stderr so far. */
function listening(child: ChildProcess): Promise<{ url: string; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    let err = "";
    const timer = setTimeout(() => reject(new Error(`no "listening on" line in 60 s; stderr: ${err}`)), 60_000);
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /^listening on (http:\/\/\S+)$/m.exec(err);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ url: m[1], stderr: () => err });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited ${code} before listening; stderr: ${err}`));
    });
  });
}

function serveCli(fx: TwoRepos, tokens: string): ChildProcess {
  const child = spawn(process.execPath, [BIN, "serve", "git-history", "--http", "127.0.0.1:0", "--tokens", tokens, "--repo", `a=${fx.a}`, "--repo", `b=${fx.b}`], { stdio: ["ignore", "ignore", "pipe"] });
  cleanups.push(() => void (child.exitCode === null && child.signalCode === null && child.kill("SIGKILL")));
  return child;
}

describe("red team: the command", () => {
  // Was a HOLE (fixed): a tokens file others can read (mode 0644, the default umask's) is accepted without a word;
  // every local user can then read every token. ssh refuses such a key file; the server should at least warn.
  it("warns when the tokens file is readable by group or others", async () => {
    const fx = fixture();
    const open = join(fx.root, "tokens-open");
    writeFileSync(open, `${TOKEN_ALL}\n`);
    chmodSync(open, 0o644);
    expect(statSync(open).mode & 0o077).not.toBe(0);
    const child = serveCli(fx, open);
    const { stderr } = await listening(child);
    await new Promise((r) => setTimeout(r, 300));
    const exit = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exit;
    expect(stderr()).toMatch(/tokens file .*(readable|permission|mode|chmod)/i);
  }, 90_000);

  it("exits 0 promptly on SIGTERM with a session, an open GET stream and a half-sent POST in flight; none hang", async () => {
    const fx = fixture();
    const child = serveCli(fx, fx.tokens);
    const { url } = await listening(child);
    const port = Number(new URL(url).port);
    const client = await connect(`${url}/mcp/a`, TOKEN_A);
    expect(await subjects(client)).toEqual(["alpha: first notes (Ann Alpha)"]);
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId ?? "";
    // A GET stream held open, and a POST whose body never finishes.
    const stream = new Promise<string>((resolve) => {
      const req = request({ host: "127.0.0.1", port, path: "/mcp/a", method: "GET", headers: { authorization: `Bearer ${TOKEN_A}`, accept: "text/event-stream", "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" } }, (res) => {
        res.on("data", () => undefined);
        res.on("end", () => resolve("ended"));
        res.on("close", () => resolve("closed"));
      });
      req.on("error", () => resolve("error"));
      req.end();
    });
    const half = new Promise<string>((resolve) => {
      const s = netConnect(port, "127.0.0.1");
      s.on("error", () => resolve("error"));
      s.on("close", () => resolve("closed"));
      s.write(`POST /mcp/a HTTP/1.1\r\n${hostLine(port)}\r\n${bearer(TOKEN_A)}\r\nMcp-Session-Id: ${sessionId}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 1000\r\n\r\n{"jsonrpc":"2.0",`);
    });
    await new Promise((r) => setTimeout(r, 300));
    const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const t0 = Date.now();
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(["ended", "closed", "error"]).toContain(await stream);
    expect(["closed", "error"]).toContain(await half);
  }, 90_000);
});
