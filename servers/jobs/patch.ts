import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./run.js";

/**
 * The working tree as a binary patch against HEAD (or another commit), untracked files included (those `.gitignore` leaves in),
 * built in an index of its own so the user's staging area is never touched. Worldline's own state
 * (`.worldline/`) never travels.
 */
export async function worktreePatch(repo: string, against?: string): Promise<{ commit: string; patch: string }> {
  const head = (await run("git", ["rev-parse", "--verify", "HEAD^{commit}"], { cwd: repo })).trim();
  // Against another commit (base, when HEAD is not on the remote): the whole way from it to the working tree.
  const commit = against ?? head;
  const dir = await mkdtemp(join(tmpdir(), "worldline-index-"));
  try {
    const env = { ...process.env, GIT_INDEX_FILE: join(dir, "index") };
    await run("git", ["read-tree", head], { cwd: repo, env });
    await run("git", ["add", "-A", "--", ".", ":(exclude).worldline"], { cwd: repo, env });
    // --no-renames: a worker accepts no copy or rename headers (a copy's source is not a path git apply checks).
    const patch = await run("git", ["diff", "--cached", "--binary", "--no-color", "--no-ext-diff", "--no-renames", commit], { cwd: repo, env });
    return { commit, patch };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A path as a patch header gives it: C-quoted when it holds unusual characters. */
function unquote(text: string): string {
  const t = text.trim();
  if (!t.startsWith('"')) return t;
  try {
    return JSON.parse(t.replace(/\\([0-7]{3})/g, (_, o: string) => `\\u${Number.parseInt(o, 8).toString(16).padStart(4, "0")}`)) as string;
  } catch {
    return t;
  }
}

/**
 * The patch a worker is sent comes from the code under review: every path it names stays inside the
 * checkout, and it copies and renames nothing (`git apply` checks where a patch writes, not where a copy
 * reads from: `copy from /etc/…` would bring a file of the worker's machine into the simulation).
 */
export function checkPatch(patch: string): void {
  const bad = (path: string, line: string) => {
    const parts = path.split("/");
    if (path.startsWith("/") || parts.includes("..") || parts.some((p) => p === ".git") || path.includes("\\")) {
      throw new Error(`the patch names ${JSON.stringify(path)} (${line.slice(0, 80)}): a patch may only change files inside the repository, never .git`);
    }
  };
  // Headers are the lines between `diff --git` and the first hunk or binary block; a removed line "-- x"
  // inside a hunk is content.
  let inHeader = false;
  for (const line of patch.split("\n")) {
    if (line.startsWith("diff --git ")) inHeader = true;
    else if (line.startsWith("@@") || line.startsWith("GIT binary patch")) inHeader = false;
    if (!inHeader) continue;
    if (/^(?:copy|rename) (?:from|to) /.test(line) || /^rename (?:old|new) /.test(line)) throw new Error(`the patch copies or renames files (${line.slice(0, 80)}): a worker applies only plain changes; make the patch with --no-renames`);
    const header = /^(?:---|\+\+\+) (.+)$/.exec(line);
    if (header?.[1]) {
      const p = unquote(header[1].replace(/\t.*$/, ""));
      if (p !== "/dev/null") bad(p.replace(/^[ab]\//, ""), line);
      continue;
    }
    const diff = /^diff --git (.+)$/.exec(line);
    if (diff?.[1]) {
      for (const m of diff[1].matchAll(/"(?:[^"\\]|\\.)*"|\S+/g)) bad(unquote(m[0]).replace(/^[ab]\//, ""), line);
    }
  }
}

/** Applies a patch made by worktreePatch to a checkout of its commit, once it has passed checkPatch. */
export async function applyPatch(dir: string, patch: string): Promise<void> {
  if (patch.trim() === "") return;
  checkPatch(patch);
  await run("git", ["apply", "--binary", "--whitespace=nowarn", "-"], { cwd: dir, input: patch });
}
