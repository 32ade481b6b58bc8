import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildBilling } from "../examples/billing/build.js";
import { ScenarioService } from "../servers/scenarios/service.js";
import { generateScenarioRepo } from "./scenario-repo.js";

/**
 * Child process of `npm run bench`: the generated ~100k-line service with 200 scenarios (most with simulate
 * steps, some prose-only), and a change to a widely used module. With a warm index (its time reported apart):
 * selection plus the static simulation of every scenario. Prints JSON.
 */
const [dir, countText = "200"] = process.argv.slice(2);
if (!dir) throw new Error("usage: scenarios.ts DIR [SCENARIOS]");
const COUNT = Number(countText);
const repo = generateScenarioRepo(dir, COUNT);

const service = new ScenarioService(dir);
let t = performance.now();
await service.codeGraph.index("HEAD~1");
await service.codeGraph.index("HEAD");
const indexMs = performance.now() - t;

// Selection is coverage-exact: cold, every executable scenario runs on base first (its coverage is then kept);
// warm, a new process-level service finds the stored records and runs nothing.
t = performance.now();
const { base, head } = await service.pin("HEAD~1", "HEAD");
const { selected } = await service.select(base, head);
const selectMs = performance.now() - t;
const warm = new ScenarioService(dir);
t = performance.now();
const warmSelected = (await warm.select(base, head)).selected.length;
const selectWarmMs = performance.now() - t;
warm.close();
const { scenarios } = await service.load(head);
const verdicts: Record<string, number> = {};
t = performance.now();
for (const s of scenarios) {
  const r = await service.simulateStatic(s, base, head);
  verdicts[r.verdict.verdict] = (verdicts[r.verdict.verdict] ?? 0) + 1;
}
const simulateMs = performance.now() - t;
service.close();

// The sample service: pr/rounding-refactor against main.
const sample = buildBilling(join(dir, "..", "sample-billing")).dir;
const billing = new ScenarioService(sample);
t = performance.now();
await billing.codeGraph.index("main");
await billing.codeGraph.index("pr/rounding-refactor");
const sampleIndexMs = performance.now() - t;
t = performance.now();
const pinned = await billing.pin("main", "pr/rounding-refactor");
const sampleSelected = (await billing.select(pinned.base, pinned.head)).selected.length;
const sampleScenarios = (await billing.load(pinned.head)).scenarios;
for (const s of sampleScenarios) await billing.simulateStatic(s, pinned.base, pinned.head);
const sampleMs = performance.now() - t;
billing.close();
process.stdout.write(
  JSON.stringify({
    files: repo.files,
    lines: repo.lines,
    scenarios: scenarios.length,
    selected: selected.length,
    indexMs,
    selectMs,
    selectWarmMs,
    warmSelected,
    simulateMs,
    verdicts,
    sample: { scenarios: sampleScenarios.length, selected: sampleSelected, indexMs: sampleIndexMs, ms: sampleMs },
  }),
);
