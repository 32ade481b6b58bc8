import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CodeGraphService } from "../servers/code-graph/service.js";
import { median } from "./measure.js";

/**
 * Child process of `npm run bench`: a warm service (as in a running MCP server) re-indexes after a change to
 * one file's function body, several times. Prints JSON: median and each run in ms.
 */
const [repo, file, rounds = "5"] = process.argv.slice(2);
if (!repo || !file) throw new Error("usage: warm-reindex.ts REPO FILE [ROUNDS]");
const service = new CodeGraphService(repo);
await service.index();
const abs = join(repo, file);
const original = readFileSync(abs, "utf8");
const runs: number[] = [];
for (let i = 0; i < Number(rounds); i++) {
  // Change a body, not an export: the common edit. The constant differs each round so the content is new.
  writeFileSync(abs, original.replace("let total = 0;", `let total = ${i + 1};`));
  const started = performance.now();
  const r = await service.index();
  runs.push(performance.now() - started);
  if (r.stats.parsedFiles !== 1) throw new Error(`expected one file parsed, got ${r.stats.parsedFiles}`);
}
writeFileSync(abs, original);
service.close();
process.stdout.write(JSON.stringify({ median: median(runs), runs }));
