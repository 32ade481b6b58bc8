import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * What the samples' build scripts share: a real git history replayed commit by commit, each with its author and
 * date set, and the final files a step is made from.
 */
export interface Person {
  name: string;
  email: string;
}

export interface Step {
  message: string;
  author: Person;
  date: string;
  /** Repo path to text; null deletes the file. */
  files: Record<string, string | null>;
}

/** git in `dir`, with no user or system config; with `who` and `date`, as that author and committer at that time. */
export function git(dir: string, args: string[], who?: Person, date?: string): string {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };
  if (who && date) {
    Object.assign(env, { GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_AUTHOR_DATE: date, GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email, GIT_COMMITTER_DATE: date });
  }
  return execFileSync("git", args, { cwd: dir, env, encoding: "utf8" });
}

/** Writes (or deletes) the step's files and commits them; answers the new commit's id. */
export function commit(dir: string, step: Step): string {
  for (const [path, text] of Object.entries(step.files)) {
    const abs = join(dir, path);
    if (text === null) rmSync(abs, { force: true });
    else {
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, text);
    }
  }
  git(dir, ["add", "-A"], step.author, step.date);
  git(dir, ["commit", "-q", "--allow-empty", "-m", step.message], step.author, step.date);
  return git(dir, ["rev-parse", "HEAD"]).trim();
}

/** A sample's final files under `root`, and an earlier version of one made by replacing text in it (each pair must still match). */
export function finalFiles(root: string, sample: string): { finalFile(path: string): string; replaced(path: string, pairs: Array<[string, string]>): string } {
  const finalFile = (path: string) => readFileSync(join(root, path), "utf8");
  return {
    finalFile,
    replaced(path, pairs) {
      let text = finalFile(path);
      for (const [from, to] of pairs) {
        if (!text.includes(from)) throw new Error(`${sample} build: ${path} no longer contains ${JSON.stringify(from)}`);
        text = text.replace(from, to);
      }
      return text;
    },
  };
}
