import { z } from "zod";
import type { ContextGraphStore } from "./store.js";

/**
 * An episode recorded as it happened: the raw record facts can point back to, such as an LLM planner's
 * transcript. Stored redacted (the store redacts every episode body: JSON structurally, and for records like
 * this one, also random-looking values nothing names), once per identical text.
 */
export const EpisodeRecord = z.object({
  source: z.string().min(1).describe("Who produced it, e.g. agent:llm-planner"),
  ref: z.string().min(1).describe("What it is about, e.g. the change base..head"),
  text: z.string().min(1).describe("The record itself, e.g. the transcript as JSON"),
  at: z.iso.datetime({ offset: true }).optional().describe("When it happened (default: now)"),
});
export type EpisodeRecord = z.input<typeof EpisodeRecord>;

export async function recordEpisode(store: ContextGraphStore, input: EpisodeRecord): Promise<{ id: string }> {
  const e = EpisodeRecord.parse(input);
  const r = await store.ingest({ episode: { source: e.source, ref: e.ref, text: e.text, occurredAt: e.at ?? new Date().toISOString() } });
  if (!r.episode) throw new Error("the store recorded no episode");
  return { id: r.episode };
}
