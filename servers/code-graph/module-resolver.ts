import { posix } from "node:path";
import type { PackageInfo, ProjectSettings } from "./project-settings.js";

/**
 * Resolves module specifiers to repo files the way TypeScript's bundler resolution does (extensionless,
 * `.js` naming `.ts`, index files, tsconfig paths, workspace packages), over one revision's file list.
 * The checker uses this same resolver, so import edges and call edges agree.
 */
export type Resolution = { kind: "file"; path: string } | { kind: "external"; packageName: string } | { kind: "missing" };

const EXTENSIONS = [".ts", ".tsx", ".d.ts", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];
const JS_TO_TS: Record<string, string[]> = {
  ".js": [".ts", ".tsx", ".js", ".jsx"],
  ".jsx": [".tsx", ".jsx"],
  ".mjs": [".mts", ".mjs"],
  ".cjs": [".cts", ".cjs"],
};

export class ModuleResolver {
  private readonly byName = new Map<string, PackageInfo>();

  constructor(
    private readonly files: ReadonlySet<string>,
    private readonly settings: ProjectSettings,
  ) {
    for (const pkg of settings.packages) if (pkg.name) this.byName.set(pkg.name, pkg);
  }

  resolve(specifier: string, fromPath: string): Resolution {
    if (specifier.startsWith(".") || specifier.startsWith("/")) {
      const base = specifier.startsWith("/") ? specifier.slice(1) : posix.join(posix.dirname(fromPath), specifier);
      const hit = this.tryFile(posix.normalize(base));
      return hit ? { kind: "file", path: hit } : { kind: "missing" };
    }
    for (const { pattern, targets } of this.settings.paths) {
      const star = pattern.indexOf("*");
      let rest: string | undefined;
      if (star < 0) rest = specifier === pattern ? "" : undefined;
      else if (specifier.startsWith(pattern.slice(0, star)) && specifier.endsWith(pattern.slice(star + 1))) {
        rest = specifier.slice(star, specifier.length - (pattern.length - star - 1));
      }
      if (rest === undefined) continue;
      for (const t of targets) {
        const hit = this.tryFile(t.replace("*", rest));
        if (hit) return { kind: "file", path: hit };
      }
    }
    const packageName = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0] ?? specifier;
    const pkg = this.byName.get(packageName);
    if (pkg) {
      const sub = specifier.slice(packageName.length + 1);
      const hit = sub
        ? this.tryFile(posix.join(pkg.dir, sub)) ?? this.tryFile(posix.join(pkg.dir, "src", sub))
        : this.packageEntry(pkg);
      if (hit) return { kind: "file", path: hit };
    }
    return { kind: "external", packageName: packageName.replace(/^node:/, "") };
  }

  /** The source file behind a package's entry (`dist/index.js` maps back to `src/index.ts`). */
  packageEntry(pkg: PackageInfo): string | undefined {
    for (const entry of pkg.entries) {
      const hit = this.entrySource(pkg.dir, entry);
      if (hit) return hit;
    }
    return this.tryFile(posix.join(pkg.dir, "src/index")) ?? this.tryFile(posix.join(pkg.dir, "index"));
  }

  entrySource(dir: string, entry: string): string | undefined {
    const path = posix.normalize(posix.join(dir, entry));
    const direct = this.tryFile(path.replace(/\.d\.ts$/, ""));
    if (direct) return direct;
    const rel = posix.normalize(entry).replace(/^\.\//, "");
    const asSource = rel.replace(/^(dist|lib|build|out)\//, "src/").replace(/\.d\.ts$/, ".ts");
    return this.tryFile(posix.join(dir, asSource));
  }

  tryFile(path: string): string | undefined {
    const p = path.replace(/^\.\//, "").replace(/\/$/, "");
    const ext = posix.extname(p);
    if (this.files.has(p) && ext) return p;
    const swaps = JS_TO_TS[ext];
    if (swaps) {
      const stem = p.slice(0, -ext.length);
      for (const e of swaps) if (this.files.has(stem + e)) return stem + e;
    }
    for (const e of EXTENSIONS) if (this.files.has(p + e)) return p + e;
    for (const e of EXTENSIONS) if (this.files.has(`${p}/index${e}`)) return `${p}/index${e}`;
    return undefined;
  }
}
