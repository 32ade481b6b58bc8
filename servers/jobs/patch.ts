import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./run.js";

/**
 * The working tree as a binary patch against HEAD, untracked files included (those `.gitignore` leaves in),
 * built in an index of its own so the user's staging area is never touched. Worldline's own state
 * (`.worldline/`) never travels.
 */
export async function worktreePatch(repo: string): Promise<{ commit: string; patch: string }> {
  const commit = (await run("git", ["rev-parse", "--verify", "HEAD^{commit}"], { cwd: repo })).trim();
  const dir = await mkdtemp(join(tmpdir(), "worldline-index-"));
  try {
    const env = { ...process.env, GIT_INDEX_FILE: join(dir, "index") };
    await run("git", ["read-tree", commit], { cwd: repo, env });
    await run("git", ["add", "-A", "--", ".", ":(exclude).worldline"], { cwd: repo, env });
    const patch = await run("git", ["diff", "--cached", "--binary", "--no-color", "--no-ext-diff", commit], { cwd: repo, env });
    return { commit, patch };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Applies a patch made by worktreePatch to a checkout of its commit. */
export async function applyPatch(dir: string, patch: string): Promise<void> {
  if (patch.trim() === "") return;
  await run("git", ["apply", "--binary", "--whitespace=nowarn", "-"], { cwd: dir, input: patch });
}
