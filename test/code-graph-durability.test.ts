import { spawn } from "node:child_process";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { generateRepo } from "../bench/generate-repo.js";
import { main } from "../agent/cli.js";
import { makeCodeFixture } from "./helpers/code-fixture.js";
import { tempDir } from "./helpers/git-fixture.js";
import { BIN } from "./helpers/mcp-client.js";

const quiet = { out: () => undefined, err: () => undefined };

function runIndex(repo: string): { done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; kill: () => void } {
  const child = spawn(process.execPath, [BIN, "index", "--repo", repo], { stdio: "ignore" });
  return {
    done: new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal }))),
    kill: () => child.kill("SIGKILL"),
  };
}

interface Consistency {
  manifest: number;
  files: number;
  danglingUnits: number;
  danglingBlobs: number;
  integrity: string;
}

function inspect(repo: string): Consistency {
  const db = new Database(join(repo, ".worldline", "worldline.db"), { readonly: true });
  try {
    const rev = db.prepare<[], { manifest: number }>("SELECT manifest FROM cg_revision WHERE name = 'WORKTREE'").get();
    const manifest = rev?.manifest ?? -1;
    const count = (sql: string) => (db.prepare<[number], { n: number }>(sql).get(manifest)?.n ?? -1);
    return {
      manifest,
      files: count("SELECT COUNT(*) AS n FROM cg_manifest_file WHERE manifest = ?"),
      danglingUnits: count("SELECT COUNT(*) AS n FROM cg_manifest_file mf LEFT JOIN cg_unit u ON u.unit = mf.unit WHERE mf.manifest = ? AND u.unit IS NULL"),
      danglingBlobs: count("SELECT COUNT(*) AS n FROM cg_manifest_file mf LEFT JOIN cg_blob b ON b.hash = mf.hash WHERE mf.manifest = ? AND b.hash IS NULL"),
      integrity: String(db.pragma("integrity_check", { simple: true })),
    };
  } finally {
    db.close();
  }
}

describe("index durability", () => {
  it("an index run killed midway leaves the previous index whole", async () => {
    const tmp = tempDir();
    try {
      makeCodeFixture(tmp.dir);
      expect(await main(["index", "--repo", tmp.dir], quiet)).toBe(0);
      const before = inspect(tmp.dir);
      expect(before).toMatchObject({ files: 14, danglingUnits: 0, danglingBlobs: 0, integrity: "ok" });

      // Enough new code that the run is still parsing and resolving when it is killed.
      generateRepo(join(tmp.dir, "generated"), 1000);
      const run = runIndex(tmp.dir);
      await new Promise((r) => setTimeout(r, 1500));
      run.kill();
      expect((await run.done).signal).toBe("SIGKILL");

      expect(inspect(tmp.dir)).toEqual(before);
      expect(await main(["index", "--repo", tmp.dir], quiet)).toBe(0);
      const after = inspect(tmp.dir);
      expect(after.files).toBeGreaterThan(1000);
      expect(after).toMatchObject({ danglingUnits: 0, danglingBlobs: 0, integrity: "ok" });
    } finally {
      tmp.cleanup();
    }
  });

  it("two processes indexing the same repo at once both succeed: the second waits for the first", async () => {
    const tmp = tempDir();
    try {
      makeCodeFixture(tmp.dir);
      generateRepo(join(tmp.dir, "generated"), 200);
      const a = runIndex(tmp.dir);
      const b = runIndex(tmp.dir);
      expect(await a.done).toEqual({ code: 0, signal: null });
      expect(await b.done).toEqual({ code: 0, signal: null });
      const state = inspect(tmp.dir);
      expect(state).toMatchObject({ danglingUnits: 0, danglingBlobs: 0, integrity: "ok" });
      expect(state.files).toBe(14 + 200 + 2); // the fixture, the generated units, their contracts and index
    } finally {
      tmp.cleanup();
    }
  });
});
