import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CodeGraphService } from "../servers/code-graph/service.js";
import { makeCodeFixture, V1_FILES } from "./helpers/code-fixture.js";
import { tempDir } from "./helpers/git-fixture.js";

describe("code graph of a fixture repo", () => {
  const tmp = tempDir();
  let service: CodeGraphService;

  beforeAll(async () => {
    makeCodeFixture(tmp.dir);
    service = new CodeGraphService(tmp.dir);
    await service.index();
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("records symbols with kind, span, signature, doc and export flag", async () => {
    const g = await service.graph();
    const inv = g.requireSymbol("src/billing/invoice.ts#generateInvoice");
    expect(inv).toMatchObject({
      kind: "function",
      span: "src/billing/invoice.ts:9-13",
      signature: "generateInvoice(amount: number, currency: string): Invoice",
      exported: true,
    });
    expect(inv.doc).toContain("plan change");
    expect(g.requireSymbol("src/fx/rates.ts#EcbRates.getRate").kind).toBe("method");
    expect(g.requireSymbol("src/fx/rates.ts#FixedRates.constructor").kind).toBe("constructor");
    expect(g.requireSymbol("src/fx/rates.ts#RateSource.getRate").kind).toBe("method-signature");
    expect(g.requireSymbol("src/lib/clock.ts#now").kind).toBe("arrow-function");
    expect(g.requireSymbol("src/http/app.ts#default")).toMatchObject({ name: "createApp", kind: "function" });
    expect(g.requireSymbol("lib/greet.js#greet").kind).toBe("function");
  });

  it("searches by name and by doc-comment words", async () => {
    const g = await service.graph();
    expect(g.search("getRate").map((s) => s.id)).toEqual(
      expect.arrayContaining(["src/fx/rates.ts#RateSource.getRate", "src/fx/rates.ts#EcbRates.getRate", "src/fx/rates.ts#FixedRates.getRate"]),
    );
    expect(g.search("rounds amount cents")[0]?.id).toBe("packages/money/src/index.ts#roundCents");
    expect(g.search("Rates", { kind: "class" }).map((s) => s.id).sort()).toEqual(["src/fx/rates.ts#EcbRates", "src/fx/rates.ts#FixedRates"]);
  });

  it("resolves calls through imports, path aliases, workspace packages and re-exports", async () => {
    const g = await service.graph();
    const callees = g.callees("src/billing/invoice.ts#generateInvoice", 1).map((c) => `${c.kind} ${c.callee} @${c.site}`);
    expect(callees).toEqual(
      expect.arrayContaining([
        "call src/fx/convert.ts#convert @src/billing/invoice.ts:11",
        "new src/fx/rates.ts#EcbRates @src/billing/invoice.ts:11",
        "call src/lib/clock.ts#now @src/billing/invoice.ts:12",
      ]),
    );
    const convert = g.callees("src/fx/convert.ts#convert", 1).map((c) => c.callee);
    expect(convert).toContain("packages/money/src/index.ts#roundCents");
  });

  it("lists every implementation as a candidate for a call through an interface", async () => {
    const g = await service.graph();
    const viaInterface = g.callees("src/fx/convert.ts#convert", 1).filter((c) => c.site === "src/fx/convert.ts:6");
    expect(viaInterface.map((c) => c.callee).sort()).toEqual([
      "src/fx/rates.ts#EcbRates.getRate",
      "src/fx/rates.ts#FixedRates.getRate",
      "src/fx/rates.ts#RateSource.getRate",
    ]);
    const callers = g.callers("src/fx/rates.ts#EcbRates.getRate", 1);
    expect(callers).toEqual([
      expect.objectContaining({ caller: "src/fx/convert.ts#convert", site: "src/fx/convert.ts:6", via: "src/fx/rates.ts#RateSource.getRate" }),
    ]);
  });

  it("follows callers through default exports and counts `new` as a constructor call", async () => {
    const g = await service.graph();
    const callers = g.callers("src/billing/invoice.ts#generateInvoice", 2).map((c) => `${c.depth} ${c.caller}`);
    expect(callers).toEqual(expect.arrayContaining(["1 src/http/app.ts#invoiceRoute", "1 src/http/controller.ts#CustomerController.invoice"]));
    const ctor = g.callers("src/fx/rates.ts#FixedRates.constructor", 1);
    expect(ctor).toEqual([]);
    const ecb = g.callers("src/fx/rates.ts#EcbRates", 1, true).map((c) => c.caller);
    expect(ecb).toContain("src/billing/invoice.ts#generateInvoice");
  });

  it("finds call paths and the transitive impact of a line up to the entry points", async () => {
    const g = await service.graph();
    const paths = g.callPaths("src/http/app.ts#invoiceRoute", "packages/money/src/index.ts#roundCents", 8, 5);
    expect(paths[0]?.map((s) => s.symbol)).toEqual([
      "src/http/app.ts#invoiceRoute",
      "src/billing/invoice.ts#generateInvoice",
      "src/fx/convert.ts#convert",
      "packages/money/src/index.ts#roundCents",
    ]);
    const impact = g.impact(["src/fx/convert.ts:7"], 10);
    expect(impact.targets).toEqual(["src/fx/convert.ts#convert"]);
    const byId = new Map(impact.items.map((i) => [i.symbol, i]));
    expect(byId.get("src/billing/invoice.ts#generateInvoice")?.distance).toBe(1);
    expect(byId.get("src/http/app.ts#invoiceRoute")).toMatchObject({ distance: 2, entryPoints: ["route POST /invoices"] });
    expect(byId.get("src/http/app.ts#default")).toMatchObject({ distance: 3, entryPoints: ["package-export"] });
    expect(byId.get("src/http/controller.ts#CustomerController.invoice")?.entryPoints).toEqual(["route POST /customers/:id/invoices"]);
    const distances = impact.items.map((i) => i.distance);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
  });

  it("finds the line that holds an error message, and config reads", async () => {
    const g = await service.graph();
    expect(g.findLiteral("Invalid currency code", false)).toEqual([
      { location: "src/fx/convert.ts:5", value: "Invalid currency code: ${}", symbol: "src/fx/convert.ts#convert" },
    ]);
    const reads = service.store.db
      .prepare("SELECT key, kind, symbol FROM cg_config_read r JOIN cg_manifest_file mf ON mf.hash = r.hash WHERE mf.manifest = ? ORDER BY key")
      .all(g.revision.manifest);
    expect(reads).toEqual([
      { key: "BILLING_CURRENCY_DEFAULT", kind: "env", symbol: "generateInvoice" },
      { key: "payment.timeoutMs", kind: "config", symbol: "paymentTimeout" },
    ]);
  });

  it("lists entry points: package exports, routes of each framework, bins and scripts", async () => {
    const g = await service.graph();
    const entries = g.entryPoints();
    const routes = entries.filter((e) => e.kind === "route").map((e) => `${e.detail.split(" (")[0]} -> ${e.symbol}`);
    const frameworks = new Set(entries.filter((e) => e.kind === "route").map((e) => /\((\w+);/.exec(e.detail)?.[1]));
    expect([...frameworks].sort()).toEqual(["express", "fastify", "hono", "koa", "nestjs"]);
    expect(routes.sort()).toEqual([
      "GET /customers/:id -> src/http/controller.ts#CustomerController.find",
      "GET /health -> null",
      "GET /time -> src/http/hono.ts#showTime",
      "GET /timeout -> src/http/fastify.ts#timeoutHandler",
      "GET /users/:id/time -> src/http/hono.ts#showTime",
      "POST /customers/:id/invoices -> src/http/controller.ts#CustomerController.invoice",
      "POST /invoices -> src/http/app.ts#invoiceRoute",
    ]);
    const exports = entries.filter((e) => e.kind === "package-export").map((e) => e.symbol);
    expect(exports).toEqual(expect.arrayContaining(["src/billing/invoice.ts#generateInvoice", "src/http/app.ts#default", "src/fx/convert.ts#convert"]));
    expect(exports).toContain("packages/money/src/index.ts#roundCents");
    expect(entries.filter((e) => e.kind === "bin").map((e) => e.location)).toEqual(["bin/cli.js:1"]);
    expect(entries.filter((e) => e.kind === "main").map((e) => e.location)).toEqual(["bin/cli.js:1"]);
  });

  it("treats require() as an import in plain JavaScript", async () => {
    const g = await service.graph();
    expect(g.callees("bin/cli.js#run", 1).map((c) => c.callee)).toContain("lib/greet.js#greet");
  });

  it("indexes a file that does not parse as far as possible and reports it", async () => {
    const g = await service.graph();
    expect(g.requireSymbol("src/broken.ts#half").kind).toBe("function");
    expect(g.revision.stats.parseErrors).toEqual([expect.objectContaining({ path: "src/broken.ts", line: 5, message: "'}' expected." })]);
  });

  it("holds several revisions at once", async () => {
    const old = await service.graph("HEAD~1");
    const head = await service.graph();
    expect(old.revision.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(old.callees("src/fx/convert.ts#convert", 1).map((c) => c.site)).toContain("src/fx/convert.ts:7");
    expect(head.callees("src/fx/convert.ts#convert", 1).find((c) => c.callee.endsWith("#roundCents"))?.site).toBe("src/fx/convert.ts:7");
    expect(old.requireSymbol("src/fx/convert.ts#convert").span).toBe("src/fx/convert.ts:4-8");
    expect(head.requireSymbol("src/fx/convert.ts#convert").span).toBe("src/fx/convert.ts:4-9");
  });

  it("rejects unknown symbols, paths and revisions with one clear line", async () => {
    const g = await service.graph();
    expect(() => g.requireSymbol("src/fx/convert.ts#convrt")).toThrow(/unknown symbol "src\/fx\/convert.ts#convrt".*did you mean src\/fx\/convert.ts#convert/);
    expect(() => g.requireSymbol("src/nope.ts#x")).toThrow(/unknown path "src\/nope.ts"/);
    expect(() => g.requireSymbol("convert")).toThrow(/not a symbol id: expected path#Name/);
    expect(() => service.symbolId("../outside.ts#x")).toThrow(/outside the repo/);
    await expect(service.graph("no-such-branch")).rejects.toThrow(/unknown revision "no-such-branch"/);
    expect(() => g.symbolAt("src/fx/convert.ts:1")).toThrow(/not inside any symbol/);
  });
});

describe("incremental re-index", () => {
  it("re-parses only a changed file, and re-resolves importers only when its exports change", async () => {
    const tmp = tempDir();
    try {
      makeCodeFixture(tmp.dir);
      const service = new CodeGraphService(tmp.dir);
      const first = await service.index();
      expect(first.stats.parsedFiles).toBe(first.stats.files);

      const again = await service.index();
      expect(again.stats).toMatchObject({ parsedFiles: 0, resolvedFiles: 0 });

      // A body change: one file parsed, one file re-resolved; its importers keep their facts.
      const rates = join(tmp.dir, "src/fx/rates.ts");
      writeFileSync(rates, V1_FILES["src/fx/rates.ts"]!.replace("return 1.0843;", "return 1.0844;"));
      const body = await service.index();
      expect(body.stats).toMatchObject({ parsedFiles: 1, resolvedFiles: 1 });

      // An export change: importers (direct and transitive) are re-resolved and see the new symbol.
      writeFileSync(rates, V1_FILES["src/fx/rates.ts"]!.replace("export class FixedRates", "export class PinnedRates"));
      const surface = await service.index();
      expect(surface.stats.parsedFiles).toBe(1);
      expect(surface.stats.resolvedFiles).toBeGreaterThan(2);
      const g = await service.graph();
      expect(g.callees("src/fx/convert.ts#convert", 1).map((c) => c.callee)).toContain("src/fx/rates.ts#PinnedRates.getRate");
      expect(() => g.requireSymbol("src/fx/rates.ts#FixedRates")).toThrow(/unknown symbol/);

      // The old revision's answers did not change.
      const old = await service.graph("HEAD~1");
      expect(old.requireSymbol("src/fx/rates.ts#FixedRates").kind).toBe("class");
      service.close();
    } finally {
      tmp.cleanup();
    }
  });

  it("reports which working-tree files moved past the index", async () => {
    const tmp = tempDir();
    try {
      makeCodeFixture(tmp.dir);
      const service = new CodeGraphService(tmp.dir);
      await service.index();
      const g = await service.graph();
      expect(await service.staleness(g)).toEqual({});
      writeFileSync(join(tmp.dir, "src/lib/clock.ts"), "export const now = (): Date => new Date(0);\n");
      writeFileSync(join(tmp.dir, "src/new.ts"), "export const x = 1;\n");
      expect(await service.staleness(g)).toEqual({ stale: ["src/lib/clock.ts", "src/new.ts"], staleCount: 2 });
      await service.index();
      expect(await service.staleness(await service.graph())).toEqual({});
      service.close();
    } finally {
      tmp.cleanup();
    }
  });
});
