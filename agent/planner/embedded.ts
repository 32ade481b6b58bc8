import type { BlastRadius, Fix, Report, ScenarioVerdict } from "../../core/verdict.js";
import { ToolError, type Tools } from "../hub.js";

/**
 * The embedded planner (DESIGN.md, "The agent"): deterministic, offline, the default and what CI uses. Over
 * the servers' MCP tools it selects the scenarios a change can affect, simulates each at the deepest depth it
 * allows (in parallel), and for each failing or at-risk one gathers the blast radius, drafts the minimal
 * revert of the hunk holding the root cause and verifies it with check_fix; then it records decision traces.
 */
export interface PlanRequest {
  base: string;
  head: string;
  /** Only this scenario instead of the selection. */
  scenario?: string | undefined;
  /** Progress lines while it works (terminal output). */
  progress?: (line: string) => void;
}

export const PLANNER = "embedded-planner@1";

interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** Every page of a paged tool. */
export async function allPages<T>(tools: Tools, server: Parameters<Tools["call"]>[0], tool: string, args: Record<string, unknown>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let n = 0; n < 50; n++) {
    const page = await tools.call<Page<T>>(server, tool, { ...args, ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return out;
}

/** A tool answer, or undefined when that evidence is not there (a node never ingested, a file with no history). */
async function optional<T>(work: Promise<T>): Promise<T | undefined> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof ToolError) return undefined;
    throw err;
  }
}

interface ScenarioDoc {
  id: string;
  customers?: string[];
  workflow?: string;
  source?: string[];
  simulate?: unknown;
}

/** Every symbol a verdict's evidence shows on its path (trace steps, touched steps, the root cause). */
function onPath(v: ScenarioVerdict): Set<string> {
  const steps = (v.steps ?? []) as Array<{ symbol?: string; call?: string }>;
  return new Set([...steps.flatMap((s) => [s.symbol, s.call]), v.rootCause?.symbol].filter((s): s is string => typeof s === "string"));
}

/** Symbols on a verdict's path that the change touched: the root cause, else the touched static steps. */
function changedOnPath(v: ScenarioVerdict): string[] {
  if (v.rootCause) return [v.rootCause.symbol];
  const steps = (v.steps ?? []) as Array<{ symbol?: string; touched?: unknown; call?: string }>;
  return [...new Set(steps.filter((s) => s.touched).map((s) => s.call ?? s.symbol).filter((s): s is string => typeof s === "string"))];
}

async function blastRadius(tools: Tools, v: ScenarioVerdict, doc: ScenarioDoc, all: ScenarioVerdict[], head: string, started: string): Promise<BlastRadius> {
  const symbols = changedOnPath(v);
  const entryPoints = new Set<string>();
  const tickets = new Set<string>((doc.source ?? []).filter((s) => s.startsWith("ticket:") || s.startsWith("incident:")).map((s) => s.replace(/^incident:/, "ticket:")));
  if (symbols.length) {
    const impact = await optional(tools.call<{ items: Array<{ entryPoints: string[] }> }>("code-graph", "impact", { targets: symbols.slice(0, 20), rev: head, limit: 200 }));
    // Being exported from a package reaches everything; the routes, jobs and handlers are what say who is hit.
    for (const i of impact?.items ?? []) for (const e of i.entryPoints) if (e !== "package-export") entryPoints.add(e);
  }
  for (const sym of symbols.slice(0, 10)) {
    const linked = await optional(allPages<{ id: string; kind: string }>(tools, "context-graph", "neighbors", { id: `symbol:${sym}`, direction: "in", rels: ["references"], limit: 100 }));
    for (const n of linked ?? []) if (n.kind === "ticket") tickets.add(n.id);
  }
  const scenarios = all.filter((o) => o.scenario !== v.scenario && symbols.some((s) => onPath(o).has(s))).map((o) => o.scenario);
  const owners = new Set<string>();
  const fragility = { commits: 0, reverts: 0, incidents: [] as string[], failingSimulations: 0 };
  const location = v.rootCause?.location.split(" ")[0];
  const path = location ? location.slice(0, location.lastIndexOf(":")) : symbols[0]?.split("#")[0];
  if (location || symbols[0]) {
    const why = await optional(tools.call<{ items: Array<{ kind: string; id: string; summary: string; time: string | null }> }>("git-history", "why", { target: location ?? symbols[0], limit: 20 }));
    // History is what happened before this run: its own simulations are not the code's past trouble.
    for (const item of (why?.items ?? []).filter((i) => !i.time || i.time < started)) {
      if (item.kind === "commit") {
        fragility.commits++;
        if (/^revert\b/i.test(item.summary)) fragility.reverts++;
      } else if (item.kind === "ticket" && /incident|INC-|outage|sev[ -]?\d/i.test(`${item.id} ${item.summary}`)) fragility.incidents.push(item.id);
      else if (item.kind === "simulation" && /: (fail|error)\b/.test(item.summary)) fragility.failingSimulations++;
    }
  }
  if (path) {
    const own = await optional(tools.call<{ items: Array<{ mainDeveloper: { byAddedLines: string } }> }>("git-history", "ownership", { path }));
    for (const o of own?.items ?? []) owners.add(o.mainDeveloper.byAddedLines);
  }
  return {
    customers: doc.customers ?? [],
    ...(doc.workflow ? { workflow: doc.workflow } : {}),
    entryPoints: [...entryPoints].sort(),
    tickets: [...tickets].sort(),
    scenarios,
    owners: [...owners],
    fragility,
  };
}

interface FixCheck {
  scenario: string;
  before: ScenarioVerdict["verdict"];
  after: ScenarioVerdict["verdict"];
}

/** Drafts the hunk revert for a root cause and checks it against the failing scenario and every other executable one selected. */
async function draftAndCheck(tools: Tools, v: ScenarioVerdict, executable: string[], base: string, head: string): Promise<Fix | undefined> {
  if (!v.rootCause) return undefined;
  const location = v.rootCause.location.split(" ")[0] as string;
  const draft = await optional(tools.call<{ patch: string }>("scenarios", "draft_fix", { location, base, head }));
  if (!draft) return undefined;
  const ids = [v.scenario, ...executable.filter((id) => id !== v.scenario)];
  const checked = await tools.call<{ results: FixCheck[] }>("scenarios", "check_fix", { ids, patch: draft.patch, base, head });
  const rank = { pass: 0, unaffected: 0, "at-risk": 1, error: 2, fail: 3 } as const;
  const target = checked.results.find((r) => r.scenario === v.scenario);
  const brokeNothing = checked.results.filter((r) => r.scenario !== v.scenario).every((r) => rank[r.after] <= rank[r.before]);
  return {
    patch: draft.patch,
    verified: target?.after === "pass" && brokeNothing,
    by: PLANNER,
    checked: checked.results.map(({ scenario, before, after }) => ({ scenario, before, after })),
  };
}

export async function embeddedPlan(tools: Tools, req: PlanRequest): Promise<Report> {
  const say = req.progress ?? (() => undefined);
  const started = new Date().toISOString();
  const { base, head } = req;
  let selected: Array<{ scenario: string; reasons: string[] }>;
  if (req.scenario) {
    await tools.call("scenarios", "get_scenario", { id: req.scenario, rev: head });
    selected = [{ scenario: req.scenario, reasons: ["asked for"] }];
  } else {
    say("selecting scenarios for the change…");
    selected = (await allPages<{ scenario: string; reasons: string[] }>(tools, "scenarios", "select_scenarios", { base, head })).map(({ scenario, reasons }) => ({ scenario, reasons }));
  }
  say(`${selected.length} scenario(s) selected; simulating…`);
  let done = 0;
  const verdicts = await Promise.all(
    selected.map(async (s) => {
      const r = await tools.call<{ verdict: ScenarioVerdict }>("scenarios", "simulate_scenario", { id: s.scenario, base, head });
      say(`  [${++done}/${selected.length}] ${r.verdict.verdict.toUpperCase()} ${s.scenario}`);
      return r.verdict;
    }),
  );
  const docs = new Map<string, ScenarioDoc>();
  for (const v of verdicts) docs.set(v.scenario, (await tools.call<{ scenario: ScenarioDoc }>("scenarios", "get_scenario", { id: v.scenario, rev: head })).scenario);
  const executable = verdicts.filter((v) => v.depth === "differential" && v.verdict !== "error").map((v) => v.scenario);

  const fixes = new Map<string, Fix>();
  for (const v of verdicts) {
    if (v.verdict !== "fail" && v.verdict !== "at-risk") continue;
    say(`blast radius of ${v.scenario}…`);
    v.blastRadius = await blastRadius(tools, v, docs.get(v.scenario) ?? { id: v.scenario }, verdicts, head, started);
    if (v.verdict === "fail" && v.rootCause) {
      const key = v.rootCause.location;
      if (!fixes.has(key)) {
        say(`drafting and checking a fix for ${key}…`);
        const fix = await draftAndCheck(tools, v, executable, base, head);
        if (fix) fixes.set(key, fix);
      }
      const fix = fixes.get(key);
      if (fix) v.fix = fix;
    }
    await tools.call("context-graph", "record_decision", {
      question: `What does the change ${base.slice(0, 12)}..${head.slice(0, 12)} do to scenario ${v.scenario}?`,
      conclusion: `${v.verdict}: ${v.reason}${v.fix ? ` Fix ${v.fix.verified ? "verified" : "not verified"}: revert of the hunk at ${v.rootCause?.location}.` : ""}`,
      evidence: [`scenario:${v.scenario}`, ...changedOnPath(v).map((s) => `symbol:${s}`), ...(v.blastRadius?.tickets ?? [])].slice(0, 30),
      reasoning: "embedded planner: select, simulate at the deepest depth, blast radius from the code graph, history and tickets, fix = revert of the root-cause hunk checked by re-simulation",
      author: PLANNER,
    });
  }
  const counts: Report["counts"] = {};
  for (const v of verdicts) counts[v.verdict] = (counts[v.verdict] ?? 0) + 1;
  const order = ["fail", "error", "at-risk", "pass", "unaffected"] as const;
  const summary = verdicts.length ? order.filter((k) => counts[k]).map((k) => `${counts[k]} ${k}`).join(", ") : "no scenario selected";
  const rank = (v: ScenarioVerdict) => order.indexOf(v.verdict);
  return { base, head, planner: "embedded", selected, verdicts: verdicts.sort((a, b) => rank(a) - rank(b) || a.scenario.localeCompare(b.scenario)), counts, summary };
}
