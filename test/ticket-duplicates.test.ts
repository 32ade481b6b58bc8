import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { triageRound } from "../agent/triage/round.js";
import { similarTicketsTool } from "../servers/tickets/contracts.js";
import { importTickets } from "../servers/tickets/importer.js";
import { similarTickets } from "../servers/tickets/queries.js";
import { TicketService } from "../servers/tickets/service.js";
import { corpusOf, LIKELY, similarity, termCounts, type Prepared } from "../servers/tickets/similarity.js";
import { similarityContext } from "../servers/tickets/similarity-context.js";
import { readTicketFolder } from "../servers/tickets/sources/folder.js";
import { issueTemplateTerms } from "../servers/tickets/templates.js";
import { gitIn, makeRepo, tempDir, writeFiles } from "./helpers/git-fixture.js";
import { inProcessHub } from "./helpers/triage-hub.js";

/**
 * Duplicates that mean it, on a small YAML library whose bug reports all follow one issue template and all call
 * its public API: the labelled calibration set of the LIKELY threshold (true duplicates phrased differently;
 * non-duplicates sharing the template, the API, a public frame or a path through the composer), the score parts
 * the similar_tickets tool shows, and the template words read at a revision or in the working tree.
 */
const SOURCES: Record<string, string> = {
  "package.json": JSON.stringify({ name: "miniyaml", main: "dist/index.js", types: "dist/index.d.ts" }),
  "tsconfig.json": JSON.stringify({ compilerOptions: { outDir: "dist", rootDir: "src" } }),
  "src/index.ts": 'export { parse, parseDocument } from "./public-api.js";\nexport { stringify } from "./stringify/stringify.js";\nexport { Document } from "./doc/document.js";\n',
  "src/public-api.ts": [
    'import { composeDocument } from "./compose/composer.js";',
    'import type { Document } from "./doc/document.js";',
    "",
    "export function parseDocument(src: string, options?: { strict?: boolean }): Document {",
    "  const opts = options === undefined ? {} : options;",
    "  return composeDocument(src, opts.strict === true);",
    "}",
    "",
    "export function parse(src: string, options?: { strict?: boolean }): unknown {",
    "  return parseDocument(src, options).toJS();",
    "}",
    "",
  ].join("\n"),
  "src/doc/document.ts": "export class Document {\n  constructor(readonly contents: unknown, readonly comments: string[]) {}\n  toJS(): unknown {\n    return this.contents;\n  }\n}\n",
  "src/compose/composer.ts": [
    'import { Document } from "../doc/document.js";',
    'import { lexFlow } from "../parse/lexer.js";',
    'import { resolveTag } from "../schema/tags.js";',
    "",
    "export function composeDocument(src: string, strict: boolean): Document {",
    '  const body = src.split("\\n").filter((l) => !l.startsWith("#"));',
    '  return new Document(composeNode(body.join("\\n").trim(), strict, 0), []);',
    "}",
    "",
    "export function composeNode(src: string, strict: boolean, depth: number): unknown {",
    '  if (src.startsWith("*")) return composeNode(src, strict, depth + 1);',
    '  if (src.startsWith("{")) return resolveFlowMap(lexFlow(src), strict);',
    '  if (src.startsWith("!")) return resolveTag(src.split(" ")[0] ?? "", src);',
    "  return src;",
    "}",
    "",
    "export function resolveFlowMap(tokens: Array<{ text: string; range: number[] }>, strict: boolean): Record<string, unknown> {",
    "  const out: Record<string, unknown> = {};",
    "  for (let i = 0; i < tokens.length; i += 2) out[tokens[i].text] = tokens[i + 1].range;",
    "  return out;",
    "}",
    "",
  ].join("\n"),
  "src/parse/lexer.ts": [
    "export function lexFlow(src: string): Array<{ text: string; range: number[] }> {",
    "  let depth = 0;",
    '  for (const ch of src) if (ch === "[") depth++;',
    '  if (depth > 1) throw new SyntaxError("Unexpected end of flow sequence");',
    "  return src.split(/[,:{}]/).filter(Boolean).map((text, i) => ({ text: text.trim(), range: [i, i + text.length] }));",
    "}",
    "",
  ].join("\n"),
  "src/schema/tags.ts": 'export function resolveTag(tag: string, src: string): unknown {\n  if (tag !== "!!str") throw new Error(`Unresolved tag: ${tag}`);\n  return src.slice(tag.length + 1);\n}\n',
  "src/stringify/fold.ts": "export function foldLines(text: string, width: number): string {\n  const lines: string[] = [];\n  for (let at = 0; at < text.length; at += width) lines.push(text.slice(at, at + width));\n  return lines.join(\"\\n\");\n}\n",
  "src/stringify/stringify.ts": 'import { foldLines } from "./fold.js";\n\nexport function stringify(value: unknown, options?: { lineWidth?: number }): string {\n  const text = typeof value === "string" ? value : JSON.stringify(value);\n  return foldLines(text, options?.lineWidth ?? 80);\n}\n',
};

const TEMPLATE = [
  "---",
  "name: Bug report",
  "about: Something in miniyaml does not behave as its documentation says",
  "labels: bug",
  "---",
  "**Describe the bug**",
  "Tell us what happened, and what you expected to happen instead.",
  "",
  "**To reproduce**",
  "The smallest YAML input and code that show the behaviour. A link to the online playground helps.",
  "",
  "**Expected behaviour**",
  "What should have happened.",
  "",
  "**Versions**",
  "- Node.js or browser version:",
  "- miniyaml version:",
  "",
].join("\n");

const pkg = "/home/dev/app/node_modules/miniyaml/dist";
/** A report as people fill the template in: its headings, their answers, versions and a playground link. */
function report(key: string, title: string, describe: string, reproduce: string, expected: string): string {
  return [
    "---",
    `key: ${key}`,
    `title: ${JSON.stringify(title)}`,
    "created: 2026-03-02T09:00:00Z",
    "---",
    "**Describe the bug**",
    describe,
    "",
    "**To reproduce**",
    reproduce,
    "",
    `Playground: https://miniyaml.example/playground#${key.toLowerCase()}`,
    "",
    "**Expected behaviour**",
    expected,
    "",
    "**Versions**",
    "- Node.js or browser version: 20.11",
    "- miniyaml version: 2.3.1",
    "",
  ].join("\n");
}
const js = (code: string) => ["```js", code, "```"].join("\n");
const trace = (lines: string[]) => ["```", ...lines, "```"].join("\n");

const TICKETS: Record<string, string> = {
  "tickets/YML-1.md": report(
    "YML-1",
    "TypeError when a flow mapping ends with a comma",
    "Parsing a flow mapping whose last pair is followed by a comma crashes instead of ignoring the comma.",
    [
      js("import { parseDocument } from 'miniyaml'\nparseDocument('{ a: 1, b: 2, }')"),
      trace([
        "TypeError: Cannot read properties of undefined (reading 'range')",
        `    at resolveFlowMap (${pkg}/compose/composer.js:19:71)`,
        `    at composeNode (${pkg}/compose/composer.js:12:35)`,
        `    at composeDocument (${pkg}/compose/composer.js:7:23)`,
        `    at parseDocument (${pkg}/public-api.js:6:10)`,
      ]),
    ].join("\n"),
    "The same document as without the last comma.",
  ),
  "tickets/YML-2.md": report(
    "YML-2",
    "Crash on {x: true, } although other parsers accept it",
    "`YAML.parse` blows up when a comma comes right before the closing brace.",
    [
      js("const YAML = require('miniyaml')\nYAML.parse('{ x: true, }')"),
      trace([
        "TypeError: Cannot read properties of undefined (reading 'range')",
        `    at resolveFlowMap (${pkg}/compose/composer.js:19:71)`,
        `    at composeNode (${pkg}/compose/composer.js:12:35)`,
        `    at composeDocument (${pkg}/compose/composer.js:7:23)`,
        `    at parseDocument (${pkg}/public-api.js:6:10)`,
        `    at parse (${pkg}/public-api.js:10:10)`,
      ]),
    ].join("\n"),
    "{ x: true }",
  ),
  "tickets/YML-3.md": report(
    "YML-3",
    "Nested flow sequences rejected",
    "A sequence of sequences written in flow style does not parse.",
    [js("parseDocument('matrix: [[1, 2], [3, 4]]')"), "throws", trace(["SyntaxError: Unexpected end of flow sequence"])].join("\n"),
    "A matrix of two rows.",
  ),
  "tickets/YML-4.md": report(
    "YML-4",
    "Array of arrays in brackets cannot be read",
    'parse() gives me "Unexpected end of flow sequence" although every bracket is closed.',
    js("YAML.parse('[[a], [b]]')"),
    "[['a'], ['b']]",
  ),
  "tickets/YML-5.md": report(
    "YML-5",
    "Long plain strings are folded in the middle of a word",
    "With a small lineWidth, stringify cuts words in two. foldLines seems to break before looking for a space.",
    js("stringify({ note: 'the quick brown fox jumps over the lazy dog' }, { lineWidth: 20 })"),
    "Lines broken at spaces.",
  ),
  "tickets/YML-6.md": report(
    "YML-6",
    "stringify splits words when lineWidth is set",
    "Output has words broken across lines: in src/stringify/fold.ts, foldLines takes the width as the break index without going back to whitespace.",
    js("stringify('lorem ipsum dolor sit amet', { lineWidth: 8 })"),
    "Whole words on each line.",
  ),
  "tickets/YML-7.md": report(
    "YML-7",
    "parseDocument drops comments before a sequence",
    "Comments at the top of the document are lost when I call parseDocument and print the document again.",
    js("const doc = parseDocument('# header\\n- a\\n- b')\nString(doc)"),
    "The header comment is kept.",
  ),
  "tickets/YML-8.md": report(
    "YML-8",
    "Custom tag !include is not resolved",
    "parseDocument fails with Error: Unresolved tag: !include when the document uses a tag of my own.",
    js("parseDocument('!include other.yaml')"),
    "A way to register the tag, or the tag kept on the node.",
  ),
  "tickets/YML-9.md": report(
    "YML-9",
    "stringify quotes keys that do not need quotes",
    "Keys such as on and off come out quoted from stringify.",
    js("stringify({ on: 1 })"),
    "on: 1",
  ),
  "tickets/YML-10.md": report(
    "YML-10",
    "TypeError when passing null as options",
    "parse with null options throws instead of using the defaults.",
    [
      js("parse('a: 1', null)"),
      trace(["TypeError: Cannot read properties of null (reading 'strict')", `    at parseDocument (${pkg}/public-api.js:6:37)`, `    at parse (${pkg}/public-api.js:10:10)`]),
    ].join("\n"),
    "{ a: 1 }",
  ),
  "tickets/YML-11.md": report(
    "YML-11",
    "Stack overflow on an alias to itself",
    "A document whose alias points at itself never returns.",
    [
      js("parseDocument('*a')"),
      trace([
        "RangeError: Maximum call stack size exceeded",
        `    at composeNode (${pkg}/compose/composer.js:11:30)`,
        `    at composeNode (${pkg}/compose/composer.js:11:30)`,
        `    at composeNode (${pkg}/compose/composer.js:11:30)`,
        `    at composeDocument (${pkg}/compose/composer.js:7:23)`,
        `    at parseDocument (${pkg}/public-api.js:6:10)`,
      ]),
    ].join("\n"),
    "An error naming the alias.",
  ),
  "tickets/YML-12.md": report(
    "YML-12",
    "Does the document parser support YAML 1.1 booleans?",
    "Not sure this is a bug: yes and no stay strings in the parsed document.",
    js("parse('flag: yes')"),
    "Maybe an option for YAML 1.1 booleans.",
  ),
};

/** The labelled calibration set: the true duplicates; every other pair of the twelve is none. */
const DUPLICATES = [
  ["YML-1", "YML-2"], // the same top frame, worded differently
  ["YML-3", "YML-4"], // the same throw site, one quoting it only in prose
  ["YML-5", "YML-6"], // the same internal function named
];
const isDuplicate = (a: string, b: string) => DUPLICATES.some(([x, y]) => (x === a && y === b) || (x === b && y === a));

describe("duplicates that mean it, calibrated on a library's template-shaped reports", () => {
  const tmp = tempDir("worldline-dups-");
  let service: TicketService;
  let first = "";

  beforeAll(async () => {
    makeRepo(tmp.dir, [
      { message: "miniyaml", files: { ...SOURCES, ".github/ISSUE_TEMPLATE/bug_report.md": TEMPLATE } },
      { message: "Reports", files: TICKETS },
    ]);
    first = gitIn(tmp.dir, ["rev-list", "--max-parents=0", "HEAD"]).trim();
    service = new TicketService(tmp.dir);
    const read = await readTicketFolder(tmp.dir);
    expect(await importTickets(service.importContext(), read.tickets, read.errors)).toMatchObject({ added: 12 });
  }, 120_000);
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("resolves the reports' frames into the source and their messages to the throw site", async () => {
    const frames = (await service.store.codeRefs("YML-1")).filter((r) => r.kind === "frame").map((r) => r.target);
    expect(frames).toEqual(["src/compose/composer.ts#resolveFlowMap", "src/compose/composer.ts#composeNode", "src/compose/composer.ts#composeDocument", "src/public-api.ts#parseDocument"]);
    expect((await service.store.codeRefs("YML-4")).filter((r) => r.kind === "message").map((r) => r.target)).toEqual(["src/parse/lexer.ts#lexFlow"]);
    const ctx = await similarityContext(service, null);
    expect([...ctx.publicSymbols].sort()).toEqual(expect.arrayContaining(["src/public-api.ts#parse", "src/public-api.ts#parseDocument", "src/stringify/stringify.ts#stringify"]));
    expect([...ctx.publicNames]).toEqual(expect.arrayContaining(["parsedocument", "stringify", "miniyaml"]));
    expect(ctx.publicSymbols.has("src/compose/composer.ts#resolveFlowMap")).toBe(false);
  });

  it("separates every labelled pair at the LIKELY threshold, with a margin on both sides", async () => {
    const ctx = await similarityContext(service, null);
    const keys = Object.keys(TICKETS).map((p) => p.slice("tickets/".length, -3));
    const wrong: string[] = [];
    let lowestTrue = 1;
    let highestFalse = 0;
    for (const key of keys) {
      const all = await similarTickets(service.store, key, 50, ctx);
      expect(all.map((s) => s.key)).not.toContain(key);
      for (const s of all) {
        const dup = isDuplicate(key, s.key);
        if (dup) lowestTrue = Math.min(lowestTrue, s.score);
        else highestFalse = Math.max(highestFalse, s.score);
        if (dup !== (s.match === "likely")) wrong.push(`${key}~${s.key} ${s.score} ${s.match}: ${JSON.stringify(s.parts)}`);
      }
      for (const [a, b] of DUPLICATES) if (key === a && !all.some((s) => s.key === b)) wrong.push(`${a}~${b} not a candidate at all`);
    }
    expect(wrong).toEqual([]);
    // The threshold's comment states these bounds: a drift past them means recalibrating it.
    expect(lowestTrue).toBeGreaterThanOrEqual(LIKELY + 0.15);
    expect(highestFalse).toBeLessThanOrEqual(LIKELY - 0.15);
  });

  it("shows why: the score parts with their evidence, and the template and API words that did not count", async () => {
    const ctx = await similarityContext(service, null);
    const [crash] = await similarTickets(service.store, "YML-1", 3, ctx);
    expect(crash).toMatchObject({ key: "YML-2", match: "likely" });
    expect(crash?.parts.find((p) => p.part === "top-frame")?.evidence).toEqual(["both stacks stop in src/compose/composer.ts#resolveFlowMap"]);
    expect(crash?.sharedCode).toEqual(["src/compose/composer.ts#composeDocument", "src/compose/composer.ts#composeNode", "src/compose/composer.ts#resolveFlowMap"]);

    // Two reports sharing the template and parseDocument and nothing else.
    const loss = (await similarTickets(service.store, "YML-7", 50, ctx)).find((s) => s.key === "YML-8");
    expect(loss?.match).toBe("weak");
    expect(loss?.discounted).toEqual(expect.arrayContaining(["parsedocument (public API)", "describe (issue template)", "behaviour (issue template)"]));
    expect(loss?.sharedTerms).not.toContain("parsedocument");
    expect(loss?.parts.filter((p) => p.part !== "text")).toEqual([]);

    const site = (await similarTickets(service.store, "YML-3", 1, ctx))[0];
    expect(site).toMatchObject({ key: "YML-4", match: "likely", sharedCode: ["src/parse/lexer.ts#lexFlow"] });
    expect(site?.parts[0]).toEqual({ part: "throw-site", score: 0.85, evidence: ["the same message from src/parse/lexer.ts#lexFlow"] });
  });

  it("weighs a public frame shared at the bottom of two stacks at nothing, and a shared internal frame by its place", async () => {
    const ctx = await similarityContext(service, null);
    const nullOptions = (await similarTickets(service.store, "YML-10", 50, ctx)).find((s) => s.key === "YML-1");
    expect(nullOptions?.parts.map((p) => p.part)).not.toContain("frames");
    const overflow = (await similarTickets(service.store, "YML-11", 50, ctx)).find((s) => s.key === "YML-1");
    const frames = overflow?.parts.find((p) => p.part === "frames");
    expect(frames?.evidence).toEqual(["both stacks run src/compose/composer.ts#composeNode", "both stacks run src/compose/composer.ts#composeDocument"]);
    expect(frames?.score).toBeGreaterThan(0);
    expect(overflow?.match).not.toBe("likely");
  });

  it("reads the template words at a revision, or in the working tree", async () => {
    const atFirst = await issueTemplateTerms(tmp.dir, first);
    expect([...atFirst]).toEqual(expect.arrayContaining(["describe", "reproduce", "playground", "versions"]));
    expect(atFirst.has("feature")).toBe(false);
    writeFiles(tmp.dir, { ".github/ISSUE_TEMPLATE/feature.yml": "name: Feature request\nbody:\n  - type: textarea\n    attributes:\n      label: Which feature would help you\n" });
    try {
      expect((await issueTemplateTerms(tmp.dir, null)).has("feature")).toBe(true);
      expect((await issueTemplateTerms(tmp.dir, first)).has("feature")).toBe(false);
    } finally {
      writeFiles(tmp.dir, { ".github/ISSUE_TEMPLATE/feature.yml": null });
    }
  });
});

describe("overlapping reproduction coverage", () => {
  const ticket = (key: string, text: string, covered?: string[]): Prepared => ({ key, terms: termCounts(text), text: text.toLowerCase(), refs: [], ...(covered ? { covered } : {}) });

  it("makes two reports alike when their reproductions run the same lines, and not otherwise", () => {
    const a = ticket("YML-20", "Anchor names lose their suffix", ["src/compose/anchors.ts:10", "src/compose/anchors.ts:11", "src/compose/anchors.ts:12"]);
    const b = ticket("YML-21", "Merge keys give a different map", ["src/compose/anchors.ts:10", "src/compose/anchors.ts:11", "src/compose/anchors.ts:12", "src/compose/merge.ts:4"]);
    const c = ticket("YML-22", "Merge keys give a different map");
    const corpus = corpusOf([a, b, c]);
    const both = similarity(a, b, corpus);
    expect(both.parts[0]).toEqual({ part: "coverage", score: 0.6, evidence: ["their reproductions run 3 of the same line(s), 75% of all they run"] });
    expect(both.match).toBe("likely");
    expect(similarity(a, c, corpus).parts.map((p) => p.part)).not.toContain("coverage");
  });
});

describe("a library that exports bound methods", () => {
  // `export const produceWithPatches = engine.produceWithPatches.bind(engine)`: the public symbol is the const,
  // but a report naming the API resolves to the class method that holds its code.
  const ticket = (key: string, text: string, target: string): Prepared => ({ key, terms: termCounts(text), text: text.toLowerCase(), refs: [{ kind: "symbol", text: "produceWithPatches", target }] });
  const ctx = { templateTerms: new Set<string>(), publicNames: new Set(["produce", "producewithpatches", "immerish"]), publicSymbols: new Set(["src/index.ts#produceWithPatches"]), known: true };

  it("counts the method behind an exported name as the public API, not as shared internal code", () => {
    const a = ticket("IMM-1", "produceWithPatches loses a deleted array element", "src/core/engine.ts#Engine.produceWithPatches");
    const b = ticket("IMM-2", "produceWithPatches puts the nothing symbol in a replace patch", "src/core/engine.ts#Engine.produceWithPatches");
    const both = similarity(a, b, corpusOf([a, b]), ctx);
    expect(both.parts.map((p) => p.part)).not.toContain("internal-code");
    expect(both.match).not.toBe("likely");
    // An internal method both name still counts.
    const c = ticket("IMM-3", "finalize skips symbol keys", "src/core/engine.ts#Engine.finalizeProperty");
    const d = ticket("IMM-4", "symbol-keyed values come out as proxies", "src/core/engine.ts#Engine.finalizeProperty");
    expect(similarity(c, d, corpusOf([c, d]), ctx).parts.map((p) => p.part)).toContain("internal-code");
  });
});

describe("the similar_tickets tool in a triage round", () => {
  const tmp = tempDir("worldline-dups-triage-");
  let hub: Awaited<ReturnType<typeof inProcessHub>>;

  beforeAll(async () => {
    makeRepo(tmp.dir, [{ message: "miniyaml and its reports", files: { ...SOURCES, ".github/ISSUE_TEMPLATE/bug_report.md": TEMPLATE, ...TICKETS } }]);
    hub = await inProcessHub(tmp.dir);
  }, 120_000);
  afterAll(async () => {
    await hub?.close();
    tmp.cleanup();
  });

  it("answers score parts through its contract, and the triage keeps only the duplicate that means it as likely", { timeout: 240_000 }, async () => {
    const report = await triageRound(hub.tools, { repo: tmp.dir, tickets: ["YML-1", "YML-7"] });
    expect(report.tickets.map((t) => t.key).sort(), JSON.stringify(report.sources)).toEqual(["YML-1", "YML-7"]);
    const { items } = await hub.tools.call(similarTicketsTool, { key: "YML-1", limit: 3 });
    expect(items[0]).toMatchObject({ key: "YML-2", match: "likely" });
    expect(items[0]?.parts.map((p) => p.part)).toEqual(expect.arrayContaining(["top-frame", "frames", "text"]));
    const crash = report.tickets.find((t) => t.key === "YML-1");
    expect(crash?.duplicates.filter((d) => d.likely).map((d) => d.key)).toEqual(["YML-2"]);
    expect(crash?.duplicates[0]?.parts?.map((p) => p.part)).toContain("top-frame");
    expect(report.tickets.find((t) => t.key === "YML-7")?.duplicates.filter((d) => d.likely)).toEqual([]);
  });
});
