import { WORKTREE } from "../../core/git.js";
import { draftFromTicket, type Draft } from "./draft.js";
import { renderScenario, type Scenario } from "./format.js";
import type { ScenarioService } from "./service.js";
import { packageApi, type PackageApi } from "./ticket-repro-api.js";

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
  const drafted = draftFromTicket(stored.ticket, await service.tickets.codeRefs(key), undefined, api);
  const d = at !== undefined ? await withAskedSetup(service, drafted, api, at) : drafted;
  return write ? service.writeDrafts([d]) : [d];
}

/** args_js with a statement before its code: inside its function when it is one (ticket-repro-js.ts writes it so), else around it. */
function firstIn(argsJs: string, statement: string): string {
  const open = /^\(\(\) => \{\n/.exec(argsJs);
  return open ? `${open[0]}    ${statement}\n${argsJs.slice(open[0].length)}` : `(() => {\n    ${statement}\n    return ${argsJs};\n})()`;
}

/** "…import and call `enableMapSet()` when initializing…": the setup export an error of the package asks for. */
const ASKS_FOR = /\bcall(?:ing)?\s+`?([A-Za-z_$][\w$]*)\(\)/gi;

/**
 * A snippet often leaves out the setup its author's app does once (immer's `enableMapSet()`). When the draft's
 * call fails at `at` with an error of the package that asks for a call of one of its exports taking nothing,
 * and the snippet does not make it, the draft makes it first; a draft whose call does not fail so is as it was.
 */
async function withAskedSetup(service: ScenarioService, d: Draft, api: PackageApi, at: string): Promise<Draft> {
  const step = d.scenario.simulate?.steps[0];
  if (!d.executable || !d.scenario.simulate || step?.args_js === undefined) return d;
  const run = await service.reproduce(d.scenario, at);
  const asked = [...(run.thrown ?? "").matchAll(ASKS_FOR)].map((m) => m[1] as string).find((name) => api.exports.has(name) && !new RegExp(`\\b${name}\\s*\\(`).test(step.args_js ?? ""));
  if (!asked) return d;
  const scenario: Scenario = {
    ...d.scenario,
    prose: `${d.scenario.prose.replace(/\.$/, "")}, after \`${asked}()\`, which ${api.name}'s error asked for (the snippet does not show its setup).`,
    simulate: { ...d.scenario.simulate, steps: [{ ...step, args_js: firstIn(step.args_js, `${asked}();`) }, ...d.scenario.simulate.steps.slice(1)] },
  };
  return { ...d, scenario, text: renderScenario(scenario) };
}
