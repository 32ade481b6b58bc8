import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { registerContract } from "../../core/contract.js";
import { UserError } from "../../core/errors.js";
import { WORKTREE } from "../../core/git.js";
import { paginate } from "../../core/paging.js";
import {
  checkFix,
  draftFix,
  draftScenario,
  getScenario,
  listScenarios,
  searchScenarios,
  selectScenarios,
  simulateScenario,
  tryScenario,
  upsertScenario,
} from "./contracts.js";
import type { ScenarioService } from "./service.js";
import { findScenarios } from "./search.js";
import { draftTicket } from "./ticket-repro-draft.js";
import { writeScenario } from "./store.js";

/** The scenarios server's MCP face: each contract (contracts.ts) bound to the service. */
export function registerScenarioTools(server: McpServer, service: ScenarioService): void {
  const summary = (s: { id: string; title: string; path: string; workflow?: string | undefined; simulate?: unknown; source: string[] }) => ({
    id: s.id,
    title: s.title,
    path: s.path,
    ...(s.workflow ? { workflow: s.workflow } : {}),
    executable: s.simulate !== undefined,
    source: s.source,
  });

  registerContract(server, listScenarios, async (a) => {
    const { scenarios, errors } = await service.load(a.rev);
    return { ...paginate(scenarios.map(summary), a), errors };
  });

  registerContract(server, getScenario, async (a) => ({ scenario: { ...(await service.require(a.id, a.rev)) } }));

  registerContract(server, searchScenarios, async (a) => {
    const { scenarios } = await service.load(a.rev);
    const hits = findScenarios(scenarios, a.query, { tag: a.tag, workflow: a.workflow, customer: a.customer, executable: a.executable, kind: a.kind });
    return paginate(hits.map((h) => ({ ...summary(h.scenario), tags: h.scenario.tags, ...(h.score !== undefined ? { score: h.score } : {}) })), a);
  });

  registerContract(server, upsertScenario, async (a) => {
    const existing = (await service.load()).scenarios.find((s) => s.id === a.scenario.id);
    const path = await writeScenario(service.repo, { ...a.scenario, ...(existing ? { path: existing.path } : {}) }, service.config.scenarioDirs[0] ?? "scenarios");
    await service.load();
    return { path, created: !existing };
  });

  registerContract(server, draftScenario, async (a) => {
    if (a.reproduceAt && !a.ticket) throw new UserError('draft_scenario: "reproduceAt" goes with "ticket": only a ticket\'s draft has a behaviour to reproduce');
    // A ticket's draft also reads the report's snippet against the repo's package API (ticket-repro-draft.ts).
    const drafts = (a.ticket ? await draftTicket(service, a.ticket, a.write ?? false, a.reproduceAt) : await service.draft({ test: a.test, testName: a.testName }, a.write ?? false)).slice(0, 20);
    return {
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
    };
  });

  registerContract(server, selectScenarios, async (a) => {
    const pinned = await service.pin(a.base, a.head ?? WORKTREE);
    const r = await service.select(pinned.base, pinned.head);
    return { ...paginate(r.selected, a), changed: r.changed.slice(0, 200), errors: r.errors, change: pinned };
  });

  registerContract(server, simulateScenario, async (a) => {
    const pinned = await service.pin(a.base, a.head ?? WORKTREE);
    const r = await service.simulate(a.id, pinned.base, pinned.head, a.depth);
    return { verdict: r.verdict, ...(r.entries ? { entries: r.entries } : {}), simulation: r.simulation, ...(r.worker ? { worker: r.worker } : {}), change: pinned };
  });

  registerContract(server, tryScenario, async (a) => {
    const pinned = await service.pin(a.base, a.head ?? WORKTREE);
    return await service.tryScenario({ ...a.scenario, path: "(proposed)" }, pinned.base, pinned.head);
  });

  registerContract(server, draftFix, async (a) => {
    const pinned = await service.pin(a.base, a.head ?? WORKTREE);
    return await service.draftFix(a.location, pinned.base, pinned.head, { scenario: a.scenario, ids: a.ids, scope: a.scope, side: a.side });
  });

  registerContract(server, checkFix, async (a) => {
    const pinned = await service.pin(a.base, a.head ?? WORKTREE);
    const results = await service.checkFix(a.ids, a.patch, pinned.base, pinned.head);
    return { results, verified: results.every((r) => r.after === "pass") };
  });
}
