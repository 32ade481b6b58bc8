import { listTree, listWorktree, readFilesAt, resolveRevision, WORKTREE } from "../../../core/git.js";
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
  /** Every file path of the revision (of any kind; fs listings show them), node_modules aside. */
  paths: ReadonlySet<string>;
  resolver: ModuleResolver;
}

/** The files a revision's tree holds for a simulation: code and JSON (modules, and the fixtures fs reads serve). */
export const SOURCE_FILE = /\.(?:[cm]?[jt]sx?|json)$/;
/** Whether the tree holds `path` when the revision has it. */
export const inTree = (path: string) => SOURCE_FILE.test(path) && !path.split("/").includes("node_modules") && !path.endsWith(".d.ts");

/** Commits cannot change: their files are kept per process (a pool child serves many runs of one change). */
const byCommit = new Map<string, { files: Map<string, string>; paths: Set<string> }>();

export async function revisionFiles(repo: string, rev: string, overlay: Record<string, string> = {}): Promise<RevisionFiles> {
  let base: Map<string, string>;
  let paths: Set<string>;
  const key = `${repo}\0${rev}`;
  const hit = rev !== WORKTREE ? byCommit.get(key) : undefined;
  if (hit) ({ files: base, paths } = hit);
  else {
    const revision = await resolveRevision(repo, rev === WORKTREE ? undefined : rev);
    base = new Map((await readFilesAt(repo, revision, inTree)).map((f) => [f.path, f.text]));
    const all = revision.commit === null ? await listWorktree(repo) : (await listTree(repo, revision.commit)).map((e) => e.path);
    paths = new Set(all.filter((p) => !p.split("/").includes("node_modules")));
    if (rev !== WORKTREE) {
      if (byCommit.size > 16) byCommit.delete(byCommit.keys().next().value as string);
      byCommit.set(key, { files: base, paths });
    }
  }
  const files = Object.keys(overlay).length ? new Map([...base, ...Object.entries(overlay)]) : base;
  const project = new Map([...files].filter(([p]) => p.endsWith("package.json") || p === "tsconfig.json"));
  const all = Object.keys(overlay).length ? new Set([...paths, ...Object.keys(overlay)]) : paths;
  return { rev, files, paths: all, resolver: new ModuleResolver(new Set(files.keys()), readProjectSettings(project)) };
}
