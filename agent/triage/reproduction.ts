import type { Reproduction, Suspect } from "../../core/triage.js";
import type { AnswerOf } from "../../core/contract.js";
import { symbolImpact } from "../../servers/code-graph/contracts.js";
import { suspectCommits } from "../../servers/git-history/contracts.js";
import type { draftScenario } from "../../servers/scenarios/contracts.js";
import type { Tools } from "../hub.js";
import { optional } from "../planner/evidence.js";

type Ran = NonNullable<AnswerOf<typeof draftScenario>["drafts"][number]["reproduction"]>;

/** A draft's run as the triage reports it: what the first step returned (shortened), where it threw, the best-ranked lines. */
export function reproductionOf(r: Ran): Reproduction {
  const observed = r.results?.[0] === undefined ? undefined : JSON.stringify(r.results[0]);
  return {
    rev: r.rev,
    status: r.status,
    failing: r.failing,
    ...(observed ? { observed: observed.length > 200 ? `${observed.slice(0, 199)}…` : observed } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.throwSite ? { throwSite: r.throwSite } : {}),
    ...(r.thrown ? { thrown: r.thrown } : {}),
    ...(r.ranked?.length ? { ranked: r.ranked.slice(0, 10).map((x) => ({ location: x.location, score: x.score })) } : {}),
    ...(r.variations ? { variations: r.variations } : {}),
  };
}

/**
 * The lines a reproduction points at, strongest first: where it threw, then the ranked statements, but only
 * when a shrunk input passed (with none, every executed line ties and the ranking says nothing).
 */
export function reproducedAt(r: Reproduction | null): string[] {
  if (!r || r.status !== "reproduces") return [];
  // The lines that share the best score, all of them: a tie says the run cannot tell them apart, so none is cut.
  const best = (r.ranked ?? [])[0]?.score ?? 0;
  const ranked = (r.variations?.passing ?? 0) > 0 && best > 0 ? (r.ranked ?? []).filter((x) => x.score >= best).map((x) => x.location) : [];
  return [...new Set([...(r.throwSite ? [r.throwSite] : []), ...ranked])].slice(0, 10);
}

/** The symbols holding those lines at the triage revision (a line outside any symbol names none). */
export async function symbolsAt(tools: Tools, locations: readonly string[], at: string): Promise<string[]> {
  const out: string[] = [];
  for (const location of locations) {
    const hit = await optional(tools.call(symbolImpact, { targets: [location], rev: at, maxDepth: 1, limit: 1 }));
    for (const s of hit?.targets ?? []) if (!out.includes(s)) out.push(s);
  }
  return out;
}

/** Commits that last changed those lines, as of the triage revision: who wrote the code the reproduction ran into. */
export async function reproductionSuspects(tools: Tools, locations: readonly string[], at: string): Promise<Suspect[]> {
  if (!locations.length) return [];
  const found = await optional(tools.call(suspectCommits, { locations: [...locations], rev: at }));
  return (found?.items ?? []).map((s) => ({ commit: s.commit, method: "blame-reproduction@1", confidence: s.confidence, via: `blame at ${at.slice(0, 12)} of the lines the reproduction ran into`, evidence: s.evidence }));
}
