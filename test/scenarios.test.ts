import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main, type Io } from "../agent/cli.js";
import { parseScenario, renderScenario } from "../servers/scenarios/format.js";
import { ScenarioService } from "../servers/scenarios/service.js";
import { loadScenarios, writeScenario } from "../servers/scenarios/store.js";
import { V1_FILES, V2_CONVERT } from "./helpers/code-fixture.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";
import { SCENARIO_FILES } from "./helpers/scenario-fixture.js";

describe("scenario format", () => {
  it("parses front matter with a simulate block, and renders what it parses", () => {
    const s = parseScenario("scenarios/eu-invoice-fx.md", SCENARIO_FILES["scenarios/eu-invoice-fx.md"]!);
    expect(s).toMatchObject({
      id: "eu-invoice-fx",
      source: ["ticket:SUP-101"],
      workflow: "invoicing",
      simulate: { world: { env: { BILLING_CURRENCY_DEFAULT: "EUR" } }, steps: [{ call: "src/billing/invoice.ts#generateInvoice", args: [100.005, "USD"] }] },
    });
    expect(parseScenario(s.path, renderScenario(s))).toEqual(s);
  });

  it("names the file and the field of a malformed scenario", () => {
    expect(() => parseScenario("scenarios/x.md", "no front matter")).toThrow("scenario scenarios/x.md: expected YAML front matter between --- lines, then the description");
    expect(() => parseScenario("scenarios/x.md", "---\nid: x\ntitle: t\nsimulate:\n  steps: []\n---\n")).toThrow('scenario scenarios/x.md: field "simulate.steps" simulate needs at least one step');
    expect(() => parseScenario("scenarios/x.md", "---\nid: x\ntitle: t\nsimulate:\n  steps:\n    - call: generateInvoice\n---\n")).toThrow(/field "simulate.steps.0.call" a symbol is path#Name/);
    expect(() => parseScenario("scenarios/x.md", "---\nid: x\ntitle: t\ncolour: red\n---\n")).toThrow(/Unrecognized key: "colour"/);
  });
});

describe("scenarios of the code fixture", () => {
  const tmp = tempDir();
  let service: ScenarioService;

  beforeAll(() => {
    makeRepo(tmp.dir, [
      { message: "Billing service v1 with scenarios", files: { ...V1_FILES, ...SCENARIO_FILES } },
      { message: "SUP-9: round before converting", files: { "src/fx/convert.ts": V2_CONVERT } },
    ]);
    service = new ScenarioService(tmp.dir);
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("loads every good file, reports the bad one and a duplicate id, and records scenario nodes", async () => {
    const loaded = await loadScenarios(tmp.dir, ["scenarios"], "HEAD");
    expect(loaded.scenarios.map((s) => s.id)).toEqual(["eu-invoice-fx", "mystery", "payment-timeout"]);
    expect(loaded.errors.map((e) => e.file)).toEqual(["scenarios/broken.md"]);
    await writeScenario(tmp.dir, { ...loaded.scenarios[1]!, path: "scenarios/copy.md" }, "scenarios");
    const dup = await loadScenarios(tmp.dir, ["scenarios"]);
    expect(dup.errors).toContainEqual({ file: "scenarios/mystery.md", message: 'scenario scenarios/mystery.md: id "mystery" is already used by scenarios/copy.md; ids must be unique' });
    await service.load("HEAD");
    expect((await service.graph.edgesOf("scenario:eu-invoice-fx", { direction: "out" })).map((e) => `${e.rel} ${e.dst}`).sort()).toEqual([
      "enters symbol:src/billing/invoice.ts#generateInvoice",
      "motivated-by ticket:SUP-101",
    ]);
  });

  it("selects the scenarios a change can affect, with reasons", async () => {
    const r = await service.select("HEAD~1", "HEAD");
    expect(r.changed).toEqual(["src/fx/convert.ts#convert"]);
    expect(r.selected).toEqual([
      {
        scenario: "eu-invoice-fx",
        score: 1,
        reasons: ["its run on base covers src/fx/convert.ts:7 (a statement it ran (line 7))", "src/fx/convert.ts#convert is reachable from src/billing/invoice.ts#generateInvoice (1 calls away)"],
      },
    ]);
  });

  it("simulates statically: at-risk at the changed lines, unaffected off the path, error without entries", async () => {
    const fx = await service.simulateStatic("eu-invoice-fx", "HEAD~1", "HEAD");
    expect(fx.verdict).toMatchObject({ verdict: "at-risk", depth: "static" });
    expect(fx.verdict.steps).toEqual([
      { symbol: "src/fx/convert.ts#convert", location: "src/fx/convert.ts:4", kind: "enter", depth: 1, touched: { change: "modified-body", hunks: ["src/fx/convert.ts:7-8"] } },
      { symbol: "src/fx/convert.ts#convert", location: "src/fx/convert.ts:7", kind: "call", call: "packages/money/src/index.ts#roundCents", depth: 1, touched: { change: "changed-line", hunks: ["src/fx/convert.ts:7-8"] } },
    ]);
    const timeout = await service.simulateStatic("payment-timeout", "HEAD~1", "HEAD");
    expect(timeout.verdict.verdict).toBe("unaffected");
    expect(timeout.entries.map((e) => e.symbol)).toEqual(["src/billing/invoice.ts#paymentTimeout", "src/http/fastify.ts#timeoutHandler"]);
    const mystery = await service.simulateStatic("mystery", "HEAD~1", "HEAD");
    expect(mystery.verdict).toMatchObject({ verdict: "error", reason: expect.stringMatching(/^no entry point found/) });
    await expect(service.simulateStatic("eu-invoice", "HEAD~1", "HEAD")).rejects.toThrow(/unknown scenario "eu-invoice".*did you mean eu-invoice-fx/);
  });

  it("records each simulation with what it covered; selection cites the base run's own coverage", async () => {
    const fx = await service.simulateStatic("eu-invoice-fx", "HEAD~1", "HEAD");
    const covers = (await service.graph.edgesOf(fx.simulation, { direction: "out", rels: ["covers"] })).map((e) => e.dst);
    expect(covers).toEqual(
      expect.arrayContaining(["symbol:src/billing/invoice.ts#generateInvoice", "symbol:src/fx/convert.ts#convert", "symbol:packages/money/src/index.ts#roundCents"]),
    );
    expect((await service.graph.edgesOf(fx.simulation, { direction: "out", rels: ["evaluated"] }))[0]?.dst).toMatch(/^commit:[0-9a-f]{40}$/);
    expect((await service.graph.edgesOf(fx.simulation, { direction: "in", rels: ["motivated-by"] })).length).toBe(1);
    const r = await service.select("HEAD~1", "HEAD");
    expect(r.selected[0]).toMatchObject({ scenario: "eu-invoice-fx", score: 1 });
    expect(r.selected[0]?.reasons[0]).toBe("its run on base covers src/fx/convert.ts:7 (a statement it ran (line 7))");
  });

  it("worldline simulate prints each verdict with its root cause and a fix checked by re-simulation", async () => {
    const out: string[] = [];
    const io: Io = { out: (l) => out.push(l), err: () => undefined };
    vi.stubEnv("COLUMNS", "100"); // the terminal report wraps to the terminal's width
    expect(await main(["simulate", "--repo", tmp.dir, "--base", "HEAD~1", "--head", "HEAD"], io)).toBe(0);
    vi.unstubAllEnvs();
    const lines = out.join("\n").split("\n");
    expect(lines[0]).toMatch(/^Worldline: HEAD~1 \([0-9a-f]{12}\) → HEAD \([0-9a-f]{12}\) \(embedded planner\)$/);
    const text = lines.join("\n");
    expect(text).toContain("\nFAIL       eu-invoice-fx (differential): step 1: expectation `result.total ===\n             Math.round(result.total * 100) / 100` fails on head");
    expect(text).toContain("\n           root cause src/fx/convert.ts:7 in src/fx/convert.ts#convert: base 108.44, head\n             108.44084300000002\n");
    expect(lines.filter((l) => l.length > 100)).toEqual([]);
    expect(lines.join("\n")).toContain("           fix (verified by re-simulation: eu-invoice-fx fail→pass), the hunk reverted:");
    expect(lines.at(-1)).toBe("1 fail");
    const errs: string[] = [];
    expect(await main(["simulate", "--repo", tmp.dir, "--format", "yaml"], { out: () => undefined, err: (l) => errs.push(l) })).toBe(2);
    expect(errs.join("\n")).toMatch(/--format "yaml": expected one of terminal, markdown, json, sarif/);
    const list: string[] = [];
    expect(await main(["scenarios", "list", "--repo", tmp.dir, "--rev", "HEAD"], { out: (l) => list.push(l), err: () => undefined })).toBe(0);
    expect(list.at(-1)).toBe("3 scenarios, 1 files did not load");
  });
});
