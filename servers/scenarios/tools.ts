import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { UserError } from "../../core/errors.js";
import { WORKTREE } from "../../core/git.js";
import { toolResult } from "../../core/mcp.js";
import { paginate, pageInput } from "../../core/paging.js";
import { ScenarioVerdict, VERDICTS } from "../../core/verdict.js";
import { ScenarioMeta } from "./format.js";
import type { ScenarioService } from "./service.js";
import { revertHunk } from "./fix.js";
import { writeScenario } from "./store.js";

/** The scenarios server's MCP face. */

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
const rev = z.string().optional().describe("Revision to read scenarios at (default: the working tree)");
const base = z.string().optional().describe("Base revision (default: the merge-base of HEAD with the default branch, as git-history's diff)");
/** Which change an answer is about, as resolved: every answer says so (the default base depends on the branch). */
const change = z.object({ base: z.string().describe("Base commit used"), head: z.string().describe("Head commit used, or WORKTREE") }).describe("The change this answer is about");
const head = z.string().optional().describe("Head revision, or WORKTREE (default)");
const Summary = z.object({ id: z.string(), title: z.string(), path: z.string(), workflow: z.string().optional(), executable: z.boolean(), source: z.array(z.string()) });
const ErrorsOut = z.array(z.object({ file: z.string(), message: z.string() })).describe("Scenario files that did not load; the rest did");

export function registerScenarioTools(server: McpServer, service: ScenarioService): void {
  const summary = (s: { id: string; title: string; path: string; workflow?: string | undefined; simulate?: unknown; source: string[] }) => ({
    id: s.id,
    title: s.title,
    path: s.path,
    ...(s.workflow ? { workflow: s.workflow } : {}),
    executable: s.simulate !== undefined,
    source: s.source,
  });

  server.registerTool(
    "list_scenarios",
    {
      title: "List scenarios",
      description: "The scenarios in the repo (scenarios/ by default) at a revision, and the files that did not load.",
      inputSchema: { rev, ...pageInput },
      outputSchema: { items: z.array(Summary), nextCursor: z.string().optional(), errors: ErrorsOut },
      annotations: READ_ONLY,
    },
    async (a) => {
      const { scenarios, errors } = await service.load(a.rev);
      return toolResult({ ...paginate(scenarios.map(summary), a), errors });
    },
  );

  server.registerTool(
    "get_scenario",
    {
      title: "Get a scenario",
      description: "One scenario: its front matter (sources, customers, workflow, simulate block) and its description.",
      inputSchema: { id: z.string().min(1), rev },
      outputSchema: { scenario: z.record(z.string(), z.unknown()) },
      annotations: READ_ONLY,
    },
    async (a) => toolResult({ scenario: { ...(await service.require(a.id, a.rev)) } }),
  );

  server.registerTool(
    "search_scenarios",
    {
      title: "Search scenarios",
      description: "Full-text search (bm25) over scenario titles and descriptions.",
      inputSchema: { text: z.string().min(1), ...pageInput },
      outputSchema: { items: z.array(z.object({ id: z.string(), title: z.string(), score: z.number() })), nextCursor: z.string().optional() },
      annotations: READ_ONLY,
    },
    async (a) => {
      await service.load();
      const hits = await service.graph.search(a.text, { kinds: ["scenario"], limit: 200 });
      return toolResult(paginate(hits.map((h) => ({ id: h.node.id.slice("scenario:".length), title: h.node.title, score: Number(h.score.toFixed(4)) })), a));
    },
  );

  server.registerTool(
    "upsert_scenario",
    {
      title: "Write a scenario",
      description: "Create or update a scenario file in the repo (this writes scenarios/<id>.md, or the scenario's existing file). Validated before writing.",
      inputSchema: { scenario: ScenarioMeta.extend({ prose: z.string().default("") }).describe("Front matter fields and the description") },
      outputSchema: { path: z.string(), created: z.boolean() },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (a) => {
      const existing = (await service.load()).scenarios.find((s) => s.id === a.scenario.id);
      const path = await writeScenario(service.repo, { ...a.scenario, ...(existing ? { path: existing.path } : {}) }, service.config.scenarioDirs[0] ?? "scenarios");
      await service.load();
      return toolResult({ path, created: !existing });
    },
  );

  server.registerTool(
    "draft_scenario",
    {
      title: "Draft a scenario",
      description: "Draft a scenario from an imported ticket (its words, code references as entry points, and its inputs and wrong value when it carries them) or from a test file's cases. Writes to the repo only with write: true.",
      inputSchema: {
        ticket: z.string().optional().describe("A ticket key, e.g. SUP-12"),
        test: z.string().optional().describe("Or a test file path"),
        testName: z.string().optional().describe("With test: only this test case"),
        write: z.boolean().optional().describe("Write the draft into scenarios/ (default false: only return it)"),
        reproduceAt: z.string().min(1).optional().describe("With ticket: also run an executable draft at this revision to see whether the reported behaviour happens there"),
      },
      outputSchema: {
        drafts: z.array(
          z.object({
            id: z.string(),
            text: z.string().describe("The scenario file, with a TODO skeleton when it is not executable yet"),
            executable: z.boolean(),
            missing: z.array(z.string()).describe("What the draft still needs to be executable"),
            written: z.string().optional(),
            reproduction: z
              .object({
                rev: z.string(),
                status: z.enum(["reproduces", "does-not-reproduce", "error", "not-executable"]),
                failing: z.array(z.string()).describe("The expectations (what should happen) that did not hold"),
                results: z.array(z.unknown()).optional(),
                reason: z.string().optional(),
              })
              .optional(),
          }),
        ),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    async (a) => {
      if (a.reproduceAt && !a.ticket) throw new UserError('draft_scenario: "reproduceAt" goes with "ticket": only a ticket\'s draft has a behaviour to reproduce');
      const drafts = (await service.draft({ ticket: a.ticket, test: a.test, testName: a.testName }, a.write ?? false)).slice(0, 20);
      return toolResult({
        drafts: await Promise.all(
          drafts.map(async (d) => ({
            id: d.scenario.id,
            text: d.text,
            executable: d.executable,
            missing: d.missing,
            ...(d.written ? { written: d.written } : {}),
            ...(a.reproduceAt ? { reproduction: await service.reproduce(d.scenario, a.reproduceAt) } : {}),
          })),
        ),
      });
    },
  );

  server.registerTool(
    "select_scenarios",
    {
      title: "Select scenarios for a change",
      description: "Every scenario a change can affect, ranked, each with its reasons: its last simulation covered a changed symbol, a changed symbol is reachable from its entry points, or its sources and text relate to the changed code. Never capped silently.",
      inputSchema: { base, head, ...pageInput },
      outputSchema: {
        items: z.array(z.object({ scenario: z.string(), score: z.number(), reasons: z.array(z.string()) })),
        nextCursor: z.string().optional(),
        changed: z.array(z.string()).describe("Changed symbols the selection used"),
        errors: ErrorsOut,
        change,
      },
      annotations: READ_ONLY,
    },
    async (a) => {
      const pinned = await service.pin(a.base, a.head ?? WORKTREE);
      const r = await service.select(pinned.base, pinned.head);
      return toolResult({ ...paginate(r.selected, a), changed: r.changed.slice(0, 200), errors: r.errors, change: pinned });
    },
  );

  server.registerTool(
    "simulate_scenario",
    {
      title: "Simulate a scenario",
      description:
        "Simulate a scenario against a change. A scenario with a simulate: block runs at depth differential: its steps run on base and head in a sandbox (stand-ins for I/O, a virtual clock), the traces are compared, and the verdict names the root-cause line with the values on each side and the effects that differ (unaffected when nothing on its path changed). Without one, or with depth static: entry points, the call graph in statement order, and the steps the change touches. Records the simulation and a decision trace.",
      inputSchema: { id: z.string().min(1), base, head, depth: z.enum(["static", "differential"]).optional().describe("Default: differential when the scenario has simulate:, else static") },
      outputSchema: {
        verdict: ScenarioVerdict,
        entries: z.array(z.object({ symbol: z.string(), score: z.number(), why: z.string() })).optional().describe("Entry points found (static depth)"),
        simulation: z.string().describe("The simulation node recorded in the context graph"),
        worker: z.string().optional().describe("The team worker that ran it (host:pid:id), when the team's workers did"),
        change,
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (a) => {
      const pinned = await service.pin(a.base, a.head ?? WORKTREE);
      const r = await service.simulate(a.id, pinned.base, pinned.head, a.depth);
      return toolResult({ verdict: r.verdict, ...(r.entries ? { entries: r.entries } : {}), simulation: r.simulation, ...(r.worker ? { worker: r.worker } : {}), change: pinned });
    },
  );

  server.registerTool(
    "try_scenario",
    {
      title: "Try a proposed simulation",
      description:
        "Run a scenario with a proposed simulate: block (not written to the repo) on base and head. Its verdict counts only when passesOnBase is true: every expectation holds before the change. Use it to make a prose-only scenario executable; write it with upsert_scenario once it passes.",
      inputSchema: { scenario: ScenarioMeta.extend({ prose: z.string().default("") }).describe("The scenario with its proposed simulate block"), base, head },
      outputSchema: {
        verdict: ScenarioVerdict,
        passesOnBase: z.boolean(),
        base: z.object({ status: z.string(), failing: z.array(z.string()).describe("Expectations that did not pass on base, and steps that threw") }),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (a) => {
      const pinned = await service.pin(a.base, a.head ?? WORKTREE);
      return toolResult(await service.tryScenario({ ...a.scenario, path: "(proposed)" }, pinned.base, pinned.head));
    },
  );

  server.registerTool(
    "draft_fix",
    {
      title: "Draft a fix",
      description: "The minimal fix draft for a root cause: the revert of the one hunk of the change that holds the given head line, as a unified diff against head. Check it with check_fix before calling it a fix.",
      inputSchema: { location: z.string().min(1).describe("The root cause, path:line at head"), base, head },
      outputSchema: { patch: z.string(), path: z.string(), hunk: z.string().describe("The head lines the reverted hunk covers, path:start-end") },
      annotations: READ_ONLY,
    },
    async (a) => {
      const pinned = await service.pin(a.base, a.head ?? WORKTREE);
      return toolResult(await revertHunk(service.repo, pinned.base, pinned.head, a.location));
    },
  );

  server.registerTool(
    "check_fix",
    {
      title: "Check a fix",
      description:
        "Re-simulate head with a patch applied (in memory: the repo is not touched) and say, per scenario, whether its verdict turned. A fix is verified when the failing scenarios turn to pass and none that passed stops passing.",
      inputSchema: {
        ids: z.array(z.string().min(1)).min(1).describe("Scenario ids to re-simulate (each needs a simulate: block)"),
        patch: z.string().min(1).describe("A unified diff against head, as git diff prints it"),
        base,
        head,
      },
      outputSchema: {
        results: z.array(z.object({ scenario: z.string(), before: z.enum(VERDICTS), after: z.enum(VERDICTS), turned: z.boolean(), reason: z.string() })),
        verified: z.boolean().describe("Every scenario passes with the patch"),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (a) => {
      const pinned = await service.pin(a.base, a.head ?? WORKTREE);
      const results = await service.checkFix(a.ids, a.patch, pinned.base, pinned.head);
      return toolResult({ results, verified: results.every((r) => r.after === "pass") });
    },
  );
}
