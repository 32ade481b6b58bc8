import { readWorktreeText } from "../../core/confine.js";
import { UserError } from "../../core/errors.js";
import { git, listWorktree, resolveRevision, WORKTREE } from "../../core/git.js";
import type { CodeGraph, SymbolInfo } from "../code-graph/queries.js";
import type { CodeGraphService } from "../code-graph/service.js";
import { Span } from "../../core/span.js";
import { keptAnswer, sharedWhileRunning } from "../../core/shared-call.js";

/** What changed between two revisions: files and hunks, and the symbols those hunks touch on each side. */
export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** The hunk's old and new lines (diffs are read with no context). */
  removed: string[];
  added: string[];
}

/** Whether a hunk holds a head line; a pure deletion holds the lines either side of where it cut. */
export function holdsHeadLine(h: Hunk, line: number): boolean {
  return h.newLines > 0 ? line >= h.newStart && line < h.newStart + h.newLines : line === h.newStart || line === h.newStart + 1;
}

export interface FileDiff {
  path: string;
  oldPath?: string;
  status: "added" | "deleted" | "modified" | "renamed";
  hunks: Hunk[];
}

/**
 * `module-context`: the symbol itself did not change but module-level code of its file did (a constant, a
 * regex, an import it uses), so its behaviour may have.
 */
export type SymbolChangeKind = "added" | "removed" | "modified-body" | "modified-signature" | "moved" | "module-context";

export interface ChangedSymbol {
  /** The symbol's id at head (at base for a removed one). */
  id: string;
  change: SymbolChangeKind;
  base?: { id: string; span: string };
  head?: { id: string; span: string };
}

/** Parses `git diff -M -U0` output. */
export function parseDiff(out: string): FileDiff[] {
  const files: FileDiff[] = [];
  let cur: FileDiff | undefined;
  for (const line of out.split("\n")) {
    const head = /^diff --git a\/(.+) b\/(.+)$/.exec(line);
    if (head) {
      cur = { path: head[2] as string, status: "modified", hunks: [] };
      if (head[1] !== head[2]) cur.oldPath = head[1] as string;
      files.push(cur);
      continue;
    }
    if (!cur) continue;
    if (line.startsWith("new file mode")) cur.status = "added";
    else if (line.startsWith("deleted file mode")) cur.status = "deleted";
    else if (line.startsWith("rename from ")) {
      cur.oldPath = line.slice("rename from ".length);
      cur.status = "renamed";
    } else if (line.startsWith("rename to ")) cur.path = line.slice("rename to ".length);
    else {
      const h = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (h) {
        cur.hunks.push({
          oldStart: Number(h[1]),
          oldLines: h[2] === undefined ? 1 : Number(h[2]),
          newStart: Number(h[3]),
          newLines: h[4] === undefined ? 1 : Number(h[4]),
          removed: [],
          added: [],
        });
      } else {
        const last = cur.hunks[cur.hunks.length - 1];
        if (last && line.startsWith("-") && !line.startsWith("--- ")) last.removed.push(line.slice(1));
        else if (last && line.startsWith("+") && !line.startsWith("+++ ")) last.added.push(line.slice(1));
      }
    }
  }
  return files;
}

/** Files and hunks from base to head; head may be the working tree (staged, unstaged and untracked). */
export async function diffFiles(repo: string, base: string, head: string): Promise<FileDiff[]> {
  const b = await resolveRevision(repo, base);
  const h = await resolveRevision(repo, head);
  if (!b.commit) throw new UserError(`base "${base}" is the working tree: expected a commit, branch or tag to compare from`);
  const key = `${repo}\0${b.commit}\0${h.commit ?? WORKTREE}`;
  // Between commits the diff never changes (kept); to the working tree, overlapping calls share one.
  const files = h.commit ? await keptAnswer(diffsKept, key, 32, () => diffOf(repo, b.commit as string, h.commit)) : await sharedWhileRunning(diffsRunning, key, () => diffOf(repo, b.commit as string, null));
  return structuredClone(files);
}
const diffsKept = new Map<string, Promise<FileDiff[]>>();
const diffsRunning = new Map<string, Promise<FileDiff[]>>();

/** The diff from commit `base` to commit `head`, or to the working tree when head is null. */
async function diffOf(repo: string, base: string, head: string | null): Promise<FileDiff[]> {
  const args = ["diff", "-M", "-U0", "--no-color", "--no-ext-diff", "--end-of-options", base];
  if (head) args.push(head);
  args.push("--");
  const files = parseDiff(await git(repo).raw(args));
  if (!head) {
    // git diff leaves out untracked files; they are whole additions.
    const tracked = new Set((await git(repo).raw(["ls-files", "-z"])).split("\0"));
    for (const path of await listWorktree(repo)) {
      if (tracked.has(path) || path.startsWith(".worldline/")) continue;
      // A symlink is its link text, as git would add it; never the file it points at.
      const text = (await readWorktreeText(repo, path)) ?? "";
      const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
      files.push({ path, status: "added", hunks: [{ oldStart: 0, oldLines: 0, newStart: 1, newLines: lines, removed: [], added: text.split("\n").slice(0, lines) }] });
    }
  }
  return files;
}

function squash(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function spanOf(s: SymbolInfo): Span {
  return Span.parse(s.span, `${s.id}'s span`);
}

function textOf(lines: string[], s: SymbolInfo): string {
  const { start, end } = spanOf(s);
  return lines.slice(start - 1, end).join("\n");
}

/**
 * The symbols a change touches, joined with the code graph at both revisions: added, removed, modified
 * (signature or body) and moved to another file.
 */
export async function changedSymbols(codeGraph: CodeGraphService, base: string, head: string, files?: FileDiff[]): Promise<ChangedSymbol[]> {
  const diffs = files ?? (await diffFiles(codeGraph.repo, base, head));
  const [bg, hg] = await Promise.all([codeGraph.graph(base), codeGraph.graph(head === WORKTREE ? undefined : head)]);
  const out: ChangedSymbol[] = [];
  const removed: Array<{ sym: SymbolInfo; text: string }> = [];
  const added: Array<{ sym: SymbolInfo; text: string }> = [];
  for (const f of diffs) {
    const oldPath = f.status === "added" ? undefined : (f.oldPath ?? f.path);
    const newPath = f.status === "deleted" ? undefined : f.path;
    const before = oldPath ? await symbolsWithText(codeGraph.repo, bg, oldPath) : new Map<string, { sym: SymbolInfo; text: string }>();
    const after = newPath ? await symbolsWithText(codeGraph.repo, hg, newPath) : new Map<string, { sym: SymbolInfo; text: string }>();
    for (const [q, a] of after) {
      const b = before.get(q);
      if (!b) {
        added.push(a);
        continue;
      }
      // Whitespace-only edits (a reformat) change no behaviour and are not reported.
      const change: SymbolChangeKind | undefined =
        b.sym.signature !== a.sym.signature ? "modified-signature" : squash(b.text) !== squash(a.text) ? "modified-body" : undefined;
      if (change) out.push({ id: a.sym.id, change, base: { id: b.sym.id, span: b.sym.span }, head: { id: a.sym.id, span: a.sym.span } });
    }
    for (const [q, b] of before) if (!after.has(q)) removed.push(b);
    // Hunks outside every symbol change module-level code the file's functions may read.
    const spans = [...after.values()].map((a) => spanOf(a.sym));
    const outside = f.hunks.some((h) => {
      if (h.newLines === 0 && h.oldLines === 0) return false;
      const lines = h.added.length ? h.added : h.removed;
      if (lines.every((l) => /^\s*(import\b|\/\/|\/?\*|$)/.test(l))) return false;
      const start = h.newStart;
      const end = h.newStart + Math.max(h.newLines, 1) - 1;
      return !spans.some((s) => s.start <= start && s.end >= end);
    });
    if (outside) {
      const reported = new Set(out.map((c) => c.id));
      for (const a of after.values()) {
        if (reported.has(a.sym.id) || !before.has(a.sym.qualifiedName) || !/function|method/.test(a.sym.kind)) continue;
        out.push({ id: a.sym.id, change: "module-context", base: { id: before.get(a.sym.qualifiedName)?.sym.id ?? a.sym.id, span: before.get(a.sym.qualifiedName)?.sym.span ?? "" }, head: { id: a.sym.id, span: a.sym.span } });
      }
    }
  }
  // A symbol removed from one file and added with the same name and text to another has moved.
  for (const a of added) {
    const i = removed.findIndex((r) => r.sym.qualifiedName === a.sym.qualifiedName && r.text.trim() === a.text.trim());
    if (i >= 0) {
      const [r] = removed.splice(i, 1);
      if (r) out.push({ id: a.sym.id, change: "moved", base: { id: r.sym.id, span: r.sym.span }, head: { id: a.sym.id, span: a.sym.span } });
    } else out.push({ id: a.sym.id, change: "added", head: { id: a.sym.id, span: a.sym.span } });
  }
  for (const r of removed) out.push({ id: r.sym.id, change: "removed", base: { id: r.sym.id, span: r.sym.span } });
  return out.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}

async function symbolsWithText(repo: string, g: CodeGraph, path: string): Promise<Map<string, { sym: SymbolInfo; text: string }>> {
  // In the working tree, the confined reader: a symlink is its link text, as the index read it.
  const text = g.revision.commit === null ? await readWorktreeText(repo, path) : await g.fileText(path);
  if (text === undefined) return new Map();
  const lines = text.split("\n");
  return new Map(g.symbolsIn(path).map((sym) => [sym.qualifiedName, { sym, text: textOf(lines, sym) }]));
}
