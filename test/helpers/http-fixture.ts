import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseTokens } from "../../core/http-access.js";
import { type HttpServing, startHttp } from "../../core/http-serve.js";
import { partsServer, type ServerPart } from "../../core/mcp.js";
import { codeGraphPart } from "../../servers/code-graph/main.js";
import { gitHistoryPart } from "../../servers/git-history/main.js";
import { openWorkspace, type Workspace } from "../../servers/workspace.js";
import { makeRepo, tempDir } from "./git-fixture.js";

/**
 * Two repos, a (alpha) and b (beta), each with a commit only it has, so an answer says which repo it came from;
 * a tokens file with a token for both and one for each; and `worldline serve --http` over them in this process.
 * Whatever a helper starts is stopped by the `cleanups` the test file runs after each test.
 */
export const TOKEN_ALL = "all-repos-token-0123456789abcdef";
export const TOKEN_A = "only-repo-a-token-0123456789abcd";
export const TOKEN_B = "only-repo-b-token-0123456789abcd";
const TOKENS_TEXT = `# who may connect\n${TOKEN_ALL}\n\n${TOKEN_A} a\n${TOKEN_B} b\n`;

export type Cleanups = Array<() => Promise<void> | void>;

export interface TwoRepos {
  root: string;
  a: string;
  b: string;
  tokens: string;
}

export function twoRepos(cleanups: Cleanups, prefix: string, files: (name: string) => Record<string, string>): TwoRepos {
  const { dir, cleanup } = tempDir(prefix);
  cleanups.push(cleanup);
  const repo = (name: string, subject: string, author: string) => {
    const d = join(dir, name);
    mkdirSync(d);
    return makeRepo(d, [{ message: subject, files: files(name), author: { name: author, email: `${name}@example.test` } }]);
  };
  const a = repo("alpha", "alpha: first notes", "Ann Alpha");
  const b = repo("beta", "beta: first notes", "Bob Beta");
  const tokens = join(dir, "tokens");
  writeFileSync(tokens, TOKENS_TEXT, { mode: 0o600 });
  chmodSync(tokens, 0o600);
  return { root: dir, a, b, tokens };
}

/** git-history (and, with codeGraph, code-graph) on repos a and b over HTTP on 127.0.0.1, in this process. */
export async function serveTwoRepos(
  cleanups: Cleanups,
  fx: TwoRepos,
  opts: { tokens?: boolean; allowOrigins?: string[]; idleMs?: number; codeGraph?: boolean } = {},
): Promise<HttpServing> {
  const opened: Array<{ ws: Workspace; parts: ServerPart[] }> = [];
  for (const dir of [fx.a, fx.b]) {
    const ws = openWorkspace(dir);
    const parts = [await gitHistoryPart(ws)];
    if (opts.codeGraph) parts.push(await codeGraphPart(ws, undefined));
    opened.push({ ws, parts });
  }
  const serving = await startHttp({
    host: "127.0.0.1",
    port: 0,
    repos: opened.map((o, i) => ({ name: i === 0 ? "a" : "b", newServer: () => partsServer(opts.codeGraph ? "all" : "git-history", o.parts) })),
    grants: opts.tokens === false ? undefined : parseTokens(TOKENS_TEXT, fx.tokens, ["a", "b"]),
    allowOrigins: opts.allowOrigins ?? [],
    ...(opts.idleMs ? { idleMs: opts.idleMs } : {}),
  });
  cleanups.push(async () => {
    await serving.close();
    for (const o of opened) {
      for (const p of o.parts) p.service.close();
      o.ws.close();
    }
  });
  return serving;
}

/** The SDK's Streamable HTTP client, connected, with a bearer token when given. */
export async function connectHttp(cleanups: Cleanups, url: string, token?: string, name = "worldline-http-test"): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(url), token ? { requestInit: { headers: { Authorization: `Bearer ${token}` } } } : {});
  const client = new Client({ name, version: "0.0.0" });
  await client.connect(transport);
  cleanups.push(() => client.close());
  return client;
}
