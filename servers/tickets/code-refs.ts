import type { CodeRef } from "./model.js";

/**
 * Code references in a ticket's text, resolved through the code graph: stack frames (in-app ones to the
 * symbol holding the line, node_modules ones set aside), file paths, symbol names, error messages (found at
 * their throw site through the literal index), config keys, commit hashes and PR numbers.
 */
const FRAME = /\bat\s+(?:(?:async\s+)?([\w$.<>\[\] ]+?)\s+\()?(?:file:\/\/)?([^\s()]+?\.(?:[cm]?[jt]sx?)):(\d+)(?::(\d+))?\)?/g;
const PATH = /(?<![\w/.-])((?:[\w@.-]+\/)+[\w.-]+\.(?:[cm]?[jt]sx?|json|sql|ya?ml))(?::(\d+))?\b/g;
const MESSAGE = /\b(?:Error|Exception|TypeError|RangeError|ValidationError)\b:\s*([^\n]{6,160})/g;
const QUOTED = /(?<=^|[\s:(\[])["“']([^"”'\n]{6,160}?)["”'](?=$|[\s.,;:)\]])/g;
const CONFIG = /\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b/g;
const SHA = /\b([0-9a-f]{7,40})\b/g;
const PR = /(?:\bPR\s*|pull request\s*|(?<![\w&/])#)(\d+)\b/gi;
const IDENT = /\b([a-z][a-zA-Z0-9]*[A-Z][a-zA-Z0-9]*|[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+)(?:\.([a-zA-Z_$][\w$]*))?\b/g;

export interface RepoView {
  /** Code-graph look-ups, memoized for one import: tickets repeat the same frames, names and messages. */
  symbolAt(location: string): string | null;
  findLiteral(text: string): Array<{ location: string; symbol: string | null }>;
  symbolsNamed(name: string): string[];
  /** Config keys the code reads (env variables and config paths). */
  configKeys: ReadonlySet<string>;
  /** Repo paths of the indexed revision, for matching file paths and frames. */
  paths: ReadonlySet<string>;
  /** Commit shas known to git, for matching hashes. */
  hasCommit(prefix: string): Promise<string | undefined>;
}

/** The repo path a frame or path names: exact, else the longest indexed path it ends with (/app/dist/... builds). */
function repoPath(paths: ReadonlySet<string>, raw: string): string | undefined {
  const cleaned = raw.replace(/^\.?\//, "").replace(/^webpack:\/\/\/?/, "");
  if (paths.has(cleaned)) return cleaned;
  let best: string | undefined;
  for (const p of paths) if (cleaned.endsWith(`/${p}`) && (!best || p.length > best.length)) best = p;
  if (best) return best;
  // A compiled .js frame in dist/ or build/ maps back to its .ts source.
  const asTs = cleaned.replace(/^(?:.*\/)?(?:dist|build|lib|out)\//, "src/").replace(/\.js$/, ".ts");
  return paths.has(asTs) ? asTs : undefined;
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

  let order = 0;
  for (const m of text.matchAll(FRAME)) {
    const raw = m[2] ?? "";
    const line = Number(m[3]);
    const where = `${raw}:${line}`;
    if (/node_modules\/|^node:|^internal\//.test(raw)) {
      add({ kind: "vendor-frame", text: where, target: null, order: order++ });
      continue;
    }
    const path = repoPath(repo.paths, raw);
    let target: string | null = null;
    if (path) target = repo.symbolAt(`${path}:${line}`) ?? `${path}:${line}`; // module-level code: the location itself
    add({ kind: "frame", text: where, target, order: order++ });
  }

  for (const m of text.matchAll(PATH)) {
    const raw = m[1] ?? "";
    if (/node_modules\//.test(raw)) continue;
    const path = repoPath(repo.paths, raw);
    if (path && !refs.some((r) => r.kind === "frame" && r.text.startsWith(raw))) add({ kind: "file", text: raw, target: path });
  }

  // Quoted text counts as a message only when it has words: a quoted JSON key or value is not one.
  const quoted = [...text.matchAll(QUOTED)].map((m) => m[1] ?? "").filter((q) => /\S\s+\S/.test(q));
  const messages = [...text.matchAll(MESSAGE)].map((m) => m[1] ?? "").concat(quoted);
  for (const msg of messages) {
    // Messages carry values (codes, amounts) the code fills in: try the text, then its leading words.
    // The static part before the first value is what the code's literal holds, so it is tried first.
    const tries = [msg.split(/[:(\[{]/)[0]?.trim() ?? "", msg.trim(), msg.split(/\s+/).slice(0, 4).join(" ")];
    for (const t of tries) {
      if (t.length < 6) continue;
      const hits = repo.findLiteral(t);
      if (hits.length > 0 && hits.length <= 5) {
        for (const h of hits) add({ kind: "message", text: t, target: h.symbol ?? h.location });
        break;
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
