import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { migrate, openDb } from "../core/db.js";
import { blobHash, readBlobs, resolveRevision } from "../core/git.js";
import { parseLocation, parseSymbolId } from "../core/ids.js";
import { paginate } from "../core/paging.js";
import { confinePath, loadConfig, stateDir } from "../core/repo.js";
import { closest } from "../core/suggest.js";
import { Report, ScenarioVerdict } from "../core/verdict.js";
import { gitIn, makeRepo, tempDir } from "./helpers/git-fixture.js";

describe("ids", () => {
  it("parses symbol ids and locations, and names bad ones", () => {
    expect(parseSymbolId("src/a.ts#Cls.m")).toEqual({ path: "src/a.ts", qualifiedName: "Cls.m" });
    expect(parseLocation("src/a.ts:12")).toEqual({ path: "src/a.ts", line: 12 });
    expect(() => parseSymbolId("#x")).toThrow(/not a symbol id/);
    expect(() => parseLocation("src/a.ts:0")).toThrow(/1-based line/);
  });
});

describe("paginate", () => {
  it("cuts pages by count and by bytes, with a cursor to the rest", () => {
    const items = Array.from({ length: 10 }, (_, i) => ({ i, pad: "x".repeat(100) }));
    const p1 = paginate(items, { limit: 4 });
    expect(p1.items.map((x) => x.i)).toEqual([0, 1, 2, 3]);
    const p2 = paginate(items, { limit: 4, cursor: p1.nextCursor });
    expect(p2.items.map((x) => x.i)).toEqual([4, 5, 6, 7]);
    expect(paginate(items, { limit: 4, cursor: p2.nextCursor }).nextCursor).toBeUndefined();
    const bytes = paginate(items, { limit: 100 }, 400);
    expect(bytes.items).toHaveLength(3);
    expect(bytes.nextCursor).toBeDefined();
    expect(() => paginate(items, { cursor: "garbage" })).toThrow(/cursor "garbage" is not valid/);
  });
});

describe("repo contracts", () => {
  it("confines paths to the repo", () => {
    expect(confinePath("/r", "src/../src/a.ts")).toBe("src/a.ts");
    expect(confinePath("/r", "/r/src/a.ts")).toBe("src/a.ts");
    expect(() => confinePath("/r", "../etc/passwd")).toThrow('path "../etc/passwd" is outside the repo: pass a path relative to the repo root');
    expect(() => confinePath("/r", "/etc/passwd")).toThrow(/outside the repo/);
  });

  it("keeps state in .worldline with a .gitignore of *", () => {
    const t = tempDir();
    try {
      makeRepo(t.dir, [{ message: "init", files: { "a.ts": "export const a = 1;\n" } }]);
      stateDir(t.dir);
      expect(gitIn(t.dir, ["status", "--porcelain"])).toBe("");
    } finally {
      t.cleanup();
    }
  });

  it("validates worldline.config.json and names the bad field", () => {
    const t = tempDir();
    try {
      expect(loadConfig(t.dir).scenarioDirs).toEqual(["scenarios"]);
      writeFileSync(join(t.dir, "worldline.config.json"), JSON.stringify({ suspectAgeDays: "ninety" }));
      expect(() => loadConfig(t.dir)).toThrow(/worldline.config.json in .*: field "suspectAgeDays"/);
      writeFileSync(join(t.dir, "worldline.config.json"), "{ not json");
      expect(() => loadConfig(t.dir)).toThrow(/is not valid JSON/);
    } finally {
      t.cleanup();
    }
  });
});

describe("git", () => {
  it("reads many blobs through one cat-file process and hashes like git", async () => {
    const t = tempDir();
    try {
      makeRepo(t.dir, [{ message: "init", files: { "a.txt": "alpha\n", "b.txt": "beta\n".repeat(5000) } }]);
      const a = gitIn(t.dir, ["rev-parse", "HEAD:a.txt"]).trim();
      const b = gitIn(t.dir, ["rev-parse", "HEAD:b.txt"]).trim();
      expect(blobHash("alpha\n")).toBe(a);
      const blobs = await readBlobs(t.dir, [a, b, "0".repeat(40)]);
      expect(blobs.get(a)?.toString()).toBe("alpha\n");
      expect(blobs.get(b)?.length).toBe(25000);
      expect(blobs.size).toBe(2);
      expect((await resolveRevision(t.dir, "main")).commit).toMatch(/^[0-9a-f]{40}$/);
      await expect(resolveRevision(t.dir, "--output=x")).rejects.toThrow(/is not valid/);
    } finally {
      t.cleanup();
    }
  });
});

describe("migrations", () => {
  it("apply once, in order, and are recorded", () => {
    const t = tempDir();
    try {
      mkdirSync(join(t.dir, "db"));
      const file = join(t.dir, "db", "x.db");
      const steps = [
        { version: 2, sql: "ALTER TABLE t ADD COLUMN b TEXT" },
        { version: 1, sql: "CREATE TABLE t (a TEXT)" },
      ];
      const db = openDb(file);
      migrate(db, "demo", steps);
      migrate(db, "demo", steps);
      expect(db.prepare("SELECT version FROM schema_migrations WHERE component = 'demo' ORDER BY version").all()).toEqual([{ version: 1 }, { version: 2 }]);
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      const second = openDb(file);
      migrate(second, "demo", steps);
      second.close();
      db.close();
    } finally {
      t.cleanup();
    }
  });

  it("leave the database as it was when a migration fails", () => {
    const t = tempDir();
    try {
      const db = openDb(join(t.dir, "y.db"));
      expect(() => migrate(db, "bad", [{ version: 1, sql: "CREATE TABLE ok (a); CREATE TABLE broken (" }])).toThrow();
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'ok'").get()).toBeUndefined();
      expect(db.prepare("SELECT COUNT(*) AS n FROM schema_migrations WHERE component = 'bad'").get()).toEqual({ n: 0 });
      db.close();
    } finally {
      t.cleanup();
    }
  });
});

describe("suggestions", () => {
  it("offers close names for a typo", () => {
    expect(closest("convrt", ["convert", "EcbRates", "conversion"])).toEqual(["convert"]);
    expect(closest("zzz", ["convert"])).toEqual([]);
  });
});

describe("verdict schemas", () => {
  it("accept a verdict and a report, and refuse an unknown verdict", () => {
    const v = { scenario: "eu-fx", verdict: "fail", depth: "differential", reason: "total differs", rootCause: { location: "src/a.ts:3", symbol: "src/a.ts#f", base: 1, head: 2 } };
    expect(ScenarioVerdict.parse(v)).toMatchObject({ verdict: "fail" });
    expect(Report.parse({ base: "main", head: "WORKTREE", selected: [{ scenario: "eu-fx", reasons: ["touches src/a.ts#f"] }], verdicts: [v], summary: "1 fail" }).verdicts).toHaveLength(1);
    expect(ScenarioVerdict.safeParse({ ...v, verdict: "broken" }).success).toBe(false);
  });
});
