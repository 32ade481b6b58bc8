import { UserError } from "../../core/errors.js";
import { git, resolveRevision } from "../../core/git.js";
import { readLog, type Commit } from "./log.js";
import { ticketRefs, type TicketRef } from "./ticket-keys.js";

/** Commits that touched a file, a symbol's lines or one line, newest first. */
export interface HistoryEntry {
  commit: string;
  author: string;
  email: string;
  /** Author date: when the change was written. */
  time: string;
  subject: string;
  message: string;
  tickets: TicketRef[];
  /** For line histories: the lines before and after this commit changed them. */
  before?: string[];
  after?: string[];
}

function entry(c: Commit): HistoryEntry {
  return { commit: c.sha, author: c.author.name, email: c.author.email, time: c.authoredAt, subject: c.subject, message: c.message, tickets: ticketRefs(c.message) };
}

/**
 * The commit a history starts from: the revision resolved (the one resolver, so no caller text reaches git
 * as an option); the working tree's history is HEAD's.
 */
async function startCommit(repo: string, rev: string): Promise<string> {
  const r = await resolveRevision(repo, rev);
  return r.commit ?? ((await resolveRevision(repo, "HEAD")).commit as string);
}

/** A file's history, following renames. */
export async function fileHistory(repo: string, path: string, rev: string, limit: number): Promise<HistoryEntry[]> {
  const commits = await readLog(repo, ["--follow", `-n${limit}`, await startCommit(repo, rev)], [path]);
  return commits.map(entry);
}

/**
 * The history of a line range (`git log -L`), which follows the lines through edits and renames. Each entry
 * carries the range's old and new lines in that commit.
 */
export async function rangeHistory(repo: string, path: string, start: number, end: number, rev: string, limit: number): Promise<HistoryEntry[]> {
  const commit = await startCommit(repo, rev);
  let out: string;
  try {
    out = await git(repo).raw(["log", `-L${start},${end}:${path}`, `-n${limit}`, "--format=%x1e%H", "--end-of-options", commit]);
  } catch (err) {
    throw new UserError(`cannot follow lines ${start}-${end} of ${path} at ${rev}: ${(err as Error).message.trim().split("\n").pop()}`);
  }
  const records = out.split("\x1e").filter((r) => r.trim());
  const patches = new Map<string, { before: string[]; after: string[] }>();
  const order: string[] = [];
  for (const r of records) {
    const [sha = "", ...lines] = r.split("\n");
    order.push(sha.trim());
    const before: string[] = [];
    const after: string[] = [];
    let inHunk = false;
    for (const l of lines) {
      if (l.startsWith("@@")) inHunk = true;
      else if (!inHunk || l.startsWith("---") || l.startsWith("+++")) continue;
      else if (l.startsWith("-")) before.push(l.slice(1));
      else if (l.startsWith("+")) after.push(l.slice(1));
    }
    patches.set(sha.trim(), { before, after });
  }
  if (order.length === 0) return [];
  const headers = await readLog(repo, ["--no-walk=unsorted", ...order]);
  const byId = new Map(headers.map((c) => [c.sha, c]));
  return order
    .map((sha) => byId.get(sha))
    .filter((c): c is Commit => c !== undefined)
    .map((c) => ({ ...entry(c), ...(patches.get(c.sha) ?? {}) }));
}
