import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CodeGraphService } from "../servers/code-graph/service.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * A route whose handler is written inline (`app.post("/x", (req, res) => ...)`) has no symbol of its own: the
 * impact of a change in what the handler calls still reaches the route, whether the route is set up at module
 * level or inside a function that builds the app.
 */
const FILES: Record<string, string> = {
  "package.json": JSON.stringify({ name: "shop", type: "module", dependencies: { express: "5.0.0", polka: "0.5.2" } }),
  "src/tax.ts": "export function taxCents(cents: number): number {\n  return Math.round(cents * 0.2);\n}\nexport function feeCents(cents: number): number {\n  return Math.round(cents * 0.03);\n}\n",
  "src/server.ts": [
    'import express from "express";',
    'import { taxCents } from "./tax.js";',
    "const app = express();",
    'app.post("/charges", (req: { body: { cents: number } }, res: { json(v: unknown): void }) => {',
    "  const tax = taxCents(req.body.cents);",
    "  res.json({ tax });",
    "});",
    'app.get("/health", (_req: unknown, res: { send(s: string): void }) => res.send("ok"));',
    "app.listen(3000);",
    "",
  ].join("\n"),
  "src/app.ts": [
    'import polka from "polka";',
    'import { feeCents } from "./tax.js";',
    "export function createApp() {",
    "  return polka().post(\"/fees\", async (req: { query: { cents: string } }, res: { end(s: string): void }) => {",
    "    res.end(String(feeCents(Number(req.query.cents))));",
    "  });",
    "}",
    "",
  ].join("\n"),
};

describe("impact through inline route handlers", () => {
  const tmp = tempDir();
  let service: CodeGraphService;
  beforeAll(async () => {
    makeRepo(tmp.dir, [{ message: "a shop", files: FILES }]);
    service = new CodeGraphService(tmp.dir);
    await service.index();
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("a module-level inline handler's route is hit by a change in what it calls", async () => {
    const g = await service.graph();
    const items = g.impact(["src/tax.ts#taxCents"], 10).items;
    expect(items).toContainEqual({ symbol: "src/server.ts:4", distance: 1, towards: "src/tax.ts#taxCents", site: "src/server.ts:5", entryPoints: ["route POST /charges"] });
    // The other inline handler of the file calls nothing of the repo: only one route is hit.
    expect(items.flatMap((i) => i.entryPoints)).toEqual(["route POST /charges"]);
  });

  it("an inline handler inside the function that builds the app is the route's, not that function's", async () => {
    const g = await service.graph();
    const items = g.impact(["src/tax.ts#feeCents"], 10).items;
    expect(items.map((i) => [i.symbol, i.entryPoints])).toEqual([["src/app.ts:4", ["route POST /fees"]]]);
  });
});
