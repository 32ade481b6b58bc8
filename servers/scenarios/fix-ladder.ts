import { type ScenarioVerdict, VERDICT_RANK } from "../../core/verdict.js";
import type { FixDraft, FixScope } from "./fix.js";

/**
 * The fix ladder (DESIGN.md, "How a fix is verified"): the drafts for a root cause, smallest first, each
 * re-simulated with the failing scenario; the first that turns it to pass is then re-simulated with every other
 * scenario given, and it is the fix only if none of them gets worse. A draft that does not verify says why,
 * and the next one is tried.
 */
type Verdict = ScenarioVerdict["verdict"];

export interface LadderCheck {
  scenario: string;
  before: Verdict;
  after: Verdict;
  turned: boolean;
  reason: string;
}

export interface Attempt {
  scope: FixScope;
  reverts: string;
  outcome: string;
}

export interface LadderResult {
  /** The verified draft, else the smallest one (unverified). */
  draft: FixDraft;
  verified: boolean;
  tried: Attempt[];
  /** The re-simulation the verification rests on (the verified draft's, else the last draft's target run). */
  results: LadderCheck[];
}

export interface LadderDeps {
  /** A scenario's verdict on head as it is (memoized by the caller's cache, if any). */
  before(id: string): Promise<ScenarioVerdict>;
  /** A scenario's verdict on head with a draft applied. */
  after(id: string, draft: FixDraft): Promise<ScenarioVerdict>;
}

const RANK = VERDICT_RANK;

const brief = (reason: string) => (reason.length > 160 ? `${reason.slice(0, 160)}…` : reason);

export async function climb(drafts: FixDraft[], target: string, others: string[], deps: LadderDeps): Promise<LadderResult> {
  if (!drafts.length) throw new Error("the fix ladder needs at least one draft");
  const tried: Attempt[] = [];
  const before = await deps.before(target);
  let last: LadderCheck[] = [];
  const befores = new Map<string, Promise<ScenarioVerdict>>();
  for (const draft of drafts) {
    const after = await deps.after(target, draft);
    const mine: LadderCheck = { scenario: target, before: before.verdict, after: after.verdict, turned: before.verdict !== after.verdict, reason: after.reason };
    last = [mine];
    if (after.verdict !== "pass") {
      tried.push({ scope: draft.scope, reverts: draft.reverts, outcome: `${target} is still ${after.verdict}: ${brief(after.reason)}` });
      continue;
    }
    const rest = await Promise.all(
      others
        .filter((id) => id !== target)
        .map(async (id): Promise<LadderCheck> => {
          const b = befores.get(id) ?? deps.before(id);
          befores.set(id, b);
          const [bv, av] = await Promise.all([b, deps.after(id, draft)]);
          return { scenario: id, before: bv.verdict, after: av.verdict, turned: bv.verdict !== av.verdict, reason: av.reason };
        }),
    );
    last = [mine, ...rest];
    const worse = rest.filter((r) => RANK[r.after] > RANK[r.before]);
    if (worse.length) {
      tried.push({ scope: draft.scope, reverts: draft.reverts, outcome: `${target} passes, but ${worse.map((w) => `${w.scenario} goes ${w.before} → ${w.after}`).join(", ")}` });
      continue;
    }
    tried.push({ scope: draft.scope, reverts: draft.reverts, outcome: `verified: ${target} passes${rest.length ? ` and none of ${rest.length} other scenario(s) gets worse` : ""}` });
    return { draft, verified: true, tried, results: last };
  }
  return { draft: drafts[0] as FixDraft, verified: false, tried, results: last };
}

/** Why no draft verified, in one line: each rung and what it did. */
export function ladderReason(tried: Attempt[], skipped: Array<{ scope: FixScope; why: string }>): string {
  const parts = [...tried.map((t) => `${t.scope} revert (${t.reverts}): ${t.outcome}`), ...skipped.map((s) => `${s.scope}: ${s.why}`)];
  return `no revert verified: ${parts.join("; ")}`;
}
