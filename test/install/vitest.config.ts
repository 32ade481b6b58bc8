import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * The install test on its own (`npx vitest run --config test/install/vitest.config.ts`): it packs this
 * checkout and installs the tarball into a fresh project, which compiles the native modules again, so it is
 * kept out of `npm test` and given minutes, not seconds.
 */
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["test/install/**/*.test.ts"],
    testTimeout: 25 * 60_000,
    hookTimeout: 45 * 60_000,
    pool: "forks",
  },
});
