import { realpathSync } from "node:fs";
import { isAbsolute, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Worldline's own install root: the pure ports of Node's built-ins and the tsx loader live under it. */
export const WORLDLINE_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Whether `path` is `dir` or lies under it, compared by path segments (so `/repo-secrets` is not under `/repo`). */
export function isUnder(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!isAbsolute(rel) && rel.split(sep)[0] !== "..");
}

/** The real path (symlinks resolved) of an existing file or folder, or undefined when it does not exist. */
export function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
