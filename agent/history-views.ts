import { UserError } from "../core/errors.js";
import type { SuspectCommit } from "../servers/git-history/suspects.js";
import type { Coupling, Hotspot, LeftOut, Ownership } from "../servers/git-history/views.js";
import type { ToolContract } from "../core/contract.js";
import { changeCoupling, fileOwnership, findHotspots, suspectCommits } from "../servers/git-history/contracts.js";
import type { Tools } from "./hub.js";

/**
 * `worldline hotspots | coupling | ownership | suspect-commits`: the git-history tools of the same names,
 * called through the hub like every other command, answered as a table or as the tool's JSON.
 */
export type HistoryView = "hotspots" | "coupling" | "ownership" | "suspect-commits";
type Values = Record<string, string | boolean | string[] | undefined>;

interface ViewAnswer<T> {
  rev: string;
  commit: string;
  leftOut: LeftOut;
  items: T[];
  nextCursor?: string;
}

// The rows are the library's own types: the tools answer them as they are (type imports: nothing loads).
type HotspotRow = Hotspot;
type CouplingRow = Coupling;
type OwnershipRow = Ownership;
type SuspectRow = SuspectCommit;

/** The CLI flag of each tool input, so the same thing has the same name (kebab case of the input). */
const FLAGS = {
  common: { rev: "rev", since: "since", "include-deleted": "includeDeleted", "include-lockfiles": "includeLockfiles", "include-generated": "includeGenerated" },
  coupling: { "min-revisions": "minRevisions", "min-shared": "minShared", "max-changeset-size": "maxChangesetSize" },
} as const;

function text(v: Values[string]): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** A number flag: a whole number of at least `min` (a percent may have decimals), else a line naming it. */
function numberFlag(values: Values, flag: string, opts: { min: number; max?: number; integer: boolean }): number | undefined {
  const v = text(values[flag]);
  if (v === undefined) return undefined;
  const n = Number(v);
  const ok = v.trim() !== "" && Number.isFinite(n) && (!opts.integer || Number.isInteger(n)) && n >= opts.min && (opts.max === undefined || n <= opts.max);
  const range = opts.max === undefined ? `of at least ${opts.min}` : `from ${opts.min} to ${opts.max}`;
  if (!ok) throw new UserError(`--${flag} ${JSON.stringify(v)}: expected ${opts.integer ? "a whole number" : "a number"} ${range}`);
  return n;
}

/** The tool's input from the command's flags. */
export function viewArgs(view: HistoryView, values: Values): Record<string, unknown> {
  if (view === "suspect-commits") return suspectArgs(values);
  const args: Record<string, unknown> = {};
  for (const [flag, input] of Object.entries(FLAGS.common)) {
    const v = values[flag];
    if (typeof v === "string" || v === true) args[input] = v;
  }
  const limit = numberFlag(values, "limit", { min: 1, max: 500, integer: true });
  if (limit !== undefined) args.limit = limit;
  if (view === "coupling") {
    for (const [flag, input] of Object.entries(FLAGS.coupling)) {
      const n = numberFlag(values, flag, { min: flag === "max-changeset-size" ? 2 : 1, integer: true });
      if (n !== undefined) args[input] = n;
    }
    const degree = numberFlag(values, "min-degree", { min: 0, max: 100, integer: false });
    if (degree !== undefined) args.minDegree = degree;
  }
  if (view === "ownership" && text(values.path)) args.path = text(values.path);
  return args;
}

function suspectArgs(values: Values): Record<string, unknown> {
  const fix = text(values.fix);
  const locations = Array.isArray(values.location) ? values.location : [];
  if (!fix && locations.length === 0) throw new UserError("worldline suspect-commits needs --fix REV (a fix commit) or --location PATH:LINE (repeat for more frames)");
  const maxAgeDays = numberFlag(values, "max-age-days", { min: 1, integer: true });
  return { ...(fix ? { fix } : {}), ...(locations.length ? { locations } : {}), ...(maxAgeDays !== undefined ? { maxAgeDays } : {}) };
}

const TOOL: Record<HistoryView, ToolContract> = { hotspots: findHotspots, coupling: changeCoupling, ownership: fileOwnership, "suspect-commits": suspectCommits };

/** Calls the view's tool with the command's flags. */
export function callView(tools: Tools, view: HistoryView, values: Values): Promise<Record<string, unknown>> {
  // The flags are checked by the tool's strict input, which names a wrong one.
  return tools.call(TOOL[view], viewArgs(view, values));
}

/** Rows as aligned columns, one row a line; the last column is left ragged. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)];
}

/** What the view left out and the flag that brings each back, so a user knows the flags exist. */
export function leftOutLine(l: LeftOut, rev: string): string {
  const files = (n: number, what: string) => `${n} ${what.replace("file", n === 1 ? "file" : "files")}`;
  const parts = [
    l.deleted ? `${files(l.deleted, "file gone")} at ${rev} (--include-deleted)` : "",
    l.lockfiles ? `${files(l.lockfiles, "lockfile")} (--include-lockfiles)` : "",
    l.generated ? `${files(l.generated, "generated file")} (--include-generated)` : "",
  ].filter(Boolean);
  return parts.length ? `left out: ${parts.join(", ")}` : "left out: nothing";
}

function heading(what: string, a: ViewAnswer<unknown>): string {
  return `${what} at ${a.rev} (${a.commit.slice(0, 12)}): ${a.items.length} row(s)${a.nextCursor ? ", more with a higher --limit or --format json" : ""}`;
}

const pct = (n: number) => `${Math.round(n * 100)}%`;

function hotspotsText(a: ViewAnswer<HotspotRow>): string[] {
  return table(["score", "revisions", "lines", "path"], a.items.map((h) => [String(h.score), String(h.revisions), String(h.lines), h.path]));
}

function couplingText(a: ViewAnswer<CouplingRow>): string[] {
  return table(["degree", "shared", "revisions", "a", "b"], a.items.map((c) => [`${c.degree}%`, String(c.shared), `${c.revisionsA}/${c.revisionsB}`, c.a, c.b]));
}

function ownershipText(a: ViewAnswer<OwnershipRow>): string[] {
  return table(
    ["knowledge loss", "fragmentation", "authors", "age (months)", "main developer (added lines)", "by revisions", "path"],
    a.items.map((o) => [
      pct(o.knowledgeLoss),
      o.fragmentation.toFixed(2),
      String(o.authors),
      o.ageMonths.toFixed(1),
      `${o.mainDeveloper.byAddedLines} (${pct(o.mainDeveloper.addedShare)})`,
      `${o.mainDeveloper.byRevisions} (${pct(o.mainDeveloper.revisionShare)})`,
      o.path,
    ]),
  );
}

function suspectsText(items: readonly SuspectRow[]): string[] {
  if (items.length === 0) return ["no suspect commits: no line the fix changed, nor any location given, could be blamed on a commit"];
  return table(
    ["confidence", "commit", "date", "method", "author", "subject", "evidence"],
    items.map((s) => [
      s.confidence.toFixed(3),
      s.commit.slice(0, 12),
      s.time.slice(0, 10),
      s.method,
      s.author,
      s.subject.length > 60 ? `${s.subject.slice(0, 59)}…` : s.subject,
      `${s.evidence.slice(0, 3).join(", ")}${s.evidence.length > 3 ? ` +${s.evidence.length - 3} more` : ""}${s.note ? ` (${s.note})` : ""}`,
    ]),
  );
}

const EMPTY: Record<Exclude<HistoryView, "suspect-commits">, string> = {
  hotspots: "no hotspots: no file of the view changed in this window",
  coupling: "no coupled pairs pass the thresholds: lower --min-revisions, --min-shared or --min-degree to see weaker ones",
  ownership: "no ownership rows: no file of the view changed in this window",
};

/** The tool's answer as a terminal table, one row a line. */
export function renderView(view: HistoryView, answer: Record<string, unknown>, values: Values = {}): string {
  if (view === "suspect-commits") {
    const items = (answer as { items: SuspectRow[] }).items;
    const fix = typeof values.fix === "string" ? values.fix : undefined;
    const locations = Array.isArray(values.location) ? values.location.length : 0;
    const asked = [...(fix ? [`the fix ${fix}`] : []), ...(locations ? [`${locations} location(s)`] : [])].join(" and ");
    return [`Suspect commits of ${asked}: ${items.length} candidate(s)`, ...suspectsText(items)].join("\n");
  }
  const a = answer as unknown as ViewAnswer<never>;
  const rows =
    a.items.length === 0
      ? [EMPTY[view]]
      : view === "hotspots"
        ? hotspotsText(answer as unknown as ViewAnswer<HotspotRow>)
        : view === "coupling"
          ? couplingText(answer as unknown as ViewAnswer<CouplingRow>)
          : ownershipText(answer as unknown as ViewAnswer<OwnershipRow>);
  return [heading(view === "hotspots" ? "Hotspots" : view === "coupling" ? "Change coupling" : "Ownership", a), ...rows, leftOutLine(a.leftOut, a.rev)].join("\n");
}
