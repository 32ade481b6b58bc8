import { z } from "zod";

/**
 * The vocabulary of ticket triage (DESIGN.md: "every simulation, triage and fix writes a decision trace").
 * `worldline triage --format json` prints exactly a `TriageReport`; each ticket's part is a `TicketTriage`.
 */
export const CONFIDENCES = ["high", "medium", "low"] as const;
export const SEVERITIES = ["critical", "high", "medium", "low"] as const;
/** The method of suspects by the report's words (servers/tickets/locate-at.ts): the weakest evidence of a triage. */
export const REPORT_WORDS_METHOD = "blame-report-words@1";

export const Duplicate = z.object({
  key: z.string(),
  title: z.string(),
  status: z.string(),
  score: z.number(),
  likely: z.boolean().describe("True past the calibrated threshold (servers/tickets/similarity.ts): the same throw site, stack or internal code, or nearly the same telling words"),
  evidence: z.array(z.string()).describe("Shared code references and shared terms"),
  parts: z
    .array(z.object({ part: z.string(), score: z.number() }))
    .optional()
    .describe("The score's parts (throw-site, top-frame, frames, internal-code, coverage, text), each 0..1: why it scored"),
});

export const Suspect = z.object({
  commit: z.string(),
  method: z.string(),
  confidence: z.number(),
  via: z.string(),
  evidence: z.array(z.string()),
  summary: z.string().optional().describe("The commit's subject line"),
});

export const Reproduction = z.object({
  rev: z.string().describe("The commit the drafted scenario ran at"),
  status: z.enum(["reproduces", "does-not-reproduce", "error", "not-executable"]),
  failing: z.array(z.string()).describe("What should hold and did not: the reported behaviour"),
  observed: z.string().optional().describe("What the first step returned there, as JSON"),
  reason: z.string().optional(),
  throwSite: z.string().optional().describe("Where the reproduction threw, path:line"),
  thrown: z.string().optional().describe("What it threw, name: message"),
  ranked: z.array(z.object({ location: z.string(), score: z.number() })).optional().describe("Where the fault can live, best first (at most 10): statements the failing run executed, weighed against shrunk inputs that pass"),
  variations: z.object({ tried: z.number().int(), failing: z.number().int(), passing: z.number().int(), errors: z.number().int() }).optional(),
});

export const WhereFile = z.object({
  path: z.string(),
  score: z.number().describe("The evidence's weights added up (agent/triage/files.ts); the report's words give the best-matching file 1"),
  why: z.array(z.string()).describe("What points here: stack frames, the message's throw site, the reproduction, names, the report's words"),
});

/** The LLM planner's part of a triage: its judgement over the embedded evidence, and what the tools did not bear out. */
export const Assessment = z.object({
  model: z.string(),
  summary: z.string().nullable().describe("The model's triage for the engineer; null when it recorded none"),
  episode: z.string().nullable().describe("The stored transcript, cited by the decision trace"),
  turns: z.number().int(),
  tokens: z.number().int(),
  rejected: z.array(z.string()).describe("Claims the tools did not bear out, dropped from the triage"),
  note: z.string().optional().describe("Why the embedded planner's triage stands: the model stopped early, recorded nothing, or the round's token budget was spent"),
});

export const TicketTriage = z.object({
  key: z.string(),
  title: z.string(),
  source: z.string(),
  revision: z.string().describe("Revision of what people wrote in the ticket; triage happens once per revision and commit"),
  planner: z.string(),
  confidence: z.enum(CONFIDENCES),
  confidenceReason: z.string(),
  duplicates: z.array(Duplicate),
  codeRefs: z.array(z.object({ kind: z.string(), text: z.string(), target: z.string().nullable() })).describe("Code the ticket names, resolved where it exists"),
  symbols: z.array(z.string()).describe("Symbols the references resolve to"),
  files: z.array(WhereFile).describe("Where the fault can live, best first: every piece of evidence adds to a file's score"),
  suspects: z.array(Suspect).describe("Commits suspected of causing it, most likely first"),
  component: z.string().nullable(),
  owner: z.object({ name: z.string(), share: z.number(), basis: z.string() }).nullable(),
  relatedScenarios: z.array(z.object({ id: z.string(), title: z.string(), why: z.string() })),
  draft: z.object({ id: z.string(), executable: z.boolean(), missing: z.array(z.string()), text: z.string() }).nullable(),
  reproduction: Reproduction.nullable(),
  severity: z.object({ level: z.enum(SEVERITIES), hints: z.array(z.string()) }),
  assessment: Assessment.optional().describe("With --planner llm: what the model judged, or why it was not asked"),
  decision: z.string().describe("The decision trace recorded for this triage"),
  comment: z.object({ posted: z.boolean(), url: z.string().optional(), note: z.string().optional() }).optional(),
});
export type TicketTriage = z.infer<typeof TicketTriage>;

export const SourceRound = z.object({
  source: z.string().describe("The configured source, e.g. folder:tickets or github:acme/billing"),
  imported: z.object({ added: z.number().int(), updated: z.number().int(), unchanged: z.number().int() }).optional(),
  candidates: z.number().int().describe("Tickets changed since the source's high-water mark (or asked for)"),
  triaged: z.number().int(),
  skipped: z.number().int().describe("Already triaged at this revision and commit"),
  highWater: z.string().nullable().describe("The mark after this round"),
  error: z.string().optional().describe("Why the source failed this round; it is retried next round from the same mark"),
});

export const TriageReport = z.object({
  at: z.string().describe("The commit tickets were triaged against"),
  ranAt: z.string(),
  planner: z.string(),
  sources: z.array(SourceRound),
  tickets: z.array(TicketTriage),
  summary: z.string(),
});
export type TriageReport = z.infer<typeof TriageReport>;
export type SourceRound = z.infer<typeof SourceRound>;
export type Duplicate = z.infer<typeof Duplicate>;
export type Suspect = z.infer<typeof Suspect>;
export type Assessment = z.infer<typeof Assessment>;
export type Reproduction = z.infer<typeof Reproduction>;
export type WhereFile = z.infer<typeof WhereFile>;
