import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { toJsonSchemaCompat } from "@modelcontextprotocol/sdk/server/zod-json-schema-compat.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { memoReads, ToolError, ToolHub, type Tools } from "../agent/hub.js";
import { ContractError, defineTool, type ToolContract } from "../core/contract.js";
import { partsServer, type ServerPart } from "../core/mcp.js";
import { SERVERS, type ServerName } from "../core/server-names.js";
import { codeGraphContracts } from "../servers/code-graph/contracts.js";
import { codeGraphPart } from "../servers/code-graph/main.js";
import { contextGraphContracts, getContextNode, getIngestionMark } from "../servers/context-graph/contracts.js";
import { contextGraphPart } from "../servers/context-graph/main.js";
import { gitHistoryContracts } from "../servers/git-history/contracts.js";
import { gitHistoryPart } from "../servers/git-history/main.js";
import { scenarioContracts } from "../servers/scenarios/contracts.js";
import { scenarioPart } from "../servers/scenarios/main.js";
import { ticketContracts } from "../servers/tickets/contracts.js";
import { ticketPart } from "../servers/tickets/main.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * One contract per tool: what each of the five servers lists through a real SDK client is exactly its
 * contracts (names, titles, descriptions, annotations, input and output schemas), names are unique across
 * servers, and the agent's `hub.call` refuses an answer its contract does not describe, naming the field.
 */
const CONTRACTS: Record<ServerName, readonly ToolContract[]> = {
  "code-graph": codeGraphContracts,
  "git-history": gitHistoryContracts,
  tickets: ticketContracts,
  scenarios: scenarioContracts,
  "context-graph": contextGraphContracts,
};

const PARTS: Record<ServerName, (repo: string) => Promise<ServerPart>> = {
  "code-graph": (repo) => codeGraphPart(repo),
  "git-history": (repo) => gitHistoryPart(repo),
  tickets: (repo) => ticketPart(repo),
  scenarios: (repo) => scenarioPart(repo),
  "context-graph": (repo) => contextGraphPart(repo),
};

/** JSON with every object's keys sorted: the schemas compare by content, not by key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/** A client of a server built from a part in this process, over the SDK's in-memory transport. */
async function inMemoryClient(part: ServerPart): Promise<Client> {
  const [clientEnd, serverEnd] = InMemoryTransport.createLinkedPair();
  await partsServer(part.name, [part]).connect(serverEnd);
  const client = new Client({ name: "worldline-contracts-test", version: "0.0.0" });
  await client.connect(clientEnd);
  return client;
}

describe("tool contracts", () => {
  const tmp = tempDir();
  const parts = new Map<ServerName, ServerPart>();
  const clients: Client[] = [];
  let hub: ToolHub;

  beforeAll(async () => {
    makeRepo(tmp.dir, [{ message: "A service", files: { "src/a.ts": "export function a(x: number): number {\n  return x + 1;\n}\n", "package.json": '{ "name": "svc" }\n' } }]);
    for (const name of SERVERS) parts.set(name, await PARTS[name](tmp.dir));
    hub = ToolHub.withConnector(async (name) => {
      const part = parts.get(name);
      if (!part) throw new Error(`no ${name} part`);
      const client = await inMemoryClient(part);
      clients.push(client);
      return client;
    });
  }, 120_000);
  afterAll(async () => {
    await hub.close();
    for (const p of parts.values()) p.service.close();
    tmp.cleanup();
  });

  it("every tool a server lists is exactly one of its contracts, with the same schemas", async () => {
    const wrong: string[] = [];
    for (const name of SERVERS) {
      const contracts = CONTRACTS[name];
      const { tools } = await (await hub.client(name)).listTools();
      const listed = tools.map((t) => t.name).sort();
      const declared = contracts.map((c) => c.name).sort();
      if (JSON.stringify(listed) !== JSON.stringify(declared)) wrong.push(`${name}: lists ${listed.join(", ")}; contracts ${declared.join(", ")}`);
      for (const c of contracts) {
        if (c.server !== name) wrong.push(`${c.name}: contract says server ${c.server}, registered on ${name}`);
        const tool = tools.find((t) => t.name === c.name);
        if (!tool) continue;
        const expected = {
          title: c.title,
          description: c.description,
          annotations: c.annotations,
          inputSchema: toJsonSchemaCompat(c.input, { strictUnions: true, pipeStrategy: "input" }),
          outputSchema: toJsonSchemaCompat(c.output, { strictUnions: true, pipeStrategy: "output" }),
        };
        for (const [field, value] of Object.entries(expected)) {
          const got = (tool as Record<string, unknown>)[field];
          if (canonical(got) !== canonical(value)) wrong.push(`${name}/${c.name}: ${field} differs from its contract: ${canonical(got).slice(0, 300)}`);
        }
        if ((tool.inputSchema as { additionalProperties?: unknown }).additionalProperties !== false) wrong.push(`${name}/${c.name}: input is not strict`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("tool names are unique across the five servers and say what they are", () => {
    const all = SERVERS.flatMap((s) => CONTRACTS[s].map((c) => c.name));
    expect(all.length).toBeGreaterThanOrEqual(50);
    expect(all.filter((n, i) => all.indexOf(n) !== i)).toEqual([]);
    // The generic names a client could not tell apart beside other servers are gone.
    for (const generic of ["search", "diff", "history", "why", "blame", "callers", "impact", "get_node", "timeline", "reindex"]) expect(all).not.toContain(generic);
    for (const n of all) expect(n).toMatch(/^[a-z]+(?:_[a-z]+)+$/);
  });

  it("hub.call parses the answer with the contract and types it", async () => {
    const mark = await hub.call(getIngestionMark, { source: "triage:folder:tickets" });
    expect(mark.mark).toEqual({ source: "triage:folder:tickets", lastRunAt: null, highWater: null, stats: {} });
  });

  it("hub.call refuses an answer that does not match the output schema, naming server, tool and field", async () => {
    // The agent's side of a rename: the server still answers `mark`, the contract the caller holds says `marker`.
    const renamed = defineTool({ ...getIngestionMark, output: z.object({ marker: getIngestionMark.output.shape.mark }) });
    const err = await hub.call(renamed, { source: "triage:folder:tickets" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ContractError);
    expect(err).not.toBeInstanceOf(ToolError);
    const message = (err as Error).message;
    expect(message).toMatch(/^context-graph\.get_ingestion_mark: the answer does not match the tool's contract: marker: /);
    expect(message).not.toMatch(/\n/);
    // A field whose type changed is named by its path too.
    const retyped = defineTool({ ...getIngestionMark, output: z.object({ mark: z.object({ stats: z.array(z.string()) }) }) });
    await expect(hub.call(retyped, { source: "triage:folder:tickets" })).rejects.toThrow(/get_ingestion_mark: .*mark\.stats: /);
  });

  it("a refused input is still a ToolError with the server's one-line message", async () => {
    const err = await hub.call(getContextNode, { id: "nonsense" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ToolError);
    expect((err as Error).message).toMatch(/^context-graph\.get_context_node: /);
  });

  it("memoReads asks once per contract and arguments, and again after a failure", async () => {
    const asked: string[] = [];
    const counting: Tools = {
      call: (contract, args) => {
        asked.push(`${contract.name} ${JSON.stringify(args)}`);
        return hub.call(contract, args);
      },
    };
    const reads = memoReads(counting);
    const first = await reads.call(getIngestionMark, { source: "triage:a:b" });
    const again = await reads.call(getIngestionMark, { source: "triage:a:b" });
    await reads.call(getIngestionMark, { source: "triage:c:d" });
    expect(again).toBe(first);
    await expect(reads.call(getContextNode, { id: "nonsense" })).rejects.toThrow(ToolError);
    await expect(reads.call(getContextNode, { id: "nonsense" })).rejects.toThrow(ToolError);
    expect(asked).toEqual([
      'get_ingestion_mark {"source":"triage:a:b"}',
      'get_ingestion_mark {"source":"triage:c:d"}',
      'get_context_node {"id":"nonsense"}',
      'get_context_node {"id":"nonsense"}',
    ]);
  });
});
