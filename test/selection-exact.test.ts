import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Scenario } from "../servers/scenarios/format.js";
import { ScenarioService } from "../servers/scenarios/service.js";
import { commitFiles, gitIn, makeRepo, tempDir } from "./helpers/git-fixture.js";
import { stepScenario } from "./helpers/scenario-fixture.js";

/**
 * Coverage-exact selection (issue 16): an executable scenario is selected for B→H exactly when the change meets
 * what its run on B executed or loaded: a statement it ran, module-level code of a module it loaded, a module it
 * asked for and did not find, or the files resolution reads. No earlier simulation is needed (it runs on B
 * first, and the record is reused while its files are unchanged). Runs are deterministic, so a scenario left
 * out cannot behave differently on head: the last test checks that for every change here.
 */
const BASE = {
  "package.json": JSON.stringify({ name: "exact", version: "1.0.0" }),
  "src/rates.ts": "export const RATES = { eu: 0.2, us: 0.07 };\nexport const unusedTable = { x: 1 };\n",
  "src/price.ts": [
    'import { RATES } from "./rates";',
    "export function price(net: number, region: string): number {",
    "  if (net > 0) {",
    "    return gross(net, region);",
    "  }",
    "  return refund(net);",
    "}",
    "function gross(net: number, region: string): number {",
    '  const rate = region === "eu" ? RATES.eu : RATES.us;',
    "  return Math.round(net * (1 + rate) * 100) / 100;",
    "}",
    "function refund(net: number): number {",
    "  return -net;",
    "}",
    "const cents = (n: number): string => n.toFixed(2);",
    "",
  ].join("\n"),
  "src/other.ts": "export function other(): number {\n  return 1;\n}\n",
  "src/optional.ts": [
    "declare const require: (s: string) => unknown;",
    "export function plugin(): string {",
    '  const p = require("./plugins/extra") as { name?: string };',
    '  return typeof p.name === "string" ? p.name : "none";',
    "}",
  ].join("\n"),
};

/** Each change, from base, and which scenarios it must select. */
const CHANGES: Array<{ name: string; files: Record<string, string | null>; selects: string[] }> = [
  { name: "ran-statement", files: { "src/price.ts": BASE["src/price.ts"].replace("* 100) / 100", "* 100) / 100 + 0.01") }, selects: ["eu-price"] },
  { name: "unrun-branch", files: { "src/price.ts": BASE["src/price.ts"].replace("return -net;", "return -net * 2;") }, selects: [] },
  { name: "module-table", files: { "src/rates.ts": BASE["src/rates.ts"].replace("eu: 0.2", "eu: 0.21") }, selects: ["eu-price"] },
  { name: "unloaded-file", files: { "src/other.ts": "export function other(): number {\n  return 2;\n}\n" }, selects: ["other-one"] },
  { name: "comment-only", files: { "src/price.ts": BASE["src/price.ts"].replace("function refund", "// refunds are negative\nfunction refund") }, selects: [] },
  { name: "new-module-asked-for", files: { "src/plugins/extra.ts": 'export const name = "extra";\n' }, selects: ["plugin-name"] },
  // Types are erased, so a change to them changes no run.
  { name: "type-alias", files: { "src/price.ts": BASE["src/price.ts"].replace("\nexport function price", '\nexport type Region = "eu" | "us";\nexport function price') }, selects: [] },
  // A function that never ran, rewritten with its name, kind and modifiers kept: nothing the run saw changed.
  { name: "unrun-signature", files: { "src/price.ts": BASE["src/price.ts"].replace("function refund(net: number): number {", 'function refund(net: number, why = "refund"): number | string {') }, selects: [] },
  // Renamed, it changes what a name means in the module (conservatively selected).
  { name: "unrun-renamed", files: { "src/price.ts": BASE["src/price.ts"].replace("function refund(net: number)", "function refundOf(net: number)") }, selects: ["eu-price"] },
  // A new module-level helper nothing else names does nothing when the module loads (a generic arrow: .ts is not JSX).
  { name: "inert-helper", files: { "src/price.ts": BASE["src/price.ts"].replace("}\nfunction gross", "}\nconst same = <T>(x: T): T => x;\nfunction gross") }, selects: [] },
  // A new helper named only by changed code that never ran: neither can change the run.
  { name: "helper-for-unrun-code", files: { "src/price.ts": BASE["src/price.ts"].replace("}\nfunction gross", "}\nconst negate = (n: number) => -n;\nfunction gross").replace("return -net;", "return negate(net);") }, selects: [] },
  // Removed, an unused module-level helper changes nothing, although its declaration ran when the module loaded.
  { name: "inert-helper-removed", files: { "src/price.ts": BASE["src/price.ts"].replace("\nconst cents = (n: number): string => n.toFixed(2);", "") }, selects: [] },
  // A new export is seen by whoever lists the module's exports; a new binding that shadows a name the run uses changes it.
  { name: "new-export", files: { "src/price.ts": BASE["src/price.ts"].replace("}\nfunction gross", "}\nexport function half(n: number): number {\n  return n / 2;\n}\nfunction gross") }, selects: ["eu-price"] },
  { name: "shadowing-const", files: { "src/price.ts": BASE["src/price.ts"].replace("}\nfunction gross", "}\nconst Math = { round: (x: number) => x };\nfunction gross") }, selects: ["eu-price"] },
  { name: "resolution", files: { "package.json": JSON.stringify({ name: "exact", version: "1.0.1" }) }, selects: ["eu-price", "other-one", "plugin-name"] },
];

const scenario = stepScenario;

describe("coverage-exact selection", () => {
  const tmp = tempDir();
  let service: ScenarioService;
  const scenarios = [
    scenario("eu-price", "src/price.ts#price", [100, "eu"], ["result === 120"]),
    scenario("other-one", "src/other.ts#other", [], ["result === 1"]),
    scenario("plugin-name", "src/optional.ts#plugin", [], ["typeof result === 'string'"]),
  ];
  const files = (s: Scenario) => `---\nid: ${s.id}\ntitle: ${s.title}\nsimulate:\n  steps:\n    - call: ${s.simulate?.steps[0]?.call}\n      args: ${JSON.stringify(s.simulate?.steps[0]?.args)}\n      expect:\n        - ${JSON.stringify(s.simulate?.steps[0]?.expect[0])}\n---\n${s.title}\n`;

  beforeAll(() => {
    makeRepo(tmp.dir, [{ message: "base", files: { ...BASE, ...Object.fromEntries(scenarios.map((s) => [s.path, files(s)])) } }]);
    CHANGES.forEach((c, i) => {
      gitIn(tmp.dir, ["checkout", "-q", "-b", c.name, "main"]);
      commitFiles(tmp.dir, { message: c.name, files: c.files }, i + 1);
    });
    gitIn(tmp.dir, ["checkout", "-q", "main"]);
    service = new ScenarioService(tmp.dir);
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("selects exactly the scenarios whose run on base the change meets, with no simulation before", async () => {
    const wrong: string[] = [];
    for (const c of CHANGES) {
      const { selected } = await service.select("main", c.name);
      const got = selected.map((x) => x.scenario).sort();
      if (JSON.stringify(got) !== JSON.stringify([...c.selects].sort())) wrong.push(`${c.name}: selected ${got.join(", ") || "nothing"}, expected ${c.selects.join(", ") || "nothing"}`);
      for (const x of selected) if (!x.reasons.some((r) => r.startsWith("its run on base covers"))) wrong.push(`${c.name}: ${x.scenario} without a coverage reason: ${x.reasons.join("; ")}`);
    }
    expect(wrong).toEqual([]);
    const first = await service.select("main", "module-table");
    expect(first.selected[0]?.reasons[0]).toMatch(/^its run on base covers src\/rates\.ts:1 \(a statement it ran \(line 1\)\)$/);
  });

  it("reuses a base run's coverage until a file it loaded changes", async () => {
    const s = scenarios[0] as Scenario;
    const once = await service.coverageAt(s, "main");
    expect(once.cached).toBe(true);
    expect(Object.keys(once.coverage.files).sort()).toEqual(["src/price.ts", "src/rates.ts"]);
    // At a revision where a loaded file differs, the record does not hold: it runs again there.
    const there = await service.coverageAt(s, "module-table");
    expect(there.cached).toBe(false);
    expect((await service.coverageAt(s, "module-table")).cached).toBe(true);
    // A file it did not load changed: the base record still holds.
    expect((await service.coverageAt(s, "unloaded-file")).cached).toBe(true);
  });

  it("misses nothing: every scenario left out behaves the same on head", async () => {
    const misses: string[] = [];
    for (const c of CHANGES) {
      const { base, head } = await service.pin("main", c.name);
      const selected = new Set((await service.select("main", c.name)).selected.map((x) => x.scenario));
      for (const s of scenarios) {
        if (selected.has(s.id)) continue;
        // Run both sides regardless (an empty overlay forces head): their steps must agree exactly.
        const pool = service.sandbox();
        const { jobFor } = await import("../servers/scenarios/differential.js");
        const [b, h] = await Promise.all([pool.run(jobFor(s, tmp.dir, base, ["fs"])), pool.run(jobFor(s, tmp.dir, head, ["fs"]))]);
        const view = (r: typeof b) => JSON.stringify({ status: r.status, steps: r.steps, effects: r.effects });
        if (view(b) !== view(h)) misses.push(`${c.name}: ${s.id} was left out but its run differs on head`);
      }
    }
    expect(misses).toEqual([]);
  });
});
