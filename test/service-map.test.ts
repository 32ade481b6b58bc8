import { afterEach, describe, expect, it } from "vitest";
import { UserError } from "../core/errors.js";
import { loadConfig } from "../core/repo.js";
import { serviceMap, type ServiceMap } from "../core/service-map.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A git repo of these files in one commit. */
function repoOf(files: Record<string, string>): string {
  const t = tempDir("worldline-services-");
  cleanups.push(t.cleanup);
  return makeRepo(t.dir, [{ message: "services", files }]);
}

function mapOf(files: Record<string, string>): ServiceMap {
  const repo = repoOf(files);
  return serviceMap(repo, loadConfig(repo));
}

/** The error serviceMap throws for a repo, which must be a UserError of one line. */
function errorOf(files: Record<string, string>): string {
  const repo = repoOf(files);
  try {
    serviceMap(repo, loadConfig(repo));
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    const message = (err as Error).message;
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error("serviceMap did not throw");
}

const LISTEN = 'import http from "node:http";\nhttp.createServer((req, res) => res.end("ok")).listen(Number(process.env.PORT ?? 3000));\n';

/** Three compose services: api (a package whose start script names its entry), billing (a Dockerfile's CMD), postgres (an image). */
const COMPOSE_REPO: Record<string, string> = {
  "docker-compose.yml": `
x-common: &common
  restart: unless-stopped
services:
  api:
    <<: *common
    build: ./services/api/
    ports:
      - "8080:3000"
      - target: 9229
        published: 9229
      - "5353:5353/udp"
    environment:
      - BILLING_URL=http://billing:4000/v1
      - DATABASE_URL=postgres://postgres:5432/app
      - DOCS_URL=https://docs.example.com/api
  billing:
    build:
      context: services/billing
      dockerfile: Dockerfile
    expose: ["4000"]
    environment:
      PORT: 4000
      API_URL: http://api:3000
  postgres:
    image: postgres:16
    ports: ["5432:5432"]
`,
  "services/api/package.json": JSON.stringify({ name: "@acme/api", scripts: { start: "tsx src/server.ts" } }),
  "services/api/src/server.ts": LISTEN,
  "services/api/src/server.test.ts": 'channel.consume("test-only", () => {});\n',
  "services/billing/Dockerfile": 'FROM node:20 AS build\nCMD ["node", "build.js"]\nFROM node:20\nWORKDIR /app\nCOPY . .\nCMD ["node", "/app/dist/app.js"]\n',
  "services/billing/src/app.ts": `${LISTEN}import { Kafka } from "kafkajs";\nawait consumer.subscribe({ topic: "invoice-requested", fromBeginning: true });\nawait channel.consume('refunds', onRefund);\nnew Worker("emails", sendEmail);\nnew Worker("./thread.js");\nawait sqs.send(new ReceiveMessageCommand({ QueueUrl: "https://sqs.eu-west-1.amazonaws.com/1234/ledger-entries", WaitTimeSeconds: 20 }));\nConsumer.create({ queueUrl: "https://sqs.eu-west-1.amazonaws.com/1234/audit.fifo", handleMessage });\n`,
  "services/billing/node_modules/lib/index.js": 'channel.consume("from-a-dependency", f);\n',
};

describe("service map inferred from docker-compose", () => {
  it("maps the services with a build, their URLs, entries and topics; an image-only service is skipped", () => {
    const map = mapOf(COMPOSE_REPO);
    expect(map.source).toBe("inferred");
    expect(map.services).toEqual([
      { name: "api", dir: "services/api", entry: "services/api/src/server.ts", urls: ["http://api", "http://api:3000", "http://api:9229"], consumes: [] },
      {
        name: "billing",
        dir: "services/billing",
        entry: "services/billing/src/app.ts",
        urls: ["http://billing", "http://billing:4000"],
        consumes: ["audit.fifo", "emails", "invoice-requested", "ledger-entries", "refunds"],
      },
    ]);
    expect(map.skipped).toEqual([{ name: "postgres", why: "docker-compose.yml services.postgres has only image postgres:16: it runs outside the repo" }]);
    expect(map.evidence.api).toEqual(
      expect.arrayContaining([
        "docker-compose.yml services.api.build: dir services/api",
        "docker-compose.yml services.api.ports[0] 8080:3000: url http://api:3000",
        "docker-compose.yml services.billing.environment.API_URL: url http://api:3000",
        "services/api/package.json scripts.start (tsx src/server.ts): entry services/api/src/server.ts",
      ]),
    );
    expect(map.evidence.billing).toEqual(
      expect.arrayContaining([
        "docker-compose.yml services.api.environment.BILLING_URL: url http://billing:4000",
        "docker-compose.yml services.billing.environment.PORT 4000: url http://billing:4000",
        'services/billing/Dockerfile CMD ["node", "/app/dist/app.js"]: entry services/billing/src/app.ts',
        "services/billing/src/app.ts:4 kafkajs subscribe({ topic }): consumes invoice-requested",
        "services/billing/src/app.ts:8 SQS ReceiveMessageCommand({ QueueUrl }): consumes ledger-entries",
        "services/billing/src/app.ts:9 sqs-consumer Consumer.create({ queueUrl }): consumes audit.fifo",
      ]),
    );
  });

  it("is the same map on every call: services by name, URLs sorted and without repeats", () => {
    const repo = repoOf(COMPOSE_REPO);
    const first = serviceMap(repo, loadConfig(repo));
    expect(JSON.stringify(serviceMap(repo, loadConfig(repo)))).toBe(JSON.stringify(first));
    for (const s of first.services) expect(s.urls).toEqual([...new Set(s.urls)].sort());
  });

  it("leaves out a compose service with no server entry, saying why", () => {
    const map = mapOf({
      "compose.yaml": "services:\n  web:\n    build: web\n  cron:\n    build: { context: ./cron }\n",
      "web/index.ts": LISTEN,
      "cron/job.ts": "console.log('tick');\n",
    });
    expect(map.services.map((s) => [s.name, s.entry])).toEqual([["web", "web/index.ts"]]);
    expect(map.skipped).toHaveLength(1);
    expect(map.skipped[0]?.name).toBe("cron");
    expect(map.skipped[0]?.why).toMatch(/^compose\.yaml services\.cron\.build: dir cron, but no server entry in cron: /);
  });

  it("refuses a malformed compose file in one line naming the file and the line", () => {
    const message = errorOf({ "docker-compose.yml": "services:\n  api:\n    build: .\n  billing:\n   - oops: [\n", "index.ts": LISTEN });
    expect(message).toMatch(/^docker-compose\.yml line \d+ does not parse \(.+\): fix it, or put a "services" map in worldline\.config\.json/);
  });

  it("refuses a compose file whose services are not a mapping", () => {
    expect(errorOf({ "compose.yml": "services: [api, billing]\n" })).toMatch(/^compose\.yml does not parse \(services is not a mapping/);
  });
});

describe("service map inferred from workspaces", () => {
  const workspace = (root: Record<string, string>): Record<string, string> => ({
    ...root,
    // main names the build, whose source calls listen
    "services/orders/package.json": JSON.stringify({ name: "@shop/orders", main: "dist/server.js" }),
    "services/orders/src/server.ts": 'import express from "express";\nconst app = express();\napp.listen(3000);\nchannel.consume("order-placed", handle);\n',
    // no package.json entry: the first fallback that starts a server
    "services/users/package.json": JSON.stringify({ name: "users", exports: { ".": { import: "./dist/index.js" } } }),
    "services/users/src/index.ts": "export * from './lib.js';\n",
    "services/users/src/main.ts": LISTEN,
    // a library: no server entry
    "services/money/package.json": JSON.stringify({ name: "@shop/money", main: "dist/index.js" }),
    "services/money/src/index.ts": "export const cents = (n: number) => Math.round(n * 100);\n",
    "tools/cli/package.json": JSON.stringify({ name: "cli", scripts: { start: "node cli.js" } }),
    "tools/cli/cli.js": LISTEN,
  });

  it("maps npm workspace packages with a server entry, named without their scope", () => {
    const map = mapOf(workspace({ "package.json": JSON.stringify({ name: "shop", private: true, workspaces: { packages: ["services/*"] } }) }));
    expect(map.source).toBe("inferred");
    expect(map.services).toEqual([
      { name: "orders", dir: "services/orders", entry: "services/orders/src/server.ts", urls: [], consumes: ["order-placed"] },
      { name: "users", dir: "services/users", entry: "services/users/src/main.ts", urls: [], consumes: [] },
    ]);
    expect(map.evidence.orders).toEqual([
      "services/orders/package.json name @shop/orders (package.json workspaces): dir services/orders",
      "services/orders/package.json main dist/server.js: entry services/orders/src/server.ts",
      "services/orders/src/server.ts:4 amqplib consume(): consumes order-placed",
    ]);
    expect(map.skipped.map((s) => s.name)).toEqual(["money"]);
    expect(map.skipped[0]?.why).toMatch(/^services\/money\/package\.json name @shop\/money \(package\.json workspaces\), but no server entry in services\/money/);
  });

  it("reads pnpm-workspace.yaml packages, negations left out", () => {
    const map = mapOf(workspace({ "package.json": JSON.stringify({ name: "shop" }), "pnpm-workspace.yaml": "packages:\n  - 'services/*'\n  - tools/*\n  - '!services/users'\n" }));
    expect(map.services.map((s) => `${s.name} ${s.entry}`)).toEqual(["cli tools/cli/cli.js", "orders services/orders/src/server.ts"]);
  });

  it("merges a compose service with the workspace package in its folder", () => {
    const map = mapOf(
      workspace({
        "package.json": JSON.stringify({ workspaces: ["services/*"] }),
        "docker-compose.yml": "services:\n  orders:\n    build: services/orders\n    environment: [PORT=3000]\n  web:\n    build: services/users\n",
      }),
    );
    expect(map.services.map((s) => [s.name, s.dir, s.entry, s.urls.join(" ")])).toEqual([
      ["orders", "services/orders", "services/orders/src/server.ts", "http://orders http://orders:3000"],
      ["web", "services/users", "services/users/src/main.ts", "http://web"],
    ]);
    expect(map.evidence.web).toContain("services/users/package.json name users (package.json workspaces): the same folder as compose service web");
  });
});

describe("service map with Kubernetes manifests", () => {
  it("adds in-cluster URLs to the service of the same name or app selector; alone a manifest gives no service", () => {
    const map = mapOf({
      "package.json": JSON.stringify({ workspaces: ["packages/*"] }),
      "packages/billing/package.json": JSON.stringify({ name: "@acme/billing", scripts: { start: "node dist/server.js" } }),
      "packages/billing/src/server.ts": LISTEN,
      "packages/ledger/package.json": JSON.stringify({ name: "ledger" }),
      "packages/ledger/index.ts": LISTEN,
      "k8s/billing.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: billing\n  namespace: payments\nspec:\n  ports:\n    - port: 80\n      targetPort: 3000\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: billing\n",
      "deploy/prod/ledger-svc.yml": "kind: Service\nmetadata:\n  name: ledger-api\nspec:\n  selector:\n    app: ledger\n  ports: [{ port: 8080 }]\n",
      "manifests/redis.yaml": "kind: Service\nmetadata:\n  name: redis\nspec:\n  ports: [{ port: 6379 }]\n",
      "deploy/chart/templates/svc.yaml": "kind: Service\nmetadata:\n  name: {{ .Values.name }}\n",
    });
    expect(map.services).toEqual([
      { name: "billing", dir: "packages/billing", entry: "packages/billing/src/server.ts", urls: ["http://billing", "http://billing.payments.svc.cluster.local"], consumes: [] },
      {
        name: "ledger",
        dir: "packages/ledger",
        entry: "packages/ledger/index.ts",
        urls: ["http://ledger-api", "http://ledger-api.default.svc.cluster.local", "http://ledger-api.default.svc.cluster.local:8080", "http://ledger-api:8080"],
        consumes: [],
      },
    ]);
    expect(map.evidence.billing).toContain("k8s/billing.yaml Service billing (namespace payments): urls http://billing, http://billing.payments.svc.cluster.local");
    expect(map.skipped).toEqual([{ name: "redis", why: "manifests/redis.yaml Service redis (namespace default) matches no compose service or workspace package by name, and a manifest alone gives no folder" }]);
  });
});

describe("service map from worldline.config.json", () => {
  const config = (services: unknown) => JSON.stringify({ services });

  it("is exactly the configured map, inference not consulted", () => {
    const map = mapOf({
      ...COMPOSE_REPO,
      "worldline.config.json": config({
        payments: { dir: "./services/billing/", entry: "services/billing/src/app.ts", urls: ["http://payments:4000", "http://billing:4000", "http://payments:4000"], consumes: ["refunds"] },
      }),
    });
    expect(map).toEqual({
      services: [{ name: "payments", dir: "services/billing", entry: "services/billing/src/app.ts", urls: ["http://billing:4000", "http://payments:4000"], consumes: ["refunds"] }],
      source: "config",
      evidence: { payments: ["worldline.config.json services.payments"] },
      skipped: [],
    });
  });

  it("takes {} as a single-service repo, whatever compose says", () => {
    expect(mapOf({ ...COMPOSE_REPO, "worldline.config.json": config({}) })).toEqual({ services: [], source: "config", evidence: {}, skipped: [] });
  });

  it("is none when no file names services", () => {
    expect(mapOf({ "package.json": JSON.stringify({ name: "solo", main: "index.js" }), "index.js": LISTEN })).toEqual({ services: [], source: "none", evidence: {}, skipped: [] });
  });

  it("refuses a dir or entry that is missing or outside the repo, naming the service, field and path", () => {
    const cases: Array<[unknown, string]> = [
      [{ billing: { dir: "services/billing", entry: "services/billing/src/server.ts" } }, 'worldline.config.json services.billing.entry "services/billing/src/server.ts" does not exist in the working tree: correct the path (relative to the repo root) or remove the service'],
      [{ billing: { dir: "services/biling", entry: "services/billing/src/app.ts" } }, 'worldline.config.json services.billing.dir "services/biling" does not exist in the working tree: correct the path (relative to the repo root) or remove the service'],
      [{ api: { dir: "../elsewhere", entry: "services/api/src/server.ts" } }, 'worldline.config.json services.api.dir "../elsewhere" is outside the repo: correct the path (relative to the repo root) or remove the service'],
      [{ api: { dir: "services/api/src/server.ts", entry: "services/api/src/server.ts" } }, 'worldline.config.json services.api.dir "services/api/src/server.ts" is not a directory: correct the path (relative to the repo root) or remove the service'],
      [
        { a: { dir: "services/api", entry: "services/api/src/server.ts", urls: ["http://shared:1"] }, b: { dir: "services/billing", entry: "services/billing/src/app.ts", urls: ["http://shared:1"] } },
        'worldline.config.json services.b.urls: "http://shared:1" is also a URL of service "a": give each URL to one service, so a request to it has one receiver',
      ],
    ];
    const problems: string[] = [];
    for (const [services, expected] of cases) {
      const got = errorOf({ ...COMPOSE_REPO, "worldline.config.json": config(services) });
      if (got !== expected) problems.push(`${JSON.stringify(services)}:\n  got      ${got}\n  expected ${expected}`);
    }
    expect(problems).toEqual([]);
  });
});
