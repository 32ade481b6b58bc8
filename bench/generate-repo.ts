import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * Writes a synthetic TypeScript service of about `files` files and 100 lines each, with realistic
 * cross-file structure: every module imports functions and classes from earlier modules, calls them,
 * implements shared interfaces, reads config, throws messages and registers routes.
 */
export interface GeneratedRepo {
  files: number;
  lines: number;
  /** A file whose body can be edited without changing its exports, for the re-index measurement. */
  editable: string;
}

/**
 * How deep one unit's call into its dependencies goes. Every unit calls each of its (up to five) dependencies
 * twice, so an unbounded pipeline is a call tree of ~10^depth calls: billions of statements for one request,
 * which no real service runs and the sandbox rightly refuses. Bounded, a scenario's step runs ~100 functions
 * across the ~400 modules it loads, like one request through a real service.
 */
const MAX_DEPTH = 1;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function generateRepo(dir: string, fileCount = 1000): GeneratedRepo {
  const rand = rng(42);
  const pick = (n: number) => Math.floor(rand() * n);
  const modules = 20;
  const perModule = Math.ceil(fileCount / modules);
  const paths: string[] = [];
  for (let m = 0; m < modules; m++) for (let i = 0; i < perModule && paths.length < fileCount; i++) paths.push(`src/mod${m}/unit${i}.ts`);

  let lines = 0;
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
    lines += text.split("\n").length;
  };
  write("package.json", JSON.stringify({ name: "generated-service", version: "1.0.0", main: "dist/index.js", type: "module" }, null, 2));
  write("tsconfig.json", JSON.stringify({ compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict: true, noEmit: true, skipLibCheck: true, types: [] }, include: ["src"] }, null, 2));
  write(
    "src/core/contracts.ts",
    [
      "declare const process: { env: Record<string, string | undefined> };",
      "export {};",
      "export interface Repository<T> {",
      "  find(id: string): T | undefined;",
      "  save(item: T): void;",
      "}",
      "export interface Handler {",
      "  handle(input: Record<string, unknown>): number;",
      "}",
      "export type Route = { method: string; path: string; handler: (body: Record<string, unknown>) => number };",
      "export const routes: Route[] = [];",
      "export function register(method: string, path: string, handler: Route['handler']): void {",
      "  routes.push({ method, path, handler });",
      "}",
      "",
    ].join("\n"),
  );

  paths.forEach((path, idx) => {
    const name = `U${idx}`;
    const imports: string[] = [];
    const calls: string[] = [];
    const deps = new Set<number>();
    for (let k = 0; k < 5 && idx > 0; k++) deps.add(pick(idx));
    for (const d of deps) {
      const rel = relativeImport(path, paths[d] as string);
      imports.push(`import { compute${d}, U${d}Service } from "${rel}";`);
      calls.push(`    total += compute${d}(input + ${pick(100)}, depth + 1);`);
      calls.push(`    total += new U${d}Service().handle({ amount: total, depth: depth + 1 }).valueOf();`);
    }
    const body = [
      'import type { Handler, Repository } from "../core/contracts";',
      "declare const process: { env: Record<string, string | undefined> };",
      'import { register } from "../core/contracts";',
      ...imports,
      "",
      `export interface ${name}Record { id: string; amount: number; currency: string }`,
      "",
      `/** Computes step ${idx} of the pipeline. */`,
      `export function compute${idx}(input: number, depth = 0): number {`,
      "  let total = 0;",
      `  if (input < 0) throw new Error("Invalid amount in step ${idx}: " + input);`,
      `  const limit = Number(process.env.STEP_${idx % 50}_LIMIT ?? ${100 + idx});`,
      `  if (input > limit || depth > ${MAX_DEPTH}) {`,
      "    total = limit;",
      "  } else {",
      ...calls,
      "  }",
      "  return Math.round(total * 100) / 100;",
      "}",
      "",
      `export class ${name}Store implements Repository<${name}Record> {`,
      `  private readonly items = new Map<string, ${name}Record>();`,
      `  find(id: string): ${name}Record | undefined {`,
      "    return this.items.get(id);",
      "  }",
      `  save(item: ${name}Record): void {`,
      "    this.items.set(item.id, item);",
      "  }",
      "}",
      "",
      `export class ${name}Service implements Handler {`,
      `  private readonly store = new ${name}Store();`,
      "  handle(input: Record<string, unknown>): number {",
      "    const amount = typeof input.amount === 'number' ? input.amount : 0;",
      `    const result = compute${idx}(amount % 1000, typeof input.depth === 'number' ? input.depth : 0);`,
      `    this.store.save({ id: String(result), amount: result, currency: "EUR" });`,
      "    return this.audit(result);",
      "  }",
      "  private audit(value: number): number {",
      "    const found = this.store.find(String(value));",
      "    return found ? found.amount : value;",
      "  }",
      "}",
      "",
      `function helper${idx}a(values: number[]): number {`,
      "  let sum = 0;",
      "  for (const v of values) {",
      "    sum += v > 10 ? v * 2 : v;",
      "  }",
      "  return sum;",
      "}",
      "",
      `function helper${idx}b(text: string): string {`,
      "  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);",
      `  return parts.length > 3 ? parts.slice(0, 3).join(';') : "unit-${idx}:" + parts.join(';');`,
      "}",
      "",
      `export function summarize${idx}(values: number[], label: string): string {`,
      `  return helper${idx}b(label) + "=" + helper${idx}a(values);`,
      "}",
      "",
      `register("post", "/units/${idx}", (body) => new ${name}Service().handle(body));`,
      "",
    ];
    // Pad to about 100 lines with realistic small functions.
    let pad = 0;
    while (body.length < 100) {
      body.push(
        `export function detail${idx}_${pad}(x: number, y: number): number {`,
        `  const scaled = x * ${pick(9) + 1} + y;`,
        `  return scaled > ${pick(500)} ? compute${idx}(scaled % 100) : scaled;`,
        "}",
        "",
      );
      pad++;
    }
    write(path, body.join("\n"));
  });
  write(
    "src/index.ts",
    paths
      .slice(0, 50)
      .map((p, i) => `export { compute${i} } from "./${p.slice(4, -3)}";`)
      .join("\n") + "\n",
  );
  return { files: paths.length + 3, lines, editable: paths[Math.floor(paths.length / 2)] as string };
}

function relativeImport(from: string, to: string): string {
  const fromDir = from.split("/").slice(0, -1);
  const toParts = to.replace(/\.ts$/, "").split("/");
  let common = 0;
  while (common < fromDir.length && fromDir[common] === toParts[common]) common++;
  const up = fromDir.length - common;
  const rest = toParts.slice(common).join("/");
  return (up === 0 ? "./" : "../".repeat(up)) + rest;
}
