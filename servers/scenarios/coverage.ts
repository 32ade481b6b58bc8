import { posix } from "node:path";
import type { FileDiff, Hunk } from "../git-history/diff.js";
import type { CoveredSite, RunCoverage } from "./sandbox/protocol.js";

/**
 * Coverage-exact selection (DESIGN.md, Simulation): a differential run is deterministic, so a change can alter
 * it only through what the run depended on: a statement or function it ran, module-level code of a module it
 * loaded, a module it asked for and did not find, or the files module resolution and installs read. This
 * module says whether a change meets a run's recorded coverage, and where.
 */

/** Files every run depends on without loading them: resolution settings, installs, Worldline's own config. */
export const RESOLUTION_FILES = /(^|\/)(package\.json|tsconfig[^/]*\.json|jsconfig\.json|package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lockb?|worldline\.config\.json)$/;

const COMMENT_ONLY = /^\s*(?:\/\/.*|\/\*.*|\*.*|\*\/\s*)?$/;

/** A hunk that changes more than blank lines and comments. */
export function meaningfulHunk(h: Hunk): boolean {
  return [...h.added, ...h.removed].some((l) => !COMMENT_ONLY.test(l));
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

/**
 * Whether a hunk of a loaded file meets what the run executed, and how: a changed line held most tightly by a
 * statement or function that ran, or a line outside every site, which is module-level code (imports,
 * declarations, data) that ran when the module loaded. A pure insertion is judged by the sites that hold both
 * lines around it.
 */
function hunkMeets(sites: readonly CoveredSite[], h: Hunk): string | undefined {
  const ranges: Array<[number, number]> = h.oldLines > 0 ? Array.from({ length: h.oldLines }, (_, i) => [h.oldStart + i, h.oldStart + i] as [number, number]) : [[h.oldStart, h.oldStart + 1]];
  for (const [from, to] of ranges) {
    const holders = tightest(sites, from, to);
    if (!holders.length) return "module-level code of a module it loaded";
    const ran = holders.find((s) => s[3]);
    if (ran) return ran[2] === "f" ? `a function it ran (lines ${ran[0]}-${ran[1]})` : `a statement it ran (line ${ran[0]})`;
  }
  return undefined;
}

/** Whether a module request that found nothing may now find `path` (a relative or repo-rooted specifier). */
function mayResolveTo(t: RunCoverage["tried"][number], path: string): boolean {
  const spec = t.specifier;
  if (!spec.startsWith(".") && !spec.startsWith("/")) return false;
  const base = spec.startsWith("/") ? spec.slice(1) : posix.join(posix.dirname(t.from || "index.ts"), spec);
  const stem = posix.normalize(base).replace(/\.(?:[cm]?js|jsx)$/, "");
  const noExt = path.replace(/\.(?:[cm]?[jt]sx?|json)$/, "");
  return noExt === stem || noExt === `${stem}/index` || path === posix.normalize(base);
}

export interface CoverageMeeting {
  touched: boolean;
  /** Where the change meets the run, `path:line (why)`, most telling first. */
  where: string[];
}

/** Whether the change B→H (its file diffs) meets a run's coverage on B. */
export function changeMeetsCoverage(cov: RunCoverage, files: readonly FileDiff[]): CoverageMeeting {
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
      for (const h of f.hunks.filter(meaningfulHunk)) {
        const how = hunkMeets(loaded.sites, h);
        if (how) {
          where.push(`${f.path}:${Math.max(1, h.newStart)} (${how})`);
          break;
        }
      }
      continue;
    }
    if (f.status === "added" || f.status === "renamed") {
      const asked = cov.tried.find((t) => mayResolveTo(t, f.path));
      if (asked) where.push(`${f.path} (new): the run asked for "${asked.specifier}"${asked.from ? ` from ${asked.from}` : ""} and found nothing`);
    }
  }
  return { touched: where.length > 0, where };
}

/** The files a coverage record rests on, with their content hashes: what must be unchanged for it to hold. */
export function coverageDeps(cov: RunCoverage): Record<string, string> {
  return Object.fromEntries(Object.entries(cov.files).map(([path, f]) => [path, f.hash]));
}

/** Whether a base's tree still gives the run the same files: every loaded file the same, nothing it asked for present. */
export function coverageHolds(cov: RunCoverage, tree: ReadonlyMap<string, string>): boolean {
  for (const [path, f] of Object.entries(cov.files)) if (tree.get(path) !== f.hash) return false;
  for (const [path, hash] of tree) {
    if (RESOLUTION_FILES.test(path) && cov.resolution?.[path] !== hash) return false;
  }
  for (const path of Object.keys(cov.resolution ?? {})) if (!tree.has(path)) return false;
  if (cov.tried.length) for (const path of tree.keys()) if (cov.tried.some((t) => mayResolveTo(t, path))) return false;
  return true;
}
