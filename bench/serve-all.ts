import { readFileSync, readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { gitOut, NODE, ROOT, worldlineUnderTest } from "./common.js";
import { generateRepo } from "./generate-repo.js";

/**
 * Child process of `npm run bench` (BENCH_ONLY=serve): `worldline serve all` on the generated ~100k-line repo,
 * spoken to by the SDK's client over stdio. Start time (spawn to the initialize answer, the code graph indexed),
 * then one call per server that reads the code graph (search_symbols, changed_symbols, select_scenarios,
 * search_tickets, graph_status), the server's peak memory, and how many connections it holds to the database.
 * SERVE_WORLDLINE=DIR runs another checkout's Worldline (a clean clone of a commit, for a before figure). Prints JSON.
 */
const [dir] = process.argv.slice(2);
if (!dir) throw new Error("usage: serve-all.ts DIR");
const { bin, dir: checkout } = worldlineUnderTest("SERVE_WORLDLINE");

const gen = generateRepo(dir);
gitOut(dir, ["init", "-q", "-b", "main"]);
gitOut(dir, ["add", "-A"]);
gitOut(dir, ["commit", "-q", "-m", "generated service"]);
// A change for changed_symbols and select_scenarios to read the code graph at two revisions.
writeFileSync(join(dir, gen.editable), `${readFileSync(join(dir, gen.editable), "utf8")}\nexport const benchTouch = 1;\n`);

function status(pid: number, key: string): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${key}:`));
  return Number(line?.replace(/\D+/g, "") ?? 0) / 1024;
}

function databaseHandles(pid: number): number {
  const file = join(dir as string, ".worldline", "worldline.db");
  return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`) === file;
    } catch {
      return false;
    }
  }).length;
}

const transport = new StdioClientTransport({ command: NODE, args: [bin, "serve", "all", "--repo", dir, ...(checkout === ROOT ? ["--tools", "all"] : [])], stderr: "pipe" });
let stderr = "";
transport.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
const client = new Client({ name: "worldline-bench", version: "0.0.0" });
let t = performance.now();
await client.connect(transport);
const startMs = performance.now() - t;
const pid = transport.pid ?? 0;

const calls: Array<[string, Record<string, unknown>]> = [
  ["search_symbols", { query: "handler" }],
  ["changed_symbols", { base: "HEAD" }],
  ["select_scenarios", { base: "HEAD" }],
  ["search_tickets", { query: "payment" }],
  ["context_graph_status", {}],
];
const callMs: Record<string, number> = {};
t = performance.now();
for (const [name, args] of calls) {
  const s = performance.now();
  const r = (await client.callTool({ name, arguments: args })) as { isError?: boolean; content?: Array<{ text?: string }> };
  if (r.isError) throw new Error(`${name}: ${r.content?.[0]?.text ?? "error"}\n${stderr}`);
  callMs[name] = performance.now() - s;
}
const firstCallsMs = performance.now() - t;
const peakMiB = status(pid, "VmHWM");
const rssMiB = status(pid, "VmRSS");
const handles = databaseHandles(pid);
await client.close();
process.stdout.write(JSON.stringify({ files: gen.files, lines: gen.lines, startMs, firstCallsMs, callMs, peakMiB, rssMiB, handles }));
