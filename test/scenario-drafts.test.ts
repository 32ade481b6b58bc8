import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { draftFromTicket, expectedValue, requestIn } from "../servers/scenarios/draft.js";
import { parseScenario } from "../servers/scenarios/format.js";
import { ScenarioService } from "../servers/scenarios/service.js";
import { Ticket } from "../servers/tickets/model.js";
import { V1_FILES } from "./helpers/code-fixture.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";
import { TICKET_FILES } from "./helpers/ticket-fixture.js";
import { importTicketFolder } from "./helpers/ticket-folder.js";

const WRONG_TOTAL = [
  "---",
  "key: SUP-140",
  "title: Invoice total off by a cent for USD to EUR",
  "created: 2026-03-20T09:00:00Z",
  "---",
  "Calling generateInvoice with",
  "```json",
  '{ "amount": 100.005, "currency": "USD" }',
  "```",
  "gives a total of 108.44; the total should be 108.43.",
].join("\n");

const TEST_FILE = [
  'import { describe, expect, it } from "vitest";',
  'import { convert } from "../src/fx/convert";',
  'import { EcbRates } from "../src/fx/rates";',
  "",
  'describe("fx", () => {',
  '  it("converts EUR to USD at the ECB rate", () => {',
  '    expect(convert(new EcbRates(), 10, "EUR", "USD")).toBe(10.84);',
  "  });",
  '  it("refuses lowercase codes", () => {',
  '    expect(() => convert(new EcbRates(), 1, "EUR", "usd")).toThrow();',
  "  });",
  "});",
  "",
].join("\n");

describe("ticket inputs", () => {
  it("finds a request body and the expected value in a ticket's text", () => {
    expect(requestIn("see ```json\n{\"a\": 1}\n```")).toEqual({ a: 1 });
    expect(requestIn('body was {"amount": 5, "nested": {"x": 1}} today')).toEqual({ amount: 5, nested: { x: 1 } });
    expect(requestIn("no json here {not json}")).toBeUndefined();
    expect(expectedValue("the total should be 108.43.")).toEqual({ field: "total", expected: "108.43" });
    expect(expectedValue("it returned 5000 instead of 30000")).toEqual({ field: undefined, expected: "30000" });
  });
});

describe("drafting scenarios", () => {
  const tmp = tempDir();
  let scenarios: ScenarioService;

  beforeAll(async () => {
    makeRepo(tmp.dir, [{ message: "v1", files: { ...V1_FILES, ...TICKET_FILES, "tickets/SUP-140.md": WRONG_TOTAL, "test/fx.test.ts": TEST_FILE } }]);
    await importTicketFolder(tmp.dir);
    scenarios = new ScenarioService(tmp.dir);
  });
  afterAll(() => {
    scenarios.close();
    tmp.cleanup();
  });

  it("drafts an executable scenario from a ticket that carries its inputs and the right value", async () => {
    const [d] = await scenarios.draft({ ticket: "SUP-140" }, false);
    expect(d?.executable).toBe(true);
    expect(d?.scenario.simulate?.steps).toEqual([
      { call: "src/billing/invoice.ts#generateInvoice", args: [{ amount: 100.005, currency: "USD" }], expect: ["result.total === 108.43"] },
    ]);
    expect(parseScenario("scenarios/x.md", d?.text ?? "").source).toEqual(["ticket:SUP-140"]);
  });

  it("drafts a prose-only scenario with a TODO skeleton when inputs are missing, entry points from the stack", async () => {
    const [d] = await scenarios.draft({ ticket: "SUP-101" }, false);
    expect(d?.executable).toBe(false);
    expect(d?.missing).toEqual(["the inputs: a request body or the arguments", "the expected outcome: the value it should have been"]);
    expect(d?.text).toContain("#     - call: src/http/app.ts#invoiceRoute");
    const parsed = parseScenario("scenarios/x.md", d?.text ?? "");
    expect(parsed.simulate).toBeUndefined();
    expect(parsed.entry).toEqual(["src/fx/convert.ts#convert", "src/billing/invoice.ts#generateInvoice", "src/http/app.ts#invoiceRoute"]);
  });

  it("drafts an executable scenario per test case, whose step runs that case", async () => {
    const drafts = await scenarios.draft({ test: "test/fx.test.ts" }, false);
    expect(drafts.map((d) => [d.scenario.id, d.executable, d.scenario.simulate?.steps])).toEqual([
      ["test-fx-test--fx-converts-eur-to-usd-at-the-ecb-rate", true, [{ run: "test:test/fx.test.ts#fx > converts EUR to USD at the ECB rate", expect: [] }]],
      ["test-fx-test--fx-refuses-lowercase-codes", true, [{ run: "test:test/fx.test.ts#fx > refuses lowercase codes", expect: [] }]],
    ]);
    // It reads as prose and loads back as written.
    expect(drafts[0]?.text).toContain("fx, converts EUR to USD at the ECB rate.");
    expect(parseScenario("scenarios/x.md", drafts[0]?.text ?? "").simulate?.steps[0]?.run).toBe("test:test/fx.test.ts#fx > converts EUR to USD at the ECB rate");
    expect((await scenarios.draft({ test: "test/fx.test.ts", testName: "lowercase" }, false)).map((d) => d.scenario.title)).toEqual(["fx: refuses lowercase codes"]);
    await expect(scenarios.draft({ test: "test/fx.test.ts", testName: "nope" }, false)).rejects.toThrow(/no test case of test\/fx.test.ts has "nope" in its full name: expected part of one of "fx > converts EUR to USD at the ECB rate", "fx > refuses lowercase codes"/);
  });

  it("writes a draft only when asked, and then it loads", async () => {
    const written = async () => (await scenarios.load()).scenarios.filter((s) => !s.tags.includes("test")).map((s) => s.id);
    expect(await written()).toEqual([]);
    const [d] = await scenarios.draft({ ticket: "SUP-140" }, true);
    expect(d?.written).toBe(`scenarios/${d?.scenario.id}.md`);
    expect(await written()).toEqual([d?.scenario.id]);
    await expect(scenarios.draft({ ticket: "SUP-140" }, true)).rejects.toThrow(/already exists/);
    await expect(scenarios.draft({ ticket: "SUP-999" }, false)).rejects.toThrow(/unknown ticket "SUP-999"/);
    await expect(scenarios.draft({}, false)).rejects.toThrow(/needs "ticket"/);
  });

  it("writes a test file's drafts all or none: one id that exists refuses the call before any is written", async () => {
    const [second] = await scenarios.draft({ test: "test/fx.test.ts", testName: "lowercase" }, true);
    expect(second?.written).toBe("scenarios/test-fx-test--fx-refuses-lowercase-codes.md");
    await expect(scenarios.draft({ test: "test/fx.test.ts" }, true)).rejects.toThrow(/scenario "test-fx-test--fx-refuses-lowercase-codes" already exists/);
    expect(existsSync(join(tmp.dir, "scenarios/test-fx-test--fx-converts-eur-to-usd-at-the-ecb-rate.md"))).toBe(false);
  });

  it("keeps a draft prose-only when the ticket names no code", () => {
    const t = Ticket.parse({ key: "SUP-7", title: "Something is slow", created: "2026-01-01T00:00:00Z" });
    const d = draftFromTicket(t, []);
    expect(d.executable).toBe(false);
    expect(d.missing[0]).toMatch(/an entry point/);
    expect(d.text).toContain("#     - call: TODO path#function");
  });
});
