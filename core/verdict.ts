import { z } from "zod";

/**
 * The one vocabulary of simulation results (DESIGN.md, "Contracts"). Every part imports these schemas;
 * the JSON report is exactly `Report`.
 */
export const VERDICTS = ["pass", "fail", "at-risk", "unaffected", "error"] as const;
export const DEPTHS = ["static", "differential", "agent"] as const;

/** How bad a verdict is for a change: what "gets worse" and "the worse of two" compare. */
export const VERDICT_RANK: Record<(typeof VERDICTS)[number], number> = { pass: 0, unaffected: 0, "at-risk": 1, error: 2, fail: 3 };

/** One step of the path from a changed definition to the first divergent use (filled by the provenance trace). */
export const RootCauseVia = z.object({
  location: z.string().describe("path:line of this step"),
  symbol: z.string().optional().describe("Symbol id holding it, path#Name (path#<module> for module-level code)"),
  what: z.string().optional().describe("What the value went through here: the binding, property or definition it was read from"),
});
export type RootCauseVia = z.infer<typeof RootCauseVia>;

/**
 * The one root-cause shape every part builds and reads: where the first divergence inside the change is, and
 * the value on each side. A side that has no value (module-level code returns nothing, a truncated trace, a line
 * that exists on one side only) is absent, and `note` says why.
 */
export const RootCause = z.object({
  location: z.string().describe("path:line of the first diverging step that lies in the change"),
  symbol: z.string().describe("Symbol id holding that step, path#Name (path#<module> for module-level code)"),
  base: z.unknown().optional().describe("Value seen at that step on base; absent when base has none (see note)"),
  head: z.unknown().optional().describe("Value seen at that step on head; absent when head has none (see note)"),
  note: z.string().optional().describe("Why a side has no value: module-level code, a truncated trace, a line that is not on that side"),
  via: z.array(RootCauseVia).optional().describe("The path from the changed definition to the first divergent use"),
  service: z.string().optional().describe("The service holding the location (multi-service repos)"),
  side: z.literal("base").optional().describe("base when the location is a line only base has (head removed it); else the location is at head"),
});
export type RootCause = z.infer<typeof RootCause>;

/**
 * Builds a root cause with only the sides that have a value: `undefined` drops a side, and a missing side
 * without a note gets one, so no reader has to guess why a value is not there.
 */
export function rootCause(parts: { location: string; symbol: string; base?: unknown; head?: unknown; note?: string | undefined; via?: RootCauseVia[] | undefined; side?: "base" | undefined }): RootCause {
  const missing = [parts.base === undefined ? "base" : "", parts.head === undefined ? "head" : ""].filter(Boolean);
  const note = parts.note ?? (missing.length ? `no value recorded on ${missing.join(" or ")}` : undefined);
  return {
    location: parts.location,
    symbol: parts.symbol,
    ...(parts.base !== undefined ? { base: parts.base } : {}),
    ...(parts.head !== undefined ? { head: parts.head } : {}),
    ...(note ? { note } : {}),
    ...(parts.via?.length ? { via: parts.via } : {}),
    ...(parts.side ? { side: parts.side } : {}),
  };
}

/**
 * A root cause in words, the same in every report and reason: "path:line in symbol: base X, head Y", a side
 * with no value said so, and the note after it. `show` renders a value (each face bounds it its own way).
 */
export function rootCauseText(rc: RootCause, show: (v: unknown) => string): string {
  const side = (name: "base" | "head") => (rc[name] === undefined ? `${name} has no value` : `${name} ${show(rc[name])}`);
  return `${rc.location} in ${rc.symbol}${rc.service ? ` (service ${rc.service})` : ""}: ${side("base")}, ${side("head")}${rc.note ? ` (${rc.note})` : ""}`;
}

/** How much of the change a drafted revert puts back, smallest first (DESIGN.md, "How a fix is verified"). */
export const FIX_SCOPES = ["statement", "hunk", "function", "file"] as const;

export const Fix = z.object({
  patch: z.string().describe("Unified diff that applies to head"),
  verified: z.boolean().describe("True only when re-simulation with the patch turned the failures to pass and broke nothing else"),
  by: z.string().optional().describe("Who drafted it: the embedded planner's revert, or the LLM planner"),
  scope: z.enum(FIX_SCOPES).optional().describe("What the embedded planner's revert puts back: the statement, the hunk, the function or the file holding the root cause"),
  reason: z.string().optional().describe("Why it is not verified: what each revert tried did on re-simulation"),
  checked: z.array(z.object({ scenario: z.string(), before: z.enum(VERDICTS), after: z.enum(VERDICTS) })).optional().describe("The re-simulation the verification rests on"),
});

export type Fix = z.infer<typeof Fix>;

/** A request, response or message between two services of the repo, as base and head saw it (DESIGN.md: Across services). */
export const Crossing = z.object({
  kind: z.enum(["request", "response", "message"]),
  at: z.string().describe("path:line of the statement that sent it (a response: the one that ended it)"),
  symbol: z.string().optional().describe("The function holding that statement"),
  from: z.string().describe("The service that sent it (\"(scenario)\" for the scenario's own call)"),
  to: z.string().optional().describe("The service it went to (a message: absent, see topic)"),
  topic: z.string().optional(),
  consumers: z.array(z.string()).optional().describe("A message: the services that consume its topic"),
  what: z.string().describe("Method and URL, status, or topic: what crossed, in one line"),
  base: z.unknown().optional().describe("What crossed on base (absent: base did not send it)"),
  head: z.unknown().optional().describe("What crossed on head (absent: head did not send it)"),
  same: z.boolean().describe("Whether both sides sent the same thing"),
});
export type Crossing = z.infer<typeof Crossing>;

export const BlastRadius = z.object({
  customers: z.array(z.string()).describe("Customers the scenario names"),
  services: z.array(z.string()).optional().describe("The repo's services the scenario's run went through, in the order it reached them"),
  workflow: z.string().optional(),
  entryPoints: z.array(z.string()).describe("Entry points (routes, handlers, jobs) that reach the changed code"),
  tickets: z.array(z.string()).describe("Tickets and incidents linked to the code on its path, and its own sources"),
  scenarios: z.array(z.string()).describe("Other scenarios whose path shares the root cause"),
  owners: z.array(z.string()).describe("Main developers of the changed file and, across services, of the code in other services that called into it"),
  fragility: z
    .object({
      commits: z.number().int().describe("Commits that shaped the changed lines"),
      reverts: z.number().int(),
      incidents: z.array(z.string()),
      failingSimulations: z.number().int(),
    })
    .describe("The changed code's history of trouble"),
});
export type BlastRadius = z.infer<typeof BlastRadius>;

export const ScenarioVerdict = z.object({
  scenario: z.string().describe("Scenario id"),
  verdict: z.enum(VERDICTS),
  depth: z.enum(DEPTHS),
  reason: z.string().describe("One or two sentences: why this verdict"),
  steps: z.array(z.unknown()).optional().describe("The trace steps the verdict rests on"),
  rootCause: RootCause.optional(),
  crossings: z.array(Crossing).optional().describe("Requests, responses and messages between the repo's services, base and head side by side"),
  effectsDiff: z.unknown().optional().describe("Predicted effects that differ between base and head"),
  expectations: z.array(z.unknown()).optional().describe("Each expectation with its result on base and head"),
  missingStubs: z.array(z.string()).optional().describe("Boundaries no stub answered, so values stayed symbolic"),
  blastRadius: BlastRadius.optional().describe("Customers, workflows, routes, tickets and scenarios hit"),
  fix: Fix.optional(),
});
export type ScenarioVerdict = z.infer<typeof ScenarioVerdict>;

export const Report = z.object({
  base: z.string().describe("Base revision as given, with its commit"),
  head: z.string().describe("Head revision as given (WORKTREE for the working tree)"),
  planner: z.enum(["embedded", "llm"]).optional().describe("Which planner produced the report"),
  selected: z.array(z.object({ scenario: z.string(), reasons: z.array(z.string()) })),
  verdicts: z.array(ScenarioVerdict),
  counts: z.partialRecord(z.enum(VERDICTS), z.number().int()).optional().describe("Verdicts by kind"),
  summary: z.string(),
});
export type Report = z.infer<typeof Report>;
