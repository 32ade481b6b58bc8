import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Cleanups, connectHttp, serveTwoRepos, TOKEN_A, TOKEN_ALL, TOKEN_B, type TwoRepos, twoRepos } from "./helpers/http-fixture.js";
import { type HttpServing } from "../core/http-serve.js";
import { grantOf, parseTokens } from "../core/http-access.js";
import { runCli } from "./helpers/cli-run.js";
import { BIN, structured } from "./helpers/mcp-client.js";

/**
 * `worldline serve --http`: real HTTP on 127.0.0.1 (the port the system picks, one server per test), the SDK's
 * own Streamable HTTP client, real git repos. Two repos, a and b, each with a commit only it has, so an answer
 * says which repo it came from.
 */
const cleanups: Cleanups = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const fixture = (): TwoRepos => twoRepos(cleanups, "worldline-http-", (name) => ({ "notes.md": `# ${name}\n`, "src/main.ts": `export const repo = "${name}";\n` }));
const serveRepos = (fx: TwoRepos, opts: Parameters<typeof serveTwoRepos>[2] = {}): Promise<HttpServing> => serveTwoRepos(cleanups, fx, opts);
const connect = (url: string, token?: string): Promise<Client> => connectHttp(cleanups, url, token, "worldline-http-test");

const INIT = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } } };

/** One raw initialize POST, to read the status and headers a refusal comes with. */
function post(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify(INIT),
  });
}

async function subjects(client: Client): Promise<string[]> {
  const r = structured<{ items: Array<{ subject: string; author: string }> }>(await client.callTool({ name: "change_history", arguments: { path: "notes.md" } }));
  return r.items.map((i) => `${i.subject} (${i.author})`);
}

describe("serve over Streamable HTTP", () => {
  it("lists the tools and answers a tool call from each repo's own history, with a valid token", async () => {
    const fx = fixture();
    const serving = await serveRepos(fx);
    const a = await connect(`${serving.url}/mcp/a`, TOKEN_ALL);
    const b = await connect(`${serving.url}/mcp/b`, TOKEN_ALL);
    const tools = (await a.listTools()).tools.map((t) => t.name);
    expect(tools).toContain("change_history");
    expect(tools).toContain("blame_line");
    expect(await subjects(a)).toEqual(["alpha: first notes (Ann Alpha)"]);
    expect(await subjects(b)).toEqual(["beta: first notes (Bob Beta)"]);
    // Two sessions, each its own server over the same repo services.
    expect(serving.sessionCount()).toBe(2);
    expect(serving.paths).toEqual(["/mcp/a", "/mcp/b"]);
  });

  it("refuses a request without a token, or with a wrong one, with 401 and WWW-Authenticate: Bearer", async () => {
    const serving = await serveRepos(fixture());
    const none = await post(`${serving.url}/mcp/a`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer /);
    const wrong = await post(`${serving.url}/mcp/a`, { authorization: `Bearer ${TOKEN_ALL.replace(/.$/, "x")}` });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toMatch(/^Bearer .*error="invalid_token"/);
    const basic = await post(`${serving.url}/mcp/a`, { authorization: `Basic ${Buffer.from(`u:${TOKEN_ALL}`).toString("base64")}` });
    expect(basic.status).toBe(401);
    // The SDK client gets no session either.
    await expect(connect(`${serving.url}/mcp/a`, "not-a-token-of-this-server-0000")).rejects.toThrow();
    expect(serving.sessionCount()).toBe(0);
  });

  it("refuses with 403 a token restricted to another repo, and serves it its own", async () => {
    const serving = await serveRepos(fixture());
    const res = await post(`${serving.url}/mcp/b`, { authorization: `Bearer ${TOKEN_A}` });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('this token may not use repo "b": it may use a');
    await expect(connect(`${serving.url}/mcp/b`, TOKEN_A)).rejects.toThrow(/403|may not use/);
    expect(await subjects(await connect(`${serving.url}/mcp/a`, TOKEN_A))).toEqual(["alpha: first notes (Ann Alpha)"]);
  });

  it("refuses a foreign Origin with 403, allows no Origin, loopback origins and --allow-origin ones", async () => {
    const serving = await serveRepos(fixture(), { allowOrigins: ["https://app.example.com"] });
    const auth = { authorization: `Bearer ${TOKEN_ALL}` };
    const evil = await post(`${serving.url}/mcp/a`, { ...auth, origin: "https://evil.example" });
    expect(evil.status).toBe(403);
    expect(await evil.text()).toMatch(/Origin https:\/\/evil\.example is not allowed/);
    expect((await post(`${serving.url}/mcp/a`, { ...auth, origin: "null" })).status).toBe(403);
    const allowed = await post(`${serving.url}/mcp/a`, { ...auth, origin: "https://app.example.com" });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect((await post(`${serving.url}/mcp/a`, { ...auth, origin: "http://localhost:5173" })).status).toBe(200);
    expect((await post(`${serving.url}/mcp/a`, auth)).status).toBe(200);
  });

  it("refuses a Host that is not loopback on a loopback server (DNS rebinding)", async () => {
    const serving = await serveRepos(fixture(), { tokens: false });
    const port = new URL(serving.url).port;
    const { request } = await import("node:http");
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path: "/mcp/a", method: "POST", headers: { host, "content-type": "application/json", accept: "application/json, text/event-stream" } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end(JSON.stringify(INIT));
      });
    expect(await status(`rebound.example:${port}`)).toBe(403);
    expect(await status(`localhost:${port}`)).toBe(200);
    // Without tokens (loopback only), no Authorization is needed.
    expect(await subjects(await connect(`${serving.url}/mcp/b`))).toEqual(["beta: first notes (Bob Beta)"]);
  });

  it("answers 404 naming the served paths for an unknown path, and for a session of another repo", async () => {
    const serving = await serveRepos(fixture());
    const res = await post(`${serving.url}/mcp/c`, { authorization: `Bearer ${TOKEN_ALL}` });
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(body.split("\n")).toHaveLength(1);
    expect(JSON.parse(body).error.message).toBe("no MCP endpoint at /mcp/c: expected /mcp/a, /mcp/b");
    // /mcp alone is served only when there is one repo; a restricted token hears only of its own paths.
    expect(JSON.parse(await (await post(`${serving.url}/mcp`, { authorization: `Bearer ${TOKEN_B}` })).text()).error.message).toBe("no MCP endpoint at /mcp: expected /mcp/b");
    const init = await post(`${serving.url}/mcp/a`, { authorization: `Bearer ${TOKEN_ALL}` });
    const session = init.headers.get("mcp-session-id");
    expect(session).toBeTruthy();
    const cross = await fetch(`${serving.url}/mcp/b`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN_ALL}`, "mcp-session-id": session ?? "", "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
    });
    expect(cross.status).toBe(404);
  });

  it("ends a session on DELETE", async () => {
    const serving = await serveRepos(fixture());
    const transport = new StreamableHTTPClientTransport(new URL(`${serving.url}/mcp/a`), { requestInit: { headers: { Authorization: `Bearer ${TOKEN_ALL}` } } });
    const client = new Client({ name: "worldline-http-test", version: "0.0.0" });
    await client.connect(transport);
    expect(serving.sessionCount()).toBe(1);
    await transport.terminateSession();
    expect(serving.sessionCount()).toBe(0);
    await client.close();
  });

  it("ends a session its client left without DELETE once it has been idle", async () => {
    const serving = await serveRepos(fixture(), { idleMs: 1_000 });
    const client = await connect(`${serving.url}/mcp/a`, TOKEN_ALL);
    await client.close();
    expect(serving.sessionCount()).toBe(1);
    const end = Date.now() + 10_000;
    while (serving.sessionCount() > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(serving.sessionCount()).toBe(0);
  });
});

describe("tokens files", () => {
  it("grants each token its repos, and finds none for a token not in the file", () => {
    const grants = parseTokens(`# comment\n\n  ${TOKEN_ALL}  \n${TOKEN_A} a,b\n`, "t", ["a", "b"]);
    expect(grantOf(grants, TOKEN_ALL)?.repos).toBeUndefined();
    expect([...(grantOf(grants, TOKEN_A)?.repos ?? [])]).toEqual(["a", "b"]);
    expect(grantOf(grants, TOKEN_B)).toBeUndefined();
  });

  it.each([
    [`${TOKEN_ALL} a b`, "line 2: expected TOKEN or TOKEN name,name, got 3 fields"],
    [`${TOKEN_ALL} c`, 'line 2: unknown repo "c": expected one of a, b'],
    [`${TOKEN_ALL} a,,b`, 'line 2: an empty repo name in "a,,b"'],
    [`${TOKEN_ALL} a,`, 'line 2: an empty repo name in "a,"'],
    ["short", "line 2: the token has 5 characters: expected at least 16"],
    ['"" a', "line 2: the token has a character a bearer token cannot have"],
  ])("refuses %j naming the file, the line and what was expected", (line, message) => {
    expect(() => parseTokens(`${TOKEN_B}\n${line}\n`, "/etc/wl-tokens", ["a", "b"])).toThrow(`tokens file /etc/wl-tokens, ${message}`);
  });

  it("refuses a file with the same token twice, or with no token", () => {
    expect(() => parseTokens(`${TOKEN_A}\n# x\n${TOKEN_A} a\n`, "t", ["a"])).toThrow("tokens file t, line 3: the same token as line 1");
    expect(() => parseTokens("# nothing here\n\n", "t", ["a"])).toThrow("tokens file t has no token");
  });
});

describe("worldline serve --http (the command)", () => {
  it("refuses --http on a non-loopback address without --tokens, in one line, exit 2", async () => {
    const fx = fixture();
    const r = await runCli(["serve", "all", "--http", "0.0.0.0:0", "--repo", fx.a]);
    expect(r.code).toBe(2);
    expect(r.err.split("\n")).toHaveLength(1);
    expect(r.err).toBe("worldline: --http 0.0.0.0:0 is reachable from other machines: give --tokens FILE (bearer tokens), or listen on 127.0.0.1, ::1 or localhost");
  });

  it("refuses a malformed tokens file at start, naming it and its line", async () => {
    const fx = fixture();
    const bad = join(fx.root, "bad-tokens");
    writeFileSync(bad, `# ok so far\n${TOKEN_ALL}\n${TOKEN_A} a gamma\n`);
    const r = await runCli(["serve", "all", "--http", "127.0.0.1:0", "--tokens", bad, "--repo", `a=${fx.a}`]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`worldline: tokens file ${bad}, line 3: expected TOKEN or TOKEN name,name, got 3 fields (a repo list has no spaces)`);
    const unknown = join(fx.root, "unknown-tokens");
    writeFileSync(unknown, `${TOKEN_A} alpha\n`);
    const u = await runCli(["serve", "all", "--http", "127.0.0.1:0", "--tokens", unknown, "--repo", `a=${fx.a}`]);
    expect(u.err).toBe(`worldline: tokens file ${unknown}, line 1: unknown repo "alpha": expected one of a`);
  });

  it("refuses --tokens without --http, several repos over stdio, and a bad --http", async () => {
    const fx = fixture();
    expect((await runCli(["serve", "all", "--tokens", fx.tokens, "--repo", fx.a])).err).toMatch(/^worldline: --tokens is for --http HOST:PORT/);
    expect((await runCli(["serve", "all", "--repo", fx.a, "--repo", fx.b])).err).toBe("worldline: several --repo need --http HOST:PORT: over stdio a server serves one repo");
    expect((await runCli(["serve", "all", "--http", "8080", "--repo", fx.a])).err).toMatch(/^worldline: --http "8080": expected HOST:PORT/);
    expect((await runCli(["serve", "all", "--http", "127.0.0.1:0", "--repo", `x=${fx.a}`, "--repo", `x=${fx.b}`])).err).toMatch(/^worldline: two repos named "x"/);
  });

  it("serves two repos at /mcp/a and /mcp/b from the command line, and exits 0 on SIGTERM", async () => {
    const fx = fixture();
    const child = spawn(process.execPath, [BIN, "serve", "all", "--tools", "all", "--http", "127.0.0.1:0", "--tokens", fx.tokens, "--repo", `a=${fx.a}`, "--repo", `b=${fx.b}`], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    cleanups.push(() => void (child.exitCode === null && child.kill("SIGKILL")));
    const url = await listeningUrl(child);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const a = await connect(`${url}/mcp/a`, TOKEN_ALL);
    const b = await connect(`${url}/mcp/b`, TOKEN_B);
    const tools = (await a.listTools()).tools.map((t) => t.name);
    // serve all: every server's tools behind one endpoint.
    expect(tools).toEqual(expect.arrayContaining(["search_symbols", "change_history", "list_tickets", "list_scenarios", "get_context_node"]));
    expect(await subjects(a)).toEqual(["alpha: first notes (Ann Alpha)"]);
    expect(await subjects(b)).toEqual(["beta: first notes (Bob Beta)"]);
    expect((await post(`${url}/mcp/a`, { authorization: `Bearer ${TOKEN_B}` })).status).toBe(403);
    const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
  }, 120_000);
});

/** The URL of `listening on http://HOST:PORT`, the first line a server started with --http prints on stderr. */
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = "";
    const timer = setTimeout(() => reject(new Error(`no "listening on" line in 90 s; stderr: ${err}`)), 90_000);
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /^listening on (http:\/\/\S+)$/m.exec(err);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited ${code} before listening; stderr: ${err}`));
    });
  });
}
