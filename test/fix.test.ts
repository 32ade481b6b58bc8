import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ts } from "@ts-morph/common";
import { applyPatch } from "../core/patch.js";
import { diffFiles } from "../servers/git-history/diff.js";
import { fixDrafts } from "../servers/scenarios/fix.js";
import { ScenarioService } from "../servers/scenarios/service.js";
import { gitIn, makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * Fixes that verify (issue 18 item 3): drafts smallest first (statement, hunk, function, file), each applying
 * to head and parsing, and the ladder that re-simulates each with the failing scenario until one turns it to
 * pass without making another scenario worse. The cases are the shapes real reverts take.
 */
const scenario = (id: string, call: string, args: string, expect: string) =>
  `---\nid: ${id}\ntitle: ${id}\nsimulate:\n  steps:\n    - call: ${call}\n      args_js: '${args}'\n      expect:\n        - '${expect}'\n---\n${id}.\n`;

const BASE: Record<string, string> = {
  "package.json": JSON.stringify({ name: "fixes" }),
  // The deciding line uses the parameter the signature renamed: only the whole function reverts cleanly.
  "src/num.ts":
    "export function stringifyNumber(value: number, digits = 0): string {\n  const fixed = digits > 0;\n  if (!isFinite(value)) return isNaN(value) ? '.nan' : value < 0 ? '-.inf' : '.inf';\n  return fixed ? value.toFixed(digits) : String(value);\n}\n",
  // One line of a multi-line object: the property alone is the smallest revert.
  "src/tags.ts": 'export const tags = {\n  int: /^[0-9]+$/,\n  bool: /^(true|false)$/,\n};\nexport function kind(s: string): string {\n  return tags.int.test(s) ? "int" : tags.bool.test(s) ? "bool" : "str";\n}\n',
  // Two hunks in one function, both needed.
  "src/fee.ts": "export function fee(total: number): number {\n  const tens = 1;\n  const scale = total * 10;\n  const ones = 1;\n  return tens * scale + ones;\n}\n",
  // A file whose change another scenario depends on: reverting it must not break that one.
  "src/greet.ts": 'export function greet(name: string): string {\n  return "Hello, " + name;\n}\nexport function shout(name: string): string {\n  return greet(name).toUpperCase();\n}\n',
  // A line the change removed from another file, which ran only on base: only the widest draft puts it back.
  "src/flag.ts": "export const state = { on: false };\nexport function arm(): void {\n  state.on = true;\n}\n",
  "src/use.ts": 'import { arm, state } from "./flag";\nexport function run(): string {\n  arm();\n  const label = state.on ? "on" : "off";\n  return label;\n}\n',
  "scenarios/flag.md": scenario("flag-on", "src/use.ts#run", "[]", 'result === "on"'),
  "scenarios/number.md": scenario("number-neg-inf", "src/num.ts#stringifyNumber", "[-Infinity]", 'result === "-.inf"'),
  "scenarios/tags.md": scenario("tags-int", "src/tags.ts#kind", '["42"]', 'result === "int"'),
  "scenarios/fee.md": scenario("fee-min", "src/fee.ts#fee", "[1]", "result === 11"),
  "scenarios/greet.md": scenario("greet-hello", "src/greet.ts#greet", '["Ada"]', 'result === "Hello, Ada"'),
};
const HEAD: Record<string, string> = {
  "src/num.ts": "export function stringifyNumber(num: number, digits = 0): string {\n  const fixed = digits > 0;\n  if (!isFinite(num)) return isNaN(num) ? '.nan' : '.inf';\n  return fixed ? num.toFixed(digits) : String(num);\n}\n",
  "src/tags.ts": 'export const tags = {\n  int: /^[0-9]+x$/,\n  bool: /^(true|false)$/,\n};\nexport function kind(s: string): string {\n  return tags.int.test(s) ? "int" : tags.bool.test(s) ? "bool" : "str";\n}\n',
  "src/fee.ts": "export function fee(total: number): number {\n  const tens = 2;\n  const scale = total * 10;\n  const ones = 2;\n  return tens * scale + ones;\n}\n",
  "src/greet.ts": 'export function greet(name: string): string {\n  return "Hi, " + name;\n}\nexport function shout(name: string): string {\n  return greet(name).toUpperCase();\n}\n',
  "src/flag.ts": "export const state = { on: false };\nexport function arm(): void {\n}\n",
  "src/use.ts": 'import { arm, state } from "./flag";\nexport function run(): string {\n  arm();\n  const label = state.on ? "ON" : "off";\n  return label;\n}\n',
  // A scenario that holds only with head's greet: a revert of greet breaks it.
  "scenarios/shout.md": scenario("shout-hi", "src/greet.ts#shout", '["Ada"]', 'result === "HI, ADA"'),
};

describe("fix drafts and the ladder", () => {
  const tmp = tempDir();
  let service: ScenarioService;
  let base = "";
  let head = "";

  beforeAll(async () => {
    makeRepo(tmp.dir, [
      { message: "base", files: BASE },
      { message: "head", files: HEAD },
    ]);
    service = new ScenarioService(tmp.dir);
    ({ base, head } = await service.pin("HEAD~1", "HEAD"));
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  const read = (side: "base" | "head", path: string) => Promise.resolve(gitIn(tmp.dir, ["show", `${side === "base" ? base : head}:${path}`]));

  it("every draft applies to head and parses, and the drafts grow from statement to file", async () => {
    const files = await diffFiles(tmp.dir, base, head);
    for (const location of ["src/num.ts:1", "src/num.ts:3", "src/tags.ts:2", "src/fee.ts:2", "src/fee.ts:4", "src/greet.ts:2"]) {
      const set = await fixDrafts(files, read, location);
      expect(set.drafts.length, location).toBeGreaterThan(0);
      for (const d of set.drafts) {
        const patched = await applyPatch(d.patch, (p) => read("head", p));
        for (const [path, text] of patched) {
          const out = ts.transpileModule(text, { fileName: path, reportDiagnostics: true });
          expect(out.diagnostics?.filter((x) => x.category === ts.DiagnosticCategory.Error) ?? [], `${location} ${d.scope}`).toEqual([]);
        }
      }
      const order = ["statement", "hunk", "function", "file"];
      expect(set.drafts.map((d) => order.indexOf(d.scope))).toEqual([...set.drafts.map((d) => order.indexOf(d.scope))].sort((a, b) => a - b));
    }
    const tags = await fixDrafts(files, read, "src/tags.ts:2");
    expect(tags.drafts[0]).toMatchObject({ scope: "statement", reverts: "src/tags.ts:2-2" });
    expect(tags.drafts[0]?.patch).toContain("+  int: /^[0-9]+$/,");
  });

  it("the signature case: the deciding line's revert reads a name not in scope, so the ladder climbs to the function", async () => {
    const fix = await service.draftFix("src/num.ts:3", base, head, { scenario: "number-neg-inf" });
    expect(fix.verified, JSON.stringify(fix.tried)).toBe(true);
    expect(fix.scope).toBe("function");
    expect(fix.tried.map((t) => t.scope)).toEqual(["statement", "hunk", "function"]);
    expect(fix.tried[0]?.outcome).toMatch(/^number-neg-inf is still (fail|error)/);
    expect(fix.tried[1]).toMatchObject({ reverts: "src/num.ts:3-4" });
    expect(fix.patch).toContain("+export function stringifyNumber(value: number, digits = 0): string {");
  });

  it("a data change: the property alone verifies", async () => {
    const fix = await service.draftFix("src/tags.ts:2", base, head, { scenario: "tags-int", ids: ["fee-min", "greet-hello"] });
    expect(fix).toMatchObject({ verified: true, scope: "statement", reverts: "src/tags.ts:2-2" });
    expect(fix.results?.map((r) => r.scenario).sort()).toEqual(["fee-min", "greet-hello", "tags-int"]);
  });

  it("two hunks in one function: the hunk alone does not verify, the function does", async () => {
    const fix = await service.draftFix("src/fee.ts:2", base, head, { scenario: "fee-min" });
    expect(fix).toMatchObject({ verified: true, scope: "function" });
    expect(fix.tried.map((t) => t.scope)).toEqual(["statement", "function"]);
    expect(fix.tried[0]?.outcome).toMatch(/^fee-min is still fail/);
    expect(fix.skipped).toContainEqual({ scope: "hunk", why: "it reverts the same lines as a smaller draft" });
  });

  it("a line removed elsewhere that ran on base: the file draft reverts its hunk with the root cause's file", async () => {
    const fix = await service.draftFix("src/use.ts:4", base, head, { scenario: "flag-on" });
    expect(fix, JSON.stringify(fix.tried)).toMatchObject({ verified: true, scope: "file" });
    expect(fix.reverts.split(",").sort()).toEqual(["src/flag.ts:2-2", "src/use.ts:4-4"]);
    expect(fix.tried.map((t) => t.scope)).toEqual(["statement", "file"]);
  });

  it("a root cause on a line only base has (head removed it): drafts start at its hunk", async () => {
    const fix = await service.draftFix("src/flag.ts:3", base, head, { scenario: "flag-on", side: "base" });
    expect(fix, JSON.stringify(fix.tried)).toMatchObject({ verified: true, scope: "file" });
    expect(fix.tried[0]).toMatchObject({ scope: "hunk", reverts: "src/flag.ts:2-2" });
    expect(fix.skipped[0]).toEqual({ scope: "statement", why: "src/flag.ts:3 is a line only base has: head removed it" });
    await expect(service.draftFix("src/flag.ts:1", base, head, { side: "base" })).rejects.toThrow("src/flag.ts:1 is not a line the change removed or replaced on base: expected a base line inside a hunk of src/flag.ts");
  });

  it("a revert that breaks another scenario is not the fix, and the answer says why", async () => {
    const fix = await service.draftFix("src/greet.ts:2", base, head, { scenario: "greet-hello", ids: ["shout-hi"] });
    expect(fix.verified).toBe(false);
    expect(fix.tried[0]?.outcome).toBe("greet-hello passes, but shout-hi goes pass → fail");
    expect(fix.reason).toMatch(/^no revert verified: statement revert \(src\/greet.ts:2-2\): greet-hello passes, but shout-hi goes pass → fail/);
  });

  it("without a scenario: the smallest draft and the larger ones on offer; a scope asks for one", async () => {
    const fix = await service.draftFix("src/num.ts:3", base, head);
    expect(fix).toMatchObject({ scope: "statement", reverts: "src/num.ts:3-3", tried: [] });
    expect(fix.verified).toBeUndefined();
    expect(fix.others?.map((o) => o.scope)).toEqual(["hunk", "function"]);
    expect((await service.draftFix("src/num.ts:3", base, head, { scope: "function" })).reverts).toBe("src/num.ts:1-5");
  });

  it("bad input: a line outside the change, an unknown scenario, one without simulate:", async () => {
    await expect(service.draftFix("src/num.ts:5", base, head)).rejects.toThrow(/src\/num.ts:5 is not inside a hunk of the change to src\/num.ts: expected a changed line at head/);
    await expect(service.draftFix("src/other.ts:1", base, head)).rejects.toThrow(/src\/other.ts did not change between base and head/);
    await expect(service.draftFix("src/num.ts:3", base, head, { scenario: "no-such" })).rejects.toThrow(/no-such/);
  });
});
