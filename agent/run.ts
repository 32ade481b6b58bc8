import { resolveRevision, WORKTREE, defaultBase } from "../core/git.js";
import { UserError } from "../core/errors.js";
import type { Report, ScenarioVerdict } from "../core/verdict.js";
import type { ToolHub } from "./hub.js";
import { localHub } from "./serve.js";
import { embeddedPlan } from "./planner/embedded.js";
import { llmSettings } from "./planner/model.js";

/**
 * One agent run: start the servers, let the planner work over their tools, stop the servers. `check` adds
 * the gate's judgement of a report (DESIGN.md exit codes) and the pre-push hook's refs.
 */
export interface RunRequest {
  repo: string;
  base: string;
  head: string;
  scenario?: string | undefined;
  planner: "embedded" | "llm";
  progress?: (line: string) => void;
  /** LLM planner limits (defaults: 30 turns, 400,000 tokens). */
  maxTurns?: number | undefined;
  maxTokens?: number | undefined;
}

/** A report; with `tools`, over servers already started (the demo ingests first), else over fresh ones. */
export async function produceReport(req: RunRequest, tools?: ToolHub): Promise<Report> {
  const settings = req.planner === "llm" ? llmSettings(req.repo, req, { maxTurns: 30, maxTokens: 400_000 }) : undefined;
  const [b, h] = await Promise.all([resolveRevision(req.repo, req.base), resolveRevision(req.repo, req.head)]);
  const base = b.commit ?? req.base;
  const head = h.commit ?? WORKTREE;
  const own = tools ? undefined : await localHub(req.repo);
  const hub = (tools ?? own) as ToolHub;
  try {
    const plan = { base, head, scenario: req.scenario, ...(req.progress ? { progress: req.progress } : {}) };
    let report: Report;
    if (settings) {
      const { llmPlan } = await import("./planner/llm.js");
      report = await llmPlan(hub, plan, settings);
    } else report = await embeddedPlan(hub, plan);
    return { ...report, base: `${req.base} (${base.slice(0, 12)})`, head: head === WORKTREE ? WORKTREE : `${req.head} (${head.slice(0, 12)})` };
  } finally {
    await own?.close();
  }
}

/** A verdict that fails at head where base passed: what `check` exits 1 for by default. */
export function newlyFailing(v: ScenarioVerdict): boolean {
  if (v.verdict !== "fail") return false;
  const ex = (v.expectations ?? []) as Array<{ base?: string; head?: string }>;
  return ex.some((e) => e.base === "pass" && (e.head === "fail" || e.head === "threw")) || /and not on base/.test(v.reason);
}

/**
 * Why a run cannot complete when the simulated code itself is to blame: it outran a limit, reached for the
 * host, or does not compile. Anything else (the pool closing, a run without a report, a step naming an export
 * head no longer has) is Worldline's own trouble or the scenario's, and blocks only with `--fail-on error`.
 */
const HEAD_CODE_ERRORS: readonly RegExp[] = [
  /CPU time limit of \d+ ms reached/,
  /memory limit of \d+ MiB reached/,
  /the simulation process died/,
  /recursion without end/,
  /the simulated code reached for the host/,
  /the simulated code threw outside its steps/,
  /the simulated code broke the run/,
  /too many to record faithfully/,
  /loading modules took more than/,
  /record is larger than/,
  // A repo file that does not compile (the transpiler's diagnostic); top-level await is Worldline's limit, not a fault.
  /^[\w@.\/-]+:\d+: (?!top-level await)/,
];

/**
 * A verdict that ends `error` on head because of head's code, where base ran through: what `check` also exits
 * 1 for by default (head code can turn its own `fail` into `error`: a busy loop into the CPU limit, a reach
 * for the host). The differential verdict says which side could not run; base expectations, when the verdict
 * carries them, must have passed.
 */
export function newlyErroring(v: ScenarioVerdict): boolean {
  if (v.verdict !== "error" || v.depth !== "differential") return false;
  const m = /^the simulation could not run on head: (.*)$/s.exec(v.reason);
  if (!m?.[1] || !HEAD_CODE_ERRORS.some((re) => re.test(m[1] as string))) return false;
  // Base must have passed: no expectation failed, threw or went unrun there (code that exists only on head).
  const ex = (v.expectations ?? []) as Array<{ base?: string }>;
  return ex.every((e) => e.base === "pass" || e.base === "unchecked");
}

export const FAIL_ON = ["at-risk", "error"] as const;

/** The verdicts that block a change: new failures and head's own errors, and the kinds `--fail-on` adds. */
export function gate(report: Report, failOn: ReadonlyArray<(typeof FAIL_ON)[number]>): { failed: ScenarioVerdict[] } {
  return { failed: report.verdicts.filter((v) => newlyFailing(v) || newlyErroring(v) || failOn.some((k) => k === v.verdict)) };
}

/** The pushes a pre-push hook is told about: `<local ref> <local sha> <remote ref> <remote sha>` per line. */
export async function prePushRanges(repo: string, stdin: string): Promise<Array<{ base: string; head: string; ref: string }>> {
  const zero = /^0+$/;
  const out: Array<{ base: string; head: string; ref: string }> = [];
  for (const line of stdin.split("\n").map((l) => l.trim()).filter(Boolean)) {
    const [localRef, localSha, remoteRef, remoteSha] = line.split(/\s+/);
    const sha = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
    if (!localRef || !remoteRef || !sha.test(localSha ?? "") || !sha.test(remoteSha ?? "")) throw new UserError(`pre-push input "${line}": expected "<local ref> <local sha> <remote ref> <remote sha>" as git passes it`);
    if (!localSha || !remoteSha || zero.test(localSha)) continue; // a branch deletion pushes no code
    // A new branch, or a remote tip this clone has not fetched: compare with where the branch forked.
    const known = !zero.test(remoteSha) && (await resolveRevision(repo, remoteSha).then(() => true, () => false));
    const base = known ? remoteSha : (await defaultBase(repo)).commit ?? "HEAD";
    out.push({ base, head: localSha, ref: remoteRef });
  }
  return out;
}
