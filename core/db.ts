import Database from "better-sqlite3";
import { join } from "node:path";
import { stateDir } from "./repo.js";

export type Db = Database.Database;

/** A numbered schema change of one component; applied once, in order, inside a transaction. */
export interface Migration {
  version: number;
  sql: string;
}

/** Opens `.worldline/worldline.db` of a repo: WAL, and a busy timeout so concurrent writers wait. */
export function openRepoDb(repo: string): Db {
  return openDb(join(stateDir(repo), "worldline.db"));
}

export function openDb(file: string): Db {
  const db = new Database(file);
  // The busy timeout first: switching to WAL itself needs the lock another process may hold. A minute: a second
  // `index` waits out the first one's write even on a loaded 2-core machine (10 s once fell short in CI).
  db.pragma("busy_timeout = 60000");
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  // Large graphs insert into several indexes at random places: a bigger page cache saves most re-reads.
  db.pragma("cache_size = -131072");
  db.pragma("temp_store = MEMORY");
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    component TEXT NOT NULL,
    version INTEGER NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (component, version)
  )`);
  return db;
}

/** Applies the component's migrations that the database has not recorded yet. */
export function migrate(db: Db, component: string, migrations: readonly Migration[]): void {
  const isApplied = db.prepare<[string, number], { version: number }>("SELECT version FROM schema_migrations WHERE component = ? AND version = ?");
  const record = db.prepare("INSERT INTO schema_migrations (component, version, applied_at) VALUES (?, ?, ?)");
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (isApplied.get(component, m.version)) continue;
    // IMMEDIATE takes the write lock first, so two processes migrating at once serialize on the busy
    // timeout; the check is repeated under the lock, since the other may have applied it meanwhile.
    db.transaction(() => {
      if (isApplied.get(component, m.version)) return;
      db.exec(m.sql);
      record.run(component, m.version, new Date().toISOString());
    }).immediate();
  }
}

/** Prepares each SQL text once per connection: bulk writes run the same statements many thousand times. */
export function statementCache(db: Db): (sql: string) => Database.Statement {
  const cache = new Map<string, Database.Statement>();
  return (sql) => {
    let s = cache.get(sql);
    if (!s) {
      s = db.prepare(sql);
      cache.set(sql, s);
    }
    return s;
  };
}
