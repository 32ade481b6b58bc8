import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { triageRound } from "../agent/triage/round.js";
import { getTicket, ticketCodeLinks, ticketSuspects } from "../servers/tickets/contracts.js";
import { gitIn, makeRepo, tempDir } from "./helpers/git-fixture.js";
import { runCli } from "./helpers/cli-run.js";
import { inProcessHub } from "./helpers/triage-hub.js";

/**
 * Evidence bounded by `--at`: triaged at the parent of the commit that later fixed it, a ticket's code is
 * resolved in that revision's tree (a file only the fix added is not there) and its suspects, fixes and
 * history come only from commits up to it (the fix names the ticket, but comes after).
 */
const lexer = (column: string) =>
  ["export class Lexer {", "  constructor(private readonly src: string) {}", "  column(offset: number): number {", `    return ${column};`, "  }", "}", ""].join("\n");

describe("triage bounded by --at", () => {
  const tmp = tempDir("worldline-at-");
  let hub: Awaited<ReturnType<typeof inProcessHub>>;
  let shas: string[] = [];

  beforeAll(async () => {
    makeRepo(tmp.dir, [
      {
        message: "A lexer",
        files: {
          "package.json": JSON.stringify({ name: "yamlish", type: "module" }),
          "src/parse/lexer.ts": lexer("offset"),
          "tickets/YAML-7.md": [
            "---",
            "key: YAML-7",
            "title: Column is off after a tab",
            "created: 2026-01-20T09:00:00Z",
            "---",
            "The reported column is wrong when the line starts with a tab.",
            "",
            "```",
            "RangeError: column out of range",
            "    at Lexer.column (/app/src/parse/lexer.ts:4:12)",
            "```",
            "",
            "Maybe src/parse/tabs.ts should handle it.",
            "",
          ].join("\n"),
        },
        date: "2026-01-02T12:00:00Z",
      },
      { message: "Lexer: columns from the line start", files: { "src/parse/lexer.ts": lexer("offset - this.src.lastIndexOf('\\n', offset)") }, date: "2026-01-10T12:00:00Z" },
      {
        message: "Column after a tab (fixes YAML-7)",
        files: {
          "src/parse/lexer.ts": lexer("offset - this.src.lastIndexOf('\\n', offset) - 1"),
          "src/parse/tabs.ts": "export const TAB = 8;\n",
          "tests/lexer-tab.test.ts": 'import { Lexer } from "../src/parse/lexer.js";\n\nexpect(new Lexer("\\tx").column(1)).toBe(1);\n',
        },
        date: "2026-01-25T12:00:00Z",
      },
    ]);
    shas = gitIn(tmp.dir, ["rev-list", "--reverse", "HEAD"]).trim().split("\n");
    hub = await inProcessHub(tmp.dir);
  });
  afterAll(async () => {
    await hub?.close();
    tmp.cleanup();
  });

  it("at HEAD, the fix is in the evidence: it names the ticket, and SZZ through it names the inducing commit", { timeout: 120_000 }, async () => {
    const [, induced, fix] = shas;
    const report = await triageRound(hub.tools, { repo: tmp.dir, tickets: ["YAML-7"] });
    const t = report.tickets[0];
    expect(t?.suspects.map((s) => s.commit)).toContain(induced);
    expect(t?.suspects.map((s) => s.commit)).toContain(fix); // blame of the frame at HEAD reaches the fix itself
    const links = await hub.tools.call(ticketCodeLinks, { key: "YAML-7" });
    expect(links.commits.map((c) => [c.commit, c.rel])).toContainEqual([fix, "fixes"]);
    expect(links.codeRefs.map((r) => r.target)).toContain("src/parse/tabs.ts");
  });

  it("at the fix's parent, the fix is no suspect and no fix, a file only it added is not resolved, and the frame is blamed there", { timeout: 120_000 }, async () => {
    const [, induced, fix] = shas as [string, string, string];
    const report = await triageRound(hub.tools, { repo: tmp.dir, tickets: ["YAML-7"], at: induced });
    expect(report.at).toBe(induced);
    const t = report.tickets[0];
    // The frame's blame first; after it only the weaker suspects by the report's words, never the later fix.
    expect(t?.suspects.map((s) => [s.commit, s.method])[0]).toEqual([induced, "blame-frames@1"]);
    expect(t?.suspects.slice(1).every((s) => s.method === "blame-report-words@1" && s.commit !== fix)).toBe(true);
    expect(t?.suspects[0]?.evidence).toEqual(["src/parse/lexer.ts:4"]);
    expect(t?.codeRefs.map((r) => r.target)).not.toContain("src/parse/tabs.ts");
    expect(t?.symbols).toEqual(["src/parse/lexer.ts#Lexer.column"]);

    const links = await hub.tools.call(ticketCodeLinks, { key: "YAML-7", at: induced });
    expect(links.commits.map((c) => c.commit)).not.toContain(fix);
    expect(links.codeRefs.some((r) => r.text.includes("tabs.ts"))).toBe(false);
    const suspects = await hub.tools.call(ticketSuspects, { key: "YAML-7", at: induced });
    expect(suspects.items.map((s) => s.commit)).not.toContain(fix);
    // The working tree still has the file: without a bound it resolves.
    expect((await hub.tools.call(getTicket, { key: "YAML-7" })).codeRefs.map((r) => r.target)).toContain("src/parse/tabs.ts");
  });

  it("refuses an unknown --at with one line naming it", { timeout: 120_000 }, async () => {
    await expect(triageRound(hub.tools, { repo: tmp.dir, at: "no-such-rev" })).rejects.toThrow(/unknown revision "no-such-rev"/);
    await expect(hub.tools.call(getTicket, { key: "YAML-7", at: "no-such-rev" })).rejects.toThrow(/unknown revision "no-such-rev"/);
    const cli = await runCli(["triage", "--repo", tmp.dir, "--at", "no-such-rev"]);
    expect(cli.code).toBe(2);
    expect(cli.err.trim().split("\n")).toHaveLength(1);
    expect(cli.err).toMatch(/no-such-rev/);
  });
});
