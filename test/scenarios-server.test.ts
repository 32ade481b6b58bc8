import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { V1_FILES, V2_CONVERT } from "./helpers/code-fixture.js";
import { gitIn, makeRepo, tempDir } from "./helpers/git-fixture.js";
import { connectServer, errorText, structured } from "./helpers/mcp-client.js";
import { SCENARIO_FILES } from "./helpers/scenario-fixture.js";

describe("scenarios MCP server over stdio", () => {
  const tmp = tempDir();
  let client: Client;
  let close: () => Promise<void>;

  beforeAll(async () => {
    makeRepo(tmp.dir, [
      { message: "v1", files: { ...V1_FILES, ...SCENARIO_FILES } },
      { message: "SUP-9: round before converting", files: { "src/fx/convert.ts": V2_CONVERT } },
    ]);
    ({ client, close } = await connectServer("scenarios", tmp.dir));
  });
  afterAll(async () => {
    await close();
    tmp.cleanup();
  });

  it("lists, reads, searches, writes, selects and simulates", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["draft_scenario", "get_scenario", "list_scenarios", "search_scenarios", "select_scenarios", "simulate_scenario", "upsert_scenario", "check_fix", "draft_fix", "try_scenario"].sort());
    const list = structured<{ items: Array<{ id: string; executable: boolean }>; errors: unknown[] }>(await client.callTool({ name: "list_scenarios", arguments: {} }));
    expect(list.items.map((s) => `${s.id} ${s.executable}`)).toEqual(["eu-invoice-fx true", "mystery false", "payment-timeout false"]);
    expect(list.errors).toHaveLength(1);
    const got = structured<{ scenario: { workflow: string } }>(await client.callTool({ name: "get_scenario", arguments: { id: "eu-invoice-fx" } }));
    expect(got.scenario.workflow).toBe("invoicing");
    const search = async (args: Record<string, unknown>) => structured<{ items: Array<{ id: string; score?: number }> }>(await client.callTool({ name: "search_scenarios", arguments: args })).items.map((h) => h.id);
    expect(await search({ query: "timeout" })).toEqual(["payment-timeout"]);
    // Stemmed ("converting" finds "converts"), and labels are searched: a source's ticket key, the workflow.
    expect(await search({ query: "converting" })).toEqual(["eu-invoice-fx"]);
    expect(await search({ query: "SUP-101" })).toEqual(["eu-invoice-fx"]);
    expect(await search({ query: "payments" })).toEqual(["payment-timeout"]);
    // Filters alone list; with a query they narrow it.
    expect(await search({ executable: false })).toEqual(["mystery", "payment-timeout"]);
    expect(await search({ workflow: "invoicing" })).toEqual(["eu-invoice-fx"]);
    expect(await search({ query: "timeout", workflow: "invoicing" })).toEqual([]);
    expect(errorText(await client.callTool({ name: "search_scenarios", arguments: { query: "%%%" } }))).toContain('query "%%%" has no words to search for');
    expect(errorText(await client.callTool({ name: "search_scenarios", arguments: { text: "timeout" } }))).toContain('unknown argument "text"');

    const written = structured<{ path: string; created: boolean }>(
      await client.callTool({
        name: "upsert_scenario",
        arguments: { scenario: { id: "refund-rounding", title: "Refunds round to cents", entry: ["packages/money/src/index.ts#roundCents"], prose: "A refund of 10.005 rounds to 10.01." } },
      }),
    );
    expect(written).toEqual({ path: "scenarios/refund-rounding.md", created: true });
    expect(readFileSync(join(tmp.dir, written.path), "utf8")).toContain("A refund of 10.005 rounds to 10.01.");

    const selected = structured<{ items: Array<{ scenario: string }> }>(await client.callTool({ name: "select_scenarios", arguments: { base: "HEAD~1", head: "HEAD" } }));
    expect(selected.items.map((s) => s.scenario)).toEqual(["eu-invoice-fx"]);
    const sim = structured<{ verdict: { verdict: string; depth: string; rootCause: { location: string } }; simulation: string }>(
      await client.callTool({ name: "simulate_scenario", arguments: { id: "eu-invoice-fx", base: "HEAD~1", head: "HEAD" } }),
    );
    expect(sim.verdict).toMatchObject({ verdict: "fail", depth: "differential", rootCause: { location: "src/fx/convert.ts:7" } });
    expect(sim.simulation).toMatch(/^simulation:/);
    const stat = structured<{ verdict: { verdict: string; depth: string } }>(await client.callTool({ name: "simulate_scenario", arguments: { id: "eu-invoice-fx", base: "HEAD~1", head: "HEAD", depth: "static" } }));
    expect(stat.verdict).toMatchObject({ verdict: "at-risk", depth: "static" });
  });

  it("check_fix re-simulates head with a patch and says which verdicts turned; the repo is untouched", async () => {
    const drafted = structured<{ patch: string; reverts: string; scope: string }>(await client.callTool({ name: "draft_fix", arguments: { location: "src/fx/convert.ts:7", base: "HEAD~1", head: "HEAD", scope: "hunk" } }));
    expect(drafted).toMatchObject({ reverts: "src/fx/convert.ts:7-8", scope: "hunk" });
    expect(drafted.patch).toMatch(/^--- a\/src\/fx\/convert.ts\n\+\+\+ b\/src\/fx\/convert.ts\n@@ -7,2 \+7,\d+ @@\n-/);
    expect(errorText(await client.callTool({ name: "draft_fix", arguments: { location: "src/fx/convert.ts:1", base: "HEAD~1", head: "HEAD" } }))).toMatch(/src\/fx\/convert.ts:1 is not inside a hunk of the change/);
    expect(errorText(await client.callTool({ name: "draft_fix", arguments: { location: "nowhere", base: "HEAD~1", head: "HEAD" } }))).toMatch(/location "nowhere" is not path:line/);
    const revert = drafted.patch;
    const proposal = { id: "proposed-fx", title: "Proposed", simulate: { steps: [{ call: "src/billing/invoice.ts#generateInvoice", args: [100.005, "USD"], expect: ["typeof result.total === 'number'"] }] } };
    const tried = structured<{ passesOnBase: boolean; verdict: { depth: string } }>(await client.callTool({ name: "try_scenario", arguments: { scenario: proposal, base: "HEAD~1", head: "HEAD" } }));
    expect(tried).toMatchObject({ passesOnBase: true, verdict: { depth: "differential" } });
    const wrong = { ...proposal, simulate: { steps: [{ call: "src/billing/invoice.ts#generateInvoice", args: [100.005, "USD"], expect: ["result.total === 1"] }] } };
    const refused = structured<{ passesOnBase: boolean; base: { failing: string[] } }>(await client.callTool({ name: "try_scenario", arguments: { scenario: wrong, base: "HEAD~1", head: "HEAD" } }));
    expect(refused).toMatchObject({ passesOnBase: false, base: { failing: ["result.total === 1: fail"] } });
    const before = readFileSync(join(tmp.dir, "src/fx/convert.ts"), "utf8");
    const r = structured<{ results: Array<{ scenario: string; before: string; after: string; turned: boolean }>; verified: boolean }>(
      await client.callTool({ name: "check_fix", arguments: { ids: ["eu-invoice-fx"], patch: revert, base: "HEAD~1", head: "HEAD" } }),
    );
    expect(r).toMatchObject({ results: [{ scenario: "eu-invoice-fx", before: "fail", after: "pass", turned: true }], verified: true });
    expect(readFileSync(join(tmp.dir, "src/fx/convert.ts"), "utf8")).toBe(before);
    expect(errorText(await client.callTool({ name: "check_fix", arguments: { ids: ["eu-invoice-fx"], patch: "+++ nothing" } }))).toMatch(/^patch: no file changes found; expected a unified diff/);
    expect(errorText(await client.callTool({ name: "check_fix", arguments: { ids: ["nope"], patch: revert } }))).toMatch(/unknown scenario "nope"/);
    expect(errorText(await client.callTool({ name: "check_fix", arguments: { ids: [], patch: revert } }))).toMatch(/ids/);
    expect(errorText(await client.callTool({ name: "draft_scenario", arguments: { test: "test/x.test.ts", reproduceAt: "HEAD" } }))).toMatch(/"reproduceAt" goes with "ticket"/);
    expect(errorText(await client.callTool({ name: "simulate_scenario", arguments: { id: "mystery", depth: "differential" } }))).toMatch(/scenario "mystery" has no simulate: block, so it cannot run at depth differential/);
  });

  it("refuses bad input with one clear line", async () => {
    expect(errorText(await client.callTool({ name: "get_scenario", arguments: { id: "nope" } }))).toMatch(/unknown scenario "nope"/);
    expect(errorText(await client.callTool({ name: "simulate_scenario", arguments: { id: "eu-invoice-fx", base: "v0" } }))).toMatch(/unknown revision "v0"/);
    const bad = await client.callTool({ name: "upsert_scenario", arguments: { scenario: { id: "Bad Id", title: "x" } } }).catch((e: Error) => ({ isError: true, content: [{ text: e.message }] }));
    expect(errorText(bad)).toMatch(/id/);
  });
});
