import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_ANSWER_BYTES } from "../core/paging.js";
import { V1_FILES } from "./helpers/code-fixture.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";
import { connectServer, errorText, structured } from "./helpers/mcp-client.js";
import { SCENARIO_FILES } from "./helpers/scenario-fixture.js";
import { TICKET_FILES } from "./helpers/ticket-fixture.js";

/**
 * Errors at the edges of the tools, spoken to through the real SDK client: every tool of the five servers
 * (`worldline serve all`) refuses an argument it does not declare, enums refuse values outside them, long
 * answers come in pages within the size bound, and a decision cannot cite evidence that is not a node.
 */

/** A file of many long lines, and a function whose source is far past one answer. */
const LONG_LINES = Array.from({ length: 320 }, (_, i) => `export const line${i} = "${"x".repeat(180)} ${i}";`).join("\n") + "\n";
const HUGE_FUNCTION = ["export function huge(): number {", ...Array.from({ length: 1_500 }, (_, i) => `  const v${i} = ${i} * 2; // ${"—".repeat(20)} ünïcödé ${i}`), "  return 0;", "}", ""].join("\n");

const oneLine = (text: string) => expect(text, "an error is one line").not.toMatch(/\n/);

describe("tool inputs and answers at the edges", () => {
  const tmp = tempDir();
  let client: Client;
  let close: () => Promise<void>;

  beforeAll(async () => {
    makeRepo(tmp.dir, [
      { message: "Billing service v1", files: { ...V1_FILES, ...SCENARIO_FILES, ...TICKET_FILES } },
      { message: "SUP-9: long files", files: { "src/long.ts": LONG_LINES, "src/huge.ts": HUGE_FUNCTION, "src/lib/clock.ts": `${V1_FILES["src/lib/clock.ts"]}// touched\n` } },
    ]);
    ({ client, close } = await connectServer("all", tmp.dir, ["--tools", "all"]));
  }, 120_000);
  afterAll(async () => {
    await close();
    tmp.cleanup();
  });

  it("every tool of the five servers refuses a misspelled argument, naming it and the valid ones, on one line", async () => {
    const wrong: string[] = [];
    let swept = 0;
    for (const name of ["code-graph", "git-history", "tickets", "scenarios", "context-graph"]) {
      const served = await connectServer(name, tmp.dir);
      try {
        const { tools } = await served.client.listTools();
        if (tools.length === 0) wrong.push(`${name}: no tools`);
        for (const tool of tools) {
          swept++;
          const schema = tool.inputSchema as { properties?: Record<string, unknown>; additionalProperties?: unknown };
          if (schema.additionalProperties !== false) wrong.push(`${name}/${tool.name}: its input schema does not say additionalProperties: false`);
          const r = (await served.client.callTool({ name: tool.name, arguments: { limt: 5 } })) as { isError?: boolean; content?: Array<{ text?: string }> };
          const text = r.content?.[0]?.text ?? "";
          if (!r.isError) {
            wrong.push(`${name}/${tool.name}: accepted limt (${text.slice(0, 120)})`);
            continue;
          }
          if (!text.includes('unknown argument "limt"')) wrong.push(`${name}/${tool.name}: the error does not name limt: ${text}`);
          if (text.includes("\n")) wrong.push(`${name}/${tool.name}: the error is not one line: ${JSON.stringify(text)}`);
          const valid = Object.keys(schema.properties ?? {});
          for (const key of valid) if (!text.includes(key)) wrong.push(`${name}/${tool.name}: the error does not list the valid argument ${key}: ${text}`);
          if (valid.includes("limit") && !text.includes('did you mean "limit"?')) wrong.push(`${name}/${tool.name}: no "did you mean limit": ${text}`);
        }
      } finally {
        await served.close();
      }
    }
    // The combined server (serve all --tools all) holds the same tools and what_breaks, strict as well.
    const { tools } = await client.listTools();
    expect(tools.length).toBe(swept + 1);
    const wb = (await client.callTool({ name: "what_breaks", arguments: { limt: 5 } })) as { isError?: boolean; content?: Array<{ text?: string }> };
    if (!wb.isError || !(wb.content?.[0]?.text ?? "").includes('unknown argument "limt"')) wrong.push(`all/what_breaks: did not refuse limt: ${JSON.stringify(wb).slice(0, 200)}`);
    for (const tool of tools) if ((tool.inputSchema as { additionalProperties?: unknown }).additionalProperties !== false) wrong.push(`all/${tool.name}: not strict`);
    expect(swept).toBeGreaterThanOrEqual(50);
    expect(wrong).toEqual([]);
  }, 180_000);

  it("a tool with no arguments says it takes none; a bad value and a missing argument are named in the same line", async () => {
    const status = errorText(await client.callTool({ name: "context_graph_status", arguments: { verbose: true } }));
    expect(status).toBe('context_graph_status: unknown argument "verbose": this tool takes no arguments');
    const both = errorText(await client.callTool({ name: "get_symbol", arguments: { includeSource: "yes", limt: 5 } }));
    oneLine(both);
    expect(both).toMatch(/^get_symbol: /);
    expect(both).toContain('argument "id"');
    expect(both).toContain('argument "includeSource"');
    expect(both).toContain('unknown argument "limt"');
  });

  it("enums refuse values outside them, naming the argument and the values expected", async () => {
    const banana = errorText(await client.callTool({ name: "search_symbols", arguments: { query: "invoice", kind: "banana" } }));
    oneLine(banana);
    expect(banana).toContain('argument "kind"');
    for (const k of ["function", "method", "class", "variable"]) expect(banana).toContain(`"${k}"`);
    const fine = structured<{ items: Array<{ id: string; kind: string }> }>(await client.callTool({ name: "search_symbols", arguments: { query: "generateInvoice", kind: "function" } }));
    expect(fine.items.map((i) => i.id)).toEqual(["src/billing/invoice.ts#generateInvoice"]);
    const direction = errorText(await client.callTool({ name: "context_neighbors", arguments: { id: "file:src/config.ts", direction: "sideways" } }));
    expect(direction).toContain('argument "direction"');
    expect(direction).toContain('"both"');
  });

  it("blame pages a long range: every line once, in order, each answer within 20 KB", async () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = await client.callTool({ name: "blame_line", arguments: { path: "src/long.ts", start: 1, end: 320, ...(cursor ? { cursor } : {}) } });
      const text = (r as { content: Array<{ text: string }> }).content[0]?.text ?? "";
      expect(text.length).toBeLessThanOrEqual(MAX_ANSWER_BYTES);
      const page = structured<{ lines: Array<{ line: number; content: string }>; nextCursor?: string }>(r);
      seen.push(...page.lines.map((l) => l.line));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    expect(pages).toBeGreaterThan(1);
    expect(seen).toEqual(Array.from({ length: 320 }, (_, i) => i + 1));
    // A limit pages by count too; a cursor from elsewhere is refused by name.
    const two = structured<{ lines: Array<{ line: number }>; nextCursor?: string }>(await client.callTool({ name: "blame_line", arguments: { path: "src/long.ts", start: 10, end: 20, limit: 2 } }));
    expect(two.lines.map((l) => l.line)).toEqual([10, 11]);
    const next = structured<{ lines: Array<{ line: number }> }>(await client.callTool({ name: "blame_line", arguments: { path: "src/long.ts", start: 10, end: 20, limit: 2, cursor: two.nextCursor } }));
    expect(next.lines.map((l) => l.line)).toEqual([12, 13]);
    expect(errorText(await client.callTool({ name: "blame_line", arguments: { path: "src/long.ts", start: 1, cursor: "nope" } }))).toContain('cursor "nope" is not valid');
    expect(errorText(await client.callTool({ name: "blame_line", arguments: { path: "src/long.ts", start: 5, end: 2 } }))).toContain("end 2 is before start 5");
  });

  it("history pages its commits with a cursor", async () => {
    const first = structured<{ items: Array<{ subject: string }>; nextCursor?: string }>(await client.callTool({ name: "change_history", arguments: { path: "src/lib/clock.ts", limit: 1 } }));
    expect(first.items.map((i) => i.subject)).toEqual(["SUP-9: long files"]);
    expect(first.nextCursor).toBeDefined();
    const second = structured<{ items: Array<{ subject: string }>; nextCursor?: string }>(await client.callTool({ name: "change_history", arguments: { path: "src/lib/clock.ts", limit: 1, cursor: first.nextCursor } }));
    expect(second.items.map((i) => i.subject)).toEqual(["Billing service v1"]);
    expect(second.nextCursor).toBeUndefined();
  });

  it("get_symbol pages a long source: the pages put together are the whole source, each answer within 20 KB", async () => {
    let cursor: string | undefined;
    let source = "";
    let pages = 0;
    do {
      const r = await client.callTool({ name: "get_symbol", arguments: { id: "src/huge.ts#huge", includeSource: true, ...(cursor ? { cursor } : {}) } });
      const text = (r as { content: Array<{ text: string }> }).content[0]?.text ?? "";
      expect(text.length).toBeLessThanOrEqual(MAX_ANSWER_BYTES);
      const page = structured<{ source: string; nextCursor?: string }>(r);
      source += page.source;
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    expect(pages).toBeGreaterThan(2);
    expect(source).toBe(HUGE_FUNCTION.trimEnd());
    expect(errorText(await client.callTool({ name: "get_symbol", arguments: { id: "src/huge.ts#huge", cursor: "bm9wZQ" } }))).toContain('"cursor" pages the source: pass includeSource: true');
  });

  it("record_decision refuses evidence that is not a node, and the graph is as it was", async () => {
    await client.callTool({ name: "list_scenarios", arguments: {} });
    const before = structured<{ nodes: Record<string, number>; edges: Record<string, number>; episodes: number }>(await client.callTool({ name: "context_graph_status", arguments: {} }));
    const text = errorText(
      await client.callTool({
        name: "record_decision",
        arguments: { question: "Does it break?", conclusion: "No", evidence: ["scenario:eu-invoice-fx", "ticket:NOPE-1", "commit:0000"], author: "claude-test" },
      }),
    );
    oneLine(text);
    expect(text).toContain('evidence "ticket:NOPE-1" is not a node of the graph');
    expect(text).toContain("commit:0000");
    const after = structured<typeof before>(await client.callTool({ name: "context_graph_status", arguments: {} }));
    expect(after).toEqual(before);
    // Evidence that is there is recorded as before.
    const ok = structured<{ created: boolean }>(
      await client.callTool({ name: "record_decision", arguments: { question: "Does it break?", conclusion: "No", evidence: ["scenario:eu-invoice-fx"], author: "claude-test" } }),
    );
    expect(ok.created).toBe(true);
  });
});
