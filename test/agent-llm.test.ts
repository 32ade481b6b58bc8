import { describe, expect, it } from "vitest";
import { openRepoDb } from "../core/db.js";
import { Report } from "../core/verdict.js";
import { SqliteContextGraph } from "../servers/context-graph/sqlite-store.js";
import { standInModel, text, toolResults, toolUse, type MessagesRequest } from "./helpers/stand-in-messages.js";
import { runCli } from "./helpers/cli-run.js";
import { sampleService } from "./helpers/sample-service.js";

/**
 * The LLM planner against a scripted stand-in of the Messages API on 127.0.0.1: the script asks for tool
 * calls over the real MCP servers and checks what came back (a tool error included); the report is built
 * from the tools' answers; the turn limit and the token budget stop it.
 */
describe("the LLM planner", () => {
  const sample = sampleService();
  const model = standInModel();

  const run = (args: string[]) => runCli(args);
  const change = (req: MessagesRequest): { base: string; head: string } => {
    const first = req.messages[0]?.content;
    const m = /base ([0-9a-f]{40}) → head ([0-9a-f]{40})/.exec(typeof first === "string" ? first : "");
    if (!m?.[1] || !m[2]) throw new Error("the first message does not name the change");
    return { base: m[1], head: m[2] };
  };

  it("simulates, drafts and checks a fix, walks a prose scenario, reads a tool error, and reports from the tools' answers", async () => {
    const EU = "eu-proration-fx-rounding";
    let patch = "";
    // A simulate: block the model proposes for the prose-only monthly run: no active subscriptions.
    const proposal = (expect: string) => ({
      id: "monthly-run-continues-after-failure",
      title: "The monthly run invoices everyone even when one customer fails",
      simulate: { world: { stubs: { "pg#Pool.query": { returns: { rows: [], rowCount: 0 } } } }, steps: [{ call: "src/jobs/monthly-run.ts#monthlyRun", expect: [expect] }] },
    });
    const api = await model.start((req, turn, problems) => {
      const { base, head } = change(req);
      const results = toolResults(req);
      const need = (ok: boolean, what: string) => ok || problems.push(`turn ${turn}: ${what}`);
      switch (turn) {
        case 1: {
          const names = (req.tools ?? []).map((t) => t.name);
          need(req.model === "claude-test", `model ${req.model}`);
          need(["simulate_scenario", "check_fix", "draft_fix", "why_code", "search_symbols", "record_verdict"].every((n) => names.includes(n)), `tools ${names.join(",")}`);
          need(!names.includes("import_tickets") && !names.includes("upsert_scenario"), "write tools offered");
          need(JSON.stringify(req.messages[0]).includes(EU), "selection not in the first message");
          need(JSON.stringify(req.system).includes(head), "system prompt without the head commit");
          return { content: [text("Simulating the EU scenario."), toolUse("simulate_scenario", { id: EU, base, head }), toolUse("get_scenario", { id: "no-such-scenario" })] };
        }
        case 2: {
          const sim = results.find((r) => r.name === "simulate_scenario");
          const bad = results.find((r) => r.name === "get_scenario");
          need(sim?.text.includes('"verdict":"fail"') === true, `simulate result ${sim?.text.slice(0, 200)}`);
          need(bad?.isError === true && bad.text.includes('unknown scenario "no-such-scenario"'), `tool error ${JSON.stringify(bad)}`);
          return { content: [toolUse("draft_fix", { location: "src/billing/proration.ts:35", base, head })] };
        }
        case 3: {
          patch = (JSON.parse(results[0]?.text ?? "{}") as { patch?: string }).patch ?? "";
          need(patch.includes("-  const share = Math.round"), `draft ${results[0]?.text.slice(0, 200)}`);
          return { content: [toolUse("check_fix", { ids: [EU, "proration-short-month"], patch, base, head })] };
        }
        case 4: {
          need(results[0]?.text.includes('"turned":true') === true, `check_fix ${results[0]?.text.slice(0, 300)}`);
          return {
            content: [
              toolUse("record_verdict", { scenario: "monthly-run-continues-after-failure", verdict: "at-risk", reason: "The monthly run invoices plan changes through prorate, whose share rounding changed.", steps: ["src/jobs/monthly-run.ts#runMonthly", "src/billing/proration.ts:35"] }),
              toolUse("simulate_scenario", { id: "plan-upgrade-invoiced", base, head }),
              toolUse("try_scenario", { scenario: proposal("result.invoiced === 5"), base, head }),
            ],
          };
        }
        case 5: {
          need(results.some((r) => r.text.includes("recorded at-risk for monthly-run-continues-after-failure")), "record_verdict result");
          need(results.some((r) => r.name === "try_scenario" && r.text.includes('"passesOnBase":false')), "a proposal that fails on base was counted");
          return { content: [toolUse("try_scenario", { scenario: proposal("result.invoiced === 0 && result.failed.length === 0"), base, head })] };
        }
        default:
          need(results.some((r) => r.text.includes('"passesOnBase":true')), `proposal ${results[0]?.text.slice(0, 300)}`);
          return { content: [text("eu-proration-fx-rounding fails at src/billing/proration.ts:35; reverting that line is verified.")] };
      }
    });
    const r = await run(["simulate", "--repo", sample.repo, "--base", "main", "--head", "pr/rounding-refactor", "--planner", "llm", "--format", "json"]);
    expect(api.problems).toEqual([]);
    expect(r.code, r.err).toBe(0);
    expect(api.requests).toHaveLength(6);
    expect(api.requests[0]?.headers.authorization ?? api.requests[0]?.headers["x-api-key"]).toMatch(/test-key$/);
    expect(api.requests[0]?.headers["x-stainless-helper"]).toContain("BetaToolRunner");
    const report = Report.parse(JSON.parse(r.out));
    expect(report.planner).toBe("llm");
    const by = new Map(report.verdicts.map((v) => [v.scenario, v]));
    expect(by.get(EU)).toMatchObject({ verdict: "fail", depth: "differential", rootCause: { location: "src/billing/proration.ts:35" }, fix: { verified: true, by: "claude-test", patch } });
    expect(by.get(EU)?.blastRadius?.customers).toEqual(["enterprise-eu"]);
    // Its walk was superseded by the proposal that passes on base (the one that failed on base did not count).
    expect(by.get("monthly-run-continues-after-failure")).toMatchObject({ depth: "agent", reason: expect.stringMatching(/^with a simulate: block the model proposed, which passes on base: /) });
    expect(by.get("plan-upgrade-invoiced")).toMatchObject({ verdict: "at-risk", depth: "differential" });
    for (const id of ["proration-short-month", "proration-credit-unused-days"]) {
      expect(by.get(id)).toMatchObject({ verdict: "error", reason: "not simulated: the LLM planner finished without simulating it" });
    }
    // The transcript is an episode, and the model's judgement cites it.
    const graph = new SqliteContextGraph(openRepoDb(sample.repo));
    try {
      const episodes = (await graph.listNodes("episode")).filter((n) => n.title.startsWith("agent:llm-planner"));
      expect(episodes).toHaveLength(1);
      const citing = await graph.edgesOf(episodes[0]?.id ?? "", { direction: "in", rels: ["motivated-by"] });
      expect(citing.length).toBeGreaterThan(0);
    } finally {
      graph.close();
    }
  }, 180_000);

  it("stops at the turn limit and at the token budget, and says so", async () => {
    let api = await model.start(() => ({ content: [toolUse("list_scenarios", {})] }));
    const limited = await run(["simulate", "--repo", sample.repo, "--base", "main", "--head", "pr/rounding-refactor", "--planner", "llm", "--max-turns", "3", "--format", "json", "--quiet"]);
    expect(api.requests).toHaveLength(3);
    const report = Report.parse(JSON.parse(limited.out));
    // The five selected scenarios and the sample's three proration tests.
    expect(report.summary).toBe("8 error (the LLM planner stopped at its turn limit (3 turns))");
    expect(report.verdicts[0]?.reason).toBe("not simulated: the LLM planner stopped at its turn limit (3 turns)");

    api = await model.start(() => ({ content: [toolUse("list_scenarios", {})], usage: { input_tokens: 60_000, output_tokens: 1_000 } }));
    const budget = await run(["simulate", "--repo", sample.repo, "--base", "main", "--head", "pr/rounding-refactor", "--planner", "llm", "--max-tokens", "100000", "--format", "json", "--quiet"]);
    expect(api.requests).toHaveLength(2);
    expect(Report.parse(JSON.parse(budget.out)).summary).toContain("the LLM planner stopped at its token budget (100000 tokens)");
  }, 180_000);

  it("refuses to start without an API key, or with a bad limit", async () => {
    delete process.env.ANTHROPIC_API_KEY;
    expect(await run(["simulate", "--repo", sample.repo, "--planner", "llm"])).toMatchObject({ code: 2, err: expect.stringContaining("--planner llm needs ANTHROPIC_API_KEY") });
    expect(await run(["simulate", "--repo", sample.repo, "--planner", "llm", "--max-turns", "0"])).toMatchObject({ code: 2, err: expect.stringContaining('--max-turns "0": expected a whole number of at least 1') });
    expect(await run(["simulate", "--repo", sample.repo, "--planner", "gpt"])).toMatchObject({ code: 2, err: expect.stringContaining('--planner "gpt": expected embedded or llm') });
  });
});
