import { commitId, git, isCommitId, quote } from "../../core/git.js";
import { redact } from "../../core/redact.js";

/** Commits as read from `git log`: identity through the repo's mailmap, times, message and files touched. */
export interface FileChange {
  path: string;
  /** The path before a rename, when git detected one. */
  oldPath?: string;
  added: number;
  deleted: number;
  binary: boolean;
}

export interface Commit {
  sha: string;
  parents: string[];
  author: { name: string; email: string };
  authoredAt: string;
  committedAt: string;
  message: string;
  subject: string;
  files: FileChange[];
}

const FORMAT = "%x1e%H%x1f%P%x1f%aN%x1f%aE%x1f%aI%x1f%cI%x1f%B%x1f";

/** Parses `git log -z --numstat --format=FORMAT` output (records start with \x1e, header ends with \x1f\0). */
export function parseLog(out: string): Commit[] {
  const commits: Commit[] = [];
  for (const record of out.split("\x1e")) {
    if (!record) continue;
    const end = record.indexOf("\x1f\0");
    const header = end >= 0 ? record.slice(0, end) : record.replace(/\x1f\s*$/, "");
    const stats = end >= 0 ? record.slice(end + 2) : "";
    const [sha = "", parents = "", name = "", email = "", authoredAt = "", committedAt = "", ...body] = header.split("\x1f");
    // Messages are answered and stored: a secret pasted into one is redacted as it is read.
    const message = redact(body.join("\x1f").trim()).text;
    const files: FileChange[] = [];
    const tokens = stats.replace(/^\n/, "").split("\0");
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]?.replace(/^\n/, "");
      if (!t) continue;
      const [a = "", d = "", path = ""] = t.split("\t");
      const binary = a === "-";
      const change = { added: binary ? 0 : Number(a), deleted: binary ? 0 : Number(d), binary };
      if (path) files.push({ path, ...change });
      else {
        // A rename: the old and new paths follow as their own records.
        const oldPath = tokens[++i] ?? "";
        const newPath = tokens[++i] ?? "";
        files.push({ path: newPath, oldPath, ...change });
      }
    }
    commits.push({
      sha,
      parents: parents.split(" ").filter(Boolean),
      author: { name, email: email.toLowerCase() },
      authoredAt: new Date(authoredAt).toISOString(),
      committedAt: new Date(committedAt).toISOString(),
      message,
      subject: message.split("\n")[0] ?? "",
      files,
    });
  }
  return commits;
}

/** The options `readLog` passes on; anything else in a range is refused (it would be caller text). */
const LOG_OPTIONS = /^(?:--follow|--no-walk(?:=unsorted)?|-n\d+|--since=[+-]?\d{4,6}-\d\d-\d\dT[\d:.]+Z)$/;

/**
 * A range as git arguments: its options first, then `--end-of-options` and the revisions, each a resolved
 * commit id (optionally negated with ^) or HEAD. Revisions from callers are resolved before they get here.
 */
function rangeArgs(range: readonly string[]): string[] {
  const options: string[] = [];
  const revs: string[] = [];
  for (const r of range) {
    if (r.startsWith("-")) {
      if (!LOG_OPTIONS.test(r)) throw new Error(`internal: git log option ${quote(r)} is not one readLog passes on`);
      options.push(r);
    } else if (r === "HEAD" || isCommitId(r.startsWith("^") ? r.slice(1) : r)) revs.push(r);
    else throw new Error(`internal: ${quote(r)} is not a resolved commit id; resolve it with resolveRevision first`);
  }
  return [...options, "--end-of-options", ...revs];
}

/** Commits reachable by `range` (e.g. HEAD, or `<commit> ^<old commit>`), newest first, with files and renames. */
export async function readLog(repo: string, range: string[], paths: string[] = []): Promise<Commit[]> {
  const out = await git(repo).raw(["log", "-z", "-M", "--numstat", `--format=${FORMAT}`, ...rangeArgs(range), "--", ...paths]);
  return parseLog(out);
}

/** One commit's header, without its files. */
export async function readCommit(repo: string, sha: string): Promise<Commit | undefined> {
  const out = await git(repo).raw(["log", "-1", "-z", `--format=${FORMAT}`, "--end-of-options", commitId(sha)]);
  return parseLog(out)[0];
}
