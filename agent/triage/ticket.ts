import { REPORT_WORDS_METHOD, type Duplicate, type Suspect, type TicketTriage } from "../../core/triage.js";
import { z } from "zod";
import { ContractError, type AnswerOf } from "../../core/contract.js";
import { contextNeighbors, getContextNode } from "../../servers/context-graph/contracts.js";
import { draftScenario, getScenario, listScenarios } from "../../servers/scenarios/contracts.js";
import { getTicket, locateTicketTool, similarTicketsTool, ticketCodeLinks, ticketSuspects } from "../../servers/tickets/contracts.js";
import type { Tools } from "../hub.js";
import { allPages, optional, scenarioDoc } from "../planner/evidence.js";
import { fileOf } from "../../core/span.js";
import { reproducedAt, reproductionOf, reproductionSuspects, symbolsAt } from "./reproduction.js";
import { severityOf } from "./severity.js";
import { whereToLook } from "./files.js";

export { reproductionOf };

/**
 * The embedded planner's triage of one ticket, from the servers' tools only: duplicates, the code it names,
 * suspect commits, component and owner, related scenarios, a drafted scenario run at the triage commit, and
 * severity hints. Every conclusion names its evidence; the decision trace is recorded by the round.
 */
export const TRIAGE_PLANNER = "embedded-triage@1";

export type Triaged = Omit<TicketTriage, "decision" | "comment">;

/** One ticket's triage and how its decision trace should say it was reached. */
export interface PlannedTriage {
  triage: Triaged;
  reasoning: string;
  author: string;
  authority: "deterministic" | "llm";
  /** Evidence beyond what the triage names (the model's transcript). */
  evidence: string[];
}

/** Who triages a ticket: the embedded planner, or the LLM planner over the embedded planner's evidence. */
export interface TriagePlanner {
  name: string;
  triage(key: string, revision: string, at: string, docs: ScenarioDocs): Promise<PlannedTriage>;
}

export function embeddedTriage(tools: Tools): TriagePlanner {
  return {
    name: TRIAGE_PLANNER,
    async triage(key, revision, at, docs) {
      const triage = await triageTicket(tools, key, revision, at, docs);
      return {
        triage,
        reasoning: `${TRIAGE_PLANNER}: duplicates by shared code first, then words that tell tickets apart (template text and public API names discounted); severity by the rules that fired; code references resolved in the code graph; suspects from stack-frame blame and SZZ over fixes; owner by added lines; the drafted scenario run at ${at.slice(0, 12)}; ${triage.confidenceReason}`,
        author: TRIAGE_PLANNER,
        authority: "deterministic",
        evidence: [],
      };
    },
  };
}

type CodeRefOut = AnswerOf<typeof getTicket>["codeRefs"][number];
/** The fields triage reads of get_ticket's ticket (a record: the ticket as imported). */
const TicketDoc = z.looseObject({
  key: z.string(),
  title: z.string(),
  body: z.string(),
  source: z.string(),
  kind: z.string(),
  customers: z.array(z.string()).optional(),
  labels: z.array(z.string()).optional(),
  status: z.string(),
});
export interface TicketOut {
  ticket: z.infer<typeof TicketDoc>;
  codeRefs: CodeRefOut[];
}
type SimilarOut = AnswerOf<typeof similarTicketsTool>;
type DraftOut = AnswerOf<typeof draftScenario>;

/**
 * A ticket through get_ticket, its record checked for the fields triage reads (a ContractError names a wrong
 * one); with `at`, its code references as that revision's tree resolves them.
 */
export async function readTicket(tools: Tools, key: string, at?: string): Promise<TicketOut> {
  const { ticket, codeRefs } = await tools.call(getTicket, { key, ...(at ? { at } : {}) });
  const parsed = TicketDoc.safeParse(ticket);
  if (!parsed.success) throw new ContractError(getTicket.server, getTicket.name, parsed.error.issues.map((i) => ({ ...i, path: ["ticket", ...i.path] })));
  return { ticket: parsed.data, codeRefs };
}
export interface ScenarioDocs {
  /** Every scenario at the triage commit, with what static relating needs. */
  all: Array<{ id: string; title: string; entry: string[]; source: string[] }>;
}

/** Loads the scenarios once per round: each ticket relates to the same set. */
export async function scenarioDocs(tools: Tools, at: string): Promise<ScenarioDocs> {
  const list = await optional(allPages(tools, listScenarios, { rev: at }));
  const all: ScenarioDocs["all"] = [];
  for (const s of list ?? []) {
    const doc = scenarioDoc((await optional(tools.call(getScenario, { id: s.id, rev: at })))?.scenario, s.id);
    all.push({ id: s.id, title: s.title, source: s.source, entry: doc.entry ?? [] });
  }
  return { all };
}

export type Drafted = DraftOut["drafts"][number];


/**
 * A candidate as the triage lists it: likely past the similar_tickets tool's calibrated threshold, shown while
 * possible, left out when weak; the evidence is the shared code first, then the words that counted.
 */
function duplicateOf(h: SimilarOut["items"][number]): Duplicate | undefined {
  if (h.match === "weak") return undefined;
  const evidence = [...h.sharedCode.map((c) => `shares ${c}`), ...(h.sharedTerms.length ? [`shared terms: ${h.sharedTerms.slice(0, 6).join(", ")}`] : [])];
  return { key: h.key, title: h.title, status: h.status, score: Math.round(h.score * 1000) / 1000, likely: h.match === "likely", evidence, parts: h.parts.map((p) => ({ part: p.part, score: p.score })) };
}

async function relatedScenarios(tools: Tools, key: string, symbols: string[], files: string[], duplicates: Duplicate[], docs: ScenarioDocs): Promise<TicketTriage["relatedScenarios"]> {
  const out = new Map<string, { id: string; title: string; why: string }>();
  const add = (id: string, title: string, why: string) => {
    if (!out.has(id)) out.set(id, { id, title, why });
  };
  const cites = new Set([key, ...duplicates.filter((d) => d.likely).map((d) => d.key)].map((k) => `ticket:${k}`));
  for (const s of docs.all) {
    const cited = s.source.find((src) => cites.has(src) || cites.has(src.replace(/^incident:/, "ticket:")));
    if (cited) add(s.id, s.title, `cites ${cited.replace(/^\w+:/, "")}`);
    const entry = s.entry.find((e) => symbols.includes(e) || files.includes(e.split("#")[0] ?? ""));
    if (entry) add(s.id, s.title, `starts at ${entry}, which the ticket names`);
  }
  // Scenarios whose simulations ran through the named code.
  for (const sym of symbols.slice(0, 10)) {
    const near = await optional(allPages(tools, contextNeighbors, { id: `symbol:${sym}`, direction: "both", rels: ["covers", "simulates"], depth: 2 }));
    for (const n of near ?? []) if (n.kind === "scenario") add(n.id.slice("scenario:".length), n.title, `its simulations run through ${sym}`);
  }
  return [...out.values()];
}

function confidenceOf(symbols: string[], refs: CodeRefOut[], allSuspects: Suspect[], reproduction: TicketTriage["reproduction"]): Pick<TicketTriage, "confidence" | "confidenceReason"> {
  const resolved = refs.filter((r) => r.target);
  // Suspects by the report's words alone are a guess from where its words point: they raise no confidence.
  const suspects = allSuspects.filter((s) => !s.method.split(" + ").every((m) => m === REPORT_WORDS_METHOD));
  if (reproduction?.status === "reproduces") return { confidence: "high", confidenceReason: "a drafted scenario reproduces the reported behaviour" };
  if (reproduction?.status === "does-not-reproduce") return { confidence: "medium", confidenceReason: "a drafted scenario runs the ticket's inputs, and the expected behaviour holds at this commit: already fixed, or the inputs differ" };
  if (symbols.length && suspects.length) return { confidence: "high", confidenceReason: `the ticket names ${symbols.length} symbol(s) of the code, and history names suspect commits` };
  if (resolved.length) return { confidence: "medium", confidenceReason: `the ticket names code that exists (${resolved.map((r) => r.kind).filter((k, i, a) => a.indexOf(k) === i).join(", ")}), but ${suspects.length ? "no symbol" : "no suspect commit"} was found` };
  return {
    confidence: "low",
    confidenceReason: "low confidence: the ticket names no code (no stack trace, file, function, error message or config key that matches the repo), so component, owner and suspects are guesses or missing; ask the reporter for the request, the exact error or a stack trace",
  };
}

export async function triageTicket(tools: Tools, key: string, revision: string, at: string, docs: ScenarioDocs): Promise<Triaged> {
  // Evidence as of the triage commit: code in its tree, and only the commits it reaches (not the later fix).
  const { ticket: t, codeRefs } = await readTicket(tools, key, at);
  const [links, similar, suspectsOut, drafted, located] = await Promise.all([
    tools.call(ticketCodeLinks, { key, at }),
    tools.call(similarTicketsTool, { key, limit: 8, at }),
    tools.call(ticketSuspects, { key, at }),
    tools.call(draftScenario, { ticket: key, reproduceAt: at }),
    tools.call(locateTicketTool, { key, at }),
  ]);
  const duplicates = similar.items.map(duplicateOf).filter((d): d is Duplicate => d !== undefined).slice(0, 5);
  // A test that quotes the message is where it was checked, not where it lives: tests count only when nothing else does.
  const inCode = codeRefs.filter((r) => r.kind !== "test-message");
  const named = inCode.some((r) => r.target) ? inCode : codeRefs;
  const symbols = [...new Set(named.map((r) => r.target).filter((x): x is string => !!x && x.includes("#")))];
  const files = [...new Set(named.filter((r) => r.target && r.kind !== "commit" && r.kind !== "config").map((r) => fileOf(r.target as string)))];
  const draft = drafted.drafts[0];
  const r = draft?.reproduction;
  const reproduction = r ? reproductionOf(r) : null;
  // A reproduction that ran into the code names it best: where it threw and the lines only failing inputs ran
  // come first, as code the ticket is about and as lines whose last change is a suspect.
  const ranInto = reproducedAt(reproduction);
  for (const s of (await symbolsAt(tools, ranInto, at)).reverse()) {
    const i = symbols.indexOf(s);
    if (i >= 0) symbols.splice(i, 1);
    symbols.unshift(s);
  }
  const reproduced = await reproductionSuspects(tools, ranInto, at);
  // One line per commit: a commit found by SZZ and by blame is one suspect, at its best confidence. The
  // reproduction's lines and the ticket's own evidence take turns: a reproduction that ran into a wrapper
  // (a library re-throwing from its public entry) names the wrapper's authors, and must not fill every place.
  const byCommit = new Map<string, Suspect>();
  const turns = Array.from({ length: Math.max(reproduced.length, suspectsOut.items.length) }, (_, i) => [reproduced[i], suspectsOut.items[i]]).flat();
  for (const s of turns.filter((x): x is Suspect => x !== undefined)) {
    const seen = byCommit.get(s.commit);
    if (!seen) byCommit.set(s.commit, { ...s });
    else {
      seen.method = `${seen.method} + ${s.method}`;
      seen.via = `${seen.via}; ${s.via}`;
      seen.evidence = [...seen.evidence, ...s.evidence].slice(0, 10);
    }
  }
  const suspects: Suspect[] = [];
  for (const s of [...byCommit.values()].slice(0, 5)) {
    const node = await optional(tools.call(getContextNode, { id: `commit:${s.commit}` }));
    suspects.push({ ...s, ...(node ? { summary: node.node.title } : {}) });
  }
  // An executable draft ran the ticket's inputs through real code: that entry is code the ticket is about.
  const entry = draft?.executable ? /\bcall:\s*(\S+#\S+)/.exec(draft.text)?.[1] : undefined;
  // Only a symbol the context graph holds: a re-export's name (src/index.ts#parse) is no node to cite as evidence.
  if (entry && !symbols.includes(entry) && (await optional(tools.call(getContextNode, { id: `symbol:${entry}` })))) symbols.push(entry);
  return {
    key: t.key,
    title: t.title,
    source: t.source,
    revision,
    planner: TRIAGE_PLANNER,
    ...confidenceOf(symbols, codeRefs, suspects, reproduction),
    duplicates,
    codeRefs: codeRefs.slice(0, 30).map((r) => ({ kind: r.kind, text: r.text, target: r.target })),
    symbols,
    files: whereToLook({ refs: codeRefs, reproduced: ranInto, located: located.files, api: new Set(located.api) }),
    suspects,
    component: links.component,
    owner: links.owner,
    relatedScenarios: await relatedScenarios(tools, t.key, symbols, files, duplicates, docs),
    draft: draft ? { id: draft.id, executable: draft.executable, missing: draft.missing, text: draft.text } : null,
    reproduction,
    severity: await severityOf(tools, t, codeRefs, duplicates),
  };
}
