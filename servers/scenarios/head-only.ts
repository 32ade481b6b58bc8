import type { ScenarioVerdict } from "../../core/verdict.js";
import type { Scenario } from "./format.js";
import type { RunResult } from "./sandbox/protocol.js";
import { unmet } from "./differential.js";

/**
 * The verdict of a scenario whose own module exists only on head (new code), or of a test case new at head:
 * base has nothing to run, so head is judged alone. It passes when every expectation holds there, fails when one does not, and is at risk when
 * it rests on values no stub answered.
 */
export function headOnlyVerdict(s: Scenario, base: RunResult | undefined, head: RunResult, subject?: string): ScenarioVerdict {
  const expectations = head.steps.flatMap((st, i) => st.expectations.map((e) => ({ step: i + 1, expect: e.expect, base: "not-run" as const, head: e.status, ...(e.detail ? { detail: e.detail } : {}) })));
  const short = unmet(head);
  const symbolic = head.steps.some((st) => st.expectations.some((e) => e.symbolic));
  const pending = head.steps.findIndex((st) => st.pending);
  const missing = subject ?? base?.error?.missingModule ?? "its module";
  const verdict: ScenarioVerdict["verdict"] = short.length || pending >= 0 ? (symbolic ? "at-risk" : "fail") : symbolic ? "at-risk" : "pass";
  const what = short.length ? `on head ${short[0]}` : pending >= 0 ? `step ${pending + 1} never settles on head` : `its ${expectations.length} expectation(s) hold on head`;
  return {
    scenario: s.id,
    verdict,
    depth: "differential",
    reason: `${missing} exists only on head (there is no base to compare with); ${what}.${symbolic ? " It reads values no stub answered." : ""}`,
    expectations,
  };
}
