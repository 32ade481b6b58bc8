import { describe, expect, it } from "vitest";
import type { RunResult } from "../servers/scenarios/sandbox/protocol.js";
import { caseKey, compareOutcomes, sandboxOutcome } from "../servers/scenarios/tests/compare-runner.js";
import { discoverCases } from "../servers/scenarios/tests/discover.js";
import { parseJsonReport } from "../servers/scenarios/tests/real-runner.js";

/** `worldline tests compare` (issue 17): the runner's JSON report against the sandbox's outcomes, case by case. */
const REPORT = {
  testResults: [
    {
      name: "/repo/tests/a.test.ts",
      assertionResults: [
        { ancestorTitles: ["a"], title: "passes", status: "passed" },
        { ancestorTitles: ["a"], title: "twice", status: "passed" },
        { ancestorTitles: ["a"], title: "twice", status: "failed", failureMessages: ["AssertionError: expected 1 to be 2\n    at x"] },
        { ancestorTitles: [], title: "skipped", status: "skipped" },
        { ancestorTitles: ["a"], title: "computed 2", status: "passed" },
      ],
    },
    { name: "/repo/tests/a.test-d.ts", assertionResults: [{ ancestorTitles: [], title: "types", status: "passed" }] },
  ],
};

const run = (result: unknown): RunResult => ({ rev: "x", status: "ok", steps: [{ call: "", result, expectations: [] }], trace: [], truncated: 0, effects: [], missingStubs: [], logs: [], executed: [], coverage: { files: {}, requests: [], env: [] }, ms: 1 }) as unknown as RunResult;

describe("tests compare", () => {
  it("reads vitest's and jest's JSON report into cases numbered by order among equal names", () => {
    const cases = parseJsonReport("/repo", JSON.stringify(REPORT));
    expect(cases.map((c) => [c.file, c.titles.join(" > "), c.nth, c.status])).toEqual([
      ["tests/a.test.ts", "a > passes", 1, "pass"],
      ["tests/a.test.ts", "a > twice", 1, "pass"],
      ["tests/a.test.ts", "a > twice", 2, "fail"],
      ["tests/a.test.ts", "skipped", 1, "skip"],
      ["tests/a.test.ts", "a > computed 2", 1, "pass"],
      ["tests/a.test-d.ts", "types", 1, "pass"],
    ]);
    expect(cases[2]?.message).toBe("AssertionError: expected 1 to be 2");
    // vitest 1 names the file's own suite "": it is not a describe.
    const v1 = { testResults: [{ name: "/repo/t.test.ts", assertionResults: [{ ancestorTitles: ["", "a"], title: "b", status: "passed" }] }] };
    expect(parseJsonReport("/repo", JSON.stringify(v1)).map((c) => c.titles)).toEqual([["a", "b"]]);
    expect(() => parseJsonReport("/repo", "{")).toThrow(/the test runner's JSON report is not JSON/);
    expect(() => parseJsonReport("/repo", "{}")).toThrow(/has no testResults/);
  });

  it("agrees case by case, and says why for each disagreement", () => {
    const real = parseJsonReport("/repo", JSON.stringify(REPORT));
    const file = discoverCases("tests/a.test.ts", 'describe("a", () => { it("passes", () => {}); it("twice", () => {}); it("twice", () => {}); it(`computed ${1 + 1}`, () => {}); });\n');
    const sandbox = new Map([
      [caseKey("tests/a.test.ts", ["a", "passes"], 1), sandboxOutcome(run({ status: "pass", assertions: 1 }))],
      [caseKey("tests/a.test.ts", ["a", "twice"], 1), sandboxOutcome(run({ status: "fail", error: { name: "AssertionError", message: "expected 3 to be 4" }, assertions: 1 }))],
      [caseKey("tests/a.test.ts", ["a", "twice"], 2), sandboxOutcome(run({ status: "fail", assertions: 1 }))],
    ]);
    const r = compareOutcomes("WORKTREE", real, [file], sandbox, { runnerMs: 1, sandboxMs: 2 });
    expect([r.cases, r.agree, r.typeTests]).toEqual([4, 2, 1]);
    expect(r.fidelity).toBe(0.5);
    expect(r.disagreements.map((d) => [d.name, d.nth, d.real, d.sandbox, d.why])).toEqual([
      ["a > twice", 1, "pass", "fail", "AssertionError: expected 3 to be 4"],
      ["a > computed 2", 1, "pass", "not run", "discovery left it out (a title computed at run time, a loop or a helper)"],
    ]);
    expect(r.causes.map((c) => c.cause)).toContain("pass by the runner, fail in the sandbox: AssertionError: expected N to be N");
  });

  it("reads a run that could not finish as an error with its reason, never as a pass", () => {
    expect(sandboxOutcome({ ...run(undefined), status: "error", error: { reason: "needs a browser DOM" } } as RunResult)).toEqual({ status: "error", why: "needs a browser DOM" });
    expect(sandboxOutcome(run({ ok: true }))).toEqual({ status: "error", why: "the step's result is not a test outcome" });
  });
});
