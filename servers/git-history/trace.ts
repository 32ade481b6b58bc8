import { readWorktreeText } from "../../core/confine.js";
import { UserError } from "../../core/errors.js";
import { resolveRevision, WORKTREE } from "../../core/git.js";
import { blameRows, hasIgnoreRevs, ZERO, type BlameRow } from "./blame.js";
import { cosmeticallyEqual, moveKey, setsValue, settingOf, tokenize } from "./cosmetic.js";
import { hunkAt, settingKey, type CommitShape, type ShapeCache } from "./shapes.js";

/**
 * Blame that sees through what did not change a line's meaning: starting from `git blame -w -M -C -C`, a line
 * whose last commit only reformatted it, only edited its comment, kept its value through an annotation, or
 * moved it from a place git's rename and copy detection missed, is blamed again at that commit's parent, at
 * the line it came from, until a commit changed what the line means.
 */
export type PassKind = "reformat" | "comments" | "value-kept" | "move";

export interface Passed {
  commit: string;
  kind: PassKind;
  /** Where the line was in that commit, and where it came from in the commit's parent. */
  at: string;
  from: string;
  /** For a commit that only reformatted, across many files (a formatter sweep): how many files it touched. */
  sweepFiles?: number;
}

export interface TracedLine {
  /** The line asked about, 1-based, at the revision asked. */
  line: number;
  content: string;
  /** The commit that last changed the line's meaning (ZERO for a line not committed yet). */
  decided: BlameRow & { uncommitted: boolean };
  /** Newest first: the commits passed through on the way to `decided`. */
  passed: Passed[];
}

const MAX_HOPS = 30;
/** Lines this close at one parent are blamed in one git call. */
const GAP = 20;

function hasCode(line: string): boolean {
  return tokenize(line).some((t) => !t.comment);
}

/** Where a line came from when its commit did not change its meaning, or undefined when it did. */
export function passThrough(shape: CommitShape, row: Pick<BlameRow, "origPath" | "origLine" | "content">): { kind: PassKind; path: string; line: number } | undefined {
  const at = hunkAt(shape, row.origPath, row.origLine);
  if (!at || !shape.parent) return undefined;
  const { file, hunk } = at;
  const oldPath = file.oldPath ?? file.path;
  if (hunk.cosmetic && hunk.map) {
    // A comment line whose own text changed is a change of that comment's meaning.
    if (hunk.cosmetic === "comments" && !hasCode(row.content)) return undefined;
    const offset = hunk.map[row.origLine - hunk.newStart] ?? 0;
    return { kind: hunk.cosmetic === "format" ? "reformat" : "comments", path: oldPath, line: hunk.oldStart + offset };
  }
  const setting = settingOf(row.content);
  if (setting && hunk.removed) {
    // The old side set the same key to the same value: on one line, or in a signature the commit re-wrapped.
    const i = hunk.removed.findIndex((l) => setsValue(l, setting));
    if (i >= 0) return { kind: "value-kept", path: oldPath, line: hunk.oldStart + i };
    if (setsValue(hunk.removed.join("\n"), setting)) return { kind: "value-kept", path: oldPath, line: hunk.oldStart };
  }
  const key = moveKey(row.content);
  const from = key ? shape.moves[key] : undefined;
  if (from) {
    const [path, line] = from;
    const inHunk = path === oldPath && line >= hunk.oldStart && line < hunk.oldStart + hunk.oldLines;
    // Within the hunk a line is passed only when it is the same code; elsewhere it moved.
    if (inHunk) {
      // A hunk too large to keep its old lines is judged by the move key alone.
      const old = hunk.removed?.[line - hunk.oldStart];
      return old === undefined || cosmeticallyEqual(old, row.content, { ignoreComments: true }) ? { kind: "reformat", path, line } : undefined;
    }
    return { kind: "move", path, line };
  }
  // A value moved, whatever else its line gained on the way (`export`, a type): the deleted line that set it.
  const named = setting ? settingKey(setting) : undefined;
  const settled = named ? shape.settings[named] : undefined;
  if (settled) {
    const [path, line] = settled;
    if (!(path === oldPath && line >= hunk.oldStart && line < hunk.oldStart + hunk.oldLines)) return { kind: "move", path, line };
  }
  return undefined;
}

/** The rows git would give a file it does not track: every line uncommitted. */
function uncommittedRows(text: string, path: string, range: { start: number; end: number }): BlameRow[] {
  const lines = text.split("\n");
  const count = lines.length - (text.endsWith("\n") ? 1 : 0);
  if (range.end > count) throw new UserError(`lines ${range.start}-${range.end} of ${path} are past its end in the working tree: it has ${count} lines`);
  return lines.slice(range.start - 1, range.end).map((content, i) => ({
    line: range.start + i,
    commit: ZERO,
    origLine: range.start + i,
    origPath: path,
    content,
    author: "",
    email: "",
    time: "",
    summary: "",
  }));
}

interface Pending {
  traced: TracedLine;
  row: BlameRow;
}

export async function traceLines(shapes: ShapeCache, repo: string, path: string, range: { start: number; end: number }, rev: string = WORKTREE): Promise<TracedLine[]> {
  const { commit } = await resolveRevision(repo, rev);
  const ignoreRevs = await hasIgnoreRevs(repo);
  const first = await blameRows(repo, path, range, commit, { follow: true, ignoreRevs, rev }).catch(async (err: unknown) => {
    // A file only the working tree has (not added yet) is all uncommitted lines; anything else is the blame's error.
    const text = commit === null && err instanceof UserError ? await readWorktreeText(repo, path) : undefined;
    if (text === undefined) throw err;
    return uncommittedRows(text, path, range);
  });
  const decided = (row: BlameRow) => ({ ...row, uncommitted: row.commit === ZERO });
  const out: TracedLine[] = first.map((row) => ({ line: row.line, content: row.content, decided: decided(row), passed: [] }));
  let frontier: Pending[] = out.map((traced) => ({ traced, row: traced.decided }));
  for (let hop = 0; hop < MAX_HOPS && frontier.length > 0; hop++) {
    const next = new Map<string, Array<{ p: Pending; line: number; passed: Passed }>>();
    for (const p of frontier) {
      if (p.row.commit === ZERO) continue;
      const shape = await shapes.get(p.row.commit);
      const step = passThrough(shape, p.row);
      if (!step || !shape.parent) continue;
      const key = `${shape.parent}\0${step.path}`;
      const passed: Passed = {
        commit: p.row.commit,
        kind: step.kind,
        at: `${p.row.origPath}:${p.row.origLine}`,
        from: `${step.path}:${step.line}`,
        ...(shape.sweep ? { sweepFiles: shape.files.length } : {}),
      };
      next.set(key, [...(next.get(key) ?? []), { p, line: step.line, passed }]);
    }
    frontier = [];
    for (const [key, group] of next) {
      const [parent = "", groupPath = ""] = key.split("\0");
      group.sort((a, b) => a.line - b.line);
      for (let i = 0; i < group.length; ) {
        let j = i;
        while (j + 1 < group.length && (group[j + 1]?.line ?? 0) - (group[j]?.line ?? 0) <= GAP) j++;
        const run = group.slice(i, j + 1);
        i = j + 1;
        const start = run[0]?.line ?? 1;
        const end = run[run.length - 1]?.line ?? start;
        // A line the parent does not have (a map past the file's end) keeps the commit that wrote it.
        const rows = await blameRows(repo, groupPath, { start, end }, parent, { follow: true, ignoreRevs }).catch((err: unknown) => {
          if (err instanceof UserError) return undefined;
          throw err;
        });
        if (!rows) continue;
        for (const item of run) {
          const row = rows[item.line - start];
          if (!row) continue;
          item.p.traced.passed.push(item.passed);
          item.p.traced.decided = decided(row);
          frontier.push({ traced: item.p.traced, row });
        }
      }
    }
  }
  return out;
}
