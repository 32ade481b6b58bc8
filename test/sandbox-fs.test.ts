import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IO_BUILTINS, IO_PACKAGES } from "../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type RunResult, type SimulationJob } from "../servers/scenarios/sandbox/protocol.js";
import { gitIn, makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * `fs` reads in a simulation (fs-tree.ts, prelude.ts fsModule): a test's fixtures in the repo are served from the
 * revision's tree, never the machine's disk; a path outside the repo, and every write, stays a recorded
 * stand-in; a kind of file the tree does not hold says so. The code asking is hostile: it tries to read the host.
 */
const lines = (...l: string[]) => `${l.join("\n")}\n`;

const FILES: Record<string, string> = {
  "package.json": JSON.stringify({ name: "fixture", type: "module" }),
  "src/parse.ts": "export const parse = (text: string): unknown => JSON.parse(text);\n",
  "test/fixtures/cases/one.json": JSON.stringify({ input: "[1]", length: 1 }),
  "test/fixtures/cases/two.json": JSON.stringify({ input: "[1,2]", length: 2 }),
  "test/fixtures/cases/three.ts": "export const input = '[1,2,3]';\nexport const length = 3;\n",
  "test/fixtures/notes.txt": "not served\n",
  "test/fixtures.test.ts": lines(
    'import fs from "fs";',
    'import { readFile } from "fs/promises";',
    'import { resolve, basename, extname } from "path";',
    'import { describe, it, expect } from "vitest";',
    'import { parse } from "../src/parse";',
    'const dir = resolve(__dirname, "fixtures/cases");',
    'describe("fixtures", async () => {',
    "  for (const name of fs.readdirSync(dir).map((f) => basename(f, extname(f)))) {",
    '    const m = name === "three" ? await import(resolve(dir, name)) : JSON.parse(fs.readFileSync(resolve(dir, `${name}.json`), "utf8"));',
    "    it(name, () => { expect((parse(m.input) as unknown[]).length).toBe(m.length); });",
    "  }",
    "});",
    'it("lists, stats and reads as Node does", async () => {',
    '  expect(fs.readdirSync("test/fixtures", { withFileTypes: true }).map((d) => [d.name, d.isDirectory()])).toEqual([["cases", true], ["notes.txt", false]]);',
    '  expect(fs.existsSync(resolve(dir, "one.json"))).toBe(true);',
    '  expect(fs.existsSync(resolve(dir, "four.json"))).toBe(false);',
    '  expect(fs.statSync(dir).isDirectory()).toBe(true);',
    '  expect(JSON.parse(await readFile(new URL(`file://${dir}/two.json`), "utf8")).length).toBe(2);',
    '  expect(fs.readFileSync(resolve(dir, "one.json")).toString()).toContain("input");',
    '  expect(() => fs.readFileSync(resolve(dir, "four.json"))).toThrow(/ENOENT: no such file or directory/);',
    '  expect(() => fs.readdirSync(resolve(dir, "one.json"))).toThrow(/ENOTDIR/);',
    "});",
    'it("names the kind of file it does not serve", () => { fs.readFileSync("test/fixtures/notes.txt", "utf8"); });',
    'it("reads the host", () => { const out = { passwd: String(fs.readFileSync("/etc/passwd", "utf8")), climb: String(fs.readFileSync("/repo/../etc/passwd", "utf8")), up: String(fs.readFileSync("../../../../etc/passwd", "utf8")), secret: String(fs.readFileSync(process.env.SECRET_FILE ?? "", "utf8")), link: String(fs.readFileSync("test/fixtures/link.json", "utf8")), modules: String(fs.readFileSync("node_modules/.package-lock.json", "utf8")) }; fs.writeFileSync("test/fixtures/cases/one.json", "{}"); expect(out).toBe("shown"); });',
  ),
};

describe("fs reads in a simulation come from the revision's tree", () => {
  const tmp = tempDir();
  const repo = join(tmp.dir, "repo");
  const secret = join(tmp.dir, "secret.json");
  let pool: SandboxPool;
  let first = "";
  beforeAll(() => {
    mkdirSync(repo, { recursive: true });
    makeRepo(repo, [{ message: "fixtures", files: FILES }]);
    first = gitIn(repo, ["rev-parse", "HEAD"]).trim();
    // The working tree moves on: a commit's run must not see it.
    writeFileSync(join(repo, "test/fixtures/cases/two.json"), JSON.stringify({ input: "[1,2]", length: 3 }));
    writeFileSync(secret, JSON.stringify({ token: "host-secret-123" }));
    symlinkSync(secret, join(repo, "test/fixtures/link.json"));
    pool = new SandboxPool(1);
  });
  afterAll(() => {
    pool.close();
    tmp.cleanup();
  });

  const job = (titles: string[], rev = "WORKTREE"): SimulationJob => ({
    repo,
    rev,
    env: { SECRET_FILE: secret },
    stubs: {},
    steps: [{ call: "", run: { file: "test/fixtures.test.ts", titles, nth: 1 }, expect: ["result.status === 'pass'"] }],
    boundaryPackages: [...IO_BUILTINS, ...IO_PACKAGES],
    limits: { ...DEFAULT_LIMITS, cpuMs: 10_000 },
  });
  const outcome = (r: RunResult) => r.steps[0]?.result as { status: string; error?: { message: string } } | undefined;

  it("loads fixtures a test lists and reads (JSON text, a module by absolute path), as the revision has them", async () => {
    const [one, two, three] = await Promise.all(["one", "two", "three"].map((t) => pool.run(job(["fixtures", t], first))));
    for (const r of [one, two, three]) expect(outcome(r as RunResult)).toMatchObject({ status: "pass" });
    // A read is a dependency: the fixture is in the run's coverage, so a change to it selects the test.
    expect(Object.keys(one?.coverage.files ?? {})).toContain("test/fixtures/cases/one.json");
    expect(one?.effects.filter((e) => e.target.startsWith("fs"))).toEqual([]);
    // The working tree's edit is seen only by a run of the working tree.
    expect(outcome(await pool.run(job(["fixtures", "two"])))).toMatchObject({ status: "fail", error: { message: "expected 2 to be 3 // Object.is equality" } });
  });

  it("lists, stats and reads with Node's shapes and errors", async () => {
    const r = await pool.run(job(["lists, stats and reads as Node does"], first));
    expect(outcome(r)?.error?.message).toBeUndefined();
    expect(outcome(r)).toMatchObject({ status: "pass" });
  });

  it("says which kind of file it does not serve", async () => {
    const r = await pool.run(job(["names the kind of file it does not serve"], first));
    expect(outcome(r)?.error?.message).toBe("fs.readFileSync(test/fixtures/notes.txt): a simulation serves fs reads of the repo's code and JSON files at the revision only, not this kind of file");
  });

  it("never reads the host: paths outside the repo, climbs, links and installs go to the recorded stand-in, writes stay effects", async () => {
    const r = await pool.run(job(["reads the host"]));
    const text = JSON.stringify(r);
    expect(text).not.toMatch(/root:x:0|host-secret-123|lockfileVersion/);
    expect(outcome(r)?.status).toBe("fail");
    const reads = r.effects.filter((e) => e.target === "fs#readFileSync").map((e) => e.args[0]);
    expect(reads).toEqual(["/etc/passwd", "/repo/../etc/passwd", "../../../../etc/passwd", secret, "node_modules/.package-lock.json"]);
    expect(r.effects.some((e) => e.target === "fs#writeFileSync")).toBe(true);
  });
});
