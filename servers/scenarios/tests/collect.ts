import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { blobHash, listTree, readFilesAt, WORKTREE, type Revision } from "../../../core/git.js";
import { DEFAULT_LIMITS, type CollectedCase, type RunResult, type SimulationJob } from "../sandbox/protocol.js";
import type { TestCase, TestFile } from "./discover.js";

/**
 * Test cases collected at run time (issue 17): a file whose cases static discovery could not name (titles
 * computed, loops, tables in variables) is loaded in the sandbox, and the cases it registered replace the
 * static ones. A collection is kept by the test file's content and the content hashes of every repo module
 * it loaded, in memory and under `.worldline/collected/`, so a warm run does not collect again.
 */

/** How a collection job runs: the scenario service's sandbox pool. */
export type RunJob = (job: SimulationJob) => Promise<RunResult>;

export interface Collecting {
  run: RunJob;
  /** Where collections are kept on disk (the repo's `.worldline/`); memory only without it. */
  cacheDir?: string | undefined;
  boundaryPackages: string[];
}

/**
 * Whether a file is collected at run time: static discovery left cases out that a run can name (not skipped or
 * todo ones, which a collection leaves out too), or it is a vitest file with `.each`/`.for` tables, whose
 * titles vitest formats with its own display rules (`$name` of a string quoted, 0 as +0), which only the
 * sandbox's real formatter repeats exactly.
 */
export const needsRuntime = (f: TestFile, text: string) =>
  f.leftOut.some((l) => l.why !== "skipped" && l.why !== "todo") || (f.cases.length > 0 && /\bfrom\s*["']vitest["']/.test(text) && /\.(each|for)\s*[(`]/.test(text));

/** A collection's answer as kept: the cases, or why the file could not be collected, and the files it rested on. */
const Kept = z.object({
  deps: z.record(z.string(), z.string()),
  cases: z.array(z.object({ titles: z.array(z.string()).min(1), nth: z.number().int().min(1), mode: z.enum(["run", "skip", "todo"]), from: z.string().optional(), line: z.number().int().min(1).optional() })).optional(),
  error: z.string().optional(),
});
type Kept = z.infer<typeof Kept>;

/** The sources that collect (the test API, the runner): a Worldline that collects differently must not reuse what an older one kept. */
const API_HASH = createHash("sha1")
  .update(readFileSync(new URL("../sandbox/test-api.ts", import.meta.url)))
  .update(readFileSync(new URL("../sandbox/runner.ts", import.meta.url)))
  .digest("hex")
  .slice(0, 12);
const memory = new Map<string, Kept>();

const keyOf = (file: string, text: string, boundaries: readonly string[]) => createHash("sha1").update(API_HASH).update("\0").update(file).update("\0").update(text).update("\0").update(boundaries.join(",")).digest("hex");

/** A commit's paths and blob ids, listed once per process: every collected file of a revision checks against it. */
const trees = new Map<string, Promise<Map<string, string>>>();
function treeOf(repo: string, commit: string): Promise<Map<string, string>> {
  const key = `${repo}\0${commit}`;
  let hit = trees.get(key);
  if (!hit) {
    hit = listTree(repo, commit).then((entries) => new Map(entries.map((e) => [e.path, e.hash])));
    if (trees.size > 16) trees.delete(trees.keys().next().value as string);
    trees.set(key, hit);
    // A failed listing is asked again next time, not kept; the caller still sees this failure.
    hit.catch(() => trees.delete(key));
  }
  return hit;
}

/** Content hashes of `paths` at a revision (of "" for a path it does not hold, as the runner records a loaded file it has no text for). */
async function hashesAt(repo: string, revision: Revision, paths: readonly string[]): Promise<Map<string, string>> {
  const wanted = new Set(paths);
  const out = new Map(paths.map((p) => [p, blobHash("")]));
  if (revision.commit) for (const [p, h] of await treeOf(repo, revision.commit)) if (wanted.has(p)) out.set(p, h);
  if (!revision.commit) for (const f of await readFilesAt(repo, revision, (p) => wanted.has(p))) out.set(f.path, blobHash(f.text));
  return out;
}

async function stillHolds(repo: string, revision: Revision, kept: Kept): Promise<boolean> {
  const paths = Object.keys(kept.deps).filter((p) => !p.split("/").includes("node_modules"));
  const now = await hashesAt(repo, revision, paths);
  return paths.every((p) => now.get(p) === kept.deps[p]);
}

async function readKept(dir: string, key: string): Promise<Kept | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, "collected", `${key}.json`), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  // A damaged or foreign file is collected again, never trusted.
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const r = Kept.safeParse(raw);
  return r.success ? r.data : undefined;
}

async function writeKept(dir: string, key: string, kept: Kept): Promise<void> {
  const folder = join(dir, "collected");
  await mkdir(folder, { recursive: true });
  // Written aside, then renamed: a reader never sees half a file.
  const tmp = join(folder, `${key}.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(kept));
  await rename(tmp, join(folder, `${key}.json`));
}

/** The cases of one test file as the sandbox collects them at this revision (kept, or collected now). */
export async function collectAt(repo: string, revision: Revision, file: string, text: string, c: Collecting): Promise<Kept> {
  const key = keyOf(file, text, c.boundaryPackages);
  const known = memory.get(key) ?? (c.cacheDir ? await readKept(c.cacheDir, key) : undefined);
  if (known && (await stillHolds(repo, revision, known))) {
    memory.set(key, known);
    return known;
  }
  const job: SimulationJob = { repo, rev: revision.commit ?? WORKTREE, env: {}, stubs: {}, steps: [], boundaryPackages: c.boundaryPackages, limits: { ...DEFAULT_LIMITS, cpuMs: 10_000 }, collect: { file } };
  const run = await c.run(job);
  const deps = Object.fromEntries(Object.entries(run.coverage.files).map(([p, f]) => [p, f.hash]));
  const kept: Kept = run.collected ? { deps, cases: run.collected } : { deps, error: run.error?.reason ?? "the collection did not finish" };
  // A pool that could not run the job (closed, a child that died) says nothing about the file: not kept.
  if (Object.keys(deps).length > 0 || run.collected) {
    if (memory.size > 5_000) memory.delete(memory.keys().next().value as string);
    memory.set(key, kept);
    if (c.cacheDir) await writeKept(c.cacheDir, key, kept);
  }
  return kept;
}

/**
 * A file's cases from its collection: the cases that run, each at the line the recorder saw it registered at
 * (when the prelude tells the test API its site), else the line static discovery found for it,
 * else at the first line static discovery could not name at or after the case before it (the loop or the
 * computed title it most likely came from), else at the line of the case before it (a `.each` row that static
 * discovery titled differently). Skipped and todo cases stay left out as static discovery said.
 */
export function withCollected(f: TestFile, kept: Kept): TestFile {
  if (!kept.cases) {
    const line = f.leftOut.find((l) => l.why !== "skipped" && l.why !== "todo")?.line ?? 1;
    return { ...f, leftOut: [...f.leftOut, { line, why: `collecting at run time failed, the static cases stay: ${kept.error ?? "no reason given"}` }] };
  }
  const staticLine = new Map(f.cases.map((c) => [`${c.titles.join("\0")}\0${c.nth}`, c.line]));
  const unnamed = f.leftOut.filter((l) => l.why !== "skipped" && l.why !== "todo").map((l) => l.line).sort((a, b) => a - b);
  let cursor = 0;
  const cases: TestCase[] = [];
  for (const c of kept.cases as CollectedCase[]) {
    if (c.mode !== "run") continue;
    const line = c.line ?? staticLine.get(`${c.titles.join("\0")}\0${c.nth}`) ?? unnamed.find((l) => l >= cursor) ?? (cursor || unnamed[0] || f.cases[0]?.line || 1);
    cursor = line;
    cases.push({ file: f.path, titles: c.titles, nth: c.nth, line });
  }
  return { path: f.path, cases, leftOut: f.leftOut.filter((l) => l.why === "skipped" || l.why === "todo") };
}
