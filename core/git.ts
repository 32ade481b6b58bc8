import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { simpleGit, type SimpleGit } from "simple-git";
import { readWorktreeText } from "./confine.js";
import { keptAnswer, sharedWhileRunning } from "./shared-call.js";
import { UserError } from "./errors.js";

/** The working tree (staged and unstaged changes), accepted wherever a revision is. */
export const WORKTREE = "WORKTREE";

export function git(repo: string): SimpleGit {
  return simpleGit({ baseDir: repo, trimmed: false });
}

/** A revision as the user named it, with the commit it resolves to (null for the working tree). */
export interface Revision {
  name: string;
  commit: string | null;
}

/** Full commit ids already verified to exist, per repo: a commit id never changes what it names. */
const verifiedCommits = new Set<string>();

const COMMIT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** Whether a text is a full commit id (SHA-1 or SHA-256), the only revision form passed on to git. */
export function isCommitId(text: string): boolean {
  return COMMIT_ID.test(text);
}

/** A caller's text inside a one-line message: quoted, control characters escaped, long text cut. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

/**
 * The one resolver of revisions: every revision a tool or command takes goes through it, and only the commit
 * id it returns reaches git (DESIGN.md: bad input gets one line naming it). Text that git could read as an
 * option (`--output=…`, `-c x=y`) is refused before git sees it.
 */
export async function resolveRevision(repo: string, rev: string | undefined): Promise<Revision> {
  const name = rev ?? WORKTREE;
  if (name === WORKTREE) return { name, commit: null };
  if (verifiedCommits.has(`${repo}\0${name}`)) return { name, commit: name };
  const expected = `expected a branch, tag, commit or ${WORKTREE}`;
  if (name.startsWith("-")) throw new UserError(`revision ${quote(name)} is not valid: it reads as a git option; ${expected}`);
  if (name === "" || /[\x00-\x1f\x7f]/.test(name)) throw new UserError(`revision ${quote(name)} is not valid: ${expected}`);
  try {
    const out = await git(repo).raw(["rev-parse", "--verify", "--quiet", "--end-of-options", `${name}^{commit}`]);
    const commit = out.trim();
    if (isCommitId(commit)) {
      verifiedCommits.add(`${repo}\0${commit}`);
      return { name, commit };
    }
  } catch {
    // fall through to the one-line error below
  }
  throw new UserError(`unknown revision ${quote(name)} in ${repo}: ${expected}`);
}

/** A commit id to hand to git, or an error: a guard for callers that must pass only resolved revisions. */
export function commitId(id: string): string {
  if (!isCommitId(id)) throw new Error(`internal: ${quote(id)} is not a resolved commit id; resolve it with resolveRevision first`);
  return id;
}

/** The merge-base of HEAD with the default branch (origin/HEAD, else main, else master), else HEAD. */
export async function defaultBase(repo: string): Promise<Revision> {
  for (const candidate of ["origin/HEAD", "main", "master"]) {
    try {
      const out = await git(repo).raw(["merge-base", "HEAD", candidate]);
      const commit = out.trim();
      if (commit) return { name: candidate, commit };
    } catch {
      // try the next candidate
    }
  }
  return resolveRevision(repo, "HEAD");
}

/** Git's own blob id of a content, so working-tree files and committed files share one key. */
export function blobHash(content: Buffer | string): string {
  const buf = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  return createHash("sha1").update(`blob ${buf.length}\0`).update(buf).digest("hex");
}

export interface TreeEntry {
  path: string;
  hash: string;
}

/** Files of a commit: path and blob id, from one `git ls-tree`. */
export async function listTree(repo: string, commit: string): Promise<TreeEntry[]> {
  const id = commitId(commit);
  // A commit's tree never changes: listed once per process (a check asks once per scenario).
  const entries = await keptAnswer(trees, `${repo}\0${id}`, 16, async () => {
    const out = await git(repo).raw(["ls-tree", "-r", "-z", "--full-tree", id]);
    const list: TreeEntry[] = [];
    for (const record of out.split("\0")) {
      if (!record) continue;
      const tab = record.indexOf("\t");
      const [, type, hash] = record.slice(0, tab).split(" ");
      if (type === "blob" && hash) list.push({ path: record.slice(tab + 1), hash });
    }
    return list;
  });
  return entries.map((e) => ({ ...e }));
}
const trees = new Map<string, Promise<TreeEntry[]>>();

/** Paths of the working tree that git would see: tracked and untracked, less ignored files. */
export async function listWorktree(repo: string): Promise<string[]> {
  const paths = await sharedWhileRunning(listings, repo, async () => {
    const out = await git(repo).raw(["ls-files", "-z", "-c", "-o", "--exclude-standard"]);
    return [...new Set(out.split("\0").filter(Boolean))];
  });
  return [...paths];
}
const listings = new Map<string, Promise<string[]>>();

/**
 * Reads many blobs through one `git cat-file --batch` process (DESIGN.md: never one `git show` per file).
 */
export function readBlobs(repo: string, hashes: readonly string[]): Promise<Map<string, Buffer>> {
  // Only object ids go to cat-file: a line of other text would name some other object.
  const wanted = [...new Set(hashes)].filter((h) => /^[0-9a-f]{40,64}$/.test(h));
  const result = new Map<string, Buffer>();
  if (wanted.length === 0) return Promise.resolve(result);
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["cat-file", "--batch"], { cwd: repo, stdio: ["pipe", "pipe", "pipe"] });
    let pending: Buffer = Buffer.alloc(0);
    let index = 0;
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        const nl = pending.indexOf(10);
        if (nl < 0) return;
        const header = pending.subarray(0, nl).toString("utf8");
        const parts = header.split(" ");
        if (parts[1] === "missing") {
          pending = pending.subarray(nl + 1);
          index++;
          continue;
        }
        const size = Number(parts[2]);
        if (pending.length < nl + 1 + size + 1) return;
        result.set(parts[0] ?? wanted[index] ?? "", Buffer.from(pending.subarray(nl + 1, nl + 1 + size)));
        pending = pending.subarray(nl + 1 + size + 1);
        index++;
      }
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(result);
      else reject(new Error(`git cat-file --batch failed in ${repo}: ${stderr.trim() || `exit ${code}`}`));
    });
    child.stdin.end(wanted.join("\n") + "\n");
  });
}

/** A file of a revision with its text. */
export interface FileText {
  path: string;
  text: string;
}

/**
 * Files of a revision (or the working tree) whose paths pass `wanted`, with their text: the worktree from
 * disk, a commit through one cat-file process. Never checks anything out. In the working tree a symlink is
 * read as its link text, as git stores it, and nothing beyond a symlinked directory is read: no path leads
 * out of the repo.
 */
export async function readFilesAt(repo: string, revision: Revision, wanted: (path: string) => boolean): Promise<FileText[]> {
  if (revision.commit === null) {
    const paths = (await listWorktree(repo)).filter(wanted).sort();
    const files = await Promise.all(
      paths.map(async (path) => {
        const text = await readWorktreeText(repo, path);
        return text === undefined ? undefined : { path, text }; // undefined: listed by git but gone from the working tree
      }),
    );
    return files.filter((f): f is FileText => f !== undefined);
  }
  const entries = (await listTree(repo, revision.commit)).filter((e) => wanted(e.path));
  const blobs = await readBlobs(repo, entries.map((e) => e.hash));
  return entries.map((e) => ({ path: e.path, text: blobs.get(e.hash)?.toString("utf8") ?? "" }));
}

/** Whether `ancestor` is reachable from `descendant` (false also when either is unknown or not a commit id). */
export function isAncestor(repo: string, ancestor: string, descendant: string): Promise<boolean> {
  if (!isCommitId(ancestor) || !isCommitId(descendant)) return Promise.resolve(false);
  // Exit status is the answer here, which simple-git does not surface; so plain execFile.
  return new Promise((resolve) => {
    execFile("git", ["merge-base", "--is-ancestor", "--end-of-options", ancestor, descendant], { cwd: repo }, (err) => resolve(!err));
  });
}
