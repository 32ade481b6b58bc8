import { realpathSync } from "node:fs";
import { sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Worldline's own folder: a clone, a global install, or a project's node_modules/worldline. */
export const WORLDLINE_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * The folder whose node_modules holds Worldline's dependencies (the pure ports of Node's built-ins among them):
 * Worldline's own folder in a clone or a global install; the project's, where npm hoists them, when Worldline
 * is installed as a project's dependency (a few may still sit nested in node_modules/worldline/node_modules).
 */
export const PACKAGES_ROOT = packagesRoot(WORLDLINE_ROOT);

export function packagesRoot(root: string): string {
  const parts = root.split(sep);
  const at = parts.indexOf("node_modules");
  return at > 0 ? parts.slice(0, at).join(sep) || sep : root;
}

/** The real path (symlinks resolved) of an existing file or folder, or undefined when it does not exist. */
export function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
