import { randomBytes } from "node:crypto";
import { z } from "zod";
import { UserError } from "../../core/errors.js";
import { MAX_ANSWER_BYTES } from "../../core/paging.js";
import { ScenarioVerdict, VERDICTS, type Report } from "../../core/verdict.js";

/**
 * `what_breaks`'s answer: one report, cut into pages that fit a tool answer (20 KB of JSON). The failing and at-risk
 * verdicts come first and whole (root cause, effects, blast radius, the fix and whether it verified), the rest as one
 * row each; a page that cannot hold everything ends with a cursor to the rest of the same report, which the server
 * keeps, so the next page is read, not simulated again.
 */

/** A verdict that passed, was unaffected or could not run: one row with why. */
export const VerdictRow = z.object({
  scenario: z.string(),
  verdict: z.enum(VERDICTS),
  depth: z.string(),
  reason: z.string(),
});
export type VerdictRow = z.infer<typeof VerdictRow>;

export const WhatBreaksAnswer = z.object({
  base: z.string().describe("Base revision as given, with its commit"),
  head: z.string().describe("Head revision as given, with its commit (WORKTREE: the working tree)"),
  summary: z.string(),
  counts: z.partialRecord(z.enum(VERDICTS), z.number().int()).describe("Verdicts by kind, over the whole report"),
  gate: z
    .object({
      blocks: z.boolean().describe("Whether `worldline check` with the same --fail-on would exit 1"),
      blocking: z.array(z.string()).describe("The scenarios that block"),
    })
    .describe("The gate's judgement of the whole report"),
  selected: z.number().int().describe("How many scenarios the change selected"),
  verdicts: z.array(ScenarioVerdict).describe("Failing and at-risk verdicts, whole (this page's share)"),
  rows: z.array(VerdictRow).describe("The other verdicts, one row each (this page's share)"),
  shortened: z.array(z.string()).optional().describe("Verdicts whose trace steps or long values were cut to fit a page: worldline simulate --format json has them whole"),
  nextCursor: z.string().optional().describe("Pass it back as cursor for the rest of this report"),
});
export type WhatBreaksAnswer = z.infer<typeof WhatBreaksAnswer>;

type Entry = { kind: "verdict"; verdict: ScenarioVerdict; shortened: boolean } | { kind: "row"; row: VerdictRow };

/** A report made ready for paging, with the gate's judgement. */
export interface HeldReport {
  id: string;
  header: Omit<WhatBreaksAnswer, "verdicts" | "rows" | "shortened" | "nextCursor">;
  entries: Entry[];
}

const WHOLE = new Set(["fail", "at-risk"]);
/** A value of the trace longer than this, in a verdict that does not fit whole, is cut to it. */
const LONG_VALUE = 1_000;

/** Cuts long strings deep in a value, keeping its shape. */
function shortenValues(v: unknown, depth = 0): unknown {
  if (typeof v === "string") return v.length > LONG_VALUE ? `${v.slice(0, LONG_VALUE)}… (${v.length} characters)` : v;
  if (depth > 12 || v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.length > 50 ? [...v.slice(0, 50).map((x) => shortenValues(x, depth + 1)), `… ${v.length - 50} more`] : v.map((x) => shortenValues(x, depth + 1));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shortenValues(x, depth + 1)]));
}

/** A verdict that fits `budget` bytes of JSON: whole if it can, else without its trace steps, then with long values cut. */
function fitted(v: ScenarioVerdict, budget: number): { verdict: ScenarioVerdict; shortened: boolean } {
  if (JSON.stringify(v).length <= budget) return { verdict: v, shortened: false };
  const { steps: _steps, ...rest } = v;
  if (JSON.stringify(rest).length <= budget) return { verdict: rest, shortened: true };
  return { verdict: ScenarioVerdict.parse(shortenValues(rest)), shortened: true };
}

const PAGE_BUDGET = MAX_ANSWER_BYTES - 1_500;

export function holdReport(report: Report, blocking: readonly string[]): HeldReport {
  const counts: Partial<Record<(typeof VERDICTS)[number], number>> = {};
  for (const v of report.verdicts) counts[v.verdict] = (counts[v.verdict] ?? 0) + 1;
  const header = {
    base: report.base,
    head: report.head,
    summary: report.summary,
    counts,
    gate: { blocks: blocking.length > 0, blocking: [...blocking] },
    selected: report.selected.length,
  };
  const room = PAGE_BUDGET - JSON.stringify(header).length - 200;
  const order = (v: ScenarioVerdict) => (v.verdict === "fail" ? 0 : v.verdict === "at-risk" ? 1 : v.verdict === "error" ? 2 : 3);
  const sorted = [...report.verdicts].sort((a, b) => order(a) - order(b));
  const entries: Entry[] = sorted.map((v) =>
    WHOLE.has(v.verdict) ? { kind: "verdict", ...fitted(v, room) } : { kind: "row", row: { scenario: v.scenario, verdict: v.verdict, depth: v.depth, reason: v.reason.length > 600 ? `${v.reason.slice(0, 600)}…` : v.reason } },
  );
  return { id: randomBytes(9).toString("base64url"), header, entries };
}

/** One page of a held report, from entry `offset`: at least one entry, then as many as fit. */
export function reportPage(held: HeldReport, offset: number): WhatBreaksAnswer {
  let bytes = JSON.stringify(held.header).length + 200;
  const verdicts: ScenarioVerdict[] = [];
  const rows: VerdictRow[] = [];
  const shortened: string[] = [];
  let i = offset;
  for (; i < held.entries.length; i++) {
    const e = held.entries[i] as Entry;
    const size = JSON.stringify(e.kind === "verdict" ? e.verdict : e.row).length + 1;
    if (i > offset && bytes + size > PAGE_BUDGET) break;
    bytes += size;
    if (e.kind === "verdict") {
      verdicts.push(e.verdict);
      if (e.shortened) shortened.push(e.verdict.scenario);
    } else rows.push(e.row);
  }
  return {
    ...held.header,
    verdicts,
    rows,
    ...(shortened.length ? { shortened } : {}),
    ...(i < held.entries.length ? { nextCursor: encodeReportCursor(held.id, i) } : {}),
  };
}

function encodeReportCursor(id: string, offset: number): string {
  return Buffer.from(`r:${id}:${offset}`, "utf8").toString("base64url");
}

/** The report and offset a cursor names; one this server never gave is refused. */
export function decodeReportCursor(cursor: string): { id: string; offset: number } {
  const m = /^r:([A-Za-z0-9_-]+):(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!m) throw new UserError(`cursor "${cursor}" is not one of what_breaks's: pass the nextCursor of a previous what_breaks answer unchanged`);
  return { id: m[1] as string, offset: Number(m[2]) };
}

/** The last few reports a server answered, for their next pages. */
export class HeldReports {
  private readonly held = new Map<string, HeldReport>();

  constructor(private readonly keep = 8) {}

  add(r: HeldReport): void {
    this.held.set(r.id, r);
    while (this.held.size > this.keep) this.held.delete(this.held.keys().next().value as string);
  }

  page(cursor: string): WhatBreaksAnswer {
    const { id, offset } = decodeReportCursor(cursor);
    const r = this.held.get(id);
    if (!r) throw new UserError(`cursor "${cursor}" names a report this server no longer holds (it keeps the last ${this.keep}, and none across restarts): call what_breaks again without cursor`);
    if (offset >= r.entries.length) throw new UserError(`cursor "${cursor}" points past the end of its report: pass the nextCursor of a previous answer unchanged`);
    return reportPage(r, offset);
  }
}
