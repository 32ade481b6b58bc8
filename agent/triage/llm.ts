import { betaZodTool } from "@anthropic-ai/sdk/helpers/beta/zod";
import { stringify as stringifyYaml } from "yaml";
import { z } from "zod";
import { parseAnswer } from "../../core/contract.js";
import { errorLine } from "../../core/errors.js";
import { CONFIDENCES, SEVERITIES, type Assessment, type Duplicate, type Reproduction, type Suspect } from "../../core/triage.js";
import { getSymbol } from "../../servers/code-graph/contracts.js";
import { getContextNode } from "../../servers/context-graph/contracts.js";
import { draftScenario, tryScenario } from "../../servers/scenarios/contracts.js";
import { memoReads, type ToolHub, type Tools } from "../hub.js";
import { optional } from "../planner/evidence.js";
import { converse, modelTools, ownTool, prompt, storeTranscript, type LlmSettings } from "../planner/model.js";
import { embeddedTriage, readTicket, reproductionOf, type PlannedTriage, type ScenarioDocs, type TicketOut, type Triaged, type TriagePlanner } from "./ticket.js";

/**
 * The LLM planner's triage (DESIGN.md, "The agent"): the embedded planner gathers the evidence first, then a
 * model judges it through the same read tools (which candidates are real duplicates, where the fault lives,
 * which suspect is most likely, how severe) and may run its own proposed scenario to reproduce the ticket.
 * Its claims are checked with the tools before they enter the triage (a ticket, symbol or commit the tools do
 * not know is dropped and listed), a reproduction counts only as a tool ran it, and the transcript is stored
 * as an episode that the decision trace cites.
 */
export const RecordTriage = z.object({
  summary: z.string().min(1).describe("Two or three sentences for the engineer who picks the ticket up: what is wrong, where, and since when"),
  duplicates: z.array(z.object({ key: z.string().min(1), why: z.string().min(1) })).default([]).describe("Tickets you would close as duplicates of this one (the same fault); [] when none"),
  symbols: z.array(z.string().min(1)).default([]).describe("Symbol ids (path#Name) where the fault lives, most central first"),
  suspects: z.array(z.object({ commit: z.string().min(7), why: z.string().min(1) })).default([]).describe("Commits that probably caused it, most likely first (full 40-character shas)"),
  component: z.string().min(1).nullable().default(null).describe("The component (a folder) when you disagree with the evidence's; else null"),
  severity: z.object({ level: z.enum(SEVERITIES), why: z.string().min(1) }),
  confidence: z.enum(CONFIDENCES),
  confidenceReason: z.string().min(1).describe("Why this confidence: what the evidence shows and what is missing"),
});
type Judgement = z.infer<typeof RecordTriage>;

interface Checked {
  duplicates: Duplicate[];
  symbols: string[];
  suspects: Suspect[];
  rejected: string[];
}

/** Each claim checked with the tools: the tickets exist, the code graph knows the symbols, history has the commits. */
async function check(hub: Tools, key: string, j: Judgement, evidence: Triaged): Promise<Checked> {
  const out: Checked = { duplicates: [], symbols: [], suspects: [], rejected: [] };
  for (const d of j.duplicates) {
    const t = d.key === key ? undefined : await optional(readTicket(hub, d.key));
    if (!t) {
      out.rejected.push(d.key === key ? `duplicate ${d.key}: that is the ticket itself` : `duplicate ${d.key}: no such ticket`);
      continue;
    }
    const seen = evidence.duplicates.find((x) => x.key === t.ticket.key);
    if (!out.duplicates.some((x) => x.key === t.ticket.key)) {
      out.duplicates.push({ key: t.ticket.key, title: t.ticket.title, status: t.ticket.status, score: seen?.score ?? 0, likely: true, evidence: [`the model: ${d.why}`, ...(seen?.evidence ?? [])] });
    }
  }
  for (const id of j.symbols) {
    const s = await optional(hub.call(getSymbol, { id }));
    if (s) {
      if (!out.symbols.includes(s.symbol.id)) out.symbols.push(s.symbol.id);
    } else out.rejected.push(`symbol ${id}: the code graph has no such symbol`);
  }
  for (const s of j.suspects) {
    const sha = s.commit.toLowerCase();
    const known = evidence.suspects.find((x) => x.commit.startsWith(sha));
    const node = known || !/^[0-9a-f]{40}$/.test(sha) ? undefined : await optional(hub.call(getContextNode, { id: `commit:${sha}` }));
    const suspect: Suspect | undefined = known
      ? { ...known, via: `${known.via}; the model: ${s.why}` }
      : node
        ? { commit: sha, method: "llm", confidence: 0.5, via: `the model: ${s.why}`, evidence: [], summary: node.node.title }
        : undefined;
    if (!suspect) out.rejected.push(`suspect ${s.commit}: not a commit in the ingested history (give the full 40-character sha)`);
    else if (!out.suspects.some((x) => x.commit === suspect.commit)) out.suspects.push(suspect);
  }
  return out;
}

const conclusive = (r: Reproduction | null | undefined) => r?.status === "reproduces" || r?.status === "does-not-reproduce";

/** A reproduction the model ran: a draft_scenario at the triage commit, or a try_scenario with both sides there. */
function reproductionFrom(tool: string, args: Record<string, unknown>, answer: Record<string, unknown>, at: string): Pick<Triaged, "draft" | "reproduction"> | undefined {
  const isAt = (rev: unknown) => typeof rev === "string" && rev.length >= 7 && at.startsWith(rev);
  if (tool === draftScenario.name && isAt(args.reproduceAt)) {
    const d = parseAnswer(draftScenario, answer).drafts[0];
    if (!d?.reproduction) return undefined;
    return { draft: { id: d.id, executable: d.executable, missing: d.missing, text: d.text }, reproduction: reproductionOf(d.reproduction) };
  }
  if (tool === tryScenario.name && isAt(args.base) && isAt(args.head)) {
    const proposal = args.scenario as { id?: string } | undefined;
    const tried = parseAnswer(tryScenario, answer);
    const ran = tried.base;
    const status = ran.status !== "ran" ? "error" : ran.failing.length ? "reproduces" : tried.passesOnBase ? "does-not-reproduce" : "error";
    return {
      draft: { id: proposal?.id ?? "proposed", executable: true, missing: [], text: stringifyYaml(proposal ?? {}, { lineWidth: 0 }) },
      reproduction: { rev: at, status, failing: ran.failing, ...(status === "error" ? { reason: ran.status === "ran" ? "the proposed scenario checks nothing" : ran.status } : {}) },
    };
  }
  return undefined;
}

/** The model's judgement over the evidence: its confirmed claims first, the rest of the evidence kept below them. */
function merge(e: Triaged, j: Judgement, c: Checked, ran: Pick<Triaged, "draft" | "reproduction"> | undefined, model: string): Triaged {
  const confirmed = new Set(c.duplicates.map((d) => d.key));
  const named = new Set(c.suspects.map((s) => s.commit));
  return {
    ...e,
    planner: `llm:${model}`,
    confidence: j.confidence,
    confidenceReason: j.confidenceReason,
    duplicates: [...c.duplicates, ...e.duplicates.filter((d) => !confirmed.has(d.key)).map((d) => ({ ...d, likely: false, evidence: [...d.evidence, "the model did not judge it a duplicate"] }))],
    symbols: c.symbols.length ? c.symbols : e.symbols,
    suspects: [...c.suspects, ...e.suspects.filter((s) => !named.has(s.commit))],
    component: j.component ?? e.component,
    severity: { level: j.severity.level, hints: [`the model: ${j.severity.why}`, ...e.severity.hints] },
    // The embedded draft's run stands when it was conclusive; else the model's, when a tool ran it to a conclusion.
    ...(!conclusive(e.reproduction) && ran && conclusive(ran.reproduction) ? ran : {}),
  };
}

/** The ticket and the embedded evidence, as the model's first message. */
function firstMessage(t: TicketOut["ticket"], revision: string, at: string, e: Triaged): string {
  const evidence = {
    duplicates: e.duplicates.map(({ key, title, score, likely, evidence }) => ({ key, title, score, likely, evidence })),
    codeRefs: e.codeRefs,
    symbols: e.symbols,
    suspects: e.suspects.map(({ commit, method, confidence, summary, via }) => ({ commit, method, confidence, summary, via })),
    component: e.component,
    owner: e.owner,
    relatedScenarios: e.relatedScenarios,
    draft: e.draft ? { ...e.draft, text: e.draft.text.slice(0, 2000) } : null,
    reproduction: e.reproduction,
    severity: e.severity,
    confidence: `${e.confidence}: ${e.confidenceReason}`,
  };
  return [
    `Ticket ${t.key} (revision ${revision}), triaged at commit ${at}.`,
    `Title: ${t.title}`,
    `Kind: ${t.kind}; status: ${t.status}${t.customers?.length ? `; customers: ${t.customers.join(", ")}` : ""}${t.labels?.length ? `; labels: ${t.labels.join(", ")}` : ""}`,
    "Body:",
    t.body.length > 6000 ? `${t.body.slice(0, 6000)}\n… (truncated)` : t.body,
    "",
    "Evidence gathered without a model:",
    JSON.stringify(evidence),
  ].join("\n");
}

/**
 * The planner for one round. `maxTokens` is the round's budget: once spent, the rest of the round's tickets
 * keep the embedded triage (and say so). When the model cannot be reached, the ticket fails and waits for the
 * next round, like a failing source; the rest of the round does not ask again.
 */
export function llmTriage(hub: ToolHub, settings: LlmSettings, say?: (line: string) => void): TriagePlanner {
  // One read of each ticket, symbol and node per round: the embedded evidence, the first message and the
  // checks of the model's claims ask for the same ones.
  const reads = memoReads(hub);
  const embedded = embeddedTriage(reads);
  let spent = 0;
  let unreachable: string | undefined;
  return {
    name: `llm-triage (${settings.model})`,
    async triage(key: string, revision: string, at: string, docs: ScenarioDocs): Promise<PlannedTriage> {
      if (unreachable) throw new Error(unreachable);
      const base = await embedded.triage(key, revision, at, docs);
      const keep = (a: Assessment): PlannedTriage => ({
        ...base,
        triage: { ...base.triage, assessment: a },
        reasoning: `${base.reasoning}; the LLM planner's judgement is not part of it: ${a.note}`,
        evidence: a.episode ? [a.episode] : [],
      });
      if (spent >= settings.maxTokens) {
        return keep({ model: settings.model, summary: null, episode: null, turns: 0, tokens: 0, rejected: [], note: `not asked: this round's token budget (${settings.maxTokens} tokens) is spent, so the embedded planner's triage stands` });
      }
      const { ticket } = await readTicket(reads, key);
      let judged: { j: Judgement; checked: Checked } | undefined;
      let ran: Pick<Triaged, "draft" | "reproduction"> | undefined;
      const tools = await modelTools(hub, (server, tool, args, answer) => {
        const r = server === tryScenario.server && answer ? reproductionFrom(tool, args, answer, at) : undefined;
        if (r && (conclusive(r.reproduction) || !ran)) ran = r;
      });
      tools.push(
        ownTool(
          betaZodTool({
            name: "record_triage",
            description: "Record your triage of this ticket. Your claims are checked with the tools; the answer lists any that were dropped. Call it again to correct them; the last call counts.",
            inputSchema: RecordTriage,
            run: async (j) => {
              const checked = await check(reads, key, j, base.triage);
              judged = { j, checked };
              return checked.rejected.length ? `recorded; dropped ${checked.rejected.length} claim(s) the tools did not bear out: ${checked.rejected.join("; ")}` : "recorded";
            },
          }),
        ),
      );
      let talk;
      try {
        talk = await converse({ settings, system: prompt("triage.md", { at }), first: firstMessage(ticket, revision, at, base.triage), tools, budget: settings.maxTokens - spent, who: "LLM triage planner", ...(say ? { say } : {}) });
      } catch (err) {
        unreachable = `the model could not be asked (${errorLine(err)}); the ticket waits for the next round`;
        throw new Error(unreachable);
      }
      spent += talk.tokens;
      const episode = await storeTranscript(hub, "agent:llm-triage", `${key}@${revision}`, settings, talk, { ticket: key, revision, at });
      const asked = { model: settings.model, episode, turns: talk.turns, tokens: talk.tokens };
      if (!judged) return keep({ ...asked, summary: null, rejected: [], note: `${talk.stopped ?? "the model finished without calling record_triage"}, so the embedded planner's triage stands` });
      const { j, checked } = judged;
      return {
        triage: { ...merge(base.triage, j, checked, ran, settings.model), assessment: { ...asked, summary: j.summary, rejected: checked.rejected, ...(talk.stopped ? { note: talk.stopped } : {}) } },
        reasoning: `LLM triage planner (${settings.model}, ${talk.turns} turns, ${talk.tokens} tokens) judging the embedded planner's evidence: ${j.summary}${checked.rejected.length ? ` Dropped as unsupported by the tools: ${checked.rejected.join("; ")}.` : ""}`,
        author: settings.model,
        authority: "llm",
        evidence: [episode],
      };
    },
  };
}
