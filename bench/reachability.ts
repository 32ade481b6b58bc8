import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * Static reachability against what runs: the share of the functions V8 coverage says ran that the code
 * graph reaches from the public entry points (package exports), following callees.
 *
 *   git clone -q /work/.mirror/eemeli+yaml/repo /tmp/cg-yaml && (cd /tmp/cg-yaml && npm ci)
 *   npx tsx bench/reachability.ts [--repo /tmp/cg-yaml] [--compare /path/to/another/worldline/checkout]
 *
 * A small script drives the library's public API (parse, parseDocument, parseAllDocuments, stringify over a
 * few documents) from its TypeScript sources through tsx, under NODE_V8_COVERAGE; source maps in the
 * coverage map each function that ran back to its line. Each Worldline checkout (this one, and the one
 * passed as --compare, e.g. a clone of an older commit with node_modules linked) indexes its own fresh
 * clone of the repo's HEAD. A covered function counts as reached when the innermost symbol holding it is
 * reachable (the graph attributes a closure's calls to the symbol around it), so the denominator is the
 * same for every checkout.
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const MIRROR = "/work/.mirror/eemeli+yaml";

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const repo = resolve(option("--repo") ?? "/tmp/cg-yaml");
const compare = option("--compare");

function skip(why: string): never {
  process.stdout.write(`reachability: skipped: ${why}\n`);
  process.exit(0);
}

if (!existsSync(MIRROR)) skip(`${MIRROR} is absent (the eemeli/yaml mirror)`);
if (!existsSync(join(repo, "src/index.ts")) || !existsSync(join(repo, "node_modules"))) {
  skip(`${repo} is not an installed clone: git clone -q ${MIRROR}/repo ${repo} && (cd ${repo} && npm ci)`);
}

const DRIVER = `
const YAML = await import(process.argv[2] + "/src/index.ts");
const docs = [
  "a: 1\\nb: [x, y, {c: true}]\\nd: null\\ne: 0x1f\\nf: 1.5e3\\ng: 2001-12-14t21:59:43.10-05:00\\n",
  "%YAML 1.1\\n---\\nbin: !!binary aGVsbG8=\\nset: !!set {a, b}\\nomap: !!omap [ {a: 1}, {b: 2} ]\\nsexa: 190:20:30\\noct: 014\\nbool: yes\\nmerge:\\n  <<: {x: 1}\\n  y: 2\\n",
  "- &anchor foo\\n- *anchor\\n- |\\n  block\\n  text\\n- >-\\n  folded\\n- 'single'\\n- \\"double\\\\n\\"\\n# comment\\n",
  "--- first\\n...\\n--- second\\n",
  "key: [unclosed\\n",
];
for (const src of docs) {
  try { YAML.parse(src); } catch {}
  const doc = YAML.parseDocument(src);
  if (doc.errors.length === 0) String(doc);
  YAML.parseAllDocuments(src);
}
YAML.stringify({ a: 1, b: [true, null, 3.5, -0, 10n], c: "multi\\nline", d: new Uint8Array([1, 2]), e: new Date(0), f: new Set([1]), g: new Map([["k", "v"]]) });
YAML.stringify({ a: 1, b: [1, 2] }, { version: "1.1" });
YAML.stringify([1, "two"], { schema: "json" });
`;

interface Covered {
  path: string;
  line: number;
  name: string;
}

interface CoverageFunction {
  functionName: string;
  ranges: Array<{ startOffset: number; endOffset: number; count: number }>;
}
interface CoverageFile {
  result: Array<{ url: string; functions: CoverageFunction[] }>;
  "source-map-cache"?: Record<string, { lineLengths: number[]; data: { mappings: string } }>;
}

const B64 = new Map([..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"].map((c, i) => [c, i]));

/** Per generated line, its segments as [generated column, original line (0-based)], from a v3 source map. */
function decodeMappings(mappings: string): Array<Array<[number, number]>> {
  const lines: Array<Array<[number, number]>> = [];
  let origLine = 0;
  for (const text of mappings.split(";")) {
    const segs: Array<[number, number]> = [];
    let col = 0;
    for (const seg of text.split(",")) {
      if (!seg) continue;
      const fields: number[] = [];
      let value = 0;
      let shift = 0;
      for (const ch of seg) {
        const digit = B64.get(ch) ?? 0;
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      col += fields[0] ?? 0;
      if (fields.length >= 4) {
        origLine += fields[2] ?? 0;
        segs.push([col, origLine]);
      }
    }
    lines.push(segs);
  }
  return lines;
}

/** The functions of the repo's src/ that ran (count > 0), each at its original line. */
function coverage(): Covered[] {
  const dir = mkdtempSync(join(tmpdir(), "wl-reach-cov-"));
  try {
    writeFileSync(join(dir, "driver.mts"), DRIVER);
    const run = spawnSync(join(ROOT, "node_modules/.bin/tsx"), [join(dir, "driver.mts"), repo], {
      env: { ...process.env, NODE_V8_COVERAGE: join(dir, "cov") },
      encoding: "utf8",
    });
    if (run.status !== 0) throw new Error(`the coverage driver failed: ${run.stderr}`);
    const prefix = pathToFileURL(join(repo, "src")).href + "/";
    const out = new Map<string, Covered>();
    for (const f of readdirSync(join(dir, "cov"))) {
      const cov = JSON.parse(readFileSync(join(dir, "cov", f), "utf8")) as CoverageFile;
      for (const script of cov.result) {
        if (!script.url.startsWith(prefix)) continue;
        const map = cov["source-map-cache"]?.[script.url];
        if (!map) continue;
        const lines = decodeMappings(map.data.mappings);
        const starts: number[] = [];
        let at = 0;
        for (const len of map.lineLengths) {
          starts.push(at);
          at += len + 1;
        }
        const path = `src/${script.url.slice(prefix.length)}`;
        for (const fn of script.functions) {
          const range = fn.ranges[0];
          if (!range || range.count === 0 || range.startOffset === 0) continue; // the module itself
          // esbuild's helpers (__name, __publicField) are not the repo's code; static initializers run when
          // the module loads, not from an entry point.
          if (fn.functionName.startsWith("__") || fn.functionName === "<static_initializer>") continue;
          let genLine = starts.length - 1;
          while (genLine > 0 && (starts[genLine] ?? 0) > range.startOffset) genLine--;
          const col = range.startOffset - (starts[genLine] ?? 0);
          // The first mapped segment at or after the function's start (V8 starts a function at its name or
          // parameters, which may sit before the first mapped token of that line).
          let orig: number | undefined;
          for (let l = genLine; l < lines.length && orig === undefined; l++) {
            const seg = (lines[l] ?? []).find(([c]) => l > genLine || c >= col) ?? (l === genLine ? (lines[l] ?? []).at(-1) : undefined);
            if (seg) orig = seg[1];
          }
          if (orig === undefined) continue;
          const key = `${path}:${orig + 1}:${fn.functionName}`;
          out.set(key, { path, line: orig + 1, name: fn.functionName });
        }
      }
    }
    return [...out.values()].sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface SymbolLike {
  id: string;
  span: string;
  kind: string;
}

const FUNCTION_KINDS = new Set(["function", "arrow-function", "function-expression", "method", "constructor", "accessor"]);
interface Graph {
  entryPoints(kind?: string): Array<{ symbol: string | null }>;
  callees(id: string, depth: number): Array<{ callee: string }>;
  symbolsIn(path: string): SymbolLike[];
  callPaths(from: string, to: string, maxDepth: number, limit: number): Array<Array<{ symbol: string }>>;
}
interface Service {
  index(): Promise<{ stats: { durationMs: number; symbols: number } }>;
  graph(): Promise<Graph>;
  close(): void;
}

/** Paths the issue names: each runs on every parse or stringify. */
const NAMED: Array<[string, string]> = [
  ["src/public-api.ts#stringify", "src/stringify/stringifyNumber.ts#stringifyNumber"],
  ["src/public-api.ts#parse", "src/schema/tags.ts#getTags"],
  ["src/public-api.ts#parse", "src/schema/Schema.ts#Schema.constructor"],
  ["src/public-api.ts#parse", "src/schema/yaml-1.1/int.ts#intResolve"],
  ["src/public-api.ts#parse", "src/schema/yaml-1.1/timestamp.ts#parseSexagesimal"],
  ["src/public-api.ts#parse", "src/schema/yaml-1.1/pairs.ts#resolvePairs"],
];

interface Result {
  worldline: string;
  entries: number;
  reachable: number;
  /** Symbols of the repo's src/, and how many of them are reachable: reach is not everything. */
  srcSymbols: number;
  srcReachable: number;
  /** Function symbols of src/: all, reachable, and reachable ones that held no function that ran. */
  srcFunctions: number;
  srcFunctionsReachable: number;
  reachableNotRun: number;
  indexMs: number;
  covered: number;
  reached: number;
  namedPaths: Array<{ from: string; to: string; steps: number | null }>;
  missed: string[];
}

async function measureWith(worldline: string, covered: readonly Covered[]): Promise<Result> {
  const clone = mkdtempSync(join(tmpdir(), "wl-reach-repo-"));
  try {
    execFileSync("git", ["clone", "-q", repo, clone], { stdio: "ignore" });
    const mod = (await import(pathToFileURL(join(worldline, "servers/code-graph/service.ts")).href)) as {
      CodeGraphService: new (repo: string) => Service;
    };
    const service = new mod.CodeGraphService(clone);
    try {
      const indexed = await service.index();
      const g = await service.graph();
      const entries = [...new Set(g.entryPoints("package-export").map((e) => e.symbol).filter((s): s is string => s !== null))];
      // Breadth-first over callees (calls, constructions, dispatch: every kind the graph follows for calls).
      const reach = new Set(entries);
      let frontier = [...entries];
      while (frontier.length) {
        const next: string[] = [];
        for (const id of frontier) {
          for (const c of g.callees(id, 1)) {
            if (!reach.has(c.callee)) {
              reach.add(c.callee);
              next.push(c.callee);
            }
          }
        }
        frontier = next;
      }
      const spans = new Map<string, Array<{ id: string; start: number; end: number }>>();
      const holder = (c: Covered): string | undefined => {
        let list = spans.get(c.path);
        if (!list) {
          list = g.symbolsIn(c.path).map((s) => {
            const [a, b] = s.span.slice(s.span.lastIndexOf(":") + 1).split("-").map(Number) as [number, number];
            return { id: s.id, start: a, end: b };
          });
          spans.set(c.path, list);
        }
        const holding = list.filter((s) => s.start <= c.line && s.end >= c.line).sort((x, y) => x.end - x.start - (y.end - y.start));
        return holding[0]?.id;
      };
      const missed: string[] = [];
      const ran = new Set<string>();
      let reached = 0;
      for (const c of covered) {
        const id = holder(c);
        if (id) ran.add(id);
        if (id && reach.has(id)) reached++;
        else missed.push(`${c.path}:${c.line} ${c.name || "(anonymous)"} in ${id ?? "module-level code"}`);
      }
      const namedPaths = NAMED.map(([from, to]) => {
        let steps: number | null = null;
        try {
          const p = g.callPaths(from, to, 20, 1)[0];
          steps = p ? p.length - 1 : null;
        } catch {
          steps = null; // a symbol this checkout does not know (e.g. no constructor symbol)
        }
        return { from, to, steps };
      });
      const srcFiles = execFileSync("git", ["ls-files", "src"], { cwd: clone, encoding: "utf8" }).split("\n").filter((f) => f.endsWith(".ts"));
      const srcSyms = srcFiles.flatMap((f) => g.symbolsIn(f));
      const srcIds = srcSyms.map((x) => x.id);
      const fnIds = srcSyms.filter((x) => FUNCTION_KINDS.has(x.kind)).map((x) => x.id);
      return {
        worldline,
        entries: entries.length,
        reachable: reach.size,
        srcSymbols: srcIds.length,
        srcReachable: srcIds.filter((id) => reach.has(id)).length,
        srcFunctions: fnIds.length,
        srcFunctionsReachable: fnIds.filter((id) => reach.has(id)).length,
        reachableNotRun: fnIds.filter((id) => reach.has(id) && !ran.has(id)).length,
        indexMs: indexed.stats.durationMs,
        covered: covered.length,
        reached,
        namedPaths,
        missed,
      };
    } finally {
      service.close();
    }
  } finally {
    rmSync(clone, { recursive: true, force: true });
  }
}

function report(r: Result): string {
  const pct = ((100 * r.reached) / Math.max(1, r.covered)).toFixed(1);
  const lines = [
    `Worldline at ${r.worldline}`,
    `  index of the clone: ${r.indexMs} ms, cold`,
    `  entry points (package exports): ${r.entries}; symbols reachable from them: ${r.reachable} (of src/: ${r.srcReachable} of ${r.srcSymbols})`,
    `  function symbols of src/: ${r.srcFunctions}; reachable: ${r.srcFunctionsReachable}, of which ${r.reachableNotRun} held no function that ran`,
    `  functions that ran (V8 coverage): ${r.covered}; reached by the call graph: ${r.reached} (${pct}%)`,
    ...r.namedPaths.map((p) => `  call_paths ${p.from} -> ${p.to}: ${p.steps === null ? "none" : `${p.steps} calls`}`),
  ];
  if (process.argv.includes("--missed")) lines.push("  not reached:", ...r.missed.map((m) => `    ${m}`));
  return lines.join("\n");
}

const covered = coverage();
const results = [await measureWith(ROOT, covered)];
if (compare) results.unshift(await measureWith(resolve(compare), covered));
process.stdout.write(`${results.map(report).join("\n\n")}\n`);
