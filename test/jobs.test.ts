import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readdirSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { PgDatabase } from "../core/pg.js";
import { JobQueue, normalizeRepoUrl, queueName, queueSettings } from "../servers/jobs/queue.js";
import { ScenarioService } from "../servers/scenarios/service.js";
import { openWorkspace } from "../servers/workspace.js";
import { stepScenario } from "./helpers/scenario-fixture.js";
import { commitFiles, gitIn, makeRepo, tempDir } from "./helpers/git-fixture.js";
import { runWorldline } from "./helpers/cli-run.js";
import { freshDatabase } from "./helpers/postgres.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(ROOT, "bin/worldline.js");

const vat = (rate: string) => `export function vat(net: number): number {\n  const rate = ${rate};\n  return Math.round(net * rate * 100) / 100;\n}\n`;
const scenario = (id: string, net: number, expected: number) =>
  ["---", `id: ${id}`, `title: VAT on ${net}`, "simulate:", "  steps:", "    - call: src/vat.ts#vat", `      args: [${net}]`, "      expect:", `        - result === ${expected}`, "---", `VAT on ${net} is ${expected}.`].join("\n");


interface Worker {
  child: ChildProcess;
  log: () => string;
  exited: Promise<number | null>;
}

function startWorker(origin: string, cache: string, env: Record<string, string>): Worker {
  const child = spawn(process.execPath, [CLI, "worker", "--repo-url", origin, "--cache", cache], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  return { child, log: () => log, exited: new Promise((r) => child.on("exit", (code) => r(code))) };
}

// Each test waits on worker processes (a first job clones, installs and indexes): room on a loaded 2-core machine.
describe("simulations on the team's workers (pg-boss on the team database)", { timeout: 180_000 }, () => {
  const tmp = tempDir("worldline-jobs-");
  const origin = join(tmp.dir, "origin");
  const dev = join(tmp.dir, "dev");
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let env: Record<string, string>;
  let base: string;
  let same: string;
  const workers: Worker[] = [];

  beforeAll(async () => {
    database = await freshDatabase("jobs");
    // Short expiry: a job whose worker died is taken again after 20 s instead of 15 minutes (pg-boss also ends a
    // handler that runs longer, so it must cover a first job's npm ci and indexing on a loaded machine).
    env = { WORLDLINE_DATABASE_URL: database.url, WORLDLINE_JOB_EXPIRE_SECONDS: "20" };
    mkdirSync(origin);
    const scenarios = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`scenarios/vat-${i}.md`, scenario(`vat-${i}`, 100 * (i + 1), 19 * (i + 1))]));
    // A lockfile with no dependencies: the worker's npm ci runs (offline) and its node_modules is linked in.
    const pkg = { name: "vat", version: "1.0.0" };
    const lock = { ...pkg, lockfileVersion: 3, requires: true, packages: { "": pkg } };
    const files = { "src/vat.ts": vat("0.19"), "tsconfig.json": '{ "compilerOptions": { "strict": true } }\n', "package.json": JSON.stringify(pkg), "package-lock.json": JSON.stringify(lock), ...scenarios };
    makeRepo(origin, [{ message: "vat", files }]);
    base = gitIn(origin, ["rev-parse", "HEAD"]).trim();
    // A pushed change that keeps every result: each scenario runs on both sides and passes.
    commitFiles(origin, { message: "vat: rate first", files: { "src/vat.ts": vat("0.19").replace("net * rate", "rate * net") } }, 1);
    same = gitIn(origin, ["rev-parse", "HEAD"]).trim();
    gitIn(origin, ["checkout", "-q", "-b", "side"]);
    gitIn(origin, ["branch", "-q", "-f", "main", base]);
    gitIn(origin, ["checkout", "-q", "main"]);
    gitIn(tmp.dir, ["clone", "-q", origin, dev]);
    for (const n of [1, 2]) workers.push(startWorker(origin, join(tmp.dir, `cache-${n}`), env));
    const database2 = new PgDatabase(database.url);
    const queue = new JobQueue(database2, "client", queueSettings(env));
    try {
      await vi.waitFor(async () => expect(await queue.liveWorkers(origin)).toHaveLength(2), { timeout: 90_000, interval: 250 });
    } finally {
      await queue.close();
      await database2.close();
    }
  }, 120_000);

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
    await database.drop();
    tmp.cleanup();
  });

  it("check hands a working-tree change to a worker and gets the same verdict as a local run", async () => {
    writeFileSync(join(dev, "src/vat.ts"), vat("0.2"));
    const remote = await runWorldline(["check", "--repo", dev, "--base", base, "--scenario", "vat-0", "--format", "json"], env);
    expect(remote.code, remote.err).toBe(1);
    const local = await runWorldline(["check", "--repo", dev, "--base", base, "--scenario", "vat-0", "--format", "json"], {});
    expect(local.code, local.err).toBe(1);
    type Report = { verdicts: Array<{ scenario: string; verdict: string; rootCause?: { location: string } }> };
    const [r] = (JSON.parse(remote.out) as Report).verdicts;
    const [l] = (JSON.parse(local.out) as Report).verdicts;
    expect(r).toMatchObject({ scenario: "vat-0", verdict: "fail", rootCause: { location: "src/vat.ts:2" } });
    expect(r?.rootCause).toEqual(l?.rootCause);
    // The progress line says where it ran.
    expect(remote.err).toMatch(/\[1\/1\] FAIL vat-0 \(on worker [^)]+\)/);
    expect(local.err).not.toMatch(/on worker/);
    // A worker ran it: its log names the job, and the queue holds the job's result.
    const logs = workers.map((w) => w.log()).join("\n");
    expect(logs).toMatch(/job [0-9a-f-]+: FAIL vat-0/);
    const c = new pg.Client({ connectionString: database.url });
    await c.connect();
    try {
      const { rows } = await c.query("SELECT state, output FROM pgboss.job WHERE name = $1", [queueName(origin)]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ state: "completed", output: { verdict: { verdict: "fail" } } });
    } finally {
      await c.end();
    }
    gitIn(dev, ["checkout", "--", "src/vat.ts"]);
  });

  it("a commit not yet pushed travels as a patch against base", async () => {
    commitFiles(dev, { message: "vat 0.21", files: { "src/vat.ts": vat("0.21") } }, 5);
    const head = gitIn(dev, ["rev-parse", "HEAD"]).trim();
    const r = await runWorldline(["check", "--repo", dev, "--base", base, "--head", head, "--scenario", "vat-1", "--format", "json"], env);
    expect(r.code, r.err).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ verdicts: [{ scenario: "vat-1", verdict: "fail" }] });
    expect(workers.map((w) => w.log()).join("\n")).toMatch(/job [0-9a-f-]+: vat-1 [0-9a-f]{12}\.\.[0-9a-f]{12}\+patch/);
    // A working-tree change on top of that unpushed commit: the whole way from base travels.
    writeFileSync(join(dev, "src/vat.ts"), vat("0.22"));
    const dirty = await runWorldline(["check", "--repo", dev, "--base", base, "--scenario", "vat-1", "--format", "json"], env);
    expect(dirty.code, dirty.err).toBe(1);
    expect(JSON.parse(dirty.out)).toMatchObject({ verdicts: [{ scenario: "vat-1", verdict: "fail", rootCause: { head: 0.22 } }] });
    expect(dirty.err).toMatch(/\(on worker /);
    gitIn(dev, ["reset", "-q", "--hard", base]);
  });

  it("a worker killed mid-job loses nothing: the job is taken again elsewhere and completes once", async () => {
    const database2 = new PgDatabase(database.url);
    const queue = new JobQueue(database2, "client", queueSettings(env));
    try {
      const victim = workers[0]!;
      const before = victim.log().length;
      const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => queue.submit({ repoUrl: origin, scenario: `vat-${i}`, base, head: same })));
      // The victim dies as soon as it has started a job of this batch.
      await vi.waitFor(() => expect(victim.log().slice(before)).toMatch(/job ([0-9a-f-]+): vat-\d /), { timeout: 60_000, interval: 20 });
      victim.child.kill("SIGKILL");
      expect(await victim.exited).toBeNull();
      const started = /job ([0-9a-f-]+): vat-\d /.exec(victim.log().slice(before))?.[1];
      const results = await Promise.all(ids.map((id) => queue.result(origin, id)));
      expect(results.map((r) => r.verdict.verdict)).toEqual(["pass", "pass", "pass", "pass", "pass", "pass"]);
      const c = new pg.Client({ connectionString: database.url });
      await c.connect();
      try {
        const { rows } = await c.query<{ id: string; state: string; retry_count: number }>("SELECT id, state, retry_count FROM pgboss.job WHERE id = ANY($1::uuid[])", [ids]);
        expect(rows.map((r) => r.state)).toEqual(Array(6).fill("completed"));
        const killed = rows.find((r) => r.id === started);
        // The killed worker's job (killed as it started: a simulation takes longer than a signal): retried, and
        // completed by the survivor, once.
        expect(victim.log()).not.toContain(`job ${started}: PASS`);
        expect(killed?.retry_count).toBeGreaterThanOrEqual(1);
        expect(results[ids.indexOf(started!)]?.worker).not.toMatch(new RegExp(`:${victim.child.pid}:`));
        // No duplicate verdict: one simulation record per scenario and revision pair.
        const sims = await c.query<{ n: string }>("SELECT COUNT(*) AS n FROM ctx_node WHERE kind = 'simulation' AND props LIKE $1", [`%"base":"${base}","head":"${same}"%`]);
        expect(Number(sims.rows[0]?.n)).toBe(6);
      } finally {
        await c.end();
      }
    } finally {
      await queue.close();
      await database2.close();
    }
  });

  it("attack: a working tree that plants node_modules as a link out of its checkout writes nothing there", async () => {
    const outside = join(tmp.dir, "outside");
    mkdirSync(outside);
    writeFileSync(join(dev, "src/vat.ts"), vat("0.25"));
    symlinkSync(outside, join(dev, "node_modules"));
    try {
      const r = await runWorldline(["check", "--repo", dev, "--base", base, "--scenario", "vat-2", "--format", "json"], env);
      expect(r.code, r.err).toBe(1);
      expect(JSON.parse(r.out)).toMatchObject({ verdicts: [{ scenario: "vat-2", verdict: "fail" }] });
      expect(workers.map((w) => w.log()).join("\n")).toMatch(/job [0-9a-f-]+: FAIL vat-2/);
      expect(readdirSync(outside)).toEqual([]);
    } finally {
      unlinkSync(join(dev, "node_modules"));
      gitIn(dev, ["checkout", "--", "src/vat.ts"]);
    }
  });

  it("a proposed scenario in no file (triage's reproduction) is tried on a worker, parsed there as a file is", async () => {
    const ws = openWorkspace(dev, { databaseUrl: database.url });
    const service = new ScenarioService(ws);
    try {
      const tried = await service.tryScenario(stepScenario("vat-try", "src/vat.ts#vat", [100], ["result === 19"]), base, same);
      expect(tried).toMatchObject({ verdict: { scenario: "vat-try", verdict: "pass" }, passesOnBase: true, base: { status: "ran", failing: [] } });
      expect(workers.map((w) => w.log()).join("\n")).toMatch(/job [0-9a-f-]+: PASS vat-try/);
    } finally {
      service.close();
      ws.close();
    }
  });

  it("refuses a worker without a team database or a repository URL, in one line", async () => {
    const noDb = await runWorldline(["worker", "--repo-url", origin], { WORLDLINE_DATABASE_URL: "" });
    expect(noDb.code).toBe(2);
    expect(noDb.err.trim()).toBe("worldline: worldline worker needs WORLDLINE_DATABASE_URL=postgres://…: the team database its jobs come from");
    const noUrl = await runWorldline(["worker"], env);
    expect(noUrl.code).toBe(2);
    expect(noUrl.err.trim()).toBe("worldline: worldline worker needs --repo-url URL: the repository whose simulation jobs it takes");
    expect(normalizeRepoUrl("git@github.com:acme/billing.git")).toBe(normalizeRepoUrl("https://user:pw@github.com/acme/billing/"));
    // A repository it cannot clone is the user's to correct: exit 2, one line, no credentials.
    const nowhere = await runWorldline(["worker", "--repo-url", "https://u:s3cret@127.0.0.1:1/nope.git", "--cache", join(tmp.dir, "cache-x")], env);
    expect(nowhere.code).toBe(2);
    expect(nowhere.err.trim().split("\n").pop()).toMatch(/^worldline: worldline worker could not start: git clone .* failed .*127\.0\.0\.1/);
    expect(nowhere.err).not.toContain("s3cret");
  });
});
