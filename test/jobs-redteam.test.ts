import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, readdirSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { PgDatabase, safeUrl } from "../core/pg.js";
import type { SimulationJob } from "../servers/jobs/model.js";
import { JobQueue, queueName, queueSettings } from "../servers/jobs/queue.js";
import { commitFiles, gitIn, makeRepo, tempDir } from "./helpers/git-fixture.js";
import { freshDatabase } from "./helpers/postgres.js";

/**
 * Red-team tests of team mode: the repository, its commits, the patches and the jobs are hostile. Each test
 * asserts the safe behaviour; a failing one is a hole.
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(ROOT, "bin/worldline.js");

const SECRET = "TOPSECRET-4242";
const LINK_SECRET = "LINKSECRET-5151";
const GIT_SECRET = "GITSECRET-7777";
const TOKEN = "ghp_redteamTOKEN0123456789";

const vat = `export function vat(net: number): number {\n  return Math.round(net * 0.19 * 100) / 100;\n}\n`;
/** src/vat.ts that reports whatever it can import from `from`: the verdict's reason names the error a step throws. */
const leakVat = (from: string) => `import data from "${from}";\nexport function vat(net: number): number {\n  throw new Error("leaked " + JSON.stringify(data) + net);\n}\n`;

interface Worker {
  child: ChildProcess;
  log: () => string;
}

function startWorker(repoUrl: string, cache: string, env: Record<string, string>): Worker {
  const child = spawn(process.execPath, [CLI, "worker", "--repo-url", repoUrl, "--cache", cache], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  return { child, log: () => log };
}

/** A unified diff that adds these files (made by git itself, as a client's worktreePatch would). */
function addFilesPatch(scratch: string, files: Record<string, string>): string {
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(scratch, p, ".."), { recursive: true });
    writeFileSync(join(scratch, p), text);
  }
  gitIn(scratch, ["add", "-A"]);
  const patch = gitIn(scratch, ["diff", "--cached", "--binary", "--no-color", "HEAD"]);
  gitIn(scratch, ["reset", "-q", "--hard", "HEAD"]);
  gitIn(scratch, ["clean", "-qfdx"]);
  return patch;
}

describe("red team: hostile repositories, patches and jobs on the team's workers", { timeout: 240_000 }, () => {
  const tmp = tempDir("worldline-jobs-redteam-");
  const origin = join(tmp.dir, "origin");
  const scratch = join(tmp.dir, "scratch");
  const cache = join(tmp.dir, "cache");
  const secretFile = join(tmp.dir, "host-secret.json");
  const linkedSecretFile = join(tmp.dir, "host-secret-linked.json");
  const outside = join(tmp.dir, "outside");
  // The worker is started with a URL that carries a token, as a worker of a private repository is; the token
  // must never reach the team's database (job outputs are read by every client).
  const repoUrl = `https://x-access-token:${TOKEN}@git.example.invalid/acme/vat.git`;
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let env: Record<string, string>;
  let base: string;
  let gitDepCommit: string;
  let symlinkCommit: string;
  let worker: Worker;
  let db: PgDatabase;
  let queue: JobQueue;

  /** Sends a job and gives back whatever came of it (result or the error), as text to search for leaks. */
  async function outcome(job: Omit<SimulationJob, "repoUrl">): Promise<{ text: string; verdict?: string }> {
    const id = await queue.submit({ repoUrl, ...job });
    try {
      const r = await queue.result(repoUrl, id, { pollMs: 250 });
      if (process.env.RT_DEBUG) console.log(JSON.stringify(r, null, 1));
      return { text: JSON.stringify(r), verdict: r.verdict.verdict };
    } catch (err) {
      if (process.env.RT_DEBUG) console.log((err as Error).message);
      return { text: (err as Error).message };
    }
  }

  async function databaseText(): Promise<string> {
    const c = new pg.Client({ connectionString: database.url });
    await c.connect();
    try {
      const jobs = await c.query("SELECT data::text AS d, output::text AS o FROM pgboss.job");
      const nodes = await c.query("SELECT * FROM ctx_node").catch(() => ({ rows: [] }));
      return JSON.stringify([jobs.rows, nodes.rows]);
    } finally {
      await c.end();
    }
  }

  beforeAll(async () => {
    database = await freshDatabase("redteam");
    env = { WORLDLINE_DATABASE_URL: database.url, WORLDLINE_JOB_EXPIRE_SECONDS: "90" };
    writeFileSync(secretFile, JSON.stringify({ token: SECRET }));
    writeFileSync(linkedSecretFile, JSON.stringify({ token: LINK_SECRET }));
    mkdirSync(outside);

    // A git repository somewhere on the worker's machine (another team's clone, say) that no job should read.
    const hostRepo = join(tmp.dir, "host-repo");
    mkdirSync(hostRepo);
    makeRepo(hostRepo, [{ message: "private", files: { "package.json": JSON.stringify({ name: "hostpkg", version: "1.0.0", main: "index.js" }), "index.js": `module.exports = { token: "${GIT_SECRET}" };\n` } }]);
    const hostSha = gitIn(hostRepo, ["rev-parse", "HEAD"]).trim();

    mkdirSync(origin);
    const pkg = { name: "vat", version: "1.0.0" };
    const lock = { ...pkg, lockfileVersion: 3, requires: true, packages: { "": pkg } };
    makeRepo(origin, [
      {
        message: "vat",
        files: {
          "src/vat.ts": vat,
          "tsconfig.json": '{ "compilerOptions": { "strict": true, "resolveJsonModule": true, "esModuleInterop": true } }\n',
          "package.json": JSON.stringify(pkg),
          "package-lock.json": JSON.stringify(lock),
          "scenarios/vat.md": ["---", "id: vat", "title: VAT", "simulate:", "  steps:", "    - call: src/vat.ts#vat", "      args: [100]", "      expect:", "        - result === 19", "---", "VAT."].join("\n"),
        },
      },
    ]);
    base = gitIn(origin, ["rev-parse", "HEAD"]).trim();

    // A pushed commit whose lockfile installs a package straight from a git repository on the worker's disk.
    const dep = `git+file://${hostRepo}#${hostSha}`;
    const pkg2 = { ...pkg, dependencies: { hostpkg: dep } };
    const lock2 = {
      ...pkg,
      lockfileVersion: 3,
      requires: true,
      packages: { "": { ...pkg, dependencies: { hostpkg: dep } }, "node_modules/hostpkg": { version: "1.0.0", resolved: dep } },
    };
    gitIn(origin, ["checkout", "-q", "-b", "gitdep"]);
    gitDepCommit = commitFiles(origin, { message: "git dep", files: { "package.json": JSON.stringify(pkg2), "package-lock.json": JSON.stringify(lock2), "src/vat.ts": leakVat("hostpkg") } }, 1);

    // A pushed commit with symlinks out of the repository: a JSON file, and a folder.
    gitIn(origin, ["checkout", "-q", "-b", "links", base]);
    writeFileSync(join(origin, "src/vat.ts"), leakVat("./leak.json"));
    execFileSync("ln", ["-s", linkedSecretFile, join(origin, "src/leak.json")]);
    execFileSync("ln", ["-s", outside, join(origin, "out")]);
    symlinkCommit = commitFiles(origin, { message: "links", files: {} }, 2);
    gitIn(origin, ["checkout", "-q", "main"]);

    gitIn(tmp.dir, ["clone", "-q", origin, scratch]);

    // The worker's clone as `worldline worker` makes it (git clone --no-checkout), here of the local origin so
    // the test needs no network; its URL as far as the worker knows is the token-carrying one.
    mkdirSync(join(cache, "repos"), { recursive: true });
    gitIn(tmp.dir, ["clone", "-q", "--no-checkout", origin, join(cache, "repos", queueName(repoUrl))]);
    worker = startWorker(repoUrl, cache, env);
    db = new PgDatabase(database.url);
    queue = new JobQueue(db, "client", queueSettings(env));
    await vi.waitFor(async () => expect(await queue.liveWorkers(repoUrl)).toHaveLength(1), { timeout: 120_000, interval: 250 });
  }, 180_000);

  afterAll(async () => {
    if (worker?.child.exitCode === null) worker.child.kill("SIGKILL");
    await queue?.close();
    await db?.close();
    await database?.drop();
    tmp.cleanup();
  });

  it("control: an honest job on the worker gets a verdict", async () => {
    const r = await outcome({ scenario: "vat", base, head: base });
    expect(r.verdict, r.text + worker.log()).toBe("unaffected");
  });

  it("a patch whose `copy from` names a file of the worker's machine reads nothing of the host", async () => {
    // git apply checks the paths a patch writes, not the source of a copy: `copy from /abs/path` (or ../..)
    // copies any file the worker can read into the checkout, where the simulation loads it as the repo's own.
    const added = addFilesPatch(scratch, { "src/vat.ts": leakVat("./leak.json") });
    const copy = `diff --git a/src/leak.json b/src/leak.json\nsimilarity index 100%\ncopy from ../../../../../../../../../../..${realpathSync(secretFile)}\ncopy to src/leak.json\n`;
    const r = await outcome({ scenario: "vat", base, head: "WORKTREE", headCommit: base, patch: added + copy });
    expect(r.text).not.toContain(SECRET);
    expect(await databaseText()).not.toContain(SECRET);
  });

  it("a committed lockfile cannot install a package from a git repository on the worker's disk", async () => {
    const r = await outcome({ scenario: "vat", base, head: gitDepCommit });
    expect(r.text).not.toContain(GIT_SECRET);
    expect(await databaseText()).not.toContain(GIT_SECRET);
    // Nothing of that repository was installed in the worker's cache either.
    const deps = join(cache, "repos", queueName(repoUrl), ".worldline-deps");
    const installed = readdirSync(deps).flatMap((h) => readdirSync(join(deps, h, "node_modules")).filter((n) => !n.startsWith(".")));
    expect(installed).not.toContain("hostpkg");
  });

  it("held: a committed symlink to a host file reads nothing, in the clone or in a patch checkout", async () => {
    const inClone = await outcome({ scenario: "vat", base, head: symlinkCommit });
    expect(inClone.text).not.toContain(LINK_SECRET);
    const inCheckout = await outcome({ scenario: "vat", base, head: "WORKTREE", headCommit: symlinkCommit, patch: "" });
    expect(inCheckout.text).not.toContain(LINK_SECRET);
    expect(await databaseText()).not.toContain(LINK_SECRET);
  });

  it("held: a patch that writes through a committed symlink, to .git or to ../ writes nothing outside the checkout", async () => {
    const through = `diff --git a/out/pwn.txt b/out/pwn.txt\nnew file mode 100644\n--- /dev/null\n+++ b/out/pwn.txt\n@@ -0,0 +1 @@\n+pwn\n`;
    const gitConfig = `diff --git a/.git b/.git\nnew file mode 100644\n--- /dev/null\n+++ b/.git\n@@ -0,0 +1 @@\n+gitdir: ${outside}\n`;
    const up = `diff --git a/../../../outside/up.txt b/../../../outside/up.txt\nnew file mode 100644\n--- /dev/null\n+++ b/../../../outside/up.txt\n@@ -0,0 +1 @@\n+pwn\n`;
    const results = await Promise.all([
      outcome({ scenario: "vat", base, head: "WORKTREE", headCommit: symlinkCommit, patch: through }),
      outcome({ scenario: "vat", base, head: "WORKTREE", headCommit: base, patch: gitConfig }),
      outcome({ scenario: "vat", base, head: "WORKTREE", headCommit: base, patch: up }),
    ]);
    for (const r of results) expect(r.verdict).toBeUndefined();
    expect(readdirSync(outside)).toEqual([]);
  });

  it("a job the worker cannot run never stores the worker's repository credentials in the team database", async () => {
    const r = await outcome({ scenario: "vat", base: "0".repeat(40), head: base });
    expect(r.verdict).toBeUndefined();
    expect(r.text).not.toContain(TOKEN);
    expect(await databaseText()).not.toContain(TOKEN);
  });

  it("safeUrl hides a password given as a query parameter (libpq and node-postgres both accept ?password=)", () => {
    expect(safeUrl("postgres://worldline@db.example:5432/team?password=hunter2")).not.toContain("hunter2");
    expect(safeUrl("postgres://worldline:hunter2@db.example:5432/team")).not.toContain("hunter2");
  });
});
