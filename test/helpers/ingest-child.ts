import { openDb } from "../../core/db.js";
import { SqliteContextGraph } from "../../servers/context-graph/sqlite-store.js";
import type { EdgeInput } from "../../servers/context-graph/model.js";

/**
 * Child process for the durability test: one large import into the graph at argv[2]. Prints "importing"
 * just before the transaction starts, so the parent can kill it midway.
 */
const [file, countText = "200000"] = process.argv.slice(2);
if (!file) throw new Error("usage: ingest-child.ts DB [EDGES]");
const store = new SqliteContextGraph(openDb(file));
const edges: EdgeInput[] = [];
for (let i = 0; i < Number(countText); i++) {
  edges.push({
    src: `symbol:src/f${i % 5000}.ts#f`,
    rel: "references",
    dst: `symbol:src/g${(i * 7) % 5000}.ts#g${i}`,
    provenance: { method: "bulk@1", authority: "deterministic" },
  });
}
process.stdout.write("importing\n");
await store.ingestAll([{ episode: { source: "bulk", ref: "big-import", text: "a large import" }, edges }]);
process.stdout.write("done\n");
store.close();
