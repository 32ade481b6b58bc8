import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { typescriptVersion } from "../../../core/typescript.js";
import { z } from "zod";
import type { Site } from "./instrument.js";

/**
 * Transpiled and instrumented module code, kept on disk between processes (`~/.cache/worldline/compiled`, or
 * under XDG_CACHE_HOME). Every pool child starts cold: without it, each one transpiles the repo's files and the
 * matcher library again, seconds per `worldline check`. Content-addressed by the file's text and the
 * compiler's own source, so an entry never goes stale; only the host writes it (the simulated code has no
 * way to the host's file system), and it lives outside the repo, so a change under review cannot plant one.
 */
const Entry = z.object({
  code: z.string(),
  sites: z.array(z.object({ kind: z.enum(["statement", "function"]), line: z.number().int(), name: z.string().optional(), endLine: z.number().int().optional() })),
});
type Entry = { code: string; sites: Site[] };

/** What made an entry: the instrumenter's and the loader's source and the TypeScript version. */
const COMPILER = (() => {
  const h = createHash("sha1").update(typescriptVersion());
  for (const file of ["./instrument.ts", "./modules.ts", "./runner.ts", "./compiled-cache.ts"]) h.update(readFileSync(new URL(file, import.meta.url)));
  return h.digest("hex").slice(0, 16);
})();

function cacheRoot(): string | undefined {
  if (process.env.WORLDLINE_COMPILED_CACHE === "off") return undefined;
  const base = process.env.XDG_CACHE_HOME || (process.env.HOME ? join(process.env.HOME, ".cache") : join(homedir(), ".cache"));
  return join(base, "worldline", "compiled", COMPILER);
}

const root = cacheRoot();

/** The settings that place the cache, for the pool's children (which get no other environment). */
export function compiledCacheEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["XDG_CACHE_HOME", "WORLDLINE_COMPILED_CACHE"]) {
    const v = process.env[name];
    if (v) env[name] = v;
  }
  return env;
}

export function compiledKey(kind: string, path: string, text: string): string {
  return createHash("sha1").update(kind).update("\0").update(path).update("\0").update(text).digest("hex");
}

/** The kept entry for a key, if one is there and whole (a damaged file is compiled again, never trusted). */
export function readCompiled(key: string): Entry | undefined {
  if (!root) return undefined;
  let text: string;
  try {
    text = readFileSync(join(root, key.slice(0, 2), `${key}.json`), "utf8");
  } catch {
    return undefined; // not kept yet (or unreadable): compiled again, which is only slower
  }
  try {
    const r = Entry.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** The kept compilation of a file's text, or a new one (then kept). */
export function compileKept(kind: string, path: string, text: string, make: () => Entry): Entry {
  const key = compiledKey(kind, path, text);
  const hit = readCompiled(key);
  if (hit) return hit;
  const made = make();
  writeCompiled(key, made);
  return made;
}

/** Keeps an entry: written aside, then renamed, so a reader in another process never sees half a file. */
export function writeCompiled(key: string, entry: Entry): void {
  if (!root) return;
  const folder = join(root, key.slice(0, 2));
  const tmp = join(folder, `${key}.${process.pid}.tmp`);
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    writeFileSync(tmp, JSON.stringify(entry));
    renameSync(tmp, join(folder, `${key}.json`));
  } catch {
    // A cache that cannot be written (a read-only or full home) costs time on the next run, never an answer.
  }
}
