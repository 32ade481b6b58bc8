import { z } from "zod";

/**
 * The shapes the HTML report reads from a verdict's open fields (`steps`, `expectations` are `unknown[]` in the
 * schema: whatever the engine or a planner wrote). Each item is parsed on its own; one that does not match is
 * left to the caller to show raw or skip, never a reason to fail the page.
 */

/** A trace event as the differential engine records it (servers/scenarios/sandbox/protocol.ts). */
export const TraceEvent = z.object({ kind: z.string(), at: z.string(), symbol: z.string().optional(), depth: z.number() });
/** A step of the static trace (servers/scenarios/static-trace.ts). */
export const StaticStep = z.object({ location: z.string(), symbol: z.string().optional(), depth: z.number() });
/** An expectation with its result on each side (servers/scenarios/compare.ts). */
export const Expectation = z.object({ step: z.number(), expect: z.string(), base: z.string(), head: z.string(), detail: z.string().optional(), symbolic: z.boolean().optional() });

/** The items of a list that match the schema. */
export function matching<T>(schema: z.ZodType<T>, items: unknown): T[] {
  return (Array.isArray(items) ? items : []).flatMap((i) => {
    const p = schema.safeParse(i);
    return p.success ? [p.data] : [];
  });
}
