import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { triageRound } from "../agent/triage/round.js";
import { rulesOf } from "../agent/triage/severity.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";
import { inProcessHub } from "./helpers/triage-hub.js";

/**
 * Severity from what happened: each rule with the words it fires on (a table of report texts), and a triage
 * round over a small library's reports where a crash inside its code, prototype pollution, data loss and a
 * regression rank above a wrong message, each hint naming its rule and its text or frame; an SEV1 incident
 * that links a ticket still makes it critical.
 */
const ORDER = ["low", "medium", "high", "critical"];
const levelOf = (text: string, customers: string[] = []) => rulesOf(text, [], customers).reduce((m, f) => (ORDER.indexOf(f.level) > ORDER.indexOf(m) ? f.level : m), "low");

describe("severity rules on report texts", () => {
  it("fires each rule on its words, and quotes them", () => {
    const cases: Array<[string, string, string, string]> = [
      // text, rule, level, quoted words
      ["Setting __proto__ through a merge key pollutes Object.prototype: prototype pollution", "security", "high", '"prototype pollution"'],
      ["A crafted anchor name takes minutes: catastrophic backtracking in the alias regex", "security", "high", '"catastrophic backtracking"'],
      ["The include tag reads ../../etc/passwd: path traversal", "security", "high", '"path traversal"'],
      ["The debug log prints the api key of the connection", "security", "high", '"prints the api key"'],
      ["Round-tripping a document silently drops comments after the last key", "data-loss", "high", '"silently drops"'],
      ["Saving the config corrupts the file when it holds a BOM", "data-loss", "high", '"corrupts"'],
      ["Since upgrading to 2.4.0 empty documents parse as undefined", "regression", "medium", '"Since upgrading"'],
      ["Flow maps worked in 2.x but fail now", "regression", "medium", '"worked in 2.x"'],
      ["Typo in the error message: 'Unexpected ned of input'", "cosmetic", "low", '"Typo"'],
    ];
    const wrong: string[] = [];
    for (const [text, rule, level, quoted] of cases) {
      const fired = rulesOf(text, [], []).find((f) => f.rule === rule);
      if (!fired || fired.level !== level || !fired.hint.includes(quoted)) wrong.push(`${rule} on ${JSON.stringify(text)}: ${JSON.stringify(fired)}`);
    }
    expect(wrong).toEqual([]);
  });

  it("ranks a crash, a security path, data loss and a regression above a wrong message or a cosmetic issue", () => {
    const cosmetic = levelOf("The error message is misleading: parse throws 'bad indentation' where it should say the tab is not allowed");
    const looks = levelOf("Keys come out quoted when they do not need to be");
    expect([cosmetic, looks]).toEqual(["low", "low"]);
    for (const text of [
      "TypeError: Cannot read properties of undefined (reading 'range') when parsing { a: 1, }",
      "Prototype pollution through a merge key",
      "Stringify loses the comments of a sequence",
      "Block scalars used to work, since 2.3 they keep a trailing space",
    ]) {
      expect(ORDER.indexOf(levelOf(text)), text).toBeGreaterThan(ORDER.indexOf(cosmetic));
    }
    // Code that guards access is worth a closer look; a lexer's tokens are not that.
    expect(rulesOf("Login fails for some users", [{ kind: "file", text: "src/auth/session.ts", target: "src/auth/session.ts" }], [])).toEqual([
      { rule: "security-code", level: "medium", hint: "names security-sensitive code: src/auth/session.ts" },
    ]);
    expect(rulesOf("Wrong token kind", [{ kind: "file", text: "src/parse/tokens.ts", target: "src/parse/tokens.ts" }], [])).toEqual([]);
    // Error words without a wording complaint still say something failed.
    expect(rulesOf("parse throws on an empty flow map", [], []).map((f) => f.rule)).toEqual(["error-words"]);
    expect(rulesOf("YAMLParseError: Plain value cannot start with reserved character @", [], [])).toEqual([{ rule: "error-words", level: "medium", hint: 'reports an error or a crash: "Error:"' }]);
    expect(rulesOf("Dependency injection of a custom schema would help", [], []).map((f) => f.rule)).toEqual([]);
  });

  it("makes a regression one level worse than the fault it brings back, at most high", () => {
    const fired = rulesOf("Since upgrading to 3.0 parse throws RangeError: Maximum call stack size exceeded on anchors", [], []);
    expect(fired.map((f) => [f.rule, f.level])).toEqual([
      ["engine-error", "medium"],
      ["regression", "high"],
    ]);
  });
});

const pkg = "/srv/app/node_modules/libyaml-lite/dist";
const COMPOSER = [
  "export function composeMap(items: Array<{ key: string; value?: { range: number[] } }>): Record<string, unknown> {",
  "  const out: Record<string, unknown> = {};",
  "  for (const item of items) out[item.key] = item.value.range;",
  "  return out;",
  "}",
  "",
].join("\n");
const ticket = (key: string, title: string, body: string, extra: string[] = []) => ["---", `key: ${key}`, `title: ${JSON.stringify(title)}`, "created: 2026-03-02T09:00:00Z", ...extra, "---", body, ""].join("\n");

describe("severity in a triage round of a library's reports", () => {
  const tmp = tempDir("worldline-severity-");
  let hub: Awaited<ReturnType<typeof inProcessHub>>;

  beforeAll(async () => {
    makeRepo(tmp.dir, [
      {
        message: "libyaml-lite and its reports",
        files: {
          "package.json": JSON.stringify({ name: "libyaml-lite", main: "dist/index.js" }),
          "tsconfig.json": JSON.stringify({ compilerOptions: { outDir: "dist", rootDir: "src" } }),
          "src/index.ts": 'import { composeMap } from "./compose/map.js";\n\nexport function parse(src: string): unknown {\n  return composeMap(src.split(",").map((key) => ({ key })));\n}\n',
          "src/compose/map.ts": COMPOSER,
          "tickets/LIB-1.md": ticket(
            "LIB-1",
            "Parsing a map with an empty value",
            ["```", "TypeError: Cannot read properties of undefined (reading 'range')", `    at composeMap (${pkg}/compose/map.js:3:52)`, `    at parse (${pkg}/index.js:4:10)`, "```"].join("\n"),
          ),
          "tickets/LIB-2.md": ticket("LIB-2", "Merge keys allow prototype pollution", "A document with `<<: { __proto__: { admin: true } }` sets admin on every object."),
          "tickets/LIB-3.md": ticket("LIB-3", "Comments vanish", "Stringify of a parsed document silently drops the comments between keys."),
          "tickets/LIB-4.md": ticket("LIB-4", "Empty values are null again", "Empty values come back as null; it worked in 1.4 where they were empty strings."),
          "tickets/LIB-5.md": ticket("LIB-5", "Typo in an error message", "parse throws 'Unexpected ned of map': a typo, it should say end."),
          "tickets/LIB-6.md": ticket("LIB-6", "Parser hangs on long keys", "parse never returns for a key of 50k characters."),
          "tickets/INC-1.md": ticket("INC-1", "Config service down: parser hangs", "Every config reload hung for an hour.", ["kind: incident", "severity: SEV1", "started: 2026-03-02T08:00:00Z", "links: [LIB-6]"]),
        },
      },
    ]);
    hub = await inProcessHub(tmp.dir);
  }, 120_000);
  afterAll(async () => {
    await hub?.close();
    tmp.cleanup();
  });

  it("ranks what happened and names the rule and its evidence in each hint", { timeout: 240_000 }, async () => {
    const report = await triageRound(hub.tools, { repo: tmp.dir, tickets: ["LIB-1", "LIB-2", "LIB-3", "LIB-4", "LIB-5", "LIB-6"] });
    const sev = (key: string) => report.tickets.find((t) => t.key === key)?.severity;
    expect(report.tickets.map((t) => t.key).sort(), JSON.stringify(report.sources)).toEqual(["LIB-1", "LIB-2", "LIB-3", "LIB-4", "LIB-5", "LIB-6"]);
    expect(sev("LIB-1")).toMatchObject({ level: "high" });
    expect(sev("LIB-1")?.hints).toContain(`a crash inside the repo's code: "TypeError: Cannot read properties of undefined (reading 'range')" at src/compose/map.ts#composeMap (top in-repo frame of 2)`);
    expect(sev("LIB-2")).toEqual({ level: "high", hints: ['security-sensitive: "prototype pollution"'] });
    expect(sev("LIB-3")).toEqual({ level: "high", hints: ['data loss or corruption: "silently drops"'] });
    expect(sev("LIB-4")).toEqual({ level: "medium", hints: ['a regression: "worked in 1.4"'] });
    expect(sev("LIB-5")?.level).toBe("low");
    expect(sev("LIB-5")?.hints[0]).toMatch(/^a wrong message or cosmetic issue: "[Tt]ypo"; its error words \("throws"\) do not raise it$/);
    // The incident rule stands: an SEV1 incident linking the ticket makes it critical, whatever its words.
    expect(sev("LIB-6")?.level).toBe("critical");
    expect(sev("LIB-6")?.hints[0]).toMatch(/^linked incident INC-1 \(SEV1\): /);
  });
});
