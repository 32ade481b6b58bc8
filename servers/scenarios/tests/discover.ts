import { posix } from "node:path";
import { ts } from "@ts-morph/common";
import { globToRegExp, matchesAny } from "../../../core/glob.js";
import { formatEachTitle } from "./each-title.js";

/**
 * The repo's own test cases, found without running anything: test files by the runners' configs and usual
 * globs, and in each the describe/it tree read from the parsed source. A case's titles are what the runner
 * would report (`.each` titles formatted from a literal table); a case whose title is computed at run time,
 * or that sits in a loop, cannot be named before it runs and is listed apart with the reason.
 */

export interface TestCase {
  file: string;
  /** From the outermost describe to the case. */
  titles: string[];
  /** Which of the cases of this file with exactly these titles, in collection order (1 for the first). */
  nth: number;
  line: number;
}

export interface TestFile {
  path: string;
  cases: TestCase[];
  /** Cases left out, with why: skipped or todo, a title computed at run time, a table that is not literal. */
  leftOut: Array<{ line: number; why: string }>;
}

/** Where each runner looks when no config says (its documented defaults). */
const RUNNER_GLOBS: Record<string, string[]> = {
  vitest: ["**/*.{test,spec}.{ts,tsx,mts,cts,js,jsx,mjs,cjs}"],
  jest: ["**/__tests__/**/*.{ts,tsx,js,jsx}", "**/*.{test,spec}.{ts,tsx,js,jsx}"],
  mocha: ["test/*.{js,cjs,mjs}", "test/**/*.spec.{js,cjs,mjs,ts}"],
  "node:test": ["**/*.test.{js,cjs,mjs,ts,mts,cts}", "**/test/**/*.{js,cjs,mjs}", "**/*-test.{js,cjs,mjs}", "**/*_test.{js,cjs,mjs}"],
};
/** When no runner is known either: vitest's and jest's defaults. */
export const DEFAULT_TEST_GLOBS = [...new Set([...RUNNER_GLOBS.vitest!, ...RUNNER_GLOBS.jest!])];

/** The runners a package.json names in its dependencies or test script. */
export function runnersOf(packageJson: string | undefined): string[] {
  if (!packageJson) return [];
  let pkg: { dependencies?: Record<string, string>; devDependencies?: Record<string, string>; scripts?: Record<string, string> };
  try {
    pkg = JSON.parse(packageJson) as typeof pkg;
  } catch {
    return [];
  }
  const deps = { ...pkg.dependencies, ...pkg.devDependencies };
  const script = pkg.scripts?.test ?? "";
  const out: string[] = [];
  if ("vitest" in deps || /\bvitest\b/.test(script)) out.push("vitest");
  if ("jest" in deps || "ts-jest" in deps || /\bjest\b/.test(script)) out.push("jest");
  if ("mocha" in deps || /\bmocha\b/.test(script)) out.push("mocha");
  if (/node\s+(?:[^|&;]*\s)?--test\b/.test(script)) out.push("node:test");
  return out;
}
const ALWAYS_EXCLUDED = [/(^|\/)node_modules\//, /(^|\/)(dist|build|coverage|\.git|\.worldline)\//, /\.d\.[cm]?ts$/, /(^|\/)(fixtures?|__fixtures__|__snapshots__|__mocks__)\//];
/** vitest's type tests (`*.test-d.ts`): checked by the type checker, never run, so not scenarios. */
export const TYPE_TEST = /\.(test|spec)-d\.[cm]?[jt]sx?$/;
const CONFIG_FILE = /(^|\/)(vitest|vite|jest)\.config\.[cm]?[jt]s$/;

export interface TestSelection {
  include?: string[] | undefined;
  exclude?: string[] | undefined;
}

/** The globs of one config file (paths relative to its folder): vitest's `test.include/exclude`, jest's `testMatch`/`testPathIgnorePatterns`. */
export function configGlobs(path: string, text: string): { include: string[]; exclude: string[] } {
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, /\.[cm]?ts$/.test(path) ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  const include: string[] = [];
  const exclude: string[] = [];
  const strings = (e: ts.Expression): string[] => (ts.isArrayLiteralExpression(e) ? e.elements.flatMap((x) => (ts.isStringLiteralLike(x) ? [x.text] : [])) : []);
  const keyOf = (n: ts.PropertyAssignment) => n.name.getText(sf).replace(/['"]/g, "");
  // vitest's include/exclude count only inside a `test: { ... }` block (not `coverage.include`); jest's keys anywhere.
  const inTestBlock = (n: ts.Node) => ts.isObjectLiteralExpression(n.parent) && ts.isPropertyAssignment(n.parent.parent) && keyOf(n.parent.parent) === "test";
  const visit = (n: ts.Node): void => {
    if (ts.isPropertyAssignment(n)) {
      const key = keyOf(n);
      if ((key === "include" && inTestBlock(n)) || key === "testMatch") include.push(...strings(n.initializer));
      if ((key === "exclude" && inTestBlock(n)) || key === "testPathIgnorePatterns") exclude.push(...strings(n.initializer).map((g) => g.replace(/<rootDir>\/?/, "")));
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  const dir = posix.dirname(path) === "." ? "" : `${posix.dirname(path)}/`;
  const rooted = (g: string) => `${dir}${g.replace(/^\.\//, "").replace(/^\*\*\//, "**/")}${g.endsWith("/") ? "**" : ""}`;
  return { include: include.map(rooted), exclude: exclude.map(rooted) };
}

/**
 * The test files among a revision's paths: `worldline.config.json` `tests.include/exclude` when given, else
 * the runner configs found in the tree (`configs` holds their texts, and the root package.json), else the
 * defaults of the runners package.json names, else vitest's and jest's.
 */
export function testFileMatcher(configs: ReadonlyArray<{ path: string; text: string }>, selection: TestSelection = {}): (path: string) => boolean {
  let include = selection.include;
  const exclude = [...(selection.exclude ?? [])];
  if (!include) {
    const fromConfigs = configs.filter((c) => CONFIG_FILE.test(c.path)).map((c) => configGlobs(c.path, c.text));
    const listed = fromConfigs.flatMap((c) => c.include);
    const runners = runnersOf(configs.find((c) => c.path === "package.json")?.text);
    include = listed.length ? listed : runners.length ? runners.flatMap((r) => RUNNER_GLOBS[r] ?? []) : DEFAULT_TEST_GLOBS;
    exclude.push(...fromConfigs.flatMap((c) => c.exclude));
  }
  const inc = include.map(globToRegExp);
  const exc = exclude.map((g) => globToRegExp(g.endsWith("/") ? `${g}**` : g));
  return (p) => /\.[cm]?[jt]sx?$/.test(p) && !TYPE_TEST.test(p) && !ALWAYS_EXCLUDED.some((r) => r.test(p)) && matchesAny(p, inc) && !matchesAny(p, exc);
}

/** Whether a path is one of the files `testFileMatcher` reads its globs from. */
export const isTestConfig = (path: string) => path === "package.json" || (CONFIG_FILE.test(path) && !path.includes("node_modules/"));

const SUITES = new Set(["describe", "suite", "context"]);
const CASES = new Set(["it", "test", "specify"]);
const SKIPPED = new Set(["xit", "xtest", "xdescribe", "xcontext", "xspecify"]);

interface Callee {
  root: string;
  mods: string[];
  /** `.each(table)` / `.for(table)`: the table. */
  table?: ts.Expression;
}

/** `it.skip.each(t)` → root it, mods [skip, each], table t; undefined when the callee is not a test-API call. */
function calleeOf(e: ts.Expression): Callee | undefined {
  const mods: string[] = [];
  let table: ts.Expression | undefined;
  let cur: ts.Expression = e;
  for (;;) {
    if (ts.isCallExpression(cur) && ts.isPropertyAccessExpression(cur.expression)) {
      const name = cur.expression.name.text;
      if (name === "each" || name === "for") table = cur.arguments[0];
      mods.unshift(name);
      cur = cur.expression.expression;
    } else if (ts.isPropertyAccessExpression(cur)) {
      mods.unshift(cur.name.text);
      cur = cur.expression;
    } else if (ts.isIdentifier(cur)) {
      const root = cur.text;
      if (!SUITES.has(root) && !CASES.has(root) && !SKIPPED.has(root)) return undefined;
      return { root, mods, ...(table ? { table } : {}) };
    } else return undefined;
  }
}

/** A literal's value, or `undefined` with ok false when the expression is not a literal. */
function literal(e: ts.Expression): { ok: boolean; value?: unknown } {
  if (ts.isStringLiteralLike(e)) return { ok: true, value: e.text };
  if (ts.isNumericLiteral(e)) return { ok: true, value: Number(e.text) };
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(e.operand)) return { ok: true, value: -Number(e.operand.text) };
  if (e.kind === ts.SyntaxKind.TrueKeyword) return { ok: true, value: true };
  if (e.kind === ts.SyntaxKind.FalseKeyword) return { ok: true, value: false };
  if (e.kind === ts.SyntaxKind.NullKeyword) return { ok: true, value: null };
  if (ts.isIdentifier(e) && e.text === "undefined") return { ok: true, value: undefined };
  if (ts.isIdentifier(e) && (e.text === "NaN" || e.text === "Infinity")) return { ok: true, value: Number(e.text) };
  if (ts.isArrayLiteralExpression(e)) {
    const out: unknown[] = [];
    for (const x of e.elements) {
      const v = literal(x);
      if (!v.ok) return { ok: false };
      out.push(v.value);
    }
    return { ok: true, value: out };
  }
  if (ts.isObjectLiteralExpression(e)) {
    const out: Record<string, unknown> = {};
    for (const p of e.properties) {
      if (!ts.isPropertyAssignment(p) || ts.isComputedPropertyName(p.name)) return { ok: false };
      const v = literal(p.initializer);
      if (!v.ok) return { ok: false };
      out[ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name) || ts.isNumericLiteral(p.name) ? p.name.text : p.name.getText()] = v.value;
    }
    return { ok: true, value: out };
  }
  if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e)) return literal(e.expression);
  return { ok: false };
}

/** Why a call may run several times or never: it sits in a loop, or in a function other than a describe callback. */
function repeated(n: ts.Node, stopAt: ts.Node | undefined): string | undefined {
  for (let p = n.parent; p && p !== stopAt; p = p.parent) {
    if (ts.isIterationStatement(p, false)) return "inside a loop: it may run several times";
    if (ts.isFunctionLike(p)) return "inside a function: it runs when that is called";
  }
  return undefined;
}

/** The cases of one test file, read from its parsed source. */
export function discoverCases(path: string, text: string): TestFile {
  const kind = /\.tsx$/.test(path) ? ts.ScriptKind.TSX : /\.jsx$/.test(path) ? ts.ScriptKind.JSX : /\.[cm]?js$/.test(path) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
  const cases: Array<Omit<TestCase, "nth">> = [];
  const leftOut: TestFile["leftOut"] = [];
  const lineOf = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;

  const walk = (n: ts.Node, suite: string[], skipped: boolean, body: ts.Node | undefined): void => {
    if (ts.isCallExpression(n)) {
      const callee = calleeOf(n.expression);
      if (callee) {
        handle(n, callee, suite, skipped, body);
        return;
      }
    }
    ts.forEachChild(n, (k) => walk(k, suite, skipped, body));
  };

  const handle = (n: ts.CallExpression, callee: Callee, suite: string[], skipped: boolean, body: ts.Node | undefined): void => {
    const line = lineOf(n);
    const isSuite = SUITES.has(callee.root) || callee.root === "xdescribe" || callee.root === "xcontext";
    const skip = skipped || SKIPPED.has(callee.root) || callee.mods.some((m) => m === "skip" || m === "todo" || m === "fails" || m === "skipIf" || m === "runIf");
    const first = n.arguments[0];
    const fn = n.arguments.find((a) => ts.isFunctionLike(a));
    const why = (w: string): void => {
      leftOut.push({ line, why: w });
    };
    if (!first) return why(`${callee.root} without a title`);
    const title = ts.isStringLiteralLike(first) ? first.text : undefined;
    let titles: string[] | undefined;
    if (callee.table) {
      const table = literal(callee.table);
      if (title === undefined) return why("a title computed at run time");
      if (!table.ok || !Array.isArray(table.value)) {
        why(`${callee.root}.each over a table that is not a literal array`);
        titles = undefined;
      } else titles = (table.value as unknown[]).map((row, i) => formatEachTitle(title, row, i, callee.mods.includes("for")));
    } else if (title !== undefined) titles = [title];
    else if (callee.mods.includes("todo")) return;
    else return why("a title computed at run time");
    const again = repeated(n, body);
    if (again) return why(again);
    if (isSuite) {
      if (!titles || !fn) return;
      const inner = (fn as ts.FunctionLikeDeclaration).body;
      for (const t of titles) if (inner) walk(inner, [...suite, t], skip, fn);
      return;
    }
    if (!titles) return;
    if (skip) return why(callee.mods.includes("todo") ? "todo" : "skipped");
    for (const t of titles) cases.push({ file: path, titles: [...suite, t], line });
  };

  walk(sf, [], false, undefined);
  const seen = new Map<string, number>();
  return {
    path,
    cases: cases.map((c) => {
      const key = c.titles.join("\u0000");
      const nth = (seen.get(key) ?? 0) + 1;
      seen.set(key, nth);
      return { ...c, nth };
    }),
    leftOut,
  };
}
