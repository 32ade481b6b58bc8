import { openDb } from "../../core/db.js";
import { PgDatabase } from "../../core/pg.js";
import type { EdgeInput } from "../../servers/context-graph/model.js";
import { PgContextGraph } from "../../servers/context-graph/pg-store.js";
import { SqliteContextGraph } from "../../servers/context-graph/sqlite-store.js";
import type { ContextGraphStore } from "../../servers/context-graph/store.js";

/**
 * Child process for the store tests, on a SQLite file or a PostgreSQL URL:
 * - `bulk N`: one import of N edges in one transaction; prints "importing" just before it starts, so the
 *   parent can kill it midway.
 * - `shared N NAME`: N small batches, one by one, asserting facts every process running `shared` asserts too
 *   (and one fact of its own per batch), for the test of several machines ingesting into one database; it
 *   prints "ready" once connected and starts on a line on stdin.
 */
const [target, mode = "bulk", countText = "200000", name = "child"] = process.argv.slice(2);
if (!target) throw new Error("usage: ingest-child.ts DB-FILE|POSTGRES-URL [bulk N | shared N NAME]");
const store: ContextGraphStore = /^postgres(ql)?:/.test(target) ? new PgContextGraph(new PgDatabase(target)) : new SqliteContextGraph(openDb(target));
const provenance = { method: "bulk@1", authority: "deterministic" as const };
const count = Number(countText);
if (mode === "bulk") {
  const edges: EdgeInput[] = [];
  for (let i = 0; i < count; i++) edges.push({ src: `symbol:src/f${i % 5000}.ts#f`, rel: "references", dst: `symbol:src/g${(i * 7) % 5000}.ts#g${i}`, provenance });
  process.stdout.write("importing\n");
  await store.ingestAll([{ episode: { source: "bulk", ref: "big-import", text: "a large import" }, edges }]);
} else {
  // Connected and migrated, then wait for the parent's "go": every writer starts at the same moment.
  await store.status();
  process.stdout.write("ready\n");
  await new Promise<void>((resolve) => process.stdin.once("data", () => resolve()));
  for (let i = 0; i < count; i++) {
    await store.ingest({
      episode: { source: "git", ref: `c${i}`, text: `commit ${i} as ${name} read it` },
      edges: [
        { src: `commit:c${i}`, rel: "modifies", dst: `file:src/f${i % 7}.ts`, provenance },
        { src: `config:k${i % 11}`, rel: "governs", dst: `file:src/f${i % 7}.ts`, provenance },
        { src: `person:${name}`, rel: "authored", dst: `commit:c${i}`, provenance },
      ],
    });
  }
}
process.stdout.write("done\n");
store.close();
