import { readFilesAt, resolveRevision, WORKTREE } from "../../core/git.js";
import { REPORT_WORDS_METHOD } from "../../core/triage.js";
import { isShippedSourcePath } from "../../core/paths.js";
import { blameRows, hasIgnoreRevs, ZERO } from "../git-history/blame.js";
import type { Bound, TicketSuspect } from "./bounded.js";
import { SourceIndex } from "./locate.js";
import type { TicketService } from "./service.js";

/**
 * A ticket located by its words at a revision (locate.ts): the source files ranked against the report, and the
 * commits that wrote the lines of those files that match the report best (blame of the best-matching windows).
 * The suspects stand in for what only a stack trace or a reproduction could say better: they come after those
 * (method REPORT_WORDS_METHOD).
 */
export interface LocatedFile {
  path: string;
  /** Relative to the best file's (1 for the first). */
  score: number;
  /** The report's words the file matched, most telling first (at most 6). */
  terms: string[];
}

export interface Located {
  files: LocatedFile[];
  suspects: TicketSuspect[];
}

/** How many of the best files are searched for matching lines, the window's size in lines and how many windows are blamed. */
const SUSPECT_FILES = 3;
const WINDOW = 8;
const WINDOWS = 12;
/** A report whose best file shares fewer words than this ("my bill looks strange") is too vague to blame lines for. */
const MIN_TERMS = 3;
/** A suspect by words is weaker evidence than blame of a frame or of a reproduction's lines: it ranks after them. */
const MAX_CONFIDENCE = 0.3;

interface Indexed {
  index: SourceIndex;
  texts: Map<string, string>;
}

/** The index of a revision's shipped source (null: the working tree's), built once per commit. */
const indexes = new WeakMap<TicketService, Map<string, Promise<Indexed>>>();

async function indexAt(service: TicketService, commit: string | null): Promise<Indexed> {
  let byCommit = indexes.get(service);
  if (!byCommit) indexes.set(service, (byCommit = new Map()));
  // The working tree can change between calls: only a commit's index is kept.
  const known = commit === null ? undefined : byCommit.get(commit);
  if (known) return known;
  const built = (async () => {
    const files = await readFilesAt(service.repo, await resolveRevision(service.repo, commit ?? WORKTREE), isShippedSourcePath);
    return { index: new SourceIndex(files), texts: new Map(files.map((f) => [f.path, f.text])) };
  })();
  if (commit !== null) byCommit.set(commit, built);
  return built;
}

/** The ticket's text as a query: its title twice (it says the most), body and comments. */
async function queryOf(service: TicketService, key: string): Promise<string | undefined> {
  const stored = await service.store.get(key);
  if (!stored) return undefined;
  const t = stored.ticket;
  return [t.title, t.title, t.body, ...t.comments.map((c) => c.body)].join("\n\n");
}

/** Files best first for a ticket at the bound, and (unless `files` only) the commits that wrote their lines most like the report. */
export async function locateTicket(service: TicketService, key: string, bound: Bound, limit = 10, only?: "files"): Promise<Located> {
  const query = await queryOf(service, key);
  if (query === undefined) return { files: [], suspects: [] };
  const { index, texts } = await indexAt(service, bound.commit);
  const ranked = index.rank(query, Math.max(limit, SUSPECT_FILES));
  const best = ranked[0]?.score ?? 1;
  const files = ranked.map((r) => ({ path: r.path, score: Math.round((r.score / best) * 1000) / 1000, terms: r.terms.slice(0, 6) }));
  const telling = (ranked[0]?.terms.length ?? 0) >= MIN_TERMS;
  const suspects = telling && only !== "files" ? await wordSuspects(service, query, files.slice(0, SUSPECT_FILES), texts, bound) : [];
  return { files: files.slice(0, limit), suspects };
}

interface Window {
  path: string;
  start: number;
  end: number;
  fileScore: number;
}

/**
 * The commits that last wrote the windows of lines that match the report best, in the best files: each window
 * is scored (BM25 over all windows, times its file's score) and its score shared among the commits blamed for
 * its lines, by how many lines each wrote.
 */
async function wordSuspects(service: TicketService, query: string, files: readonly LocatedFile[], texts: ReadonlyMap<string, string>, bound: Bound): Promise<TicketSuspect[]> {
  const windows: Window[] = [];
  const docs: Array<{ path: string; text: string }> = [];
  for (const f of files) {
    const text = texts.get(f.path) ?? "";
    if (!text) continue;
    // git counts a last line only when text follows the final line break.
    const lines = (text.endsWith("\n") ? text.slice(0, -1) : text).split("\n");
    for (let i = 0; i < lines.length; i += WINDOW / 2) {
      windows.push({ path: f.path, start: i + 1, end: Math.min(lines.length, i + WINDOW), fileScore: f.score });
      docs.push({ path: String(docs.length), text: lines.slice(i, i + WINDOW).join("\n") });
    }
  }
  if (!windows.length) return [];
  const best = new SourceIndex(docs)
    .rank(query, docs.length)
    .map((r) => ({ w: windows[Number(r.path)] as Window, score: r.score * (windows[Number(r.path)] as Window).fileScore, terms: r.terms }))
    .sort((a, b) => b.score - a.score)
    .slice(0, WINDOWS);
  // One blame per file, over the span of its chosen windows: windows overlap, and each git blame is a process.
  const ignoreRevs = await hasIgnoreRevs(service.repo);
  const writer = new Map<string, Map<number, string>>();
  for (const path of new Set(best.map((b) => b.w.path))) {
    const mine = best.filter((b) => b.w.path === path).map((b) => b.w);
    const range = { start: Math.min(...mine.map((w) => w.start)), end: Math.max(...mine.map((w) => w.end)) };
    const rows = await blameRows(service.repo, path, range, bound.commit, { follow: false, ignoreRevs });
    writer.set(path, new Map(rows.map((r) => [r.line, r.commit])));
  }
  const byCommit = new Map<string, { score: number; evidence: string[] }>();
  for (const { w, score, terms } of best) {
    const lines = new Map<string, number>();
    const blamed = writer.get(w.path) as Map<number, string>;
    for (let line = w.start; line <= w.end; line++) {
      const commit = blamed.get(line);
      if (commit !== undefined && commit !== ZERO) lines.set(commit, (lines.get(commit) ?? 0) + 1);
    }
    for (const [commit, n] of lines) {
      const c = byCommit.get(commit) ?? { score: 0, evidence: [] };
      c.score += (score * n) / (w.end - w.start + 1);
      if (c.evidence.length < 4) c.evidence.push(`${w.path}:${w.start}-${w.end} matches ${terms.slice(0, 4).join(", ")}`);
      byCommit.set(commit, c);
    }
  }
  const top = Math.max(...[...byCommit.values()].map((c) => c.score), 1e-9);
  return [...byCommit]
    .filter(([commit]) => bound.reaches(commit))
    .sort((a, b) => b[1].score - a[1].score || a[0].localeCompare(b[0]))
    .slice(0, 10)
    .map(([commit, c]) => ({ commit, method: REPORT_WORDS_METHOD, confidence: Math.round(MAX_CONFIDENCE * (c.score / top) * 1000) / 1000, via: "report words", evidence: c.evidence }));
}
