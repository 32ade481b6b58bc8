import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { runCli } from "./helpers/cli-run.js";
import { connectServer, errorText, structured } from "./helpers/mcp-client.js";
import { commitFiles, gitIn, makeRepo, tempDir } from "./helpers/git-fixture.js";
import type { WhatBreaksAnswer } from "../agent/what-breaks/answer.js";

/**
 * `what_breaks` in `serve all`, spoken to by the SDK's client over stdio: "what breaks if I merge this" in one call,
 * with base and head defaulting as the commands do, progress while it works, the server's recipe and prompts.
 */
const scenario = (id: string, call: string, args: string, expect: string) =>
  ["---", `id: ${id}`, `title: ${id.replace(/-/g, " ")}`, "tags: [pricing]", "simulate:", "  steps:", `    - call: ${call}`, `      args: ${args}`, "      expect:", `        - ${expect}`, "---", `The ${id} rule.`].join("\n");

describe("what_breaks in serve all", () => {
  const tmp = tempDir();
  let server: { client: Client; stderr: () => string; close: () => Promise<void> };

  beforeAll(async () => {
    makeRepo(tmp.dir, [
      {
        message: "pricing with a discount and a label",
        files: {
          "src/price.ts": "export function discounted(total: number): number {\n  const rate = 0.1;\n  return total - total * rate;\n}\n",
          "src/label.ts": "export function label(name: string): string {\n  return `item ${name}`;\n}\n",
          "scenarios/discount-ten-percent.md": scenario("discount-ten-percent", "src/price.ts#discounted", "[200]", "result === 180"),
          "scenarios/label-item.md": scenario("label-item", "src/label.ts#label", "[\"a\"]", "result === 'item a'"),
        },
      },
    ]);
    // The change is on a branch, checked out: base defaults to where it forked from main, head to the working tree.
    gitIn(tmp.dir, ["checkout", "-q", "-b", "pr/discount"]);
    commitFiles(tmp.dir, { message: "a bigger discount", files: { "src/price.ts": "export function discounted(total: number): number {\n  const rate = 0.15;\n  return total - total * rate;\n}\n" } }, 1);
    server = await connectServer("all", tmp.dir);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    tmp.cleanup();
  });

  it("answers the report in one call, base and head defaulted, with progress and the gate", async () => {
    const progress: string[] = [];
    const r = await server.client.callTool({ name: "what_breaks", arguments: {} }, undefined, {
      onprogress: (p) => progress.push(String(p.message ?? "")),
      resetTimeoutOnProgress: true,
      timeout: 300_000,
    });
    const a = structured<WhatBreaksAnswer>(r);
    expect(a.head).toBe("WORKTREE");
    expect(a.gate).toEqual({ blocks: true, blocking: ["discount-ten-percent"] });
    expect(a.verdicts.map((v) => [v.scenario, v.verdict])).toEqual([["discount-ten-percent", "fail"]]);
    const v = a.verdicts[0];
    expect(v?.rootCause?.location).toBe("src/price.ts:2");
    expect([v?.rootCause?.base, v?.rootCause?.head]).toEqual([0.1, 0.15]);
    expect(v?.fix?.verified).toBe(true);
    // The scenario the change cannot reach is not simulated; nothing else is in the rows.
    expect(a.rows.map((row) => row.scenario)).not.toContain("discount-ten-percent");
    expect(a.nextCursor).toBeUndefined();
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toMatch(/selecting/);
    expect(JSON.stringify(a).length).toBeLessThan(20_000);
  }, 300_000);

  it("takes base and head as revisions, and refuses what it does not know in one line", async () => {
    const a = structured<WhatBreaksAnswer>(await server.client.callTool({ name: "what_breaks", arguments: { base: "main", head: "main" } }, undefined, { timeout: 300_000 }));
    expect(a.gate.blocks).toBe(false);
    expect(a.verdicts).toEqual([]);
    const bad = errorText(await server.client.callTool({ name: "what_breaks", arguments: { base: "no-such-branch" } }));
    expect(bad).toMatch(/no-such-branch/);
    expect(bad.split("\n")).toHaveLength(1);
    const unknown = errorText(await server.client.callTool({ name: "what_breaks", arguments: { bass: "main" } }));
    expect(unknown).toContain('unknown argument "bass" (did you mean "base"?)');
    const cursor = errorText(await server.client.callTool({ name: "what_breaks", arguments: { cursor: "bm9wZQ" } }));
    expect(cursor).toContain("is not one of what_breaks's");
  }, 300_000);

  it("gives the recipe in its instructions and the common asks as prompts", async () => {
    const instructions = server.client.getInstructions() ?? "";
    expect(instructions.startsWith("worldline: ")).toBe(true);
    expect(instructions).toContain("call what_breaks once");
    const { prompts } = await server.client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(["triage-ticket", "what-breaks", "why-is-this-so"]);
    const got = await server.client.getPrompt({ name: "what-breaks", arguments: { base: "main" } });
    const text = (got.messages[0]?.content as { text: string }).text;
    expect(text).toContain('what_breaks tool with {"base":"main"}');
    const why = await server.client.getPrompt({ name: "why-is-this-so", arguments: { target: "src/price.ts:2" } });
    expect((why.messages[0]?.content as { text: string }).text).toContain('why_code with {"target": "src/price.ts:2"}');
  });

  it("offers the default toolset: what_breaks and the reads it leads to, under 40 KB", async () => {
    const list = await server.client.listTools();
    const names = list.tools.map((t) => t.name);
    expect(names).toContain("what_breaks");
    expect(names).toContain("why_code");
    expect(names).not.toContain("reindex_code");
    expect(JSON.stringify(list).length).toBeLessThan(40_000);
    // A tool outside the offered toolsets is not callable either.
    const r = (await server.client.callTool({ name: "reindex_code", arguments: {} }).catch((e: Error) => ({ isError: true, content: [{ text: e.message }] }))) as unknown;
    expect(errorText(r)).toMatch(/reindex_code not found/);
  });
});

describe("serve all --tools", () => {
  const tmp = tempDir();
  beforeAll(() => makeRepo(tmp.dir, [{ message: "one file", files: { "src/a.ts": "export const a = 1;\n" } }]));
  afterAll(() => tmp.cleanup());

  it("offers whole servers' toolsets, and every tool with all", async () => {
    const some = await connectServer("all", tmp.dir, ["--tools", "history,tickets"]);
    try {
      const names = (await some.client.listTools()).tools.map((t) => t.name);
      expect(names).toContain("what_breaks");
      expect(names).toContain("change_coupling");
      expect(names).toContain("import_tickets");
      expect(names).not.toContain("simulate_scenario");
      const prompts = (await some.client.listPrompts()).prompts.map((p) => p.name).sort();
      expect(prompts).toEqual(["triage-ticket", "what-breaks", "why-is-this-so"]);
    } finally {
      await some.close();
    }
    const all = await connectServer("all", tmp.dir, ["--tools", "all"]);
    try {
      const list = await all.client.listTools();
      expect(list.tools.length).toBe(52);
      expect(new Set(list.tools.map((t) => t.name)).size).toBe(52);
    } finally {
      await all.close();
    }
  }, 120_000);

  it("refuses an unknown toolset, and --tools on one server, in one line", async () => {
    const bad = await runCli(["serve", "all", "--tools", "simulate,histroy", "--repo", tmp.dir]);
    expect(bad.code).toBe(2);
    expect(bad.err.trim()).toMatch(/^worldline: --tools: unknown toolset "histroy": expected default, simulate, history, code, tickets, context, all/);
    const one = await runCli(["serve", "scenarios", "--tools", "all", "--repo", tmp.dir]);
    expect(one.code).toBe(2);
    expect(one.err).toContain("--tools is for serve all");
  });
});
