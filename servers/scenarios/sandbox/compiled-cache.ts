import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { typescriptVersion } from "../../../core/typescript.js";
import { z } from "zod";
import type { Site } from "./instrument.js";

/**
 * Transpiled and instrumented module code, kept on disk between processes (`~/.cache/worldline/compiled`, or
 * under XDG_CACHE_HOME). Every pool child starts cold: without it, each one transpiles the repo's files and the
 * matcher library again, seconds per `worldline check`. Content-addressed by the file's text and the
 * compiler's own source, so an entry never goes stale. The simulated code has no way to the host's file system,
 * and the folder is used only when it is the user's own, private and outside any git work tree (cacheRoot), so a
 * change under review cannot plant an entry. Code that already runs on the host as the user could, as it could
 * edit Worldline's own install: `WORLDLINE_COMPILED_CACHE=off` where untrusted code runs on the host first.
 */
const Entry = z.object({
  code: z.string(),
  sites: z.array(z.object({ kind: z.enum(["statement", "function"]), line: z.number().int(), name: z.string().optional(), endLine: z.number().int().optional() })),
});
type Entry = { code: string; sites: Site[] };

/** What made an entry: the instrumenter's and the loader's source and the TypeScript version (the cache's folder). */
export const COMPILER = (() => {
  const h = createHash("sha256").update(typescriptVersion());
  for (const file of ["./instrument.ts", "./modules.ts", "./runner.ts", "./compiled-cache.ts"]) h.update(readFileSync(new URL(file, import.meta.url)));
  return h.digest("hex").slice(0, 24);
})();

/** Whether a folder lies in a git work tree: a checkout's files are what a change under review writes. */
function inWorkTree(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, ".git"))) return true;
    if (dirname(d) === d) return false;
  }
}

/**
 * The cache's folder, or undefined when it is off or cannot be trusted. An entry is code the sandbox runs as
 * compiled, so the folder must be the user's own and no one else's to write (made 0700 here; one that already
 * exists with other modes, or another owner, was not made by Worldline), must not be a link, and must not lie in a
 * git work tree (CI often points XDG_CACHE_HOME into the checkout, whose files a pull request chooses). A relative
 * XDG_CACHE_HOME is ignored, as the XDG spec says.
 */
function cacheRoot(): string | undefined {
  if (process.env.WORLDLINE_COMPILED_CACHE === "off") return undefined;
  const xdg = process.env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(process.env.HOME || homedir(), ".cache");
  const root = join(base, "worldline", "compiled", COMPILER);
  try {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    const st = lstatSync(root);
    const uid = process.getuid?.();
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) return undefined;
    const real = realpathSync(root);
    return inWorkTree(real) ? undefined : real;
  } catch {
    return undefined; // no cache: every file is compiled, which is only slower
  }
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
  // Each part with its length: no shift of bytes between parts gives another file's key.
  const h = createHash("sha256");
  for (const part of [kind, path, text]) h.update(`${Buffer.byteLength(part)}:`).update(part);
  return h.digest("hex");
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
