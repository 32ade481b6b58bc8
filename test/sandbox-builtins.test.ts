import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boundaries } from "../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type RunResult, type SimulationJob } from "../servers/scenarios/sandbox/protocol.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * Node built-ins the sandbox answers itself so that real packages run (express's dependencies use each):
 * async_hooks, diagnostics_channel, tty, and the one process binding that hands out only two constants.
 */
const FILES = {
  "src/builtins.ts": [
    'import { AsyncResource, AsyncLocalStorage } from "node:async_hooks";',
    'import { tracingChannel, channel } from "node:diagnostics_channel";',
    'import { isatty } from "node:tty";',
    "export function hooks() {",
    '  const bound = AsyncResource.bind((a: number, b: number) => a + b);',
    '  const inScope = new AsyncResource("x").runInAsyncScope((n: number) => n * 2, null, 21);',
    "  const als = new AsyncLocalStorage<string>();",
    '  const seen = als.run("req-1", () => als.getStore());',
    "  return [bound(1, 2), inScope, seen];",
    "}",
    "export function channels() {",
    '  const t = tracingChannel("router:handle");',
    '  const c = channel("x");',
    "  c.publish({ a: 1 });",
    '  return [t.traceSync((n: number) => n + 1, {}, undefined, 41), t.hasSubscribers, c.hasSubscribers, isatty(2)];',
    "}",
    "export function urls() {",
    '  const u = new URL("/a/../b?x=1&y=%20z#h", "HTTP://Example.COM:080/base/");',
    '  u.searchParams.append("q", "a b");',
    '  const legacy = require("url") as { URL: typeof URL; parse(s: string): { hostname: string } };',
    '  return [u.href, u.origin, u.searchParams.get("y"), new URLSearchParams("a=1&a=2").getAll("a"), legacy.parse("http://h.test/x").hostname, new legacy.URL("http://h.test/p").pathname, typeof URL];',
    "}",
    "export function bufferBinding() {",
    '  return (process as unknown as { binding(m: string): { kStringMaxLength: number } }).binding("buffer").kStringMaxLength;',
    "}",
    "export function utilBinding() {",
    "  try {",
    '    return (process as unknown as { binding(m: string): unknown }).binding("util");',
    "  } catch (e) {",
    "    return (e as Error).message;",
    "  }",
    "}",
    "export function fsBinding() {",
    "  try {",
    '    return (process as unknown as { binding(m: string): unknown }).binding("fs");',
    "  } catch {",
    '    return "caught";',
    "  }",
    "}",
    "",
  ].join("\n"),
};

describe("built-ins the sandbox answers itself", () => {
  const tmp = tempDir();
  let pool: SandboxPool;
  beforeAll(() => {
    makeRepo(tmp.dir, [{ message: "builtins", files: FILES }]);
    pool = new SandboxPool(1);
  });
  afterAll(() => {
    pool.close();
    tmp.cleanup();
  });
  const run = (fn: string): Promise<RunResult> => {
    const job: SimulationJob = { repo: tmp.dir, rev: "HEAD", env: {}, stubs: {}, steps: [{ call: `src/builtins.ts#${fn}`, expect: [] }], boundaryPackages: boundaries([]), limits: DEFAULT_LIMITS };
    return pool.run(job);
  };

  it("async_hooks: a resource runs its function at once, a local storage keeps the store of its run", async () => {
    const r = await run("hooks");
    expect(r.steps[0]?.result).toEqual([3, 42, "req-1"]);
    expect(r.effects).toEqual([]);
  });

  it("diagnostics_channel has no subscribers and a traced function just runs; nothing is a TTY", async () => {
    const r = await run("channels");
    expect(r.steps[0]?.result).toEqual([42, false, false, false]);
    expect(r.effects).toEqual([]);
  });

  it("URL and URLSearchParams are the WHATWG standard's, globally and in node's url module", async () => {
    const r = await run("urls");
    expect(r.error, JSON.stringify(r.error)).toBeUndefined();
    expect(r.steps[0]?.result).toEqual(["http://example.com/b?x=1&y=+z&q=a+b#h", "http://example.com", " z", ["1", "2"], "h.test", "/p", "function"]);
  });

  it("process.binding('buffer') answers Node's size constant", async () => {
    expect((await run("bufferBinding")).steps[0]?.result).toBe(536870888);
  });

  it("process.binding('util') throws an error the code can catch (lodash's legacy probe, whose fallback is exact)", async () => {
    const r = await run("utilBinding");
    expect(r.status).not.toBe("error");
    expect(r.steps[0]?.result).toBe('process.binding("util") is not modelled in a simulation: use require("util").types');
  });

  it("any other binding still reaches for the host: the run ends error even when the code catches it", async () => {
    const r = await run("fsBinding");
    expect(r.status).toBe("error");
    expect(r.error?.reason).toBe("the simulated code reached for the host: process.binding");
  });
});
