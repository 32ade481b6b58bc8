import { join } from "node:path";
import { mkdirSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { main, type Io } from "../agent/cli.js";
import { TriageReport } from "../core/triage.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";
import { sendJson, standIn } from "./helpers/stand-in-server.js";
import { runCli } from "./helpers/cli-run.js";
import { sampleService } from "./helpers/sample-service.js";

/**
 * `worldline triage` end to end: the five servers over stdio, the sample service's tickets (its two shipped
 * bugs, a duplicate, a vague ticket), idempotent re-runs, and a GitHub stand-in that fails a round, takes
 * comments once per ticket revision, and sees its issue updated by that comment.
 */
const run = (args: string[]) => runCli(args);

const report = (out: string) => TriageReport.parse(JSON.parse(out));

/** A triage round starts the five servers as child processes: room for it on a loaded 2-core machine. */
const ROUND_TIMEOUT = 150_000;

describe("triage of the sample service's tickets", () => {
  const sample = sampleService();

  it("links the stack-trace ticket to its symbols, its introducing commit, its owner and its duplicate; a vague ticket says it is low confidence", { timeout: ROUND_TIMEOUT }, async () => {
    const r = await run(["triage", "--repo", sample.repo, "--format", "json"]);
    expect(r.code, r.err).toBe(0);
    const rep = report(r.out);
    expect(rep.sources).toEqual([{ source: "folder:tickets", imported: { added: 30, updated: 0, unchanged: 0 }, candidates: 30, triaged: 30, skipped: 0, highWater: "2026-02-27T09:00:00.000Z" }]);
    const crash = rep.tickets.find((t) => t.key === "SUP-188");
    expect(crash?.symbols).toEqual(["src/fx/rates.ts#assertCurrency", "src/fx/convert.ts#convert", "src/billing/invoice.ts#generateInvoice", "src/http/routes.ts#postInvoice"]);
    expect(crash?.suspects[0]).toMatchObject({ commit: sample.commits.rates, summary: "FX rates from the ECB reference feed" });
    expect(crash?.suspects[0]?.method).toContain("szz");
    expect(crash?.owner?.name).toBe("Ada Lovelace");
    expect(crash?.component).toBe("src/fx");
    expect(crash?.duplicates.filter((d) => d.likely).map((d) => d.key)).toEqual(["SUP-189"]);
    expect(crash?.duplicates[0]?.evidence).toContain("shares src/fx/rates.ts#assertCurrency");
    expect(crash).toMatchObject({ confidence: "high", severity: { level: "high" } });
    expect(crash?.severity.hints).toContain("names customer Acme GmbH");
    expect(crash?.relatedScenarios.map((s) => s.id)).toContain("lowercase-currency-conversion");
    expect(crash?.decision).toMatch(/^decision:trace-/);

    const vague = rep.tickets.find((t) => t.key === "SUP-315");
    expect(vague?.confidence).toBe("low");
    expect(vague?.confidenceReason).toMatch(/^low confidence: the ticket names no code/);
    expect(vague?.symbols).toEqual([]);
    expect(vague?.suspects).toEqual([]);
    expect(vague?.draft?.missing).toContain("the inputs: a request body or the arguments");

    // The wrong-amount ticket at main, where it was fixed: its drafted scenario runs and the expected net holds.
    const amount = rep.tickets.find((t) => t.key === "SUP-131");
    expect(amount?.symbols).toEqual(["src/billing/proration.ts#prorate"]);
    expect(amount?.reproduction).toMatchObject({ status: "does-not-reproduce", failing: [] });
    expect(amount?.suspects[0]).toMatchObject({ commit: sample.commits.proration });

    // The incident that names SUP-240 makes it at least high.
    const sepa = rep.tickets.find((t) => t.key === "SUP-240");
    expect(sepa?.severity.level).toBe("high");
    expect(sepa?.severity.hints.some((h) => h.startsWith("linked incident INC-7 (SEV2)"))).toBe(true);

    const again = await run(["triage", "--repo", sample.repo, "--format", "json"]);
    expect(again.code).toBe(0);
    const second = report(again.out);
    expect(second.tickets).toEqual([]);
    expect(second.sources[0]).toMatchObject({ candidates: 0, triaged: 0, highWater: "2026-02-27T09:00:00.000Z", imported: { added: 0, updated: 0, unchanged: 30 } });
  });

  it("reproduces the wrong amount at the buggy revision, once per revision and commit; posts nothing for a folder ticket", { timeout: ROUND_TIMEOUT }, async () => {
    const r = await run(["triage", "--repo", sample.repo, "--ticket", "SUP-131", "--at", sample.commits.tests as string, "--comment", "--format", "json"]);
    expect(r.code, r.err).toBe(0);
    const [t] = report(r.out).tickets;
    expect(t?.reproduction).toMatchObject({ rev: sample.commits.tests, status: "reproduces", failing: ["result.net === 35: fail"] });
    expect(t?.reproduction?.observed).toContain('"net":32.67');
    expect(t?.confidence).toBe("high");
    expect(t?.comment).toEqual({ posted: false, note: "a folder ticket has no tracker to comment on" });
    const again = report((await run(["triage", "--repo", sample.repo, "--ticket", "SUP-131", "--at", sample.commits.tests as string, "--format", "json"])).out);
    expect(again.tickets).toEqual([]);
    expect(again.sources[0]).toMatchObject({ candidates: 1, skipped: 1 });
    const md = await run(["triage", "--repo", sample.repo, "--ticket", "SUP-188", "--at", sample.commits.tests as string, "--format", "markdown", "--quiet"]);
    expect(md.out).toContain("| SUP-188 Invoice generation fails with 500 for Acme GmbH | high | high | SUP-189 |");
  });

  it("refuses bad input with one line", { timeout: ROUND_TIMEOUT }, async () => {
    expect(await run(["triage", "--repo", sample.repo, "--every", "5m"])).toMatchObject({ code: 2, err: expect.stringMatching(/--every goes with --watch/) });
    expect(await run(["triage", "--repo", sample.repo, "--watch", "--every", "5x"])).toMatchObject({ code: 2, err: expect.stringMatching(/--every "5x": expected a duration like 30s, 15m or 1h/) });
    expect(await run(["triage", "--repo", sample.repo, "--ticket", "SUP-9999"])).toMatchObject({ code: 2, err: expect.stringMatching(/unknown ticket "SUP-9999"/) });
    expect(await run(["triage", "--repo", sample.repo, "--at", "no-such-rev"])).toMatchObject({ code: 2, err: expect.stringMatching(/no-such-rev/) });
    expect(await run(["triage", "--repo", sample.repo, "--format", "sarif"])).toMatchObject({ code: 2, err: expect.stringMatching(/--format "sarif"/) });
  });
});

describe("triage of GitHub issues with comments, through a stand-in API", () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const fresh = (name: string) => {
    mkdirSync(join(tmp.dir, name));
    return join(tmp.dir, name);
  };

  it("survives a failing round without moving the mark, and comments once per ticket revision", { timeout: ROUND_TIMEOUT }, async () => {
    const rates = [
      "export function assertCurrency(code: string): string {",
      "  const upper = code.trim();",
      "  if (!/^[A-Z]{3}$/.test(upper)) throw new Error(`Invalid currency code: ${code}`);",
      "  return upper;",
      "}",
      "",
    ].join("\n");
    const issue = (n: number, title: string, body: string, updated: string) => ({ number: n, title, body, state: "open", labels: [], user: { login: "reporter" }, created_at: `2026-03-0${n}T10:00:00Z`, updated_at: updated });
    let failing = false;
    let issues = [
      issue(1, "Invoices crash for lowercase currencies", "Error: Invalid currency code: eur\n    at assertCurrency (/srv/app/src/rates.ts:3:31)", "2026-03-01T11:00:00Z"),
      issue(2, "Dark mode please", "The portal is too bright.", "2026-03-02T11:00:00Z"),
    ];
    const server = await standIn((req, res, base) => {
      const url = new URL(req.url, base);
      if (req.method === "POST" && /^\/repos\/acme\/billing\/issues\/\d+\/comments$/.test(url.pathname)) {
        return sendJson(res, 201, { id: 1, html_url: `https://github.test/acme/billing/issues/${url.pathname.split("/")[5]}#c${Date.now()}` });
      }
      if (failing) return sendJson(res, 500, { message: "Server Error" });
      return sendJson(res, 200, issues);
    });
    try {
      const repo = makeRepo(fresh("svc"), [
        { message: "Rates", files: { "src/rates.ts": rates, "package.json": '{ "name": "svc", "type": "module" }\n' } },
        { message: "Config", files: { "worldline.config.json": JSON.stringify({ ticketSources: [{ source: "github", repo: "acme/billing", baseUrl: server.base }] }) } },
      ]);
      const posts = () => server.requests.filter((q) => q.method === "POST");

      const first = await run(["triage", "--repo", repo, "--comment", "--format", "json"]);
      expect(first.code, first.err).toBe(0);
      const r1 = report(first.out);
      expect(r1.tickets.map((t) => [t.key, t.comment?.posted])).toEqual([["#1", true], ["#2", true]]);
      expect(r1.tickets[0]?.symbols).toEqual(["src/rates.ts#assertCurrency"]);
      expect(posts()).toHaveLength(2);
      expect(JSON.parse(posts()[0]?.body ?? "{}").body).toMatch(/^<!-- worldline:triage -->\n\*\*Worldline triage\*\*/);
      expect(r1.sources[0]?.highWater).toBe("2026-03-02T11:00:00.000Z");

      failing = true;
      const down = await run(["triage", "--repo", repo, "--comment", "--format", "json"]);
      expect(down.code).toBe(1);
      const r2 = report(down.out);
      expect(r2.sources[0]?.error).toMatch(/answered 500/);
      expect(r2.sources[0]?.highWater).toBe("2026-03-02T11:00:00.000Z");
      expect(r2.summary).toContain("1 source(s) failed and will be retried: github:acme/billing");

      // Back up: our comments bumped #1's updated time (same words: same revision), and #3 is new.
      failing = false;
      issues = [{ ...issues[0]!, updated_at: "2026-03-05T09:00:00Z" }, issues[1]!, issue(3, "Refund fails for credit notes", "Refunds of credit notes fail.", "2026-03-05T10:00:00Z")];
      const back = await run(["triage", "--repo", repo, "--comment", "--format", "json"]);
      expect(back.code, back.err).toBe(0);
      const r3 = report(back.out);
      expect(r3.tickets.map((t) => t.key)).toEqual(["#3"]);
      expect(r3.sources[0]).toMatchObject({ candidates: 2, triaged: 1, skipped: 1, highWater: "2026-03-05T10:00:00.000Z" });
      expect(posts()).toHaveLength(3);

      // Someone edits #1: a new revision, triaged and commented once more.
      issues = [{ ...issues[0]!, body: `${issues[0]!.body}\nAlso for usd.`, updated_at: "2026-03-06T09:00:00Z" }, issues[1]!, issues[2]!];
      const edited = report((await run(["triage", "--repo", repo, "--comment", "--format", "json"])).out);
      expect(edited.tickets.map((t) => [t.key, t.comment?.posted])).toEqual([["#1", true]]);
      expect(posts()).toHaveLength(4);
    } finally {
      await server.close();
    }
  });

  it("watches: a round now, the next on schedule, one at a time, until stopped", { timeout: ROUND_TIMEOUT }, async () => {
    const repo = makeRepo(fresh("watched"), [
      { message: "Service", files: { "src/a.ts": "export const a = 1;\n", "tickets/SUP-1.md": "---\nkey: SUP-1\ntitle: A is wrong\ncreated: 2026-03-01T10:00:00Z\n---\nA should be 2.\n" } },
    ]);
    const stop = new AbortController();
    const rounds: string[] = [];
    const errs: string[] = [];
    let roundDone: () => void = () => undefined;
    const nextRound = () => new Promise<void>((resolve) => (roundDone = resolve));
    let awaited = nextRound();
    const io: Io = { out: (l) => (rounds.push(l), roundDone()), err: (l) => errs.push(l), signal: stop.signal };
    const watching = main(["triage", "--repo", repo, "--watch", "--every", "10s", "--format", "json"], io);
    await awaited;
    expect(report(rounds[0] ?? "").tickets.map((t) => t.key)).toEqual(["SUP-1"]);
    // Between rounds the watcher still holds the repo: a cron job that came too soon is refused.
    const other = await run(["triage", "--repo", repo, "--format", "json"]);
    expect(other).toMatchObject({ code: 2, err: expect.stringMatching(/another worldline triage is running on this repo \(pid \d+\)/) });
    awaited = nextRound();
    writeFileSync(join(repo, "tickets", "SUP-2.md"), "---\nkey: SUP-2\ntitle: B is wrong\ncreated: 2026-03-02T10:00:00Z\n---\nB should be 3.\n");
    await awaited;
    expect(report(rounds[1] ?? "").tickets.map((t) => t.key)).toEqual(["SUP-2"]);
    stop.abort();
    expect(await watching).toBe(0);
    expect(rounds).toHaveLength(2);
    expect(errs.join("\n")).toContain("a round every 10s until stopped");
    // Stopped, the lock is gone: a one-off round runs, and finds nothing new.
    const after = await run(["triage", "--repo", repo, "--format", "json"]);
    expect(after.code, after.err).toBe(0);
    expect(report(after.out).tickets).toEqual([]);
  });
});
