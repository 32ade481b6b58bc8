import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterEach, describe, expect, it } from "vitest";
import { runMcpConfig, stdioConfig, userConfigPath, type McpConfigRequest } from "../agent/mcp-config.js";
import { SERVERS } from "../agent/cli-parse.js";
import { runCli } from "./helpers/cli-run.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

/** `worldline mcp-config`: a block a team can commit (no path of this machine), merged into the client's file. */
const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

const WORLDLINE = fileURLToPath(new URL("..", import.meta.url));

function dir(prefix = "worldline-mcp-config-"): string {
  const t = tempDir(prefix);
  cleanups.push(t.cleanup);
  return t.dir;
}

function repo(): string {
  return makeRepo(dir(), [{ message: "init", files: { "a.md": "a\n" } }]);
}

async function run(req: McpConfigRequest): Promise<{ out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  await runMcpConfig(req, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { out: out.join("\n"), err: err.join("\n") };
}

const read = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Record<string, Record<string, { command?: string; args?: string[]; type?: string }>>;

describe("mcp-config (stdio)", () => {
  it("prints a project block with no machine path: npx that never reaches the registry, the repo from the client", async () => {
    const r = repo();
    const { out, err } = await run({ repo: r, client: "claude" });
    expect(err).toBe(`# put this in ${join(r, ".mcp.json")} (or run again with --write, which merges it in)`);
    const block = JSON.parse(out) as ReturnType<typeof stdioConfig>;
    expect(Object.keys(block.mcpServers ?? {})).toEqual([...SERVERS]);
    expect(block.mcpServers?.["code-graph"]).toEqual({ command: "npx", args: ["--no-install", "worldline", "serve", "code-graph"] });
    expect(out).not.toContain(r);
    expect(out).not.toContain(WORLDLINE);
    expect(out).not.toContain(process.execPath);
  });

  it("gives Cursor and VS Code the folder they opened, in each client's shape", () => {
    expect(stdioConfig("cursor", { all: true, scope: "project" })).toEqual({
      mcpServers: { worldline: { command: "npx", args: ["--no-install", "--prefix", "${workspaceFolder}", "worldline", "serve", "all", "--repo", "${workspaceFolder}"] } },
    });
    expect(stdioConfig("vscode", { all: true, scope: "user" })).toEqual({
      servers: { worldline: { type: "stdio", command: "worldline", args: ["serve", "all", "--repo", "${workspaceFolder}"] } },
    });
    expect(stdioConfig("claude", { all: false, scope: "user" }).mcpServers?.tickets).toEqual({ command: "worldline", args: ["serve", "tickets"] });
  });

  it("writes a new file, then merges into it: other servers and keys kept, Worldline's own entries replaced", async () => {
    const r = repo();
    const path = join(r, ".mcp.json");
    expect((await run({ repo: r, client: "claude", write: true })).out).toBe(`wrote ${path}`);
    // What an earlier Worldline wrote (machine paths), beside a server of the user's own.
    const old = { command: "/usr/bin/node", args: ["/home/ada/worldline/bin/worldline.js", "serve", "tickets", "--repo", "/home/ada/x"] };
    writeFileSync(path, JSON.stringify({ note: "ours", mcpServers: { github: { command: "gh-mcp", args: [] }, tickets: old, worldline: { type: "http", url: "http://x/mcp" } } }));
    const { out } = await run({ repo: r, client: "claude", write: true, all: true });
    expect(out).toBe(`updated ${path}: Worldline's entries written, 1 other server(s) kept (github)`);
    const merged = read(path);
    expect(merged.note).toBe("ours");
    expect(Object.keys(merged.mcpServers ?? {})).toEqual(["github", "worldline"]);
    expect(merged.mcpServers?.github).toEqual({ command: "gh-mcp", args: [] });
    expect(merged.mcpServers?.worldline).toEqual({ command: "npx", args: ["--no-install", "worldline", "serve", "all"] });
  });

  it("merges VS Code's file under servers, keeping its inputs", async () => {
    const r = repo();
    const path = join(r, ".vscode", "mcp.json");
    mkdirSync(join(r, ".vscode"));
    writeFileSync(path, JSON.stringify({ inputs: [{ id: "k", type: "promptString" }], servers: { other: { type: "stdio", command: "x" } } }));
    await run({ repo: r, client: "vscode", write: true });
    const merged = read(path);
    expect(merged.inputs).toEqual([{ id: "k", type: "promptString" }]);
    expect(Object.keys(merged.servers ?? {})).toEqual(["other", ...SERVERS]);
    expect(merged.servers?.scenarios?.type).toBe("stdio");
  });

  it("user scope writes the client's user file (Claude Code: ~/.claude.json), keeping what else it holds", async () => {
    const home = dir("worldline-home-");
    writeFileSync(join(home, ".claude.json"), JSON.stringify({ numStartups: 3, projects: { "/p": {} } }));
    const { out } = await run({ client: "claude", scope: "user", all: true, write: true, home });
    expect(out).toBe(`updated ${join(home, ".claude.json")}: Worldline's entries written`);
    const file = read(join(home, ".claude.json"));
    expect(Object.keys(file)).toEqual(["numStartups", "projects", "mcpServers"]);
    expect(file.mcpServers?.worldline).toEqual({ command: "worldline", args: ["serve", "all"] });
    expect((await run({ client: "cursor", scope: "user", write: true, home })).out).toBe(`wrote ${join(home, ".cursor", "mcp.json")}`);
    expect(userConfigPath("vscode", "/h", "linux", {})).toBe("/h/.config/Code/User/mcp.json");
    expect(userConfigPath("vscode", "/h", "darwin", {})).toBe("/h/Library/Application Support/Code/User/mcp.json");
  });

  it("refuses a file that is not JSON, not of the client's shape, or holding someone else's server under a needed name, and leaves it as it was", async () => {
    const r = repo();
    const path = join(r, ".mcp.json");
    const refused = async (text: string, pattern: RegExp, more: Partial<McpConfigRequest> = {}) => {
      writeFileSync(path, text);
      await expect(run({ repo: r, client: "claude", write: true, ...more })).rejects.toThrow(pattern);
      expect(readFileSync(path, "utf8")).toBe(text);
    };
    await refused("{ // a comment\n}", /\.mcp\.json: not valid JSON \(.*\); expected a JSON object with "mcpServers": \{"name": \{\.\.\.\}\}; left as it was$/);
    await refused('{"mcpServers": []}', /\.mcp\.json: expected a JSON object with "mcpServers"/);
    await refused('{"mcpServers": {"a": 1}}', /\.mcp\.json: expected a JSON object with "mcpServers"/);
    await refused("[]", /\.mcp\.json: expected a JSON object/);
    await refused('{"mcpServers": {"tickets": {"command": "jira-mcp"}}}', /its "tickets" server is not Worldline's; rename that entry/);
  });

  it("refuses an unknown client or scope in one line", async () => {
    const r = repo();
    await expect(run({ repo: r, client: "zed" })).rejects.toThrow(/^--client "zed": expected one of claude, cursor, vscode$/);
    await expect(run({ repo: r, client: "claude", scope: "team" })).rejects.toThrow(/^--scope "team": expected project .* or user/);
    await expect(run({ repo: r, client: "claude", tokenEnv: "T" })).rejects.toThrow("--token-env is for --http URL");
  });

  it("the committed block starts a server in a project that has Worldline installed", async () => {
    // A project with Worldline in its node_modules (linked to this checkout), as `npm install --save-dev` leaves it.
    const r = repo();
    mkdirSync(join(r, "node_modules", ".bin"), { recursive: true });
    symlinkSync(WORLDLINE, join(r, "node_modules", "worldline"));
    symlinkSync("../worldline/bin/worldline.js", join(r, "node_modules", ".bin", "worldline"));
    await run({ repo: r, client: "claude", all: true, write: true });
    const entry = read(join(r, ".mcp.json")).mcpServers?.worldline;
    const transport = new StdioClientTransport({ command: entry?.command ?? "", args: entry?.args ?? [], cwd: r, stderr: "pipe" });
    const client = new Client({ name: "worldline-test", version: "0.0.0" });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.length).toBeGreaterThan(5);
    } finally {
      await client.close();
    }
  });
});

/** `worldline mcp-config --http URL`: the block that connects a client to a `serve --http` server, its token read from the environment. */
describe("mcp-config --http", () => {
  it("prints each client's HTTP entry with the Authorization header as that client's environment reference", async () => {
    const r = repo();
    const block = async (client: string, ...more: string[]) => {
      const res = await runCli(["mcp-config", "--repo", r, "--client", client, "--http", "http://127.0.0.1:8765", ...more]);
      expect(res.code).toBe(0);
      return JSON.parse(res.out) as Record<string, Record<string, unknown>>;
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
    const r = repo();
    const res = await runCli(["mcp-config", "--repo", r, "--client", "claude", "--http", "https://wl.example.com/mcp/billing", "--write"]);
    expect(res).toMatchObject({ code: 0, out: `wrote ${join(r, ".mcp.json")}` });
    const text = readFileSync(join(r, ".mcp.json"), "utf8");
    expect(JSON.parse(text).mcpServers.worldline.url).toBe("https://wl.example.com/mcp/billing");
    expect(text).toContain('"Bearer ${WORLDLINE_TOKEN}"');
  });

  it("refuses a URL that is not http(s), a bad variable name, and --token-env or --all used with the wrong form", async () => {
    const r = repo();
    const err = async (...args: string[]) => {
      const res = await runCli(["mcp-config", "--repo", r, "--client", "claude", ...args]);
      expect(res.code).toBe(2);
      return res.err;
    };
    expect(await err("--http", "127.0.0.1:8765")).toMatch(/^worldline: --http "127\.0\.0\.1:8765": expected the server's URL/);
    expect(await err("--http", "http://127.0.0.1:8765", "--token-env", "WL-TOKEN")).toMatch(/^worldline: --token-env "WL-TOKEN": expected an environment variable name/);
    expect(await err("--token-env", "WL_TOKEN")).toBe("worldline: --token-env is for --http URL: a stdio server needs no token");
    expect(await err("--http", "http://127.0.0.1:8765", "--all")).toMatch(/^worldline: --all is for stdio/);
  });
});
