import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importTickets } from "../servers/tickets/importer.js";
import { TicketService } from "../servers/tickets/service.js";
import { readTicketFolder } from "../servers/tickets/sources/folder.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * Code references of bug reports as real reporters write them: a stack trace through the repo's own published
 * package (`node_modules/<name>/dist/...`), and a message the code builds with a template literal, which a test
 * also quotes word for word.
 */
describe("code references of real-shaped bug reports", () => {
  const tmp = tempDir("worldline-refs-");
  let service: TicketService;

  beforeAll(async () => {
    makeRepo(tmp.dir, [
      {
        message: "A parser",
        files: {
          "package.json": JSON.stringify({ name: "tinyyaml", main: "dist/index.js", types: "dist/index.d.ts" }),
          "tsconfig.json": '{\n  // built into dist/\n  "compilerOptions": { "outDir": "dist", "rootDir": "src", "strict": true }\n}\n',
          "src/index.ts": 'export { parse } from "./parse/parser.js";\n',
          "src/parse/lexer.ts": [
            "export class Lexer {",
            "  constructor(private readonly src: string) {}",
            "",
            "  lex(): string[] {",
            "    return this.src.split(/\\s+/);",
            "  }",
            "}",
            "",
          ].join("\n"),
          "src/parse/parser.ts": [
            'import { Lexer } from "./lexer.js";',
            "",
            "export function parse(src: string): string[] {",
            "  const tokens = new Lexer(src).lex();",
            "  const type = tokens[0] ?? 'empty';",
            "  if (tokens.length > 3) throw new SyntaxError(`Unexpected ${type} at node end`);",
            "  return tokens;",
            "}",
            "",
          ].join("\n"),
          "tests/errors.ts": 'import { parse } from "../src/index.js";\n\nexpect(() => parse("a b c d")).toThrow("Unexpected scalar at node end");\nexpect(() => parse("x")).toThrow("Only a test says this message");\n',
          "tickets/YAML-1.md": [
            "---",
            "key: YAML-1",
            "title: Crash when parsing four words",
            "status: open",
            "created: 2026-03-02T09:00:00Z",
            "---",
            "Parsing `a b c d` throws:",
            "",
            "```",
            "SyntaxError: Unexpected scalar at node end",
            "    at parse (file:///home/me/app/node_modules/tinyyaml/dist/parse/parser.js:12:43)",
            "    at Lexer.lex (file:///home/me/app/node_modules/tinyyaml/dist/parse/lexer.js:8:20)",
            "    at main (file:///home/me/app/node_modules/other-lib/dist/index.js:3:1)",
            "```",
            "",
            "Also the error 'Only a test says this message' shows up.",
            "",
          ].join("\n"),
        },
      },
    ]);
    service = new TicketService(tmp.dir);
    const read = await readTicketFolder(tmp.dir);
    expect(await importTickets(service.importContext(), read.tickets, read.errors)).toMatchObject({ added: 1 });
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("maps frames in the repo's own installed package to the source symbol they ran, and keeps other packages as vendor frames", async () => {
    const refs = await service.store.codeRefs("YAML-1");
    expect(refs.filter((r) => r.kind === "frame").map((r) => [r.order, r.target])).toEqual([
      [0, "src/parse/parser.ts#parse"],
      [1, "src/parse/lexer.ts#Lexer.lex"],
    ]);
    expect(refs.filter((r) => r.kind === "vendor-frame").map((r) => r.text)).toEqual(["/home/me/app/node_modules/other-lib/dist/index.js:3"]);
  });

  it("finds a message at the template literal that throws it, before the test that quotes it; a test-only message is labelled", async () => {
    const refs = await service.store.codeRefs("YAML-1");
    const messages = refs.filter((r) => r.kind === "message");
    expect(messages.map((r) => r.target)).toEqual(["src/parse/parser.ts#parse"]);
    // The test that quotes the thrown message is listed too, labelled and after the source site.
    expect(refs.filter((r) => r.kind === "test-message").map((r) => [r.text, r.target])).toEqual([
      ["Unexpected scalar at node end", "tests/errors.ts:3"],
      ["Only a test says this message", "tests/errors.ts:4"],
    ]);
    expect(refs.findIndex((r) => r.kind === "test-message")).toBeGreaterThan(refs.findIndex((r) => r.kind === "message"));
  });
});
