import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** One commit of a fixture repo: files to write (null deletes), with its own author and time. */
export interface CommitSpec {
  message: string;
  files: Record<string, string | null>;
  author?: { name: string; email: string };
  date?: string;
}

const DEFAULT_AUTHOR = { name: "Ada Fixture", email: "ada@example.test" };

/** A fresh temporary directory for one test; removed by the returned cleanup. */
export function tempDir(prefix = "worldline-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function gitIn(dir: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync("git", args, {
    cwd: dir,
    encoding: "utf8",
    // A fresh machine has no git identity: every fixture sets its own, and ignores the user's config.
    env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", ...env },
  });
}

export function writeFiles(dir: string, files: Record<string, string | null>): void {
  for (const [path, content] of Object.entries(files)) {
    const abs = join(dir, path);
    if (content === null) rmSync(abs, { force: true });
    else {
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, content);
    }
  }
}

/** Makes a git repository in `dir` with the given commits, in order, on branch main. */
export function makeRepo(dir: string, commits: readonly CommitSpec[]): string {
  gitIn(dir, ["init", "-q", "-b", "main"]);
  commits.forEach((c, i) => commitFiles(dir, c, i));
  return dir;
}

export function commitFiles(dir: string, c: CommitSpec, index = 0): string {
  writeFiles(dir, c.files);
  const who = c.author ?? DEFAULT_AUTHOR;
  const date = c.date ?? new Date(Date.UTC(2026, 0, 1 + index, 12)).toISOString();
  const env = {
    GIT_AUTHOR_NAME: who.name,
    GIT_AUTHOR_EMAIL: who.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: who.name,
    GIT_COMMITTER_EMAIL: who.email,
    GIT_COMMITTER_DATE: date,
  };
  gitIn(dir, ["add", "-A"], env);
  gitIn(dir, ["commit", "-q", "--allow-empty", "-m", c.message], env);
  return gitIn(dir, ["rev-parse", "HEAD"]).trim();
}
