import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { boundaries } from "../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS } from "../servers/scenarios/sandbox/protocol.js";
import { formatTable, gitOut, mirrorsDir, NODE, ROOT } from "./common.js";

/**
 * Simulation fidelity on real libraries' public APIs (BENCH_ONLY=api): each library's own README examples
 * (bench/api-examples/<library>.ts, plain functions returning plain data) are written into a clone of the fetched
 * library, run natively under tsx and in the sandbox at that commit, and their answers compared. A library whose
 * mirror is absent (API_MIRRORS, default /work/.mirror) is skipped with a message.
 */
const LIBRARIES: Array<{ name: string; mirror: string }> = [
  { name: "immer", mirror: "immerjs+immer" },
  { name: "neverthrow", mirror: "supermacro+neverthrow" },
  { name: "ts-pattern", mirror: "gvergnaud+ts-pattern" },
  { name: "superstruct", mirror: "ianstormtaylor+superstruct" },
];

/** The sandbox's copy of a value, back to plain data: its tags for what JSON cannot say become what JSON.stringify gives. */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (isUndefinedTag(x) ? null : plain(x)));
  if (v === null || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  if ("$number" in o) return o.$number === "-0" ? 0 : null;
  return Object.fromEntries(Object.entries(o).filter(([, x]) => !isUndefinedTag(x)).map(([k, x]) => [k, plain(x)]));
}
const isUndefinedTag = (x: unknown) => typeof x === "object" && x !== null && (x as { $undefined?: boolean }).$undefined === true;

export async function apiExamplesBench(work: string): Promise<string> {
  const mirrors = mirrorsDir("API_MIRRORS");
  const rows: string[][] = [];
  const skipped: string[] = [];
  const causes: string[] = [];
  const pool = new SandboxPool(2);
  try {
    for (const lib of LIBRARIES) {
      const git = join(mirrors, lib.mirror, "repo");
      if (!existsSync(git)) {
        skipped.push(`${lib.name} (no mirror at ${git}: fetch github:${lib.mirror.replace("+", "/")})`);
        continue;
      }
      const dir = join(work, `api-${lib.name}`);
      execFileSync("git", ["clone", "-q", git, dir]);
      mkdirSync(join(dir, "worldline-examples"));
      const file = join(dir, "worldline-examples", `${lib.name}.ts`);
      copyFileSync(join(ROOT, "bench", "api-examples", `${lib.name}.ts`), file);
      gitOut(dir, ["add", "-A"]);
      gitOut(dir, ["commit", "-q", "-m", "public-API examples"]);
      const t0 = performance.now();
      const native = JSON.parse(execFileSync(NODE, [join(ROOT, "node_modules/tsx/dist/cli.mjs"), join(ROOT, "bench/api-examples-native.ts"), file], { encoding: "utf8", cwd: dir })) as Record<string, string | { error: string }>;
      const nativeMs = performance.now() - t0;
      const names = Object.keys(native);
      let same = 0;
      const t1 = performance.now();
      for (const name of names) {
        const r = await pool.run({ repo: dir, rev: "HEAD", env: {}, stubs: {}, steps: [{ call: `worldline-examples/${lib.name}.ts#${name}`, expect: [] }], boundaryPackages: boundaries([]), limits: DEFAULT_LIMITS });
        const want = native[name];
        const step = r.steps[0];
        const got = r.error ? { error: r.error.reason } : step?.error ? { error: step.error.message } : JSON.stringify(plain(step?.result)) ?? "undefined";
        if (typeof want === "string" && got === want) same++;
        else causes.push(`${lib.name}.${name}: native ${JSON.stringify(want).slice(0, 160)}, sandbox ${JSON.stringify(got).slice(0, 160)}`);
      }
      const sandboxMs = performance.now() - t1;
      const commit = gitOut(dir, ["rev-parse", "--short=12", "HEAD~1"]).trim();
      rows.push([`${lib.name} (${commit})`, String(names.length), String(same), `${((100 * same) / Math.max(1, names.length)).toFixed(0)}%`, `${(nativeMs / 1000).toFixed(1)} s`, `${(sandboxMs / 1000).toFixed(1)} s`]);
    }
  } finally {
    pool.close();
  }
  const table = formatTable(["public-API examples (bench/api-examples)", "examples", "same answer in the sandbox", "fidelity", "native (tsx)", "sandbox"], rows);
  return [table, ...skipped.map((s) => `skipped: ${s}`), ...causes.map((c) => `differs: ${c}`)].join("\n");
}

