import { UserError } from "../../core/errors.js";
import { commitId, git, resolveRevision } from "../../core/git.js";
import { parseLocation } from "../../core/ids.js";
import { blame } from "./blame.js";
import type { CommitCache } from "./commits.js";
import { parseDiff, type Hunk } from "./diff.js";

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

/** A hunk that only moved whitespace around, or only touched comments, is no evidence of a bug. */
export function isCosmetic(h: Hunk): boolean {
  const squash = (lines: string[]) => lines.join("").replace(/\s+/g, "");
  if (h.removed.length > 0 && squash(h.removed) === squash(h.added)) return true;
  return h.removed.every((l) => COMMENT.test(l)) && h.added.every((l) => COMMENT.test(l));
}

/**
 * SZZ: the lines a fix deleted or changed, blamed at the fix's parent (honouring ignore-revs), skipping
 * cosmetic changes and merge commits. Confidence is the share of those lines each commit last touched.
 */
export async function suspectsOfFix(repo: string, commits: CommitCache, fix: string): Promise<SuspectCommit[]> {
  const fixCommit = await commits.one((await resolveRevision(repo, fix)).commit ?? "");
  if (!fixCommit) throw new UserError(`unknown commit "${fix}": expected a fix commit's sha or a revision that names one`);
  const parent = fixCommit.parents[0];
  if (!parent) return [];
  const files = parseDiff(await git(repo).raw(["diff", "-M", "-U0", "--no-color", "--no-ext-diff", "--end-of-options", commitId(parent), commitId(fixCommit.sha), "--"]));
  const tally = new Map<string, string[]>();
  let total = 0;
  for (const f of files) {
    if (f.status === "added") continue;
    const oldPath = f.oldPath ?? f.path;
    for (const h of f.hunks) {
      if (h.oldLines === 0 || isCosmetic(h)) continue;
      const lines = await blame(repo, commits, oldPath, { start: h.oldStart, end: h.oldStart + h.oldLines - 1 }, parent);
      lines.forEach((l, i) => {
        if (COMMENT.test(h.removed[i] ?? l.content)) return;
        total++;
        tally.set(l.commit, [...(tally.get(l.commit) ?? []), `${oldPath}:${l.line}`]);
      });
    }
  }
  const info = await commits.get([...tally.keys()]);
  const out: SuspectCommit[] = [];
  for (const [sha, evidence] of tally) {
    const c = info.get(sha);
    if (!c) continue;
    const merge = c.parents.length > 1;
    out.push({
      commit: sha,
      method: "szz@1",
      confidence: round((evidence.length / Math.max(total, 1)) * (merge ? 0.2 : 1)),
      author: c.author.name,
      time: c.committedAt,
      subject: c.subject,
      evidence,
      ...(merge ? { note: "a merge commit: it rarely introduces a line itself" } : {}),
    });
  }
  return out.sort((a, b) => b.confidence - a.confidence || b.time.localeCompare(a.time));
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
