import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { triageRound } from "../agent/triage/round.js";
import { getTicket } from "../servers/tickets/contracts.js";
import { decodeVlq, mapReference, originalPosition, parseSourceMap } from "../servers/tickets/source-maps.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";
import { encodeVlq, sourceMapOf } from "./helpers/source-map-fixture.js";
import { inProcessHub } from "./helpers/triage-hub.js";

/**
 * Stack frames into the repo's own code: a frame in `node_modules/yamlish/dist/...` (the repo's package) or in
 * its `dist/` maps to the source file and line by the source map when there is one, else by the build layout
 * (marked approximate, the built line kept); frames of other packages stay vendor frames. The mapped line is
 * what blame reads, so the suspect is the commit that last changed the source line the frame ran.
 */

const LEXER_TS = [
  "export function isSpace(ch: string): boolean {",
  '  return ch === " " || ch === "\\t";',
  "}",
  "",
  "export class Lexer {",
  "  constructor(private readonly src: string) {}",
  "",
  "  lex(): string[] {",
  "    const out: string[] = [];",
  '    for (const word of this.src.split(" ")) out.push(word.trim());',
  "    return out;",
  "  }",
  "}",
  "",
].join("\n");

/** tsc's output, by hand: generated line 12 holds source lines 9 (from column 1) and 10 (from column 5). */
const LEXER_JS = [
  '"use strict";',
  "// yamlish build",
  'Object.defineProperty(exports, "__esModule", { value: true });',
  "exports.Lexer = void 0;",
  "exports.isSpace = isSpace;",
  "function isSpace(ch) {",
  '    return ch === " " || ch === "\\t";',
  "}",
  "class Lexer {",
  "    constructor(src) { this.src = src; }",
  "    lex() {",
  '    const out = []; for (const word of this.src.split(" ")) out.push(word.trim());',
  "        return out;",
  "    }",
  "}",
  "exports.Lexer = Lexer;",
  "//# sourceMappingURL=lexer.js.map",
  "",
].join("\n");

const LEXER_MAP = sourceMapOf("lexer.js", "../../src/parse/lexer.ts", [
  { line: 6, sourceLine: 1 },
  { line: 7, column: 5, sourceLine: 2, sourceColumn: 3 },
  { line: 9, sourceLine: 5 },
  { line: 10, column: 5, sourceLine: 6, sourceColumn: 3 },
  { line: 11, column: 5, sourceLine: 8, sourceColumn: 3 },
  { line: 12, column: 1, sourceLine: 9, sourceColumn: 5 },
  { line: 12, column: 5, sourceLine: 10, sourceColumn: 5 },
  { line: 13, column: 9, sourceLine: 11, sourceColumn: 5 },
]);

const PARSER_TS = [
  'import { Lexer } from "./lexer.js";',
  "",
  "export function parse(src: string): string[] {",
  "  const tokens = new Lexer(src).lex();",
  "  return tokens.filter(Boolean);",
  "}",
  "",
].join("\n");

const TICKET = [
  "---",
  "key: YAML-1",
  "title: TypeError when a document has a tab",
  "created: 2026-03-02T09:00:00Z",
  "---",
  "```",
  "TypeError: Cannot read properties of undefined (reading 'trim')",
  "    at Lexer.lex (node_modules/yamlish/dist/parse/lexer.js:12:5)",
  "    at parse (node_modules/yamlish/dist/parse/parser.js:4:31)",
  "    at load (node_modules/other-yaml/dist/index.js:3:1)",
  "    at Object.<anonymous> (/srv/app/dist/parse/lexer.js:12:5)",
  "```",
  "",
].join("\n");

describe("stack frames into the source of the repo's own package", () => {
  const tmp = tempDir("worldline-frames-");
  let hub: Awaited<ReturnType<typeof inProcessHub>>;
  const commits: string[] = [];

  beforeAll(async () => {
    makeRepo(tmp.dir, [
      {
        message: "A lexer and a parser, with their build",
        files: {
          "package.json": JSON.stringify({ name: "yamlish", type: "commonjs", main: "dist/index.js" }),
          "tsconfig.json": JSON.stringify({ compilerOptions: { outDir: "dist", rootDir: "src", sourceMap: true } }),
          "src/parse/lexer.ts": LEXER_TS.replace("word.trim()", "word"),
          "src/parse/parser.ts": PARSER_TS,
          "dist/parse/lexer.js": LEXER_JS,
          "dist/parse/lexer.js.map": LEXER_MAP,
          // No map for the parser's build: the layout maps it, approximately.
          "dist/parse/parser.js": '"use strict";\nconst lexer_js_1 = require("./lexer.js");\nfunction parse(src) {\n    const tokens = new lexer_js_1.Lexer(src).lex();\n    return tokens.filter(Boolean);\n}\nexports.parse = parse;\n',
        },
        date: "2026-02-01T12:00:00Z",
      },
      { message: "Lexer: trim each word", files: { "src/parse/lexer.ts": LEXER_TS }, date: "2026-02-20T12:00:00Z" },
      { message: "The ticket", files: { "tickets/YAML-1.md": TICKET }, date: "2026-03-03T12:00:00Z" },
    ]);
    const { gitIn } = await import("./helpers/git-fixture.js");
    commits.push(...gitIn(tmp.dir, ["rev-list", "--reverse", "HEAD"]).trim().split("\n"));
    hub = await inProcessHub(tmp.dir);
  });
  afterAll(async () => {
    await hub?.close();
    tmp.cleanup();
  });

  it("decodes the VLQ its fixture encoder wrote, and finds the map by sourceMappingURL, inline or next to the file", () => {
    for (const n of [0, 1, -1, 15, 16, -16, 1000, -123456]) expect(decodeVlq(encodeVlq(n))).toEqual([n]);
    const map = parseSourceMap(LEXER_MAP);
    expect(map && originalPosition(map, 12, 5)).toEqual({ source: "../../src/parse/lexer.ts", line: 10 });
    expect(map && originalPosition(map, 12, 2)).toEqual({ source: "../../src/parse/lexer.ts", line: 9 });
    expect(mapReference("dist/a.js", "x();\n//# sourceMappingURL=maps/a.js.map\n")).toEqual({ path: "dist/maps/a.js.map" });
    expect(mapReference("dist/a.js", "x();\n")).toEqual({ path: "dist/a.js.map" });
    expect(mapReference("dist/a.js", `x();\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(LEXER_MAP).toString("base64")}\n`)).toEqual({ inline: LEXER_MAP });
  });

  it("maps a frame by its source map to the source line, by the layout when there is no map (approximate), and keeps another package's frame as a vendor frame", { timeout: 120_000 }, async () => {
    const report = await triageRound(hub.tools, { repo: tmp.dir });
    const { codeRefs } = await hub.tools.call(getTicket, { key: "YAML-1" });
    const frames = codeRefs.filter((r) => r.kind === "frame").map(({ order, target, location, mapping, approximate }) => ({ order, target, location, mapping, approximate }));
    expect(frames).toEqual([
      { order: 0, target: "src/parse/lexer.ts#Lexer.lex", location: "src/parse/lexer.ts:10", mapping: "source-map", approximate: undefined },
      { order: 1, target: "src/parse/parser.ts#parse", location: "src/parse/parser.ts:4", mapping: "layout", approximate: true },
      // The repo's own dist/ (a server running the build): the same map, whatever the frame's function says.
      { order: 3, target: "src/parse/lexer.ts#Lexer.lex", location: "src/parse/lexer.ts:10", mapping: "source-map", approximate: undefined },
    ]);
    expect(codeRefs.filter((r) => r.kind === "vendor-frame").map((r) => r.text)).toEqual(["node_modules/other-yaml/dist/index.js:3"]);

    // The triage names the source: its symbols, and the commit that last changed the mapped line (10, not 12).
    const t = report.tickets.find((x) => x.key === "YAML-1");
    expect(t?.symbols).toEqual(["src/parse/lexer.ts#Lexer.lex", "src/parse/parser.ts#parse"]);
    expect(t?.suspects[0]).toMatchObject({ commit: commits[1], summary: "Lexer: trim each word" });
    expect(t?.suspects[0]?.evidence).toContain("src/parse/lexer.ts:10");
    expect(t?.component).toBe("src/parse");
  });
});
