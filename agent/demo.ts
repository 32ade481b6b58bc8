import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBilling } from "../examples/billing/build.js";
import { launches, ToolHub } from "./hub.js";
import { ingestAll, renderIngest } from "./ingest.js";
import { render, type Format } from "./report/index.js";
import { produceReport } from "./run.js";
import { renderWhy, why } from "./why.js";

/**
 * `worldline demo`: the sample billing service built into a temporary directory (a real git history with
 * tickets, ADRs and scenarios), ingested, then "what breaks if I merge pr/rounding-refactor" and one "why".
 */
export async function runDemo(out: (text: string) => void, progress: (line: string) => void, format: Format = "terminal", dir?: string): Promise<string> {
  const root = dir ?? mkdtempSync(join(tmpdir(), "worldline-demo-"));
  progress(`building the sample billing service in ${root}/billing…`);
  const { dir: repo } = buildBilling(join(root, "billing"));
  const hub = new ToolHub(launches(repo));
  try {
    out(renderIngest(await ingestAll(hub, repo, { history: true, tickets: true, adrs: true }, progress)));
    out("");
    const report = await produceReport({ repo, base: "main", head: "pr/rounding-refactor", planner: "embedded", progress }, hub);
    out(render(report, format));
    out("");
    progress("asking why the payment timeout is 30 seconds…");
    out(renderWhy(await why(hub, "config:payment.timeoutMs"), format === "markdown" ? "markdown" : "terminal"));
    return repo;
  } finally {
    await hub.close();
  }
}
