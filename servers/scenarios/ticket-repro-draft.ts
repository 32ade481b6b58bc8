import { WORKTREE } from "../../core/git.js";
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
  return write ? service.writeDrafts([d]) : [d];
}
