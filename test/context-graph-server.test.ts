import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADR_FILES } from "./helpers/adr-fixture.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";
import { connectServer, errorText, structured } from "./helpers/mcp-client.js";

describe("context-graph MCP server over stdio", () => {
  const tmp = tempDir();
  let client: Client;
  let close: () => Promise<void>;

  beforeAll(async () => {
    makeRepo(tmp.dir, [{ message: "ADRs", files: ADR_FILES }]);
    ({ client, close } = await connectServer("context-graph", tmp.dir));
  });
  afterAll(async () => {
    await close();
    tmp.cleanup();
  });

  it("lists its tools with schemas", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      ["context_graph_status", "context_neighbors", "context_timeline", "evidence_path", "get_context_node", "get_ingestion_mark", "ingest_adrs", "record_decision", "record_episode", "search_context", "set_ingestion_mark"].sort(),
    );
    for (const t of tools) expect(t.outputSchema, t.name).toBeDefined();
  });

  it("ingests ADRs, then searches, reads, walks and times them", async () => {
    const ingested = structured<{ adrs: unknown[]; errors: Array<{ path: string }> }>(await client.callTool({ name: "ingest_adrs", arguments: {} }));
    expect(ingested.adrs).toHaveLength(5);
    expect(ingested.errors.map((e) => e.path)).toEqual(["docs/decisions/0002-broken.md"]);

    const hits = structured<{ items: Array<{ id: string }> }>(await client.callTool({ name: "search_context", arguments: { text: "payment timeout seconds", kinds: ["decision"] } }));
    expect(hits.items.map((h) => h.id).slice(0, 2).sort()).toEqual([
      "decision:doc/adr/0002-payment-timeout-of-5-seconds.md",
      "decision:doc/adr/0003-payment-timeout-of-30-seconds.md",
    ]);

    const node = structured<{ node: { title: string; props: { status: string } }; edges: number }>(
      await client.callTool({ name: "get_context_node", arguments: { id: "decision:doc/adr/0003-payment-timeout-of-30-seconds.md" } }),
    );
    expect(node.node).toMatchObject({ title: "ADR 0003: Payment timeout of 30 seconds", props: { status: "Accepted" } });
    expect(node.edges).toBe(3);

    const near = structured<{ items: Array<{ id: string; depth: number }> }>(
      await client.callTool({ name: "context_neighbors", arguments: { id: "file:src/payments/provider.ts", rels: ["governs"], direction: "in" } }),
    );
    expect(near.items.map((n) => n.id).sort()).toEqual([
      "decision:doc/adr/0002-payment-timeout-of-5-seconds.md",
      "decision:doc/adr/0003-payment-timeout-of-30-seconds.md",
    ]);

    const nowOnly = structured<{ items: Array<{ id: string }> }>(
      await client.callTool({ name: "context_neighbors", arguments: { id: "file:src/payments/provider.ts", rels: ["governs"], asOf: "2026-06-01T00:00:00Z" } }),
    );
    expect(nowOnly.items.map((n) => n.id)).toEqual(["decision:doc/adr/0003-payment-timeout-of-30-seconds.md"]);

    const path = structured<{ found: boolean; path: Array<{ rel: string; provenance: { method: string } }> }>(
      await client.callTool({ name: "evidence_path", arguments: { from: "decision:doc/adr/0004-retry-with-jitter.md", to: "file:src/payments/provider.ts" } }),
    );
    expect(path.found).toBe(true);
    expect(path.path).toHaveLength(2);
    expect(path.path[0]?.provenance.method).toBe("adr-parser@1");

    const timeline = structured<{ items: Array<{ rel: string; validFrom: string; validTo: string | null }> }>(
      await client.callTool({ name: "context_timeline", arguments: { id: "file:src/payments/provider.ts" } }),
    );
    expect(timeline.items.map((e) => `${e.validFrom.slice(0, 10)}..${e.validTo?.slice(0, 10) ?? ""}`)).toEqual(["2026-02-10..2026-04-20", "2026-04-20.."]);
  });

  it("records a decision and reports graph status", async () => {
    const args = {
      question: "Why is the payment timeout 30 seconds?",
      conclusion: "ADR 3 raised it for SEPA banks",
      evidence: ["decision:doc/adr/0003-payment-timeout-of-30-seconds.md", "file:src/payments/provider.ts"],
      author: "embedded-planner@1",
    };
    const first = structured<{ id: string; created: boolean }>(await client.callTool({ name: "record_decision", arguments: args }));
    expect(first.created).toBe(true);
    expect(structured<{ created: boolean }>(await client.callTool({ name: "record_decision", arguments: args })).created).toBe(false);
    const status = structured<{ nodes: Record<string, number>; edges: Record<string, number>; ingestions: Array<{ source: string }> }>(
      await client.callTool({ name: "context_graph_status", arguments: {} }),
    );
    expect(status.nodes.decision).toBe(6);
    expect(status.edges["motivated-by"]).toBe(2);
    expect(status.ingestions.map((i) => i.source)).toEqual(["adr"]);
  });

  it("keeps a high-water mark per job that never moves back", async () => {
    type Mark = { mark: { highWater: string | null; lastRunAt: string | null; stats: Record<string, unknown> } };
    const none = structured<Mark>(await client.callTool({ name: "get_ingestion_mark", arguments: { source: "triage:folder:tickets" } }));
    expect(none.mark).toMatchObject({ highWater: null, lastRunAt: null });
    await client.callTool({ name: "set_ingestion_mark", arguments: { source: "triage:folder:tickets", highWater: "2026-03-02T10:00:00+01:00", stats: { triaged: 3 } } });
    const older = structured<Mark>(await client.callTool({ name: "set_ingestion_mark", arguments: { source: "triage:folder:tickets", highWater: "2026-01-01T00:00:00Z" } }));
    expect(older.mark.highWater).toBe("2026-03-02T09:00:00.000Z");
    const read = structured<Mark>(await client.callTool({ name: "get_ingestion_mark", arguments: { source: "triage:folder:tickets" } }));
    expect(read.mark.highWater).toBe("2026-03-02T09:00:00.000Z");
    expect(read.mark.lastRunAt).not.toBeNull();
    expect(errorText(await client.callTool({ name: "set_ingestion_mark", arguments: { source: "no-kind", highWater: "2026-01-01T00:00:00Z" } }))).toMatch(/kind:source/);
    expect(errorText(await client.callTool({ name: "set_ingestion_mark", arguments: { source: "triage:x", highWater: "yesterday" } }))).toMatch(/highWater/);
  });

  it("refuses bad input with one clear line", async () => {
    expect(errorText(await client.callTool({ name: "get_context_node", arguments: { id: "decision:doc/adr/0003-payment-timeout-of-30-second.md" } }))).toMatch(
      /unknown node "decision:doc\/adr\/0003-payment-timeout-of-30-second.md".*did you mean decision:doc\/adr\/0003-payment-timeout-of-30-seconds.md/,
    );
    const badId = await client.callTool({ name: "context_neighbors", arguments: { id: "nonsense" } }).catch((e: Error) => ({ isError: true, content: [{ text: e.message }] }));
    expect(errorText(badId)).toMatch(/kind:key/);
    const badTime = await client.callTool({ name: "context_timeline", arguments: { id: "file:src/payments/provider.ts", asOf: "last tuesday" } }).catch((e: Error) => ({ isError: true, content: [{ text: e.message }] }));
    expect(errorText(badTime)).toMatch(/asOf/);
    expect(errorText(await client.callTool({ name: "ingest_adrs", arguments: { rev: "nope" } }))).toMatch(/unknown revision "nope"/);
  });
  it("records an episode redacted, once, and a decision can cite it", async () => {
    const text = JSON.stringify([{ role: "user", content: "token: sk-ant-abcdefghijklmnopqrstuvwxyz0123 please" }]);
    const a = structured<{ id: string }>(await client.callTool({ name: "record_episode", arguments: { source: "agent:llm-planner", ref: "main..pr", text } }));
    const b = structured<{ id: string }>(await client.callTool({ name: "record_episode", arguments: { source: "agent:llm-planner", ref: "main..pr", text } }));
    expect(a.id).toMatch(/^episode:/);
    expect(b.id).toBe(a.id);
    const d = structured<{ created: boolean }>(await client.callTool({ name: "record_decision", arguments: { question: "Does it break?", conclusion: "No", evidence: [a.id], author: "claude-test", authority: "llm" } }));
    expect(d.created).toBe(true);
    const node = structured<{ node: { title: string } }>(await client.callTool({ name: "get_context_node", arguments: { id: a.id } }));
    expect(node.node.title).toBe("agent:llm-planner main..pr");
    expect(JSON.stringify(node)).not.toContain("sk-ant-abcdefghijklmnopqrstuvwxyz0123");
    expect(errorText(await client.callTool({ name: "record_episode", arguments: { source: "x", ref: "y", text: "" } }))).toMatch(/text/);
  });
});
