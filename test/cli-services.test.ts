import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../core/repo.js";
import { serviceMap } from "../core/service-map.js";
import { runCli } from "./helpers/cli-run.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const LISTEN = 'require("node:http").createServer(() => {}).listen(3000);\n';

/** Two compose services built from the repo (one found through its workspace package) and a database image. */
function servicesRepo(extra: Record<string, string> = {}): string {
  const t = tempDir("worldline-cli-services-");
  cleanups.push(t.cleanup);
  return makeRepo(t.dir, [
    {
      message: "services",
      files: {
        "package.json": JSON.stringify({ name: "shop", workspaces: ["services/*"] }),
        "docker-compose.yml": "services:\n  api:\n    build: services/api\n    ports: ['8080:3000']\n    environment:\n      ORDERS_URL: http://orders:4000\n  orders:\n    build: services/orders\n  db:\n    image: postgres:16\n",
        "services/api/package.json": JSON.stringify({ name: "@shop/api", scripts: { start: "node dist/server.js" } }),
        "services/api/src/server.ts": LISTEN,
        "services/orders/package.json": JSON.stringify({ name: "@shop/orders" }),
        "services/orders/src/index.ts": `${LISTEN}channel.consume("order-placed", onOrder);\n`,
        ...extra,
      },
    },
  ]);
}

describe("worldline services", () => {
  it("prints the inferred map as a table with its evidence, what it skipped and how to correct it", async () => {
    const repo = servicesRepo();
    const r = await runCli(["services", "--repo", repo]);
    expect(r).toMatchObject({ code: 0, err: "" });
    expect(r.out.split("\n")).toEqual([
      "NAME    DIR              ENTRY                         URLS                               CONSUMES",
      "api     services/api     services/api/src/server.ts    http://api, http://api:3000        -",
      "orders  services/orders  services/orders/src/index.ts  http://orders, http://orders:4000  order-placed",
      "",
      "inferred from: docker-compose.yml, services/api/package.json, services/orders/package.json, services/orders/src/index.ts",
      "  api:",
      "    docker-compose.yml services.api.build: dir services/api",
      "    docker-compose.yml services.api: url http://api",
      "    docker-compose.yml services.api.ports[0] 8080:3000: url http://api:3000",
      "    services/api/package.json name @shop/api (package.json workspaces): the same folder as compose service api",
      "    services/api/package.json scripts.start (node dist/server.js): entry services/api/src/server.ts",
      "  orders:",
      "    docker-compose.yml services.orders.build: dir services/orders",
      "    docker-compose.yml services.orders: url http://orders",
      "    services/orders/package.json name @shop/orders (package.json workspaces): the same folder as compose service orders",
      "    services/orders/src/index.ts calls createServer( or .listen(: entry services/orders/src/index.ts",
      "    docker-compose.yml services.api.environment.ORDERS_URL: url http://orders:4000",
      "    services/orders/src/index.ts:2 amqplib consume(): consumes order-placed",
      "skipped:",
      "  db: docker-compose.yml services.db has only image postgres:16: it runs outside the repo",
      'put a "services" map in worldline.config.json to correct or fix this map',
    ]);
  });

  it("prints the ServiceMap as JSON", async () => {
    const repo = servicesRepo();
    const r = await runCli(["services", "--repo", repo, "--format", "json"]);
    expect(r.code).toBe(0);
    const map = JSON.parse(r.out) as unknown;
    expect(map).toEqual(serviceMap(repo, loadConfig(repo)));
    expect(map).toMatchObject({
      source: "inferred",
      services: [
        { name: "api", dir: "services/api", entry: "services/api/src/server.ts", urls: ["http://api", "http://api:3000"], consumes: [] },
        { name: "orders", dir: "services/orders", entry: "services/orders/src/index.ts", urls: ["http://orders", "http://orders:4000"], consumes: ["order-placed"] },
      ],
      skipped: [{ name: "db" }],
    });
  });

  it("says where a configured map came from, and a {} map is one service", async () => {
    const repo = servicesRepo({ "worldline.config.json": JSON.stringify({ services: { api: { dir: "services/api", entry: "services/api/src/server.ts", urls: ["http://api:3000"] } } }) });
    const r = await runCli(["services", "--repo", repo, "--format", "text"]);
    expect(r.code).toBe(0);
    expect(r.out.split("\n")).toEqual([
      "NAME  DIR           ENTRY                       URLS             CONSUMES",
      "api   services/api  services/api/src/server.ts  http://api:3000  -",
      "",
      "source: config (worldline.config.json)",
      'edit the "services" map in worldline.config.json to correct this map',
    ]);
    writeFileSync(join(repo, "worldline.config.json"), JSON.stringify({ services: {} }));
    const single = await runCli(["services", "--repo", repo]);
    expect(single.out.split("\n")[0]).toBe('no services: worldline.config.json has "services": {}, a single-service repo');
  });

  it("exits 2 with one line for a configured entry that does not exist, a malformed compose file or a bad --format", async () => {
    const missing = servicesRepo({ "worldline.config.json": JSON.stringify({ services: { api: { dir: "services/api", entry: "services/api/src/main.ts" } } }) });
    expect(await runCli(["services", "--repo", missing])).toEqual({
      code: 2,
      out: "",
      err: 'worldline: worldline.config.json services.api.entry "services/api/src/main.ts" does not exist in the working tree: correct the path (relative to the repo root) or remove the service',
    });
    const malformed = servicesRepo({ "docker-compose.yml": "services:\n  api:\n    build: [services/api\n" });
    const bad = await runCli(["services", "--repo", malformed]);
    expect(bad).toMatchObject({ code: 2, out: "" });
    expect(bad.err).toMatch(/^worldline: docker-compose\.yml line \d+ does not parse \([^\n]+\): fix it, or put a "services" map in worldline\.config\.json[^\n]*$/);
    const format = await runCli(["services", "--repo", malformed, "--format", "html"]);
    expect(format).toEqual({ code: 2, out: "", err: 'worldline: --format "html" for worldline services: expected text or json' });
  });

  it("is listed in the help, with its options", async () => {
    expect((await runCli(["--help"])).out).toMatch(/\n {2}services +The repo's services/);
    const help = await runCli(["services", "--help"]);
    expect(help.out).toContain("Usage: worldline services [--format text|json] [--repo DIR]");
    expect(help.out).toContain("--format FORMAT");
  });
});

describe("worldline demo with a sample name", () => {
  it("refuses an unknown sample in one line naming it and the samples there are", async () => {
    const r = await runCli(["demo", "nope"]);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe('worldline: unknown sample "nope" for worldline demo: expected billing or shop');
  });
});
