import { getLibFiles } from "@ts-morph/common";
import { ts } from "@ts-morph/common";
import type { ModuleResolver } from "./module-resolver.js";
import { parseSource } from "./syntax.js";

/**
 * Builds TypeScript programs over in-memory sources (a revision never touches the disk) with the compiler
 * ts-morph bundles. Parsed files are kept by path and content hash and the previous program is handed to
 * the next one, so a warm process re-checks only what changed.
 */
const ROOT = "/repo/";
const LIB_DIR = "/lib/";
const LIB_ROOT = "lib.es2022.d.ts";

let libTexts: Map<string, string> | undefined;
const libFiles = new Map<string, ts.SourceFile>();

function libText(fileName: string): string | undefined {
  libTexts ??= new Map(getLibFiles().map((f) => [LIB_DIR + f.fileName, f.text]));
  return libTexts.get(fileName);
}

export const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowJs: true,
  checkJs: false,
  jsx: ts.JsxEmit.Preserve,
  noEmit: true,
  skipLibCheck: true,
  types: [],
  lib: [LIB_ROOT],
  experimentalDecorators: true,
};

export function compilerFileName(path: string): string {
  return ROOT + path;
}

export function repoPathOf(fileName: string): string | undefined {
  return fileName.startsWith(ROOT) ? fileName.slice(ROOT.length) : undefined;
}

export class ProgramHost {
  private readonly parsed = new Map<string, { hash: string; sf: ts.SourceFile }>();
  private oldProgram: ts.Program | undefined;

  /** A parsed file, reused when the same path has the same content. */
  sourceFile(path: string, hash: string, text: string): ts.SourceFile {
    const hit = this.parsed.get(path);
    if (hit && hit.hash === hash) return hit.sf;
    const sf = parseSource(compilerFileName(path), text);
    this.parsed.set(path, { hash, sf });
    return sf;
  }

  /** Drops parsed files that are not in `keep` (files deleted since the last run). */
  retain(keep: ReadonlySet<string>): void {
    for (const path of this.parsed.keys()) if (!keep.has(path)) this.parsed.delete(path);
  }

  createProgram(rootPaths: readonly string[], files: ReadonlyMap<string, { hash: string; text: string }>, resolver: ModuleResolver): ts.Program {
    const getFile = (fileName: string): ts.SourceFile | undefined => {
      const path = repoPathOf(fileName);
      if (path !== undefined) {
        const f = files.get(path);
        return f ? this.sourceFile(path, f.hash, f.text) : undefined;
      }
      let lib = libFiles.get(fileName);
      if (!lib) {
        const text = libText(fileName);
        if (text === undefined) return undefined;
        lib = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
        libFiles.set(fileName, lib);
      }
      return lib;
    };
    const host: ts.CompilerHost = {
      getSourceFile: getFile,
      getDefaultLibFileName: () => LIB_DIR + LIB_ROOT,
      getDefaultLibLocation: () => LIB_DIR.slice(0, -1),
      writeFile: () => undefined,
      getCurrentDirectory: () => ROOT.slice(0, -1),
      getCanonicalFileName: (f) => f,
      useCaseSensitiveFileNames: () => true,
      getNewLine: () => "\n",
      fileExists: (f) => (repoPathOf(f) !== undefined ? files.has(repoPathOf(f) ?? "") : libText(f) !== undefined),
      readFile: (f) => {
        const path = repoPathOf(f);
        return path !== undefined ? files.get(path)?.text : libText(f);
      },
      resolveModuleNameLiterals: (literals, containingFile) =>
        literals.map((lit) => {
          const from = repoPathOf(containingFile);
          const r = from === undefined ? undefined : resolver.resolve(lit.text, from);
          if (r?.kind !== "file") return { resolvedModule: undefined };
          return {
            resolvedModule: {
              resolvedFileName: compilerFileName(r.path),
              extension: extensionOf(r.path),
              isExternalLibraryImport: false,
            },
          };
        }),
    };
    const program = ts.createProgram({
      rootNames: rootPaths.map(compilerFileName),
      options: COMPILER_OPTIONS,
      host,
      ...(this.oldProgram ? { oldProgram: this.oldProgram } : {}),
    });
    this.oldProgram = program;
    return program;
  }
}

function extensionOf(path: string): ts.Extension {
  if (path.endsWith(".d.ts")) return ts.Extension.Dts;
  if (path.endsWith(".tsx")) return ts.Extension.Tsx;
  if (path.endsWith(".mts")) return ts.Extension.Mts;
  if (path.endsWith(".cts")) return ts.Extension.Cts;
  if (path.endsWith(".jsx")) return ts.Extension.Jsx;
  if (path.endsWith(".mjs")) return ts.Extension.Mjs;
  if (path.endsWith(".cjs")) return ts.Extension.Cjs;
  if (path.endsWith(".js")) return ts.Extension.Js;
  return ts.Extension.Ts;
}
