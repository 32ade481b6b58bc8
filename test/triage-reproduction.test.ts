import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { triageRound } from "../agent/triage/round.js";
import { gitIn, makeRepo, tempDir } from "./helpers/git-fixture.js";
import { inProcessHub } from "./helpers/triage-hub.js";

/**
 * A report that only shows a call and the value it gave: its reproduction is what names the code. The lines
 * the failing run ran into come first among the triage's symbols, and the commit that last changed them is a
 * suspect, blamed at the triage revision (the report has no stack trace, and no fix exists yet).
 */
const F = "```";
const parser = (blockEnd: string) =>
  [
    "export function parse(src: string): Record<string, unknown> {",
    "  const lines = src.split(\"\\n\");",
    "  const out: Record<string, unknown> = {};",
    "  for (let i = 0; i < lines.length; i++) {",
    "    const line = lines[i] as string;",
    "    const colon = line.indexOf(\":\");",
    "    if (colon < 0) continue;",
    "    const key = line.slice(0, colon).trim();",
    "    const rest = line.slice(colon + 1).trim();",
    "    if (rest === \"|\") {",
    "      const [text, next] = block(lines, i + 1);",
    "      out[key] = text;",
    "      i = next - 1;",
    "      continue;",
    "    }",
    "    out[key] = rest;",
    "  }",
    "  return out;",
    "}",
    "",
    "function block(lines: string[], start: number): [string, number] {",
    "  const body: string[] = [];",
    "  let i = start;",
    "  while (i < lines.length && (lines[i] as string).startsWith(\"  \")) {",
    "    body.push((lines[i] as string).slice(2));",
    "    i++;",
    "  }",
    `  return [${blockEnd}, i];`,
    "}",
    "",
  ].join("\n");

describe("triage from a reproduction", () => {
  const tmp = tempDir("worldline-triage-repro-");
  let hub: Awaited<ReturnType<typeof inProcessHub>>;
  let shas: string[] = [];

  beforeAll(async () => {
    makeRepo(tmp.dir, [
      {
        message: "miniyaml 1.0.0",
        files: {
          "package.json": JSON.stringify({ name: "miniyaml", version: "1.0.0", main: "dist/index.js" }),
          "tsconfig.json": JSON.stringify({ compilerOptions: { outDir: "dist", rootDir: "src", strict: true } }),
          "src/index.ts": 'export { parse } from "./parse.js";\n',
          "src/parse.ts": parser('body.map((l) => `${l}\\n`).join("")'),
        },
        date: "2026-01-02T12:00:00Z",
      },
      { message: "Block scalars: build the text with one join", files: { "src/parse.ts": parser('body.join("\\n")') }, date: "2026-01-10T12:00:00Z" },
      { message: "Changelog", files: { "CHANGELOG.md": "1.0.1\n" }, date: "2026-01-12T12:00:00Z" },
      {
        message: "A report",
        files: {
          "tickets/GH-9.md": [
            "---",
            "key: GH-9",
            "title: Literal block loses its last line break",
            "created: 2026-01-20T09:00:00Z",
            "---",
            "**Describe the bug**",
            "",
            `${F}js`,
            "import YAML from 'miniyaml'",
            'console.log(YAML.parse("note: |\\n  first\\n  second\\n"))',
            F,
            "",
            "Expected:",
            `${F}json`,
            '{ "note": "first\\nsecond\\n" }',
            F,
            "Actual:",
            `${F}json`,
            '{ "note": "first\\nsecond" }',
            F,
            "",
          ].join("\n"),
        },
        date: "2026-01-20T12:00:00Z",
      },
    ]);
    shas = gitIn(tmp.dir, ["rev-list", "--reverse", "HEAD"]).trim().split("\n");
    hub = await inProcessHub(tmp.dir);
  });
  afterAll(async () => {
    await hub?.close();
    tmp.cleanup();
  });

  it("names the code the failing run ran into first, and the commit that last changed it as a suspect", { timeout: 180_000 }, async () => {
    const [, induced] = shas;
    const report = await triageRound(hub.tools, { repo: tmp.dir, tickets: ["GH-9"] });
    const t = report.tickets[0];
    expect(t?.reproduction).toMatchObject({ status: "reproduces" });
    expect(t?.reproduction?.ranked?.length).toBeGreaterThan(0);
    // The block branch of parse and the block function tie: both ran only when the input failed.
    expect(t?.symbols.slice(0, 2).sort()).toEqual(["src/parse.ts#block", "src/parse.ts#parse"]);
    const top = t?.suspects.slice(0, 3) ?? [];
    expect(top.map((s) => s.commit)).toContain(induced);
    expect(top.find((s) => s.commit === induced)?.method).toMatch(/blame-reproduction@1/);
  });
});
