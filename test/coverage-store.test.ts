import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb } from "../core/db.js";
import { PgDatabase } from "../core/pg.js";
import { indexTree } from "../servers/scenarios/coverage.js";
import { type CoverageStore, PgCoverageStore, SqliteCoverageStore } from "../servers/scenarios/coverage-store.js";
import type { RunCoverage } from "../servers/scenarios/sandbox/protocol.js";
import { tempDir } from "./helpers/git-fixture.js";
import { freshDatabase } from "./helpers/postgres.js";

/** The coverage of base runs, on both backends: what one machine ran spares every machine of the team the run. */
const BACKENDS: Array<{ name: string; open: (dir: string) => Promise<{ store: CoverageStore; reopen: () => CoverageStore; close: () => Promise<void> }> }> = [
  {
    name: "sqlite",
    open: async (dir) => {
      const dbs = [openDb(join(dir, "w.db"))];
      return {
        store: new SqliteCoverageStore(dbs[0]!),
        reopen: () => new SqliteCoverageStore(dbs[dbs.push(openDb(join(dir, "w.db"))) - 1]!),
        close: async () => dbs.forEach((d) => d.close()),
      };
    },
  },
  {
    name: "postgres",
    open: async () => {
      const db = await freshDatabase("coverage");
      const opened = [new PgDatabase(db.url)];
      return {
        store: new PgCoverageStore(opened[0]!),
        // Another machine's process: its own pool on the same database.
        reopen: () => new PgCoverageStore(opened[opened.push(new PgDatabase(db.url)) - 1]!),
        close: async () => {
          for (const d of opened) await d.close();
          await db.drop();
        },
      };
    },
  },
];

const coverage: RunCoverage = {
  files: { "src/vat.ts": { hash: "h-vat-1", sites: "1,3,F;2,2,S" } },
  requests: [{ from: "src/vat.ts", specifier: "./rates", resolved: "src/rates.ts", candidates: ["src/rates.ts"] }],
  env: ["VAT_RATE"],
  resolution: { "package.json": "h-pkg" },
};

describe.each(BACKENDS)("coverage store ($name)", ({ open }) => {
  let tmp: ReturnType<typeof tempDir>;
  let backend: Awaited<ReturnType<(typeof BACKENDS)[number]["open"]>>;
  beforeEach(async () => {
    tmp = tempDir();
    backend = await open(tmp.dir);
  });
  afterEach(async () => {
    await backend.close();
    tmp.cleanup();
  });

  it("finds a record for a tree that gives its files the same content, from another process too", async () => {
    await backend.store.save("vat", "spec-1", "c1", "ok", coverage);
    const same = indexTree(new Map([["src/vat.ts", "h-vat-1"], ["src/rates.ts", "h-r"], ["package.json", "h-pkg"], ["README.md", "h-any"]]));
    expect(await backend.reopen().find("vat", "spec-1", same)).toEqual({ coverage, ranAt: "c1", status: "ok" });
    // Another content for a file it loaded, another install file, or another spec: no record.
    expect(await backend.store.find("vat", "spec-1", indexTree(new Map([["src/vat.ts", "h-vat-2"], ["src/rates.ts", "h-r"], ["package.json", "h-pkg"]])))).toBeUndefined();
    expect(await backend.store.find("vat", "spec-1", indexTree(new Map([["src/vat.ts", "h-vat-1"], ["src/rates.ts", "h-r"], ["package.json", "h-pkg-2"]])))).toBeUndefined();
    expect(await backend.store.find("vat", "spec-2", same)).toBeUndefined();
  });

  it("keeps one record per run's dependencies: saving the same run again replaces it, an error keeps its reason", async () => {
    const tree = indexTree(new Map([["src/vat.ts", "h-vat-1"], ["src/rates.ts", "h-r"], ["package.json", "h-pkg"]]));
    await backend.store.save("vat", "spec-1", "c1", "ok", coverage);
    await backend.store.save("vat", "spec-1", "c2", "error", coverage, "CPU time limit of 2000 ms reached");
    expect(await backend.store.find("vat", "spec-1", tree)).toEqual({ coverage, ranAt: "c2", status: "error", reason: "CPU time limit of 2000 ms reached" });
  });
});
