import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { listTree, resolveRevision } from "../core/git.js";
import { keptAnswer, sharedWhileRunning } from "../core/shared-call.js";
import { diffFiles } from "../servers/git-history/diff.js";
import { commitFiles, makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * A check asks git the same questions once per scenario: overlapping questions share one answer, answers about
 * commits are kept, and an answer about the working tree is never kept past the call (an edit is seen next time).
 */
describe("shared answers", () => {
  it("shares a running call and forgets it once it settles", async () => {
    const running = new Map<string, Promise<number>>();
    let starts = 0;
    const start = () => new Promise<number>((r) => setTimeout(() => r(++starts), 20));
    const [a, b] = await Promise.all([sharedWhileRunning(running, "k", start), sharedWhileRunning(running, "k", start)]);
    expect([a, b, starts]).toEqual([1, 1, 1]);
    expect(running.size).toBe(0);
    expect(await sharedWhileRunning(running, "k", start)).toBe(2);
  });

  it("keeps answers up to its bound, and not a failure", async () => {
    const kept = new Map<string, Promise<string>>();
    let calls = 0;
    const fails = () => {
      calls++;
      return Promise.reject(new Error("git failed"));
    };
    await expect(keptAnswer(kept, "x", 2, fails)).rejects.toThrow("git failed");
    await expect(keptAnswer(kept, "x", 2, fails)).rejects.toThrow("git failed");
    expect(calls).toBe(2);
    await keptAnswer(kept, "a", 2, async () => "A");
    await keptAnswer(kept, "b", 2, async () => "B");
    await keptAnswer(kept, "c", 2, async () => "C");
    expect([...kept.keys()]).toEqual(["b", "c"]);
  });
});

describe("git answers shared across a check", () => {
  const tmp = tempDir();
  const repo = makeRepo(tmp.dir, [{ message: "one", files: { "a.ts": "export const a = 1;\n" } }]);
  commitFiles(repo, { message: "two", files: { "a.ts": "export const a = 2;\n" } }, 1);
  afterAll(() => tmp.cleanup());

  it("sees an edit of the working tree made between two diffs", async () => {
    const before = await diffFiles(repo, "HEAD", "WORKTREE");
    expect(before).toEqual([]);
    writeFileSync(join(repo, "a.ts"), "export const a = 3;\n");
    writeFileSync(join(repo, "b.ts"), "export const b = 1;\n");
    const after = await diffFiles(repo, "HEAD", "WORKTREE");
    expect(after.map((f) => `${f.status} ${f.path}`).sort()).toEqual(["added b.ts", "modified a.ts"]);
  });

  it("gives each caller its own copy of a kept answer", async () => {
    const [one, two] = await Promise.all([diffFiles(repo, "HEAD~1", "HEAD"), diffFiles(repo, "HEAD~1", "HEAD")]);
    (one[0]?.hunks[0]?.added ?? []).push("tampered");
    expect(two[0]?.hunks[0]?.added).toEqual(["export const a = 2;"]);
    expect((await diffFiles(repo, "HEAD~1", "HEAD"))[0]?.hunks[0]?.added).toEqual(["export const a = 2;"]);
    const head = (await resolveRevision(repo, "HEAD")).commit as string;
    const tree = await listTree(repo, head);
    tree.splice(0, tree.length);
    expect((await listTree(repo, head)).map((e) => e.path)).toEqual(["a.ts"]);
  });
});
