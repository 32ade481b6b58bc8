import type { Commit } from "./log.js";
import { ticketRefs } from "./ticket-keys.js";

/**
 * Behavioural views of a history, with code-maat's definitions. They are computed on demand with their
 * parameters, never stored as facts.
 */
export interface Hotspot {
  path: string;
  revisions: number;
  lines: number;
  /** revisions x lines: where change meets size. */
  score: number;
}

export interface Coupling {
  a: string;
  b: string;
  shared: number;
  /** shared revisions / average revisions of the two, in percent. */
  degree: number;
  revisionsA: number;
  revisionsB: number;
}

export interface Ownership {
  path: string;
  mainDeveloper: { byAddedLines: string; addedShare: number; byRevisions: string; revisionShare: number };
  /** 1 - sum of squared revision shares: 0 for one author, towards 1 for many. */
  fragmentation: number;
  authors: number;
  /** Months since the file last changed (code age). */
  ageMonths: number;
  lastChanged: string;
  /** Share of added lines by authors the config names as gone. */
  knowledgeLoss: number;
}

export interface CouplingOptions {
  minRevisions: number;
  minShared: number;
  minDegree: number;
  maxChangesetSize: number;
}

export const CODE_MAAT_DEFAULTS: CouplingOptions = { minRevisions: 5, minShared: 5, minDegree: 30, maxChangesetSize: 30 };

/**
 * What a view leaves out by default, so that it shows the code of today: files gone at the revision asked,
 * lockfiles, and generated files. A flag per reason brings them back; each answer counts what it left out.
 */
export const LEFT_OUT_REASONS = ["deleted", "lockfiles", "generated"] as const;
export type LeftOutReason = (typeof LEFT_OUT_REASONS)[number];
/** Distinct files left out, each under the first reason (in LEFT_OUT_REASONS order) that applies and is not included. */
export type LeftOut = Record<LeftOutReason, number>;
export type Include = Partial<Record<LeftOutReason, boolean>>;

/** Lockfiles by name: written by package managers, they change with every dependency bump and own nothing. */
const LOCKFILES = new Set([
  "package-lock.json",
  "npm-shrinkwrap.json",
  "yarn.lock",
  "pnpm-lock.yaml",
  "bun.lockb",
  "bun.lock",
  "deno.lock",
  "Cargo.lock",
  "poetry.lock",
  "Pipfile.lock",
  "uv.lock",
  "pdm.lock",
  "Gemfile.lock",
  "composer.lock",
  "go.sum",
  "flake.lock",
  "mix.lock",
  "pubspec.lock",
  "Podfile.lock",
  "packages.lock.json",
]);

export function isLockfile(path: string): boolean {
  return LOCKFILES.has(path.slice(path.lastIndexOf("/") + 1));
}

/**
 * Generated files by path alone: a `@generated` marker sits in the content, which a log does not hold, so the
 * rules are folders that builds write (at any depth, for workspaces) and names that builds and tools give.
 */
const GENERATED_DIRS = /(?:^|\/)(?:dist|build|coverage|node_modules|__snapshots__)\//;
const GENERATED_NAMES = /\.min\.(?:js|mjs|cjs|css)$|\.(?:map|snap)$|\.generated\.[^/]+$/;

export function isGenerated(path: string): boolean {
  return GENERATED_DIRS.test(path) || GENERATED_NAMES.test(path);
}

/** Why a path is left out, or undefined when it stays. */
export function leftOutReason(path: string, exists: (path: string) => boolean, include: Include = {}): LeftOutReason | undefined {
  if (!include.deleted && !exists(path)) return "deleted";
  if (!include.lockfiles && isLockfile(path)) return "lockfiles";
  if (!include.generated && isGenerated(path)) return "generated";
  return undefined;
}

/**
 * Older commits' paths under today's names: `git log -M` records a rename as the new path, and the commits
 * before it under the old one, which no longer exists. Commits come newest first, so a rename is met before
 * the commits it renames; a path re-created after a rename is not mapped (its newer commits come first).
 */
export function followRenames(commits: readonly Commit[]): Commit[] {
  const renamed = new Map<string, string>();
  const current = (p: string) => renamed.get(p) ?? p;
  return commits.map((c) => {
    const files = c.files.map((f) => (renamed.has(f.path) ? { ...f, path: current(f.path) } : f));
    for (const f of c.files) if (f.oldPath && f.oldPath !== f.path && !renamed.has(f.oldPath)) renamed.set(f.oldPath, current(f.path));
    return { ...c, files };
  });
}

export interface TodayOptions {
  /** Whether a path exists at the revision asked. */
  exists: (path: string) => boolean;
  include?: Include;
}

/**
 * The history as of today's files: renames followed, then the paths a view leaves out, counted by reason.
 * `all` is the followed history with every file, for coupling (its change sets are sized as made).
 */
export function historyOfToday(commits: readonly Commit[], options: TodayOptions): { commits: Commit[]; all: Commit[]; keep: (path: string) => boolean; leftOut: LeftOut } {
  const followed = followRenames(commits);
  const reasons = new Map<string, LeftOutReason | undefined>();
  const reasonOf = (p: string) => {
    if (!reasons.has(p)) reasons.set(p, leftOutReason(p, options.exists, options.include));
    return reasons.get(p);
  };
  const kept = followed.map((c) => ({ ...c, files: c.files.filter((f) => reasonOf(f.path) === undefined) }));
  const leftOut: LeftOut = { deleted: 0, lockfiles: 0, generated: 0 };
  for (const r of reasons.values()) if (r) leftOut[r]++;
  return { commits: kept, all: followed, keep: (p) => reasonOf(p) === undefined, leftOut };
}

/** Non-merge commits: merges repeat their parents' changes. */
function changes(commits: readonly Commit[]): Commit[] {
  return commits.filter((c) => c.parents.length <= 1);
}

export function hotspots(commits: readonly Commit[], linesOf: (path: string) => number | undefined): Hotspot[] {
  const revisions = new Map<string, number>();
  for (const c of changes(commits)) for (const f of c.files) revisions.set(f.path, (revisions.get(f.path) ?? 0) + 1);
  const out: Hotspot[] = [];
  for (const [path, revs] of revisions) {
    const lines = linesOf(path);
    if (lines === undefined) continue; // not there: callers that list deleted files give them 0 lines
    out.push({ path, revisions: revs, lines, score: revs * lines });
  }
  return out.sort((x, y) => y.score - x.score || y.revisions - x.revisions || x.path.localeCompare(y.path));
}

/**
 * Change coupling over change sets: each commit, except that commits naming the same ticket form one set
 * (a change split over commits is still one change). Sets larger than `maxChangesetSize` are skipped.
 * Only files that `keep` accepts are paired: coupling of today's files (see historyOfToday).
 */
export function coupling(commits: readonly Commit[], options: CouplingOptions = CODE_MAAT_DEFAULTS, keep: (path: string) => boolean = () => true): Coupling[] {
  const sets: Array<Set<string>> = [];
  const byTicket = new Map<string, Set<string>>();
  for (const c of changes(commits)) {
    const files = c.files.map((f) => f.path);
    const tickets = ticketRefs(c.message).filter((t) => t.kind !== "pull-request");
    if (tickets.length === 0) sets.push(new Set(files));
    else {
      const key = tickets.map((t) => t.key).sort().join(",");
      const set = byTicket.get(key) ?? new Set<string>();
      for (const f of files) set.add(f);
      byTicket.set(key, set);
    }
  }
  sets.push(...byTicket.values());
  const revisions = new Map<string, number>();
  const shared = new Map<string, number>();
  for (const set of sets) {
    // The size is the change set's as made: a mass change stays skipped when most of its files are gone since.
    if (set.size > options.maxChangesetSize) continue;
    const files = [...set].filter(keep).sort();
    for (const f of files) revisions.set(f, (revisions.get(f) ?? 0) + 1);
    for (let i = 0; i < files.length; i++) {
      for (let j = i + 1; j < files.length; j++) {
        const k = `${files[i]}\0${files[j]}`;
        shared.set(k, (shared.get(k) ?? 0) + 1);
      }
    }
  }
  const out: Coupling[] = [];
  for (const [k, n] of shared) {
    const [a = "", b = ""] = k.split("\0");
    const ra = revisions.get(a) ?? 0;
    const rb = revisions.get(b) ?? 0;
    if (ra < options.minRevisions || rb < options.minRevisions || n < options.minShared) continue;
    const degree = Math.round((n / ((ra + rb) / 2)) * 100);
    if (degree < options.minDegree) continue;
    out.push({ a, b, shared: n, degree, revisionsA: ra, revisionsB: rb });
  }
  return out.sort((x, y) => y.degree - x.degree || y.shared - x.shared || x.a.localeCompare(y.a));
}

export function ownership(commits: readonly Commit[], options: { now: Date; departed: readonly string[]; paths?: ReadonlySet<string> }): Ownership[] {
  const perFile = new Map<string, { added: Map<string, number>; revs: Map<string, number>; last: string }>();
  for (const c of changes(commits)) {
    const who = c.author.name;
    for (const f of c.files) {
      if (options.paths && !options.paths.has(f.path)) continue;
      const e = perFile.get(f.path) ?? { added: new Map(), revs: new Map(), last: c.committedAt };
      e.added.set(who, (e.added.get(who) ?? 0) + f.added);
      e.revs.set(who, (e.revs.get(who) ?? 0) + 1);
      if (c.committedAt > e.last) e.last = c.committedAt;
      perFile.set(f.path, e);
    }
  }
  const gone = new Set(options.departed.map((d) => d.toLowerCase()));
  const emailOf = new Map<string, string>();
  for (const c of commits) emailOf.set(c.author.name, c.author.email);
  const isGone = (who: string) => gone.has(who.toLowerCase()) || gone.has((emailOf.get(who) ?? "").toLowerCase());
  const top = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0] ?? ["", 0];
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const out: Ownership[] = [];
  for (const [path, e] of perFile) {
    const [byAdded, added] = top(e.added);
    const [byRevs, revs] = top(e.revs);
    const addedTotal = total(e.added);
    const revTotal = total(e.revs);
    const fragmentation = 1 - [...e.revs.values()].reduce((s, r) => s + (r / revTotal) ** 2, 0);
    const lost = [...e.added].filter(([who]) => isGone(who)).reduce((s, [, n]) => s + n, 0);
    out.push({
      path,
      mainDeveloper: {
        byAddedLines: byAdded,
        addedShare: round(addedTotal ? added / addedTotal : 0),
        byRevisions: byRevs,
        revisionShare: round(revTotal ? revs / revTotal : 0),
      },
      fragmentation: round(fragmentation),
      authors: e.revs.size,
      ageMonths: round((options.now.getTime() - new Date(e.last).getTime()) / (30.44 * 86_400_000)),
      lastChanged: e.last,
      knowledgeLoss: round(addedTotal ? lost / addedTotal : 0),
    });
  }
  return out.sort((a, b) => b.knowledgeLoss - a.knowledgeLoss || b.fragmentation - a.fragmentation || a.path.localeCompare(b.path));
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
