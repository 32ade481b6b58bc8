import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareRuns } from "../servers/scenarios/compare.js";
import { differentialVerdict, errorVerdict, jobFor } from "../servers/scenarios/differential.js";
import { parseScenario, type Scenario } from "../servers/scenarios/format.js";
import { boundaries } from "../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type RunResult, type SimulationJob } from "../servers/scenarios/sandbox/protocol.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * Issue 18 item 5: every sandbox error is located where its cause is written. An error in the scenario's own
 * code (an expectation, args_js, a call that names nothing) is at the scenario file's line; an error in repo
 * code is at the original TypeScript line; never at the last repo statement that ran before (the module's
 * last top-level statement, here TAIL). Each test runs a scenario read from a file through the real pool.
 */
const SOURCE = [
  "// Types TypeScript erases: the instrumented code's lines are not the source's.",
  "export interface Options {",
  "  scale: number;",
  "  label?: string;",
  "}",
  "type Pair = [number, number];",
  "export const RATE: number = 2;",
  "export function add(a: number, b: number): number {",
  "  const pair: Pair = [a, b];",
  "  return (pair[0] + pair[1]) * RATE;",
  "}",
  "export function helper(o?: Options): number {",
  "  const h = o?.scale ?? 1;",
  "  return h;",
  "}",
  "export function reach(): unknown {",
  '  const note = "about to reach";',
  '  return (globalThis as unknown as { require(m: string): unknown }).require(note); // @REACH',
  "}",
  "export function binding(): unknown {",
  '  return (process as unknown as { binding(m: string): unknown }).binding("fs"); // @BINDING',
  "}",
  "export function spin(): number {",
  "  let n = 0;",
  "  while (n >= 0) n = (n + 1) % 1000; // @SPIN",
  "  return n;",
  "}",
  "export function throwsText(): number {",
  "  const t = helper();",
  '  if (t > 0) throw "not a number"; // @THROW_TEXT',
  "  return t;",
  "}",
  "export async function rejectsText(): Promise<number> {",
  "  await Promise.resolve();",
  '  throw "later"; // @REJECT_TEXT',
  "}",
  "export function schedules(): string {",
  "  setTimeout(() => {",
  "    const x = helper();",
  '    throw new Error(`from a timer ${x}`); // @TIMER',
  "  }, 10);",
  '  return "scheduled";',
  "}",
  "export const TAIL = { last: true }; // @TAIL",
  "",
].join("\n");

const TEST_FILE = ['import { describe, it, expect } from "vitest";', 'import { add } from "../src/mod";', 'describe("mod", () => {', '  it("adds", () => { expect(add(1, 2)).toBe(6); });', "});", ""].join("\n");

/** The 1-based line of the one line of `text` that contains `needle`. */
function lineOf(text: string, needle: string): number {
  const hits = text.split("\n").flatMap((l, i) => (l.includes(needle) ? [i + 1] : []));
  if (hits.length !== 1) throw new Error(`expected one line with ${JSON.stringify(needle)}, found ${hits.length}`);
  return hits[0] as number;
}
const src = (marker: string) => `src/mod.ts:${lineOf(SOURCE, `@${marker}`)}`;
const TAIL = src("TAIL");

const FILE = "scenarios/locations.md";

/** A scenario file with these step lines (already indented under `steps:`), and where each needle is in it. */
function scenario(stepLines: string[]): { s: Scenario; at: (needle: string) => string } {
  const text = ["---", "id: locations", "title: Where errors are", "simulate:", "  steps:", ...stepLines, "---", "Errors say where they come from.", ""].join("\n");
  return { s: parseScenario(FILE, text), at: (needle) => `${FILE}:${lineOf(text, needle)}` };
}

describe("sandbox errors are located where their cause is written", () => {
  const tmp = tempDir();
  let pool: SandboxPool;
  beforeAll(() => {
    makeRepo(tmp.dir, [{ message: "a module, a test and nothing else", files: { "src/mod.ts": SOURCE, "test/mod.test.ts": TEST_FILE } }]);
    pool = new SandboxPool(2);
  });
  afterAll(() => {
    pool.close();
    tmp.cleanup();
  });
  const run = (s: Scenario, cpuMs = DEFAULT_LIMITS.cpuMs): Promise<RunResult> => pool.run(jobFor(s, tmp.dir, "HEAD", boundaries([]), undefined, { ...DEFAULT_LIMITS, cpuMs }));
  /** A location in the repo's code (what no scenario-side error may be put on). */
  const REPO_LINE = /^src\//;

  describe("an expectation", () => {
    it("that reaches for a global require threw at its own line, and the verdict says so", async () => {
      const { s, at } = scenario(["    - call: src/mod.ts#add", "      args: [1, 2]", "      expect:", "        - result === 6", '        - globalThis.require("fs")']);
      const r = await run(s);
      expect(r.status).toBe("ok");
      const [first, second] = r.steps[0]?.expectations ?? [];
      expect(first).toEqual({ expect: "result === 6", status: "pass" });
      expect(second).toMatchObject({ status: "threw", detail: `${at("globalThis.require")}: globalThis.require is not a function` });
      expect(second?.detail).not.toMatch(/src\//);
      const verdict = differentialVerdict(s, r, r, await compareRuns(r, r, []));
      expect(verdict.reason).toContain(`threw (${at("globalThis.require")}: globalThis.require is not a function) on head`);
    });

    it("that reaches for process.binding or evaluates a require threw at its own line", async () => {
      const { s, at } = scenario(["    - call: src/mod.ts#add", "      args: [1, 2]", "      expect:", '        - process.binding("fs")', "        - eval(\"require('fs')\")"]);
      const r = await run(s);
      const [binding, evaluated] = r.steps[0]?.expectations ?? [];
      expect(binding).toMatchObject({ status: "threw", detail: `${at("process.binding")}: process is not defined` });
      expect(evaluated).toMatchObject({ status: "threw", detail: `${at("eval(")}: require is not defined` });
    });

    it("that throws an error of its own threw at its own line", async () => {
      const { s, at } = scenario(["    - call: src/mod.ts#add", "      args: [1, 2]", "      expect:", '        - (() => { throw new RangeError("too far") })()']);
      const r = await run(s);
      expect(r.steps[0]?.expectations[0]).toMatchObject({ status: "threw", detail: `${at("too far")}: too far` });
    });

    it("with a syntax error is unchecked prose at its own line", async () => {
      const { s, at } = scenario(["    - call: src/mod.ts#add", "      args: [1, 2]", "      expect:", "        - result === 6", "        - result ===== 6"]);
      const r = await run(s);
      expect(r.steps[0]?.expectations[1]).toEqual({ expect: "result ===== 6", status: "unchecked", detail: `${at("=====")}: prose: not a JavaScript expression` });
    });

    it("that loops for ever ends the run at that expectation's line, not at the repo's last statement", async () => {
      const { s, at } = scenario(["    - call: src/mod.ts#add", "      args: [1, 2]", "      expect:", "        - result === 6", "        - (() => { for (;;) {} })()"]);
      const r = await run(s, 500);
      expect(r.status).toBe("error");
      expect(r.error?.reason).toContain("CPU time limit of 500 ms");
      expect(r.error?.at).toBe(at("for (;;)"));
      expect(errorVerdict(s, "head", r).reason).toMatch(new RegExp(`at ${at("for (;;)")}$`));
    });

    it("of a scenario not read from a file is located by step and number", async () => {
      const job: SimulationJob = {
        repo: tmp.dir,
        rev: "HEAD",
        env: {},
        stubs: {},
        steps: [{ call: "src/mod.ts#add", args: [1, 2], expect: ["result === 6", "globalThis.require('fs')"] }],
        boundaryPackages: boundaries([]),
        limits: DEFAULT_LIMITS,
      };
      const r = await pool.run(job);
      expect(r.steps[0]?.expectations[1]).toMatchObject({ status: "threw", detail: "step 1 expectation 2: globalThis.require is not a function" });
    });
  });

  describe("args_js", () => {
    it("that reaches for a global require ends the run at the args_js line, in the result and the verdict", async () => {
      const { s, at } = scenario(["    - call: src/mod.ts#add", "      args_js: '[globalThis.require(\"fs\"), 1]'", "      expect:", "        - result === 6"]);
      const r = await run(s);
      expect(r.error).toEqual({ reason: "the simulated code reached for the host: a global require", at: at("args_js") });
      expect(r.steps[0]?.error).toEqual({ name: "Error", message: "a global require is not available in a simulation", at: at("args_js") });
      expect(r.error?.at).not.toBe(TAIL);
      expect(errorVerdict(s, "head", r).reason).toBe(`the simulation could not run on head: the simulated code reached for the host: a global require at ${at("args_js")}`);
    });

    it("that reaches for process.binding or evaluates a require ends the run at the args_js line", async () => {
      const binding = scenario(["    - call: src/mod.ts#add", "      args_js: '[process.binding(\"fs\")]'"]);
      const evaluated = scenario(["    - call: src/mod.ts#add", "      args_js: '[(0, eval)(\"require\")]'"]);
      const [b, e] = await Promise.all([run(binding.s), run(evaluated.s)]);
      expect(b.error).toEqual({ reason: "the simulated code reached for the host: process.binding", at: binding.at("args_js") });
      expect(e.error).toEqual({ reason: "the simulated code reached for the host: a global require", at: evaluated.at("args_js") });
    });

    it("that throws, after calling repo code that returned, throws at the args_js line, and the verdict says so", async () => {
      const head = scenario(["    - call: src/mod.ts#add", "      args_js: '[helper(), (() => { throw new Error(\"bad argument\") })()]'", "      expect: []"]);
      const base = scenario(["    - call: src/mod.ts#add", "      args_js: '[helper(), 2]'", "      expect: []"]);
      const [b, h] = await Promise.all([run(base.s), run(head.s)]);
      expect(h.status).toBe("ok");
      expect(h.steps[0]?.error).toEqual({ name: "Error", message: "bad argument", at: head.at("args_js") });
      expect(h.steps[0]?.error?.at).not.toMatch(REPO_LINE);
      expect(differentialVerdict(head.s, b, h, await compareRuns(b, h, [])).reason).toContain(`step 1 throws on head (Error: bad argument at ${head.at("args_js")}) and not on base`);
    });

    it("with a syntax error throws at the args_js line", async () => {
      const { s, at } = scenario(["    - call: src/mod.ts#add", "      args_js: '[1,,=]'"]);
      const r = await run(s);
      expect(r.steps[0]?.error).toMatchObject({ name: "SyntaxError", at: at("args_js") });
    });

    it("that does not give an array ends the run at the args_js line", async () => {
      const { s, at } = scenario(["    - call: src/mod.ts#add", "      args_js: 'helper()'"]);
      const r = await run(s);
      expect(r.error).toEqual({ reason: "args_js of step 1 must evaluate to an array of arguments", at: at("args_js") });
    });

    it("that loops for ever ends the run at the args_js line", async () => {
      const { s, at } = scenario(["    - call: src/mod.ts#add", "      args_js: '[(() => { for (;;) {} })()]'"]);
      const r = await run(s, 500);
      expect(r.error?.reason).toContain("CPU time limit of 500 ms");
      expect(r.error?.at).toBe(at("args_js"));
    });

    it("that calls repo code which reaches for the host is at the repo's line, not the args_js line", async () => {
      const { s } = scenario(["    - call: src/mod.ts#add", "      args_js: '[reach()]'"]);
      const r = await run(s);
      expect(r.error).toEqual({ reason: "the simulated code reached for the host: a global require", at: src("REACH") });
    });
  });

  describe("a step's call", () => {
    it("into repo code that reaches for a global require is at that repo line", async () => {
      const { s } = scenario(["    - call: src/mod.ts#reach"]);
      const r = await run(s);
      expect(r.error).toEqual({ reason: "the simulated code reached for the host: a global require", at: src("REACH") });
      expect(r.steps[0]?.error?.at).toBe(src("REACH"));
    });

    it("into repo code that reaches for process.binding is at that repo line", async () => {
      const { s } = scenario(["    - call: src/mod.ts#binding"]);
      const r = await run(s);
      expect(r.error).toEqual({ reason: "the simulated code reached for the host: process.binding", at: src("BINDING") });
    });

    it("into repo code that loops for ever ends the run at the loop's source line", async () => {
      const { s } = scenario(["    - call: src/mod.ts#spin"]);
      const r = await run(s, 500);
      expect(r.error?.reason).toContain("CPU time limit of 500 ms");
      expect(r.error?.at).toBe(src("SPIN"));
    });

    it("into repo code that throws a string is at the throw's line, not the caller's", async () => {
      const { s } = scenario(["    - call: src/mod.ts#throwsText"]);
      const r = await run(s);
      expect(r.steps[0]?.error).toEqual({ name: "Error", message: "not a number", at: src("THROW_TEXT") });
    });

    it("into async repo code that rejects with a string is at the throw's line", async () => {
      const { s } = scenario(["    - call: src/mod.ts#rejectsText"]);
      const r = await run(s);
      expect(r.steps[0]?.error).toEqual({ name: "Error", message: "later", at: src("REJECT_TEXT") });
    });

    it("whose timer throws later ends the run at the timer's throw, not where the step was", async () => {
      const { s } = scenario(["    - call: src/mod.ts#schedules"]);
      const r = await run(s);
      expect(r.error).toEqual({ reason: "the simulated code threw outside its steps (an uncaught exception in a timer: Error: from a timer 1)", at: src("TIMER") });
    });

    it("naming an export the module lacks ends the run at the call line, also after an earlier step ran repo code", async () => {
      const { s, at } = scenario(["    - call: src/mod.ts#add", "      args: [1, 2]", "    - call: src/mod.ts#nothing"]);
      const r = await run(s);
      expect(r.steps[0]?.result).toBe(6);
      expect(r.error).toEqual({ reason: "src/mod.ts exports no nothing", at: at("#nothing") });
      expect(r.steps[1]?.error).toEqual({ name: "Error", message: "src/mod.ts exports no nothing", at: at("#nothing") });
    });

    it("naming what is not a function ends the run at the call line", async () => {
      const { s, at } = scenario(["    - call: src/mod.ts#TAIL"]);
      const r = await run(s);
      expect(r.error).toEqual({ reason: "src/mod.ts#TAIL is not a function", at: at("#TAIL") });
    });

    it("naming a file the revision lacks ends the run at the call line", async () => {
      const { s, at } = scenario(["    - call: src/gone.ts#add"]);
      const r = await run(s);
      expect(r.error).toEqual({ reason: "src/gone.ts is not a file of the repo at this revision", at: at("gone.ts"), missingModule: "src/gone.ts" });
    });

    it("running a test case the file lacks throws at the run line, and its implicit expectation is there too", async () => {
      const { s, at } = scenario(['    - run: "test:test/mod.test.ts#mod > subtracts"']);
      const r = await run(s);
      expect(r.steps[0]?.error).toEqual({ name: "Error", message: 'no test case "mod > subtracts" in test/mod.test.ts', at: at("run:") });
      expect(r.steps[0]?.expectations[0]).toMatchObject({ expect: 'result.status === "pass"', status: "threw", detail: expect.stringMatching(new RegExp(`^${at("run:")}: `)) });
    });
  });
});
