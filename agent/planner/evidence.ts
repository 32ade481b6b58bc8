import type { BlastRadius, Fix, Report, ScenarioVerdict } from "../../core/verdict.js";
import { z } from "zod";
import { ContractError, type AnswerOf, type ArgsOf, type ToolContract } from "../../core/contract.js";
import { Span } from "../../core/span.js";
import { symbolImpact } from "../../servers/code-graph/contracts.js";
import { contextNeighbors, getContextNode, recordDecisionTool } from "../../servers/context-graph/contracts.js";
import { fileOwnership, whyCode } from "../../servers/git-history/contracts.js";
import { getScenario, selectScenarios } from "../../servers/scenarios/contracts.js";
import { memoReads, ToolError, type Tools } from "../hub.js";

/**
 * What both planners do the same way over the tools: read every page of an answer, gather a failing
 * scenario's blast radius, judge a fix from its re-simulation, and assemble the report.
 */
/** The contract of a paged tool: its answer has items and maybe a nextCursor, its input a cursor. */
type Paged = ToolContract & { output: { shape: { items: unknown; nextCursor: unknown } } };
type ItemOf<C extends ToolContract> = AnswerOf<C> extends { items: Array<infer T> } ? T : never;

/** Every page of a paged tool. */
export async function allPages<C extends Paged>(tools: Tools, contract: C, args: ArgsOf<C>): Promise<Array<ItemOf<C>>> {
  const out: Array<ItemOf<C>> = [];
  let cursor: string | undefined;
  for (let n = 0; n < 50; n++) {
    const page = (await tools.call(contract, { ...args, ...(cursor ? { cursor } : {}) })) as { items: Array<ItemOf<C>>; nextCursor?: string };
    out.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return out;
}

/** A tool answer, or undefined when that evidence is not there (a node never ingested, a file with no history). */
export async function optional<T>(work: Promise<T>): Promise<T | undefined> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof ToolError) return undefined;
    throw err;
  }
}

/** The front matter fields the planners read of get_scenario's answer (a record: the scenario as its file has it). */
const ScenarioDoc = z.looseObject({
  id: z.string(),
  customers: z.array(z.string()).optional(),
  workflow: z.string().optional(),
  source: z.array(z.string()).optional(),
  entry: z.array(z.string()).optional(),
  simulate: z.unknown().optional(),
});
export type ScenarioDoc = z.infer<typeof ScenarioDoc>;

/** get_scenario's record as a ScenarioDoc (just the id when there was none); a field of the wrong type is a ContractError. */
export function scenarioDoc(scenario: Record<string, unknown> | undefined, id: string): ScenarioDoc {
  if (!scenario) return { id };
  const parsed = ScenarioDoc.safeParse(scenario);
  if (!parsed.success) throw new ContractError(getScenario.server, getScenario.name, parsed.error.issues.map((i) => ({ ...i, path: ["scenario", ...i.path] })));
  return parsed.data;
}

/** Every symbol a verdict's evidence shows on its path (trace steps, touched steps, the root cause). */
function onPath(v: ScenarioVerdict): Set<string> {
  const steps = (v.steps ?? []) as Array<{ symbol?: string; call?: string }>;
  return new Set([...steps.flatMap((s) => [s.symbol, s.call]), v.rootCause?.symbol].filter((s): s is string => typeof s === "string"));
}

/** Symbols on a verdict's path that the change touched: the root cause, else the touched static steps. */
export function changedOnPath(v: ScenarioVerdict): string[] {
  if (v.rootCause) return [v.rootCause.symbol];
  const steps = (v.steps ?? []) as Array<{ symbol?: string; touched?: unknown; call?: string }>;
  return [...new Set(steps.filter((s) => s.touched).map((s) => s.call ?? s.symbol).filter((s): s is string => typeof s === "string"))];
}

export async function blastRadius(tools: Tools, v: ScenarioVerdict, doc: ScenarioDoc, all: ScenarioVerdict[], head: string, started: string): Promise<BlastRadius> {
  const symbols = changedOnPath(v);
  // Across services: the requests and messages that reached the changed service come from code in the others,
  // whose routes and owners are hit as well.
  const crossings = v.crossings ?? [];
  const services = [...new Set(crossings.flatMap((c) => [c.from, c.to, ...(c.consumers ?? [])]).concat(v.rootCause?.service).filter((x): x is string => typeof x === "string" && x !== "(scenario)"))];
  const upstream = [...new Set(crossings.filter((c) => c.kind !== "response" && c.from !== v.rootCause?.service && c.symbol).map((c) => c.symbol as string))].filter((x) => !symbols.includes(x));
  const tickets = new Set<string>((doc.source ?? []).filter((s) => s.startsWith("ticket:") || s.startsWith("incident:")).map((s) => s.replace(/^incident:/, "ticket:")));
  const location = v.rootCause?.location.split(" ")[0];
  const path = location ? Span.parse(location, "root cause location").path : symbols[0]?.split("#")[0];
  const target = location ?? symbols[0];
  const upstreamPaths = upstream.map((u) => u.split("#")[0] as string);
  // The questions are independent: asked at once (each is a tool call, and a check asks them for every failing case).
  const [impact, linked, why, owned] = await Promise.all([
    symbols.length ? optional(tools.call(symbolImpact, { targets: [...symbols, ...upstream].slice(0, 20), rev: head, limit: 200 })) : undefined,
    Promise.all(symbols.slice(0, 10).map((sym) => optional(allPages(tools, contextNeighbors, { id: `symbol:${sym}`, direction: "in", rels: ["references"], limit: 100 })))),
    target ? optional(tools.call(whyCode, { target, limit: 20 })) : undefined,
    Promise.all([...new Set([path, ...upstreamPaths])].filter((x): x is string => Boolean(x)).slice(0, 6).map((p) => optional(tools.call(fileOwnership, { path: p })))),
  ]);
  const entryPoints = new Set<string>();
  // Being exported from a package reaches everything; the routes, jobs and handlers are what say who is hit.
  for (const i of impact?.items ?? []) for (const e of i.entryPoints) if (e !== "package-export") entryPoints.add(e);
  for (const n of linked.flatMap((l) => l ?? [])) if (n.kind === "ticket") tickets.add(n.id);
  const scenarios = all.filter((o) => o.scenario !== v.scenario && symbols.some((s) => onPath(o).has(s))).map((o) => o.scenario);
  const fragility = { commits: 0, reverts: 0, incidents: [] as string[], failingSimulations: 0 };
  // History is what happened before this run: its own simulations are not the code's past trouble.
  for (const item of (why?.items ?? []).filter((i) => !i.time || i.time < started)) {
    if (item.kind === "commit") {
      fragility.commits++;
      if (/^revert\b/i.test(item.summary)) fragility.reverts++;
    } else if (item.kind === "ticket" && /incident|INC-|outage|sev[ -]?\d/i.test(`${item.id} ${item.summary}`)) fragility.incidents.push(item.id);
    else if (item.kind === "simulation" && /: (fail|error)\b/.test(item.summary)) fragility.failingSimulations++;
  }
  const owners = new Set<string>();
  for (const own of owned) for (const o of own?.items ?? []) owners.add(o.mainDeveloper.byAddedLines);
  return {
    customers: doc.customers ?? [],
    ...(services.length ? { services } : {}),
    ...(doc.workflow ? { workflow: doc.workflow } : {}),
    entryPoints: [...entryPoints].sort(),
    tickets: [...tickets].sort(),
    scenarios,
    owners: [...owners],
    fragility,
  };
}

export interface FixCheck {
  scenario: string;
  before: ScenarioVerdict["verdict"];
  after: ScenarioVerdict["verdict"];
}

/** A fix is verified only when its target turns to pass and no other scenario checked with it gets worse. */
export function fixFromCheck(patch: string, scenario: string, results: FixCheck[], by: string): Fix {
  const rank = { pass: 0, unaffected: 0, "at-risk": 1, error: 2, fail: 3 } as const;
  const target = results.find((r) => r.scenario === scenario);
  const brokeNothing = results.filter((r) => r.scenario !== scenario).every((r) => rank[r.after] <= rank[r.before]);
  return { patch, verified: target?.after === "pass" && brokeNothing, by, checked: results.map(({ scenario: s, before, after }) => ({ scenario: s, before, after })) };
}

const ORDER = ["fail", "error", "at-risk", "pass", "unaffected"] as const;

/** The report both planners return: verdicts worst first, counted, summarized. */
export function finishReport(base: string, head: string, planner: "embedded" | "llm", selected: Report["selected"], verdicts: ScenarioVerdict[], note?: string): Report {
  const counts: Report["counts"] = {};
  for (const v of verdicts) counts[v.verdict] = (counts[v.verdict] ?? 0) + 1;
  const summary = (verdicts.length ? ORDER.filter((k) => counts[k]).map((k) => `${counts[k]} ${k}`).join(", ") : "no scenario selected") + (note ? ` (${note})` : "");
  const rank = (v: ScenarioVerdict) => ORDER.indexOf(v.verdict);
  return { base, head, planner, selected, verdicts: [...verdicts].sort((a, b) => rank(a) - rank(b) || a.scenario.localeCompare(b.scenario)), counts, summary };
}

/** The scenarios to simulate: the one asked for (checked to exist), else every one the change selects. */
export async function selectFor(tools: Tools, req: { base: string; head: string; scenario?: string | undefined; progress?: (line: string) => void }): Promise<Report["selected"]> {
  if (req.scenario) {
    await tools.call(getScenario, { id: req.scenario, rev: req.head });
    return [{ scenario: req.scenario, reasons: ["asked for"] }];
  }
  req.progress?.("selecting scenarios for the change…");
  return (await allPages(tools, selectScenarios, { base: req.base, head: req.head })).map(({ scenario, reasons }) => ({ scenario, reasons }));
}

/** Blast radius for every failing or at-risk verdict (in place). */
export async function addBlastRadius(hub: Tools, verdicts: ScenarioVerdict[], head: string, started: string, say: (line: string) => void): Promise<void> {
  const tools = memoReads(hub);
  const hit = verdicts.filter((v) => v.verdict === "fail" || v.verdict === "at-risk");
  // A few at a time: the reads they share are asked once (memoReads), and the servers answer them side by side.
  let next = 0;
  const worker = async () => {
    for (let v = hit[next++]; v; v = hit[next++]) {
      say(`blast radius of ${v.scenario}…`);
      // A scenario's front matter comes as a record: the fields the blast radius reads are checked where they are read.
      const doc = scenarioDoc((await optional(tools.call(getScenario, { id: v.scenario, rev: head })))?.scenario, v.scenario);
      v.blastRadius = await blastRadius(tools, v, doc, verdicts, head, started);
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, hit.length) }, worker));
}

/** One decision trace per verdict that needs explaining, citing the scenario, the code and the evidence. */
export async function recordDecisions(
  tools: Tools,
  verdicts: ScenarioVerdict[],
  base: string,
  head: string,
  by: { author: string; authority: "deterministic" | "llm"; reasoning: string; evidence?: string[] },
): Promise<void> {
  for (const v of verdicts.filter((x) => x.verdict === "fail" || x.verdict === "at-risk" || x.depth === "agent")) {
    // record_decision takes only evidence that is a node of the graph: keep the ids that are.
    const wanted = [...new Set([`scenario:${v.scenario}`, ...changedOnPath(v).map((s) => `symbol:${s}`), ...(v.blastRadius?.tickets ?? []), ...(by.evidence ?? [])])];
    const known = await Promise.all(wanted.map(async (id) => ((await optional(tools.call(getContextNode, { id }))) !== undefined ? id : undefined)));
    await tools.call(recordDecisionTool, {
      question: `What does the change ${base.slice(0, 12)}..${head.slice(0, 12)} do to scenario ${v.scenario}?`,
      conclusion: `${v.verdict}: ${v.reason}${v.fix ? ` Fix ${v.fix.verified ? "verified" : "not verified"} by re-simulation.` : ""}`,
      evidence: known.filter((id): id is string => id !== undefined).slice(0, 30),
      reasoning: by.reasoning,
      author: by.author,
      authority: by.authority,
    });
  }
}
