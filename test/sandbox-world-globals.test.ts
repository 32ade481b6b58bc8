import { describe, expect, it } from "vitest";
import type { SimulationJob } from "../servers/scenarios/sandbox/protocol.js";
import { sandboxFixture } from "./helpers/sandbox-run.js";

/**
 * A scenario's world.globals (build-time constants such as `__DEV__`) and the `args` its expectations read,
 * attacked: a global can never replace one the sandbox has (process, Object, require, the clock), and the code
 * cannot forge a pass by what it does to the arguments it was given beyond what it could do with its result.
 */
describe("world.globals and args, attacked", () => {
  const { runJob } = sandboxFixture("code that reads build constants", {
    "package.json": JSON.stringify({ name: "consts", type: "module" }),
    "src/index.ts": [
      "// Read at load, as immer's source reads __DEV__.",
      "declare const __DEV__: boolean;",
      "const dev = __DEV__;",
      "export function kinds(): string[] {",
      "  const g = globalThis as Record<string, unknown>;",
      "  return [String(dev), typeof g.process, typeof g.Object, typeof g.Date];",
      "}",
      "export function readsRequire(): unknown {",
      "  return (globalThis as Record<string, unknown>).require;",
      "}",
      "export function keep<T>(x: T): T {",
      "  return x;",
      "}",
      "export function swap(a: { v: number }): { v: number } {",
      "  // Makes result === args[0] true after the fact: no more than returning `a` would.",
      "  const copy = { v: a.v + 1 };",
      "  (arguments as unknown as unknown[])[0] = copy;",
      "  return copy;",
      "}",
      "",
    ].join("\n"),
  });
  const job = (steps: SimulationJob["steps"], globals?: SimulationJob["globals"]): Partial<SimulationJob> => ({ steps, ...(globals ? { globals } : {}) });

  it("defines a build constant before the code loads, and never replaces process, Object, Date or require", { timeout: 60_000 }, async () => {
    const r = await runJob(job([{ call: "src/index.ts#kinds", expect: [] }], { __DEV__: true, process: "owned", Object: 1, Date: null, require: "x" }));
    expect(r.error, JSON.stringify(r.error)).toBeUndefined();
    expect(r.steps[0]?.result).toEqual(["true", "object", "function", "function"]);
    // A global `require` given by the world does not replace the sandbox's refusal.
    const req = await runJob(job([{ call: "src/index.ts#readsRequire", expect: [] }], { __DEV__: true, require: "x" }));
    expect(req.error?.reason).toMatch(/a global require/);
  });

  it("without the constant, the load fails with a ReferenceError naming it", { timeout: 60_000 }, async () => {
    const r = await runJob(job([{ call: "src/index.ts#kinds", expect: [] }]));
    expect(JSON.stringify(r.error ?? r.steps[0]?.error)).toMatch(/__DEV__ is not defined/);
  });

  it("reads args after the call, identity kept with the result; reassigning `arguments` does not touch the step's array", { timeout: 60_000 }, async () => {
    const r = await runJob(
      job(
        [
          { call: "src/index.ts#keep", args_js: "[{ v: 1 }]", expect: ["result === args[0]", "args.length === 1"] },
          { call: "src/index.ts#swap", args_js: "[{ v: 1 }]", expect: ["result === args[0]"] },
        ],
        { __DEV__: false },
      ),
    );
    expect(r.error, JSON.stringify(r.error)).toBeUndefined();
    expect(r.steps[0]?.expectations.map((e) => e.status)).toEqual(["pass", "pass"]);
    expect(r.steps[1]?.expectations.map((e) => e.status)).toEqual(["fail"]);
  });
});
