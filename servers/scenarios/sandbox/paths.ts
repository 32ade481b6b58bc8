import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Worldline's own install root: the pure ports of Node's built-ins and the tsx loader live under it. */
export const WORLDLINE_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The real path (symlinks resolved) of an existing file or folder, or undefined when it does not exist. */
export function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
