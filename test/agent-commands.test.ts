import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { connectServer, structured } from "./helpers/mcp-client.js";
import { runCli } from "./helpers/cli-run.js";
import { sampleService } from "./helpers/sample-service.js";

/** The other commands of the agent: ingest, why, mcp-config, serve all, and the demo that strings them together. */
describe("worldline commands around the report", () => {
  const sample = sampleService();

  const run = (args: string[]) => runCli(args);

  it("ingests history, tickets and ADRs through the servers, then answers why with that evidence", async () => {
    const ingest = await run(["ingest", "--repo", sample.repo, "--json"]);
    expect(ingest.code).toBe(0);
    expect(JSON.parse(ingest.out)).toMatchObject({ history: { ingested: 38 }, tickets: [{ source: "folder:tickets", added: 30 }], adrs: { adrs: 4, errors: 0 } });
    const again = await run(["ingest", "--repo", sample.repo, "--tickets"]);
    expect(again.out).toBe("tickets from folder:tickets: 0 added, 0 updated, 30 unchanged");
    const why = await run(["why", "--repo", sample.repo, "config:payment.timeoutMs"]);
    expect(why.code).toBe(0);
    expect(why.out.split("\n")[0]).toBe("Why config:payment.timeoutMs (src/config/index.ts:29)");
    expect(why.out).toContain("SUP-240: raise payment timeout to 30s");
    expect(why.out).toContain("ticket:INC-7");
    expect(why.out).toContain("decision:docs/adr/0004-payment-timeout-of-30-seconds.md");
    const bad = await run(["why", "--repo", sample.repo, "config:NO_SUCH_KEY"]);
    expect(bad).toMatchObject({ code: 2, err: expect.stringContaining('git-history.why_code: config key "NO_SUCH_KEY" is not set anywhere') });
  }, 120_000);

  it("prints and writes MCP client configuration for Claude Code, Cursor and VS Code", async () => {
    const claude = await run(["mcp-config", "--repo", sample.repo, "--client", "claude"]);
    const cfg = JSON.parse(claude.out) as { mcpServers: Record<string, { command: string; args: string[] }> };
    expect(Object.keys(cfg.mcpServers)).toEqual(["code-graph", "git-history", "tickets", "scenarios", "context-graph"]);
    expect(cfg.mcpServers.scenarios).toEqual({ command: "npx", args: ["--no-install", "worldline", "serve", "scenarios"] });
    expect(claude.out).not.toContain(sample.repo);
    expect(claude.err).toBe(`# put this in ${join(sample.repo, ".mcp.json")} (or run again with --write, which merges it in)`);
    const vscode = JSON.parse((await run(["mcp-config", "--repo", sample.repo, "--client", "vscode", "--all"])).out) as { servers: Record<string, { type: string; args: string[] }> };
    expect(vscode.servers.worldline).toEqual({ type: "stdio", command: "npx", args: ["--no-install", "--prefix", "${workspaceFolder}", "worldline", "serve", "all", "--repo", "${workspaceFolder}"] });
    const cursorFile = join(sample.repo, ".cursor/mcp.json");
    expect((await run(["mcp-config", "--repo", sample.repo, "--client", "cursor", "--write"])).out).toBe(`wrote ${cursorFile}`);
    expect(JSON.parse(readFileSync(cursorFile, "utf8"))).toHaveProperty("mcpServers.tickets");
    expect(await run(["mcp-config", "--repo", sample.repo, "--client", "cursor", "--write"])).toMatchObject({ code: 0, out: `updated ${cursorFile}: Worldline's entries written` });
    expect(await run(["mcp-config", "--repo", sample.repo, "--client", "cursor", "--scope", "team"])).toMatchObject({ code: 2, err: expect.stringContaining('--scope "team": expected project') });
    expect(await run(["mcp-config", "--repo", sample.repo, "--client", "emacs"])).toMatchObject({ code: 2, err: expect.stringContaining('--client "emacs": expected one of claude, cursor, vscode') });
  });

  it("serve all offers the tools of the five servers on one connection", async () => {
    const { client, close } = await connectServer("all", sample.repo, ["--tools", "all"]);
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      for (const t of ["search_symbols", "why_code", "search_tickets", "simulate_scenario", "check_fix", "record_decision"]) expect(names).toContain(t);
      expect(new Set(names).size).toBe(names.length);
      const found = structured<{ items: Array<{ id: string }> }>(await client.callTool({ name: "search_tickets", arguments: { query: "timeout" } }));
      expect(Array.isArray(found.items)).toBe(true);
    } finally {
      await close();
    }
  }, 120_000);

  it("the demo builds the sample, shows what pr/rounding-refactor breaks with a verified fix, and why the payment timeout is 30 s", async () => {
    vi.stubEnv("COLUMNS", "100"); // the terminal report wraps to the terminal's width
    const demo = await run(["demo", "--dir", join(sample.dir, "demo")]);
    vi.unstubAllEnvs();
    expect(demo.code).toBe(0);
    const lines = demo.out.split("\n");
    expect(lines[0]).toBe("history: 38 commits ingested, 4 fixes, 4 suspect commits");
    expect(lines).toContain("tickets from folder:tickets: 30 added, 0 updated, 0 unchanged");
    expect(lines.find((l) => l.startsWith("FAIL"))).toMatch(/^FAIL {7}eu-proration-fx-rounding \(differential\)/);
    expect(demo.out).toContain("           root cause src/billing/proration.ts:35 in src/billing/proration.ts#prorate: base\n             0.5483870967741935, head 0.55\n");
    expect(lines.find((l) => l.includes("fix (verified by re-simulation"))).toBeDefined();
    expect(lines).toContain("2 fail, 2 at-risk, 4 pass");
    expect(lines).toContain("Why config:payment.timeoutMs (src/config/index.ts:29)");
    expect(demo.err).toContain(`building the sample billing service in ${join(sample.dir, "demo")}/billing…`);
  }, 180_000);
});
