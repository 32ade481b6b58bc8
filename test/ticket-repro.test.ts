import { existsSync } from "node:fs";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseScenario, type Scenario } from "../servers/scenarios/format.js";
import { ScenarioService } from "../servers/scenarios/service.js";
import { packageApi } from "../servers/scenarios/ticket-repro-api.js";
import { snippetCalls } from "../servers/scenarios/ticket-repro-call.js";
import { draftTicket } from "../servers/scenarios/ticket-repro-draft.js";
import { ticketStep } from "../servers/scenarios/ticket-repro.js";
import { expectationLines, statedExpectation } from "../servers/scenarios/ticket-repro-expect.js";
import { rankLines, shrinkings } from "../servers/scenarios/ticket-repro-spectrum.js";
import { reportParts } from "../servers/scenarios/ticket-repro-text.js";
import { commitFiles, makeRepo, tempDir } from "./helpers/git-fixture.js";
import { connectServer, structured } from "./helpers/mcp-client.js";
import { FENCE as F, importTicketFolder, ticketMarkdown as ticket } from "./helpers/ticket-folder.js";


/** A tiny YAML-like parser with two bugs: a block scalar loses its final newline, and `key: |` at the end throws. */
const PARSE_BUGGY = [
  "export function parse(src: string, options: { strict?: boolean } = {}): unknown {",
  '  const lines = src.split("\\n");',
  "  const out: Record<string, unknown> = {};",
  "  let list: unknown[] | undefined;",
  "  for (let i = 0; i < lines.length; i++) {",
  "    const line = lines[i] as string;",
  '    if (line.trim() === "" || line.startsWith("#")) continue;',
  '    if (line.startsWith("- ")) {',
  "      list ??= [];",
  "      list.push(scalar(line.slice(2)));",
  "      continue;",
  "    }",
  '    const colon = line.indexOf(":");',
  "    if (colon < 0) {",
  "      if (options.strict) throw new SyntaxError(`Expected a key at line ${i + 1}`);",
  "      continue;",
  "    }",
  "    const key = line.slice(0, colon).trim();",
  "    const rest = line.slice(colon + 1).trim();",
  '    if (rest === "|") {',
  "      const [text, next] = block(lines, i + 1);",
  "      out[key] = text;",
  "      i = next - 1;",
  "      continue;",
  "    }",
  "    out[key] = scalar(rest);",
  "  }",
  "  return list ?? out;",
  "}",
  "",
  "function scalar(text: string): unknown {",
  '  if (/^-?\\d+(\\.\\d+)?$/.test(text)) return Number(text);',
  '  if (text === "true" || text === "false") return text === "true";',
  "  return text;",
  "}",
  "",
  "function block(lines: string[], start: number): [string, number] {",
  "  const indent = (lines[start] as string).match(/^ */)![0].length;",
  "  const body: string[] = [];",
  "  let i = start;",
  '  while (i < lines.length && (lines[i] as string).startsWith(" ".repeat(indent)) && (lines[i] as string).trim() !== "") {',
  "    body.push((lines[i] as string).slice(indent));",
  "    i++;",
  "  }",
  '  return [body.join("\\n"), i];',
  "}",
  "",
].join("\n");

const BLOCK_LINE = PARSE_BUGGY.split("\n").findIndex((l) => l.includes('return [body.join("\\n"), i];')) + 1;
const INDENT_LINE = PARSE_BUGGY.split("\n").findIndex((l) => l.includes("const indent =")) + 1;
const LOOP_LINE = PARSE_BUGGY.split("\n").findIndex((l) => l.includes("const line = lines[i]")) + 1;

/** The fix: the block keeps its final line break, and an empty block is "". */
const PARSE_FIXED = PARSE_BUGGY.replace('return [body.join("\\n"), i];', 'return [body.length ? `${body.join("\\n")}\\n` : "", i];').replace(
  "const indent = (lines[start] as string).match(/^ */)![0].length;",
  "const indent = (lines[start] ?? \"\").match(/^ */)![0].length || 1;",
);


const TICKETS: Record<string, string> = {
  // Expected/Actual blocks, a default import and a name bound to a literal.
  "tickets/GH-1.md": ticket("GH-1", "Block scalar loses its final newline", [
    "**Describe the bug**",
    "A literal block scalar drops the line break at its end.",
    "",
    "**To Reproduce**",
    `${F}js`,
    "import YAML from 'miniyaml'",
    'const src = "a: |\\n  x\\n  y\\n"',
    "console.log(YAML.parse(src))",
    F,
    "",
    "Expected:",
    `${F}json`,
    '{ "a": "x\\ny\\n" }',
    F,
    "Actual:",
    `${F}json`,
    '{ "a": "x\\ny" }',
    F,
    "",
    "**Versions**",
    "- miniyaml: 1.0.0",
  ]),
  // A throw with its stack trace from the installed package; a destructured require.
  "tickets/GH-2.md": ticket("GH-2", "parse crashes on an empty block scalar", [
    "### Describe the bug",
    "`parse` crashes when a key ends with a block indicator and nothing follows.",
    "",
    `${F}js`,
    'const { parse } = require("miniyaml");',
    'parse("key: |");',
    F,
    "",
    F,
    "TypeError: Cannot read properties of undefined (reading 'match')",
    "    at block (/home/u/app/node_modules/miniyaml/dist/parse.js:38:41)",
    "    at parse (/home/u/app/node_modules/miniyaml/dist/parse.js:21:35)",
    F,
    "It should not throw.",
  ]),
  // Only an input, under "To reproduce": the README's documented entry for text takes it.
  "tickets/GH-3.md": ticket("GH-3", "Multi-line note is cut short", [
    "## To reproduce",
    `${F}yaml`,
    "note: |",
    "  first",
    "  second",
    "",
    F,
    "## Expected behaviour",
    'Parsing it should return `{ "note": "first\\nsecond\\n" }`, but the last line break is missing.',
  ]),
  // No code at all.
  "tickets/GH-4.md": ticket("GH-4", "Parsing is slow on big files", ["When I parse a 10 MB file it takes a minute. Any ideas?"]),
  // The stated expectation holds: nothing to reproduce.
  "tickets/GH-5.md": ticket("GH-5", "Numbers parse as strings?", ["I think `YAML.parse(\"a: 1\")` gives a string.", "It should return `{ \"a\": 1 }`."]),
};

const FILES: Record<string, string> = {
  "package.json": JSON.stringify({ name: "miniyaml", version: "1.0.0", main: "dist/index.js", types: "dist/index.d.ts" }, null, 2),
  "tsconfig.json": JSON.stringify({ compilerOptions: { outDir: "dist", rootDir: "src", strict: true } }),
  "README.md": ["# miniyaml", "", "```js", 'import YAML from "miniyaml"', "", 'YAML.parse("a: 1") // { a: 1 }', "```", ""].join("\n"),
  "src/index.ts": 'export { parse } from "./parse.js";\nexport const version = "1.0.0";\n',
  "src/parse.ts": PARSE_BUGGY,
  ...TICKETS,
};

describe("reading a bug report", () => {
  it("finds calls of the package's API through imports, requires and its bare name, with literal arguments", () => {
    const exports = new Set(["parse", "version"]);
    const calls = (code: string) => snippetCalls(code, "miniyaml", exports).calls.map((c) => [c.member, c.args]);
    expect(calls('import YAML from "miniyaml"\nconst s = `a: 1`\nYAML.parse(s, { strict: true })')).toEqual([["parse", [{ value: "a: 1" }, { value: { strict: true } }]]]);
    expect(calls('import { parse as p } from "miniyaml"\np("x")')).toEqual([["parse", [{ value: "x" }]]]);
    expect(calls('const M = require("miniyaml")\nM.parse(read())')).toEqual([["parse", [{ unresolved: "read()" }]]]);
    // No import shown: the package's own name still counts; another package's does not, nor a non-export.
    expect(calls('MiniYAML.parse("k: v")')).toEqual([["parse", [{ value: "k: v" }]]]);
    expect(calls('import YAML from "js-yaml"\nYAML.parse("k")\nmini.parse("k")')).toEqual([]);
    expect(calls('import YAML from "miniyaml"\nYAML.load("k")')).toEqual([]);
    // A Node REPL transcript is read as what it typed; `require("pkg").member(...)` is a call of the package.
    expect(calls('Welcome to Node.js v22.14.0.\n> const {parse} = require("miniyaml")\nundefined\n> parse(\'? a\')\nUncaught TypeError: x')).toEqual([["parse", [{ value: "? a" }]]]);
    expect(calls("require('miniyaml').parse(fs.readFileSync('./t.yaml', 'utf8'))")).toEqual([["parse", [{ unresolved: "fs.readFileSync('./t.yaml', 'utf8')" }]]]);
  });

  it("gives a call's unknown input the report's data block, with the stand-ins for spaces put back", () => {
    const api = { name: "miniyaml", entry: "src/index.ts", exports: new Set(["parse"]), aliases: new Set(["YAML"]), textEntry: "parse" };
    const text = ["```yaml", "- |+", "___", "```", "Where `_` is a space.", "", "**To Reproduce**", "```", "require('miniyaml').parse(fs.readFileSync('./t.yaml','utf8'))", "```", 'Should be `["\\n"]`'].join("\n");
    expect(ticketStep(text, api).step).toMatchObject({ call: "src/index.ts#parse", args: ["- |+\n   \n"], expect: [`JSON.stringify(result) === ${JSON.stringify('["\\n"]')}`] });
    // No call at all: a lone fenced block with no language is the input, "spaces shown as `_`" put back.
    const bare = ["A keep-chomped literal gives the wrong value. Input (spaces shown as `_`):", "", "```", "- |+", "___", "```", "", 'Expected `["\\n"]`.'].join("\n");
    expect(ticketStep(bare, api).step).toMatchObject({ call: "src/index.ts#parse", args: ["- |+\n   \n"] });
    // Without the data block the call's input is what is missing.
    expect(ticketStep("```js\nYAML.parse(src)\n```\nIt should not throw.", api).missing).toEqual(["the value of `src` in `YAML.parse(src)`: bind it to a literal in the snippet or give the input in a code block"]);
  });

  it("reads the stated expectation: an Expected block, should be `…`, instead of, a stack trace, should throw", () => {
    const exp = (text: string) => {
      const e = statedExpectation(reportParts(text));
      return e ? expectationLines(e) : undefined;
    };
    expect(exp(TICKETS["tickets/GH-1.md"] as string)).toEqual([`JSON.stringify(result) === ${JSON.stringify(JSON.stringify({ a: "x\ny\n" }))}`]);
    expect(exp('It should be `["\\n\\n\\n"]`')).toEqual([`JSON.stringify(result) === ${JSON.stringify('["\\n\\n\\n"]')}`]);
    expect(exp("got `{ a: 2 }` instead of `{ a: 1 }`")).toEqual([`JSON.stringify(result) === ${JSON.stringify('{"a":1}')}`]);
    expect(exp(TICKETS["tickets/GH-2.md"] as string)).toEqual(["error === undefined"]);
    expect(exp("Parsing `a: [` should throw an error but returns a string")).toEqual(["error !== undefined"]);
    expect(exp("Expected:\n```yaml\na: 1\n```\n")).toEqual(['String(result).trim() === "a: 1"']);
    // "the number `0.8`" may be one field of the result (`{ foo: 0.8 }`): not read as the whole value.
    expect(exp("Expected the number `0.8`.")).toBeUndefined();
    expect(exp("A tab there should be an error, but this parses without one")).toEqual(["error !== undefined"]);
    expect(exp("It is slow.")).toBeUndefined();
  });

  it("shrinks a text input and ranks lines by Ochiai against passing variations", () => {
    expect(shrinkings("a\nb\nc")).toEqual(["c", "a\nb", "b\nc", "a\nc", "\nb\nc", "ab\nc", "a\n\nc", "a\nbc"]);
    expect(shrinkings("ab", 8)).toEqual(["b", "a"]);
    const ranked = rankLines([new Set(["f:1", "f:2", "f:3"])], [new Set(["f:1", "f:2"]), new Set(["f:1"])], "f:2");
    expect(ranked.map((r) => [r.location, r.score, r.passing])).toEqual([["f:3", 1, 0], ["f:2", 0.707, 1], ["f:1", 0.577, 2]]);
  });
});

describe("reproducing real-looking reports in the sandbox", () => {
  const tmp = tempDir();
  let service: ScenarioService;
  let buggy: string;
  let fixed: string;

  beforeAll(async () => {
    makeRepo(tmp.dir, [{ message: "miniyaml 1.0.0", files: FILES }]);
    buggy = commitFiles(tmp.dir, { message: "docs", files: { "CHANGELOG.md": "1.0.0\n" } }, 1);
    fixed = commitFiles(tmp.dir, { message: "Keep the final line break of block scalars (GH-1, GH-2, GH-3)", files: { "src/parse.ts": PARSE_FIXED } }, 2);
    await importTicketFolder(tmp.dir);
    service = new ScenarioService(tmp.dir);
  }, 60_000);
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("knows the package: its name, its source entry through outDir to rootDir, its exports and the documented entry for text", async () => {
    const api = await packageApi(tmp.dir, "HEAD");
    expect(api && { ...api, exports: [...api.exports], aliases: [...api.aliases] }).toEqual({ name: "miniyaml", entry: "src/index.ts", exports: ["parse", "version"], aliases: ["YAML"], textEntry: "parse" });
  });

  it("drafts the snippet's call with the Expected block, and it reproduces at the parent of the fix, not at the fix", async () => {
    const [d] = await draftTicket(service, "GH-1", false);
    expect(d?.executable).toBe(true);
    expect(d?.scenario.simulate?.steps).toEqual([{ call: "src/index.ts#parse", args: ["a: |\n  x\n  y\n"], expect: [`JSON.stringify(result) === ${JSON.stringify('{"a":"x\\ny\\n"}')}`] }]);
    // The draft's text loads back as the same executable scenario.
    expect(parseScenario("scenarios/x.md", d?.text ?? "").simulate?.steps[0]?.args).toEqual(["a: |\n  x\n  y\n"]);
    const at = await service.reproduce(d!.scenario, buggy);
    expect(at).toMatchObject({ rev: buggy, status: "reproduces", results: [{ a: "x\ny" }] });
    expect(at.failing[0]).toMatch(/^JSON\.stringify\(result\) === .*: fail/);
    expect(at.throwSite).toBeUndefined();
    // The block scalar's lines rank first (tied: the shrunk inputs cannot tell them apart), above the parser's
    // main loop, which every variation runs.
    const score = (line: number) => at.ranked?.find((r) => r.location === `src/parse.ts:${line}`)?.score ?? -1;
    expect(at.variations?.passing).toBeGreaterThan(0);
    expect(score(BLOCK_LINE)).toBeGreaterThan(score(LOOP_LINE));
    expect(at.ranked?.[0]?.score).toBe(score(BLOCK_LINE));
    expect(await service.reproduce(d!.scenario, fixed)).toMatchObject({ status: "does-not-reproduce", failing: [] });
  });

  it("reproduces a throw from a stack-trace report, naming its site and ranking it first", async () => {
    const [d] = await draftTicket(service, "GH-2", false);
    expect(d?.scenario.simulate?.steps).toEqual([{ call: "src/index.ts#parse", args: ["key: |"], expect: ["error === undefined"] }]);
    const at = await service.reproduce(d!.scenario, buggy);
    expect(at).toMatchObject({ status: "reproduces", throwSite: `src/parse.ts:${INDENT_LINE}`, failing: ["error === undefined: fail"] });
    expect(at.thrown).toMatch(/^TypeError: Cannot read properties of undefined/);
    // Shrunk inputs that still reach the empty block fail the same way; those that do not pass.
    expect(at.variations?.failing).toBeGreaterThan(0);
    expect(at.variations?.passing).toBeGreaterThan(0);
    expect(at.ranked?.[0]).toMatchObject({ location: `src/parse.ts:${INDENT_LINE}`, score: 1, passing: 0 });
    expect((await service.reproduce(d!.scenario, fixed)).status).toBe("does-not-reproduce");
  });

  it("gives an input-only report to the documented entry for text", async () => {
    const [d] = await draftTicket(service, "GH-3", false);
    expect(d?.executable).toBe(true);
    expect(d?.scenario.simulate?.steps[0]).toMatchObject({ call: "src/index.ts#parse", args: ["note: |\n  first\n  second\n"] });
    expect(d?.scenario.prose).toMatch(/documented entry for text, parse\(\)/);
    expect((await service.reproduce(d!.scenario, buggy)).status).toBe("reproduces");
    expect((await service.reproduce(d!.scenario, fixed)).status).toBe("does-not-reproduce");
  });

  it("keeps a report with no code prose-only, saying what is missing; one whose expectation holds does not reproduce", async () => {
    const [none] = await draftTicket(service, "GH-4", false);
    expect(none?.executable).toBe(false);
    expect(none?.missing).toContain('a call of miniyaml\'s API with its input: a code block such as `miniyaml.parse("…")`, or the input in a "To reproduce" section');
    expect(none?.missing.some((m) => m.startsWith("the expected outcome"))).toBe(true);
    expect((await service.reproduce(none!.scenario, buggy)).status).toBe("not-executable");
    const [holds] = await draftTicket(service, "GH-5", false);
    expect(holds?.scenario.simulate?.steps[0]).toMatchObject({ args: ["a: 1"], expect: [`JSON.stringify(result) === ${JSON.stringify('{"a":1}')}`] });
    expect(await service.reproduce(holds!.scenario, buggy)).toMatchObject({ status: "does-not-reproduce", failing: [] });
  });
});

describe("draft_scenario over MCP", () => {
  const tmp = tempDir();
  let client: Client;
  let close: () => Promise<void>;
  beforeAll(async () => {
    makeRepo(tmp.dir, [{ message: "miniyaml 1.0.0", files: FILES }]);
    await importTicketFolder(tmp.dir);
    ({ client, close } = await connectServer("scenarios", tmp.dir));
  }, 60_000);
  afterAll(async () => {
    await close();
    tmp.cleanup();
  });

  it("answers with the reproduction's throw site and ranked lines, and writes the executable draft when asked", async () => {
    type Out = { drafts: Array<{ executable: boolean; written?: string; reproduction?: { status: string; throwSite?: string; ranked?: Array<{ location: string }> } }> };
    const out = structured<Out>(await client.callTool({ name: "draft_scenario", arguments: { ticket: "GH-2", reproduceAt: "HEAD" } }));
    expect(out.drafts[0]?.reproduction).toMatchObject({ status: "reproduces", throwSite: `src/parse.ts:${INDENT_LINE}` });
    expect(out.drafts[0]?.reproduction?.ranked?.[0]?.location).toBe(`src/parse.ts:${INDENT_LINE}`);
    const written = structured<Out>(await client.callTool({ name: "draft_scenario", arguments: { ticket: "GH-1", write: true } }));
    expect(written.drafts[0]).toMatchObject({ executable: true, written: expect.stringMatching(/^scenarios\/gh-1-.*\.md$/) });
    const list = structured<{ items: Array<{ id: string; executable: boolean }> }>(await client.callTool({ name: "list_scenarios", arguments: {} }));
    expect(list.items.filter((s) => s.id.startsWith("gh-1")).map((s) => s.executable)).toEqual([true]);
  });
});

/**
 * An immer-like package: `produce(base, recipe)` hands the recipe a draft and returns the base when nothing
 * changed; `produceWithPatches` also returns the patches, once `enablePatches()` ran. Two planted bugs, fixed
 * in one commit: writing the value a key already has counts as a change, and a delete makes no patch. Its
 * source reads `__DEV__`, which only its test config defines.
 */
const MINI_BUGGY = [
  "declare const __DEV__: boolean;",
  "export type Patch = { op: \"add\" | \"replace\" | \"remove\"; path: Array<string | number>; value?: unknown };",
  'export const nothing: unique symbol = Symbol.for("minimmer.nothing");',
  "let patching = false;",
  "",
  "export function enablePatches(): void {",
  "  patching = true;",
  "}",
  "",
  "export function produce<T extends object>(base: T, recipe: (draft: T) => unknown): T {",
  "  return run(base, recipe, [], []);",
  "}",
  "",
  "export function produceWithPatches<T extends object>(base: T, recipe: (draft: T) => unknown): [T, Patch[], Patch[]] {",
  '  if (!patching) throw new Error("[minimmer] patches are off: call `enablePatches()` when your app starts");',
  "  const patches: Patch[] = [];",
  "  const inverse: Patch[] = [];",
  "  return [run(base, recipe, patches, inverse), patches, inverse];",
  "}",
  "",
  "function run<T extends object>(base: T, recipe: (draft: T) => unknown, patches: Patch[], inverse: Patch[]): T {",
  '  if (__DEV__ && typeof recipe !== "function") throw new TypeError("[minimmer] the recipe must be a function");',
  "  const copy = (Array.isArray(base) ? [...base] : { ...base }) as Record<string | symbol, unknown>;",
  "  let modified = false;",
  "  const draft = new Proxy(copy, {",
  "    set(target, key, value) {",
  "      const had = key in target;",
  "      modified = true;",
  '      if (typeof key === "string") patches.push({ op: had ? "replace" : "add", path: [key], value });',
  "      target[key] = value;",
  "      return true;",
  "    },",
  "    deleteProperty(target, key) {",
  "      modified = true;",
  "      delete target[key];",
  "      return true;",
  "    },",
  "  });",
  "  const out = recipe(draft as T);",
  "  if (out === nothing) return undefined as T;",
  "  return modified ? (copy as T) : base;",
  "}",
  "",
].join("\n");

const MINI_FIXED = MINI_BUGGY.replace("      modified = true;\n      if (typeof key", "      if (had && Object.is(target[key], value)) return true;\n      modified = true;\n      if (typeof key").replace(
  "      modified = true;\n      delete target[key];",
  '      modified = true;\n      if (typeof key === "string") {\n        patches.push({ op: "remove", path: [key] });\n        inverse.push({ op: "add", path: [key], value: target[key] });\n      }\n      delete target[key];',
);

const MINI_TICKETS: Record<string, string> = {
  // A recipe function, a logged comparison with an argument, "Expected true", a `> false` output line.
  "tickets/IM-1.md": ticket("IM-1", "Writing the same value breaks identity", [
    "Assigning a property the value it already has gives a new object.",
    "",
    `${F}js`,
    'const { produce } = require("minimmer");',
    "const foo = { bar: undefined };",
    "console.log(produce(foo, draft => { draft.bar = undefined; }) === foo);",
    "> false",
    F,
    "",
    "Expected true.",
  ]),
  // TypeScript: annotations, an interface, `import { type … }`; a setup call; a destructured result.
  "tickets/IM-2.md": ticket("IM-2", "Deleting an element gives no patches", [
    `${F}ts`,
    'import { produceWithPatches, enablePatches as turnOnPatches, type Patch } from "minimmer";',
    "turnOnPatches();",
    "interface Row { id: number }",
    "const rows: Row[] = [{ id: 1 }, { id: 2 }];",
    "const [next, patches, inversePatches] = produceWithPatches(rows, (draft: Row[]) => {",
    "  delete draft[1];",
    "});",
    "console.log(patches as Patch[], inversePatches);",
    "// [] []",
    F,
    "",
    "Expected non-empty patches and inverse patches.",
  ]),
  // A helper the snippet never defines and the package does not export.
  "tickets/IM-3.md": ticket("IM-3", "Out-of-range writes are lost", [
    `${F}js`,
    "const state = { field: [] }",
    "produce(state, draft => {",
    "  set(draft, 'field[2]', '2')",
    "})",
    F,
    "",
    "Result is `{ field: [] }`; expected `{ field: [undefined, undefined, '2'] }`.",
  ]),
  // The snippet is a test case: its expect line is the expectation.
  "tickets/IM-4.md": ticket("IM-4", "Same value is a change", [
    `${F}js`,
    'it("returns the base when nothing changed", () => {',
    "  const state = { a: 1 }",
    "  const next = produce(state, (d) => { d.a = 1 })",
    "  expect(next).toBe(state)",
    "})",
    F,
  ]),
  // Leaves out the setup its app does: the package's error asks for it.
  "tickets/IM-5.md": ticket("IM-5", "A delete makes no patch", [
    `${F}js`,
    'const { produceWithPatches } = require("minimmer");',
    "const [next, patches] = produceWithPatches({ a: 1 }, (d) => { delete d.a; });",
    F,
    "",
    "`patches` should be non-empty.",
  ]),
};

const MINI_FILES: Record<string, string> = {
  "package.json": JSON.stringify({ name: "minimmer", version: "1.0.0", main: "dist/index.js", types: "dist/index.d.ts" }, null, 2),
  "tsconfig.json": JSON.stringify({ compilerOptions: { outDir: "dist", rootDir: "src", strict: true } }),
  "jest.config.js": "module.exports = {\n  globals: { __DEV__: true },\n};\n",
  "README.md": ["# minimmer", "", "```js", 'import { produce } from "minimmer"', "", "const next = produce(state, (draft) => { draft.done = true })", "```", ""].join("\n"),
  "src/index.ts": MINI_BUGGY,
  ...MINI_TICKETS,
};

describe("reading a snippet whose arguments are code", () => {
  const api = { name: "minimmer", entry: "src/index.ts", exports: new Set(["produce", "produceWithPatches", "enablePatches", "nothing"]), aliases: new Set<string>() };

  it("builds args_js from the declarations the arguments need and the setup calls before the call, types dropped, names mapped", () => {
    const step = ticketStep(MINI_TICKETS["tickets/IM-2.md"] as string, api).step;
    expect(step?.args).toBeUndefined();
    // The alias is the export's own name; `interface Row` and the annotations are gone; the logging stays out.
    expect(step?.args_js).toBe("(() => {\n    enablePatches();\n    const rows = [{ id: 1 }, { id: 2 }];\n    return [rows, (draft) => {\n            delete draft[1];\n        }];\n})()");
    expect(step?.expect).toEqual(["result[1]?.length > 0", "result[2]?.length > 0"]);
    expect(step?.how).toMatch(/after its `turnOnPatches\(\)`/);
    // A namespace's members are the exports themselves.
    const ns = ticketStep('```js\nimport * as M from "minimmer"\nM.enablePatches()\nconst [s, patches] = M.produceWithPatches({ a: 1 }, (d) => M.nothing)\n```\n`patches[0].value` should be `undefined`', api).step;
    expect(ns).toMatchObject({ call: "src/index.ts#produceWithPatches", args_js: "(() => {\n    enablePatches();\n    return [{ a: 1 }, (d) => nothing];\n})()", expect: ["result[1][0].value === undefined"] });
  });

  it("reads the expectation from a logged comparison, a comment, an expect line, and a throw", () => {
    expect(ticketStep(MINI_TICKETS["tickets/IM-1.md"] as string, api).step?.expect).toEqual(["result === args[0]"]);
    expect(ticketStep("```js\nconst f = { a: 1 }\nconsole.log(produce(f, (d) => { d.a = 2 }) === f)\n```\nExpected false", api).step?.expect).toEqual(["!(result === args[0])"]);
    const comment = "```js\nenablePatches()\nlet [s, patches] = produceWithPatches({ a: 1 }, (d) => nothing)\n// patches[0].value === nothing: should be undefined\n```";
    expect(ticketStep(comment, api).step?.expect).toEqual(["result[1][0].value === undefined"]);
    expect(ticketStep(MINI_TICKETS["tickets/IM-4.md"] as string, api).step?.expect).toEqual(["Object.is(result, args[0])"]);
    expect(ticketStep("```js\nconst s = { a: [1] }\nexpect(produce(s, (d) => { d.a.push(2) })).toEqual({ a: [1, 2] })\n```", api).step?.expect).toEqual([`JSON.stringify(result) === ${JSON.stringify('{"a":[1,2]}')}`]);
    expect(ticketStep("```js\nexpect(() => produce({}, (d) => { d.x = 1 })).not.toThrow()\n```", api).step?.expect).toEqual(["error === undefined"]);
    expect(ticketStep("```js\nproduce({ a: new Uint8Array(2) }, (x) => x)\n```\n```\nTypeError: Cannot freeze\n    at freeze (node_modules/minimmer/dist/index.js:3:5)\n```", api).step).toMatchObject({ args_js: "[{ a: new Uint8Array(2) }, (x) => x]", expect: ["error === undefined"] });
    // A throw said of a later statement is not the call's: the draft says so instead of checking the call.
    const later = ticketStep("```js\nconst o = produce({ c: { v: 5 } }, (d) => { d.x = 1 })\no.c.v = 6\n```\nThe last line throws.", api);
    expect(later.step).toBeUndefined();
    expect(later.missing).toEqual([expect.stringMatching(/^the outcome of the call itself: the report says what happens at a later statement \(`o\.c\.v = 6`\)/)]);
  });

  it("stays not executable, naming what is missing, when the arguments read a name the snippet never defines", () => {
    const r = ticketStep(MINI_TICKETS["tickets/IM-3.md"] as string, api);
    expect(r.step).toBeUndefined();
    expect(r.missing).toEqual(["`set` in `produce(state, draft => { set(draft, 'field[2]', '2') })`: the snippet never defines it and minimmer does not export it; define it in the snippet"]);
    // Another module is not loaded for a report: what the snippet takes from it is missing.
    expect(ticketStep("```js\nconst fs = require('fs')\nconst s = JSON.parse(fs.readFileSync('s.json', 'utf8'))\nconsole.log(produce(s, (d) => d) === s)\n```\nExpected true", api).missing[0]).toMatch(/^`require\("fs"\)` in `produce\(s, \(d\) => d\)`: only minimmer itself loads in a reproduction/);
    // A literal call is read as before: its arguments stay `args`.
    expect(ticketStep('```js\nconsole.log(produce({ a: 1 }, "x"))\n```\nIt should not throw.', api).step).toMatchObject({ args: [{ a: 1 }, "x"], expect: ["error === undefined"] });
  });
});

describe("reproducing reports whose snippet builds its arguments, in the sandbox", () => {
  const tmp = tempDir();
  let service: ScenarioService;
  let buggy: string;
  let fixed: string;
  const mark = () => `${tmp.dir}/escaped.txt`;

  beforeAll(async () => {
    const attack = ticket("IM-6", "Hostile snippet", [
      `${F}js`,
      'import { produce } from "minimmer";',
      "const state = {",
      `  wrote: (() => { try { globalThis.process.getBuiltinModule("fs").writeFileSync(${JSON.stringify(mark())}, "escaped"); return "wrote"; } catch { return "no fs"; } })(),`,
      "  where: typeof process.exit,",
      "  exit: process.exit(7),",
      "};",
      "console.log(produce(state, (d) => { d.where = d.where; }) === state);",
      F,
      "Expected true.",
    ]);
    makeRepo(tmp.dir, [{ message: "minimmer 1.0.0", files: { ...MINI_FILES, "tickets/IM-6.md": attack } }]);
    buggy = commitFiles(tmp.dir, { message: "docs", files: { "CHANGELOG.md": "1.0.0\n" } }, 1);
    fixed = commitFiles(tmp.dir, { message: "A write of the same value is no change; a delete makes its patches", files: { "src/index.ts": MINI_FIXED } }, 2);
    await importTicketFolder(tmp.dir);
    service = new ScenarioService(tmp.dir);
  }, 60_000);
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("drafts a recipe call with its build-time globals; it reproduces before the fix and not after", async () => {
    const [d] = await draftTicket(service, "IM-1", false, buggy);
    expect(d?.executable).toBe(true);
    expect(d?.scenario.simulate?.world.globals).toEqual({ __DEV__: true });
    expect(d?.scenario.simulate?.steps).toEqual([{ call: "src/index.ts#produce", args_js: "(() => {\n    const foo = { bar: undefined };\n    return [foo, draft => { draft.bar = undefined; }];\n})()", expect: ["result === args[0]"] }]);
    // The written draft loads back as the same step.
    expect(parseScenario("scenarios/x.md", d?.text ?? "").simulate?.steps[0]?.args_js).toBe(d?.scenario.simulate?.steps[0]?.args_js);
    expect(await service.reproduce(d!.scenario, buggy)).toMatchObject({ status: "reproduces", failing: ["result === args[0]: fail"], results: [{ bar: { $undefined: true } }] });
    expect(await service.reproduce(d!.scenario, fixed)).toMatchObject({ status: "does-not-reproduce", failing: [] });
  });

  it("reproduces a TypeScript snippet with a setup call and a destructured result, and a test-case snippet", async () => {
    const [ts2] = await draftTicket(service, "IM-2", false, buggy);
    expect(ts2?.executable).toBe(true);
    expect((await service.reproduce(ts2!.scenario, buggy)).status).toBe("reproduces");
    expect((await service.reproduce(ts2!.scenario, fixed)).status).toBe("does-not-reproduce");
    const [test] = await draftTicket(service, "IM-4", false, buggy);
    expect((await service.reproduce(test!.scenario, buggy)).status).toBe("reproduces");
    expect((await service.reproduce(test!.scenario, fixed)).status).toBe("does-not-reproduce");
  });

  it("adds the setup the package's error asks for when the snippet leaves it out", async () => {
    const [d] = await draftTicket(service, "IM-5", false, buggy);
    expect(d?.scenario.simulate?.steps[0]?.args_js).toBe("(() => {\n    enablePatches();\n    return [{ a: 1 }, (d) => { delete d.a; }];\n})()");
    expect(d?.scenario.prose).toMatch(/after `enablePatches\(\)`, which minimmer's error asked for/);
    expect(await service.reproduce(d!.scenario, buggy)).toMatchObject({ status: "reproduces", failing: ["result[1]?.length > 0: fail"] });
    expect((await service.reproduce(d!.scenario, fixed)).status).toBe("does-not-reproduce");
  });

  it("keeps a report with an undefined helper prose-only, saying what is missing", async () => {
    const [d] = await draftTicket(service, "IM-3", false, buggy);
    expect(d?.executable).toBe(false);
    expect(d?.missing).toContain("`set` in `produce(state, draft => { set(draft, 'field[2]', '2') })`: the snippet never defines it and minimmer does not export it; define it in the snippet");
    expect((await service.reproduce(d!.scenario, buggy)).status).toBe("not-executable");
  });

  it("runs a hostile snippet's code in the isolate only: process.exit and fs reach nothing of the host", async () => {
    const [d] = await draftTicket(service, "IM-6", false, buggy);
    // Drafting reads the code; it runs none of it.
    expect(d?.scenario.simulate?.steps[0]?.args_js).toContain("process.exit(7)");
    expect(existsSync(mark())).toBe(false);
    const r = await service.reproduce(d!.scenario, buggy);
    // The sandbox's process.exit is a violation that ends the run; the host's process goes on.
    expect(r.status).toBe("error");
    expect(r.reason).toMatch(/process\.exit/);
    expect(existsSync(mark())).toBe(false);
    expect(process.exitCode).toBeUndefined();
    // Without the exit, the write is tried inside the isolate, where no host fs is to be had.
    const step = d!.scenario.simulate!.steps[0]!;
    const noExit: Scenario = { ...d!.scenario, simulate: { ...d!.scenario.simulate!, steps: [{ ...step, args_js: step.args_js!.replace(/,\s*exit: process\.exit\(7\)/, "") }] } };
    expect(noExit.simulate?.steps[0]?.args_js).not.toContain("process.exit(7)");
    expect((await service.reproduce(noExit, buggy)).results?.[0]).toMatchObject({ wrote: "no fs", where: "function" });
    expect(existsSync(mark())).toBe(false);
  });
});

describe("a package whose entry is a barrel of re-exports", () => {
  const tmp = tempDir("worldline-barrel-");
  beforeAll(() => {
    makeRepo(tmp.dir, [
      {
        message: "remeda-like barrel",
        files: {
          "package.json": JSON.stringify({ name: "barrelish", main: "src/index.ts" }),
          "src/index.ts": 'export * from "./floor";\nexport * from "./round.js";\nexport type * from "./types";\nexport { pipe } from "./pipe";\n',
          "src/floor.ts": "export function floor(value: number, precision: number): number {\n  return Math.floor(value / 10 ** -precision) * 10 ** -precision;\n}\n",
          "src/round.ts": "export const round = (value: number): number => Math.round(value);\n",
          "src/types.ts": "export type Shape = { kind: string };\n",
          "src/pipe.ts": "export function pipe<T>(x: T): T {\n  return x;\n}\n",
        },
      },
    ]);
  });
  afterAll(() => tmp.cleanup());

  it("knows the names its entry re-exports whole (`export * from`), so a report's bare `floor(…)` is a call of it", async () => {
    const api = await packageApi(tmp.dir, "HEAD");
    expect([...(api?.exports ?? [])].sort()).toEqual(["floor", "pipe", "round"]);
    const step = api && ticketStep("```ts\nexpect(floor(123456, -5)).toBe(100000) // actual 100000.00000000001\n```\n", api).step;
    expect(step).toMatchObject({ call: "src/index.ts#floor", args: [123456, -5] });
  });
});
