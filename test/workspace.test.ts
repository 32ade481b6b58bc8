import { readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeGraphPart } from "../servers/code-graph/main.js";
import { contextGraphPart } from "../servers/context-graph/main.js";
import { gitHistoryPart } from "../servers/git-history/main.js";
import { GitHistoryService } from "../servers/git-history/service.js";
import { scenarioPart } from "../servers/scenarios/main.js";
import { ScenarioService } from "../servers/scenarios/service.js";
import { ticketPart } from "../servers/tickets/main.js";
import { TicketService } from "../servers/tickets/service.js";
import { openWorkspace } from "../servers/workspace.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";
import { connectServer, structured } from "./helpers/mcp-client.js";

/** The open descriptors of a process that point at the repo's database file itself (not its -wal or -shm). */
function databaseHandles(pid: number, repo: string): number {
  const file = join(repo, ".worldline", "worldline.db");
  return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`) === file;
    } catch {
      return false; // closed between the listing and the read
    }
  }).length;
}

describe("one workspace per repo", () => {
  const tmp = tempDir("worldline-workspace-");
  beforeAll(() => {
    makeRepo(tmp.dir, [
      { message: "init", files: { "src/a.ts": "export function add(a: number, b: number): number {\n  return a + b;\n}\n", "tsconfig.json": '{ "compilerOptions": { "strict": true } }\n' } },
    ]);
  });
  afterAll(() => tmp.cleanup());

  it("hands every server the same code graph, context graph and database connection", async () => {
    const ws = openWorkspace(tmp.dir);
    try {
      const parts = await Promise.all([codeGraphPart(ws), gitHistoryPart(ws), ticketPart(ws), scenarioPart(ws), contextGraphPart(ws)]);
      const [, history, tickets, scenarios] = parts.map((p) => p.service) as [unknown, GitHistoryService, TicketService, ScenarioService];
      expect(history.codeGraph).toBe(ws.codeGraph);
      expect(tickets.codeGraph).toBe(ws.codeGraph);
      expect(scenarios.codeGraph).toBe(ws.codeGraph);
      expect(history.graph).toBe(ws.graph);
      expect(scenarios.tickets).toBe(tickets.store);
      // A server closing its part does not close what the others still use.
      for (const p of parts) p.service.close();
      expect((await ws.graph.status()).episodes).toBe(0);
      expect((await ws.codeGraph.graph()).symbolsIn("src/a.ts").map((s) => s.name)).toEqual(["add"]);
    } finally {
      ws.close();
      ws.close();
    }
    await expect(ws.graph.status()).rejects.toThrow(/not open/);
  });

  it("a service given a repo path opens a workspace of its own and closes it", async () => {
    const service = new GitHistoryService(tmp.dir);
    expect((await service.graph.status()).episodes).toBe(0);
    service.close();
    await expect(service.graph.status()).rejects.toThrow(/not open/);
  });

  it("serve all answers every server's tools over one connection to the database", async () => {
    const conn = await connectServer("all", tmp.dir, ["--tools", "all"]);
    try {
      const symbols = structured<{ items: Array<{ id: string }> }>(await conn.client.callTool({ name: "search_symbols", arguments: { query: "add" } }));
      expect(symbols.items.map((s) => s.id)).toContain("src/a.ts#add");
      structured(await conn.client.callTool({ name: "blame_line", arguments: { path: "src/a.ts", start: 1 } }));
      structured(await conn.client.callTool({ name: "search_tickets", arguments: { query: "add" } }));
      structured(await conn.client.callTool({ name: "list_scenarios", arguments: {} }));
      structured(await conn.client.callTool({ name: "context_graph_status", arguments: {} }));
      const pid = (conn.client.transport as unknown as { pid: number | null }).pid;
      expect(pid).toBeGreaterThan(0);
      expect(databaseHandles(pid as number, tmp.dir)).toBe(1);
    } finally {
      await conn.close();
    }
  });
});
