import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_ANSWER_BYTES } from "../core/paging.js";
import { makeCodeFixture } from "./helpers/code-fixture.js";
import { tempDir } from "./helpers/git-fixture.js";
import { connectServer, errorText, structured } from "./helpers/mcp-client.js";

interface Page<T> {
  items: T[];
  nextCursor?: string;
  revision: string;
  stale?: string[];
}

describe("code-graph MCP server over stdio", () => {
  const tmp = tempDir();
  let client: Client;
  let close: () => Promise<void>;

  beforeAll(async () => {
    makeCodeFixture(tmp.dir);
    ({ client, close } = await connectServer("code-graph", tmp.dir));
  });
  afterAll(async () => {
    await close();
    tmp.cleanup();
  });

  it("lists its tools, each with input and output schemas and read-only hints", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      ["code_index_status", "find_call_paths", "find_callees", "find_callers", "find_config_reads", "find_literal", "get_symbol", "list_entry_points", "reindex_code", "search_symbols", "symbol_impact"].sort(),
    );
    for (const t of tools) {
      expect(t.outputSchema, t.name).toBeDefined();
      expect(t.description, t.name).toBeTruthy();
      if (t.name !== "reindex_code") expect(t.annotations?.readOnlyHint, t.name).toBe(true);
    }
  });

  it("searches symbols and gets one with its source", async () => {
    const found = structured<Page<{ id: string }>>(await client.callTool({ name: "search_symbols", arguments: { query: "generateInvoice" } }));
    expect(found.items[0]?.id).toBe("src/billing/invoice.ts#generateInvoice");
    expect(found.revision).toBe("WORKTREE");
    const got = structured<{ symbol: { span: string }; source: string }>(
      await client.callTool({ name: "get_symbol", arguments: { id: "src/fx/convert.ts#convert", includeSource: true } }),
    );
    expect(got.symbol.span).toBe("src/fx/convert.ts:4-9");
    expect(got.source.split("\n")[0]).toBe("export function convert(source: RateSource, amount: number, from: string, to: string): number {");
    expect(got.source).toContain("const rounded = roundCents(amount);");
  });

  it("answers callers, callees, call paths, literals, entry points and impact", async () => {
    const callers = structured<Page<{ caller: string; site: string }>>(
      await client.callTool({ name: "find_callers", arguments: { id: "src/fx/convert.ts#convert" } }),
    );
    expect(callers.items).toEqual([expect.objectContaining({ caller: "src/billing/invoice.ts#generateInvoice", site: "src/billing/invoice.ts:11" })]);

    const callees = structured<Page<{ callee: string }>>(await client.callTool({ name: "find_callees", arguments: { id: "src/fx/convert.ts#convert" } }));
    expect(callees.items.map((c) => c.callee)).toContain("src/fx/rates.ts#EcbRates.getRate");

    const paths = structured<{ paths: Array<Array<{ symbol: string }>> }>(
      await client.callTool({ name: "find_call_paths", arguments: { from: "src/http/fastify.ts#timeoutHandler", to: "src/billing/invoice.ts#paymentTimeout" } }),
    );
    expect(paths.paths).toEqual([[{ symbol: "src/http/fastify.ts#timeoutHandler", site: null }, { symbol: "src/billing/invoice.ts#paymentTimeout", site: "src/http/fastify.ts:5", kind: "call" }]]);

    const lit = structured<Page<{ location: string }>>(await client.callTool({ name: "find_literal", arguments: { text: "Invalid currency code" } }));
    expect(lit.items.map((l) => l.location)).toEqual(["src/fx/convert.ts:5"]);

    const env = structured<Page<{ key: string; location: string; symbol: string }>>(
      await client.callTool({ name: "find_config_reads", arguments: { key: "currency", kind: "env" } }),
    );
    expect(env.items).toEqual([
      { key: "BILLING_CURRENCY_DEFAULT", kind: "env", location: "src/billing/invoice.ts:10", symbol: "src/billing/invoice.ts#generateInvoice" },
    ]);
    const cfg = structured<Page<{ key: string; symbol: string }>>(await client.callTool({ name: "find_config_reads", arguments: { kind: "config" } }));
    expect(cfg.items.map((c) => `${c.key} ${c.symbol}`)).toEqual(["payment.timeoutMs src/billing/invoice.ts#paymentTimeout"]);

    const routes = structured<Page<{ detail: string }>>(await client.callTool({ name: "list_entry_points", arguments: { kind: "route" } }));
    expect(routes.items).toHaveLength(7);

    const impact = structured<{ targets: string[]; items: Array<{ symbol: string; entryPoints: string[] }> }>(
      await client.callTool({ name: "symbol_impact", arguments: { targets: ["packages/money/src/index.ts#roundCents"] } }),
    );
    expect(impact.items.filter((i) => i.entryPoints.some((e) => e.startsWith("route"))).map((i) => i.symbol).sort()).toEqual([
      "src/http/app.ts#invoiceRoute",
      "src/http/controller.ts#CustomerController.invoice",
    ]);
  });

  it("pages long answers with a cursor and keeps every answer under the size bound", async () => {
    const first = structured<Page<{ id: string }>>(await client.callTool({ name: "search_symbols", arguments: { query: "e", limit: 3 } }));
    expect(first.items).toHaveLength(3);
    expect(first.nextCursor).toBeDefined();
    const second = structured<Page<{ id: string }>>(
      await client.callTool({ name: "search_symbols", arguments: { query: "e", limit: 3, cursor: first.nextCursor } }),
    );
    expect(second.items[0]?.id).not.toBe(first.items[0]?.id);
    const all = await client.callTool({ name: "search_symbols", arguments: { query: "e", limit: 500 } });
    expect(JSON.stringify((all as { structuredContent: unknown }).structuredContent).length).toBeLessThan(MAX_ANSWER_BYTES);
  });

  it("reports parse errors in index_status", async () => {
    const status = structured<{ revisions: Array<{ name: string; parseErrors: Array<{ path: string }> }> }>(
      await client.callTool({ name: "code_index_status", arguments: {} }),
    );
    expect(status.revisions[0]?.name).toBe("WORKTREE");
    expect(status.revisions[0]?.parseErrors.map((e) => e.path)).toEqual(["src/broken.ts"]);
  });

  it("answers about another revision on request", async () => {
    const got = structured<{ symbol: { span: string }; revision: string }>(
      await client.callTool({ name: "get_symbol", arguments: { id: "src/fx/convert.ts#convert", rev: "HEAD~1" } }),
    );
    expect(got).toMatchObject({ revision: "HEAD~1", symbol: { span: "src/fx/convert.ts:4-8" } });
  });

  it("refuses bad input with one clear line and no stack", async () => {
    const unknown = errorText(await client.callTool({ name: "get_symbol", arguments: { id: "src/fx/convert.ts#convrt" } }));
    expect(unknown).toMatch(/unknown symbol "src\/fx\/convert.ts#convrt".*did you mean src\/fx\/convert.ts#convert\?/);
    const outside = errorText(await client.callTool({ name: "find_callers", arguments: { id: "../../etc/passwd#x" } }));
    expect(outside).toMatch(/outside the repo/);
    const badRev = errorText(await client.callTool({ name: "search_symbols", arguments: { query: "x", rev: "nope" } }));
    expect(badRev).toMatch(/unknown revision "nope"/);
    const badLoc = errorText(await client.callTool({ name: "symbol_impact", arguments: { targets: ["src/fx/convert.ts"] } }));
    expect(badLoc).toMatch(/location "src\/fx\/convert.ts" is not path:line/);
    const badCursor = errorText(await client.callTool({ name: "search_symbols", arguments: { query: "e", cursor: "!!" } }));
    expect(badCursor).toMatch(/cursor "!!" is not valid/);
    for (const text of [unknown, outside, badRev, badLoc, badCursor]) expect(text).not.toMatch(/\n\s+at /);
  });

  it("rejects a tool called with wrong arguments", async () => {
    const missing = await client.callTool({ name: "get_symbol", arguments: {} }).catch((e: Error) => ({ isError: true, content: [{ text: e.message }] }));
    expect(errorText(missing)).toMatch(/id/);
    const wrongType = await client.callTool({ name: "find_callers", arguments: { id: "src/fx/convert.ts#convert", depth: "deep" } }).catch((e: Error) => ({ isError: true, content: [{ text: e.message }] }));
    expect(errorText(wrongType)).toMatch(/depth/);
  });

  it("says which files moved since the index, and reindex brings it up to date", async () => {
    writeFileSync(join(tmp.dir, "src/lib/clock.ts"), "export const now = (): Date => new Date(0);\nexport const later = () => now();\n");
    const before = structured<Page<unknown>>(await client.callTool({ name: "search_symbols", arguments: { query: "later" } }));
    expect(before.stale).toEqual(["src/lib/clock.ts"]);
    expect(before.items).toEqual([]);
    const re = structured<{ parsedFiles: number; resolvedFiles: number }>(await client.callTool({ name: "reindex_code", arguments: {} }));
    expect(re.parsedFiles).toBe(1);
    const after = structured<Page<{ id: string }>>(await client.callTool({ name: "search_symbols", arguments: { query: "later" } }));
    expect(after.stale).toBeUndefined();
    expect(after.items.map((i) => i.id)).toEqual(["src/lib/clock.ts#later"]);
  });
});
