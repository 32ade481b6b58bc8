import { afterEach, describe, expect, it } from "vitest";
import { changedOldLines, fixFiles, inducingCommits, isRealDuplicate, loadCorpus, namedFiles, score, ticketFile, type Report } from "../bench/triage-corpus.js";
import { readTicketText } from "../servers/tickets/sources/folder.js";
import type { TicketTriage } from "../core/triage.js";
import { gitIn, makeRepo, tempDir } from "./helpers/git-fixture.js";

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

/** A repo where `b` introduces the bad line, an unrelated commit follows, and `fix` changes that line and adds a test. */
function fixtureRepo(): { dir: string; induce: string; other: string; fix: string } {
  const { dir, cleanup } = tempDir("triage-corpus-");
  cleanups.push(cleanup);
  makeRepo(dir, [
    { message: "add total", files: { "src/total.ts": "export function total(xs: number[]) {\n  let t = 0;\n  for (const x of xs) t += x;\n  return t;\n}\n" } },
    { message: "round the total", files: { "src/total.ts": "export function total(xs: number[]) {\n  let t = 0;\n  for (const x of xs) t += Math.round(x);\n  return t;\n}\n" } },
    { message: "add a readme", files: { "README.md": "# totals\n" } },
    { message: "do not round", files: { "src/total.ts": "export function total(xs: number[]) {\n  let t = 0;\n  for (const x of xs) t += x;\n  return t;\n}\n", "test/total.test.ts": "// a test\n" } },
  ]);
  const rev = (n: number) => gitIn(dir, ["rev-parse", `HEAD~${n}`]).trim();
  return { dir, induce: rev(2), other: rev(1), fix: rev(0) };
}

const report = (over: Partial<Report> = {}): Report => ({ key: "TOT-1", issue: 7, title: "total drops cents", body: "total([0.4, 0.4]) is 0", fix: "a".repeat(40), ...over });

function triage(over: Partial<TicketTriage> = {}): TicketTriage {
  return {
    key: "TOT-1", title: "t", source: "folder", revision: "r", planner: "p", confidence: "low", confidenceReason: "", duplicates: [], codeRefs: [], symbols: [], files: [],
    suspects: [], component: null, owner: null, relatedScenarios: [], draft: null, reproduction: null, severity: { level: "low", hints: [] }, decision: "d", ...over,
  };
}

describe("triage corpus: what a fix says", () => {
  it("takes the fix's changed lines on the old side, and blame at the parent finds the commit that wrote them", () => {
    const { dir, induce, other, fix } = fixtureRepo();
    expect(fixFiles(dir, fix)).toEqual(["src/total.ts"]);
    expect(changedOldLines(dir, fix, "src/total.ts")).toEqual([[3, 1]]);
    const inducing = inducingCommits(dir, fix, ["src/total.ts"]);
    expect(inducing).toEqual([induce]);
    expect(inducing).not.toContain(other);
  });
});

describe("triage corpus: scoring", () => {
  it("counts code@3 on the first three named files and suspect@3 on the first three suspects", () => {
    const t = triage({
      symbols: ["src/other.ts#a", "src/total.ts#total"],
      codeRefs: [{ kind: "file", text: "x", target: "src/more.ts:3" }],
      suspects: [{ commit: "c".repeat(40), method: "szz", confidence: 0.5, via: "", evidence: [] }, { commit: "d".repeat(40), method: "blame", confidence: 0.4, via: "", evidence: [] }],
    });
    expect(namedFiles(t)).toEqual(["src/other.ts", "src/total.ts", "src/more.ts"]);
    const hit = score("o/r", report(), new Map(), t, ["src/total.ts"], ["d".repeat(40)], 10, 0);
    expect(hit.codeAt3).toBe(true);
    expect(hit.suspectAt3).toBe(true);
    expect(hit.why).toEqual([]);
    const miss = score("o/r", report(), new Map(), t, ["src/elsewhere.ts"], ["e".repeat(40)], 10, 0);
    expect(miss.codeAt3).toBe(false);
    expect(miss.suspectAt3).toBe(false);
    expect(miss.why.join("; ")).toMatch(/named src\/other\.ts, src\/total\.ts, src\/more\.ts; the fix changed src\/elsewhere\.ts.*none of the 1 inducing/);
    expect(score("o/r", report(), new Map(), triage(), ["src/total.ts"], [], 10, 0).suspectAt3).toBeNull();
  });

  it("takes a likely duplicate as real only when GitHub closed one of the pair as a duplicate of the other", () => {
    const a = report({ key: "TOT-1" });
    const b = report({ key: "TOT-2", duplicateOf: "TOT-1" });
    const c = report({ key: "TOT-3" });
    expect(isRealDuplicate(a, b)).toBe(true);
    expect(isRealDuplicate(b, a)).toBe(true);
    expect(isRealDuplicate(a, c)).toBe(false);
    const dup = (key: string) => ({ key, title: "", status: "open", score: 0.9, likely: true, evidence: [] });
    const r = score("o/r", a, new Map([b, c].map((x) => [x.key, x])), triage({ duplicates: [dup("TOT-2"), dup("TOT-3")] }), [], [], 1, 0);
    expect(r.likelyDuplicates).toEqual(["TOT-2", "TOT-3"]);
    expect(r.realDuplicates).toEqual(["TOT-2"]);
  });

  it("writes a ticket the tickets/ folder imports, without the issue number", () => {
    const t = readTicketText("tickets/TOT-1.json", ticketFile(report({ body: "a trace\n```\nError: x\n```" }), "2026-01-01T00:00:00.000Z"));
    expect(t.key).toBe("TOT-1");
    expect(t.body).toContain("Error: x");
    expect(JSON.stringify(t)).not.toContain('"issue"');
  });
});

describe("triage corpus: the corpus files", () => {
  it("reads every corpus file, with unique keys and at least 3 repositories", () => {
    const all = loadCorpus();
    expect(new Set(all.map((c) => c.corpus.repo)).size).toBeGreaterThanOrEqual(3);
    const keys = all.flatMap((c) => c.corpus.reports.map((r) => r.key));
    expect(new Set(keys).size).toBe(keys.length);
    for (const { corpus } of all) for (const r of corpus.reports) if (r.duplicateOf) expect(corpus.reports.map((x) => x.key)).toContain(r.duplicateOf);
  });
});
