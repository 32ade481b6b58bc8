import { join } from "node:path";
import { buildBilling } from "../examples/billing/build.js";
import { SERVERS } from "../agent/cli-parse.js";
import { launches, ToolHub } from "../agent/hub.js";
import { reindexCode } from "../servers/code-graph/contracts.js";
import { produceReport } from "../agent/run.js";
import { generateScenarioRepo } from "./scenario-repo.js";

/**
 * Child process of `npm run bench`: `worldline simulate` end to end with the embedded planner (five MCP
 * servers over stdio, selection, differential and static simulation, blast radius, fix drafts checked by
 * re-simulation, decision traces) on the sample service and on the generated ~100k-line repo with 200
 * scenarios. Server start and indexing of both revisions are reported apart; the report runs warm. JSON out.
 */
const [dir, countText = "200"] = process.argv.slice(2);
if (!dir) throw new Error("usage: agent.ts DIR [SCENARIOS]");

async function measure(repo: string, base: string, head: string) {
  let t = performance.now();
  const hub = new ToolHub(launches(repo));
  await Promise.all(SERVERS.map((s) => hub.client(s)));
  const startMs = performance.now() - t;
  t = performance.now();
  for (const rev of [base, head]) await hub.call(reindexCode, { rev });
  const indexMs = performance.now() - t;
  try {
    t = performance.now();
    const report = await produceReport({ repo, base, head, planner: "embedded" }, hub);
    return { startMs, indexMs, simulateMs: performance.now() - t, summary: report.summary, selected: report.selected.length };
  } finally {
    await hub.close();
  }
}

const sample = buildBilling(join(dir, "billing")).dir;
const sampleRun = await measure(sample, "main", "pr/rounding-refactor");
let generatedOut: Record<string, unknown> | undefined;
if (Number(countText) > 0) {
  const generated = join(dir, "generated");
  const repo = generateScenarioRepo(generated, Number(countText));
  generatedOut = { ...(await measure(generated, "HEAD~1", "HEAD")), lines: repo.lines, files: repo.files, scenarios: Number(countText) };
}
process.stdout.write(JSON.stringify({ sample: sampleRun, ...(generatedOut ? { generated: generatedOut } : {}) }));
