import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBilling } from "../examples/billing/build.js";
import { CommitCache } from "../servers/git-history/commits.js";
import { suspectsOfFix } from "../servers/git-history/suspects.js";
import { ScenarioService } from "../servers/scenarios/service.js";
import { importTickets } from "../servers/tickets/importer.js";
import { TicketService } from "../servers/tickets/service.js";
import { readTicketFolder } from "../servers/tickets/sources/folder.js";
import { tempDir } from "./helpers/git-fixture.js";

const git = (dir: string, args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();

/**
 * Which scenarios each change in the sample history really affects: the scenario executes the changed
 * function, or reads the changed configuration key. (The static trace cannot see that a downgrade never
 * reaches generateInvoice; those are its expected false positives.) Executable scenarios are judged by their
 * runs instead (selection is exact for them); these labels hold the prose-only ones to a precision.
 */
const LABELLED: Record<string, string[]> = {
  timeout: ["payment-retry-gives-up", "payment-timeout-30s"],
  // The monthly run was written after these two fixes: at their revision it cannot be affected.
  prorationfix: ["eu-proration-fx-rounding", "plan-upgrade-invoiced", "proration-credit-unused-days", "proration-short-month"],
  emailfix: ["email-hyphenated-accepted", "email-invalid-rejected"],
  ratesfix: ["eu-proration-fx-rounding", "lowercase-currency-conversion", "plan-upgrade-invoiced"],
  fxonce: ["eu-proration-fx-rounding", "lowercase-currency-conversion", "monthly-run-continues-after-failure", "plan-upgrade-invoiced"],
};

describe("the sample billing service", () => {
  const tmp = tempDir();
  let commits: Record<string, string>;
  let scenarios: ScenarioService;

  beforeAll(() => {
    ({ commits } = buildBilling(`${tmp.dir}/billing`));
    scenarios = new ScenarioService(`${tmp.dir}/billing`);
  });
  afterAll(() => {
    scenarios.close();
    tmp.cleanup();
  });
  const repo = () => `${tmp.dir}/billing`;

  it("is a real repository with a history by several people, ADRs, tickets and scenarios", async () => {
    expect(Number(git(repo(), ["rev-list", "--count", "main"]))).toBeGreaterThanOrEqual(38);
    expect(new Set(git(repo(), ["log", "--format=%aN", "main"]).split("\n"))).toEqual(new Set(["Ada Lovelace", "Bob Builder", "Carol Chen", "Dan Okafor", "Eve Martin"]));
    expect(git(repo(), ["show", "main:.git-blame-ignore-revs"])).toContain(commits.reformat);
    expect(git(repo(), ["log", "-1", "--format=%s", commits.revert ?? ""])).toBe('Revert "Cache FX rates per day"');
    expect(git(repo(), ["ls-tree", "--name-only", "main", "docs/adr/"]).split("\n")).toHaveLength(4);
    expect(git(repo(), ["ls-tree", "--name-only", "main", "tickets/"]).split("\n")).toHaveLength(30);
    const loaded = await scenarios.load("main");
    expect(loaded.errors).toEqual([]);
    // 14 written scenarios, and the service's 10 vitest cases as generated ones.
    expect(loaded.scenarios.filter((s) => !s.tags.includes("test"))).toHaveLength(14);
    expect(loaded.scenarios.filter((s) => s.tags.includes("test"))).toHaveLength(10);
    expect(loaded.scenarios.filter((s) => s.simulate).length).toBeGreaterThanOrEqual(10);
  });

  it("on pr/rounding-refactor selects the proration scenarios, at-risk at the changed line; email and timeout are unaffected", async () => {
    const { base, head } = await scenarios.pin("main", "pr/rounding-refactor");
    const { selected } = await scenarios.select(base, head);
    // The downgrade's run never reaches the proration (exact coverage): it is not selected.
    expect(selected.map((s) => s.scenario).sort()).toEqual([
      "eu-proration-fx-rounding",
      "monthly-run-continues-after-failure",
      "plan-upgrade-invoiced",
      "proration-credit-unused-days",
      "proration-short-month",
      "test-proration-test--proration-charges-a-mid-march-upgrade-by-its-exact-share-of-31-days",
      "test-proration-test--proration-charges-the-remaining-share-of-an-upgrade",
      "test-proration-test--proration-credits-the-unused-days-of-a-downgrade",
    ]);
    const short = await scenarios.simulateStatic("proration-short-month", base, head);
    expect(short.verdict.verdict).toBe("at-risk");
    const shareLine = git(repo(), ["show", "pr/rounding-refactor:src/billing/proration.ts"]).split("\n").findIndex((l) => l.includes("const share")) + 1;
    expect(short.verdict.steps).toContainEqual(expect.objectContaining({ symbol: "src/billing/proration.ts#prorate", touched: { change: "modified-body", hunks: [`src/billing/proration.ts:${shareLine}`] } }));
    for (const id of ["email-hyphenated-accepted", "payment-timeout-30s", "dunning-collections-after-45-days"]) {
      expect((await scenarios.simulateStatic(id, base, head)).verdict.verdict, id).toBe("unaffected");
    }
  });

  it("on pr/rounding-refactor the EU proration scenario fails at the changed line, with both values and the invoice row written wrong", async () => {
    const { base, head } = await scenarios.pin("main", "pr/rounding-refactor");
    const shareLine = git(repo(), ["show", "pr/rounding-refactor:src/billing/proration.ts"]).split("\n").findIndex((l) => l.includes("const share")) + 1;
    const eu = await scenarios.simulate("eu-proration-fx-rounding", base, head);
    expect(eu.verdict).toMatchObject({
      verdict: "fail",
      depth: "differential",
      rootCause: { location: `src/billing/proration.ts:${shareLine}`, symbol: "src/billing/proration.ts#prorate", base: 17 / 31, head: 0.55 },
    });
    expect(eu.verdict.expectations).toContainEqual({ step: 1, expect: "result.lines[0].amount === 58.87", base: "pass", head: "fail" });
    const diff = eu.verdict.effectsDiff as { changed: Array<{ target: string; base: unknown[]; head: unknown[] }> };
    const insert = diff.changed.find((c) => c.target === "pg#Pool.query" && String(c.base[0]).startsWith("insert into invoices"));
    expect(insert?.base[1]).toEqual(["inv_c_1_1773568800000", "c_1", "USD", 41.63, 7.91, 49.54]);
    expect(insert?.head[1]).toEqual(["inv_c_1_1773568800000", "c_1", "USD", 41.75, 7.93, 49.68]);

    // Every other executable scenario passes or is unaffected, except the upgrade whose invoice total moved and
    // the service's own test of a mid-March upgrade, which the rounding breaks.
    const { scenarios: all } = await scenarios.load(head);
    const verdicts = await Promise.all(all.filter((s) => s.simulate && s.id !== "eu-proration-fx-rounding").map(async (s) => [s.id, (await scenarios.simulate(s, base, head)).verdict.verdict] as const));
    const expected: Record<string, RegExp> = { "plan-upgrade-invoiced": /^at-risk$/, "test-proration-test--proration-charges-a-mid-march-upgrade-by-its-exact-share-of-31-days": /^fail$/ };
    for (const [id, v] of verdicts) expect(v, id).toMatch(expected[id] ?? /^(pass|unaffected)$/);
    expect(verdicts.find(([id]) => id === "email-hyphenated-accepted")?.[1]).toBe("unaffected");
    // Prose-only scenarios stay at depth 1.
    expect((await scenarios.simulate("payment-retry-gives-up", base, head)).verdict.depth).toBe("static");
  });

  it("check_fix with the revert of the rounding hunk turns the EU proration scenario to pass", async () => {
    const { base, head } = await scenarios.pin("main", "pr/rounding-refactor");
    const revert = git(repo(), ["diff", "pr/rounding-refactor", "main", "--", "src/billing/proration.ts"]);
    const checked = await scenarios.checkFix(["eu-proration-fx-rounding", "proration-short-month"], revert, base, head);
    expect(checked).toEqual([
      expect.objectContaining({ scenario: "eu-proration-fx-rounding", before: "fail", after: "pass", turned: true }),
      expect.objectContaining({ scenario: "proration-short-month", before: "pass", after: "pass", turned: false }),
    ]);
    await expect(scenarios.checkFix(["eu-proration-fx-rounding"], "not a diff", base, head)).rejects.toThrow(/patch: no file changes found; expected a unified diff/);
    const stale = revert.replace("const share = Math.round", "const share = Math.floor");
    await expect(scenarios.checkFix(["eu-proration-fx-rounding"], stale, base, head)).rejects.toThrow(/patch: hunk 1 for src\/billing\/proration.ts does not apply/);
    await expect(scenarios.checkFix(["payment-retry-gives-up"], revert, base, head)).rejects.toThrow(/scenario "payment-retry-gives-up" has no simulate: block/);
  });

  it("selects for the changes of its history: every executable scenario whose run differs, and the labelled prose-only ones with precision at least 80%", async () => {
    const { jobFor } = await import("../servers/scenarios/differential.js");
    const all = (await scenarios.load("main")).scenarios;
    const prose = new Set(all.filter((s) => !s.simulate).map((s) => s.id));
    const pool = scenarios.sandbox();
    let truePositives = 0;
    let selectedProse = 0;
    for (const [name, labelled] of Object.entries(LABELLED)) {
      const sha = commits[name] ?? "";
      const { base, head } = await scenarios.pin(`${sha}~1`, sha);
      const { selected } = await scenarios.select(base, head, "main");
      const ids = selected.map((s) => s.scenario);
      for (const s of selected) expect(s.reasons.length, `${name} ${s.scenario}`).toBeGreaterThan(0);
      // Executable scenarios: the oracle is the runs themselves. Whichever behaves differently on the two sides must be selected.
      for (const s of all.filter((x) => x.simulate)) {
        const [b, h] = await Promise.all([pool.run(jobFor(s, repo(), base, ["fs", "pg"])), pool.run(jobFor(s, repo(), head, ["fs", "pg"]))]);
        const seen = (r: typeof b) => JSON.stringify({ status: r.status, error: r.error?.reason, steps: r.steps, effects: r.effects });
        if (seen(b) !== seen(h)) expect(ids, `${name}: ${s.id} behaves differently on head`).toContain(s.id);
      }
      for (const s of selected.filter((x) => !prose.has(x.scenario))) expect(s.reasons[0], `${name} ${s.scenario}`).toMatch(/^its run on base covers |^its run on base ended in error/);
      // Prose-only scenarios: selected by static reach, against the labels.
      const expectedProse = labelled.filter((id) => prose.has(id));
      expect(ids, name).toEqual(expect.arrayContaining(expectedProse));
      truePositives += ids.filter((id) => expectedProse.includes(id)).length;
      selectedProse += ids.filter((id) => prose.has(id)).length;
    }
    expect(truePositives / selectedProse).toBeGreaterThanOrEqual(0.8);
  });

  it("holds ground truth for suspects: each shipped bug's fix points at the commit that introduced it", async () => {
    const cache = new CommitCache(repo());
    expect((await suspectsOfFix(repo(), cache, commits.prorationfix ?? ""))[0]?.commit).toBe(commits.proration);
    // The buggy line went through a reformat listed in .git-blame-ignore-revs: blame looks past it.
    expect((await suspectsOfFix(repo(), cache, commits.ratesfix ?? ""))[0]?.commit).toBe(commits.rates);
    expect((await suspectsOfFix(repo(), cache, commits.emailfix ?? ""))[0]?.commit).toBe(commits.customers);
  });

  it("has tickets whose stack trace resolves to the service's symbols", async () => {
    const tickets = new TicketService(repo());
    try {
      const read = await readTicketFolder(repo());
      expect(read.errors).toEqual([]);
      await importTickets(tickets.importContext(), read.tickets);
      const frames = (await tickets.store.codeRefs("SUP-188")).filter((r) => r.kind === "frame").map((r) => r.target);
      expect(frames).toEqual(["src/fx/rates.ts#assertCurrency", "src/fx/convert.ts#convert", "src/billing/invoice.ts#generateInvoice", "src/http/routes.ts#postInvoice"]);
    } finally {
      tickets.close();
    }
  });
});
