import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { boundaries } from "../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type SimulationJob, type StepSpec, type StubSpec } from "../servers/scenarios/sandbox/protocol.js";
import { makeRepo, tempDir, writeFiles } from "./helpers/git-fixture.js";

/**
 * The world a run sees: Node's pure built-ins through their ports, installed packages (and what they cannot
 * do), steps sharing one world, classes built from stand-ins, unresolvable modules, and virtual time.
 */
describe("the sandbox's world", () => {
  const tmp = tempDir();
  let pool: SandboxPool;

  beforeAll(() => {
    makeRepo(tmp.dir, [
      {
        message: "world fixtures",
        files: {
          ".gitignore": "node_modules\n",
          "tsconfig.json": JSON.stringify({ compilerOptions: { baseUrl: ".", paths: { "@lib/*": ["src/lib/*"] } } }),
          "src/ports.ts": [
            'import { parse } from "url";',
            'import { stringify } from "querystring";',
            'import { deepStrictEqual } from "assert";',
            'import { StringDecoder } from "string_decoder";',
            'import { Buffer } from "buffer";',
            'import { posix } from "path";',
            "export function useAll(): string[] {",
            '  deepStrictEqual({ a: [1] }, { a: [1] });',
            '  const decoder = new StringDecoder("utf8");',
            "  return [",
            '    parse("https://example.test:8443/a?b=1").port ?? "",',
            '    stringify({ q: "a b", n: 2 }),',
            '    decoder.write(Buffer.from([0xe2, 0x82, 0xac])),',
            '    Buffer.from("hi").toString("base64"),',
            '    posix.relative("/a/b", "/a/c/d"),',
            "  ];",
            "}",
          ].join("\n"),
          "src/tla.ts": 'import { boot } from "tla-pkg";\nexport function start(): string {\n  return boot();\n}\n',
          "src/state.ts": [
            'import { scale } from "@lib/scale";',
            "let total = 0;",
            "export function add(n: number): number {",
            "  total += scale(n);",
            "  return total;",
            "}",
          ].join("\n"),
          "src/lib/scale.ts": "export const scale = (n: number) => n * 10;\n",
          "src/service.ts": [
            "export class InvoiceService {",
            "  constructor(private readonly repo: { find(id: string): Promise<{ total: number }> }, private readonly mailer: { send(to: string): void }) {}",
            "  async remind(id: string): Promise<number> {",
            "    const invoice = await this.repo.find(id);",
            '    this.mailer.send("billing@example.test");',
            "    return invoice.total;",
            "  }",
            "}",
          ].join("\n"),
          "src/missing.ts": 'import { thing } from "./not-there";\nimport leftpad from "left-pad-never-installed";\nexport function use(): string {\n  thing(1);\n  return String(leftpad("a", 3));\n}\n',
          "src/time.ts": [
            "export async function order(): Promise<string[]> {",
            "  const seen: string[] = [];",
            "  const start = Date.now();",
            "  await new Promise<void>((done) => {",
            "    setTimeout(() => seen.push(`b@${Date.now() - start}`), 10);",
            "    setTimeout(() => seen.push(`a@${Date.now() - start}`), 5);",
            "    setTimeout(done, 20);",
            "  });",
            "  seen.push(new Date().toISOString());",
            "  return seen;",
            "}",
          ].join("\n"),
        },
      },
    ]);
    writeFiles(tmp.dir, {
      "node_modules/tla-pkg/package.json": JSON.stringify({ name: "tla-pkg", type: "module", exports: "./index.js" }),
      "node_modules/tla-pkg/index.js": 'const config = { ready: true };\nawait Promise.resolve(config);\nexport function boot() { return "up"; }\n',
    });
    pool = new SandboxPool(2);
  });
  afterAll(() => {
    pool.close();
    tmp.cleanup();
  });

  const job = (steps: StepSpec[], stubs: Record<string, StubSpec | StubSpec[]> = {}, clock?: string): SimulationJob => ({
    repo: tmp.dir,
    rev: "WORKTREE",
    env: {},
    stubs,
    steps,
    boundaryPackages: boundaries([]),
    limits: DEFAULT_LIMITS,
    ...(clock ? { clock } : {}),
  });

  it("gives Node's pure built-ins through pure-JS ports", async () => {
    const r = await pool.run(job([{ call: "src/ports.ts#useAll", expect: [] }]));
    expect(r.steps[0]?.error).toBeUndefined();
    expect(r.steps[0]?.result).toEqual(["8443", "q=a%20b&n=2", "€", "aGk=", "../c/d"]);
  });

  it("reports top-level await in a package as error with its location", async () => {
    const r = await pool.run(job([{ call: "src/tla.ts#start", expect: [] }]));
    expect(r).toMatchObject({ status: "error", error: { reason: "node_modules/tla-pkg/index.js:2: top-level await cannot be simulated (modules are loaded as CommonJS)" } });
  });

  it("runs steps in order in one world; expectations see earlier steps", async () => {
    const r = await pool.run(
      job([
        { call: "src/state.ts#add", args: [2], expect: ["result === 20"] },
        { call: "src/state.ts#add", args: [3], expect: ["result === 50", "steps[0].result === 20", "steps.length === 2"] },
      ]),
    );
    expect(r.steps.flatMap((s) => s.expectations.map((e) => e.status))).toEqual(["pass", "pass", "pass", "pass"]);
  });

  it("builds a class with recording stand-ins for its constructor parameters, and stubs them by name", async () => {
    const r = await pool.run(
      job([{ call: "src/service.ts#InvoiceService.remind", args: ["inv_1"], expect: ["result === 120"] }], { "src/service.ts#InvoiceService(arg0).find": { returns: { total: 120 } } }),
    );
    expect(r.effects.map((e) => `${e.target} ${JSON.stringify(e.args)} ${e.answer}`)).toEqual([
      'src/service.ts#InvoiceService(arg0).find ["inv_1"] stub',
      'src/service.ts#InvoiceService(arg1).send ["billing@example.test"] symbolic',
    ]);
    expect(r.steps[0]?.expectations[0]?.status).toBe("pass");
  });

  it("replaces modules that do not resolve with stand-ins and says which values stayed symbolic", async () => {
    const r = await pool.run(job([{ call: "src/missing.ts#use", expect: ["typeof result === 'string'"] }]));
    expect(r.status).toBe("ok");
    expect(r.effects.map((e) => e.target)).toEqual(["./not-there#thing", "left-pad-never-installed#default"]);
    expect(r.missingStubs).toEqual(["left-pad-never-installed#default"]);
  });

  it("runs timers in virtual time order from the world's clock", async () => {
    const r = await pool.run(job([{ call: "src/time.ts#order", expect: [] }], {}, "2026-03-01T08:00:00Z"));
    expect(r.steps[0]?.result).toEqual(["a@5", "b@10", "2026-03-01T08:00:00.020Z"]);
  });
});
