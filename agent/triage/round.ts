import type { AnswerOf } from "../../core/contract.js";
import { resolveRevision } from "../../core/git.js";
import { SEVERITIES, type SourceRound, type TicketTriage, type TriageReport } from "../../core/triage.js";
import { contextNeighbors, getContextNode, getIngestionMark, recordDecisionTool, setIngestionMark } from "../../servers/context-graph/contracts.js";
import { ingestHistoryTool } from "../../servers/git-history/contracts.js";
import { commentTicket, getTicket, importTicketsTool, listTickets } from "../../servers/tickets/contracts.js";
import type { Tools } from "../hub.js";
import { ticketSources, type TicketSource } from "../ingest.js";
import { allPages, optional } from "../planner/evidence.js";
import { triageComment } from "../report/triage.js";
import { embeddedTriage, scenarioDocs, type ScenarioDocs, type Triaged, type TriagePlanner } from "./ticket.js";

/**
 * One triage round (DESIGN.md: "scheduled triage of new tickets"): for each ticket source, import what is new,
 * take the tickets changed since the source's high-water mark, triage each one not yet triaged at its
 * revision and this commit, record a decision trace per ticket, post a comment when asked, then move the
 * mark. A source that fails is reported and keeps its mark, so the next round retries it from there.
 */
export interface TriageRequest {
  repo: string;
  /** The revision tickets are triaged against (drafted scenarios run there). Default HEAD. */
  at?: string | undefined;
  /** Only these tickets, whatever the marks say (still once per revision and commit). */
  tickets?: string[] | undefined;
  comment?: boolean | undefined;
  progress?: ((line: string) => void) | undefined;
}

/** One ticket list_tickets answers. */
type Listed = AnswerOf<typeof listTickets>["items"][number];

const question = (key: string, revision: string, at: string) => `Triage of ${key} (revision ${revision}) at ${at.slice(0, 12)}`;

/** True when this ticket revision was already triaged against this commit: its decision trace exists. */
async function alreadyTriaged(tools: Tools, key: string, revision: string, at: string): Promise<boolean> {
  const traces = await optional(allPages(tools, contextNeighbors, { id: `ticket:${key}`, direction: "in", rels: ["motivated-by"] }));
  return (traces ?? []).some((n) => n.kind === "decision" && n.title === question(key, revision, at));
}

function conclusion(t: Triaged): string {
  const parts = [`${t.confidence} confidence; severity ${t.severity.level}`];
  const dup = t.duplicates.find((d) => d.likely);
  if (dup) parts.push(`likely duplicate of ${dup.key}`);
  if (t.symbols.length) parts.push(`lives in ${t.symbols.slice(0, 3).join(", ")}`);
  else if (t.component) parts.push(`component ${t.component}`);
  const top = t.suspects[0];
  if (top) parts.push(`top suspect ${top.commit.slice(0, 12)} (${top.method}, ${top.confidence})`);
  if (t.owner) parts.push(`owner ${t.owner.name}`);
  if (t.reproduction) parts.push(`drafted scenario ${t.reproduction.status} at ${t.reproduction.rev.slice(0, 12)}`);
  else if (t.draft?.missing.length) parts.push(`cannot reproduce yet: missing ${t.draft.missing.join("; ")}`);
  return `${parts.join("; ")}.`;
}

async function triageOne(tools: Tools, planner: TriagePlanner, item: Listed, at: string, docs: ScenarioDocs, comment: boolean): Promise<TicketTriage> {
  const planned = await planner.triage(item.key, item.revision, at, docs);
  const t = planned.triage;
  // A symbol is cited only when the graph has its node: the entry a drafted reproduction calls is code the
  // ticket is about, but no commit or ticket may have brought it into the graph yet.
  const symbols: string[] = [];
  for (const s of t.symbols.slice(0, 8)) if (await optional(tools.call(getContextNode, { id: `symbol:${s}` }))) symbols.push(`symbol:${s}`);
  const evidence = [
    ...planned.evidence,
    `ticket:${t.key}`,
    ...symbols,
    ...t.suspects.slice(0, 3).map((s) => `commit:${s.commit}`),
    ...t.duplicates.filter((d) => d.likely).map((d) => `ticket:${d.key}`),
    ...t.relatedScenarios.slice(0, 5).map((s) => `scenario:${s.id}`),
  ];
  const decision = await tools.call(recordDecisionTool, {
    question: question(t.key, item.revision, at),
    conclusion: conclusion(t),
    evidence: [...new Set(evidence)],
    reasoning: planned.reasoning,
    author: planned.author,
    authority: planned.authority,
  });
  const out: TicketTriage = { ...t, decision: decision.id };
  if (comment) {
    if (t.source === "github" || t.source === "jira") {
      const posted = await tools.call(commentTicket, { key: t.key, body: triageComment(out), revision: item.revision });
      out.comment = { posted: posted.posted, url: posted.url, ...(posted.posted ? {} : { note: "already posted for this revision" }) };
    } else out.comment = { posted: false, note: `a ${t.source} ticket has no tracker to comment on` };
  }
  return out;
}

async function sourceRound(tools: Tools, planner: TriagePlanner, src: TicketSource, req: TriageRequest, at: string, docs: () => Promise<ScenarioDocs>, out: TicketTriage[]): Promise<SourceRound> {
  const say = req.progress ?? (() => undefined);
  const markName = `triage:${src.name}`;
  const mark = (await tools.call(getIngestionMark, { source: markName })).mark.highWater;
  const round: SourceRound = { source: src.name, candidates: 0, triaged: 0, skipped: 0, highWater: mark };
  try {
    say(`importing tickets from ${src.name}…`);
    const imported = await tools.call(importTicketsTool, src.args);
    round.imported = { added: imported.added, updated: imported.updated, unchanged: imported.unchanged };
  } catch (err) {
    round.error = (err as Error).message;
    say(`  ${src.name} failed: ${round.error} (retried next round from the same mark)`);
    return round;
  }
  const listed = await allPages(tools, listTickets, { source: src.args.source, ...(req.tickets || !mark ? {} : { changedSince: mark }) });
  const wanted = req.tickets ? listed.filter((l) => req.tickets?.includes(l.key)) : listed;
  round.candidates = wanted.length;
  let newest = mark;
  let failed = false;
  for (const item of wanted) {
    if (await alreadyTriaged(tools, item.key, item.revision, at)) {
      round.skipped++;
    } else {
      say(`triaging ${item.key}: ${item.title}`);
      try {
        out.push(await triageOne(tools, planner, item, at, await docs(), Boolean(req.comment)));
        round.triaged++;
      } catch (err) {
        // One ticket's failure is reported; the mark stays before it so the next round tries it again.
        failed = true;
        round.error = `${item.key}: ${(err as Error).message}`;
        say(`  ${item.key} failed: ${round.error}`);
        continue;
      }
    }
    if (!failed && !req.tickets && (!newest || item.changed > newest)) newest = item.changed;
  }
  if (newest && newest !== mark) {
    await tools.call(setIngestionMark, { source: markName, highWater: newest, stats: { triaged: round.triaged, skipped: round.skipped } });
    round.highWater = newest;
  }
  return round;
}

/**
 * A key asked for by name must be a ticket of a source: say so before any triage is done. Keys the store does
 * not have yet (a fresh clone) are looked for by importing the sources first.
 */
async function requireTickets(tools: Tools, req: TriageRequest): Promise<void> {
  const known = async (key: string) => Boolean(await optional(tools.call(getTicket, { key })));
  const wanted = req.tickets ?? [];
  const unknown: string[] = [];
  for (const key of wanted) if (!(await known(key))) unknown.push(key);
  if (!unknown.length) return;
  for (const src of ticketSources(req.repo)) await optional(tools.call(importTicketsTool, src.args));
  // The store's own one-line refusal names the key and what to do.
  for (const key of unknown) await tools.call(getTicket, { key });
}

export async function triageRound(tools: Tools, req: TriageRequest, planner: TriagePlanner = embeddedTriage(tools)): Promise<TriageReport> {
  const at = (await resolveRevision(req.repo, req.at ?? "HEAD")).commit ?? "HEAD";
  const ranAt = new Date().toISOString();
  const say = req.progress ?? (() => undefined);
  // History first: suspects from fixes (SZZ) need the commits that fixed earlier tickets. Before any ticket
  // import too: a ticket's stack-frame suspects leave stub commit nodes, which ingestion takes as already seen.
  say("ingesting git history…");
  await tools.call(ingestHistoryTool, {});
  await requireTickets(tools, req);
  let loaded: Promise<ScenarioDocs> | undefined;
  const docs = () => (loaded ??= scenarioDocs(tools, at));
  const tickets: TicketTriage[] = [];
  const sources: SourceRound[] = [];
  for (const src of ticketSources(req.repo)) sources.push(await sourceRound(tools, planner, src, req, at, docs, tickets));
  const bySeverity = SEVERITIES.map((s) => [s, tickets.filter((t) => t.severity.level === s).length] as const).filter(([, n]) => n);
  const failedSources = sources.filter((s) => s.error);
  const summary = [
    `${tickets.length} ticket(s) triaged at ${at.slice(0, 12)}${bySeverity.length ? ` (${bySeverity.map(([s, n]) => `${n} ${s}`).join(", ")})` : ""}`,
    `${sources.reduce((n, s) => n + s.skipped, 0)} already triaged`,
    ...(failedSources.length ? [`${failedSources.length} source(s) failed and will be retried: ${failedSources.map((s) => s.source).join(", ")}`] : []),
    ...(sources.length ? [] : ["no ticket source is configured and there is no tickets/ folder"]),
  ].join("; ");
  return { at, ranAt, planner: planner.name, sources, tickets, summary };
}
