import { resolveRevision, WORKTREE, defaultBase } from "../core/git.js";
import { UserError } from "../core/errors.js";
import type { Report, ScenarioVerdict } from "../core/verdict.js";
import { launches, ToolHub } from "./hub.js";
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
  const own = tools ? undefined : new ToolHub(launches(req.repo));
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

export const FAIL_ON = ["at-risk", "error"] as const;

export function gate(report: Report, failOn: ReadonlyArray<(typeof FAIL_ON)[number]>): { failed: ScenarioVerdict[] } {
  return { failed: report.verdicts.filter((v) => newlyFailing(v) || failOn.some((k) => k === v.verdict)) };
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
