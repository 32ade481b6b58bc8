import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { inTransaction, parseDatabaseUrl, PgDatabase, query, safeUrl, tryTeamLock } from "../core/pg.js";
import { freshDatabase } from "./helpers/postgres.js";

/** Cuts every connection to the database but the caller's, as a restart or a network fault would. */
async function cutAll(url: string): Promise<number> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const r = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
    return r.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

describe("PostgreSQL connections (core/pg.ts)", () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let database: PgDatabase;
  beforeEach(async () => {
    db = await freshDatabase("pg");
    database = new PgDatabase(db.url);
    await query(database.pool, "CREATE TABLE t (n INTEGER NOT NULL)");
  });
  afterEach(async () => {
    await database.close();
    await db.drop();
  });

  it("runs a transaction cut between two statements again from the start, and commits it once", async () => {
    let attempts = 0;
    const out = await inTransaction(database.pool, async (c) => {
      attempts++;
      await c.query("INSERT INTO t (n) VALUES (1)");
      if (attempts === 1) {
        expect(await cutAll(db.url)).toBeGreaterThan(0);
        await new Promise((r) => setTimeout(r, 200));
      }
      await c.query("INSERT INTO t (n) VALUES (2)");
      return attempts;
    });
    expect(out).toBe(2);
    expect((await query<{ n: number }>(database.pool, "SELECT n FROM t ORDER BY n")).map((r) => r.n)).toEqual([1, 2]);
  });

  it("answers a statement whose idle connection was cut, on a new connection", async () => {
    await query(database.pool, "INSERT INTO t (n) VALUES (5)");
    await cutAll(db.url);
    await new Promise((r) => setTimeout(r, 200));
    expect(await query<{ n: number }>(database.pool, "SELECT n FROM t")).toEqual([{ n: 5 }]);
  });

  it("holds a team lock until released, and loses it (without ending the process) when its connection is cut", async () => {
    const other = new PgDatabase(db.url);
    try {
      const release = await tryTeamLock(database, "worldline:test");
      expect(release).toBeDefined();
      expect(await tryTeamLock(other, "worldline:test")).toBeUndefined();
      await cutAll(db.url);
      await new Promise((r) => setTimeout(r, 200));
      const taken = await tryTeamLock(other, "worldline:test");
      expect(taken).toBeDefined();
      await release?.();
      await taken?.();
    } finally {
      await other.close();
    }
  });

  it("says what a bad URL is, never with its password", () => {
    expect(() => parseDatabaseUrl("mysql://u:secret@h/db")).toThrow(/^WORLDLINE_DATABASE_URL: mysql:\/\/u:\*\*\*@h\/db is not a PostgreSQL URL; expected postgres:\/\/USER:PASSWORD@HOST:PORT\/DATABASE$/);
    expect(() => parseDatabaseUrl("not a url")).toThrow(/is not a URL; expected postgres:/);
    expect(safeUrl("postgres://u:secret@h:5432/db")).toBe("postgres://u:***@h:5432/db");
    expect(() => parseDatabaseUrl("postgres://u:SECRETPW@127.0.0.1:notaport/db")).toThrow(/^WORLDLINE_DATABASE_URL: "postgres:\/\/\*\*\*@127\.0\.0\.1:notaport\/db" is not a URL/);
    expect(safeUrl("postgres://u@h/db?password=hunter2&sslmode=require")).toBe("postgres://u@h/db?password=***&sslmode=require");
  });
});
