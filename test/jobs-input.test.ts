import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkLockfile } from "../servers/jobs/lockfile.js";
import { applyPatch, checkPatch, worktreePatch } from "../servers/jobs/patch.js";
import { hideCredentials } from "../core/redact.js";
import { gitIn, makeRepo, tempDir } from "./helpers/git-fixture.js";

const REGISTRY = "https://registry.npmjs.org/";

describe("what a worker accepts from the code under review", () => {
  it("a working tree travels as a patch (new, changed, deleted and binary files) that applies to a checkout of its commit", async () => {
    const tmp = tempDir();
    try {
      const dev = join(tmp.dir, "dev");
      const other = join(tmp.dir, "other");
      gitIn(tmp.dir, ["init", "-q", dev]);
      makeRepo(dev, [{ message: "init", files: { "src/a.ts": "export const a = 1;\n", "src/gone.ts": "x\n", "img.bin": "\u0000\u0001" } }]);
      writeFileSync(join(dev, "src/a.ts"), "export const a = 2;\n");
      writeFileSync(join(dev, "src/new.ts"), "export const b = 3;\n");
      writeFileSync(join(dev, "img.bin"), Buffer.from([0, 2, 255]));
      gitIn(dev, ["rm", "-q", "src/gone.ts"]);
      const { commit, patch } = await worktreePatch(dev);
      expect(() => checkPatch(patch)).not.toThrow();
      gitIn(tmp.dir, ["clone", "-q", dev, other]);
      gitIn(other, ["checkout", "-q", commit]);
      await applyPatch(other, patch);
      expect(readFileSync(join(other, "src/a.ts"), "utf8")).toBe("export const a = 2;\n");
      expect(readFileSync(join(other, "src/new.ts"), "utf8")).toBe("export const b = 3;\n");
      expect([...readFileSync(join(other, "img.bin"))]).toEqual([0, 2, 255]);
      expect(() => readFileSync(join(other, "src/gone.ts"))).toThrow();
      // The user's own staging area is untouched.
      expect(gitIn(dev, ["diff", "--cached", "--name-only"]).trim()).toBe("src/gone.ts");
    } finally {
      tmp.cleanup();
    }
  });

  it("refuses patches that copy, rename, or name a path outside the checkout or in .git, naming the line", () => {
    const header = (a: string, b: string, extra = "") => `diff --git a/${a} b/${b}\n${extra}--- a/${a}\n+++ b/${b}\n@@ -1 +1 @@\n-x\n+y\n`;
    expect(() => checkPatch("diff --git a/src/leak.json b/src/leak.json\nsimilarity index 100%\ncopy from /etc/passwd\ncopy to src/leak.json\n")).toThrow(/^the patch copies or renames files \(copy from \/etc\/passwd\)/);
    expect(() => checkPatch("diff --git a/a.ts b/b.ts\nrename from a.ts\nrename to b.ts\n")).toThrow(/copies or renames/);
    expect(() => checkPatch(header("../x.ts", "../x.ts"))).toThrow(/^the patch names "\.\.\/x\.ts"/);
    expect(() => checkPatch(header(".git/config", ".git/config"))).toThrow(/never \.git/);
    expect(() => checkPatch(header("sub/.git/hooks/pre-commit", "sub/.git/hooks/pre-commit"))).toThrow(/never \.git/);
    expect(() => checkPatch('diff --git "a/\\056\\056/x" "b/\\056\\056/x"\n--- "a/\\056\\056/x"\n+++ "b/\\056\\056/x"\n')).toThrow(/the patch names "\.\.\/x"/);
    // A removed line "-- ../x" inside a hunk is content, not a header.
    expect(() => checkPatch("diff --git a/q.sql b/q.sql\n--- a/q.sql\n+++ b/q.sql\n@@ -1 +1 @@\n--- ../x\n+select 1;\n")).not.toThrow();
  });

  it("lets a lockfile install only from the registry, naming the first entry that does not", () => {
    const lock = (packages: Record<string, unknown>) => JSON.stringify({ name: "x", lockfileVersion: 3, packages: { "": { name: "x" }, ...packages } });
    expect(() => checkLockfile(lock({ "node_modules/a": { version: "1.0.0", resolved: `${REGISTRY}a/-/a-1.0.0.tgz` }, "packages/w": { link: true, resolved: "packages/w" } }), REGISTRY, "commit c")).not.toThrow();
    expect(() => checkLockfile(lock({ "node_modules/h": { resolved: "git+file:///srv/other#abc" } }), REGISTRY, "commit c")).toThrow(
      "commit c: package-lock.json entry node_modules/h resolves to git+file:///srv/other#abc, not to https://registry.npmjs.org/: a worker installs only from the registry",
    );
    expect(() => checkLockfile(lock({ "node_modules/h": { resolved: "file:../../secret.tgz" } }), REGISTRY, "c")).toThrow(/resolves to file:/);
    expect(() => checkLockfile(lock({ "node_modules/h": { resolved: "http://169.254.169.254/x.tgz" } }), REGISTRY, "c")).toThrow(/resolves to http:\/\/169/);
    expect(() => checkLockfile(lock({ "node_modules/h": { link: true, resolved: "../../etc" } }), REGISTRY, "c")).toThrow(/links to \.\.\/\.\.\/etc, outside the repository/);
    expect(() => checkLockfile(JSON.stringify({ lockfileVersion: 1, dependencies: { a: { version: "1.0.0", dependencies: { b: { version: "git+ssh://git@host/b.git#1" } } } } }), REGISTRY, "c")).toThrow(
      /entry a > b is version git\+ssh/,
    );
    expect(() => checkLockfile("{", REGISTRY, "c")).toThrow("c: package-lock.json is not JSON, so a worker cannot install from it");
  });

  it("hides the credentials of every URL in a message", () => {
    expect(hideCredentials("fatal: repository 'https://x-access-token:ghp_abc@github.com/acme/b.git/' not found; also ssh://git:pw@h/r")).toBe(
      "fatal: repository 'https://***@github.com/acme/b.git/' not found; also ssh://***@h/r",
    );
  });
});
