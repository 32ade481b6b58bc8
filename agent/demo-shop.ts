import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildShop, SHOP_PR } from "../examples/shop/build.js";
import { launches, ToolHub } from "./hub.js";
import { ingestAll, renderIngest } from "./ingest.js";
import { render, type Format } from "./report/index.js";
import { produceReport } from "./run.js";

/**
 * `worldline demo shop`: the sample shop (orders, billing and notifications, each its own service, talking over
 * HTTP and Kafka) built into a temporary directory as a real git history, ingested, then "what breaks if I merge
 * pr/tax-rounding": a change to billing alone, which the orders scenario catches across the services.
 * Returns the repo's path.
 */
export async function runShopDemo(out: (text: string) => void, progress: (line: string) => void, format: Format = "terminal", dir?: string): Promise<string> {
  const root = dir ?? mkdtempSync(join(tmpdir(), "worldline-demo-"));
  progress(`building the sample shop in ${root}/shop…`);
  const { dir: repo } = buildShop(join(root, "shop"));
  const hub = new ToolHub(launches(repo));
  try {
    out(renderIngest(await ingestAll(hub, repo, { history: true, tickets: true, adrs: true }, progress)));
    out("");
    const report = await produceReport({ repo, base: "main", head: SHOP_PR, planner: "embedded", progress }, hub);
    out(render(report, format));
    return repo;
  } finally {
    await hub.close();
  }
}
