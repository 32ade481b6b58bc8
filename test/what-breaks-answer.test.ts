import { describe, expect, it } from "vitest";
import type { Report, ScenarioVerdict } from "../core/verdict.js";
import { decodeReportCursor, HeldReports, holdReport, reportPage } from "../agent/what-breaks/answer.js";

/** what_breaks's pages: failing and at-risk verdicts first and whole, the rest as rows, every page under 20 KB. */
const verdict = (i: number, kind: ScenarioVerdict["verdict"], extra: Partial<ScenarioVerdict> = {}): ScenarioVerdict => ({
  scenario: `s-${String(i).padStart(3, "0")}`,
  verdict: kind,
  depth: "differential",
  reason: `scenario ${i} ${kind}`,
  ...extra,
});

const report = (verdicts: ScenarioVerdict[]): Report => ({
  base: "main (abc)",
  head: "WORKTREE",
  selected: verdicts.map((v) => ({ scenario: v.scenario, reasons: ["it runs the change"] })),
  verdicts,
  summary: `${verdicts.length} scenarios`,
});

const pages = (held: ReturnType<typeof holdReport>) => {
  const out = [reportPage(held, 0)];
  while (out.at(-1)?.nextCursor) out.push(reportPage(held, decodeReportCursor(out.at(-1)?.nextCursor as string).offset));
  return out;
};

describe("what_breaks's answer", () => {
  it("orders failing, at-risk, error, then the rest, and counts over the whole report", () => {
    const held = holdReport(report([verdict(1, "pass"), verdict(2, "at-risk"), verdict(3, "error"), verdict(4, "fail")]), ["s-004"]);
    const page = reportPage(held, 0);
    expect(page.verdicts.map((v) => v.scenario)).toEqual(["s-004", "s-002"]);
    expect(page.rows.map((r) => [r.scenario, r.verdict])).toEqual([["s-003", "error"], ["s-001", "pass"]]);
    expect(page.counts).toEqual({ pass: 1, "at-risk": 1, error: 1, fail: 1 });
    expect(page.gate).toEqual({ blocks: true, blocking: ["s-004"] });
    expect(page.nextCursor).toBeUndefined();
  });

  it("pages a long report under 20 KB each, losing and repeating nothing", () => {
    const big = { location: "src/a.ts:3", symbol: "src/a.ts#f", base: "x".repeat(3_000), head: "y".repeat(3_000) };
    const vs = [...Array.from({ length: 30 }, (_, i) => verdict(i, "fail", { rootCause: big })), ...Array.from({ length: 400 }, (_, i) => verdict(100 + i, "pass"))];
    const all = pages(holdReport(report(vs), []));
    expect(all.length).toBeGreaterThan(3);
    for (const p of all) expect(JSON.stringify(p).length).toBeLessThan(20_000);
    const seen = all.flatMap((p) => [...p.verdicts.map((v) => v.scenario), ...p.rows.map((r) => r.scenario)]);
    expect(seen).toHaveLength(430);
    expect(new Set(seen).size).toBe(430);
    // Whole: a value of 3,000 characters fits a page, so it is not cut.
    expect(all[0]?.verdicts[0]?.rootCause?.base).toBe(big.base);
    expect(all[0]?.shortened).toBeUndefined();
  });

  it("a verdict too big for a page loses its trace steps, then its long values, and says so", () => {
    const steps = Array.from({ length: 2_000 }, (_, i) => ({ line: i, value: "v".repeat(20) }));
    const huge = verdict(1, "fail", { steps, rootCause: { location: "src/a.ts:3", symbol: "src/a.ts#f", base: 1, head: 2 }, effectsDiff: { rows: ["r".repeat(40_000)] } });
    const page = reportPage(holdReport(report([huge]), ["s-001"]), 0);
    expect(JSON.stringify(page).length).toBeLessThan(20_000);
    expect(page.shortened).toEqual(["s-001"]);
    expect(page.verdicts[0]?.steps).toBeUndefined();
    expect(page.verdicts[0]?.rootCause).toEqual({ location: "src/a.ts:3", symbol: "src/a.ts#f", base: 1, head: 2 });
    expect(JSON.stringify(page.verdicts[0]?.effectsDiff)).toContain("(40000 characters)");
  });

  it("a cursor reads the held report's next page; a foreign or stale cursor is refused in one line", () => {
    const held = new HeldReports(2);
    const reports = [0, 1, 2].map(() => holdReport(report(Array.from({ length: 600 }, (_, i) => verdict(i, "pass"))), []));
    for (const r of reports) held.add(r);
    const first = reportPage(reports[2] as ReturnType<typeof holdReport>, 0);
    const next = held.page(first.nextCursor as string);
    expect(next.rows[0]?.scenario).not.toBe(first.rows[0]?.scenario);
    const staleFirst = reportPage(reports[0] as ReturnType<typeof holdReport>, 0);
    expect(() => held.page(staleFirst.nextCursor as string)).toThrow(/no longer holds .* call what_breaks again without cursor/);
    expect(() => held.page("not-a-cursor")).toThrow(/is not one of what_breaks's/);
  });
});
