import { describe, expect, it } from "vitest";
import { globToRegExp } from "../core/glob.js";
import { parseScenario } from "../servers/scenarios/format.js";
import { parseTestRef, testScenarios } from "../servers/scenarios/tests/as-scenarios.js";
import { configGlobs, discoverCases, testFileMatcher } from "../servers/scenarios/tests/discover.js";
import { formatEachTitle } from "../servers/scenarios/tests/each-title.js";

/** Test cases as scenarios (issue 17): found from the parsed test files, named as the runners name them. */
const SUITE = [
  'import { describe, expect, it, test } from "vitest";',
  'describe("parse", () => {',
  '  it("reads a map", () => {});',
  '  describe("scalars", () => {',
  '    it.each([[1, "one"], [2, "two"]])("reads %i as %s", (n, s) => {});',
  '    test.each([{ name: "null", src: "~" }])("reads $name from $src", () => {});',
  '    it("same name", () => {});',
  '    it("same name", () => {});',
  "  });",
  '  it.skip("skipped", () => {});',
  '  it.todo("later");',
  "  it(`computed ${1 + 1}`, () => {});",
  '  for (const x of [1, 2]) it("in a loop", () => {});',
  "});",
  'describe.skip("off", () => {',
  '  it("inside a skipped describe", () => {});',
  "});",
  'test("top level", async () => {});',
  "",
].join("\n");

describe("test discovery", () => {
  it("reads each case's titles from the outermost describe, .each titles formatted, duplicates numbered", () => {
    const f = discoverCases("tests/parse.test.ts", SUITE);
    expect(f.cases.map((c) => [c.titles.join(" > "), c.nth, c.line])).toEqual([
      ["parse > reads a map", 1, 3],
      ["parse > scalars > reads 1 as one", 1, 5],
      ["parse > scalars > reads 2 as two", 1, 5],
      ["parse > scalars > reads null from ~", 1, 6],
      ["parse > scalars > same name", 1, 7],
      ["parse > scalars > same name", 2, 8],
      ["top level", 1, 18],
    ]);
    expect(f.leftOut).toEqual([
      { line: 10, why: "skipped" },
      { line: 11, why: "todo" },
      { line: 12, why: "a title computed at run time" },
      { line: 13, why: "inside a loop: it may run several times" },
      { line: 16, why: "skipped" },
    ]);
  });

  it("formats .each titles as vitest and jest print them", () => {
    expect(formatEachTitle("%s + %d = %i (%#)", ["a", 2.5, 3.9], 4)).toBe("a + 2.5 = 3 (4)");
    expect(formatEachTitle("%j and %%", [{ a: [1, "x"] }], 0)).toBe('{"a":[1,"x"]} and %');
    expect(formatEachTitle("obj %o", [{ a: "x" }], 0)).toBe("obj { a: 'x' }");
    expect(formatEachTitle("$a.b is $c", { a: { b: 1 }, c: "two" }, 0)).toBe("1 is two");
    expect(formatEachTitle("$missing stays", { a: 1 }, 0)).toBe("$missing stays");
    expect(formatEachTitle("single %s", "value", 0)).toBe("single value");
  });

  it("finds test files from the runner configs, else the defaults of the runners package.json names", () => {
    const vitestConfig = { path: "vitest.config.js", text: "export default defineConfig({ test: { include: ['tests/**/*.{js,ts}'], exclude: ['tests/_*', 'tests/artifacts/'] } })" };
    expect(configGlobs(vitestConfig.path, vitestConfig.text)).toEqual({ include: ["tests/**/*.{js,ts}"], exclude: ["tests/_*", "tests/artifacts/**"] });
    const paths = ["tests/a.ts", "tests/_utils.ts", "tests/artifacts/x.js", "src/a.test.ts", "tests/node_modules/p/x.js", "tests/b.d.ts"];
    expect(paths.filter(testFileMatcher([vitestConfig]))).toEqual(["tests/a.ts"]);
    // A config in a package folder is relative to it.
    expect(paths.concat(["packages/p/src/x.test.ts", "packages/p/src/x.ts"]).filter(testFileMatcher([{ path: "packages/p/vitest.config.ts", text: "export default { test: { include: ['src/**/*.test.ts'] } }" }]))).toEqual(["packages/p/src/x.test.ts"]);
    // No config: vitest's defaults when package.json names vitest (test/typings/*.ts are not tests there).
    const pkg = { path: "package.json", text: JSON.stringify({ devDependencies: { vitest: "^1" } }) };
    expect(["test/api.test.ts", "test/typings/any.ts", "src/x.spec.mts"].filter(testFileMatcher([pkg]))).toEqual(["test/api.test.ts", "src/x.spec.mts"]);
    // Only a `test` block's include counts (not coverage.include), projects' ones too; type tests are never run.
    const projects = { path: "vitest.config.ts", text: "export default { test: { coverage: { include: ['src/**'] }, projects: [{ test: { include: ['src/**/*.test.ts'] } }, { test: { include: ['src/**/*.test-d.ts'] } }] } }" };
    expect(configGlobs(projects.path, projects.text).include).toEqual(["src/**/*.test.ts", "src/**/*.test-d.ts"]);
    expect(["src/a.ts", "src/a.test.ts", "src/a.test-d.ts"].filter(testFileMatcher([projects]))).toEqual(["src/a.test.ts"]);
    // worldline.config.json narrows it.
    expect(paths.filter(testFileMatcher([vitestConfig], { include: ["src/**"], exclude: [] }))).toEqual(["src/a.test.ts"]);
  });

  it("globs as runners write them", () => {
    expect(globToRegExp("**/*.{test,spec}.ts").test("a/b/c.test.ts")).toBe(true);
    expect(globToRegExp("**/*.{test,spec}.ts").test("c.spec.ts")).toBe(true);
    expect(globToRegExp("src/*.ts").test("src/a/b.ts")).toBe(false);
    expect(globToRegExp("./test/[ab].js").test("test/a.js")).toBe(true);
    // Extglobs, as immer's vitest config writes its include: `**/__tests__/**/*.[jt]s?(x)`.
    const immer = globToRegExp("**/__tests__/**/*.[jt]s?(x)");
    expect(["__tests__/base.js", "__tests__/types/a.tsx", "pkg/__tests__/b.ts"].every((p) => immer.test(p))).toBe(true);
    expect(immer.test("__tests__/b.tsy")).toBe(false);
    expect(globToRegExp("src/+(a|b).ts").test("src/abba.ts")).toBe(true);
    expect(globToRegExp("src/@(a|b).ts").test("src/ab.ts")).toBe(false);
    expect(globToRegExp("*(x)y.js").test("xxy.js")).toBe(true);
    expect(globToRegExp("!(node_modules)/*.js").test("src/a.js")).toBe(true);
    expect(globToRegExp("!(node_modules)/*.js").test("node_modules/a.js")).toBe(false);
  });
});

describe("test cases as scenarios", () => {
  it("gives each case an id from its path and full name, a plain title, its source and a workflow from its folder", () => {
    const f = discoverCases("tests/doc/parse.test.ts", SUITE);
    const scenarios = testScenarios(f.cases);
    expect(scenarios.map((s) => s.id)).toEqual([
      "tests-doc-parse-test--parse-reads-a-map",
      "tests-doc-parse-test--parse-scalars-reads-1-as-one",
      "tests-doc-parse-test--parse-scalars-reads-2-as-two",
      "tests-doc-parse-test--parse-scalars-reads-null-from",
      "tests-doc-parse-test--parse-scalars-same-name",
      "tests-doc-parse-test--parse-scalars-same-name-2",
      "tests-doc-parse-test--top-level",
    ]);
    const s = scenarios[5];
    expect(s).toMatchObject({ title: "parse: scalars: same name", source: ["test:tests/doc/parse.test.ts#parse > scalars > same name"], workflow: "doc", tags: ["test"], path: "tests/doc/parse.test.ts" });
    expect(s?.simulate?.steps).toEqual([{ run: "test:tests/doc/parse.test.ts#parse > scalars > same name", nth: 2, expect: [] }]);
  });

  it("refuses a malformed run step with a one-line error naming what is expected", () => {
    expect(() => parseTestRef("tests/x.ts")).toThrow(/run "tests\/x.ts": expected test:<path of the test file>#<full name/);
    const file = (step: string) => `---\nid: x\ntitle: x\nsimulate:\n  steps:\n    - ${step}\n---\nx\n`;
    expect(() => parseScenario("scenarios/x.md", file("run: tests/x.ts"))).toThrow(/field "simulate.steps.0.run" a test is test:<path of the test file>#<full name/);
    expect(() => parseScenario("scenarios/x.md", file("{ run: 'test:a.test.ts#a', args: [1] }"))).toThrow(/a run step takes no args/);
    expect(() => parseScenario("scenarios/x.md", file("{ run: 'test:a.test.ts#a', call: 'src/a.ts#f' }"))).toThrow(/a step has a call or a run, not both/);
    expect(parseScenario("scenarios/x.md", file("{ run: 'test:a.test.ts#a > b', nth: 2 }")).simulate?.steps[0]).toEqual({ run: "test:a.test.ts#a > b", nth: 2, expect: [] });
  });
});
