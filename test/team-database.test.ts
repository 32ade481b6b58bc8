import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { takeTeamTriageLock } from "../agent/triage/watch.js";
import { openWorkspace } from "../servers/workspace.js";
import { gitIn, makeRepo, tempDir } from "./helpers/git-fixture.js";
import { runWorldline } from "./helpers/cli-run.js";
import { freshDatabase } from "./helpers/postgres.js";



function localNodes(repo: string): number {
  const file = join(repo, ".worldline", "worldline.db");
  if (!existsSync(file)) return 0;
  const db = new Database(file, { readonly: true });
  try {
    const has = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'ctx_node'").get();
    return has ? (db.prepare("SELECT COUNT(*) AS n FROM ctx_node").get() as { n: number }).n : 0;
  } finally {
    db.close();
  }
}

describe("a team sharing one PostgreSQL database (WORLDLINE_DATABASE_URL)", () => {
  const tmp = tempDir("worldline-team-");
  const first = join(tmp.dir, "ada");
  const second = join(tmp.dir, "lin");
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await freshDatabase("team");
    env = { WORLDLINE_DATABASE_URL: database.url };
    mkdirSync(first);
    makeRepo(first, [
      { message: "init", files: { "src/fx.ts": "export const rate = 2;\n", "tsconfig.json": '{ "compilerOptions": { "strict": true } }\n' } },
      { message: "Fix rounding of EU rates (SUP-12)", files: { "src/fx.ts": "export const rate = 3;\n" } },
    ]);
    // The second machine's clone of the same repository.
    gitIn(tmp.dir, ["clone", "-q", first, second]);
  });
  afterAll(async () => {
    await database.drop();
    tmp.cleanup();
  });

  it("what one machine ingests, another machine's clone reads, and nothing of it is in either local file", async () => {
    const a = await runWorldline(["ingest", "--repo", first, "--history"], env);
    expect(a, a.err).toMatchObject({ code: 0 });
    expect(a.out).toMatch(/history: 2 commits ingested, 1 fixes/);
    // The high-water mark is shared: the second machine has nothing left to ingest.
    const b = await runWorldline(["ingest", "--repo", second, "--history"], env);
    expect(b, b.err).toMatchObject({ code: 0 });
    expect(b.out).toMatch(/history: 0 commits ingested/);

    const head = gitIn(second, ["rev-parse", "HEAD"]).trim();
    const ws = openWorkspace(second, { databaseUrl: database.url });
    try {
      expect(ws.backend).toMatch(/^postgres:\/\/worldline:\*\*\*@127\.0\.0\.1:\d+\/team_/);
      expect((await ws.graph.getNode(`commit:${head}`))?.title).toBe("Fix rounding of EU rates (SUP-12)");
      expect((await ws.graph.edgesOf(`commit:${head}`, { rels: ["references"] })).map((e) => e.dst)).toContain("ticket:SUP-12");
    } finally {
      ws.close();
    }
    expect(localNodes(first)).toBe(0);
    expect(localNodes(second)).toBe(0);
  });

  it("keeps triage rounds of one repository apart on every machine: a second is refused while the first runs", async () => {
    const hold = await takeTeamTriageLock(second, database.url);
    try {
      await expect(takeTeamTriageLock(second, database.url)).rejects.toThrow(/^another worldline triage of file:\/\/.*\/ada is running against the team database \(on this machine or another\): wait for its round to end$/);
      const refused = await runWorldline(["triage", "--repo", second, "--format", "json"], env);
      expect(refused.code).toBe(2);
      expect(refused.err).toMatch(/another worldline triage of file:\/\/.*\/ada is running against the team database/);
    } finally {
      await hold();
    }
    // Released: the next round takes it.
    const again = await takeTeamTriageLock(second, database.url);
    await again();
  });

  it("refuses a URL that is not PostgreSQL's, or a server it cannot reach, in one line that says what to do", async () => {
    const wrong = await runWorldline(["ingest", "--repo", first, "--history"], { WORLDLINE_DATABASE_URL: "mysql://x@127.0.0.1/db" });
    expect(wrong.code).not.toBe(0);
    expect(wrong.err.trim()).toMatch(/^worldline: .*WORLDLINE_DATABASE_URL: mysql:\/\/x@127\.0\.0\.1\/db is not a PostgreSQL URL; expected postgres:\/\/USER:PASSWORD@HOST:PORT\/DATABASE$/);
    const closed = new URL(database.url);
    closed.port = "1";
    const down = await runWorldline(["ingest", "--repo", first, "--history"], { WORLDLINE_DATABASE_URL: closed.toString() });
    expect(down.code).not.toBe(0);
    expect(down.err).toMatch(/cannot reach PostgreSQL at postgres:\/\/worldline:\*\*\*@127\.0\.0\.1:1\/team_\w+ \(ECONNREFUSED\): start the server or correct WORLDLINE_DATABASE_URL/);
    expect(down.err).not.toContain("worldline-test");
  });
});
