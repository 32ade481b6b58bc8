import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScenarioService } from "../servers/scenarios/service.js";
import { CASES, changedLine, PACKAGES, scenarioOf } from "./helpers/differential-fixture.js";
import { makeRepo, tempDir, writeFiles } from "./helpers/git-fixture.js";

/**
 * The differential depth on small cases: each module at base and at head in one real repo, its scenario run
 * on both revisions in the sandbox (isolates in the pool's child processes), and the verdict and root-cause
 * line each case must give.
 */
describe("differential simulation", () => {
  const tmp = tempDir();
  let service: ScenarioService;
  const baseFiles: Record<string, string> = { "package.json": JSON.stringify({ name: "cases", dependencies: { "pad-lite": "1.0.0", "esm-shout": "1.0.0" } }), ".gitignore": "node_modules\n" };
  const headFiles: Record<string, string> = {};
  for (const c of CASES) {
    baseFiles[`src/cases/${c.name}.ts`] = c.base;
    headFiles[`src/cases/${c.name}.ts`] = c.head;
    Object.assign(baseFiles, c.extra ?? {});
  }

  beforeAll(() => {
    makeRepo(tmp.dir, [
      { message: "cases at base", files: baseFiles },
      { message: "cases at head", files: headFiles },
    ]);
    writeFiles(tmp.dir, PACKAGES);
    service = new ScenarioService(tmp.dir);
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it(`gives each of the ${CASES.length} cases its verdict and root-cause line`, async () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
    const { base, head } = await service.pin("HEAD~1", "HEAD");
    const results = await Promise.all(CASES.map(async (c) => ({ c, r: await service.simulateDifferential(scenarioOf(c), base, head) })));
    const wrong: string[] = [];
    for (const { c, r } of results) {
      const v = r.verdict;
      if (v.verdict !== c.verdict) wrong.push(`${c.name}: ${v.verdict} (expected ${c.verdict}): ${v.reason}`);
      const line = changedLine(c);
      if ((c.verdict === "fail" || c.verdict === "at-risk") && line && v.rootCause?.location !== `src/cases/${c.name}.ts:${line}`) {
        wrong.push(`${c.name}: root cause ${v.rootCause?.location} (expected src/cases/${c.name}.ts:${line})`);
      }
      for (const part of c.reason ?? []) if (!v.reason.includes(part)) wrong.push(`${c.name}: reason lacks "${part}": ${v.reason}`);
    }
    expect(wrong).toEqual([]);
    // 23 cases, each two sandbox runs: minutes on a loaded 2-core machine.
  }, 240_000);

  it("shows both values at the root cause and diffs the effects", async () => {
    const { base, head } = await service.pin("HEAD~1", "HEAD");
    const find = (name: string) => scenarioOf(CASES.find((c) => c.name === name) ?? (CASES[0] as never));
    const arith = await service.simulateDifferential(find("arithmetic"), base, head);
    expect(arith.verdict.rootCause).toMatchObject({ symbol: "src/cases/arithmetic.ts#vat", base: 0.19, head: 0.2 });
    expect(arith.verdict.expectations).toEqual([{ step: 1, expect: "result === 19", base: "pass", head: "fail" }]);

    const db = await service.simulateDifferential(find("db-stub"), base, head);
    expect(db.verdict.effectsDiff).toMatchObject({
      changed: [{ target: "pg#Pool.query", at: "src/cases/db-stub.ts:5", base: ["update invoices set paid = true where id = $1", ["inv_1"]], head: ["update invoices set paid = true", ["inv_1"]] }],
    });

    const fsRun = await service.simulateDifferential(find("fs-effect"), base, head);
    expect(fsRun.head?.effects.map((e) => `${e.target} ${JSON.stringify(e.args)}`)).toEqual(['fs#writeFileSync ["/tmp/worldline-sandbox-probe/head.txt","hello"]']);
    expect(existsSync("/tmp/worldline-sandbox-probe")).toBe(false);

    const unaffected = await service.simulateDifferential(find("unaffected"), base, head);
    expect(unaffected.head).toBeUndefined();
    expect(unaffected.base.executed.map((f) => f.symbol)).toEqual(["src/cases/unaffected.ts#used"]);
  });

  it("records the simulation with the symbols it covered, and a decision", async () => {
    const { base, head } = await service.pin("HEAD~1", "HEAD");
    const r = await service.simulateDifferential(scenarioOf(CASES.find((c) => c.name === "closure") as never), base, head);
    const node = await service.graph.getNode(r.simulation);
    expect(node?.props).toMatchObject({ depth: "differential", verdict: "fail", rootCause: { location: "src/cases/closure.ts:6" } });
    const covers = (await service.graph.edgesOf(r.simulation, { direction: "out", rels: ["covers"] })).map((e) => e.dst).sort();
    expect(covers).toEqual(["symbol:src/cases/closure.ts#<anonymous>", "symbol:src/cases/closure.ts#countTo", "symbol:src/cases/closure.ts#counter"]);
    const decisions = await service.graph.edgesOf(r.simulation, { direction: "in" });
    expect(decisions.length).toBeGreaterThan(0);
  });

  it("is deterministic: the same run twice gives identical traces and effects", async () => {
    const { base, head } = await service.pin("HEAD~1", "HEAD");
    const s = scenarioOf(CASES.find((c) => c.name === "seeded-random") as never);
    const a = await service.simulateDifferential(s, base, head);
    const b = await service.simulateDifferential(s, base, head);
    expect(JSON.stringify(b.head?.trace)).toBe(JSON.stringify(a.head?.trace));
    expect(a.head?.steps[0]?.result).toEqual(b.head?.steps[0]?.result);
  });
});
