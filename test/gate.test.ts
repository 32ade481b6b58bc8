import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report, ScenarioVerdict } from "../core/verdict.js";
import { gate } from "../agent/run.js";
import { runCli } from "./helpers/cli-run.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * `worldline check` counts hostile errors: head's code can turn its own `fail` into `error` (a busy loop into
 * the CPU limit, a reach for the host), and the gate does not let that through. An error that is not head's
 * doing (the scenario's, or one on base as well) blocks only with `--fail-on error`.
 */
const scenario = (id: string, call: string, args: string, expect: string) =>
  ["---", `id: ${id}`, `title: ${id}`, "simulate:", "  steps:", `    - call: ${call}`, `      args: ${args}`, "      expect:", `        - ${expect}`, "---", `${id}.`].join("\n");

const HOST = "(process as unknown as { binding(m: string): unknown }).binding";

describe("the gate counts hostile errors", () => {
  const tmp = tempDir();

  beforeAll(() => {
    makeRepo(tmp.dir, [
      {
        message: "base: every scenario but broken-probe passes",
        files: {
          "src/spin.ts": "export function total(n: number): number {\n  const doubled = n * 2;\n  return doubled;\n}\n",
          "src/reach.ts": "export function label(name: string): string {\n  const text = `item ${name}`;\n  return text;\n}\n",
          "src/broken.ts": `export function probe(): number {\n  const fs = ${HOST}("fs");\n  return fs ? 1 : 0;\n}\n`,
          "scenarios/spin-total.md": scenario("spin-total", "src/spin.ts#total", "[2]", "result === 4"),
          "scenarios/reach-label.md": scenario("reach-label", "src/reach.ts#label", "[a]", "result === 'item a'"),
          "scenarios/broken-probe.md": scenario("broken-probe", "src/broken.ts#probe", "[]", "result === 1"),
        },
      },
      {
        message: "head: a busy loop, a reach for the host, and a change to code that already errs",
        files: {
          "src/spin.ts": "export function total(n: number): number {\n  let doubled = n * 2;\n  while (doubled > 0) doubled = doubled + 1;\n  return doubled;\n}\n",
          "src/reach.ts": `export function label(name: string): string {\n  const host = ${HOST}("fs");\n  const text = \`item \${name}\`;\n  return host ? text : text;\n}\n`,
          "src/broken.ts": `export function probe(): number {\n  const fs = ${HOST}("fs");\n  return fs ? 2 : 0;\n}\n`,
        },
      },
    ]);
  });
  afterAll(() => tmp.cleanup());

  it("exits 1 when head's own code makes a passing scenario end error, naming each and why", async () => {
    const r = await runCli(["check", "--repo", tmp.dir, "--base", "HEAD~1", "--head", "HEAD", "--format", "json", "--quiet"]);
    const report = JSON.parse(r.out) as Report;
    expect(report.verdicts.map((v) => `${v.scenario} ${v.verdict}`).sort()).toEqual(["broken-probe error", "reach-label error", "spin-total error"]);
    expect(r.code, r.err).toBe(1);
    const line = r.err.split("\n").find((l) => l.startsWith("worldline check:")) ?? "";
    expect(line).toMatch(/^worldline check: 2 scenario\(s\) block this change: /);
    expect(line).toContain("reach-label (error on head: the simulated code reached for the host: process.binding at src/reach.ts:2)");
    expect(line).toMatch(/spin-total \(error on head: CPU time limit of \d+ ms reached .* at src\/spin\.ts:3\)/);
    // It erred on base already: not this change's doing.
    expect(line).not.toContain("broken-probe");
  });

  it("a scenario erring on base and head blocks only with --fail-on error", async () => {
    const only = ["check", "--repo", tmp.dir, "--base", "HEAD~1", "--head", "HEAD", "--scenario", "broken-probe", "--quiet"];
    const quiet = await runCli(only);
    expect(quiet.out).toContain("could not run on base");
    expect(quiet.code, quiet.err).toBe(0);
    const wide = await runCli([...only, "--fail-on", "error"]);
    expect(wide.code).toBe(1);
    expect(wide.err).toContain("worldline check: 1 scenario(s) block this change: broken-probe (error on base: the simulated code reached for the host: process.binding at src/broken.ts:2)");
  });

  it("tells head's own errors from Worldline's and the scenario's", () => {
    const onHead = (why: string, extra: Partial<ScenarioVerdict> = {}): ScenarioVerdict => ({ scenario: why, verdict: "error", depth: "differential", reason: `the simulation could not run on head: ${why}`, ...extra });
    const cases: Array<[ScenarioVerdict, boolean]> = [
      [onHead("CPU time limit of 2000 ms reached (an endless loop, or work too large to simulate) at src/a.ts:3"), true],
      [onHead("memory limit of 128 MiB reached"), true],
      [onHead("the simulation process died (signal SIGABRT) after running out of memory: the code may allocate without bound"), true],
      [onHead("recursion without end: the call stack was exhausted at src/a.ts:9"), true],
      [onHead("the simulated code reached for the host: process.binding at src/a.ts:2"), true],
      [onHead("src/a.ts:2: ')' expected."), true],
      // Base already failed its expectation: head's error is not a new failure.
      [onHead("CPU time limit of 2000 ms reached at src/a.ts:3", { expectations: [{ step: 1, expect: "result === 4", base: "fail", head: "not-run" }] }), false],
      [onHead("CPU time limit of 2000 ms reached at src/a.ts:3", { expectations: [{ step: 1, expect: "result === 4", base: "pass", head: "not-run" }] }), true],
      // Code that exists only on head: base never ran, so nothing passed there.
      [onHead("CPU time limit of 2000 ms reached at src/a.ts:3", { expectations: [{ step: 1, expect: "result === 4", base: "not-run", head: "not-run" }] }), false],
      // Worldline's own trouble, or a limit of what it simulates.
      [onHead("the simulation pool is closed"), false],
      [onHead("the simulation pool closed during the run"), false],
      [onHead("the isolate ended without a report"), false],
      [onHead("node_modules/pkg/index.js:3: top-level await cannot be simulated (modules are loaded as CommonJS)"), false],
      // The scenario's: a step naming what head does not export.
      [onHead("src/a.ts exports no total"), false],
      [onHead("args_js of step 1 must evaluate to an array of arguments"), false],
      // Not run on head at all: base erred.
      [{ scenario: "base", verdict: "error", depth: "differential", reason: "the simulation could not run on base: CPU time limit of 2000 ms reached" }, false],
    ];
    const report = (v: ScenarioVerdict): Report => ({ base: "b", head: "h", selected: [], verdicts: [v], summary: "" });
    const wrong = cases.filter(([v, blocks]) => (gate(report(v), []).failed.length > 0) !== blocks).map(([v, blocks]) => `${blocks ? "should block" : "should not block"}: ${v.reason} ${JSON.stringify(v.expectations ?? [])}`);
    expect(wrong).toEqual([]);
    // --fail-on error widens to every error.
    expect(cases.filter(([v]) => gate(report(v), ["error"]).failed.length === 0)).toEqual([]);
  });
});
