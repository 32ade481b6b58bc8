import { existsSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, extname, isAbsolute, join, posix, relative, sep } from "node:path";
import type { ts } from "@ts-morph/common";
import { typescript } from "../../../core/typescript.js";
import { compileKept, compiledKey } from "./compiled-cache.js";
import { instrument, type Site } from "./instrument.js";
import { isUnder } from "../../../core/confine.js";
import { PACKAGES_ROOT, realPath, WORLDLINE_ROOT } from "./paths.js";
import type { RevisionFiles } from "./sources.js";

/**
 * The module loader's host half, run in the pool child: the isolate asks for `specifier` from module `from`
 * and gets back the module's CommonJS code as a string. The repo's own files are instrumented (their steps
 * are the trace); installed packages load as they are (ESM transpiled to CommonJS); Node's pure built-ins
 * come from pure-JS ports installed with Worldline; anything else is `missing` and becomes a stand-in.
 * The code asking is hostile: every file read from disk must really (symlinks resolved) lie under the repo
 * (or, for the ports, under Worldline's own root), be a .js/.cjs/.mjs/.json file, and a package's subpath
 * may not climb out of the package. A request that would leave them ends the run as a reach for the host.
 */
/**
 * The id prefix of Worldline's own port modules. It starts with NUL, which no repo path can hold: a repo file
 * named `worldline:x.js` is still the repo's, never a port.
 */
const PORT_PREFIX = "\u0000worldline:";

/** Node built-ins that are pure computation, and the npm port that provides each inside the isolate. */
const PORTS: Record<string, string> = {
  path: "path-browserify",
  "path/posix": "path-browserify",
  url: "url",
  util: "util",
  events: "events",
  buffer: "buffer",
  string_decoder: "string_decoder",
  querystring: "querystring-es3",
  assert: "assert",
  "assert/strict": "assert",
};
const BUILTINS = new Set(builtinModules);

/**
 * Worldline's own files that run inside the isolate as ports, by the specifier the prelude asks for them with:
 * fixed files beside this one (the web classes, node's stream), never a path the simulated code names. Only a
 * request from the ports' own root (the prelude's) reaches them.
 */
const OWN_PORTS: Record<string, string> = {
  "worldline:web-world": "./web-world.ts",
  "worldline:node-stream": "./node-stream.ts",
};
const ownPortCode = new Map<string, string>();
function ownPort(specifier: string, file: string): Answer {
  let code = ownPortCode.get(file);
  if (code === undefined) {
    const text = readFileSync(new URL(file, import.meta.url), "utf8");
    code = compileKept("port", file, text, () => ({ code: typescript().transpileModule(text, { compilerOptions: { module: typescript().ModuleKind.CommonJS, target: typescript().ScriptTarget.ES2022, removeComments: true } }).outputText, sites: [] })).code;
    ownPortCode.set(file, code);
  }
  const name = specifier.slice("worldline:".length);
  return { kind: "code", id: `${PORT_PREFIX}${name}.js`, filename: `worldline:${name}.js`, code, siteBase: 0, siteCount: 0 };
}

export interface SiteRef extends Site {
  path: string;
}

type Answer =
  | { kind: "code"; id: string; filename: string; code: string; siteBase: number; siteCount: number }
  | { kind: "json"; id: string; text: string }
  | { kind: "loaded"; id: string }
  | { kind: "missing" }
  | { kind: "error"; message: string };

/** Transpiled code per file content, kept for the life of the process (content-addressed, so never stale). */
const compiled = new Map<string, { code: string; sites: Site[] }>();

function cached(kind: string, path: string, text: string, make: () => { code: string; sites: Site[] }): { code: string; sites: Site[] } {
  const key = compiledKey(kind, path, text);
  let hit = compiled.get(key);
  if (!hit) {
    hit = compileKept(kind, path, text, make);
    if (compiled.size > 5000) compiled.delete(compiled.keys().next().value as string);
    compiled.set(key, hit);
  }
  return hit;
}

function topLevelAwaitLine(path: string, text: string): number | undefined {
  if (!/\bawait\b/.test(text)) return undefined;
  const ts = typescript();
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  let line: number | undefined;
  const walk = (n: ts.Node): void => {
    if (line !== undefined || ts.isFunctionLike(n)) return;
    if (ts.isAwaitExpression(n) || (ts.isForOfStatement(n) && n.awaitModifier)) line = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
    else ts.forEachChild(n, walk);
  };
  walk(sf);
  return line;
}

/**
 * Instruments a repo file into CommonJS. TypeScript emits ES modules for `.mjs`/`.mts` whatever the module
 * setting, so those are transpiled under a `.js`/`.ts` name (test files are often `.test.mjs`); messages keep the real path.
 */
function instrumentAsScript(path: string, text: string): { code: string; sites: Site[] } {
  const as = path.replace(/\.m([jt]s)$/, ".$1");
  if (as === path) return instrument(path, text);
  try {
    return instrument(as, text);
  } catch (err) {
    throw new Error((err as Error).message.split(as).join(path));
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function tryJs(p: string): string | undefined {
  for (const c of [p, `${p}.js`, `${p}.cjs`, `${p}.mjs`, `${p}.json`, join(p, "index.js"), join(p, "index.cjs"), join(p, "index.mjs")]) if (isFile(c)) return c;
  return undefined;
}

const CONDITIONS = ["require", "node", "default", "import"];

function conditional(target: unknown): string | undefined {
  if (typeof target === "string") return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const hit = conditional(t);
      if (hit) return hit;
    }
    return undefined;
  }
  if (target && typeof target === "object") {
    const entries = Object.entries(target);
    for (const cond of CONDITIONS) {
      const e = entries.find(([k]) => k === cond);
      const hit = e ? conditional(e[1]) : undefined;
      if (hit) return hit;
    }
  }
  return undefined;
}

/**
 * A package.json's text, read only when it is a regular file whose real path lies under `root`: a link to a
 * device or a FIFO would block the reader, one out of the repo would leak.
 */
function packageJsonText(root: string, dir: string): string | undefined {
  const file = join(dir, "package.json");
  const real = realPath(file);
  if (!real || !isUnder(root, real) || !isFile(real)) return undefined;
  try {
    return readFileSync(real, "utf8");
  } catch {
    return undefined;
  }
}

/** A package's file for a subpath ("" for the root), by `exports` (require conditions first), else main. */
function packageFile(root: string, pkgDir: string, subpath: string): string | undefined {
  let pkg: { exports?: unknown; main?: string } = {};
  try {
    pkg = JSON.parse(packageJsonText(root, pkgDir) ?? "{}") as typeof pkg;
  } catch {
    // an unreadable package.json: plain files
  }
  if (pkg.exports !== undefined) {
    const map = typeof pkg.exports === "object" && pkg.exports && !Array.isArray(pkg.exports) && Object.keys(pkg.exports).some((k) => k.startsWith(".")) ? (pkg.exports as Record<string, unknown>) : { ".": pkg.exports };
    const want = subpath ? `./${subpath}` : ".";
    let target = map[want];
    if (target === undefined) {
      for (const [k, v] of Object.entries(map)) {
        const star = k.indexOf("*");
        if (star >= 0 && want.startsWith(k.slice(0, star)) && want.endsWith(k.slice(star + 1))) {
          const rest = want.slice(star, want.length - (k.length - star - 1));
          const t = conditional(v);
          target = t?.replace("*", rest);
          break;
        }
      }
    }
    const file = conditional(target);
    return file ? tryJs(join(pkgDir, file)) : undefined;
  }
  return subpath ? tryJs(join(pkgDir, subpath)) : tryJs(join(pkgDir, pkg.main ?? "index.js")) ?? tryJs(join(pkgDir, "index"));
}

function isEsm(root: string, file: string, text: string): boolean {
  if (file.endsWith(".mjs")) return true;
  if (file.endsWith(".cjs")) return false;
  for (let dir = dirname(file); dir !== dirname(dir) && isUnder(root, dir); dir = dirname(dir)) {
    const text = packageJsonText(root, dir);
    if (text !== undefined) {
      try {
        if ((JSON.parse(text) as { type?: string }).type === "module") return true;
      } catch {
        // unreadable package.json: fall through to the syntax
      }
      break;
    }
  }
  // Line by line (a lazy regex across lines is quadratic on a file of many `import` lines).
  let esmSyntax = false;
  for (const line of text.split("\n")) {
    const t = line.trimStart();
    if (/^export[\s{*]/.test(t) || /^import\s*[{*"']/.test(t) || (t.startsWith("import ") && / from\s/.test(t))) {
      esmSyntax = true;
      break;
    }
  }
  return esmSyntax && !/\brequire\(|module\.exports/.test(text);
}

/** Files of installed packages that load as code or data; anything else (`.env`, `.ts`, no extension) is refused. */
const PACKAGE_FILE = new Set([".js", ".cjs", ".mjs", ".json"]);
/** A package name: `name` or `@scope/name`, no empty, `.` or `..` part. */
const PACKAGE_NAME = /^(?:@[^/\\]+\/)?[^/\\]+$/;

/** A refused request: the run ends `error` as a reach for the host, naming what was asked. */
class Outside extends Error {}

const outside = (specifier: string, why: string) =>
  new Outside(`cannot load "${specifier}": ${why}; a simulation loads only the repo's own files and the packages installed in its node_modules`);

export class ModuleLoader {
  readonly sites: SiteRef[] = [];
  readonly loaded = new Set<string>();
  /** Every module request of the repo's own code (asking module, specifier): a new file may answer it differently. */
  readonly requests = new Map<string, { from: string; specifier: string }>();
  private readonly sent = new Set<string>();
  /** Real paths of the two roots files may come from. */
  private readonly realRoots = new Map<string, string>();

  constructor(
    private readonly repo: string,
    private readonly source: RevisionFiles,
  ) {}

  /** Where files may come from: the repo, or for the ports only Worldline's installed packages (never its own files). */
  private confineRoot(root: string, isPort: boolean): string {
    return isPort ? join(this.realRoot(PACKAGES_ROOT), "node_modules") : this.realRoot(root);
  }

  private realRoot(root: string): string {
    let real = this.realRoots.get(root);
    if (!real) {
      real = realPath(root) ?? root;
      this.realRoots.set(root, real);
    }
    return real;
  }

  /** The real path of `path`, which must lie under `root`'s real path (its installed packages, for a port); else the request is refused. */
  private confinedDir(root: string, path: string, specifier: string, isPort: boolean): string {
    const real = realPath(path);
    if (!real || !isUnder(this.confineRoot(root, isPort), real)) throw outside(specifier, "it resolves outside the repo");
    // Inside an installed package: a node_modules folder, then a package's name (not `.cache`, `.vite` or a
    // lockfile). A link from node_modules back into the repo's own folders gives none of their files.
    const parts = relative(this.realRoot(root), real).split(sep);
    const at = parts.indexOf("node_modules");
    const name = at >= 0 ? parts[at + 1] : undefined;
    if (name === undefined || name.startsWith(".")) throw outside(specifier, "it resolves outside the installed packages");
    return real;
  }

  /** As confinedDir, for a file that loads as code or data. */
  private confined(root: string, file: string, specifier: string, isPort: boolean): string {
    const real = this.confinedDir(root, file, specifier, isPort);
    if (!isFile(real)) throw outside(specifier, "it is not a regular file");
    if (!PACKAGE_FILE.has(extname(real))) throw outside(specifier, `only .js, .cjs, .mjs and .json files of a package load (not ${extname(real) || "a file without extension"})`);
    return real;
  }

  /** The callback the isolate calls; answers JSON. */
  load(specifier: string, from: string): string {
    try {
      const answer = this.resolveAndRead(specifier, from);
      // The isolate keeps what it has evaluated; send each module's code once per run.
      if (answer.kind === "code" || answer.kind === "json") {
        if (this.sent.has(answer.id)) return JSON.stringify({ kind: "loaded", id: answer.id } satisfies Answer);
        this.sent.add(answer.id);
      }
      return JSON.stringify(answer);
    } catch (err) {
      const message = err instanceof Outside ? `the simulated code reached for the host: ${err.message}` : (err as Error).message;
      return JSON.stringify({ kind: "error", message } satisfies Answer);
    }
  }

  private resolveAndRead(asked: string, from: string): Answer {
    // The repo lies at /repo in a simulation (its cwd, its modules' __dirname): an absolute path there is repo-rooted.
    const specifier = from && !from.startsWith(PORT_PREFIX) && asked.startsWith("/repo/") ? asked.slice("/repo".length) : asked;
    const own = from === PORT_PREFIX && Object.hasOwn(OWN_PORTS, specifier) ? OWN_PORTS[specifier] : undefined;
    if (own) return ownPort(specifier, own);
    const bare = specifier.replace(/^node:/, "");
    // `buffer/`, `util/`: the npm package a built-in's port is. The repo's own install wins; else the port.
    // Own keys only: `constructor/` or `__proto__` must not find Object.prototype's members.
    const portOf = (name: string) => (Object.hasOwn(PORTS, name) ? PORTS[name] : undefined);
    const slashed = bare.endsWith("/") && portOf(bare.slice(0, -1)) !== undefined && !existsSync(join(this.repo, "node_modules", bare.slice(0, -1), "package.json"));
    const port = portOf(slashed ? bare.slice(0, -1) : bare);
    if (port) return this.packageModule(PACKAGES_ROOT, WORLDLINE_ROOT, port, true);
    if (BUILTINS.has(bare) || specifier.startsWith("node:")) return { kind: "missing" };
    if (from === PORT_PREFIX) return this.packageModule(PACKAGES_ROOT, WORLDLINE_ROOT, specifier, true);
    if (from.startsWith(PORT_PREFIX)) return this.diskModule(PACKAGES_ROOT, join(PACKAGES_ROOT, from.slice(PORT_PREFIX.length)), specifier, true);
    if (from.startsWith("node_modules/") || from.includes("/node_modules/")) return this.diskModule(this.repo, join(this.repo, from), specifier, false);
    const r = this.source.resolver.resolve(specifier, from || "index.ts");
    // A bare specifier the repo answers (tsconfig paths, a workspace package) keeps the file it found: a new
    // file beside that one may win next time.
    const isBare = !specifier.startsWith(".") && !specifier.startsWith("/");
    this.requests.set(`${from}\0${specifier}`, { from, specifier, ...(isBare && r.kind === "file" ? { resolved: r.path } : {}) });
    if (r.kind === "file") return this.repoModule(r.path);
    if (r.kind === "missing") return { kind: "missing" };
    return this.packageModule(this.repo, from ? join(this.repo, dirname(from)) : this.repo, specifier, false);
  }

  private repoModule(path: string): Answer {
    if (this.sent.has(path)) return { kind: "loaded", id: path };
    const text = this.source.files.get(path) ?? "";
    if (path.endsWith(".json")) {
      this.loaded.add(path);
      return { kind: "json", id: path, text };
    }
    const { code, sites } = cached("repo", path, text, () => instrumentAsScript(path, text));
    const siteBase = this.sites.length;
    for (const s of sites) this.sites.push({ ...s, path });
    this.loaded.add(path);
    return { kind: "code", id: path, filename: path, code, siteBase, siteCount: sites.length };
  }

  /** A bare specifier from `fromDir`: the nearest node_modules holding the package, up to `root`. */
  private packageModule(root: string, fromDir: string, specifier: string, isPort: boolean): Answer {
    const parts = specifier.split("/");
    const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
    const subpath = specifier.slice(name.length + 1);
    if (!PACKAGE_NAME.test(name) || name.split("/").some((p) => p === "." || p === "..")) return { kind: "missing" };
    if (subpath.split(/[/\\]/).some((p) => p === "..") || isAbsolute(subpath)) throw outside(specifier, "a package's subpath may not climb out of the package");
    for (let dir = fromDir; isUnder(root, dir); dir = dirname(dir)) {
      const pkgDir = join(dir, "node_modules", name);
      if (existsSync(pkgDir)) {
        const realPkg = this.confinedDir(root, pkgDir, specifier, isPort);
        const file = packageFile(this.confineRoot(root, isPort), pkgDir, subpath);
        if (!file) return { kind: "missing" };
        const real = this.confined(root, file, specifier, isPort);
        // exports and main may not point out of the package either (Node refuses `..` in exports targets).
        if (!isUnder(realPkg, real)) throw outside(specifier, "the package points out of its own folder");
        return this.fileModule(root, real, isPort);
      }
      if (dir === dirname(dir)) break;
    }
    return { kind: "missing" };
  }

  /** A specifier from an installed package's file: relative on disk, bare through node_modules. */
  private diskModule(root: string, fromFile: string, specifier: string, isPort: boolean): Answer {
    if (specifier.startsWith(".") || isAbsolute(specifier)) {
      const file = tryJs(isAbsolute(specifier) ? specifier : join(dirname(fromFile), specifier));
      if (!file) return { kind: "missing" };
      const real = this.confined(root, file, specifier, isPort);
      // A package's relative request stays in its own folder or among the installed packages: never the repo's own files.
      const own = packageRootOf(this.confineRoot(root, isPort), realPath(fromFile) ?? fromFile);
      const inPackages = relative(this.realRoot(root), real).split(sep).includes("node_modules");
      if (!inPackages && !(own && isUnder(own, real))) throw outside(specifier, "a package may load only its own files and other installed packages");
      return this.fileModule(root, real, isPort);
    }
    return this.packageModule(root, dirname(fromFile), specifier, isPort);
  }

  /** An installed package's file, `file` already confined (a real path under the root's real path). */
  private fileModule(root: string, file: string, isPort: boolean): Answer {
    const rel = relative(this.realRoot(root), file).split(sep).join(posix.sep);
    const id = isPort ? `${PORT_PREFIX}${rel}` : rel;
    const filename = isPort ? `worldline:${rel}` : rel;
    if (this.sent.has(id)) return { kind: "loaded", id };
    const text = readFileSync(file, "utf8");
    if (file.endsWith(".json")) return { kind: "json", id, text };
    const esm = isEsm(this.realRoot(root), file, text);
    // The top-level await check parses the file: done once, with its transpiling (a file that has one is never kept).
    const { code } = esm
      ? cached("esm", rel, text, () => {
          const line = topLevelAwaitLine(rel, text);
          if (line !== undefined) throw new Error(`${rel}:${line}: top-level await cannot be simulated (modules are loaded as CommonJS)`);
          return {
          code: typescript().transpileModule(text, { fileName: rel.replace(/\.mjs$/, ".js"), compilerOptions: { module: typescript().ModuleKind.CommonJS, target: typescript().ScriptTarget.ES2022, esModuleInterop: true, allowJs: true } }).outputText,
          sites: [],
          };
        })
      : { code: text };
    return { kind: "code", id, filename, code, siteBase: 0, siteCount: 0 };
  }
}

/** The folder of the package a file belongs to: the nearest folder above it, up to `root`, holding a package.json. */
function packageRootOf(root: string, file: string): string | undefined {
  for (let dir = dirname(file); isUnder(root, dir); dir = dirname(dir)) {
    if (isFile(join(dir, "package.json"))) return dir;
    if (dir === dirname(dir)) break;
  }
  return undefined;
}
