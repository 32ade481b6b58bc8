import { posix } from "node:path";
import { ts } from "@ts-morph/common";
import { readFilesAt, resolveRevision } from "../../core/git.js";
import { readBuildRoot, readPackage } from "../code-graph/project-settings.js";
import { snippetCalls, type SnippetCall } from "./ticket-repro-call.js";
import { JS_LANGS, reportParts } from "./ticket-repro-text.js";

/**
 * A repo's public API as its users call it: the package's own name (package.json `name`), its entry (from
 * `exports`/`main`/`types`, mapped from the build output to the source by the tsconfig outDir to rootDir layout,
 * else dist/lib/build to src), the names that entry exports, and the documented entry that takes text (the
 * first call in the README's code whose first argument is a string), for reports that give only an input.
 */
export interface PackageApi {
  name: string;
  /** The entry's source file, repo-relative (`src/index.ts`): steps call `src/index.ts#parse`. */
  entry: string;
  /** The export the package hands on, when it is one object (`require('./dist').default`): steps call `src/index.js#default.parse`. */
  via?: string;
  exports: ReadonlySet<string>;
  /** Names the README imports the package as (`YAML`): a report's `YAML.parse(...)` with no import shown means it. */
  aliases: ReadonlySet<string>;
  /** The export the README shows taking a text input, if it shows one. */
  textEntry?: string;
  /** Build-time constants the repo's test or bundler config defines (`__DEV__: true`): its source reads them as globals. */
  globals?: Record<string, string | number | boolean | null>;
}

/** Config files that define build-time constants: jest's `globals`, vite's and vitest's `define`, and package.json's `jest` field. */
const DEFINING = /^(?:package\.json|jest\.config\.[cm]?[jt]s|jest\.config\.json|vitest\.config\.[cm]?[jt]s|vite\.config\.[cm]?[jt]s)$/;

/**
 * `__NAME__: value` pairs of such files, by their text (a config is code: it is read, never run). A vite or
 * vitest `define` value is code in a string (`"true"`), so its content is the value.
 */
export function definedGlobals(files: ReadonlyArray<{ path: string; text: string }>): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const f of files) {
    const asCode = /^vite(?:st)?\.config/.test(f.path);
    for (const m of f.text.matchAll(/["']?(__[A-Za-z][\w]*__)["']?\s*:\s*(true|false|null|-?\d+(?:\.\d+)?|"[^"\n]*"|'[^'\n]*')/g)) {
      const [, name, raw] = m as unknown as [string, string, string];
      let value: unknown = /^['"]/.test(raw) ? raw.slice(1, -1) : JSON.parse(raw);
      if (asCode && typeof value === "string") {
        try {
          value = JSON.parse(value);
        } catch {
          continue; // an expression, not a literal: left undefined
        }
      }
      if (value === null || ["string", "number", "boolean"].includes(typeof value)) out[name] ??= value as string | number | boolean | null;
    }
  }
  return out;
}

const SOURCE_EXT: Record<string, string[]> = { ".js": [".ts", ".tsx", ".js"], ".mjs": [".mts", ".ts", ".mjs"], ".cjs": [".cts", ".ts", ".cjs"], ".ts": [".ts"] };

/** Source files an entry as written (`./dist/index.js`, `./dist/index.d.ts`) may have been built from, best first. */
function sourceCandidates(entry: string, roots: ReadonlyArray<{ out: string; root: string }>): string[] {
  const clean = posix.normalize(entry).replace(/^\.\//, "");
  const stem = clean.replace(/\.d\.[cm]?ts$/, ".js");
  const ext = /\.[cm]?[jt]s$/.exec(stem)?.[0] ?? "";
  const base = ext ? stem.slice(0, -ext.length) : stem;
  const exts = SOURCE_EXT[ext] ?? [".ts", ".js"];
  const dirs: string[] = [];
  for (const r of roots) if (base === r.out || base.startsWith(`${r.out}/`)) dirs.push(`${r.root ? `${r.root}/` : ""}${base.slice(r.out.length).replace(/^\//, "")}`);
  const conventional = /^(?:dist|lib|build|out)(?:\/(?:esm|cjs|src))?(?:\/|$)/.exec(base);
  if (conventional) dirs.push(`src/${base.slice(conventional[0].length)}`.replace(/\/$/, ""));
  dirs.push(base);
  return dirs.flatMap((d) => exts.map((e) => `${d}${e}`).concat(exts.map((e) => `${d}/index${e}`)));
}

/** Names a module exports by its own declarations and `export { a, b as c }` lists; with `fromDefault`, the members of its `export default { … }`. */
export function exportedNames(path: string, text: string, fromDefault = false): Set<string> {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true);
  const names = new Set<string>();
  if (fromDefault) {
    for (const st of file.statements) {
      if (!ts.isExportAssignment(st) || !ts.isObjectLiteralExpression(st.expression)) continue;
      for (const p of st.expression.properties) if (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) names.add(p.name.text);
    }
    return names;
  }
  for (const st of file.statements) {
    const exported = ts.canHaveModifiers(st) && ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause)) for (const el of st.exportClause.elements) names.add(el.name.text);
    else if (exported && (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name) names.add(st.name.text);
    else if (exported && ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) names.add(d.name.text);
  }
  return names;
}

/** The relative modules an entry re-exports whole (`export * from "./floor"`): their names are the entry's too. */
export function starExports(path: string, text: string): string[] {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, false);
  const out: string[] = [];
  for (const st of file.statements) {
    if (ts.isExportDeclaration(st) && !st.exportClause && !st.isTypeOnly && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) && st.moduleSpecifier.text.startsWith(".")) {
      const target = posix.normalize(posix.join(posix.dirname(path), st.moduleSpecifier.text)).replace(/\.[cm]?js$/, "");
      out.push(target);
    }
  }
  return out;
}

/** The names of the modules an entry re-exports whole, one level down (a barrel of files, as remeda's index is). */
async function starExportNames(repo: string, revision: Awaited<ReturnType<typeof resolveRevision>>, entryPath: string, entryText: string): Promise<string[]> {
  const stems = starExports(entryPath, entryText);
  if (!stems.length) return [];
  const forms = (stem: string) => [".ts", ".tsx", ".mts", ".js", ".mjs", "/index.ts", "/index.js"].map((e) => `${stem}${e}`);
  const wanted = new Set(stems.flatMap(forms));
  const files = await readFilesAt(repo, revision, (p) => wanted.has(p));
  const names: string[] = [];
  for (const stem of stems) {
    const f = forms(stem).map((c) => files.find((x) => x.path === c)).find((x) => x !== undefined);
    if (f) names.push(...exportedNames(f.path, f.text));
  }
  return names;
}

/** An exported function of the entry whose first parameter is a string: the entry that takes text. */
function stringTaker(path: string, text: string): string | undefined {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true);
  for (const st of file.statements) {
    const exported = ts.canHaveModifiers(st) && ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    const first = ts.isFunctionDeclaration(st) ? st.parameters[0] : undefined;
    if (exported && ts.isFunctionDeclaration(st) && st.name && first?.type?.kind === ts.SyntaxKind.StringKeyword) return st.name.text;
  }
  return undefined;
}

/** The public API of the package at the repo root at `rev`; undefined when package.json names no package or no entry source is found. */
export async function packageApi(repo: string, rev: string): Promise<PackageApi | undefined> {
  const revision = await resolveRevision(repo, rev);
  const meta = await readFilesAt(repo, revision, (p) => p === "package.json" || /^tsconfig(\.[\w-]+)?\.json$/.test(p) || /^readme(\.md)?$/i.test(p) || DEFINING.test(p));
  const pkgFile = meta.find((f) => f.path === "package.json");
  const pkg = pkgFile ? readPackage("package.json", pkgFile.text) : undefined;
  if (!pkg?.name) return undefined;
  const roots = meta.filter((f) => f.path.startsWith("tsconfig")).flatMap((f) => readBuildRoot(f.path, f.text) ?? []);
  // Types and main before conditional exports: they name the root entry; `module` and the rest follow.
  const candidates = [...pkg.entries, "index.js"].flatMap((e) => sourceCandidates(e, roots));
  const wanted = new Set(candidates);
  const found = await readFilesAt(repo, revision, (p) => wanted.has(p));
  let entryPath = candidates.find((c) => found.some((f) => f.path === c));
  let entryText = found.find((f) => f.path === entryPath)?.text;
  // A root file that only hands on the build (`module.exports = require('./dist')`) stands for the build's source.
  const handsOn = entryText && /^\s*(?:(?:\/\/|'use strict'|"use strict")[^\n]*\n\s*)*module\.exports\s*=\s*require\(\s*['"](\.\/[^'"]+)['"]\s*\)(\.default)?[;\s]*$/.exec(entryText);
  let via: string | undefined;
  if (handsOn?.[1]) {
    const inner = sourceCandidates(posix.join(posix.dirname(entryPath ?? ""), handsOn[1]), roots).filter((c) => c !== entryPath);
    const innerSet = new Set(inner);
    const more = await readFilesAt(repo, revision, (p) => innerSet.has(p));
    const hit = inner.find((c) => more.some((f) => f.path === c));
    if (hit) {
      if (handsOn[2]) via = "default";
      entryPath = hit;
      entryText = more.find((f) => f.path === hit)?.text;
    }
  }
  if (!entryPath || entryText === undefined) return undefined;
  const exports = exportedNames(entryPath, entryText, via === "default");
  if (via !== "default") for (const n of await starExportNames(repo, revision, entryPath, entryText)) exports.add(n);
  const readme = meta.find((f) => /^readme/i.test(f.path))?.text ?? "";
  const read = reportParts(readme)
    .blocks.filter((b) => JS_LANGS.has(b.lang) || b.lang === "")
    .map((b) => snippetCalls(b.code, pkg.name as string, exports));
  const takesText = (c: SnippetCall) => {
    const first = c.args[0];
    return first !== undefined && "value" in first && typeof first.value === "string";
  };
  const textEntry = read.flatMap((r) => r.calls).find(takesText)?.member ?? stringTaker(entryPath, entryText);
  const globals = definedGlobals(meta.filter((f) => DEFINING.test(f.path)));
  return {
    name: pkg.name,
    entry: entryPath,
    ...(via ? { via } : {}),
    exports,
    aliases: new Set(read.flatMap((r) => r.namespaces)),
    ...(textEntry ? { textEntry } : {}),
    ...(Object.keys(globals).length ? { globals } : {}),
  };
}
