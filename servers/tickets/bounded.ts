import { git, resolveRevision } from "../../core/git.js";
import { fileOf } from "../../core/span.js";
import type { GraphEdge } from "../context-graph/model.js";
import { ageAdjusted, suspectsOfLocations } from "../git-history/suspects.js";
import { extractCodeRefs } from "./code-refs.js";
import { locateTicket } from "./locate-at.js";
import type { CodeRef } from "./model.js";
import { redactJson } from "../../core/redact.js";
import type { TicketService } from "./service.js";

/**
 * A ticket's evidence as it stood at a revision (`worldline triage --at REV`): code references resolved in
 * that revision's tree, and commits (fixes, suspects, history) only from those it reaches. A commit that
 * names the ticket after the revision, its fix most of all, is no evidence of what the code was then.
 */
export interface Bound {
  /** The revision's commit; null for the working tree (no bound). */
  commit: string | null;
  /** True when the revision is HEAD: the references imported from the working tree stand. */
  head: boolean;
  /** Whether a commit is the revision's or one of its ancestors (always, with no bound). */
  reaches(sha: string): boolean;
}

const UNBOUNDED: Bound = { commit: null, head: true, reaches: () => true };

/** The bound of a revision (an unknown one is refused with one line naming it); none without one. */
export async function boundAt(service: TicketService, at: string | undefined): Promise<Bound> {
  if (at === undefined) return UNBOUNDED;
  const { commit } = await resolveRevision(service.repo, at);
  if (commit === null) return UNBOUNDED;
  let known = service.bounds.get(commit);
  if (!known) {
    known = (async () => {
      const head = (await resolveRevision(service.repo, "HEAD").catch(() => undefined))?.commit ?? null;
      const reachable = new Set((await git(service.repo).raw(["rev-list", "--end-of-options", commit])).split("\n").filter(Boolean));
      return { commit, head: head === commit, reaches: (sha: string) => reachable.has(sha) };
    })();
    service.bounds.set(commit, known);
  }
  return known;
}

/** The ticket's code references at the bound: as imported at HEAD, else found again in the revision's tree. */
export async function refsAt(service: TicketService, key: string, bound: Bound): Promise<CodeRef[]> {
  if (bound.head || bound.commit === null) return service.store.codeRefs(key);
  const stored = await service.store.get(key);
  if (!stored) return [];
  const t = stored.ticket;
  const text = [t.title, t.body, ...t.comments.map((c) => c.body)].join("\n\n");
  return redactJson(await extractCodeRefs(text, await service.repoView(bound.commit))).value;
}

/** Where a frame ran in the source (path:line), for blame: its mapped location, else its target's file and its line. */
export function frameLocation(r: CodeRef): string | undefined {
  if (r.kind !== "frame" || !r.target) return undefined;
  if (r.location) return r.location;
  const line = /:(\d+)$/.exec(r.text)?.[1];
  return line ? `${fileOf(r.target)}:${line}` : undefined;
}

export interface TicketSuspect {
  commit: string;
  method: string;
  confidence: number;
  via: string;
  evidence: string[];
}

/**
 * Suspects of a ticket within the bound: blame of its in-app frames (at HEAD, the imported ones; else blamed at
 * the revision, the age judged against the ticket's creation), and SZZ over the fixes the revision reaches.
 */
export async function suspectsAt(service: TicketService, key: string, bound: Bound): Promise<TicketSuspect[]> {
  const id = `ticket:${key}`;
  const items: TicketSuspect[] = [];
  const fromEdge = (e: GraphEdge, commit: string, via: string): TicketSuspect => ({ commit, method: e.provenance.method, confidence: e.provenance.confidence, via, evidence: (e.props.evidence as string[] | undefined) ?? [] });
  if (bound.head || bound.commit === null) {
    for (const e of await service.graph.edgesOf(id, { direction: "in", rels: ["suspect-of"] })) items.push(fromEdge(e, e.src.slice(7), "stack frames"));
  } else {
    const locations = (await refsAt(service, key, bound)).map(frameLocation).filter((l): l is string => l !== undefined);
    const created = (await service.store.get(key))?.ticket.created;
    if (locations.length) {
      const memoKey = `${bound.commit}\0${locations.join("\0")}`;
      let pending = service.suspectMemo.get(memoKey);
      if (!pending) {
        pending = suspectsOfLocations(service.repo, service.commits, locations, { rev: bound.commit, maxAgeDays: Number.POSITIVE_INFINITY }).catch(() => []);
        service.suspectMemo.set(memoKey, pending);
      }
      for (const s of await pending) {
        const aged = created ? ageAdjusted(s, new Date(created), service.config.suspectAgeDays) : s;
        items.push({ commit: aged.commit, method: aged.method, confidence: aged.confidence, via: "stack frames", evidence: aged.evidence });
      }
    }
  }
  for (const fix of await service.graph.edgesOf(id, { direction: "in", rels: ["fixes"] })) {
    // A fix after the revision is the answer, not evidence: neither it nor what SZZ blamed through it counts.
    if (!bound.reaches(fix.src.slice(7))) continue;
    for (const e of await service.graph.edgesOf(fix.src, { direction: "out", rels: ["induced-by"] })) items.push(fromEdge(e, e.dst.slice(7), `fix ${fix.src.slice(7, 19)}`));
  }
  // The lines most like the report, in the files its words point at, come last: the weakest evidence.
  const known = new Set(items.map((s) => s.commit));
  const words = (await locateTicket(service, key, bound)).suspects.filter((s) => !known.has(s.commit));
  return [...items.filter((s) => bound.reaches(s.commit)).sort((x, y) => y.confidence - x.confidence), ...words].slice(0, 50);
}
