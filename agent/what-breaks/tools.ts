import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { defaultBase } from "../../core/git.js";
import { toolResult, type ServerPart, type ToolOffer } from "../../core/mcp.js";
import { SERVERS, type ServerName } from "../../core/server-names.js";
import { ToolHub } from "../hub.js";
import { FAIL_ON, gate, produceReport } from "../run.js";
import { WORLDLINE_PART } from "../toolsets.js";
import { HeldReports, holdReport, reportPage, WhatBreaksAnswer } from "./answer.js";
import { inProcessConnector } from "./in-process.js";

/**
 * The question users ask, as one tool of `serve all`: "what breaks if I merge this?". It runs what `worldline
 * simulate` runs (select, simulate each scenario on base and head, root causes, blast radius, a fix verified by
 * simulating again) over this server's own services, sends progress while it works, and answers the report in
 * pages. The prompts give the common asks as a client's slash commands.
 */

const INSTRUCTIONS = [
  "Worldline knows this repository's code graph, its git history and tickets (why the code is so) and its scenarios and tests (how it must behave), and simulates them against a change.",
  "To answer \"what breaks if I merge this?\": call what_breaks once (base and head are optional: base defaults to where the branch forked from the default branch, head to the working tree). Failing and at-risk verdicts come whole: the root cause line with the value on each side, the blast radius (customers, routes, owners, tickets), and a fix with whether re-simulation verified it. gate.blocks says whether `worldline check` would refuse the change. Follow nextCursor for the rest of a long report.",
  "To explain why a line, symbol or config key is so: why_code (then blame_line, change_history). For a ticket: get_ticket, ticket_code_links, then search_tickets for its likely duplicates.",
  "Other tools (the whole code graph, the context graph, ingestion) are offered with `worldline serve all --tools all`.",
].join(" ");

const failOn = z.array(z.enum(FAIL_ON)).optional().describe("Also block on these verdicts, as `worldline check --fail-on` does");
const input = {
  base: z.string().min(1).optional().describe("Base revision (default: the merge-base of HEAD with the default branch)"),
  head: z.string().min(1).optional().describe("Head revision, or WORKTREE (default: the working tree)"),
  scenario: z.string().min(1).optional().describe("Only this scenario id"),
  failOn,
  cursor: z.string().optional().describe("nextCursor of a previous what_breaks answer: the next page of that report, not a new simulation"),
};

export interface WhatBreaksOptions {
  repo: string;
  /** The five servers' parts on this workspace: the planner's tools. */
  parts: readonly ServerPart[];
  /** The toolsets the client is offered: prompts that lean on a tool left out are left out too. */
  offer?: ToolOffer | undefined;
}

/** The `worldline` part of `serve all`: what_breaks, the prompts and the recipe in the server's instructions. */
export function whatBreaksPart(options: WhatBreaksOptions): ServerPart {
  const byName = new Map<ServerName, ServerPart>();
  for (const p of options.parts) {
    const name = SERVERS.find((s) => s === p.name);
    if (name) byName.set(name, p);
  }
  let hub: ToolHub | undefined;
  const tools = () => (hub ??= ToolHub.withConnector(inProcessConnector(byName)));
  const held = new HeldReports();
  return {
    name: WORLDLINE_PART,
    instructions: INSTRUCTIONS,
    service: { close: () => void hub?.close() },
    attach: (server) => {
      registerWhatBreaks(server, options.repo, tools, held);
      registerPrompts(server, options.offer ?? (() => true));
    },
  };
}

function registerWhatBreaks(server: McpServer, repo: string, tools: () => ToolHub, held: HeldReports): void {
  server.registerTool(
    "what_breaks",
    {
      title: "What breaks if I merge this",
      description:
        "Simulates the scenarios and tests a change can affect on base and head and answers the report: failing and at-risk verdicts whole (root cause line with both values, effects, blast radius, a fix and whether it verified), the rest one row each, and whether the gate blocks. Takes minutes on a cold repository and sends progress notifications; pages past 20 KB with nextCursor.",
      inputSchema: input,
      outputSchema: WhatBreaksAnswer.shape,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (a, extra) => {
      if (a.cursor !== undefined) {
        if (a.base !== undefined || a.head !== undefined || a.scenario !== undefined || a.failOn !== undefined) {
          throw new Error("cursor continues an earlier report: pass it alone, or leave it out to simulate a new change");
        }
        return toolResult(held.page(a.cursor));
      }
      const token = extra._meta?.progressToken;
      let done = 0;
      let last = "started";
      const notify = (message: string) => {
        last = message;
        if (token === undefined) return;
        done++;
        // A progress notification that cannot be sent (the client went away) must not fail the run itself.
        extra.sendNotification({ method: "notifications/progress", params: { progressToken: token, progress: done, message } }).catch(() => undefined);
      };
      // A long simulation can stay silent for minutes: a client's request timeout (often 60 s) resets on progress.
      const beat = setInterval(() => notify(`still working (${last})`), 15_000);
      try {
        notify("selecting the scenarios the change can affect");
        const base = a.base ?? (await defaultBase(repo)).commit ?? "HEAD";
        const head = a.head ?? "WORKTREE";
        const report = await produceReport({ repo, base, head, scenario: a.scenario, planner: "embedded", progress: notify }, tools());
        const { failed } = gate(report, a.failOn ?? []);
        const h = holdReport(report, failed.map((v) => v.scenario));
        held.add(h);
        return toolResult(reportPage(h, 0));
      } finally {
        clearInterval(beat);
      }
    },
  );
}

function registerPrompts(server: McpServer, offer: ToolOffer): void {
  const text = (t: string) => ({ messages: [{ role: "user" as const, content: { type: "text" as const, text: t } }] });
  server.registerPrompt(
    "what-breaks",
    {
      title: "What breaks if I merge this?",
      description: "Simulate a change against the repository's scenarios and tests, and explain what fails, why, who is hit, and the fix.",
      argsSchema: {
        base: z.string().optional().describe("Base revision (default: where the branch forked from the default branch)"),
        head: z.string().optional().describe("Head revision (default: the working tree)"),
      },
    },
    (a) => {
      const args = JSON.stringify({ ...(a.base ? { base: a.base } : {}), ...(a.head ? { head: a.head } : {}) });
      return text(
        `What breaks if I merge ${a.head ?? "the working tree's change"}${a.base ? ` into ${a.base}` : ""}? Call the what_breaks tool with ${args} and follow nextCursor until the report is whole. Then, for each failing scenario: name the root cause line and both values, say who is hit (customers, routes, owners, tickets), and give the fix and whether re-simulation verified it. For each at-risk scenario say what moved and why it is not a failure. End with whether the gate blocks the change.`,
      );
    },
  );
  if (offer("why_code", "git-history")) {
    server.registerPrompt(
      "why-is-this-so",
      {
        title: "Why is this line like this?",
        description: "The evidence chain for a line, symbol or config key: the commit that decided it, its ticket and reason.",
        argsSchema: { target: z.string().min(1).describe("path:line, path#Symbol or config:KEY") },
      },
      (a) =>
        text(
          `Why is ${a.target} the way it is? Call why_code with {"target": ${JSON.stringify(a.target)}} and answer from what it returns: the commit that decided it (seeing through reformats and moves), the ticket or incident behind it, the decision record if any, and what would break if it changed. Quote the evidence; say plainly where the chain has a gap.`,
        ),
    );
  }
  if (offer("get_ticket", "tickets") && offer("ticket_code_links", "tickets")) {
    server.registerPrompt(
      "triage-ticket",
      {
        title: "Triage this ticket",
        description: "A ticket's code, likely duplicates, suspect commits and owner.",
        argsSchema: { ticket: z.string().min(1).describe("The ticket's key, e.g. BILL-42 or #17") },
      },
      (a) =>
        text(
          `Triage ticket ${a.ticket}. Call get_ticket with {"key": ${JSON.stringify(a.ticket)}}, then ticket_code_links for the code it names, then search_tickets with its key words for likely duplicates${offer("ticket_suspects", "tickets") ? ", and ticket_suspects for the commits that probably introduced it" : ""}. Say where the fault most likely lives, who owns that code, which tickets duplicate it, and how severe it is (customers, money, crashes), with the evidence for each claim.`,
        ),
    );
  }
}
