import { isTestPath } from "../../core/paths.js";
import type { CodeRef } from "./model.js";
import { mapReference, originalPosition, parseSourceMap, sourcePath } from "./source-maps.js";

/**
 * Code references in a ticket's text, resolved through the code graph: stack frames (in-app ones to the
 * symbol holding the line, node_modules ones set aside), file paths, symbol names, error messages (found at
 * their throw site through the literal index), config keys, commit hashes and PR numbers.
 */
const FRAME = /\bat\s+(?:(?:async\s+)?([\w$.<>\[\] ]+?)\s+\()?(?:file:\/\/)?([^\s()]+?\.(?:[cm]?[jt]sx?)):(\d+)(?::(\d+))?\)?/g;
const PATH = /(?<![\w/.-])((?:[\w@.-]+\/)+[\w.-]+\.(?:[cm]?[jt]sx?|json|sql|ya?ml))(?::(\d+))?\b/g;
const MESSAGE = /\b[A-Z]?\w*(?:Error|Exception)\b:\s*([^\n]{6,160})/g;
const QUOTED = /(?<=^|[\s:(\[])["“']([^"”'\n]{6,160}?)["”'](?=$|[\s.,;:)\]])/g;
const CONFIG = /\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b/g;
const SHA = /\b([0-9a-f]{7,40})\b/g;
const PR = /(?:\bPR\s*|pull request\s*|(?<![\w&/])#)(\d+)\b/gi;
/** Right before a name: a member of one of JavaScript's built-in namespaces or classes (`Array.isArray`). */
const BUILT_IN_MEMBER = /\b(?:Object|Array|JSON|Reflect|Math|Number|String|Promise|Symbol|Proxy|Date|RegExp|Map|Set|WeakMap|WeakSet|BigInt|Intl|Atomics|globalThis|console|process)(?:\.prototype)?\.$/;
const IDENT = /\b([a-z][a-zA-Z0-9]*[A-Z][a-zA-Z0-9]*|[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+)(?:\.([a-zA-Z_$][\w$]*))?\b/g;

export interface RepoView {
  /** Code-graph look-ups, memoized for one import: tickets repeat the same frames, names and messages. */
  symbolAt(location: string): string | null;
  findLiteral(text: string): Array<{ location: string; symbol: string | null }>;
  /** String and template literals a message could have come from (a template's `${}` parts match any text). */
  findMessage(text: string): Array<{ location: string; symbol: string | null }>;
  /** The repo's own package name (package.json), whose frames under node_modules are the repo's own code. */
  packageName: string | undefined;
  /** Where the repo's build output comes from: `outDir` to `rootDir` (tsconfig), e.g. dist -> src. */
  buildRoots: ReadonlyArray<{ out: string; root: string }>;
  symbolsNamed(name: string): string[];
  /** Config keys the code reads (env variables and config paths). */
  configKeys: ReadonlySet<string>;
  /** Repo paths of the indexed revision, for matching file paths and frames. */
  paths: ReadonlySet<string>;
  /** Commit shas known to git, for matching hashes. */
  hasCommit(prefix: string): Promise<string | undefined>;
  /** A file's text at the view's revision, indexed or not (build output, source maps); undefined when absent. */
  readText(path: string): Promise<string | undefined>;
}

const cleanPath = (raw: string): string => raw.replace(/^\.?\//, "").replace(/^webpack:\/\/\/?/, "");

/** The repo path a frame or path names: exact, else the longest indexed path it ends with, else the source of a build file. */
function repoPath(repo: Pick<RepoView, "paths" | "buildRoots">, raw: string): string | undefined {
  const cleaned = cleanPath(raw);
  return indexedPath(repo, cleaned) ?? sourceOfBuild(repo, cleaned);
}

/** An indexed path: the path itself, else the longest indexed path it ends with (/app/src/x.ts). */
function indexedPath(repo: Pick<RepoView, "paths">, cleaned: string): string | undefined {
  if (repo.paths.has(cleaned)) return cleaned;
  let best: string | undefined;
  for (const p of repo.paths) if (cleaned.endsWith(`/${p}`) && (!best || p.length > best.length)) best = p;
  return best;
}

const SOURCE_EXTENSIONS: Record<string, string[]> = { ".js": [".ts", ".tsx", ".js"], ".mjs": [".mts", ".ts", ".mjs"], ".cjs": [".cts", ".ts", ".cjs"], ".jsx": [".tsx", ".jsx"] };

/** A compiled file of the repo's build (dist/parse/lexer.js) as the source file it was built from (src/parse/lexer.ts). */
function sourceOfBuild(repo: Pick<RepoView, "paths" | "buildRoots">, built: string): string | undefined {
  const ext = /\.[cm]?jsx?$/.exec(built)?.[0];
  if (!ext) return undefined;
  for (const { out, root } of [...repo.buildRoots, ...DEFAULT_BUILD_ROOTS]) {
    const at = built.startsWith(`${out}/`) ? out.length + 1 : built.indexOf(`/${out}/`) >= 0 ? built.indexOf(`/${out}/`) + out.length + 2 : -1;
    if (at < 0) continue;
    const stem = built.slice(at, built.length - ext.length);
    for (const e of SOURCE_EXTENSIONS[ext] ?? []) {
      const candidate = root ? `${root}/${stem}${e}` : `${stem}${e}`;
      if (repo.paths.has(candidate)) return candidate;
    }
  }
  return undefined;
}

const DEFAULT_BUILD_ROOTS = ["dist", "build", "lib", "out"].map((out) => ({ out, root: "src" }));

/**
 * The repo path of a compiled file a frame names (`/app/dist/parse/lexer.js` -> dist/parse/lexer.js): a
 * JavaScript file under a build root. A path the repo indexes counts only when the build root is at its top.
 */
function buildOutput(repo: Pick<RepoView, "buildRoots">, path: string, indexed: boolean): string | undefined {
  if (!/\.[cm]?jsx?$/.test(path)) return undefined;
  for (const { out } of [...repo.buildRoots, ...DEFAULT_BUILD_ROOTS]) {
    if (path.startsWith(`${out}/`)) return path;
    const at = indexed ? -1 : path.lastIndexOf(`/${out}/`);
    if (at >= 0) return path.slice(at + 1);
  }
  return undefined;
}

/** A literal in the build output of a source file the repo has (dist/x.js of src/x.ts): a copy, not a site. */
function isBuiltCopy(repo: Pick<RepoView, "paths" | "buildRoots">, location: string): boolean {
  const path = location.replace(/:\d+$/, "");
  const built = buildOutput(repo, path, true);
  return built !== undefined && sourceOfBuild(repo, built) !== undefined;
}

/** Where a built file's line came from, and how that was found. */
interface Mapped {
  path: string;
  line: number;
  /** source-map: the map's original line; layout: the build layout's source file, the built line kept (approximate). */
  mapping: "source-map" | "layout";
}

/**
 * The source file and line a compiled file's line ran: through its source map when the repo has one (a
 * `.js.map` next to it, or its `sourceMappingURL`), else by the build layout (outDir to rootDir, dist to src),
 * whose line is the built one, kept as an approximation.
 */
async function sourceOfBuilt(repo: RepoView, built: string, line: number, column: number): Promise<Mapped | undefined> {
  const ref = mapReference(built, await repo.readText(built));
  const map = parseSourceMap(("inline" in ref ? ref.inline : await repo.readText(ref.path)) ?? "");
  const pos = map ? originalPosition(map, line, column) : undefined;
  if (map && pos) {
    const named = sourcePath("inline" in ref ? built : ref.path, map, pos.source);
    const path = repo.paths.has(named) ? named : [...repo.paths].find((p) => named.endsWith(`/${p}`));
    if (path) return { path, line: pos.line, mapping: "source-map" };
  }
  const source = sourceOfBuild(repo, built);
  return source ? { path: source, line, mapping: "layout" } : undefined;
}

/** A frame's function (`Lexer.lex`, `Object.parse`) as a symbol of the file the frame is in, when it names one there. */
function frameSymbol(repo: RepoView, path: string, fn: string | undefined): string | undefined {
  const name = fn?.trim().replace(/^(?:new|async)\s+/, "").replace(/^Object\./, "");
  if (!name) return undefined;
  const hits = [name, name.split(".").pop() ?? name].flatMap((n) => repo.symbolsNamed(n)).filter((id) => id.startsWith(`${path}#`));
  return hits[0];
}

export async function extractCodeRefs(text: string, repo: RepoView): Promise<CodeRef[]> {
  const refs: CodeRef[] = [];
  const seen = new Set<string>();
  const add = (ref: CodeRef) => {
    // A message can have more than one site: each is a reference of its own.
    const k = `${ref.kind}\0${ref.text}${ref.kind === "message" || ref.kind === "test-message" ? `\0${ref.target}` : ""}`;
    if (seen.has(k)) return;
    seen.add(k);
    refs.push(ref);
  };

  let order = 0;
  for (const m of text.matchAll(FRAME)) {
    const raw = m[2] ?? "";
    const line = Number(m[3]);
    const column = m[4] ? Number(m[4]) : 1;
    const where = `${raw}:${line}`;
    // The repo's own published package, installed under node_modules, is the repo's code in its built form.
    const own = ownPackageFile(repo, raw);
    if (own === undefined && /node_modules\/|^node:|^internal\//.test(raw)) {
      add({ kind: "vendor-frame", text: where, target: null, order: order++ });
      continue;
    }
    const indexed = own === undefined ? indexedPath(repo, cleanPath(raw)) : undefined;
    // A file of the build output (dist/, lib/, build/, the tsconfig outDir) runs code of a source file.
    const built = own ?? buildOutput(repo, indexed ?? cleanPath(raw), indexed !== undefined);
    const mapped = built === undefined ? undefined : await sourceOfBuilt(repo, built, line, column);
    if (mapped) {
      // A source map gives the source line: the symbol holding it. The layout keeps the built line, which is
      // approximate: the frame's function names the symbol, else the file itself.
      const target =
        mapped.mapping === "source-map"
          ? (repo.symbolAt(`${mapped.path}:${mapped.line}`) ?? frameSymbol(repo, mapped.path, m[1]) ?? `${mapped.path}:${mapped.line}`)
          : (frameSymbol(repo, mapped.path, m[1]) ?? mapped.path);
      add({ kind: "frame", text: where, target, order: order++, location: `${mapped.path}:${mapped.line}`, mapping: mapped.mapping });
      continue;
    }
    const path = own === undefined ? repoPath(repo, raw) : undefined;
    const target = path ? (frameSymbol(repo, path, m[1]) ?? repo.symbolAt(`${path}:${line}`) ?? `${path}:${line}`) : null;
    add({ kind: "frame", text: where, target, order: order++, ...(path ? { location: `${path}:${line}` } : {}) });
  }

  for (const m of text.matchAll(PATH)) {
    const raw = m[1] ?? "";
    if (/node_modules\//.test(raw)) continue;
    const path = repoPath(repo, raw);
    if (path && !refs.some((r) => r.kind === "frame" && r.text.startsWith(raw))) add({ kind: "file", text: raw, target: path });
  }

  // Quoted text counts as a message only when it has words: a quoted JSON key or value is not one.
  const quoted = [...text.matchAll(QUOTED)].map((m) => m[1] ?? "").filter((q) => /\S\s+\S/.test(q));
  const messages = [...text.matchAll(MESSAGE)].map((m) => m[1] ?? "").concat(quoted);
  // Tests that quote a message come last, whatever else the ticket names: labelled, never before a source site.
  const inTests: CodeRef[] = [];
  for (const msg of messages) {
    // Messages carry values (codes, amounts) the code fills in: try the text, then its leading words.
    // The static part before the first value is what the code's literal holds, so it is tried first.
    const tries = [msg.split(/[:(\[{]/)[0]?.trim() ?? "", msg.trim(), msg.split(/\s+/).slice(0, 4).join(" ")];
    // Source sites: the literal text and the templates the code fills in (`Unexpected ${type} at node end`
    // threw "Unexpected scalar at node end"), throw sites before other literals; a build's copy is no site.
    const literal = tries.filter((t) => t.length >= 6).map((t) => ({ t, hits: repo.findLiteral(t) }));
    const templates = repo.findMessage(msg.trim());
    const isSource = (h: { location: string }) => !isTestPath(h.location) && !isBuiltCopy(repo, h.location);
    const inSource = literal.find((l) => l.hits.some(isSource));
    const sites = [...(inSource?.hits.filter(isSource) ?? []), ...templates.filter(isSource)].filter((h, i, all) => all.findIndex((o) => o.location === h.location) === i);
    if (sites.length > 0 && sites.length <= 5) {
      for (const h of await throwSitesFirst(repo, sites)) add({ kind: "message", text: inSource && inSource.hits.includes(h) ? inSource.t : msg.trim(), target: h.symbol ?? h.location });
    }
    const tested = literal.find((l) => l.hits.some((h) => isTestPath(h.location)));
    const testHits = tested ? { t: tested.t, hits: tested.hits } : { t: msg.trim(), hits: templates };
    const quoting = testHits.hits.filter((h) => isTestPath(h.location));
    if (quoting.length > 0 && quoting.length <= 5) for (const h of quoting) inTests.push({ kind: "test-message", text: testHits.t, target: h.symbol ?? h.location });
  }

  for (const m of text.matchAll(CONFIG)) {
    const key = m[1] ?? "";
    if (repo.configKeys.has(key)) add({ kind: "config", text: key, target: `config:${key}` });
  }

  for (const m of text.matchAll(IDENT)) {
    // `Object.getPrototypeOf(x)` names the language's own function, not the repo's proxy trap of that name.
    if (BUILT_IN_MEMBER.test(text.slice(Math.max(0, m.index - 24), m.index))) continue;
    const name = m[2] ? `${m[1]}.${m[2]}` : (m[1] ?? "");
    const hits = repo.symbolsNamed(name);
    if (hits.length > 0 && hits.length <= 3) for (const h of hits) add({ kind: "symbol", text: name, target: h });
  }

  for (const m of text.matchAll(SHA)) {
    const sha = m[1] ?? "";
    if (!/[a-f]/.test(sha) || !/\d/.test(sha)) continue; // plain words and numbers are not hashes
    const full = await repo.hasCommit(sha);
    if (full) add({ kind: "commit", text: sha, target: full });
  }

  for (const m of text.matchAll(PR)) add({ kind: "pull-request", text: `#${m[1]}`, target: null });
  for (const r of inTests) add(r);
  return refs;
}

/** Hits of a message, those on a line that throws (`throw new X(…)`, `new XError(…)`) first. */
async function throwSitesFirst<H extends { location: string }>(repo: RepoView, hits: readonly H[]): Promise<H[]> {
  const throws = await Promise.all(
    hits.map(async (h) => {
      const m = /^(.+):(\d+)$/.exec(h.location);
      const text = m?.[1] ? await repo.readText(m[1]) : undefined;
      const line = text?.split("\n")[Number(m?.[2]) - 1] ?? "";
      return /\bthrow\b|\bnew\s+\w*(?:Error|Exception)\s*\(|\breject\s*\(/.test(line);
    }),
  );
  return hits.map((h, i) => ({ h, i })).sort((a, b) => Number(throws[b.i]) - Number(throws[a.i]) || a.i - b.i).map((x) => x.h);
}

/** The file a path names inside the repo's own package under node_modules (`node_modules/yaml/dist/x.js` -> dist/x.js). */
function ownPackageFile(repo: Pick<RepoView, "packageName">, raw: string): string | undefined {
  if (!repo.packageName) return undefined;
  const marker = `node_modules/${repo.packageName}/`;
  const at = raw.lastIndexOf(marker);
  return at >= 0 ? raw.slice(at + marker.length) : undefined;
}
