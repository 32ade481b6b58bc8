import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Tests spawn real git and MCP server processes; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // One real PostgreSQL server for the run: the store suites run on both backends.
    globalSetup: ["test/setup/postgres.ts"],
  },
});
