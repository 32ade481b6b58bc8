import pg from "pg";
import type { Migration } from "./db.js";
import { hideCredentials } from "./redact.js";

export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;

/** What a team's shared database is named by: `postgres://` or `postgresql://` URLs only. */
export const DATABASE_URL_VARIABLE = "WORLDLINE_DATABASE_URL";

/** The URL without its password, for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    // node-postgres and libpq also take secrets as query parameters.
    for (const key of ["password", "sslpassword", "sslkey"]) if (u.searchParams.has(key)) u.searchParams.set(key, "***");
    return u.toString();
  } catch {
    return hideCredentials(url);
  }
}

/** Checks a database URL, with a one-line error naming the variable and the form expected. */
export function parseDatabaseUrl(url: string, from: string = DATABASE_URL_VARIABLE): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`${from}: "${hideCredentials(url)}" is not a URL; expected postgres://USER:PASSWORD@HOST:PORT/DATABASE`);
  }
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") {
    throw new Error(`${from}: ${safeUrl(url)} is not a PostgreSQL URL; expected postgres://USER:PASSWORD@HOST:PORT/DATABASE`);
  }
  if (!u.hostname) throw new Error(`${from}: ${safeUrl(url)} names no host; expected postgres://USER:PASSWORD@HOST:PORT/DATABASE`);
  return u;
}

/**
 * A connection pool to a team's database. An idle connection the server drops (a restart, a network cut)
 * is an event on the pool, not a crash: the pool replaces it on the next query.
 */
export function openPgPool(url: string, options: { max?: number } = {}): PgPool {
  parseDatabaseUrl(url);
  // allowExitOnIdle: a command that is done exits without waiting for idle connections to time out.
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 8, connectionTimeoutMillis: 30_000, allowExitOnIdle: true });
  pool.on("error", (err) => process.stderr.write(`worldline: a PostgreSQL connection to ${safeUrl(url)} was lost (${err.message}); the next query reconnects\n`));
  return pool;
}

/** Connection errors worth one more try: the server restarted or a connection was cut mid-query. */
const TRANSIENT = new Set(["57P01", "57P02", "57P03", "08000", "08003", "08006", "40001", "40P01"]);

export function transient(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (e.code && TRANSIENT.has(e.code)) return true;
  return /Connection terminated|ECONNRESET|connection is closed/i.test(e.message ?? "");
}

function unreachable(err: unknown, pool: PgPool): Error {
  const e = err as { code?: string; message?: string };
  const url = safeUrl((pool.options as { connectionString?: string }).connectionString ?? "");
  // Every connection of the pool busy for the whole wait is this process's load, not the server's absence.
  if (/timeout exceeded when trying to connect/i.test(e.message ?? "") && pool.totalCount >= (pool.options.max ?? 0)) {
    return new Error(`all ${pool.totalCount} connections to PostgreSQL at ${url} stayed busy for ${(pool.options.connectionTimeoutMillis ?? 0) / 1000} s: the load is too high for this process; try again`);
  }
  if (e.code === "ECONNREFUSED" || e.code === "ENOTFOUND" || e.code === "ETIMEDOUT" || /timeout exceeded when trying to connect/i.test(e.message ?? "")) {
    return new Error(`cannot reach PostgreSQL at ${url} (${e.code ?? e.message}): start the server or correct ${DATABASE_URL_VARIABLE}`);
  }
  if (e.code === "3D000" || e.code === "28P01" || e.code === "28000") return new Error(`PostgreSQL at ${url} refused the connection: ${e.message}; correct ${DATABASE_URL_VARIABLE}`);
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Runs `fn` in one transaction on one connection. `lock` names a transaction-scoped advisory lock taken
 * first, so writers on several machines serialize as SQLite's writers do. A transaction that failed because
 * the connection was cut or the server chose it as a deadlock victim is run once more from the start: it
 * committed nothing, so running it again is safe.
 */
export async function inTransaction<T>(pool: PgPool, fn: (client: PgClient) => Promise<T>, lock?: string): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let client: PgClient;
    try {
      client = await pool.connect();
    } catch (err) {
      if (attempt < 3 && transient(err)) continue;
      throw unreachable(err, pool);
    }
    let broken = false;
    // A connection cut between two statements is an event on the client, not only the next query's error:
    // without a listener it would end the process. The next statement fails, and the attempt is retried.
    const lost = () => void (broken = true);
    client.on("error", lost);
    try {
      await client.query("BEGIN");
      if (lock) await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [lock]);
      const out = await fn(client);
      await client.query("COMMIT");
      return out;
    } catch (err) {
      broken = transient(err);
      if (!broken) await client.query("ROLLBACK").catch((rollbackErr: unknown) => ((broken = true), rollbackErr));
      if (broken && attempt < 3) continue;
      throw err;
    } finally {
      client.off("error", lost);
      client.release(broken);
    }
  }
}

/** Runs `fn` again (up to `tries` times, a moment apart) while it fails for a reason a new connection cures. */
export async function retryTransient<T>(fn: () => Promise<T>, tries = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= tries || !transient(err)) throw err;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

/** One statement outside a transaction, tried once more when the connection was cut under it. */
export async function query<R extends pg.QueryResultRow>(pool: PgPool, sql: string, params: readonly unknown[] = []): Promise<R[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await pool.query<R>(sql, params as unknown[])).rows;
    } catch (err) {
      if (attempt < 3 && transient(err)) continue;
      throw unreachable(err, pool);
    }
  }
}

/**
 * Applies the component's migrations the database has not recorded, each in its own transaction under one
 * advisory lock: two machines starting at once apply each migration once.
 */
export async function migratePg(pool: PgPool, component: string, migrations: readonly Migration[]): Promise<void> {
  await query(pool, `CREATE TABLE IF NOT EXISTS schema_migrations (component TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (component, version))`).catch(
    async (err: unknown) => {
      // Two first starts at once may both create the table: the loser sees a unique violation, and the table.
      if ((err as { code?: string }).code !== "23505" && (err as { code?: string }).code !== "42P07") throw err;
    },
  );
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    await inTransaction(
      pool,
      async (c) => {
        const done = await c.query("SELECT 1 FROM schema_migrations WHERE component = $1 AND version = $2", [component, m.version]);
        if (done.rowCount) return;
        await c.query(m.sql);
        await c.query("INSERT INTO schema_migrations (component, version, applied_at) VALUES ($1, $2, $3)", [component, m.version, new Date().toISOString()]);
      },
      "worldline:migrations",
    );
  }
}

/**
 * One team database as the stores of a workspace share it: one pool, each component's migrations applied
 * once per process (on first use, so opening never blocks), closed once whoever asks first.
 */
export class PgDatabase {
  readonly pool: PgPool;
  private readonly migrated = new Map<string, Promise<void>>();
  private ended: Promise<void> | undefined;

  constructor(readonly url: string, options: { max?: number } = {}) {
    this.pool = openPgPool(url, options);
  }

  /** Resolves once the component's tables exist; a failure is kept, so every later call reports it too. */
  ready(component: string, migrations: readonly Migration[]): Promise<void> {
    let p = this.migrated.get(component);
    if (!p) {
      p = migratePg(this.pool, component, migrations);
      this.migrated.set(component, p);
      // Awaited by every caller; this only keeps an unawaited failure from crashing the process.
      p.catch(() => undefined);
    }
    return p;
  }

  /** Ends the pool once; a failure to end it is reported, not thrown, since nothing is left to do with it. */
  close(): Promise<void> {
    this.ended ??= this.pool.end().catch((err: unknown) => {
      process.stderr.write(`worldline: closing the PostgreSQL pool of ${safeUrl(this.url)} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    });
    return this.ended;
  }
}

/**
 * A lock the whole team sees: a PostgreSQL session advisory lock, held on a connection of its own until
 * released (or until the holder's connection ends, a crash included). Undefined when someone holds it.
 */
export async function tryTeamLock(database: PgDatabase, name: string): Promise<(() => Promise<void>) | undefined> {
  let client: PgClient;
  try {
    client = await database.pool.connect();
  } catch (err) {
    throw unreachable(err, database.pool);
  }
  // Held for a whole round: a cut connection (which frees the lock) is said, and must not end the process.
  const lost = (err: Error) => process.stderr.write(`worldline: the team lock ${name} was lost with its connection (${err.message})\n`);
  client.on("error", lost);
  try {
    const { rows } = await client.query<{ got: boolean }>("SELECT pg_try_advisory_lock(hashtext($1)) AS got", [name]);
    if (!rows[0]?.got) {
      client.off("error", lost);
      client.release();
      return undefined;
    }
  } catch (err) {
    client.off("error", lost);
    client.release(true);
    throw err;
  }
  return async () => {
    try {
      await client.query("SELECT pg_advisory_unlock(hashtext($1))", [name]);
      client.off("error", lost);
      client.release();
    } catch {
      // A lost connection released the lock with it; the connection is not reused.
      client.off("error", lost);
      client.release(true);
    }
  };
}
