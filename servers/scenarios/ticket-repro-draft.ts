import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { UserError } from "../../core/errors.js";
import { WORKTREE } from "../../core/git.js";
import { confinePath } from "../../core/repo.js";
import { draftFromTicket, type Draft } from "./draft.js";
import type { ScenarioService } from "./service.js";
import { packageApi } from "./ticket-repro-api.js";

/**
 * A ticket's draft with the repo's package API in view: the service's draft (a request body and a named entry)
 * when it is executable, else the one read from the report's snippet or input (ticket-repro.ts), which says
 * what the report still lacks when it has no call and input. Written only when asked, as the service writes.
 */
/** `at`: the revision whose package API the snippet is read against (the triage revision); the working tree when absent. */
export async function draftTicket(service: ScenarioService, key: string, write: boolean, at?: string): Promise<Array<Draft & { written?: string }>> {
  const [first] = await service.draft({ ticket: key }, false);
  if (!first || first.executable) return write ? service.draft({ ticket: key }, true) : first ? [first] : [];
  const stored = await service.tickets.get(key);
  const api = stored ? await packageApi(service.repo, at ?? WORKTREE) : undefined;
  if (!stored || !api) return write ? service.draft({ ticket: key }, true) : [first];
  const d = draftFromTicket(stored.ticket, await service.tickets.codeRefs(key), undefined, api);
  if (!write) return [d];
  if ((await service.load()).scenarios.some((s) => s.id === d.scenario.id)) throw new UserError(`scenario "${d.scenario.id}" already exists: edit it with upsert_scenario instead`);
  // Confined: a scenarios folder that is a symlink out of the repo is refused, not written through.
  const path = confinePath(service.repo, `${service.config.scenarioDirs[0] ?? "scenarios"}/${d.scenario.id}.md`);
  await mkdir(dirname(join(service.repo, path)), { recursive: true });
  await writeFile(join(service.repo, path), d.text);
  await service.load();
  return [{ ...d, written: path }];
}
