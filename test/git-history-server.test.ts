import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "./helpers/git-fixture.js";
import { makeHistoryFixture, type HistoryFixture } from "./helpers/history-fixture.js";
import { connectServer, errorText, structured } from "./helpers/mcp-client.js";

describe("git-history MCP server over stdio", () => {
  const tmp = tempDir();
  let fx: HistoryFixture;
  let client: Client;
  let close: () => Promise<void>;

  beforeAll(async () => {
    fx = makeHistoryFixture(tmp.dir);
    ({ client, close } = await connectServer("git-history", tmp.dir));
  });
  afterAll(async () => {
    await close();
    tmp.cleanup();
  });

  it("lists its tools with output schemas", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      ["blame_line", "change_coupling", "change_history", "changed_symbols", "diff_revisions", "file_ownership", "find_hotspots", "ingest_history", "suspect_commits", "why_code"].sort(),
    );
    for (const t of tools) expect(t.outputSchema, t.name).toBeDefined();
  });

  it("answers diff, changed symbols, blame, history and why", async () => {
    const diff = structured<{ items: Array<{ path: string }> }>(await client.callTool({ name: "diff_revisions", arguments: { base: fx.sha.timeout30, head: "HEAD" } }));
    expect(diff.items.map((f) => f.path)).toEqual(["src/config.ts", "src/prorate.ts"]);
    const changed = structured<{ items: Array<{ id: string; change: string }> }>(
      await client.callTool({ name: "changed_symbols", arguments: { base: fx.sha.timeout30, head: "HEAD" } }),
    );
    expect(changed.items.map((c) => `${c.change} ${c.id}`)).toEqual(["modified-body src/config.ts#config", "modified-body src/prorate.ts#prorate"]);
    const blame = structured<{ lines: Array<{ commit: string }> }>(await client.callTool({ name: "blame_line", arguments: { path: "src/prorate.ts", start: 2, rev: fx.sha.timeout30 } }));
    expect(blame.lines.map((l) => l.commit)).toEqual([fx.sha.proration]);
    const history = structured<{ items: Array<{ commit: string }> }>(await client.callTool({ name: "change_history", arguments: { symbol: "src/prorate.ts#prorate" } }));
    expect(history.items.map((h) => h.commit)).toEqual([fx.sha.fix, fx.sha.reformat, fx.sha.proration]);
    const why = structured<{ summary: string; deciding: { commit: string; authoredAt: string } | null; items: Array<{ id: string }> }>(
      await client.callTool({ name: "why_code", arguments: { target: "config:paymentTimeoutMs" } }),
    );
    expect(why.summary).toContain(`before that 30000 in ${fx.sha.timeout30.slice(0, 12)}, 5000 in`);
    expect(why.deciding?.commit).toBe(fx.sha.timeout20);
    expect(why.items.map((i) => i.id)).toContain("ticket:SUP-88");
  });

  it("finds suspects, views and ingests history", async () => {
    const suspects = structured<{ items: Array<{ commit: string; method: string }> }>(await client.callTool({ name: "suspect_commits", arguments: { fix: fx.sha.fix } }));
    expect(suspects.items).toEqual([expect.objectContaining({ commit: fx.sha.proration, method: "szz@1" })]);
    const hot = structured<{ items: Array<{ path: string }> }>(await client.callTool({ name: "find_hotspots", arguments: { limit: 2 } }));
    expect(hot.items.map((h) => h.path)).toEqual(["src/config.ts", "src/prorate.ts"]);
    const own = structured<{ items: Array<{ path: string; mainDeveloper: { byRevisions: string } }> }>(await client.callTool({ name: "file_ownership", arguments: { path: "src/config.ts" } }));
    expect(own.items).toEqual([expect.objectContaining({ path: "src/config.ts", mainDeveloper: expect.objectContaining({ byRevisions: "Ada Lovelace" }) })]);
    const ingest = structured<{ ingested: number; suspects: number }>(await client.callTool({ name: "ingest_history", arguments: {} }));
    expect(ingest).toMatchObject({ ingested: 8, suspects: 1 });
  });

  it("refuses bad input with one clear line", async () => {
    expect(errorText(await client.callTool({ name: "blame_line", arguments: { path: "../outside.ts", start: 1 } }))).toMatch(/outside the repo/);
    expect(errorText(await client.callTool({ name: "diff_revisions", arguments: { base: "nope" } }))).toMatch(/unknown revision "nope"/);
    expect(errorText(await client.callTool({ name: "change_history", arguments: {} }))).toMatch(/history needs "path" or "symbol"/);
    expect(errorText(await client.callTool({ name: "why_code", arguments: { target: "src/prorate.ts#nope" } }))).toMatch(/unknown symbol "src\/prorate.ts#nope"/);
    expect(errorText(await client.callTool({ name: "suspect_commits", arguments: { fix: "deadbeef" } }))).toMatch(/unknown revision "deadbeef"/);
    expect(errorText(await client.callTool({ name: "find_hotspots", arguments: { since: "yesterday-ish" } }))).toMatch(/since "yesterday-ish" is not a date/);
  });
});
