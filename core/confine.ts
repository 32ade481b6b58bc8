import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { type FileHandle, lstat, open, readlink, realpath } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve, sep } from "node:path";

/**
 * Confinement to a repo (DESIGN.md: the code under review never reads outside the repo). A path is under a
 * root when the root's path segments are a prefix of its own, after both are resolved: `/repo-secrets` is
 * not under `/repo`, and a symlink that leads out of the repo does not count as inside it. The working-tree
 * reader reads a symlink as git stores it (its link text) and never follows it.
 */

function segments(abs: string): string[] {
  return resolve(abs).split(sep).filter(Boolean);
}

/** Whether `abs` is `root` or below it, compared by path segments (never by string prefix). */
export function isUnder(root: string, abs: string): boolean {
  const r = segments(root);
  const p = segments(abs);
  return r.length <= p.length && r.every((s, i) => p[i] === s);
}

/** `abs` relative to `root` with forward slashes, or undefined when it is not under root (by segments). */
export function relativeUnder(root: string, abs: string): string | undefined {
  if (!isUnder(root, abs)) return undefined;
  return segments(abs).slice(segments(root).length).join("/");
}

const MAX_LINKS = 40;

/**
 * Where a path leads on disk: each component resolved in turn, every symlink followed through its link text
 * (dangling ones too), and the part that does not exist yet appended as written. So a path that would be
 * created through a symlink is judged by where it would land.
 */
export function realPathOf(path: string): string {
  const pending = segments(path);
  let done: string = sep;
  let hops = 0;
  while (pending.length > 0) {
    const next = join(done, pending.shift() as string);
    let link: string | undefined;
    try {
      if (lstatSync(next).isSymbolicLink()) link = readlinkSync(next, "utf8");
    } catch {
      return join(next, ...pending); // the rest does not exist yet
    }
    if (link === undefined || ++hops > MAX_LINKS) done = next;
    else {
      // `done` is already real, so `..` in the link text can be resolved lexically against it.
      pending.unshift(...segments(resolve(done, link)));
      done = sep;
    }
  }
  return done;
}

const realRoots = new Map<string, string>();

/** The repo root as the file system resolves it (cached: a repo root does not move while served). */
export function realRoot(repo: string): string {
  let real = realRoots.get(repo);
  if (real === undefined) {
    real = realPathOf(repo);
    realRoots.set(repo, real);
  }
  return real;
}

/**
 * A repo-relative path from git (ls-files) as a safe relative path: no absolute path, no `..`, no empty
 * segment, no NUL. Undefined otherwise.
 */
function cleanRelative(path: string): string | undefined {
  if (!path || path.includes("\0") || isAbsolute(path)) return undefined;
  const parts = path.split("/");
  if (parts.some((p) => p === "" || p === "." || p === "..")) return undefined;
  return parts.join("/");
}

/** Opens a file itself, never a symlink's target (ELOOP for a link), and never waits on a FIFO. */
const NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** What the working tree holds at a path: a regular file or a symlink (read as its link text), with lstat's size and mtime. */
export interface WorktreeEntry {
  kind: "file" | "symlink";
  size: number;
  mtimeMs: number;
}

/**
 * Whether every directory above `rel` is a real directory of the repo (no symlink among them): git never
 * looks beyond a symlinked directory, and neither does Worldline.
 */
async function parentIsReal(repo: string, rel: string): Promise<boolean> {
  const parent = dirname(rel);
  if (parent === ".") return true;
  try {
    return (await realpath(join(repo, parent))) === join(realRoot(repo), parent);
  } catch {
    return false;
  }
}

function parentIsRealSync(repo: string, rel: string): boolean {
  const parent = dirname(rel);
  if (parent === ".") return true;
  try {
    return realpathSync(join(repo, parent)) === join(realRoot(repo), parent);
  } catch {
    return false;
  }
}

/**
 * The entry at a repo-relative path of the working tree, by lstat (a symlink is never followed), or undefined
 * when it is absent, not a file or a symlink, or lies beyond a symlinked directory.
 */
export async function worktreeEntry(repo: string, path: string): Promise<WorktreeEntry | undefined> {
  const rel = cleanRelative(path);
  if (!rel || !(await parentIsReal(repo, rel))) return undefined;
  try {
    const st = await lstat(join(repo, rel));
    if (st.isSymbolicLink()) return { kind: "symlink", size: st.size, mtimeMs: st.mtimeMs };
    if (st.isFile()) return { kind: "file", size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    // absent
  }
  return undefined;
}

/**
 * The bytes git would store for a working-tree path: a regular file's content, a symlink's link text (never
 * its target's content), undefined when absent or beyond a symlinked directory. The file is opened with
 * O_NOFOLLOW, so a file swapped for a symlink after the check is read as a link, not followed.
 */
export async function readWorktreeFile(repo: string, path: string): Promise<Buffer | undefined> {
  const rel = cleanRelative(path);
  if (!rel || !(await parentIsReal(repo, rel))) return undefined;
  const abs = join(repo, rel);
  let handle: FileHandle | undefined;
  try {
    handle = await open(abs, NO_FOLLOW);
    if (!(await handle.stat()).isFile()) return undefined;
    return await handle.readFile();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ELOOP") return undefined;
    return readlink(abs, { encoding: "buffer" }).catch(() => undefined);
  } finally {
    await handle?.close();
  }
}

/** `readWorktreeFile` as UTF-8 text. */
export async function readWorktreeText(repo: string, path: string): Promise<string | undefined> {
  return (await readWorktreeFile(repo, path))?.toString("utf8");
}

/** `readWorktreeFile`, synchronous, for the few readers that are (the repo's own config file). */
export function readWorktreeFileSync(repo: string, path: string): Buffer | undefined {
  const rel = cleanRelative(path);
  if (!rel || !parentIsRealSync(repo, rel)) return undefined;
  const abs = join(repo, rel);
  let fd: number | undefined;
  try {
    fd = openSync(abs, NO_FOLLOW);
    if (!fstatSync(fd).isFile()) return undefined;
    return readFileSync(fd);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ELOOP") return undefined;
    try {
      return readlinkSync(abs, { encoding: "buffer" });
    } catch {
      return undefined;
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
