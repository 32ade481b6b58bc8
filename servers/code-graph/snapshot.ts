import { readWorktreeFile, worktreeEntry } from "../../core/confine.js";
import { blobHash, listTree, listWorktree, readBlobs, type Revision, type TreeEntry } from "../../core/git.js";
import { isProjectFile, isSourcePath, MAX_SOURCE_BYTES } from "./source-files.js";

/** The files of one revision the code graph reads, and a way to get their text. */
export interface Snapshot {
  revision: Revision;
  sources: TreeEntry[];
  projectFiles: TreeEntry[];
  /** Texts by blob hash; reads only what is asked for (one cat-file process for a commit). */
  read(hashes: readonly string[]): Promise<Map<string, string>>;
}

interface CachedFile {
  kind: "file" | "symlink";
  mtimeMs: number;
  size: number;
  hash: string;
  text: string;
}

/**
 * Reads the working tree, hashing only files whose size or mtime changed since the last scan, so a warm
 * server answers "what moved since the index" without rereading the repo. Every path stays in the repo: a
 * symlink is its link text, as at a commit, and nothing beyond a symlinked directory is read.
 */
export class WorktreeReader {
  private readonly cache = new Map<string, CachedFile>();

  constructor(private readonly repo: string) {}

  async scan(): Promise<{ sources: TreeEntry[]; projectFiles: TreeEntry[]; texts: Map<string, string> }> {
    const paths = (await listWorktree(this.repo)).filter((p) => isSourcePath(p) || isProjectFile(p));
    const sources: TreeEntry[] = [];
    const projectFiles: TreeEntry[] = [];
    const texts = new Map<string, string>();
    const seen = new Set<string>();
    await Promise.all(
      paths.map(async (path) => {
        // lstat, never stat: a symlink is read as its link text (what git stores), whatever it points at.
        const st = await worktreeEntry(this.repo, path);
        if (!st || st.size > MAX_SOURCE_BYTES) return; // absent (deleted, or beyond a symlinked directory)
        let entry = this.cache.get(path);
        if (!entry || entry.kind !== st.kind || entry.mtimeMs !== st.mtimeMs || entry.size !== st.size) {
          const buf = await readWorktreeFile(this.repo, path);
          if (!buf || buf.length > MAX_SOURCE_BYTES) return;
          entry = { kind: st.kind, mtimeMs: st.mtimeMs, size: st.size, hash: blobHash(buf), text: buf.toString("utf8") };
          this.cache.set(path, entry);
        }
        seen.add(path);
        texts.set(entry.hash, entry.text);
        (isSourcePath(path) ? sources : projectFiles).push({ path, hash: entry.hash });
      }),
    );
    for (const path of this.cache.keys()) if (!seen.has(path)) this.cache.delete(path);
    const byPath = (a: TreeEntry, b: TreeEntry) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
    return { sources: sources.sort(byPath), projectFiles: projectFiles.sort(byPath), texts };
  }
}

export async function worktreeSnapshot(reader: WorktreeReader, revision: Revision): Promise<Snapshot> {
  const { sources, projectFiles, texts } = await reader.scan();
  return {
    revision,
    sources,
    projectFiles,
    read: async (hashes) => new Map(hashes.map((h) => [h, texts.get(h) ?? ""])),
  };
}

export async function commitSnapshot(repo: string, revision: Revision & { commit: string }): Promise<Snapshot> {
  const entries = await listTree(repo, revision.commit);
  return {
    revision,
    sources: entries.filter((e) => isSourcePath(e.path)),
    projectFiles: entries.filter((e) => isProjectFile(e.path)),
    read: async (hashes) => {
      const blobs = await readBlobs(repo, hashes);
      const texts = new Map<string, string>();
      for (const [hash, buf] of blobs) if (buf.length <= MAX_SOURCE_BYTES) texts.set(hash, buf.toString("utf8"));
      return texts;
    },
  };
}
