import { readFilesAt, resolveRevision, WORKTREE } from "../../../core/git.js";
import { ModuleResolver } from "../../code-graph/module-resolver.js";
import { readProjectSettings } from "../../code-graph/project-settings.js";

/**
 * The repo's own source files at one revision, read once (one `git cat-file` for a commit, the disk for the
 * working tree), with an optional overlay of patched files on top, and the resolver the code graph uses, so
 * the sandbox resolves specifiers exactly as the index does.
 */
export interface RevisionFiles {
  rev: string;
  files: ReadonlyMap<string, string>;
  resolver: ModuleResolver;
}

const SOURCE = /\.(?:[cm]?[jt]sx?|json)$/;
const wanted = (path: string) => SOURCE.test(path) && !path.split("/").includes("node_modules") && !path.endsWith(".d.ts");

/** Commits cannot change: their files are kept per process (a pool child serves many runs of one change). */
const byCommit = new Map<string, Map<string, string>>();

export async function revisionFiles(repo: string, rev: string, overlay: Record<string, string> = {}): Promise<RevisionFiles> {
  let base: Map<string, string>;
  const key = `${repo}\0${rev}`;
  const hit = rev !== WORKTREE ? byCommit.get(key) : undefined;
  if (hit) base = hit;
  else {
    const revision = await resolveRevision(repo, rev === WORKTREE ? undefined : rev);
    base = new Map((await readFilesAt(repo, revision, wanted)).map((f) => [f.path, f.text]));
    if (rev !== WORKTREE) {
      if (byCommit.size > 16) byCommit.delete(byCommit.keys().next().value as string);
      byCommit.set(key, base);
    }
  }
  const files = Object.keys(overlay).length ? new Map([...base, ...Object.entries(overlay)]) : base;
  const project = new Map([...files].filter(([p]) => p.endsWith("package.json") || p === "tsconfig.json"));
  return { rev, files, resolver: new ModuleResolver(new Set(files.keys()), readProjectSettings(project)) };
}
