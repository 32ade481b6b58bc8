import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli-run.js";
import { commitFiles, gitIn, makeRepo, tempDir } from "./helpers/git-fixture.js";
import { connectServer, structured } from "./helpers/mcp-client.js";

/**
 * One default for every revision argument (issue 16): base is the merge-base of HEAD with the default branch,
 * head the working tree, in every tool and in the CLI. On a checked-out PR branch, asking with no revisions
 * is asking about the PR; every answer says which base it used.
 */
const SCENARIO = ["---", "id: vat-rate", "title: VAT at 19%", "simulate:", "  steps:", "    - call: src/vat.ts#vat", "      args: [100]", "      expect:", "        - result === 19", "---", "VAT is 19%."].join("\n");

describe("revision defaults", () => {
  const tmp = tempDir();
  let mergeBase: string;

  beforeAll(() => {
    makeRepo(tmp.dir, [{ message: "base", files: { "src/vat.ts": "export function vat(n: number): number {\n  return (n * 19) / 100;\n}\n", "scenarios/vat-rate.md": SCENARIO } }]);
    mergeBase = gitIn(tmp.dir, ["rev-parse", "HEAD"]).trim();
    gitIn(tmp.dir, ["checkout", "-q", "-b", "pr/rate"]);
    commitFiles(tmp.dir, { message: "raise the rate", files: { "src/vat.ts": "export function vat(n: number): number {\n  return (n * 20) / 100;\n}\n" } }, 1);
  });
  afterAll(() => tmp.cleanup());

  it("tools with no revision answer about the branch's change, and say which base they used", async () => {
    const { client, close } = await connectServer("all", tmp.dir, ["--tools", "all"]);
    try {
      const diff = structured<{ items: Array<{ path: string }> }>(await client.callTool({ name: "diff_revisions", arguments: {} }));
      expect(diff.items.map((f) => f.path)).toEqual(["src/vat.ts"]);
      const sel = structured<{ items: Array<{ scenario: string }>; change: { base: string; head: string } }>(await client.callTool({ name: "select_scenarios", arguments: {} }));
      expect(sel.change).toEqual({ base: mergeBase, head: "WORKTREE" });
      expect(sel.items.map((s) => s.scenario)).toEqual(["vat-rate"]);
      const sim = structured<{ verdict: { verdict: string }; change: { base: string } }>(await client.callTool({ name: "simulate_scenario", arguments: { id: "vat-rate" } }));
      expect(sim.change.base).toBe(mergeBase);
      expect(sim.verdict.verdict).toBe("fail");
    } finally {
      await close();
    }
  });

  it("worldline check with no --base checks the branch against its merge-base", async () => {
    const r = await runCli(["check", "--repo", tmp.dir, "--quiet", "--format", "json"]);
    expect(r.code, r.err).toBe(1);
    const report = JSON.parse(r.out) as { base: string; verdicts: Array<{ scenario: string; verdict: string }> };
    expect(report.base).toContain(mergeBase);
    expect(report.verdicts).toEqual([expect.objectContaining({ scenario: "vat-rate", verdict: "fail" })]);
  });
});
