import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ingestHistory } from "../servers/git-history/ingest.js";
import { GitHistoryService } from "../servers/git-history/service.js";
import { coupling, hotspots } from "../servers/git-history/views.js";
import { why } from "../servers/git-history/why.js";
import { median } from "./measure.js";

/**
 * Child process of `npm run bench`: a generated repo of 5,000 commits (written with one `git fast-import`),
 * then full history ingestion into the context graph, hotspots and coupling, and `why` latency. Prints JSON.
 */
const [dir, countText = "5000"] = process.argv.slice(2);
if (!dir) throw new Error("usage: git-history.ts DIR [COMMITS]");
const COMMITS = Number(countText);
const FILES = 300;
const LINES = 40;
const AUTHORS = 25;
const SWEEP_EVERY = 250;

let seed = 11;
const rand = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const skewed = (n: number) => Math.min(n - 1, Math.floor(n * rand() ** 2));
const path = (i: number) => `src/m${i % 12}/file${i}.ts`;
const files: string[][] = Array.from({ length: FILES }, (_, f) =>
  Array.from({ length: LINES }, (_, l) => (l === 0 ? `export function f${f}(x: number): number {` : l === LINES - 1 ? "}" : `  x = x + ${l}; // v0`)),
);

function stream(): string {
  const parts: string[] = [];
  const start = Date.UTC(2022, 0, 1) / 1000;
  for (let c = 0; c < COMMITS; c++) {
    const a = skewed(AUTHORS);
    const when = start + c * 3 * 3600;
    const touched = new Set<number>();
    // Every SWEEP_EVERY commits a formatter sweep: semicolons dropped or restored on every line of 40 files, nothing else.
    const sweep = c > 0 && c % SWEEP_EVERY === 0;
    const n = c === 0 ? FILES : sweep ? 40 : 1 + Math.floor(5 * rand() ** 3);
    for (let k = 0; k < n; k++) touched.add(c === 0 ? k : sweep ? (k * 7 + c) % FILES : skewed(FILES));
    for (const f of c === 0 ? [] : touched) {
      const file = files[f] as string[];
      if (sweep) {
        for (let l = 1; l < LINES - 1; l++) file[l] = (file[l] as string).includes("; //") ? (file[l] as string).replace("; //", " //") : (file[l] as string).replace(" //", "; //");
        continue;
      }
      const line = 1 + Math.floor(rand() * (LINES - 2));
      file[line] = `  x = x + ${line} * ${1 + (c % 9)}; // v${c}`;
    }
    const ticket = rand() < 0.6 ? `SUP-${1 + Math.floor(rand() * 800)}` : "";
    const fix = c > 10 && rand() < 0.05;
    const message = sweep ? "Run prettier\n" : `${fix ? "Fix" : "Change"} ${[...touched].slice(0, 3).map(path).join(", ")}${ticket ? ` (${ticket})` : ""}\n\n${fix ? `Fixes #${c}\n` : "Routine work.\n"}`;
    parts.push(`commit refs/heads/main\nmark :${c + 1}\n`);
    parts.push(`author Dev ${a} <dev${a}@example.test> ${when} +0000\ncommitter Dev ${a} <dev${a}@example.test> ${when} +0000\n`);
    parts.push(`data ${Buffer.byteLength(message)}\n${message}\n`);
    if (c > 0) parts.push(`from :${c}\n`);
    for (const f of touched) {
      const text = `${(files[f] as string[]).join("\n")}\n`;
      parts.push(`M 100644 inline ${path(f)}\ndata ${Buffer.byteLength(text)}\n${text}\n`);
    }
  }
  return parts.join("");
}

const env = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null" };
execFileSync("git", ["init", "-q", "-b", "main", dir], { env });
const genStart = performance.now();
execFileSync("git", ["fast-import", "--quiet"], { cwd: dir, input: stream(), env, maxBuffer: 1 << 30 });
execFileSync("git", ["checkout", "-q", "main"], { cwd: dir, env });
const generateMs = performance.now() - genStart;

// The ingestion cost of seeing through reformats: the same history ingested once without commit shapes (a clone),
// then as `ingest` does it, with each commit's hunks classified and SZZ blaming through reformats and moves.
const plainDir = `${dir}-plain`;
execFileSync("git", ["clone", "-q", "--no-local", dir, plainDir], { env });
const plain = new GitHistoryService(plainDir);
let t = performance.now();
await ingestHistory(plain.graph, plainDir, plain.commits);
const plainIngestMs = performance.now() - t;
plain.close();

const service = new GitHistoryService(dir);
t = performance.now();
const ingest = await ingestHistory(service.graph, dir, service.commits, { shapes: service.shapes });
const ingestMs = performance.now() - t;
const shaped = Number(
  execFileSync("git", ["rev-list", "--count", "--no-merges", "HEAD"], { cwd: dir, encoding: "utf8" }).trim(),
);
const shapesMs = ingestMs - plainIngestMs;

t = performance.now();
const log = await service.log();
const lines = await service.linesAtHead(new Set(log.flatMap((c) => c.files.map((f) => f.path))));
const hot = hotspots(log, (p) => lines.get(p));
const pairs = coupling(log);
const viewsMs = performance.now() - t;

const whyTimes: number[] = [];
let passed = 0;
for (let i = 0; i < 20; i++) {
  const target = `${path(skewed(FILES))}:${2 + (i % (LINES - 3))}`;
  const s = performance.now();
  const answer = await why(service, target);
  whyTimes.push(performance.now() - s);
  passed += answer.deciding?.passedThrough.length ?? 0;
}
service.close();
process.stdout.write(
  JSON.stringify({
    commits: COMMITS,
    generateMs,
    ingestMs,
    ingested: ingest.ingested,
    fixes: ingest.fixes,
    suspects: ingest.suspects,
    viewsMs,
    hotspots: hot.length,
    couplingPairs: pairs.length,
    whyMedianMs: median(whyTimes),
    shapesMs,
    shaped,
    sweeps: Math.floor((COMMITS - 1) / SWEEP_EVERY),
    whyPassed: passed,
    dbDir: join(dir, ".worldline"),
  }),
);
