/** Which files of a repo the code graph reads. */

const SOURCE_EXT = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
const SKIPPED = /(^|\/)(node_modules|\.worldline|\.git)\//;
const MINIFIED = /\.min\.(js|mjs|cjs)$/;

/** Larger files are generated or vendored; parsing them costs much and tells little. */
export const MAX_SOURCE_BYTES = 1_000_000;

export function isSourcePath(path: string): boolean {
  return SOURCE_EXT.test(path) && !SKIPPED.test(path) && !MINIFIED.test(path);
}

/** Project metadata the graph needs beside the sources: entry points, workspaces, path aliases. */
export function isProjectFile(path: string): boolean {
  if (SKIPPED.test(path)) return false;
  const base = path.slice(path.lastIndexOf("/") + 1);
  return base === "package.json" || base === "pnpm-workspace.yaml" || /^tsconfig(\..+)?\.json$/.test(base);
}

export function isJavaScriptPath(path: string): boolean {
  return /\.(js|jsx|mjs|cjs)$/.test(path);
}
