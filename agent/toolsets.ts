import { UserError } from "../core/errors.js";
import type { ToolOffer } from "../core/mcp.js";

/**
 * The toolsets `worldline serve all --tools LIST` offers. A client pays for every tool it is shown (the whole
 * `tools/list` sits in a model's context before the first question), so `serve all` offers by default the tools the
 * common questions need: what breaks, why a line is so, a ticket's code. The other toolsets are whole servers.
 */

/** The part that answers "what breaks if I merge this" in one call (agent/what-breaks/). */
export const WORLDLINE_PART = "worldline";

/** A toolset named after the server whose tools it offers. */
const BY_SERVER = {
  simulate: "scenarios",
  history: "git-history",
  code: "code-graph",
  tickets: "tickets",
  context: "context-graph",
} as const;

/** The default toolset: `what_breaks` and the reads its answers lead to. */
export const DEFAULT_TOOLS: readonly string[] = [
  "what_breaks",
  // simulate: the scenarios, a fix tried (one scenario again is what_breaks with `scenario`)
  "list_scenarios",
  "search_scenarios",
  "check_fix",
  // history: why a line is so
  "why_code",
  "blame_line",
  "change_history",
  // code: what a symbol is and who calls it
  "search_symbols",
  "get_symbol",
  "find_callers",
  // tickets: the reports behind the code
  "search_tickets",
  "get_ticket",
  "ticket_code_links",
];

export const TOOLSETS = ["default", ...Object.keys(BY_SERVER), "all"] as const;
export type Toolset = (typeof TOOLSETS)[number];

/** `--tools simulate,history` (absent: the default toolset), as the set of toolsets, each checked. */
export function parseToolsets(value: string | undefined): Set<Toolset> {
  if (value === undefined) return new Set(["default"]);
  const names = value.split(",").map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UserError(`--tools "${value}": expected toolsets separated by commas, from ${TOOLSETS.join(", ")}`);
  const out = new Set<Toolset>();
  for (const n of names) {
    const known = TOOLSETS.find((t) => t === n);
    if (!known) throw new UserError(`--tools: unknown toolset "${n}": expected ${TOOLSETS.join(", ")} (comma-separated)`);
    out.add(known);
  }
  return out;
}

/** Whether a tool of a part is offered by these toolsets. `what_breaks` is in every one but a server's own. */
export function toolOffer(sets: ReadonlySet<Toolset>): ToolOffer {
  if (sets.has("all")) return () => true;
  const servers = new Set<string>([...sets].flatMap((s) => (s in BY_SERVER ? [BY_SERVER[s as keyof typeof BY_SERVER]] : [])));
  return (tool, part) => (sets.has("default") && DEFAULT_TOOLS.includes(tool)) || servers.has(part) || part === WORLDLINE_PART;
}
