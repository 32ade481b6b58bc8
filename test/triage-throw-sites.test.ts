import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importTickets } from "../servers/tickets/importer.js";
import { componentAndOwner } from "../servers/tickets/queries.js";
import { TicketService } from "../servers/tickets/service.js";
import { readTicketFolder } from "../servers/tickets/sources/folder.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * Error text to its throw site: a template literal's literal parts as a pattern (`Unexpected ${type} at node
 * end` threw "Unexpected scalar at node end"), throw sites before other source literals holding the words, the
 * build's copy of the source no site at all, and the test that quotes the message last, labelled as a test.
 */
describe("messages to their throw sites", () => {
  const tmp = tempDir("worldline-throws-");
  let service: TicketService;

  beforeAll(async () => {
    makeRepo(tmp.dir, [
      {
        message: "Composer",
        files: {
          "package.json": JSON.stringify({ name: "yamlish", main: "dist/index.js" }),
          "src/compose/resolve-end.ts": [
            "export function resolveEnd(type: string, offset: number): number {",
            "  if (offset < 0) {",
            "    throw new SyntaxError(`Unexpected ${type} at node end`);",
            "  }",
            "  return offset;",
            "}",
            "",
          ].join("\n"),
          "src/hints.ts": 'export const HINTS = ["Unexpected scalar at node end: a value follows a closed node"];\n',
          "dist/compose/resolve-end.js": "function resolveEnd(type, offset) {\n  if (offset < 0) throw new SyntaxError(`Unexpected ${type} at node end`);\n  return offset;\n}\nexports.resolveEnd = resolveEnd;\n",
          // A committed declaration bundle of an old release (immer keeps one): generated, not where a name lives.
          "compat/pre-1/dist/yamlish.d.ts": "export declare function resolveEnd(type: string, offset: number): number;\nexport declare function composeDoc(src: string): unknown;\n",
          "src/compose/compose-doc.ts": "export function composeDoc(src: string): unknown {\n  return src.length;\n}\n",
          "src/doc/traps.ts": "export const docTraps = {\n  getPrototypeOf(target: object) {\n    return Object.getPrototypeOf(target);\n  },\n};\n",
          "tickets/YAML-4.md": ["---", "key: YAML-4", "title: composeDoc across realms", "created: 2026-03-04T09:00:00Z", "---", "`composeDoc` checks `Object.getPrototypeOf(x) === Object.prototype`, which fails for an object of another realm.", ""].join("\n"),
          "tickets/YAML-3.md": ["---", "key: YAML-3", "title: composeDoc returns a number", "created: 2026-03-03T09:00:00Z", "---", "Calling `composeDoc` gives back a number, not a document.", ""].join("\n"),
          "tests/doc/errors.ts": 'import { resolveEnd } from "../../src/compose/resolve-end.js";\n\nexpect(() => resolveEnd("scalar", -1)).toThrow("Unexpected scalar at node end");\n',
          "tickets/YAML-2.md": [
            "---",
            "key: YAML-2",
            "title: Parsing a flow map fails",
            "created: 2026-03-02T09:00:00Z",
            "---",
            "Parsing `{ a: 1 } b` fails:",
            "",
            "```",
            "SyntaxError: Unexpected scalar at node end",
            "```",
            "",
          ].join("\n"),
        },
      },
    ]);
    service = new TicketService(tmp.dir);
    const read = await readTicketFolder(tmp.dir);
    expect(await importTickets(service.importContext(), read.tickets, read.errors)).toMatchObject({ added: 3 });
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("names the template literal that throws first, then other source literals, and the test last, labelled", async () => {
    const refs = (await service.store.codeRefs("YAML-2")).filter((r) => r.kind === "message" || r.kind === "test-message");
    expect(refs.map((r) => [r.kind, r.target])).toEqual([
      ["message", "src/compose/resolve-end.ts#resolveEnd"],
      ["message", "src/hints.ts#HINTS"],
      ["test-message", "tests/doc/errors.ts:3"],
    ]);
  });

  it("a name found in the source and in a committed declaration bundle names the source only", async () => {
    const refs = (await service.store.codeRefs("YAML-3")).filter((r) => r.kind === "symbol");
    expect(refs.map((r) => r.target)).toEqual(["src/compose/compose-doc.ts#composeDoc"]);
  });

  it("a member of a JavaScript built-in the report writes (Object.getPrototypeOf) is the built-in, not the repo's symbol of that name", async () => {
    const refs = (await service.store.codeRefs("YAML-4")).filter((r) => r.kind === "symbol");
    expect(refs.map((r) => r.target)).toEqual(["src/compose/compose-doc.ts#composeDoc"]);
  });

  it("places the ticket where the source throws it, not in the test that quotes it", async () => {
    const guess = await componentAndOwner(service.store, tmp.dir, "YAML-2");
    expect(guess).toMatchObject({ files: ["src/compose/resolve-end.ts", "src/hints.ts"], basis: "references" });
    expect(guess.component).toMatch(/^src/);
  });
});
