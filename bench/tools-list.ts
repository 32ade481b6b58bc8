import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { formatTable, gitOut, NODE, ROOT, worldlineRevision } from "./common.js";

/**
 * What a client pays before its first question: the size of `tools/list` (and the server's instructions) of
 * `worldline serve all`, for each toolset, spoken to by the SDK's client over stdio. SERVE_BEFORE=DIR (a clean
 * clone of an older commit, its node_modules linked) measures that checkout's `serve all` first, for a before.
 * A model reads about 4 bytes of JSON per token: the token figure is that estimate.
 */
interface Listed {
  tools: number;
  bytes: number;
  instructions: number;
}

async function listed(checkout: string, repo: string, extra: string[]): Promise<Listed> {
  const transport = new StdioClientTransport({ command: NODE, args: [join(checkout, "bin/worldline.js"), "serve", "all", "--repo", repo, ...extra], stderr: "pipe" });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: "worldline-bench", version: "0.0.0" });
  try {
    await client.connect(transport);
  } catch (err) {
    throw new Error(`serve all ${extra.join(" ")} in ${checkout} did not start: ${(err as Error).message} ${stderr.trim().split("\n").pop() ?? ""}`);
  }
  try {
    const list = await client.listTools();
    return { tools: list.tools.length, bytes: JSON.stringify(list).length, instructions: (client.getInstructions() ?? "").length };
  } finally {
    await client.close();
  }
}

export async function toolsListBench(work: string): Promise<string> {
  const repo = join(work, "tools-list-repo");
  mkdirSync(repo, { recursive: true });
  gitOut(repo, ["init", "-q", "-b", "main"]);
  gitOut(repo, ["commit", "-q", "--allow-empty", "-m", "empty"]);
  const runs: Array<[string, Listed]> = [];
  const before = process.env.SERVE_BEFORE;
  if (before) runs.push([`before (${worldlineRevision(before)}): serve all`, await listed(before, repo, [])]);
  runs.push(["serve all (default toolset)", await listed(ROOT, repo, [])]);
  runs.push(["serve all --tools simulate", await listed(ROOT, repo, ["--tools", "simulate"])]);
  runs.push(["serve all --tools all", await listed(ROOT, repo, ["--tools", "all"])]);
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  return formatTable(
    ["tools/list of worldline serve all", "tools", "tools/list", "about tokens", "instructions", "target"],
    runs.map(([label, r]) => [label, String(r.tools), kb(r.bytes), String(Math.round(r.bytes / 4)), `${r.instructions} chars`, label.includes("default") ? "under 40 KB" : ""]),
  );
}
