import { z } from "zod";

/**
 * One normalized ticket, whatever tracker it came from. Incidents are tickets of kind incident, with a
 * severity and start and end times.
 */
const time = z.iso.datetime({ offset: true });
const dateLike = z.union([time, z.iso.date(), z.date()]).transform((v) => (v instanceof Date ? v.toISOString() : new Date(v).toISOString()));

export const Comment = z.object({
  author: z.string().default(""),
  at: dateLike.optional(),
  body: z.string(),
});

export const Ticket = z.object({
  key: z.string().regex(/^(?:[A-Z][A-Z0-9]+-\d+|#\d+|[\w.-]+\/[\w.-]+#\d+)$/, "a ticket key is like SUP-12, #12 or owner/repo#12"),
  source: z.string().default("folder").describe("folder, jira, jira-csv, github"),
  kind: z.enum(["bug", "incident", "task", "question", "feature"]).default("bug"),
  title: z.string().min(1),
  body: z.string().default(""),
  status: z.string().default("open"),
  priority: z.string().optional(),
  labels: z.array(z.string()).default([]),
  components: z.array(z.string()).default([]),
  reporter: z.string().optional(),
  assignee: z.string().optional(),
  created: dateLike,
  updated: dateLike.optional(),
  closed: dateLike.optional(),
  comments: z.array(Comment).default([]),
  customers: z.array(z.string()).default([]).describe("Customer or account names the ticket concerns"),
  links: z.array(z.string()).default([]).describe("Other tickets, incidents or URLs it names"),
  severity: z.string().optional().describe("For incidents: SEV1..SEV4 or the tracker's scale"),
  started: dateLike.optional().describe("For incidents: when it began"),
  ended: dateLike.optional().describe("For incidents: when it ended"),
});
export type TicketInput = z.input<typeof Ticket>;
export type Ticket = z.output<typeof Ticket>;

/** Code a ticket names, found in its text. */
/** test-message: an error message found only in test files (the source has no throw site for it). */
export type CodeRefKind = "frame" | "vendor-frame" | "file" | "symbol" | "message" | "test-message" | "config" | "commit" | "pull-request";

export interface CodeRef {
  kind: CodeRefKind;
  /** What the text says: a path:line, a file path, a name, a message, a key, a hash. */
  text: string;
  /** What it resolves to in the repo: a symbol id, a file path, a location, a commit sha; null when unresolved. */
  target: string | null;
  /** For frames: the position in the stack, 0 for the top. */
  order?: number;
  /** For frames: the source location (path:line) the frame ran, after mapping a built file back to its source. */
  location?: string;
  /**
   * For frames of built files (the repo's dist/ or its own package under node_modules): how the source was found.
   * source-map: the map's original line; layout: the build layout's source file with the built line kept (approximate).
   */
  mapping?: "source-map" | "layout";
}
