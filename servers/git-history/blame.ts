import { worktreeEntry } from "../../core/confine.js";
import { redact } from "../../core/redact.js";
import { UserError } from "../../core/errors.js";
import { git, isCommitId, quote, resolveRevision, WORKTREE } from "../../core/git.js";
import type { CommitCache } from "./commits.js";
import { ticketRefs, type TicketRef } from "./ticket-keys.js";

/** One blamed line: who last changed it, when, and why (the commit message and the tickets it names). */
export interface BlameLine {
  line: number;
  content: string;
  commit: string;
  /** True for lines changed in the working tree and not committed yet. */
  uncommitted: boolean;
  /** The line's number and path in the commit that wrote it (git follows moves and copies with `follow`). */
  origLine: number;
  origPath: string;
  author: string;
  email: string;
  time: string;
  summary: string;
  message: string;
  tickets: TicketRef[];
}

export const IGNORE_REVS_FILE = ".git-blame-ignore-revs";
export const ZERO = "0000000000000000000000000000000000000000";

interface Porcelain {
  line: number;
  commit: string;
  /** Where the line was in the commit that wrote it: git follows it across moves and copies. */
  origLine: number;
  origPath: string;
  content: string;
  author: string;
  email: string;
  time: string;
  summary: string;
}

export function parsePorcelain(out: string): Porcelain[] {
  const lines: Porcelain[] = [];
  const info = new Map<string, Omit<Porcelain, "line" | "commit" | "content" | "origLine" | "origPath">>();
  let current: { commit: string; line: number; origLine: number } | undefined;
  let pending: Partial<Omit<Porcelain, "line" | "commit" | "content" | "origLine" | "origPath">> = {};
  // A group's first header carries its line count and is followed by its filename; the rest share it.
  let groupPath = "";
  for (const raw of out.split("\n")) {
    const header = /^([0-9a-f]{40}) (\d+) (\d+)( \d+)?$/.exec(raw);
    if (header) {
      current = { commit: header[1] as string, line: Number(header[3]), origLine: Number(header[2]) };
      if (header[4]) groupPath = "";
      pending = {};
      continue;
    }
    if (!current) continue;
    if (raw.startsWith("\t")) {
      const known = info.get(current.commit) ?? {
        author: pending.author ?? "",
        email: pending.email ?? "",
        time: pending.time ?? "",
        summary: redact(pending.summary ?? "").text,
      };
      info.set(current.commit, known);
      lines.push({ line: current.line, commit: current.commit, origLine: current.origLine, origPath: groupPath, content: raw.slice(1), ...known });
      current = undefined;
      continue;
    }
    const sp = raw.indexOf(" ");
    const key = sp < 0 ? raw : raw.slice(0, sp);
    const value = sp < 0 ? "" : raw.slice(sp + 1);
    if (key === "author") pending.author = value;
    else if (key === "author-mail") pending.email = value.replace(/^<|>$/g, "").toLowerCase();
    else if (key === "author-time") pending.time = new Date(Number(value) * 1000).toISOString();
    else if (key === "summary") pending.summary = value;
    else if (key === "filename") groupPath = value;
  }
  return lines;
}

/**
 * Blames lines of a file at a revision (or the working tree), honouring `.git-blame-ignore-revs`: a line last
 * touched by an ignored commit (a reformat) is attributed to the commit before it.
 */
export async function blame(
  repo: string,
  commits: CommitCache,
  path: string,
  range: { start: number; end: number },
  rev: string = WORKTREE,
  options: { follow?: boolean } = {},
): Promise<BlameLine[]> {
  // The revision reaches git only as the commit id it resolves to (git blame takes no --end-of-options).
  const { commit } = await resolveRevision(repo, rev);
  const rows = await blameRows(repo, path, range, commit, { follow: options.follow ?? false, ignoreRevs: await hasIgnoreRevs(repo), rev });
  const messages = await commits.get(rows.map((r) => r.commit).filter((c) => c !== ZERO));
  return rows.map((r) => {
    const message = messages.get(r.commit)?.message ?? r.summary;
    return { ...r, uncommitted: r.commit === ZERO, message, tickets: r.commit === ZERO ? [] : ticketRefs(message) };
  });
}

/** Whether the repo keeps a `.git-blame-ignore-revs` (only a regular file: a symlink would have git read outside the repo). */
export async function hasIgnoreRevs(repo: string): Promise<boolean> {
  return (await worktreeEntry(repo, IGNORE_REVS_FILE))?.kind === "file";
}

/** One blamed line as git reports it, before commit messages are joined. */
export type BlameRow = Porcelain;

/**
 * git blame's rows for a range at a resolved commit (null: the working tree). `follow` sees through
 * whitespace-only changes and lines moved or copied within a file or between files of one commit.
 */
export async function blameRows(
  repo: string,
  path: string,
  range: { start: number; end: number },
  commit: string | null,
  options: { follow: boolean; ignoreRevs: boolean; rev?: string },
): Promise<BlameRow[]> {
  if (range.start < 1 || range.end < range.start) {
    throw new UserError(`lines ${range.start}-${range.end} of ${path} are not a range: expected 1-based start <= end`);
  }
  if (commit !== null && !isCommitId(commit)) throw new Error(`internal: blameRows takes a resolved commit id, not ${quote(commit)}`);
  const rev = options.rev ?? commit ?? WORKTREE;
  const args = ["blame", "--porcelain", ...(options.follow ? ["-w", "-M", "-C", "-C"] : []), "-L", `${range.start},${range.end}`];
  if (options.ignoreRevs) args.push("--ignore-revs-file", IGNORE_REVS_FILE);
  if (commit) args.push(commit);
  args.push("--", path);
  let out: string;
  try {
    out = await git(repo).raw(args);
  } catch (err) {
    const msg = (err as Error).message;
    if (/has only \d+ lines?/.test(msg)) throw new UserError(`lines ${range.start}-${range.end} of ${path} are past its end at ${rev}: ${msg.trim().split("\n").pop()}`);
    throw new UserError(`cannot blame ${path} at ${rev}: the file does not exist there (expected a path tracked at that revision)`);
  }
  return parsePorcelain(out);
}
