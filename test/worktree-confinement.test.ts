import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isUnder, readWorktreeText } from "../core/confine.js";
import { readFilesAt, resolveRevision, WORKTREE } from "../core/git.js";
import { confinePath, loadConfig, stateDir } from "../core/repo.js";
import { diffFiles } from "../servers/git-history/diff.js";
import { commitFiles, gitIn, makeRepo, tempDir } from "./helpers/git-fixture.js";
import { connectServer, structured } from "./helpers/mcp-client.js";

/**
 * Symlinks in the working tree (issue 15): a committed symlink that leads out of the repo is read as what git
 * stores for it (its link text), never followed, by the working-tree reader, the code graph and the diff;
 * nothing beyond a symlinked directory is read; and a path is inside the repo by its segments, so
 * `<repo>-secrets` beside the repo is outside it.
 */

const SECRET = "TOP-SECRET";
const outsideFile = `export function leakedFile(): string {\n  return "${SECRET}-FILE";\n}\n`;
const outsideDirFile = `export function leakedDir(): string {\n  return "${SECRET}-DIR";\n}\n`;
const siblingFile = `export function leakedSibling(): string {\n  return "${SECRET}-SIBLING";\n}\n`;
/** A directory of the repo whose name is also TypeScript, so that a link through it parses as a declaration. */
const TRICK_DIR = "x;function trick(){}";

describe("the working tree is read without leaving the repo", () => {
  const tmp = tempDir("worldline-confine-");
  const repo = join(tmp.dir, "repo");
  const outside = join(tmp.dir, "outside");
  const siblings = join(tmp.dir, "repo-secrets");
  let client: Client;
  let close: () => Promise<void>;

  beforeAll(async () => {
    mkdirSync(join(outside, "dir"), { recursive: true });
    mkdirSync(siblings);
    mkdirSync(repo);
    writeFileSync(join(outside, "secret.ts"), outsideFile);
    writeFileSync(join(outside, "dir", "inner.ts"), outsideDirFile);
    writeFileSync(join(siblings, "secret.ts"), siblingFile);
    makeRepo(repo, [
      {
        message: "init",
        files: {
          "src/a.ts": 'export function a(): string {\n  return "inside";\n}\n',
          "src/moved/inner.ts": 'export function movedInner(): string {\n  return "inside too";\n}\n',
          [`src/${TRICK_DIR}/keep.txt`]: "kept\n",
        },
      },
    ]);
    // Committed symlinks: a file out of the repo (absolute), a directory out of it, a file in the sibling
    // folder <repo>-secrets (relative), one through a directory named like code, and one that stays inside.
    symlinkSync(join(outside, "secret.ts"), join(repo, "src/leak.ts"));
    symlinkSync(join(outside, "dir"), join(repo, "src/lib"));
    symlinkSync("../../repo-secrets/secret.ts", join(repo, "src/sibling.ts"));
    symlinkSync(`${TRICK_DIR}/../../../outside/secret.ts`, join(repo, "src/trick.ts"));
    symlinkSync("a.ts", join(repo, "src/alias.ts"));
    commitFiles(repo, { message: "links", files: {} }, 1);
    // In the working tree only: an untracked link out, and a tracked directory swapped for a link out.
    symlinkSync(join(outside, "secret.ts"), join(repo, "src/untracked-leak.ts"));
    rmSync(join(repo, "src/moved"), { recursive: true });
    symlinkSync(join(outside, "dir"), join(repo, "src/moved"));
    ({ client, close } = await connectServer("code-graph", repo));
  });
  afterAll(async () => {
    await close();
    tmp.cleanup();
  });

  it("compares paths by segments: <repo>-secrets is not in <repo>", () => {
    expect(isUnder(repo, join(repo, "src/a.ts"))).toBe(true);
    expect(isUnder(repo, repo)).toBe(true);
    expect(isUnder(repo, siblings)).toBe(false);
    expect(isUnder(repo, join(siblings, "secret.ts"))).toBe(false);
    expect(isUnder(repo, join(repo, "..", "repo-secrets"))).toBe(false);
  });

  it("refuses caller paths that lead out of the repo, by segments and through symlinks", () => {
    expect(confinePath(repo, "src/a.ts")).toBe("src/a.ts");
    expect(confinePath(repo, "src/alias.ts")).toBe("src/alias.ts");
    expect(confinePath(repo, "src/new-file.ts")).toBe("src/new-file.ts");
    for (const path of [
      "../repo-secrets/secret.ts",
      join(siblings, "secret.ts"),
      "src/leak.ts",
      "src/lib/inner.ts",
      "src/lib/new-file.ts",
      "src/sibling.ts",
      "src/trick.ts",
      "src/moved/inner.ts",
    ]) {
      expect(() => confinePath(repo, path), path).toThrow(/is outside the repo/);
    }
    // A dangling link out of the repo is judged by where it would land.
    symlinkSync(join(outside, "not-yet.ts"), join(repo, "dangling.ts"));
    try {
      expect(() => confinePath(repo, "dangling.ts")).toThrow(/is outside the repo/);
    } finally {
      rmSync(join(repo, "dangling.ts"));
    }
  });

  it("readFilesAt(WORKTREE) reads a symlink as its link text, like git at a commit, and nothing beyond a symlinked directory", async () => {
    const worktree = await readFilesAt(repo, { name: WORKTREE, commit: null }, (p) => p.startsWith("src/"));
    const byPath = new Map(worktree.map((f) => [f.path, f.text]));
    for (const f of worktree) expect(f.text, f.path).not.toContain(SECRET);
    expect(byPath.get("src/leak.ts")).toBe(join(outside, "secret.ts"));
    expect(byPath.get("src/sibling.ts")).toBe("../../repo-secrets/secret.ts");
    expect(byPath.get("src/lib")).toBe(join(outside, "dir"));
    expect(byPath.get("src/untracked-leak.ts")).toBe(join(outside, "secret.ts"));
    expect(byPath.get("src/alias.ts")).toBe("a.ts");
    expect(byPath.has("src/moved/inner.ts")).toBe(false);
    expect(byPath.has("src/lib/inner.ts")).toBe(false);
    // At a commit git gives the same link texts.
    const head = await readFilesAt(repo, await resolveRevision(repo, "HEAD"), (p) => p.startsWith("src/"));
    for (const f of head) if (byPath.has(f.path)) expect(byPath.get(f.path), f.path).toBe(f.text);
    expect(await readWorktreeText(repo, "src/moved/inner.ts")).toBeUndefined();
    expect(await readWorktreeText(repo, "../repo-secrets/secret.ts")).toBeUndefined();
  });

  it("the diff reads an untracked symlink as its link text", async () => {
    const files = await diffFiles(repo, "HEAD", WORKTREE);
    const added = files.find((f) => f.path === "src/untracked-leak.ts");
    expect(added?.hunks[0]?.added).toEqual([join(outside, "secret.ts")]);
    expect(JSON.stringify(files)).not.toContain(SECRET);
  });

  it("the code graph at WORKTREE never returns what a symlink points at", async () => {
    const literal = structured<{ items: unknown[] }>(await client.callTool({ name: "find_literal", arguments: { text: SECRET } }));
    expect(literal.items).toEqual([]);
    const leaked = structured<{ items: Array<{ id: string }> }>(await client.callTool({ name: "search_symbols", arguments: { query: "leaked" } }));
    expect(leaked.items).toEqual([]);
    for (const id of ["src/leak.ts#leakedFile", "src/lib/inner.ts#leakedDir", "src/sibling.ts#leakedSibling", "src/moved/inner.ts#movedInner"]) {
      const r = await client.callTool({ name: "get_symbol", arguments: { id, includeSource: true } });
      expect(JSON.stringify(r), id).not.toContain(SECRET);
      expect(r.isError, id).toBe(true);
    }
    // What is inside the repo still answers.
    const a = structured<{ source: string }>(await client.callTool({ name: "get_symbol", arguments: { id: "src/a.ts#a", includeSource: true } }));
    expect(a.source).toContain('return "inside"');
    // At a commit the links are their text too.
    const atHead = structured<{ items: unknown[] }>(await client.callTool({ name: "find_literal", arguments: { text: SECRET, rev: "HEAD" } }));
    expect(atHead.items).toEqual([]);
  });

  it("a symbol parsed from a link's text never shows the file the link points at", async () => {
    // src/trick.ts -> "x;function trick(){}/../../../outside/secret.ts": its link text declares trick().
    const hits = structured<{ items: Array<{ id: string }> }>(await client.callTool({ name: "search_symbols", arguments: { query: "trick" } }));
    expect(hits.items.map((h) => h.id)).toEqual(["src/trick.ts#trick"]);
    for (const hit of hits.items) {
      const r = await client.callTool({ name: "get_symbol", arguments: { id: hit.id, includeSource: true } });
      expect(JSON.stringify(r), hit.id).not.toContain(SECRET);
      expect(JSON.stringify(r), hit.id).not.toContain("leakedFile");
    }
  });

  it("the repo's own config and state are never read or written through a symlink", () => {
    const other = join(tmp.dir, "other");
    mkdirSync(other);
    makeRepo(other, [{ message: "init", files: { "a.ts": "export const a = 1;\n" } }]);
    writeFileSync(join(outside, "config.json"), JSON.stringify({ model: `${SECRET}-CONFIG` }));
    symlinkSync(join(outside, "config.json"), join(other, "worldline.config.json"));
    let message = "";
    try {
      loadConfig(other);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/worldline.config.json .* is not valid JSON/);
    expect(message).not.toContain(SECRET);
    symlinkSync(join(outside, "dir"), join(other, ".worldline"));
    expect(() => stateDir(other)).toThrow(/is not a directory of the repo/);
  });

  it("git itself sees the links as links", () => {
    expect(gitIn(repo, ["ls-files", "-s", "src/leak.ts"])).toMatch(/^120000 /);
  });
});
