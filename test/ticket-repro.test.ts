import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseScenario } from "../servers/scenarios/format.js";
import { ScenarioService } from "../servers/scenarios/service.js";
import { packageApi } from "../servers/scenarios/ticket-repro-api.js";
import { snippetCalls } from "../servers/scenarios/ticket-repro-call.js";
import { draftTicket } from "../servers/scenarios/ticket-repro-draft.js";
import { ticketStep } from "../servers/scenarios/ticket-repro.js";
import { expectationLines, statedExpectation } from "../servers/scenarios/ticket-repro-expect.js";
import { rankLines, shrinkings } from "../servers/scenarios/ticket-repro-spectrum.js";
import { reportParts } from "../servers/scenarios/ticket-repro-text.js";
import { importTickets } from "../servers/tickets/importer.js";
import { TicketService } from "../servers/tickets/service.js";
import { readTicketFolder } from "../servers/tickets/sources/folder.js";
import { commitFiles, makeRepo, tempDir } from "./helpers/git-fixture.js";
import { connectServer, structured } from "./helpers/mcp-client.js";

const F = "```";

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

const ticket = (key: string, title: string, body: string[]) => ["---", `key: ${key}`, `title: ${title}`, "created: 2026-03-01T10:00:00Z", "---", ...body].join("\n");

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
    const tickets = new TicketService(tmp.dir);
    await importTickets(tickets.importContext(), (await readTicketFolder(tmp.dir)).tickets);
    tickets.close();
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
    const tickets = new TicketService(tmp.dir);
    await importTickets(tickets.importContext(), (await readTicketFolder(tmp.dir)).tickets);
    tickets.close();
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
