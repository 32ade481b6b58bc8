import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScenarioService } from "../servers/scenarios/service.js";
import { type CommitSpec, makeRepo, tempDir } from "./helpers/git-fixture.js";

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

/** A fixture repo of the given commits and a scenario service on it, for one describe block. */
function serviceOn(commits: CommitSpec[]): () => ScenarioService {
  const tmp = tempDir();
  let service: ScenarioService | undefined;
  beforeAll(() => {
    makeRepo(tmp.dir, commits);
    service = new ScenarioService(tmp.dir);
  });
  afterAll(() => {
    service?.close();
    tmp.cleanup();
  });
  return () => {
    if (!service) throw new Error("the fixture's service is made in beforeAll");
    return service;
  };
}

describe("test cases judged on base and head", () => {
  const service = serviceOn([
    { message: "calc and its tests", files: { "package.json": JSON.stringify({ name: "calc", type: "module" }), "src/calc.ts": CALC("a + b"), "test/calc.test.ts": TEST } },
    { message: "off by two", files: { "src/calc.ts": CALC("a + b + 2") } },
  ]);

  it("fails a case the change breaks, and leaves one that failed before at-risk", async () => {
    const { base, head } = await service().pin("HEAD~1", "HEAD");
    const breaks = await service().simulate("test-calc-test--breaks", base, head);
    expect(breaks.verdict).toMatchObject({ verdict: "fail", rootCause: { location: "src/calc.ts:1" } });
    const stays = await service().simulate("test-calc-test--stays-broken", base, head);
    expect(stays.verdict.verdict).toBe("at-risk");
    expect(stays.verdict.reason).toMatch(/fail on base\)\..*It failed on base already, so the change did not break it\./);
  });
});

/**
 * What a file's shared work does (a module's top level, a suite's hooks) happens once per batch, on whichever case
 * ran first: its effects are marked shared. A case that ran after another on base and alone on head is not
 * `at-risk` for the effects of loading (base runs again alone, so both sides carry them), and a change that adds
 * an effect to the loading is still seen.
 */
const HOME = (two: string) => ['import os from "os";', "export const HOME = os.homedir();", "export const one = (): number => 1;", "export function two(): number {", `  return ${two};`, "}", ""].join("\n");
const HOME_TEST = ['import { it, expect } from "vitest";', 'import { one, two } from "../src/home";', 'it("one", () => { expect(one()).toBe(1); });', 'it("two", () => { expect(two()).toBe(2); });', ""].join("\n");

describe("a test case's shared work", () => {
  const service = serviceOn([
    { message: "home and its tests", files: { "package.json": JSON.stringify({ name: "home", type: "module" }), "src/home.ts": HOME("2"), "test/home.test.ts": HOME_TEST } },
    { message: "two, spelled out", files: { "src/home.ts": HOME("1 + 1") } },
  ]);

  it("does not make the effects of loading a change when base batched the case and head ran it alone", async () => {
    const { base, head } = await service().pin("HEAD~1", "HEAD");
    const { selected } = await service().select(base, head);
    expect(selected.map((s) => s.scenario)).toEqual(["test-home-test--two"]);
    const r = await service().simulateDifferential("test-home-test--two", base, head);
    // The module's top level called os.homedir on head (the case ran alone): recorded, and marked as shared work.
    expect((r.head?.effects ?? []).filter((e) => e.target === "os#homedir")).toEqual([expect.objectContaining({ shared: true })]);
    expect(r.verdict.verdict).toBe("pass");
  });
});

describe("a change to a test file's shared work", () => {
  const loud = HOME("1 + 1").replace("export const one", "export const HOST = os.hostname();\nexport const one");
  const service = serviceOn([
    { message: "home and its tests", files: { "package.json": JSON.stringify({ name: "home", type: "module" }), "src/home.ts": HOME("2"), "test/home.test.ts": HOME_TEST } },
    { message: "asks the host name at load", files: { "src/home.ts": loud } },
  ]);

  it("is compared, not left out with the rest of the loading", async () => {
    const { base, head } = await service().pin("HEAD~1", "HEAD");
    const verdicts = await Promise.all(["test-home-test--one", "test-home-test--two"].map((id) => service().simulateDifferential(id, base, head)));
    // Batched or alone, every case depends on the loading: each one's comparison holds the new call.
    for (const v of verdicts) {
      expect(v.verdict).toMatchObject({ verdict: "at-risk", rootCause: { location: "src/home.ts:3" } });
      expect((v.verdict.effectsDiff as { added?: unknown[] } | undefined)?.added).toEqual([expect.objectContaining({ target: "os#hostname", shared: true })]);
    }
  });
});
