import { statSync } from "node:fs";
import { join } from "node:path";
import { openDb } from "../core/db.js";
import type { EdgeInput } from "../servers/context-graph/model.js";
import { SqliteContextGraph } from "../servers/context-graph/sqlite-store.js";
import { median } from "./measure.js";

/**
 * Child process of `npm run bench`: builds a context graph shaped like a real repo's (about 50k nodes: files,
 * symbols, commits, tickets, people, decisions; skewed degrees) with about 1M edges inserted in batches,
 * then times traversals. Prints JSON.
 */
const [dir, edgeTarget = "1000000"] = process.argv.slice(2);
if (!dir) throw new Error("usage: context-graph.ts DIR [EDGES]");

let seed = 7;
const rand = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
/** Zipf-like pick: low indexes are hubs (hot files, core utilities, prolific authors). */
const skewed = (n: number) => Math.min(n - 1, Math.floor(n * rand() ** 2.2));
const uniform = (n: number) => Math.floor(n * rand());

const FILES = 5_000;
const SYMBOLS = 30_000;
const COMMITS = 10_000;
const TICKETS = 1_500;
const PEOPLE = 300;
const DECISIONS = 200;
const file = (i: number) => `file:src/m${i % 50}/f${i}.ts`;
const symbol = (i: number) => `symbol:src/m${(i % FILES) % 50}/f${i % FILES}.ts#s${i}`;
const commit = (i: number) => `commit:${(i * 2654435761).toString(16).padStart(10, "0")}`;
const ticket = (i: number) => `ticket:SUP-${i}`;
const person = (i: number) => `person:dev${i}@example.test`;
const decision = (i: number) => `decision:doc/adr/${String(i).padStart(4, "0")}.md`;
const prov = { method: "bench@1", authority: "deterministic" as const, confidence: 1 };
const day = (i: number) => new Date(Date.UTC(2024, 0, 1) + (i % 700) * 86_400_000).toISOString();

function* edges(): Generator<EdgeInput> {
  for (let s = 0; s < SYMBOLS; s++) yield { src: file(s % FILES), rel: "defines", dst: symbol(s), provenance: prov };
  for (let c = 0; c < COMMITS; c++) {
    yield { src: person(skewed(PEOPLE)), rel: "authored", dst: commit(c), validFrom: day(c), provenance: prov };
    const touched = 1 + Math.floor(60 * rand() ** 4);
    for (let k = 0; k < touched; k++) yield { src: commit(c), rel: "modifies", dst: file(skewed(FILES)), validFrom: day(c), provenance: prov };
    if (rand() < 0.5) yield { src: commit(c), rel: "references", dst: ticket(uniform(TICKETS)), validFrom: day(c), provenance: prov };
  }
  for (let t = 0; t < TICKETS; t++) {
    for (let k = 0; k < 4; k++) yield { src: ticket(t), rel: "mentions", dst: symbol(skewed(SYMBOLS)), provenance: prov };
  }
  for (let d = 0; d < DECISIONS; d++) {
    for (let k = 0; k < 8; k++) yield { src: decision(d), rel: "governs", dst: file(skewed(FILES)), validFrom: day(d * 3), provenance: prov };
  }
  // The call graph fills the rest: every symbol calls a few others, callees skewed towards core utilities.
  for (let n = 0; ; n++) yield { src: symbol(uniform(SYMBOLS)), rel: "references", dst: symbol(skewed(SYMBOLS)), key: `call-${n}`, provenance: prov };
}

const dbFile = join(dir, "graph.db");
const store = new SqliteContextGraph(openDb(dbFile));
const target = Number(edgeTarget);
const BATCH = 20_000;
const started = performance.now();
let inserted = 0;
let batch: EdgeInput[] = [];
for (const e of edges()) {
  batch.push(e);
  if (batch.length === BATCH || inserted + batch.length >= target) {
    await store.ingestAll([{ edges: batch }]);
    inserted += batch.length;
    batch = [];
    if (inserted >= target) break;
  }
}
const insertMs = performance.now() - started;

// Typical nodes: symbols of median degree, not the hubs.
const sample = Array.from({ length: 40 }, (_, i) => symbol(SYMBOLS - 1 - i * 500));
const neighborTimes: number[] = [];
const neighborCounts: number[] = [];
for (const id of sample) {
  const t = performance.now();
  const found = await store.neighbors(id, 3, { limit: 200 });
  neighborTimes.push(performance.now() - t);
  neighborCounts.push(found.length);
}
const pathTimes: number[] = [];
let found = 0;
for (let i = 0; i < 40; i++) {
  const t = performance.now();
  const path = await store.evidencePath(symbol(SYMBOLS - 1 - i * 700), ticket(uniform(TICKETS)), 6);
  pathTimes.push(performance.now() - t);
  if (path) found++;
}
const status = await store.status();
store.db.pragma("wal_checkpoint(TRUNCATE)");
store.close();
process.stdout.write(
  JSON.stringify({
    edges: inserted,
    nodes: Object.values(status.nodes).reduce((a, b) => a + b, 0),
    insertMs,
    neighborsMedianMs: median(neighborTimes),
    neighborsMedianFound: median(neighborCounts),
    pathMedianMs: median(pathTimes),
    pathsFound: found,
    pathQueries: pathTimes.length,
    dbBytes: statSync(dbFile).size,
  }),
);
