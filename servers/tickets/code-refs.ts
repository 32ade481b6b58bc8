import { isTestPath } from "../../core/paths.js";
import type { CodeRef } from "./model.js";

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
}

/** The repo path a frame or path names: exact, else the longest indexed path it ends with (/app/dist/... builds). */
function repoPath(repo: Pick<RepoView, "paths" | "buildRoots">, raw: string): string | undefined {
  const { paths } = repo;
  const cleaned = raw.replace(/^\.?\//, "").replace(/^webpack:\/\/\/?/, "");
  if (paths.has(cleaned)) return cleaned;
  let best: string | undefined;
  for (const p of paths) if (cleaned.endsWith(`/${p}`) && (!best || p.length > best.length)) best = p;
  if (best) return best;
  return sourceOfBuild(repo, cleaned);
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
    const k = `${ref.kind}\0${ref.text}`;
    if (seen.has(k)) return;
    seen.add(k);
    refs.push(ref);
  };

  /** A message's hits, when few enough to point somewhere (a word found in many places names nothing). */
  const addMessageHits = (text: string, hits: ReadonlyArray<{ location: string; symbol: string | null }>, kind: "message" | "test-message"): void => {
    if (hits.length === 0 || hits.length > 5) return;
    for (const h of hits) add({ kind, text, target: h.symbol ?? h.location });
  };

  let order = 0;
  for (const m of text.matchAll(FRAME)) {
    const raw = m[2] ?? "";
    const line = Number(m[3]);
    const where = `${raw}:${line}`;
    // The repo's own published package, installed under node_modules, is the repo's code in its built form.
    const own = ownPackageFile(repo, raw);
    if (own === undefined && /node_modules\/|^node:|^internal\//.test(raw)) {
      add({ kind: "vendor-frame", text: where, target: null, order: order++ });
      continue;
    }
    const built = own !== undefined;
    const path = built ? sourceOfBuild(repo, own) : repoPath(repo, raw);
    let target: string | null = null;
    // A built file's line is not the source's: the frame's function names the symbol; else the file itself.
    if (path) target = frameSymbol(repo, path, m[1]) ?? (built ? path : (repo.symbolAt(`${path}:${line}`) ?? `${path}:${line}`));
    add({ kind: "frame", text: where, target, order: order++ });
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
  for (const msg of messages) {
    // Messages carry values (codes, amounts) the code fills in: try the text, then its leading words.
    // The static part before the first value is what the code's literal holds, so it is tried first.
    const tries = [msg.split(/[:(\[{]/)[0]?.trim() ?? "", msg.trim(), msg.split(/\s+/).slice(0, 4).join(" ")];
    // Source throw sites first: the literal text, then a template the code fills in (`Unexpected ${type} at
    // node end` threw "Unexpected scalar at node end"); a test quoting the message only when the source has none.
    const literal = tries.filter((t) => t.length >= 6).map((t) => ({ t, hits: repo.findLiteral(t) }));
    const inSource = literal.find((l) => l.hits.some((h) => !isTestPath(h.location)));
    if (inSource) addMessageHits(inSource.t, inSource.hits.filter((h) => !isTestPath(h.location)), "message");
    else {
      const templates = repo.findMessage(msg.trim());
      const fromTemplate = templates.filter((h) => !isTestPath(h.location));
      if (fromTemplate.length) addMessageHits(msg.trim(), fromTemplate, "message");
      else {
        const inTests = literal.find((l) => l.hits.length > 0);
        if (inTests) addMessageHits(inTests.t, inTests.hits, "test-message");
      }
    }
  }

  for (const m of text.matchAll(CONFIG)) {
    const key = m[1] ?? "";
    if (repo.configKeys.has(key)) add({ kind: "config", text: key, target: `config:${key}` });
  }

  for (const m of text.matchAll(IDENT)) {
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
  return refs;
}

/** The file a path names inside the repo's own package under node_modules (`node_modules/yaml/dist/x.js` -> dist/x.js). */
function ownPackageFile(repo: Pick<RepoView, "packageName">, raw: string): string | undefined {
  if (!repo.packageName) return undefined;
  const marker = `node_modules/${repo.packageName}/`;
  const at = raw.lastIndexOf(marker);
  return at >= 0 ? raw.slice(at + marker.length) : undefined;
}
