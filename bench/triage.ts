import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SERVERS } from "../agent/cli-parse.js";
import { launches, ToolHub } from "../agent/hub.js";
import { llmSettings } from "../agent/planner/model.js";
import { llmTriage } from "../agent/triage/llm.js";
import { triageRound } from "../agent/triage/round.js";
import { buildBilling } from "../examples/billing/build.js";
import { messagesApi, text, toolResults, toolUse } from "../test/helpers/stand-in-messages.js";

/**
 * Child process of `npm run bench`: `worldline triage` of `count` new tickets on the sample service, one round
 * through the five servers. The sample's own 30 tickets are triaged first (that round sets the mark); the new
 * ones are variations of its tickets: stack traces into real code, requests with a wrong amount, vague
 * reports. Then the same round again, which finds nothing new. Then, at a new commit, the LLM planner's round
 * over the same tickets against a stand-in model that records a triage at once (two replies per ticket): what
 * the LLM path costs on Worldline's side, the model's own latency left out. Prints JSON.
 */
const [dir, countText = "100"] = process.argv.slice(2);
if (!dir) throw new Error("usage: triage.ts DIR [TICKETS]");
const count = Number(countText);
const repo = buildBilling(join(dir, "billing")).dir;
const read = (key: string) => readFileSync(join(repo, "tickets", `${key}.md`), "utf8");
const shapes = [read("SUP-188"), read("SUP-131"), read("SUP-315"), read("SUP-204"), read("SUP-240")];

const hub = new ToolHub(launches(repo));
let t = performance.now();
await Promise.all(SERVERS.map((s) => hub.client(s)));
const startMs = performance.now() - t;
try {
  await triageRound(hub, { repo });
  for (let i = 0; i < count; i++) {
    const day = String(1 + (i % 28)).padStart(2, "0");
    const text = (shapes[i % shapes.length] as string)
      .replace(/^key: .*$/m, `key: SUP-${5000 + i}`)
      .replace(/^created: .*$/m, `created: 2026-04-${day}T${String(8 + (i % 10)).padStart(2, "0")}:00:00Z`)
      .replace(/^title: "(.*)"$/m, (_m, title: string) => `title: ${JSON.stringify(`${title} (report ${i})`)}`)
      .replace('"changedAt": "2025-02-15"', `"changedAt": "2025-0${1 + (i % 9)}-1${i % 10}"`);
    writeFileSync(join(repo, "tickets", `SUP-${5000 + i}.md`), text);
  }
  const env = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_AUTHOR_NAME: "Bench", GIT_AUTHOR_EMAIL: "b@example.test", GIT_COMMITTER_NAME: "Bench", GIT_COMMITTER_EMAIL: "b@example.test" };
  execFileSync("git", ["add", "-A"], { cwd: repo, env });
  execFileSync("git", ["commit", "-q", "-m", "New tickets"], { cwd: repo, env });
  t = performance.now();
  const round = await triageRound(hub, { repo });
  const roundMs = performance.now() - t;
  t = performance.now();
  const again = await triageRound(hub, { repo });
  const secondMs = performance.now() - t;
  // The LLM planner's round: a new commit and the tickets by name (past the mark), so each is triaged again.
  execFileSync("git", ["commit", "-q", "--allow-empty", "-m", "Next day"], { cwd: repo, env });
  const model = await messagesApi((req) => {
    if (toolResults(req).length) return { content: [text("Recorded.")] };
    const evidence = /^Evidence gathered without a model:\n(.*)$/m.exec(String(req.messages[0]?.content))?.[1] ?? "{}";
    const e = JSON.parse(evidence) as { duplicates?: Array<{ key: string }>; symbols?: string[]; suspects?: Array<{ commit: string }> };
    const judgement = {
      summary: "As the evidence says.",
      duplicates: (e.duplicates ?? []).slice(0, 1).map((d) => ({ key: d.key, why: "the same fault" })),
      symbols: (e.symbols ?? []).slice(0, 2),
      suspects: (e.suspects ?? []).slice(0, 1).map((x) => ({ commit: x.commit, why: "blame" })),
      severity: { level: "medium", why: "money" },
      confidence: "medium",
      confidenceReason: "the evidence",
    };
    return { content: [toolUse("record_triage", judgement)] };
  });
  Object.assign(process.env, { ANTHROPIC_API_KEY: "bench", ANTHROPIC_BASE_URL: model.base });
  t = performance.now();
  const llm = await triageRound(hub, { repo, tickets: round.tickets.map((x) => x.key) }, llmTriage(hub, llmSettings(repo, {}, { maxTurns: 10, maxTokens: 10_000_000 })));
  const llmMs = performance.now() - t;
  await model.close();
  const judged = llm.tickets.filter((x) => x.assessment?.summary).length;
  if (round.tickets.length !== count || again.tickets.length !== 0 || judged !== count) throw new Error(`triage bench: expected ${count} then 0 tickets, got ${round.tickets.length} then ${again.tickets.length}; the model judged ${judged} of ${llm.tickets.length}`);
  process.stdout.write(JSON.stringify({ tickets: round.tickets.length, startMs, roundMs, secondMs, llmTickets: llm.tickets.length, llmMs, modelRequests: model.requests.length, summary: round.summary.split(";")[0]?.replace(/^\d+ ticket\(s\) triaged at \w+ /, "") ?? "" }));
} finally {
  await hub.close();
}
