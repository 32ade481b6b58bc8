import { describe, expect, it } from "vitest";
import { openRepoDb } from "../core/db.js";
import { renderTriage } from "../agent/report/triage.js";
import { TriageReport } from "../core/triage.js";
import { SqliteContextGraph } from "../servers/context-graph/sqlite-store.js";
import { runCli } from "./helpers/cli-run.js";
import { standInModel, text, toolResults, toolUse, turnOf, type MessagesRequest } from "./helpers/stand-in-messages.js";
import { sampleService } from "./helpers/sample-service.js";

/**
 * `worldline triage --planner llm` against a scripted stand-in of the Messages API: the model judges the
 * embedded planner's evidence through the real servers' tools, its claims are checked by the tools (made-up
 * ones dropped and listed), its own proposed scenario reproduces a ticket, and every way it can fall short
 * (turn limit, token budget, an API that refuses) leaves a triage that says so or a ticket that waits.
 */
describe("triage with the LLM planner", () => {
  const sample = sampleService();
  const model = standInModel();

  const ticketOf = (req: MessagesRequest): string => {
    const first = req.messages[0]?.content;
    const m = /^Ticket (\S+) \(revision \w+\), triaged at commit ([0-9a-f]{40})\./.exec(typeof first === "string" ? first : "");
    if (!m?.[1]) throw new Error("the first message does not name the ticket and the commit");
    return m[1];
  };
  const report = (out: string) => TriageReport.parse(JSON.parse(out));

  it("judges the evidence through the tools, drops claims the tools do not bear out, reproduces with its own scenario, and records a decision citing its transcript", async () => {
    const at = sample.commits.tests as string;
    // SUP-318 says a plan change on 28 February should charge one day of the new plan; at `tests` the
    // share is still divided by 30, so one day of 99 comes out 3.3 instead of 3.54.
    const proposal = {
      id: "sup-318-last-day-charge",
      title: "A plan change on the last day of February charges one day of the new plan",
      simulate: { steps: [{ call: "src/billing/proration.ts#prorate", args: [{ fromPrice: 29, toPrice: 99, changedAt: "2025-02-28" }], expect: ["result.charge === 3.54"] }] },
    };
    const api = await model.start((req, _n, problems) => {
      const ticket = ticketOf(req);
      const turn = turnOf(req);
      const results = toolResults(req);
      const need = (ok: boolean, what: string) => ok || problems.push(`${ticket} turn ${turn}: ${what}`);
      if (ticket === "SUP-188") return { content: [toolUse("code_index_status", {})] }; // never records: the turn limit stops it
      switch (turn) {
        case 1: {
          const names = (req.tools ?? []).map((t) => t.name);
          need(["record_triage", "try_scenario", "get_symbol", "similar_tickets", "why_code"].every((n) => names.includes(n)), `tools ${names.join(",")}`);
          need(["comment_ticket", "import_tickets", "set_ingestion_mark", "record_decision", "upsert_scenario"].every((n) => !names.includes(n)), "write tools offered");
          need(JSON.stringify(req.system).includes(at), "system prompt without the triage commit");
          need(JSON.stringify(req.messages[0]).includes("SUP-101") && JSON.stringify(req.messages[0]).includes("Changing plan on 28 February"), "the first message lacks the ticket or its evidence");
          return { content: [text("Checking the proration code."), toolUse("search_symbols", { query: "prorate" }), toolUse("try_scenario", { scenario: proposal, base: at, head: at }), toolUse("draft_scenario", { ticket: ticket, write: true })] };
        }
        case 2: {
          const tried = results.find((r) => r.name === "try_scenario");
          need(tried?.text.includes('"passesOnBase":false') === true && tried.text.includes("result.charge === 3.54: fail"), `try_scenario ${tried?.text.slice(0, 300)}`);
          const write = results.find((r) => r.name === "draft_scenario");
          need(write?.isError === true && write.text.includes('"write" is not open to the planner'), `a write was let through: ${JSON.stringify(write)}`);
          return {
            content: [
              toolUse("record_triage", {
                summary: "Changing plan on the last day of the month charges 1/30 of the new price instead of 1/28: prorate divides by 30.",
                duplicates: [
                  { key: "SUP-101", why: "the same proration of a mid-cycle plan change" },
                  { key: "SUP-9999", why: "made up" },
                ],
                symbols: ["src/billing/proration.ts#prorate", "src/billing/proration.ts#nope"],
                suspects: [
                  { commit: sample.commits.proration, why: "introduced the share computed over 30 days" },
                  { commit: "deadbeef", why: "made up" },
                ],
                severity: { level: "high", why: "every plan change on a short month is mischarged" },
                confidence: "high",
                confidenceReason: "a proposed scenario reproduces it at this commit",
              }),
            ],
          };
        }
        default: {
          const recorded = results.find((r) => r.name === "record_triage");
          need(recorded?.text.startsWith("recorded; dropped 3 claim(s) the tools did not bear out: ") === true, `record_triage answered ${recorded?.text}`);
          return { content: [text("Triage recorded.")] };
        }
      }
    });
    const args = ["triage", "--repo", sample.repo, "--ticket", "SUP-318", "--ticket", "SUP-188", "--at", at, "--planner", "llm", "--max-turns", "3", "--format", "json"];
    const r = await runCli(args);
    expect(api.problems).toEqual([]);
    expect(r.code, r.err).toBe(0);
    expect(api.requests).toHaveLength(6);
    expect(api.requests[0]?.headers["x-stainless-helper"]).toContain("BetaToolRunner");
    const rep = report(r.out);
    expect(rep.planner).toBe("llm-triage (claude-test)");

    const judged = rep.tickets.find((t) => t.key === "SUP-318");
    expect(judged).toMatchObject({ planner: "llm:claude-test", confidence: "high", symbols: ["src/billing/proration.ts#prorate"], severity: { level: "high" } });
    expect(judged?.assessment).toMatchObject({
      model: "claude-test",
      summary: expect.stringContaining("prorate divides by 30"),
      turns: 3,
      rejected: ["duplicate SUP-9999: no such ticket", "symbol src/billing/proration.ts#nope: the code graph has no such symbol", "suspect deadbeef: not a commit in the ingested history (give the full 40-character sha)"],
    });
    expect(judged?.duplicates[0]).toMatchObject({ key: "SUP-101", likely: true, evidence: ["the model: the same proration of a mid-cycle plan change", "shared terms: plan, month, new, one"] });
    // The embedded triage finds the same commit by the report's words; the model's reason joins it.
    expect(judged?.suspects[0]).toMatchObject({ commit: sample.commits.proration, via: expect.stringContaining("the model: introduced the share computed over 30 days") });
    expect(judged?.severity.hints[0]).toBe("the model: every plan change on a short month is mischarged");
    // The reproduction is what try_scenario ran, not what the model said.
    expect(judged?.reproduction).toMatchObject({ rev: at, status: "reproduces", failing: [expect.stringMatching(/^result\.charge === 3\.54: fail/)] });
    expect(judged?.draft?.text).toContain("changedAt: 2025-02-28");

    const md = renderTriage(rep, "markdown");
    expect(md).toContain("- Assessment (claude-test): Changing plan on the last day of the month charges 1/30");
    expect(md).toContain("- Dropped claims of the model (the tools did not bear them out): duplicate SUP-9999: no such ticket; ");

    const stopped = rep.tickets.find((t) => t.key === "SUP-188");
    expect(stopped).toMatchObject({ planner: "embedded-triage@1", assessment: { summary: null, turns: 3, note: "the LLM triage planner stopped at its turn limit (3 turns), so the embedded planner's triage stands" } });
    expect(stopped?.symbols).toHaveLength(4);

    // The decision is the model's, and cites the stored transcript.
    const graph = new SqliteContextGraph(openRepoDb(sample.repo));
    try {
      const episodes = (await graph.listNodes("episode")).filter((n) => n.title.startsWith("agent:llm-triage"));
      expect(episodes).toHaveLength(2);
      const decision = await graph.getNode(judged?.decision ?? "");
      expect(decision?.props).toMatchObject({ author: "claude-test", conclusion: expect.stringContaining("high confidence; severity high") });
      const cites = await graph.edgesOf(judged?.decision ?? "", { direction: "out", rels: ["motivated-by"] });
      expect(cites.every((e) => e.provenance.authority === "llm")).toBe(true);
      expect(cites.map((e) => e.dst)).toEqual(expect.arrayContaining([judged?.assessment?.episode, "ticket:SUP-318", `commit:${sample.commits.proration}`, "symbol:src/billing/proration.ts#prorate"]));
    } finally {
      graph.close();
    }

    // Once per ticket revision and commit: the model is not asked again.
    const again = await runCli(args);
    expect(again.code, again.err).toBe(0);
    expect(report(again.out).tickets).toEqual([]);
    expect(api.requests).toHaveLength(6);
  }, 240_000);

  it("keeps the embedded triage past the round's token budget, and says so", async () => {
    const api = await model.start(() => ({ content: [toolUse("code_index_status", {})] }));
    const r = await runCli(["triage", "--repo", sample.repo, "--ticket", "SUP-204", "--ticket", "SUP-205", "--planner", "llm", "--max-tokens", "1500", "--format", "json", "--quiet"]);
    expect(r.code, r.err).toBe(0);
    // 1,100 tokens a reply: the first ticket's second reply crosses 1,500; the second ticket is not asked.
    expect(api.requests).toHaveLength(2);
    const notes = report(r.out).tickets.map((t) => [t.key, t.planner, t.assessment?.note]);
    expect(notes).toEqual([
      ["SUP-204", "embedded-triage@1", "the LLM triage planner stopped at its token budget (1500 tokens), so the embedded planner's triage stands"],
      ["SUP-205", "embedded-triage@1", "not asked: this round's token budget (1500 tokens) is spent, so the embedded planner's triage stands"],
    ]);
  }, 240_000);

  it("leaves the tickets for the next round when the API refuses, without asking again in the round", async () => {
    let api = await model.start(() => ({ content: [], status: 401 }));
    const args = ["triage", "--repo", sample.repo, "--ticket", "SUP-250", "--ticket", "SUP-251", "--planner", "llm", "--format", "json", "--quiet"];
    const refused = await runCli(args);
    expect(refused.code).toBe(1);
    const rep = report(refused.out);
    expect(rep.tickets).toEqual([]);
    expect(rep.sources[0]?.error).toMatch(/^SUP-25[01]: the model could not be asked \(401 .*\); the ticket waits for the next round$/);
    expect(api.requests).toHaveLength(1);

    api = await model.start((req) => ({ content: [text(`Nothing to add for ${ticketOf(req)}.`)] }));
    const retried = await runCli(args);
    expect(retried.code, retried.err).toBe(0);
    expect(report(retried.out).tickets.map((t) => [t.key, t.assessment?.note])).toEqual([
      ["SUP-250", "the model finished without calling record_triage, so the embedded planner's triage stands"],
      ["SUP-251", "the model finished without calling record_triage, so the embedded planner's triage stands"],
    ]);
  }, 240_000);

  it("refuses to start without an API key, with an unknown planner or a bad limit", async () => {
    delete process.env.ANTHROPIC_API_KEY;
    expect(await runCli(["triage", "--repo", sample.repo, "--planner", "llm"])).toMatchObject({ code: 2, err: expect.stringContaining("--planner llm needs ANTHROPIC_API_KEY") });
    expect(await runCli(["triage", "--repo", sample.repo, "--planner", "gpt"])).toMatchObject({ code: 2, err: expect.stringContaining('--planner "gpt": expected embedded or llm') });
    process.env.ANTHROPIC_API_KEY = "test-key";
    expect(await runCli(["triage", "--repo", sample.repo, "--planner", "llm", "--max-tokens", "0"])).toMatchObject({ code: 2, err: expect.stringContaining('--max-tokens "0": expected a whole number of at least 1') });
  });
});
