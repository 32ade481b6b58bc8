import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Log } from "sarif";
import { describe, expect, it } from "vitest";
import { Report } from "../core/verdict.js";
import { runCli } from "./helpers/cli-run.js";
import { sampleService } from "./helpers/sample-service.js";

/**
 * The agent end to end on the sample service: `worldline simulate` and `worldline check` start the five MCP
 * servers over stdio, the embedded planner works through their tools, and the report comes out in each
 * format. Content is checked exactly where the sample fixes it: verdicts, root cause, fix, blast radius.
 */
describe("the agent on the sample service", () => {
  const sample = sampleService();

  const run = (args: string[], stdin = "") => runCli(args, { stdin });

  it("reports what pr/rounding-refactor breaks: the failing scenario, its root cause, a verified fix and its blast radius", async () => {
    const r = await run(["simulate", "--repo", sample.repo, "--base", "main", "--head", "pr/rounding-refactor", "--format", "json"]);
    expect(r.code).toBe(0);
    expect(r.err).toContain("selecting scenarios for the change…");
    const report = Report.parse(JSON.parse(r.out));
    // The downgrade's run on main never reaches the proration: exact coverage leaves it out. The service's own
    // proration tests are scenarios too: the one whose share is not round fails with the same root cause.
    expect(report.summary).toBe("2 fail, 2 at-risk, 4 pass");
    expect(report.verdicts.map((v) => `${v.verdict} ${v.scenario} ${v.depth}`)).toEqual([
      "fail eu-proration-fx-rounding differential",
      "fail test-proration-test--proration-charges-a-mid-march-upgrade-by-its-exact-share-of-31-days differential",
      "at-risk monthly-run-continues-after-failure static",
      "at-risk plan-upgrade-invoiced differential",
      "pass proration-credit-unused-days differential",
      "pass proration-short-month differential",
      "pass test-proration-test--proration-charges-the-remaining-share-of-an-upgrade differential",
      "pass test-proration-test--proration-credits-the-unused-days-of-a-downgrade differential",
    ]);
    expect(report.verdicts[1]?.rootCause).toEqual({ location: "src/billing/proration.ts:35", symbol: "src/billing/proration.ts#prorate", base: 17 / 31, head: 0.55 });
    const eu = report.verdicts[0];
    expect(eu?.rootCause).toEqual({ location: "src/billing/proration.ts:35", symbol: "src/billing/proration.ts#prorate", base: 17 / 31, head: 0.55 });
    expect(eu?.fix).toMatchObject({
      verified: true,
      patch: "--- a/src/billing/proration.ts\n+++ b/src/billing/proration.ts\n@@ -35,1 +35,1 @@\n-  const share = Math.round((remaining / total) * 100) / 100;\n+  const share = remaining / total;\n",
    });
    expect(eu?.fix?.checked).toContainEqual({ scenario: "eu-proration-fx-rounding", before: "fail", after: "pass" });
    expect(eu?.blastRadius).toMatchObject({
      customers: ["enterprise-eu"],
      workflow: "invoicing",
      owners: ["Bob Builder"],
      tickets: expect.arrayContaining(["ticket:SUP-1423", "ticket:SUP-131"]),
      scenarios: expect.arrayContaining(["plan-upgrade-invoiced", "proration-short-month"]),
    });
    expect(eu?.blastRadius?.entryPoints).toEqual(expect.arrayContaining(["route POST /customers/:id/invoices", "route POST /customers/:id/plan-change"]));
    // The verdict left a decision trace in the context graph (read by the next question).
    const why = await run(["simulate", "--repo", sample.repo, "--base", "main", "--head", "pr/rounding-refactor", "--scenario", "eu-proration-fx-rounding", "--format", "markdown", "--out", join(sample.dir, "comment.md"), "--quiet"]);
    expect(why.code).toBe(0);
    const md = readFileSync(join(sample.dir, "comment.md"), "utf8");
    expect(md).toContain("### ❌ `eu-proration-fx-rounding`");
    expect(md).toContain("**Root cause** src/billing/proration.ts:35 in src/billing/proration.ts#prorate: base 0.5483870967741935, head 0.55");
    expect(md).toContain("```diff\n--- a/src/billing/proration.ts");
    expect(md).toContain("**Fix** (verified by re-simulation)");
  }, 180_000);

  it("writes SARIF 2.1.0 that validates against the schema, with the failure at its line", async () => {
    const r = await run(["simulate", "--repo", sample.repo, "--base", "main", "--head", "pr/rounding-refactor", "--format", "sarif", "--quiet"]);
    const log = JSON.parse(r.out) as Log;
    const schema = JSON.parse(readFileSync(createRequire(import.meta.url).resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"), "utf8")) as object;
    // The SARIF schema is draft-04, which needs ajv's draft-04 build; its patterns are not all valid as unicode regexes.
    type Validator = ((data: unknown) => boolean) & { errors?: unknown[] | null };
    const Ajv = createRequire(import.meta.url)("ajv-draft-04") as new (o: object) => { compile(s: object): Validator };
    const validate = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false }).compile(schema);
    expect(validate(log), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    const fail = log.runs[0]?.results?.find((x) => x.level === "error");
    expect(fail?.ruleId).toBe("scenario-fails");
    expect(fail?.locations?.[0]?.physicalLocation).toMatchObject({ artifactLocation: { uri: "src/billing/proration.ts" }, region: { startLine: 35 } });
    expect(fail?.fixes?.[0]?.artifactChanges[0]?.replacements[0]).toMatchObject({ deletedRegion: { startLine: 35, endLine: 36 }, insertedContent: { text: "  const share = remaining / total;\n" } });
  }, 120_000);

  it("check exits 1 for a push that breaks a scenario, 0 for one that does not, and 2 for bad input", async () => {
    const pr = sample.commits.pr2 ?? "";
    const push = await run(["check", "--repo", sample.repo, "--pre-push", "--quiet", "--format", "json"], `refs/heads/pr/rounding-refactor ${pr} refs/heads/pr/rounding-refactor ${sample.commits.pr1 ? "0".repeat(40) : ""}\n`);
    expect(push.code).toBe(1);
    expect(push.err).toContain("worldline check: 2 scenario(s) block this push to refs/heads/pr/rounding-refactor: eu-proration-fx-rounding (fail), test-proration-test--proration-charges-a-mid-march-upgrade-by-its-exact-share-of-31-days (fail)");
    const comment = await run(["check", "--repo", sample.repo, "--base", "pr/rounding-refactor~1", "--head", "pr/rounding-refactor", "--quiet"]);
    expect(comment.code).toBe(0);
    expect((await run(["check", "--repo", sample.repo, "--fail-on", "sometimes"])).code).toBe(2);
    const bad = await run(["check", "--repo", sample.repo, "--pre-push"], "not a ref line\n");
    expect(bad).toMatchObject({ code: 2, err: expect.stringContaining('pre-push input "not a ref line": expected "<local ref> <local sha> <remote ref> <remote sha>"') });
  }, 180_000);
});
