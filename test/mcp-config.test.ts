import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli-run.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

/** `worldline mcp-config --http URL`: the block that connects a client to a `serve --http` server, its token read from the environment. */
const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function repo(): string {
  const { dir, cleanup } = tempDir("worldline-mcp-config-");
  cleanups.push(cleanup);
  return makeRepo(dir, [{ message: "init", files: { "a.md": "a\n" } }]);
}

describe("mcp-config --http", () => {
  it("prints each client's HTTP entry with the Authorization header as that client's environment reference", async () => {
    const dir = repo();
    const block = async (client: string, ...more: string[]) => {
      const r = await runCli(["mcp-config", "--repo", dir, "--client", client, "--http", "http://127.0.0.1:8765", ...more]);
      expect(r.code).toBe(0);
      return JSON.parse(r.out) as Record<string, Record<string, unknown>>;
    };
    expect(await block("claude")).toEqual({
      mcpServers: { worldline: { type: "http", url: "http://127.0.0.1:8765/mcp", headers: { Authorization: "Bearer ${WORLDLINE_TOKEN}" } } },
    });
    expect(await block("cursor", "--token-env", "WL_TOKEN")).toEqual({
      mcpServers: { worldline: { url: "http://127.0.0.1:8765/mcp", headers: { Authorization: "Bearer ${env:WL_TOKEN}" } } },
    });
    expect(await block("vscode")).toEqual({
      servers: { worldline: { type: "http", url: "http://127.0.0.1:8765/mcp", headers: { Authorization: "Bearer ${env:WORLDLINE_TOKEN}" } } },
    });
  });

  it("writes the file, keeping the URL's repo path, and never a token", async () => {
    const dir = repo();
    const r = await runCli(["mcp-config", "--repo", dir, "--client", "claude", "--http", "https://wl.example.com/mcp/billing", "--write"]);
    expect(r).toMatchObject({ code: 0, out: `wrote ${join(dir, ".mcp.json")}` });
    const text = readFileSync(join(dir, ".mcp.json"), "utf8");
    expect(JSON.parse(text).mcpServers.worldline.url).toBe("https://wl.example.com/mcp/billing");
    expect(text).toContain('"Bearer ${WORLDLINE_TOKEN}"');
  });

  it("refuses a URL that is not http(s), a bad variable name, and --token-env or --all used with the wrong form", async () => {
    const dir = repo();
    const err = async (...args: string[]) => {
      const r = await runCli(["mcp-config", "--repo", dir, "--client", "claude", ...args]);
      expect(r.code).toBe(2);
      return r.err;
    };
    expect(await err("--http", "127.0.0.1:8765")).toMatch(/^worldline: --http "127\.0\.0\.1:8765": expected the server's URL/);
    expect(await err("--http", "http://127.0.0.1:8765", "--token-env", "WL-TOKEN")).toMatch(/^worldline: --token-env "WL-TOKEN": expected an environment variable name/);
    expect(await err("--token-env", "WL_TOKEN")).toBe("worldline: --token-env is for --http URL: a stdio server needs no token");
    expect(await err("--http", "http://127.0.0.1:8765", "--all")).toMatch(/^worldline: --all is for stdio/);
  });
});
