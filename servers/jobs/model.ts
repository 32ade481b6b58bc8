import { z } from "zod";
import { ScenarioVerdict } from "../../core/verdict.js";

/**
 * A simulation job as it travels through the team's queue: which repository (by the URL every clone and
 * worker knows it by), which scenario, and the two revisions. A working-tree head travels as a patch
 * against the commit it was made on, since a worker has only what the repository's remote has.
 */
export const SimulationJob = z.object({
  repoUrl: z.string().min(1),
  scenario: z.string().min(1),
  base: z.string().regex(/^[0-9a-f]{40}$/, "base is a full commit id"),
  head: z.union([z.string().regex(/^[0-9a-f]{40}$/, "head is a full commit id"), z.literal("WORKTREE")]),
  /** For a WORKTREE head: the commit the working tree is on, and the binary diff from it (untracked files included). */
  headCommit: z.string().regex(/^[0-9a-f]{40}$/).optional(),
  patch: z.string().optional(),
  depth: z.enum(["static", "differential"]).optional(),
  /**
   * A proposed scenario that is in no file (triage's drafted reproduction, the LLM planner's spec), as the
   * Markdown of the scenario format: the worker parses it with the same rules a file goes through.
   */
  proposed: z.string().max(200_000).optional(),
});
export type SimulationJob = z.infer<typeof SimulationJob>;

/** What a worker stores as the job's output: the verdict, the simulation node it recorded, and who ran it. */
export const SimulationResult = z.object({
  verdict: ScenarioVerdict,
  simulation: z.string(),
  worker: z.string(),
  /** For a proposed scenario: whether every expectation held on base, and base's run. */
  tried: z.object({ passesOnBase: z.boolean(), base: z.object({ status: z.string(), failing: z.array(z.string()) }) }).optional(),
});
export type SimulationResult = z.infer<typeof SimulationResult>;
