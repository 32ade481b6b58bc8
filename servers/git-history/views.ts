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
    if (lines === undefined) continue; // deleted since
    out.push({ path, revisions: revs, lines, score: revs * lines });
  }
  return out.sort((x, y) => y.score - x.score || y.revisions - x.revisions || x.path.localeCompare(y.path));
}

/**
 * Change coupling over change sets: each commit, except that commits naming the same ticket form one set
 * (a change split over commits is still one change). Sets larger than `maxChangesetSize` are skipped.
 */
export function coupling(commits: readonly Commit[], options: CouplingOptions = CODE_MAAT_DEFAULTS): Coupling[] {
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
    if (set.size > options.maxChangesetSize) continue;
    const files = [...set].sort();
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
