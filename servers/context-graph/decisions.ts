import { createHash } from "node:crypto";
import { z } from "zod";
import { Authority, NodeId } from "./model.js";
import type { ContextGraphStore } from "./store.js";

/**
 * Decision traces: what was asked, what was concluded, from which evidence, by whom, and why. Simulations,
 * triage and fixes record one each; the next question finds them as evidence.
 */
export const DecisionTrace = z.object({
  question: z.string().min(1).describe("What was asked, e.g. 'does merging pr/42 break eu-proration?'"),
  conclusion: z.string().min(1).describe("What was concluded"),
  evidence: z.array(NodeId).min(1).describe("Node ids the conclusion rests on: symbols, commits, tickets, scenarios, simulations"),
  reasoning: z.string().default("").describe("Why the evidence leads to the conclusion"),
  author: z.string().min(1).describe("Who concluded it: a planner (embedded-planner@1), a model id, or a person"),
  authority: Authority.default("deterministic").describe("human, deterministic (a planner) or llm"),
  at: z.iso.datetime({ offset: true }).optional().describe("Event time of the decision (default: now)"),
});
export type DecisionTrace = z.input<typeof DecisionTrace>;

export const DECISION_METHOD = "decision-trace@1";
/** A decision trace's id starts so (an ADR's is `decision:<path>`). */
export const DECISION_TRACE_PREFIX = "decision:trace-";

export async function recordDecision(store: ContextGraphStore, input: DecisionTrace): Promise<{ id: string; evidence: number; created: boolean }> {
  const t = DecisionTrace.parse(input);
  const evidence = [...new Set(t.evidence)].sort();
  // Same question, conclusion, evidence and author: the same decision, recorded once.
  const id = `${DECISION_TRACE_PREFIX}${createHash("sha1").update(JSON.stringify([t.question, t.conclusion, evidence, t.author])).digest("hex").slice(0, 16)}`;
  if (await store.getNode(id)) return { id, evidence: evidence.length, created: false };
  const at = t.at ?? new Date().toISOString();
  await store.ingest({
    episode: { source: "decision", ref: id, text: JSON.stringify({ ...t, evidence }), occurredAt: at },
    nodes: [
      {
        id,
        title: t.question.length > 120 ? `${t.question.slice(0, 119)}…` : t.question,
        text: [t.question, t.conclusion, t.reasoning].filter(Boolean).join("\n\n"),
        props: { kind: "trace", question: t.question, conclusion: t.conclusion, reasoning: t.reasoning, author: t.author },
        occurredAt: at,
      },
    ],
    edges: evidence.map((e) => ({
      src: id,
      rel: "motivated-by",
      dst: e,
      validFrom: at,
      provenance: { method: DECISION_METHOD, authority: t.authority, confidence: 1, episodes: [] },
    })),
  });
  return { id, evidence: evidence.length, created: true };
}
