import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ts } from "@ts-morph/common";
import { buildBilling } from "../examples/billing/build.js";
import { ScenarioService } from "../servers/scenarios/service.js";
import { boundaries } from "../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type SimulationJob } from "../servers/scenarios/sandbox/protocol.js";
import { median } from "./measure.js";
import { git, resolveRevision } from "../core/git.js";
import { diffFiles } from "../servers/git-history/diff.js";
import { compareRuns } from "../servers/scenarios/compare.js";
import { changedDefinitions, firstDivergenceOutside, namesAt, provenanceOf, type SourceText } from "../servers/scenarios/provenance.js";
import type { RunResult } from "../servers/scenarios/sandbox/protocol.js";

/**
 * Child process of `npm run bench`: differential simulation on the sample service (main against
 * pr/rounding-refactor) with the process pool: one typical scenario after warm-up, and the executable
 * scenarios repeated to 50 scenario runs (each base and head) in parallel. Then the instrumentation's
 * overhead: the same CPU-bound function run instrumented in the sandbox against untransformed in Node.
 * Prints JSON.
 */
const [dir] = process.argv.slice(2);
if (!dir) throw new Error("usage: differential.ts DIR");
const sample = buildBilling(join(dir, "billing")).dir;
const service = new ScenarioService(sample);
const { base, head } = await service.pin("main", "pr/rounding-refactor");
await service.codeGraph.index(base);
await service.codeGraph.index(head);
const executable = (await service.load(head)).scenarios.filter((s) => s.simulate);
const typical = executable.find((s) => s.id === "eu-proration-fx-rounding");
if (!typical) throw new Error("the sample lost its EU proration scenario");

// Warm-up: the pool's children start, each revision's files are read and its modules transpiled once.
let t = performance.now();
await Promise.all(executable.map((s) => service.simulateDifferential(s, base, head)));
const warmupMs = performance.now() - t;

const one: number[] = [];
for (let i = 0; i < 10; i++) {
  t = performance.now();
  await service.simulateDifferential(typical, base, head);
  one.push(performance.now() - t);
}

const batch = Array.from({ length: 50 }, (_, i) => executable[i % executable.length] as (typeof executable)[number]);
t = performance.now();
const results = await Promise.all(batch.map((s) => service.simulateDifferential(s, base, head)));
const batchMs = performance.now() - t;
const sandboxRuns = results.reduce((n, r) => n + 1 + (r.head ? 1 : 0), 0);
const verdicts: Record<string, number> = {};
for (const r of results) verdicts[r.verdict.verdict] = (verdicts[r.verdict.verdict] ?? 0) + 1;
const poolSize = service.sandbox().size;

// Provenance's cost per simulation (issue 18): the root cause as the engine finds it, and the provenance pass
// forced on every pair (it runs only when no changed step's values differ), which reads one use site's file.
const files = await diffFiles(sample, base, head);
const [hRev] = await Promise.all([resolveRevision(sample, head)]);
const pairs = results.filter((r) => r.head && r.head.status === "ok").map((r) => ({ b: r.base, h: r.head as RunResult }));
const plainMs: number[] = [];
const provMs: number[] = [];
// As the service reads it: one `git show` of the use site's file, kept per commit and path.
const shown = new Map<string, Promise<string>>();
const text: SourceText = (_side, p) => {
  const key = `${hRev?.commit ?? head}:${p}`;
  const hit = shown.get(key) ?? git(sample).show([key]);
  shown.set(key, hit);
  return hit;
};
for (const { b, h } of pairs) {
  t = performance.now();
  await compareRuns(b, h, files, text);
  plainMs.push(performance.now() - t);
  t = performance.now();
  const defs = [...changedDefinitions(h, "head", files), ...changedDefinitions(b, "base", files)];
  const use = h.trace[Math.floor(h.trace.length / 2)];
  if (use) provenanceOf({ at: use.at, index: 0 }, await namesAt(h, "head", use.at, text), defs);
  firstDivergenceOutside(b.trace, h.trace, (e) => `${e.kind}@${e.at}|${JSON.stringify(e.value ?? null)}`, () => false);
  provMs.push(performance.now() - t);
}
service.close();

// Instrumentation overhead: a loop over the sample's proration, in the sandbox and natively.
const work = join(dir, "overhead");
mkdirSync(join(work, "src"), { recursive: true });
const source = [
  "export function prorate(from: number, to: number, day: number, days: number) {",
  "  const share = (days - day + 1) / days;",
  "  const credit = Math.round(from * share * 100) / 100;",
  "  const charge = Math.round(to * share * 100) / 100;",
  "  return { credit, charge, net: Math.round((charge - credit) * 100) / 100 };",
  "}",
  "export function loop(n: number): number {",
  "  let total = 0;",
  "  for (let i = 0; i < n; i++) total += prorate(29, 99, (i % 28) + 1, 31).net;",
  "  return total;",
  "}",
].join("\n");
writeFileSync(join(work, "src/work.ts"), source);
const plain = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
writeFileSync(join(work, "native.cjs"), plain);
const native = createRequire(import.meta.url)(join(work, "native.cjs")) as { loop(n: number): number };
const N = 200_000;
native.loop(N);
const nativeRuns: number[] = [];
for (let i = 0; i < 5; i++) {
  t = performance.now();
  native.loop(N);
  nativeRuns.push(performance.now() - t);
}
const { execFileSync } = await import("node:child_process");
execFileSync("git", ["init", "-q", "-b", "main"], { cwd: work });
const pool = new SandboxPool(1);
const job = (n: number): SimulationJob => ({
  repo: work,
  rev: "WORKTREE",
  env: {},
  stubs: {},
  steps: [{ call: "src/work.ts#loop", args: [n], expect: [] }],
  boundaryPackages: boundaries([]),
  limits: { ...DEFAULT_LIMITS, cpuMs: 60_000 },
});
await pool.run(job(N));
const empty: number[] = [];
const full: number[] = [];
for (let i = 0; i < 5; i++) {
  empty.push((await pool.run(job(0))).ms);
  full.push((await pool.run(job(N))).ms);
}
// The fixed cost of one sandbox run (isolate, prelude, the record written out), and of checking three
// expectations (issue 15's guards: a second context, the values copied into it).
const checked = (): SimulationJob => ({ ...job(1), steps: [{ call: "src/work.ts#loop", args: [1], expect: ["typeof result === 'number'", "result > -1000", "effects.length === 0"] }] });
const runOnly: number[] = [];
const withExpect: number[] = [];
for (let i = 0; i < 30; i++) {
  runOnly.push((await pool.run(job(1))).ms);
  withExpect.push((await pool.run(checked())).ms);
}
pool.close();
const nativeMs = median(nativeRuns);
const sandboxMs = median(full) - median(empty);

process.stdout.write(
  JSON.stringify({
    scenarios: executable.length,
    warmupMs,
    oneMs: median(one),
    batch: batch.length,
    batchMs,
    sandboxRuns,
    verdicts,
    poolSize,
    overhead: { calls: N, nativeMs, sandboxMs, ratio: sandboxMs / nativeMs },
    perRun: { runMs: median(runOnly), expectMs: median(withExpect) },
    provenance: { pairs: pairs.length, plainMs: median(plainMs), forcedMs: median(provMs), oneMs: median(one) },
  }),
);
