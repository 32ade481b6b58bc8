import type { RevisionFiles } from "./sources.js";

/**
 * The host's half of the read-only `fs` the simulated code sees (prelude.ts `fsModule`): reads of the repo's
 * files answered from the revision's tree (so a test's fixtures load as they are at that revision, never from
 * the disk of the machine), directories listed from the revision's paths. The tree holds the repo's code and
 * JSON files; a read of a file of another kind the revision has is answered `unserved`, and the code gets an
 * error that says so.
 */
export const FS_PREFIX = "\u0000worldline-fs:";

type Query = { op: "read" | "list" | "stat"; path: string };
export type FsAnswer = { text: string } | { entries: Array<[string, boolean]> } | { file: number } | { dir: true } | { missing: true } | { unserved: true };

/** Directories of a revision, each with its entries (name, is a directory), built once per revision. */
const dirsOf = new WeakMap<ReadonlySet<string>, Map<string, Map<string, boolean>>>();
function directories(paths: ReadonlySet<string>): Map<string, Map<string, boolean>> {
  let dirs = dirsOf.get(paths);
  if (dirs) return dirs;
  dirs = new Map([["", new Map()]]);
  for (const path of paths) {
    const parts = path.split("/");
    for (let i = 0; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      let entries = dirs.get(dir);
      if (!entries) dirs.set(dir, (entries = new Map()));
      entries.set(parts[i] as string, i < parts.length - 1);
    }
  }
  dirsOf.set(paths, dirs);
  return dirs;
}

/** Answers one query (`op:path`, the path relative to the repo, already normalized by the prelude); `read` tells the loader which files a run read. */
export function fsAnswer(tree: Pick<RevisionFiles, "files" | "paths">, query: string, read: (path: string) => void): string {
  const files = tree.files;
  const colon = query.indexOf(":");
  const q = { op: query.slice(0, colon), path: query.slice(colon + 1) } as Query;
  const dirs = directories(tree.paths);
  const answer = ((): FsAnswer => {
    const text = files.get(q.path);
    const dir = dirs.get(q.path);
    if (q.op === "list") return dir ? { entries: [...dir].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) } : text !== undefined || tree.paths.has(q.path) ? { file: (text ?? "").length } : { missing: true };
    if (dir) return { dir: true };
    if (text === undefined && q.op === "stat" && tree.paths.has(q.path)) return { file: 0 };
    if (text !== undefined) {
      if (q.op === "read") {
        read(q.path);
        return { text };
      }
      return { file: Buffer.byteLength(text) };
    }
    // Not in the tree: either not there, or a kind of file the tree does not hold (a .txt, an image).
    return tree.paths.has(q.path) ? { unserved: true } : { missing: true };
  })();
  return JSON.stringify(answer);
}
