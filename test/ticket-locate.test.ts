import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { triageRound } from "../agent/triage/round.js";
import { whereToLook } from "../agent/triage/files.js";
import { isShippedSourcePath } from "../core/paths.js";
import { importTicketsTool, locateTicketTool, ticketCodeLinks, ticketSuspects } from "../servers/tickets/contracts.js";
import { REPORT_WORDS_METHOD } from "../core/triage.js";
import { codeTerms, SourceIndex, stem } from "../servers/tickets/locate.js";
import { gitIn, makeRepo, tempDir } from "./helpers/git-fixture.js";
import { inProcessHub } from "./helpers/triage-hub.js";

/**
 * A report with no stack trace, no file and no message the code holds: located by its words. The file whose
 * own vocabulary is the report's comes first (tests, build output and configs never), and the commit that
 * wrote its lines most like the report is a suspect, from history up to the triage revision only.
 */
describe("the report's words", () => {
  it("split identifiers into stemmed words and keep the whole name", () => {
    expect(codeTerms("produceWithPatches(draft)")).toEqual(["produce", "patch", "producewithpatches", "draft"]);
    expect(codeTerms("resolve_block_scalar FLOW_SEQ")).toEqual(expect.arrayContaining(["resolve", "block", "scalar", "resolve_block_scalar", "flow", "seq"]));
    expect(codeTerms("const x = function () { return null }")).toEqual([]);
    expect([stem("scalars"), stem("folding"), stem("entries"), stem("stringified"), stem("class")]).toEqual(["scalar", "fold", "entry", "stringify", "class"]);
  });

  it("rank the file whose vocabulary they are, and leave out files with none in common", () => {
    const index = new SourceIndex([
      { path: "src/flow.ts", text: "export function flowCollection(bracket: string) { /* a flow sequence ends at its closing bracket */ }" },
      { path: "src/number.ts", text: "export function stringifyNumber(n: number) { return Object.is(n, -0) ? '-0' : String(n) }" },
      { path: "src/other.ts", text: "export const tabs = 8" },
    ]);
    const ranked = index.rank("Flow sequence in brackets fails at the closing bracket");
    expect(ranked.map((r) => r.path)).toEqual(["src/flow.ts"]);
    expect(ranked[0]?.terms).toEqual(expect.arrayContaining(["bracket", "flow"]));
    expect(index.rank("a number stringified")[0]?.path).toBe("src/number.ts");
  });

  it("are asked of shipped source only: no tests, build output, type bundles, configs, docs or examples", () => {
    expect(["src/parse/flow.ts", "lib/index.js", "index.js", "packages/a/src/x.mts"].every(isShippedSourcePath)).toBe(true);
    expect(["tests/flow.ts", "src/flow.test.ts", "dist/flow.js", "src/types.d.ts", "vitest.config.ts", "vitest.config.build.ts", "docs/intro.js", "examples/demo.ts", "website/app.tsx", "README.md", "scripts/release.js"].some(isShippedSourcePath)).toBe(false);
  });

  it("add up with the other evidence: a top stack frame outweighs the words, and a file both point at leads", () => {
    const files = whereToLook({
      refs: [
        { kind: "frame", target: "src/b.ts#b", order: 0 },
        { kind: "symbol", target: "src/api.ts#parse" },
        { kind: "test-message", target: "tests/b.test.ts" },
      ],
      reproduced: [],
      located: [
        { path: "src/a.ts", score: 1, terms: ["flow"] },
        { path: "src/b.ts", score: 0.4, terms: ["bracket"] },
      ],
    });
    expect(files.map((f) => f.path)).toEqual(["src/b.ts", "src/a.ts", "src/api.ts"]);
    expect(files[0]?.why).toEqual(["stack frame #1", "the report's words: bracket"]);
    expect(files.some((f) => f.path.startsWith("tests/"))).toBe(false);
  });

  it("count a reproduction's lines once per file: many ranked lines of one file do not outweigh the report's words", () => {
    const reproduced = ["src/compose/seq.ts:10", "src/compose/seq.ts:11", "src/compose/seq.ts:12", "src/compose/seq.ts:13", "src/compose/map.ts:4"];
    const located = [{ path: "src/compose/scalar.ts", score: 1, terms: ["literal", "chomp"] }];
    const files = whereToLook({ refs: [], reproduced, located });
    expect(files.map((f) => [f.path, f.score])).toEqual([["src/compose/scalar.ts", 1], ["src/compose/seq.ts", 0.5], ["src/compose/map.ts", 0.25]]);
  });

  it("count a symbol by a public API name for little: every report of a library names its API", () => {
    const refs = [{ kind: "symbol", target: "src/parse/lexer.ts#Lexer.parseDocument" }];
    const located = [{ path: "src/stringify/fold.ts", score: 0.25, terms: ["fold"] }];
    expect(whereToLook({ refs, reproduced: [], located })[0]?.path).toBe("src/parse/lexer.ts");
    const files = whereToLook({ refs, reproduced: [], located, api: new Set(["parsedocument"]) });
    expect(files.map((f) => f.path)).toEqual(["src/stringify/fold.ts", "src/parse/lexer.ts"]);
    expect(files[1]?.why).toEqual(["the report names Lexer.parseDocument (a public API name)"]);
  });
});

const flow = (close: string[]) =>
  [
    "/** A flow collection: a sequence or map in brackets. */",
    "export function flowCollection(src: string, indent: number): string[] {",
    "  const items: string[] = [];",
    "  let depth = 0;",
    "  for (const ch of src) {",
    "    if (ch === '[' || ch === '{') depth++;",
    ...close,
    "  }",
    "  return items;",
    "}",
    "",
  ].join("\n");
const closeAny = ["    if (ch === ']' || ch === '}') depth--;"];
const closeAtIndent = [
  "    // A closing bracket on a line of its own closes the sequence only past the key's indent:",
  "    // a multi-line sequence whose bracket sits at the key's column stays open.",
  "    const lineStart = src.lastIndexOf('\\n') + 1;",
  "    const column = src.length - lineStart;",
  "    const closing = ch === ']' || ch === '}';",
  "    const pastKeyIndent = column > indent;",
  "    // Square brackets and braces alike.",
  "    if (closing && pastKeyIndent) depth--;",
];
const number = (body: string) => ["export function stringifyNumber(value: number): string {", `  ${body}`, "}", ""].join("\n");

describe("locate_ticket and the suspects by the report's words, at the fix's parent", () => {
  const tmp = tempDir("worldline-locate-");
  let hub: Awaited<ReturnType<typeof inProcessHub>>;
  let shas: string[] = [];

  beforeAll(async () => {
    makeRepo(tmp.dir, [
      {
        message: "Parser and stringifier",
        files: {
          "package.json": JSON.stringify({ name: "flowish", type: "module" }),
          "src/parse/flow.ts": flow(closeAny),
          "src/stringify/number.ts": number("return String(value);"),
          "src/index.ts": 'export { flowCollection } from "./parse/flow.js";\nexport { stringifyNumber } from "./stringify/number.js";\n',
          // Every word of the report, in files where no fault of the library can live.
          "tests/flow.test.ts": "// flow collection brackets closing bracket key column indent sequence lines\n",
          "dist/parse/flow.js": "// flow collection brackets closing bracket key column indent sequence lines\n",
          "vitest.config.ts": "// flow collection brackets closing bracket key column\n",
        },
        date: "2026-01-02T12:00:00Z",
      },
      { message: "Close a flow collection only at its indent", files: { "src/parse/flow.ts": flow(closeAtIndent) }, date: "2026-01-10T12:00:00Z" },
      { message: "Numbers: keep the sign", files: { "src/stringify/number.ts": number("return Object.is(value, -0) ? '-0' : String(value);") }, date: "2026-01-12T12:00:00Z" },
      {
        message: "A report",
        files: {
          "tickets/FLOW-3.md": [
            "---",
            "key: FLOW-3",
            "title: Multi-line sequence in square brackets fails when the closing bracket is at the key's indent",
            "created: 2026-01-20T09:00:00Z",
            "---",
            "A flow sequence spanning lines, with its closing bracket at the indent of its key, is not closed.",
            "",
          ].join("\n"),
        },
        date: "2026-01-20T10:00:00Z",
      },
      { message: "Close flow collections at any indent", files: { "src/parse/flow.ts": flow(closeAny) }, date: "2026-01-25T12:00:00Z" },
    ]);
    shas = gitIn(tmp.dir, ["rev-list", "--reverse", "HEAD"]).trim().split("\n");
    hub = await inProcessHub(tmp.dir);
    await hub.tools.call(importTicketsTool, { source: "folder" });
  }, 60_000);
  afterAll(async () => {
    await hub?.close();
    tmp.cleanup();
  });

  it("ranks the parser's file first and never a test, a build file or a config", { timeout: 120_000 }, async () => {
    const at = shas[3] as string;
    const { files, api } = await hub.tools.call(locateTicketTool, { key: "FLOW-3", at });
    expect(api).toContain("flowish");
    expect(files[0]?.path).toBe("src/parse/flow.ts");
    expect(files[0]?.score).toBe(1);
    expect(files[0]?.terms).toContain("bracket");
    expect(files.map((f) => f.path).filter((p) => /tests\/|dist\/|config/.test(p))).toEqual([]);
  });

  it("names the commit that wrote the matching lines as a suspect, and not the later fix", { timeout: 120_000 }, async () => {
    const [, induced, , at, fix] = shas as [string, string, string, string, string];
    const { items } = await hub.tools.call(ticketSuspects, { key: "FLOW-3", at });
    const byWords = items.filter((s) => s.method === REPORT_WORDS_METHOD);
    expect(byWords[0]?.commit).toBe(induced);
    expect(byWords[0]?.evidence[0]).toMatch(/^src\/parse\/flow\.ts:\d+-\d+ matches /);
    expect(items.map((s) => s.commit)).not.toContain(fix);
    expect(Math.max(...byWords.map((s) => s.confidence))).toBeLessThanOrEqual(0.3);
  });

  it("a triage at the parent says where to look, the report's words as the reason", { timeout: 120_000 }, async () => {
    const [, induced, , at] = shas as [string, string, string, string];
    const report = await triageRound(hub.tools, { repo: tmp.dir, tickets: ["FLOW-3"], at });
    const t = report.tickets[0];
    expect(t?.files[0]?.path).toBe("src/parse/flow.ts");
    expect(t?.files[0]?.why.join(" ")).toMatch(/the report's words: .*bracket/);
    expect(t?.suspects.slice(0, 3).map((s) => s.commit)).toContain(induced);
    // Suspects by words alone raise no confidence: the ticket names no code.
    expect(t?.confidence).toBe("low");
    // Naming no code, its component comes from the files its words point at.
    expect(t?.component).toBe("src/parse");
    expect((await hub.tools.call(ticketCodeLinks, { key: "FLOW-3", at })).componentBasis).toBe("report-words");
  });

  it("refuses an unknown ticket, an unknown revision and a bad limit with one line each", { timeout: 60_000 }, async () => {
    await expect(hub.tools.call(locateTicketTool, { key: "NOPE-1" })).rejects.toThrow(/unknown ticket "NOPE-1"/);
    await expect(hub.tools.call(locateTicketTool, { key: "FLOW-3", at: "no-such-rev" })).rejects.toThrow(/unknown revision "no-such-rev"/);
    await expect(hub.tools.call(locateTicketTool, { key: "FLOW-3", limit: 0 } as never)).rejects.toThrow(/limit/);
  });
});
