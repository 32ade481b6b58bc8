import { afterEach, describe, expect, it, vi } from "vitest";
import { render } from "../agent/report/index.js";
import { MARKDOWN_LIMIT } from "../agent/report/markdown.js";
import { rootCauseLine } from "../agent/report/text.js";
import { DEFAULT_WIDTH, terminalWidth, wrap } from "../agent/report/wrap.js";
import type { Report, ScenarioVerdict } from "../core/verdict.js";
import { sampleReport } from "./helpers/report-fixture.js";

/**
 * The reports fit where they go: Markdown within MARKDOWN_LIMIT whatever the number of scenarios (failing ones
 * first, every cut counted), shared lists named once, terminal lines within the terminal's width; and each
 * format's output for a fixed report is a golden file in test/golden/ (`npx vitest run -u` rewrites them).
 */

const longName = (i: number, verdict: string) => `${verdict}-${String(i).padStart(3, "0")}-${"when-a-customer-upgrades-mid-month-".repeat(4)}end`;

/** A scenario with everything long: name, reason, a root cause with big values, effects, a shared path, a fix. */
function bigVerdict(i: number, verdict: ScenarioVerdict["verdict"], everyone: string[]): ScenarioVerdict {
  const scenario = longName(i, verdict);
  return {
    scenario,
    verdict,
    depth: "differential",
    reason: `step 1: expectation \`result.total === 100\` fails on head (passes on base). ${"The invoice total moved because the share is no longer rounded. ".repeat(20)}`,
    rootCause: { location: `src/billing/proration-${i}.ts:${i + 1}`, symbol: `src/billing/proration-${i}.ts#prorate`, base: { share: "x".repeat(5_000), i }, head: { share: "y".repeat(5_000), i } },
    effectsDiff: { changed: Array.from({ length: 40 }, (_, k) => ({ target: "pg#Pool.query", at: `src/db/pool.ts:${k}`, base: ["insert ".repeat(500), k], head: ["update ".repeat(500), k] })) },
    blastRadius: {
      customers: ["enterprise-eu"],
      workflow: "invoicing",
      entryPoints: Array.from({ length: 30 }, (_, k) => `route POST /customers/:id/invoices/${k}`),
      tickets: ["ticket:SUP-131"],
      scenarios: everyone.filter((s) => s !== scenario),
      owners: ["Bob Builder"],
      fragility: { commits: 3, reverts: 1, incidents: ["ticket:INC-7"], failingSimulations: 2 },
    },
    fix: { patch: `--- a/src/a.ts\n+++ b/src/a.ts\n${Array.from({ length: 400 }, (_, k) => `@@ -${k + 1},1 +${k + 1},1 @@\n-old ${k}\n+new ${k}`).join("\n")}\n`, verified: false },
  };
}

function bigReport(n: number, failing: number): Report {
  const verdictAt = (i: number): ScenarioVerdict["verdict"] => (i < failing ? (i % 5 === 4 ? "error" : "fail") : (["at-risk", "pass", "unaffected"] as const)[i % 3]!);
  const everyone = Array.from({ length: n }, (_, i) => longName(i, verdictAt(i)));
  const verdicts = Array.from({ length: n }, (_, i) => bigVerdict(i, verdictAt(i), everyone));
  return { base: "main (0123456789ab)", head: "WORKTREE", selected: verdicts.map((v) => ({ scenario: v.scenario, reasons: ["its run on base covers src/billing/proration.ts:35 ".repeat(10)] })), verdicts, summary: `${n} scenarios` };
}

const failingOf = (r: Report) => r.verdicts.filter((v) => v.verdict === "fail" || v.verdict === "error");

describe("the Markdown report fits a GitHub comment", () => {
  it("500 long scenarios: at most 60,000 characters, and every failing one's id and root cause are in it", () => {
    const report = bigReport(500, 60);
    const md = render(report, "markdown");
    expect(md.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    const missing = failingOf(report).filter((v) => !md.includes(v.scenario) || !md.includes(rootCauseLine(v) ?? "no root cause"));
    expect(missing.map((v) => v.scenario)).toEqual([]);
    // The ones that did not fit whole are rows, the rest of the report is counted, never cut silently.
    expect(md).toContain("**Failing scenarios shown in brief**");
    expect(md).toMatch(/_Not shown, to fit a GitHub comment \(60,000 characters\): .*the details of \d+ failing or erroring scenario\(s\) listed in brief; \d+ of 440 rows of the other scenarios/);
    expect(md).toContain("`--format json --out FILE`");
    // Failing scenarios come before everything else.
    expect(md.indexOf(longName(0, "fail"))).toBeLessThan(md.indexOf("### Other scenarios"));
  });

  it("when not even the failing ones fit, it says how many were cut and how to get the full report", () => {
    const report = bigReport(500, 500);
    const md = render(report, "markdown");
    expect(md.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    const shown = failingOf(report).filter((v) => md.includes(v.scenario)).length;
    expect(shown).toBeGreaterThan(0);
    expect(md).toContain(`_Not shown, to fit a GitHub comment (60,000 characters): ${500 - shown} of 500 failing or erroring scenarios (not even their row fitted)`);
    expect(md).toMatch(/The full report: rerun with `--format json --out FILE` \(every field\)/);
  });

  it("names the scenarios of a shared path once, not in every scenario that shares it", () => {
    const report = bigReport(44, 44);
    const md = render(report, "markdown");
    const shared = md.split("\n").filter((l) => l.startsWith("- **P1**"));
    expect(shared).toHaveLength(1);
    expect(md.split("\n").filter((l) => l.startsWith("- scenarios sharing the path"))).toEqual(expect.arrayContaining(["- scenarios sharing the path: 43 others, listed once as P1 under \"Shared paths\""]));
    for (const v of report.verdicts) expect(md.split(v.scenario).length - 1).toBeLessThanOrEqual(3); // its section or row, the shared list, its selection reason
  });

  it("keeps each failing section whole when they fit: heading, root cause, blast radius, folded trace, fix", () => {
    const md = render(sampleReport(), "markdown");
    expect(md).toContain("### ❌ `eu-proration-fx-rounding`\n\nstep 1:");
    expect(md).toContain("**Root cause** src/billing/proration.ts:35 in src/billing/proration.ts#prorate: base 0.5483870967741935, head 0.55");
    expect(md).toContain("<details><summary>Trace evidence: 1 effect that differs</summary>");
    expect(md).toContain("**Fix** (verified by re-simulation)\n\n```diff\n--- a/src/billing/proration.ts");
    expect(md).toContain("### ⚠️ `refund-within-window`");
    expect(md).not.toContain("_Not shown");
  });
});

describe("terminal lines fit the terminal", () => {
  afterEach(() => vi.unstubAllEnvs());

  /** Lines over the width, but for those that run past it only because of a word too long for any line. */
  const tooLong = (text: string, width: number) => text.split("\n").filter((l) => l.length > width && !l.split(" ").some((w) => w.length > width - 13));

  it("COLUMNS=60: no line past 60 columns, continuation lines indented under their item", () => {
    vi.stubEnv("COLUMNS", "60");
    const report = bigReport(6, 3);
    report.verdicts[0]!.reason += " see https://github.com/acme/billing/blob/0123456789abcdef0123456789abcdef01234567/src/billing/proration.ts#L35";
    const text = render(report, "terminal");
    expect(tooLong(text, 60)).toEqual([]);
    expect(text).toContain("https://github.com/acme/billing/blob/0123456789abcdef0123456789abcdef01234567/src/billing/proration.ts#L35");
    const lines = text.split("\n");
    const first = lines.findIndex((l) => l.startsWith("FAIL       fail-000-when-a-customer"));
    expect(lines[first + 1]).toMatch(/^ {13}\S/);
    const rc = lines.findIndex((l) => l.startsWith("           root cause "));
    expect(lines[rc + 1]).toMatch(/^ {13}\S/);
    expect(render(sampleReport(), "terminal")).toBe(render(sampleReport(), "terminal", { width: 60 }));
  });

  it("no COLUMNS: the TTY's width, else 100", () => {
    vi.stubEnv("COLUMNS", undefined);
    expect(terminalWidth({}, { isTTY: false })).toBe(DEFAULT_WIDTH);
    expect(terminalWidth({}, { isTTY: true, columns: 132 })).toBe(132);
    expect(terminalWidth({ COLUMNS: "72" }, { isTTY: true, columns: 132 })).toBe(72);
    expect(terminalWidth({ COLUMNS: "wide" }, { isTTY: false })).toBe(100);
    const width = terminalWidth();
    expect(width).toBe(process.stdout.isTTY ? process.stdout.columns : 100);
    const text = render(bigReport(6, 3), "terminal");
    expect(tooLong(text, width)).toEqual([]);
    expect(text.split("\n").some((l) => l.length > 90)).toBe(true);
  });

  it("wraps at spaces and after commas in a long value, keeps a patch line's spaces, never splits a path", () => {
    expect(wrap("  ", "a b c d e f", 7, 4)).toEqual(["  a b c", "    d e", "    f"]);
    expect(wrap("    ", "-  const share = x;", 80, 6)).toEqual(["    -  const share = x;"]);
    expect(wrap("- ", 'value ["aaaaaaaa","bbbbbbbb","cccccccc"]', 20, 4)).toEqual(['- value ["aaaaaaaa",', '    "bbbbbbbb",', '    "cccccccc"]']);
    const path = "src/a/very/long/path/that/does/not/fit/anywhere/at/all.ts";
    expect(wrap("- ", `see ${path} now`, 30, 4)).toEqual(["- see", `    ${path}`, "    now"]);
    expect(wrap("- ", "x ".repeat(3) + "0123456789012345678", 20, 4)).toEqual(["- x x x", " 0123456789012345678"]);
  });
});

describe("golden files: each report format for a fixed report", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("Markdown", async () => {
    await expect(render(sampleReport(), "markdown")).toMatchFileSnapshot("golden/report.md");
  });

  it("terminal, 100 columns and 60", async () => {
    await expect(render(sampleReport(), "terminal", { width: 100 })).toMatchFileSnapshot("golden/report.txt");
    await expect(render(sampleReport(), "terminal", { width: 60 })).toMatchFileSnapshot("golden/report-60.txt");
  });
});
