import { UserError } from "../../core/errors.js";
import { commitId, git, resolveRevision } from "../../core/git.js";
import { parseLocation } from "../../core/ids.js";
import { isTestPath } from "../../core/paths.js";
import { blame } from "./blame.js";
import type { CommitCache } from "./commits.js";
import { cosmeticallyEqual } from "./cosmetic.js";
import { parseDiff, type Hunk } from "./diff.js";
import type { ShapeCache } from "./shapes.js";
import { traceLines } from "./trace.js";
import { isGenerated, isLockfile } from "./views.js";

/**
 * Commits suspected of introducing a bug. Every candidate is kept with the method that found it and a
 * confidence; candidates outside the configured age are kept too, marked, with lower confidence.
 */
export interface SuspectCommit {
  commit: string;
  method: "szz@1" | "blame-frames@1";
  confidence: number;
  author: string;
  time: string;
  subject: string;
  /** The lines (path:line) that point at this commit. */
  evidence: string[];
  note?: string;
}

const COMMENT = /^\s*(\/\/|\/\*|\*|#|<!--)|^\s*$/;

/** A hunk that only reformatted code (as `cosmetic.ts` sees it), or only touched comments, is no evidence of a bug. */
export function isCosmetic(h: Hunk): boolean {
  if (h.removed.length > 0 && h.added.length > 0 && cosmeticallyEqual(h.removed.join("\n"), h.added.join("\n"), { ignoreComments: true })) return true;
  return h.removed.every((l) => COMMENT.test(l)) && h.added.every((l) => COMMENT.test(l));
}


/**
 * The kinds of blamed lines, strongest first: source lines the fix changed; source lines next to lines the
 * fix only added (a fix that adds a guard deletes nothing, but the code it guards is where the bug lived);
 * test lines. A test the fix corrects rarely holds the bug, so tests count only when the source says nothing.
 */
const TIERS = ["changed", "around-added", "test"] as const;
type Tier = (typeof TIERS)[number];

/** Why a candidate found only by a weaker kind of line has no confidence, or (for the kind used) how it was found. */
const TIER_NOTES: Record<Tier, { used: string; weaker: string }> = {
  changed: { used: "", weaker: "" },
  "around-added": {
    used: "the fix only added source lines: SZZ blamed the source lines around them",
    weaker: "only source lines around the fix's added lines point at this commit; the source lines it changed point elsewhere",
  },
  test: {
    used: "SZZ had only test lines: the fix changed no blameable source line",
    weaker: "only test lines point at this commit; the fix's source lines point elsewhere",
  },
};

interface Blamed {
  commit: string;
  location: string;
  tier: Tier;
}

/** Who last changed lines at the fix's parent: plain blame, or (with shapes) the commit that last changed their meaning. */
type Blamer = (path: string, range: { start: number; end: number }) => Promise<Array<{ line: number; commit: string; content: string }>>;

function blamerAt(repo: string, commits: CommitCache, parent: string, shapes: ShapeCache | undefined): Blamer {
  if (!shapes) return (path, range) => blame(repo, commits, path, range, parent);
  // A reformat or a move is never the commit that introduced a bug: SZZ blames through them as `why` does.
  return async (path, range) => (await traceLines(shapes, repo, path, range, parent)).map((t) => ({ line: t.line, commit: t.decided.commit, content: t.content }));
}

/** The lines of one file's diff to blame at the fix's parent, with their kind. */
async function blamedLines(blameAt: Blamer, path: string, hunks: readonly Hunk[]): Promise<Blamed[]> {
  const test = isTestPath(path);
  const out: Blamed[] = [];
  for (const h of hunks) {
    if (isCosmetic(h)) continue;
    if (h.oldLines === 0) {
      if (!test) out.push(...(await aroundAdded(blameAt, path, h.oldStart)));
      continue;
    }
    const lines = await blameAt(path, { start: h.oldStart, end: h.oldStart + h.oldLines - 1 });
    lines.forEach((l, i) => {
      if (COMMENT.test(h.removed[i] ?? l.content)) return;
      out.push({ commit: l.commit, location: `${path}:${l.line}`, tier: test ? "test" : "changed" });
    });
  }
  return out;
}

/** The code lines just before and after an insertion after old line `after` (0: at the top). */
async function aroundAdded(blameAt: Blamer, path: string, after: number): Promise<Blamed[]> {
  const start = Math.max(1, after);
  // The line after the insertion may be past the file's end: then only the line before is there.
  const lines = await blameAt(path, { start, end: after + 1 }).catch(() => (after >= 1 ? blameAt(path, { start, end: start }) : []));
  return lines.filter((l) => !COMMENT.test(l.content)).map((l) => ({ commit: l.commit, location: `${path}:${l.line}`, tier: "around-added" }));
}

/**
 * SZZ: the lines a fix deleted or changed, blamed at the fix's parent (honouring ignore-revs), skipping
 * cosmetic changes and merge commits. Confidence is the share of the lines of the strongest kind (TIERS)
 * each commit last touched: source over tests, so a fix that changed src/ and a test names src's commit
 * first. Candidates found only by weaker lines follow with confidence 0 and a note; every candidate's
 * evidence lists its strongest lines first. With the commit shapes, lines are blamed through reformats and moves.
 */
export async function suspectsOfFix(repo: string, commits: CommitCache, fix: string, options: { shapes?: ShapeCache } = {}): Promise<SuspectCommit[]> {
  const fixCommit = await commits.one((await resolveRevision(repo, fix)).commit ?? "");
  if (!fixCommit) throw new UserError(`unknown commit "${fix}": expected a fix commit's sha or a revision that names one`);
  const parent = fixCommit.parents[0];
  if (!parent) return [];
  const files = parseDiff(await git(repo).raw(["diff", "-M", "-U0", "--no-color", "--no-ext-diff", "--end-of-options", commitId(parent), commitId(fixCommit.sha), "--"]));
  const blamed: Blamed[] = [];
  const blameAt = blamerAt(repo, commits, parent, options.shapes);
  for (const f of files) {
    // A lockfile or a build output changes with the fix but was written by a tool: no human line to blame.
    if (f.status === "added" || isLockfile(f.oldPath ?? f.path) || isGenerated(f.oldPath ?? f.path)) continue;
    blamed.push(...(await blamedLines(blameAt, f.oldPath ?? f.path, f.hunks)));
  }
  const used = TIERS.find((t) => blamed.some((b) => b.tier === t));
  if (!used) return [];
  const total = blamed.filter((b) => b.tier === used).length;
  // Lines around additions stand in for changed source lines only when there are none; tests always stay, after.
  const kept = used === "changed" ? blamed.filter((b) => b.tier !== "around-added") : blamed;
  const byCommit = new Map<string, Blamed[]>();
  for (const b of kept) byCommit.set(b.commit, [...(byCommit.get(b.commit) ?? []), b]);
  const info = await commits.get([...byCommit.keys()]);
  const out: SuspectCommit[] = [];
  for (const [sha, lines] of byCommit) {
    const c = info.get(sha);
    if (!c) continue;
    const merge = c.parents.length > 1;
    const strongest = lines.filter((l) => l.tier === used).length;
    const own = TIERS.find((t) => lines.some((l) => l.tier === t)) ?? used;
    const notes = [
      ...(strongest === 0 ? [TIER_NOTES[own].weaker] : used !== "changed" ? [TIER_NOTES[used].used] : []),
      ...(merge ? ["a merge commit: it rarely introduces a line itself"] : []),
    ];
    out.push({
      commit: sha,
      method: "szz@1",
      confidence: round((strongest / total) * (merge ? 0.2 : 1)),
      author: c.author.name,
      time: c.committedAt,
      subject: c.subject,
      evidence: [...lines].sort((a, b) => TIERS.indexOf(a.tier) - TIERS.indexOf(b.tier)).map((l) => l.location),
      ...(notes.length ? { note: notes.join("; ") } : {}),
    });
  }
  // Candidates of weaker lines have confidence 0, so they follow; among them, more evidence first.
  return out.sort((a, b) => b.confidence - a.confidence || b.evidence.length - a.evidence.length || b.time.localeCompare(a.time));
}

/**
 * From locations (e.g. a stack trace's in-app frames, top first): blame each line; the top frames weigh
 * most, and commits older than `maxAgeDays` before `now` are kept with a note and a fifth of the weight.
 */
export async function suspectsOfLocations(
  repo: string,
  commits: CommitCache,
  locations: readonly string[],
  options: { rev: string; maxAgeDays: number; now?: Date },
): Promise<SuspectCommit[]> {
  const weights = new Map<string, { weight: number; evidence: string[] }>();
  let totalWeight = 0;
  for (const [i, text] of locations.entries()) {
    const { path, line } = parseLocation(text);
    const weight = 1 / (i + 1);
    totalWeight += weight;
    const [blamed] = await blame(repo, commits, path, { start: line, end: line }, options.rev);
    if (!blamed || blamed.uncommitted) continue;
    const w = weights.get(blamed.commit) ?? { weight: 0, evidence: [] };
    w.weight += weight;
    w.evidence.push(text);
    weights.set(blamed.commit, w);
  }
  const info = await commits.get([...weights.keys()]);
  const out: SuspectCommit[] = [];
  for (const [sha, w] of weights) {
    const c = info.get(sha);
    if (!c) continue;
    const suspect: SuspectCommit = {
      commit: sha,
      method: "blame-frames@1",
      confidence: round(w.weight / Math.max(totalWeight, 1e-9)),
      author: c.author.name,
      time: c.committedAt,
      subject: c.subject,
      evidence: w.evidence,
    };
    out.push(ageAdjusted(suspect, options.now ?? new Date(), options.maxAgeDays));
  }
  return out.sort((a, b) => b.confidence - a.confidence || b.time.localeCompare(a.time));
}

/** A suspect older than `maxAgeDays` before `now` keeps a fifth of its confidence, and a note saying why. */
export function ageAdjusted(s: SuspectCommit, now: Date, maxAgeDays: number): SuspectCommit {
  const ageDays = (now.getTime() - new Date(s.time).getTime()) / 86_400_000;
  if (ageDays <= maxAgeDays) return s;
  return { ...s, confidence: round(s.confidence * 0.2), note: `older than ${maxAgeDays} days (${Math.round(ageDays)} days)` };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
