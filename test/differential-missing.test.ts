import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScenarioService } from "../servers/scenarios/service.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";
import { stepScenario } from "./helpers/scenario-fixture.js";

/**
 * A step whose module is missing is never a pass: a file that exists on neither side is `error` naming it,
 * and code that exists only on head (a new module) is judged on head alone.
 */
describe("steps whose module is missing", () => {
  const tmp = tempDir();
  let service: ScenarioService;
  const scenario = (id: string, call: string, expect: string[]) => stepScenario(id, call, [2], expect);


  beforeAll(() => {
    makeRepo(tmp.dir, [
      { message: "base", files: { "src/a.ts": "export const one = () => 1;\n" } },
      { message: "head adds a module", files: { "src/a.ts": "export const one = () => 2;\n", "src/fresh.ts": "export function double(n: number): number {\n  return n * 2;\n}\n" } },
    ]);
    service = new ScenarioService(tmp.dir);
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("ends a step calling a file that exists nowhere with error naming it", async () => {
    const { base, head } = await service.pin("HEAD~1", "HEAD");
    const r = await service.simulateDifferential(scenario("ghost", "src/nope.ts#ghost", ["result === 1"]), base, head);
    expect(r.verdict.verdict).toBe("error");
    expect(r.verdict.reason).toContain("src/nope.ts is not a file of the repo at this revision");
  });

  it("judges code that exists only on head on head alone", async () => {
    const { base, head } = await service.pin("HEAD~1", "HEAD");
    const good = await service.simulateDifferential(scenario("fresh-good", "src/fresh.ts#double", ["result === 4"]), base, head);
    expect(good.verdict).toMatchObject({ verdict: "pass", reason: expect.stringContaining("src/fresh.ts exists only on head") });
    const bad = await service.simulateDifferential(scenario("fresh-bad", "src/fresh.ts#double", ["result === 5"]), base, head);
    expect(bad.verdict).toMatchObject({ verdict: "fail", reason: expect.stringContaining("result === 5: fail") });
  });
});
