import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScenarioService } from "../servers/scenarios/service.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * The repo's own test cases judged differentially: a case that passes on base and fails on head is `fail`; one
 * that already fails on base and fails on head is `at-risk` (the change did not break it, so it does not block).
 */
const CALC = (body: string) => `export const add = (a: number, b: number): number => ${body};\n`;
const TEST = [
  'import { it, expect } from "vitest";',
  'import { add } from "../src/calc";',
  'it("breaks", () => { expect(add(2, 2)).toBe(4); });',
  'it("stays broken", () => { expect(add(1, 1)).toBe(3); });',
  "",
].join("\n");

describe("test cases judged on base and head", () => {
  const tmp = tempDir();
  let service: ScenarioService;
  beforeAll(() => {
    makeRepo(tmp.dir, [
      { message: "calc and its tests", files: { "package.json": JSON.stringify({ name: "calc", type: "module" }), "src/calc.ts": CALC("a + b"), "test/calc.test.ts": TEST } },
      { message: "off by two", files: { "src/calc.ts": CALC("a + b + 2") } },
    ]);
    service = new ScenarioService(tmp.dir);
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("fails a case the change breaks, and leaves one that failed before at-risk", async () => {
    const { base, head } = await service.pin("HEAD~1", "HEAD");
    const breaks = await service.simulate("test-calc-test--breaks", base, head);
    expect(breaks.verdict).toMatchObject({ verdict: "fail", rootCause: { location: "src/calc.ts:1" } });
    const stays = await service.simulate("test-calc-test--stays-broken", base, head);
    expect(stays.verdict.verdict).toBe("at-risk");
    expect(stays.verdict.reason).toMatch(/fail on base\)\..*It failed on base already, so the change did not break it\./);
  });
});
