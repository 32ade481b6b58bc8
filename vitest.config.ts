import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The install test packs and installs Worldline (native builds, minutes): CI runs it as its own step.
    exclude: [...configDefaults.exclude, "test/install/**"],
    // Tests spawn real git and MCP server processes; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // One real PostgreSQL server for the run: the store suites run on both backends.
    globalSetup: ["test/setup/postgres.ts"],
  },
});
