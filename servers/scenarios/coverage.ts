import { posix } from "node:path";
import type { FileDiff, Hunk } from "../git-history/diff.js";
import { codeLines, enclosingFunctions, hunkChangesShape, inertModuleHunk, parseSource, type ParsedSides } from "./runtime-change.js";
import type { CoveredSite, RunCoverage } from "./sandbox/protocol.js";

/**
 * Coverage-exact selection (DESIGN.md, Simulation): a differential run is deterministic, so a change can alter
 * it only through what the run depended on: a statement or function it ran, module-level code of a module it
 * loaded, a module it asked for and did not find, or the files module resolution and installs read. This
 * module says whether a change meets a run's recorded coverage, and where.
 */

/** Files every run depends on without loading them: resolution settings, installs, Worldline's own config. */
export const RESOLUTION_FILES = /(^|\/)(package\.json|tsconfig[^/]*\.json|jsconfig\.json|package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lockb?|worldline\.config\.json)$/;

/** A hunk whose lines declare a function, class or var: without the file's texts, a declaration that never ran may still change what a name means. */
function declaresBinding(h: Hunk): boolean {
  return [...h.removed, ...h.added].some((l) => /\b(?:function|class|var)\b/.test(l));
}

/** A changed file's texts on each side, when the caller has them: they tell comments from code exactly. */
export interface ChangedTexts {
  base?: string;
  head?: string;
}

/**
 * Whether a hunk changes code, not only comments and blank lines. With the file's texts it is exact (the
 * scanner sees `/**\/ f()` and a `* 0;` continuation as code); without them every hunk counts, which selects.
 */
export function meaningfulHunk(h: Hunk, texts?: { base?: Set<number>; head?: Set<number> }): boolean {
  if (!texts?.base || !texts.head) return true;
  for (let i = 0; i < h.oldLines; i++) if (texts.base.has(h.oldStart + i)) return true;
  for (let i = 0; i < h.newLines; i++) if (texts.head.has(h.newStart + i)) return true;
  return false;
}

/**
 * The sites that hold lines `from`-`to` most tightly (several when statements share a line, as in
 * `if (x) return 1;`), or none when no site holds them (module-level code).
 */
function tightest(sites: readonly CoveredSite[], from: number, to: number): CoveredSite[] {
  let size = Infinity;
  let best: CoveredSite[] = [];
  for (const s of sites) {
    if (s[0] > from || s[1] < to) continue;
    const n = s[1] - s[0];
    if (n < size) {
      size = n;
      best = [s];
    } else if (n === size) best.push(s);
  }
  return best;
}

/** How a hunk meets a run: a site that ran, module-level code (no site holds it), or the header of a function that never ran. */
type Meeting = { ran: string; statement: boolean } | { moduleLevel: true } | { unrunHeader: true } | undefined;

/**
 * Whether a hunk of a loaded file meets what the run executed, and how: a changed line held most tightly by a
 * statement or function that ran, or a line outside every site, which is module-level code (imports,
 * declarations, data) that ran when the module loaded. A pure insertion is judged by the sites that hold both
 * lines around it. Failing those, whether it touches the first line of a function that never ran (its name,
 * kind or modifiers may be read without calling it).
 */
function hunkMeets(sites: readonly CoveredSite[], h: Hunk): Meeting {
  const ranges: Array<[number, number]> = h.oldLines > 0 ? Array.from({ length: h.oldLines }, (_, i) => [h.oldStart + i, h.oldStart + i] as [number, number]) : [[h.oldStart, h.oldStart + 1]];
  let header = false;
  let moduleLevel = false;
  for (const [from, to] of ranges) {
    const holders = tightest(sites, from, to);
    if (!holders.length) {
      moduleLevel = true;
      continue;
    }
    const ran = holders.find((s) => s[3]);
    if (ran) return { ran: ran[2] === "f" ? `a function it ran (lines ${ran[0]}-${ran[1]})` : `a statement it ran (line ${ran[0]})`, statement: ran[2] === "s" };
    if (holders.some((s) => s[2] === "f" && s[0] === from)) header = true;
  }
  if (moduleLevel) return { moduleLevel: true };
  return header ? { unrunHeader: true } : undefined;
}

/**
 * Why a hunk meets the run, or undefined when it cannot change it. With both sides parsed it is exact: module-level
 * code (run or not) meets unless it only touches inert declarations nothing else names; an unrun function's header meets when
 * the declarations it replaces change shape. Without them, module-level code and declarations always meet.
 */
function whyMeets(sites: readonly CoveredSite[], h: Hunk, all: readonly Hunk[], sides: ParsedSides | undefined): string | undefined {
  // A change inside a function's body runs only when the function does, whatever else shares its lines (the
  // `export const f = (x) => ...` whose statement ran at load): the innermost such function with a site decides
  // when it never ran; when it ran, the sites within it say where (the tightest statement).
  for (const fn of sides ? enclosingFunctions(h, sides) : []) {
    const own = sites.filter((s) => s[2] === "f" && s[0] === fn.line && s[1] === fn.endLine);
    if (!own.length) continue;
    if (!own.some((s) => s[3])) return undefined;
    break;
  }
  const m = hunkMeets(sites, h);
  const shapeChanged = () => !sides || hunkChangesShape(h, sides);
  // Held by code that never ran: only a declaration that hoists out of it (a var, a function) can still matter.
  if (!m) return declaresBinding(h) && shapeChanged() ? "a declaration of a module it loaded (declarations change scope where they never run)" : undefined;
  // A module-level declaration that ran when the module loaded did nothing but bind its name: if nothing else names it, it is inert.
  if ("ran" in m) return m.statement && sides && inertModuleHunk(h, sides, all) ? undefined : m.ran;
  if ("moduleLevel" in m) return sides && inertModuleHunk(h, sides, all) ? undefined : "module-level code of a module it loaded";
  if (!sides) return "a declaration of a module it loaded (declarations change scope where they never run)";
  return shapeChanged() ? "a declaration of a module it loaded (a function's name, kind or modifiers changed, which a run can read without calling it)" : undefined;
}

type Request = RunCoverage["requests"][number];

/** The stem a relative or repo-rooted request names (`src/calc` for `./calc.js` from src/a.ts); none for a bare one. */
function requestStems(r: Request): string[] {
  const spec = r.specifier;
  if (!spec.startsWith(".") && !spec.startsWith("/")) {
    // A bare request the repo answered: the stems of the file it found (`src/calc` for src/calc/index.ts).
    if (!r.resolved) return [];
    const noExt = r.resolved.replace(/\.(?:d\.)?(?:[cm]?[jt]sx?|json)$/, "");
    return posix.basename(noExt) === "index" ? [noExt, posix.dirname(noExt)] : [noExt];
  }
  const base = posix.normalize(spec.startsWith("/") ? spec.slice(1) : posix.join(posix.dirname(r.from || "index.ts"), spec));
  const stem = base.replace(/\.(?:[cm]?js|jsx)$/, "");
  return stem === base ? [base] : [base, stem];
}

/** The stems under which a file could answer a request: its path, its path without extension, its folder for an index file. */
function fileStems(path: string): string[] {
  const noExt = path.replace(/\.(?:d\.)?(?:[cm]?[jt]sx?|json)$/, "");
  const out = [path, noExt];
  if (posix.basename(noExt) === "index") out.push(posix.dirname(noExt));
  return out;
}

/** A revision's files by content hash, and by the stems that requests name: built once per tree. */
export interface TreeIndex {
  hashes: ReadonlyMap<string, string>;
  stems: ReadonlyMap<string, string[]>;
  /** Candidates per request (`from\0specifier\0resolved`), as asked: scenarios share most of their requests. */
  candidates: Map<string, string[]>;
}

export function indexTree(tree: ReadonlyMap<string, string>): TreeIndex {
  const stems = new Map<string, string[]>();
  for (const path of tree.keys()) {
    if (!/\.(?:[cm]?[jt]sx?|json)$/.test(path)) continue;
    for (const stem of fileStems(path)) {
      const list = stems.get(stem);
      if (list) list.push(path);
      else stems.set(stem, [path]);
    }
  }
  return { hashes: tree, stems, candidates: new Map() };
}

/** The files of a tree that could answer a request, sorted. */
export function candidatesOf(r: Request, index: TreeIndex): string[] {
  const key = `${r.from}\0${r.specifier}\0${r.resolved ?? ""}`;
  let found = index.candidates.get(key);
  if (!found) {
    found = [...new Set(requestStems(r).flatMap((s) => index.stems.get(s) ?? []))].sort();
    index.candidates.set(key, found);
  }
  return found;
}

/** Whether a request could be answered by `path`. */
function mayAnswer(r: Request, path: string): boolean {
  const stems = new Set(fileStems(path));
  return requestStems(r).some((s) => stems.has(s));
}

export interface CoverageMeeting {
  touched: boolean;
  /** Where the change meets the run, `path:line (why)`, most telling first. */
  where: string[];
}

/**
 * A changed file's two sides parsed, with their code lines: computed once however many runs ask. Keyed by the
 * texts, not by the object holding them: a working tree's texts are read again for every scenario.
 */
const parsed = new Map<string, ParsedSides>();
function sidesOf(t: ChangedTexts | undefined, path: string): ParsedSides | undefined {
  if (t?.base === undefined || t.head === undefined) return undefined;
  const key = `${path}\0${t.base}\0${t.head}`;
  let hit = parsed.get(key);
  if (!hit) {
    const base = parseSource(t.base, path);
    const head = parseSource(t.head, path);
    hit = { base, head, code: { base: codeLines(base), head: codeLines(head) } };
    if (parsed.size >= 64) parsed.delete(parsed.keys().next().value as string);
    parsed.set(key, hit);
  }
  return hit;
}

/** A file's sites from their compact text (see RunCoverage). */
export function decodeSites(text: string): CoveredSite[] {
  if (!text) return [];
  return text.split(";").map((s) => {
    const [l = "0", e = "0", k = "s"] = s.split(",");
    return [Number(l), Number(e), k.toLowerCase() === "f" ? "f" : "s", k === "S" || k === "F" ? 1 : 0];
  });
}

/** Whether the change B→H (its file diffs, and the changed files' texts where known) meets a run's coverage on B. */
export function changeMeetsCoverage(cov: RunCoverage, files: readonly FileDiff[], texts: ReadonlyMap<string, ChangedTexts> = new Map()): CoverageMeeting {
  const where: string[] = [];
  for (const f of files) {
    if (RESOLUTION_FILES.test(f.path) || (f.oldPath !== undefined && RESOLUTION_FILES.test(f.oldPath))) {
      where.push(`${f.path} changed: module resolution and installs read it, so the run may differ`);
      continue;
    }
    const path = f.oldPath ?? f.path;
    const loaded = cov.files[path];
    if (loaded) {
      if (f.status === "deleted") {
        where.push(`${path} (deleted): a module it loaded`);
        continue;
      }
      const sides = sidesOf(texts.get(f.path), f.path);
      if (f.status === "renamed" && f.oldPath !== undefined && f.oldPath !== f.path) {
        where.push(`${f.oldPath} (renamed to ${f.path}): a module it loaded`);
        continue;
      }
      const sites = decodeSites(loaded.sites);
      for (const h of f.hunks.filter((x) => meaningfulHunk(x, sides?.code))) {
        const how = whyMeets(sites, h, f.hunks, sides);
        if (how) {
          where.push(`${f.path}:${Math.max(1, h.newStart)} (${how})`);
          break;
        }
      }
      continue;
    }
    if (f.status === "added" || f.status === "renamed") {
      // A new file may answer a request the run made: one it found nothing for, or one another file answered.
      const asked = cov.requests.find((r) => mayAnswer(r, f.path));
      if (asked) where.push(`${f.path} (new): it may answer the run's request for "${asked.specifier}"${asked.from ? ` from ${asked.from}` : ""}`);
    }
  }
  return { touched: where.length > 0, where };
}

/** The files a coverage record rests on, with their content hashes: what must be unchanged for it to hold. */
export function coverageDeps(cov: RunCoverage): Record<string, string> {
  return Object.fromEntries(Object.entries(cov.files).map(([path, f]) => [path, f.hash]));
}

/** Whether a base's tree still gives the run the same files: every loaded file the same, every request answered by the same candidates. */
export function coverageHolds(cov: RunCoverage, tree: TreeIndex): boolean {
  for (const [path, f] of Object.entries(cov.files)) if (tree.hashes.get(path) !== f.hash) return false;
  const resolution = cov.resolution ?? {};
  for (const [path, hash] of tree.hashes) if (RESOLUTION_FILES.test(path) && resolution[path] !== hash) return false;
  for (const path of Object.keys(resolution)) if (!tree.hashes.has(path)) return false;
  for (const r of cov.requests) if (candidatesOf(r, tree).join("\0") !== (r.candidates ?? []).join("\0")) return false;
  return true;
}
