import { posix } from "node:path";
import { typescript } from "../../core/typescript.js";
import { z } from "zod";

/**
 * What the code graph reads from a revision's package.json, tsconfig.json and pnpm-workspace.yaml files:
 * path aliases, packages (npm/pnpm workspaces) and their declared entry points.
 */
export interface PackageInfo {
  name: string | undefined;
  dir: string;
  /** Declared entry files (main, module, types, exports, bin), as written. */
  entries: string[];
  /** Declared executables (bin). */
  bins: string[];
  /** Files run by package scripts (`node x.js`, `tsx src/y.ts`). */
  scriptFiles: string[];
}

export interface ProjectSettings {
  /** tsconfig `paths`, with targets made repo-relative. */
  paths: Array<{ pattern: string; targets: string[] }>;
  packages: PackageInfo[];
}

const StringRecord = z.record(z.string(), z.unknown());

const PackageJson = z
  .object({
    name: z.string().optional(),
    main: z.string().optional(),
    module: z.string().optional(),
    types: z.string().optional(),
    exports: z.unknown().optional(),
    bin: z.union([z.string(), z.record(z.string(), z.string())]).optional(),
    scripts: z.record(z.string(), z.string()).optional(),
  })
  .loose();

function exportTargets(value: unknown, out: string[]): void {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) exportTargets(v, out);
  else if (value && typeof value === "object") {
    for (const [key, v] of Object.entries(value)) {
      // Only the package root and its conditions: subpath patterns are not entry points by themselves.
      if (key === "." || !key.startsWith(".")) exportTargets(v, out);
    }
  }
}

function scriptFiles(scripts: Record<string, string>): string[] {
  const files: string[] = [];
  for (const command of Object.values(scripts)) {
    for (const m of command.matchAll(/\b(?:node|tsx|ts-node|bun|deno run)\s+(?:--?\S+\s+)*([\w./-]+\.(?:[cm]?[jt]sx?))/g)) {
      if (m[1]) files.push(m[1]);
    }
  }
  return files;
}

export function readPackage(path: string, text: string): PackageInfo | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined; // a broken package.json only costs its entry points
  }
  const parsed = PackageJson.safeParse(raw);
  if (!parsed.success) return undefined;
  const pkg = parsed.data;
  const entries: string[] = [];
  for (const e of [pkg.main, pkg.module, pkg.types]) if (e) entries.push(e);
  exportTargets(pkg.exports, entries);
  const bins = typeof pkg.bin === "string" ? [pkg.bin] : Object.values(pkg.bin ?? {});
  const dir = posix.dirname(path);
  return { name: pkg.name, dir: dir === "." ? "" : dir, entries, bins, scriptFiles: scriptFiles(pkg.scripts ?? {}) };
}

function readTsconfigPaths(path: string, text: string): ProjectSettings["paths"] {
  const parsed = typescript().parseConfigFileTextToJson(path, text);
  const options = StringRecord.safeParse(StringRecord.safeParse(parsed.config).data?.compilerOptions ?? {});
  if (!options.success) return [];
  const dir = posix.dirname(path);
  const baseUrl = typeof options.data.baseUrl === "string" ? posix.join(dir, options.data.baseUrl) : dir;
  const paths = z.record(z.string(), z.array(z.string())).safeParse(options.data.paths ?? {});
  if (!paths.success) return [];
  return Object.entries(paths.data).map(([pattern, targets]) => ({
    pattern,
    targets: targets.map((t) => posix.normalize(posix.join(baseUrl, t)).replace(/^\.\//, "")),
  }));
}

/**
 * Where a tsconfig's build output comes from: its `outDir` and `rootDir` (repo-relative; rootDir defaults to the
 * config's folder), so a frame in the built file can be mapped to its source.
 */
export function readBuildRoot(path: string, text: string): { out: string; root: string } | undefined {
  const parsed = typescript().parseConfigFileTextToJson(path, text);
  const options = StringRecord.safeParse(StringRecord.safeParse(parsed.config).data?.compilerOptions ?? {});
  if (!options.success || typeof options.data.outDir !== "string") return undefined;
  const dir = posix.dirname(path);
  const rel = (p: string) => posix.normalize(posix.join(dir, p)).replace(/^\.\/?/, "").replace(/\/$/, "");
  return { out: rel(options.data.outDir), root: typeof options.data.rootDir === "string" ? rel(options.data.rootDir) : rel(".") };
}

/** Settings of one revision, from its project files (path to text). */
export function readProjectSettings(files: ReadonlyMap<string, string>): ProjectSettings {
  const packages: PackageInfo[] = [];
  let paths: ProjectSettings["paths"] = [];
  for (const [path, text] of files) {
    if (path.endsWith("package.json")) {
      const pkg = readPackage(path, text);
      if (pkg) packages.push(pkg);
    } else if (path === "tsconfig.json") {
      paths = readTsconfigPaths(path, text);
    }
  }
  packages.sort((a, b) => a.dir.localeCompare(b.dir));
  return { paths, packages };
}
