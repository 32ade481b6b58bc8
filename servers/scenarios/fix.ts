import { ts } from "@ts-morph/common";
import { UserError } from "../../core/errors.js";
import { applyPatch } from "../../core/patch.js";
import { Span } from "../../core/span.js";
import { FIX_SCOPES } from "../../core/verdict.js";
import { holdsHeadLine, type FileDiff, type Hunk } from "../git-history/diff.js";

/**
 * The embedded planner's fix drafts (DESIGN.md, "How a fix is verified"): reverts of the change around a root
 * cause, smallest first. Each is a unified diff against head that applies and parses; whether it is a fix is
 * for re-simulation to say.
 *
 * 1. `statement`: the innermost statement (or property, or declaration) holding the root cause, as base has it;
 * 2. `hunk`: the one hunk holding it;
 * 3. `function`: the innermost function holding it (the top-level declaration for module-level code);
 * 4. `file`: every hunk of the root cause's file, and of each file holding a changed line the failing run ran.
 */
export type FixScope = (typeof FIX_SCOPES)[number];

export interface FixDraft {
  scope: FixScope;
  patch: string;
  /** The file the root cause is in. */
  path: string;
  /** The head lines the draft replaces, path:start-end (several, comma-separated, for a file revert). */
  reverts: string;
}

/** Texts of a file at base and head (undefined: not on that side). */
export type ReadSide = (side: "base" | "head", path: string) => Promise<string | undefined>;

const lineStarts = (text: string): number[] => {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
};

/** Children in the order the parser gives them: the index path of a node is stable across small edits. */
const kids = (n: ts.Node): ts.Node[] => {
  const out: ts.Node[] = [];
  ts.forEachChild(n, (c) => {
    out.push(c);
  });
  return out;
};

const isFunction = (n: ts.Node): boolean =>
  ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isArrowFunction(n) || ts.isFunctionExpression(n) || ts.isConstructorDeclaration(n) || ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n);
const isStatementLike = (n: ts.Node): boolean =>
  (ts.isStatement(n) && !ts.isBlock(n) && !isFunction(n)) || ts.isPropertyAssignment(n) || ts.isPropertyDeclaration(n) || ts.isVariableDeclaration(n) || ts.isEnumMember(n);

/** The path of child indices from the file to the innermost node holding `line` that passes `want`. */
function pathTo(sf: ts.SourceFile, line: number, want: (n: ts.Node) => boolean, outermost = false): number[] | undefined {
  const lineOf = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line + 1;
  let found: number[] | undefined;
  const walk = (n: ts.Node, path: number[]) => {
    kids(n).forEach((c, i) => {
      if (found && outermost) return;
      if (lineOf(c.getStart(sf)) > line || lineOf(c.getEnd()) < line) return;
      const p = [...path, i];
      if (want(c)) found = p;
      walk(c, p);
    });
  };
  walk(sf, []);
  return found;
}

function nodeAt(sf: ts.SourceFile, path: number[]): ts.Node | undefined {
  let n: ts.Node = sf;
  for (const i of path) {
    const next = kids(n)[i];
    if (!next) return undefined;
    n = next;
  }
  return n;
}

/** Whether the two nodes along a path have the same kinds at every level: the same place in both files. */
function sameShape(a: ts.SourceFile, b: ts.SourceFile, path: number[]): boolean {
  let x: ts.Node = a;
  let y: ts.Node = b;
  for (const i of path) {
    const nx = kids(x)[i];
    const ny = kids(y)[i];
    if (!nx || !ny || nx.kind !== ny.kind) return false;
    x = nx;
    y = ny;
  }
  return true;
}

/** Maps a base line to head through the file's hunks; undefined inside a hunk. */
function baseToHead(hunks: Hunk[], line: number): number | undefined {
  let shift = 0;
  for (const h of hunks) {
    if (h.oldLines > 0 && line >= h.oldStart && line < h.oldStart + h.oldLines) return undefined;
    if ((h.oldLines > 0 ? h.oldStart + h.oldLines - 1 : h.oldStart) < line) shift += h.newLines - h.oldLines;
  }
  return line + shift;
}

/** A patch replacing head lines [first, last] with `lines`, no context (so its position is exact). */
function replaceLines(path: string, head: string[], first: number, last: number, lines: string[]): string {
  return [`--- a/${path}`, `+++ b/${path}`, `@@ -${first},${last - first + 1} +${first},${lines.length} @@`, ...head.slice(first - 1, last).map((l) => `-${l}`), ...lines.map((l) => `+${l}`), ""].join("\n");
}

/** The draft that puts base's node back where head's is, found at the same index path with the same kinds. */
function nodeRevert(scope: FixScope, path: string, baseText: string, headText: string, hunks: Hunk[], line: number, want: (n: ts.Node) => boolean, outermost = false): FixDraft | undefined {
  const hs = ts.createSourceFile(path, headText, ts.ScriptTarget.Latest, true);
  const bs = ts.createSourceFile(path, baseText, ts.ScriptTarget.Latest, true);
  const at = pathTo(hs, line, want, outermost);
  if (!at || !sameShape(hs, bs, at)) return undefined;
  const hn = nodeAt(hs, at) as ts.Node;
  const bn = nodeAt(bs, at) as ts.Node;
  const hFirst = hs.getLineAndCharacterOfPosition(hn.getStart(hs)).line + 1;
  const bFirst = bs.getLineAndCharacterOfPosition(bn.getStart(bs)).line + 1;
  // The same place: base's node starts where head's does once the diff is accounted for, or inside the change.
  const mapped = baseToHead(hunks, bFirst);
  if (mapped !== undefined && mapped !== hFirst && !hunks.some((h) => holdsHeadLine(h, hFirst))) return undefined;
  const starts = lineStarts(headText);
  const hLast = hs.getLineAndCharacterOfPosition(hn.getEnd()).line + 1;
  const from = starts[hFirst - 1] as number;
  const to = (starts[hLast] ?? headText.length + 1) - 1;
  const replaced = headText.slice(from, hn.getStart(hs)) + baseText.slice(bn.getStart(bs), bn.getEnd()) + headText.slice(hn.getEnd(), Math.max(to, hn.getEnd()));
  const headLines = headText.split("\n");
  const next = replaced.split("\n");
  if (next.join("\n") === headLines.slice(hFirst - 1, hLast).join("\n")) return undefined;
  return { scope, path, patch: replaceLines(path, headLines, hFirst, hLast, next), reverts: `${path}:${hFirst}-${hLast}` };
}

/** The revert of hunks of one file, as one patch against head. */
function hunksRevert(path: string, hunks: Hunk[]): { patch: string; reverts: string[] } {
  let shift = 0;
  const body: string[] = [];
  const reverts: string[] = [];
  for (const h of hunks) {
    body.push(`@@ -${h.newStart},${h.newLines} +${h.newStart + shift},${h.oldLines} @@`, ...h.added.map((l) => `-${l}`), ...h.removed.map((l) => `+${l}`));
    shift += h.oldLines - h.newLines;
    reverts.push(`${path}:${h.newStart}-${h.newStart + Math.max(h.newLines, 1) - 1}`);
  }
  return { patch: [`--- a/${path}`, `+++ b/${path}`, ...body, ""].join("\n"), reverts };
}

/** The minimal revert of the one hunk that holds a head line (the `hunk` rung alone). */
export function revertHunk(files: FileDiff[], location: string): FixDraft {
  const { path, line } = Span.leading(location, "location");
  const file = files.find((f) => f.path === path);
  if (!file) throw new UserError(`${path} did not change between base and head: the root cause must lie in the change (pass a changed path:line at head)`);
  const hunk = file.hunks.find((h) => holdsHeadLine(h, line));
  if (!hunk) throw new UserError(`${location} is not inside a hunk of the change to ${path}: expected a changed line at head`);
  const { patch, reverts } = hunksRevert(path, [hunk]);
  return { scope: "hunk", path, patch, reverts: reverts.join(",") };
}

/** The head location of a base line the change removed or replaced: where its hunk stands at head. */
function headOfBaseLine(files: FileDiff[], location: string): string {
  const { path, line } = Span.leading(location, "location");
  const f = files.find((x) => (x.oldPath ?? x.path) === path);
  const h = f?.hunks.find((x) => x.oldLines > 0 && line >= x.oldStart && line < x.oldStart + x.oldLines);
  if (!f || !h) throw new UserError(`${location} is not a line the change removed or replaced on base: expected a base line inside a hunk of ${path}`);
  return `${f.path}:${Math.max(1, h.newStart)}`;
}

/** Why a patched text would not load, or undefined when it parses. */
function syntaxError(path: string, text: string): string | undefined {
  const out = ts.transpileModule(text, { fileName: path, reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022 } });
  const d = out.diagnostics?.find((x) => x.category === ts.DiagnosticCategory.Error);
  if (!d) return undefined;
  const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
  return `${path}:${line}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
}

export interface DraftSet {
  drafts: FixDraft[];
  /** Rungs that gave no draft, and why (nothing smaller than the next rung, a patch that would not parse). */
  skipped: Array<{ scope: FixScope; why: string }>;
}

/**
 * Every draft for a root cause at `location` (a changed head line), smallest first, each checked to apply to
 * head and parse; a rung that reverts exactly what a smaller one does is left out. `related` are other changed
 * head lines the failing run ran: the `file` rung reverts their hunks too.
 */
export async function fixDrafts(files: FileDiff[], read: ReadSide, at: string, related: string[] = [], side: "base" | "head" = "head"): Promise<DraftSet> {
  const location = side === "base" ? headOfBaseLine(files, at) : at;
  const hunk = revertHunk(files, location);
  const { path, line } = Span.leading(location, "location");
  const file = files.find((f) => f.path === path) as FileDiff;
  const [baseText, headText] = await Promise.all([read("base", file.oldPath ?? path), read("head", path)]);
  const candidates: Array<{ scope: FixScope; draft: FixDraft | undefined; why?: string }> = [];
  if (side === "base") {
    // A line only base has: no statement of head stands for it; its hunk is the smallest revert.
    candidates.push({ scope: "statement", draft: undefined, why: `${at} is a line only base has: head removed it` });
    candidates.push({ scope: "hunk", draft: hunk });
    if (baseText !== undefined && headText !== undefined) {
      candidates.push({ scope: "function", draft: nodeRevert("function", path, baseText, headText, file.hunks, line, isFunction), why: "no function of base stands at the same place" });
    }
  } else if (baseText === undefined || headText === undefined) {
    candidates.push({ scope: "statement", draft: undefined, why: `${path} is new or deleted: there is no statement of base to put back` });
    candidates.push({ scope: "hunk", draft: hunk });
  } else {
    candidates.push({ scope: "statement", draft: nodeRevert("statement", path, baseText, headText, file.hunks, line, isStatementLike), why: "no statement of base stands at the same place" });
    candidates.push({ scope: "hunk", draft: hunk });
    const fn = nodeRevert("function", path, baseText, headText, file.hunks, line, isFunction) ?? nodeRevert("function", path, baseText, headText, file.hunks, line, (n) => ts.isStatement(n), true);
    candidates.push({ scope: "function", draft: fn, why: "no function or declaration of base stands at the same place" });
  }
  // The widest rung: the root cause's file whole, and the hunks of the other changed lines the run went through.
  const wide = new Map<string, Set<Hunk>>([[path, new Set(file.hunks)]]);
  for (const r of related) {
    const span = Span.leading(r, "related location");
    const f = files.find((x) => x.path === span.path);
    const h = f?.hunks.find((x) => holdsHeadLine(x, span.line));
    if (f && h) wide.set(f.path, (wide.get(f.path) ?? new Set()).add(h));
  }
  const parts = [...wide].map(([p, hs]) => hunksRevert(p, [...hs].sort((a, b) => a.newStart - b.newStart)));
  candidates.push({ scope: "file", draft: { scope: "file", path, patch: parts.map((p) => p.patch).join(""), reverts: parts.flatMap((p) => p.reverts).join(",") } });

  const out: DraftSet = { drafts: [], skipped: [] };
  const seen = new Set<string>();
  for (const c of candidates) {
    if (!c.draft) {
      out.skipped.push({ scope: c.scope, why: c.why ?? "no draft" });
      continue;
    }
    const patched = await applyPatch(c.draft.patch, (p) => read("head", p));
    const key = JSON.stringify([...patched].sort());
    if (seen.has(key)) {
      out.skipped.push({ scope: c.scope, why: "it reverts the same lines as a smaller draft" });
      continue;
    }
    const broken = [...patched].map(([p, t]) => syntaxError(p, t)).find((e) => e !== undefined);
    if (broken) {
      out.skipped.push({ scope: c.scope, why: `the patched file would not parse (${broken})` });
      continue;
    }
    seen.add(key);
    out.drafts.push(c.draft);
  }
  return out;
}
