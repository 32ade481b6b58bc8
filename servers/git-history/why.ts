import { UserError } from "../../core/errors.js";
import { git, resolveRevision, WORKTREE } from "../../core/git.js";
import { escapeRegExp } from "../../core/glob.js";
import { parseLocation } from "../../core/ids.js";
import type { CodeGraphService } from "../code-graph/service.js";
import type { ContextGraphStore } from "../context-graph/store.js";
import type { WorldlineConfig } from "../../core/repo.js";
import type { CommitCache } from "./commits.js";
import { cosmeticallyEqual, settingOf, valueOf, type Setting } from "./cosmetic.js";
import { rangeHistory, type HistoryEntry } from "./history.js";
import type { ShapeCache } from "./shapes.js";
import { ticketLinker, type TicketLinker } from "./ticket-links.js";
import { ticketRefs, type TicketRef } from "./ticket-keys.js";
import { traceLines, type PassKind, type TracedLine } from "./trace.js";
import { valueSteps, type ValueStep } from "./value-history.js";
import { Span as LineSpan } from "../../core/span.js";
import type { AnswerOf } from "../../core/contract.js";
import type { whyCode } from "./contracts.js";

/**
 * why(path:line | symbol | config:KEY): the evidence chain for why code is the way it is: blame, the commits
 * that shaped those lines (with what they changed), their tickets, the decisions that govern the file or
 * symbol, and simulations that covered it. Each item says where it came from, when, and on whose authority.
 */

/**
 * What `why` answers is exactly the why_code tool's answer (contracts.ts): one shape for the domain, the tool
 * and the agent. The deciding commit is the last one that changed the lines' meaning, with what it passed through.
 */
export type WhyAnswer = AnswerOf<typeof whyCode>;
export type WhyDecision = NonNullable<WhyAnswer["deciding"]>;
export type WhyItem = WhyAnswer["items"][number];
/** One value a setting line held, newest first: the commit that set it and the value it replaced. */
export type ValueChange = NonNullable<WhyAnswer["values"]>[number];

/** What `why` reads: the repo's git, code graph, context graph, commit headers and shapes, and config. */
export interface WhyDeps {
  repo: string;
  codeGraph: CodeGraphService;
  graph: ContextGraphStore;
  commits: CommitCache;
  shapes: ShapeCache;
  config: Pick<WorldlineConfig, "ticketSources">;
}

interface Span {
  path: string;
  start: number;
  end: number;
  symbol?: string;
}


/** The line that sets a config key: an assignment of it (KEY: value, KEY = value, KEY=value) or a default. */
export async function settingLine(repo: string, key: string, commit: string | null = null): Promise<{ path: string; line: number; text: string }> {
  const last = key.split(".").pop() ?? key;
  let out = "";
  try {
    // At a commit git grep reads that tree (each line then starts with "COMMIT:"); without one, the working tree.
    out = await git(repo).raw(["grep", "-n", "-I", "-E", "-e", `(^|[^A-Za-z0-9_])${escapeRegExp(last)}([^A-Za-z0-9_]|$)`, ...(commit ? [commit] : []), "--"]);
  } catch {
    out = ""; // git grep exits 1 when nothing matches
  }
  const hits = out
    .split("\n")
    .filter(Boolean)
    .map((l) => (commit && l.startsWith(`${commit}:`) ? l.slice(commit.length + 1) : l))
    .map((l) => {
      const m = /^([^:]+):(\d+):(.*)$/.exec(l);
      return m ? { path: m[1] as string, line: Number(m[2]), text: m[3] as string } : undefined;
    })
    .filter((h): h is { path: string; line: number; text: string } => h !== undefined && !h.path.startsWith("test") && !/\.(md|txt)$/.test(h.path));
  const assign = new RegExp(`${escapeRegExp(last)}["']?\\s*[:=]\\s*[^=\\s]`);
  const fallback = new RegExp(`${escapeRegExp(last)}.*(\\?\\?|\\|\\|)\\s*["'\\d]`);
  // A type annotation (`timeoutMs: number;`) declares the key; it does not set it. A literal value sets it best.
  const typeOnly = new RegExp(`${escapeRegExp(last)}\\??\\s*:\\s*(?:readonly\\s+)?(?:string|number|boolean|bigint|unknown|any|[A-Z][\\w.]*(?:<.*>)?)(?:\\[\\])?\\s*[;,]?\\s*$`);
  const literal = new RegExp(`${escapeRegExp(last)}["']?\\s*[:=]\\s*(?:-?\\d|["'\`]|true|false)`);
  const setting = hits.filter((h) => !typeOnly.test(h.text));
  // A line that starts with the key declares the setting (`lineWidth: 80,` in a defaults object); one that
  // sets it inside an expression (`f({ lineWidth: -1 })`) is a use that overrides it.
  const declares = new RegExp(`^\\s*(?:(?:export|const|let|var|readonly|static|public|private|protected)\\s+)*["']?${escapeRegExp(last)}["']?\\??\\s*[:=]`);
  const best =
    setting.find((h) => declares.test(h.text) && literal.test(h.text)) ??
    setting.find((h) => literal.test(h.text)) ??
    setting.find((h) => assign.test(h.text)) ??
    hits.find((h) => fallback.test(h.text));
  if (!best) throw new UserError(`config key "${key}" is not set anywhere in ${repo}: expected a line assigning ${last} (KEY: value, KEY = value or a default)`);
  return best;
}

async function spanOf(codeGraph: CodeGraphService, target: string, commit: string | null): Promise<Span> {
  if (target.startsWith("config:")) {
    const set = await settingLine(codeGraph.repo, target.slice("config:".length), commit);
    return { path: set.path, start: set.line, end: set.line };
  }
  if (target.includes("#")) {
    const g = await codeGraph.graph(commit ?? undefined);
    const sym = g.requireSymbol(codeGraph.symbolId(target));
    const { path, start, end } = LineSpan.parse(sym.span, `${sym.id}'s span`);
    return { path, start, end, symbol: sym.id };
  }
  const loc = parseLocation(codeGraph.target(target));
  return { path: loc.path, start: loc.line, end: loc.line };
}

function changeDetail(h: HistoryEntry): string | undefined {
  const before = (h.before ?? []).map((l) => l.trim()).filter(Boolean);
  const after = (h.after ?? []).map((l) => l.trim()).filter(Boolean);
  if (before.length === 0 && after.length === 0) return undefined;
  if (before.length === 0) return `added: ${after.slice(0, 3).join(" / ")}`;
  if (after.length === 0) return `removed: ${before.slice(0, 3).join(" / ")}`;
  // A reformat of the range says so first: it is the change a reader should skip.
  const cosmetic = cosmeticallyEqual((h.before ?? []).join("\n"), (h.after ?? []).join("\n")) ? "reformatted only: " : "";
  return `${cosmetic}changed: ${before.slice(0, 3).join(" / ")} -> ${after.slice(0, 3).join(" / ")}`;
}

/**
 * The values a setting held, newest first, each with the commit that set it: a commit that wrote the same value
 * again (a move, a new file, a respelling) is not a change of value.
 */
export function valueHistory(seen: ReadonlyArray<ValueChange & { compared: string }>): ValueChange[] {
  const kept: Array<ValueChange & { compared: string }> = [];
  for (const v of [...seen].reverse()) {
    const last = kept[kept.length - 1];
    if (last && last.compared === v.compared) continue;
    kept.push(last && v.previous === undefined ? { ...v, previous: last.value } : v);
  }
  return kept.reverse().map(({ compared: _c, ...v }) => v);
}

/** The setting a line makes: for `config:KEY`, that key's (an options object may set several); else the line's first. */
function settingAsked(content: string, target: string): Setting | undefined {
  if (!target.startsWith("config:")) return settingOf(content);
  const key = target.slice("config:".length).split(".").pop() ?? "";
  const v = valueOf(content, key);
  return v ? { key, ...v } : undefined;
}

/** The values a setting held, newest first, with author dates: the value walk of `value-history.ts`. */
async function valuesOf(deps: WhyDeps, steps: readonly ValueStep[]): Promise<ValueChange[]> {
  const info = await deps.commits.get(steps.map((s) => s.commit));
  const seen = steps.map((s, i) => ({
    value: s.value,
    ...(steps[i + 1] ? { previous: (steps[i + 1] as ValueStep).value } : {}),
    commit: s.commit,
    authoredAt: info.get(s.commit)?.authoredAt ?? "",
    compared: s.compared,
  }));
  return valueHistory(seen);
}

/** The commit's reason in one sentence: the body's first sentence, else the subject. */
export function reasonOf(message: string): string {
  const [subject = "", ...rest] = message.split("\n");
  const body = rest.join(" ").replace(/\s+/g, " ").trim();
  const sentence = /^(.{12,240}?[.!?])(?:\s|$)/.exec(body)?.[1] ?? (body.length > 0 && body.length <= 240 && !/^[\w-]+:/.test(body) ? body : undefined);
  return sentence ?? subject.trim();
}

/** How an answer names each kind of commit passed through (the CLI renders the same words). */
export const PASS_WORDS: Record<PassKind, string> = { reformat: "reformatted", comments: "comment edited", "value-kept": "touched, value kept", move: "moved" };

async function decisionOf(deps: WhyDeps, traced: readonly TracedLine[], link: TicketLinker): Promise<WhyDecision | null> {
  const byCommit = new Map<string, TracedLine[]>();
  for (const t of traced) if (!t.decided.uncommitted) byCommit.set(t.decided.commit, [...(byCommit.get(t.decided.commit) ?? []), t]);
  const [sha, lines] = [...byCommit].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
  if (!sha || !lines) return null;
  const passedIds = [...new Set(lines.flatMap((l) => l.passed.map((p) => p.commit)))];
  const info = await deps.commits.get([sha, ...passedIds]);
  const c = info.get(sha);
  if (!c) return null;
  const passedThrough = passedIds.flatMap((id) => {
    const p = info.get(id);
    const step = lines.flatMap((l) => l.passed).find((x) => x.commit === id);
    return p && step
      ? [{ commit: id, kind: step.kind, subject: p.subject, author: p.author.name, authoredAt: p.authoredAt, at: step.at, from: step.from, ...(step.sweepFiles ? { sweepFiles: step.sweepFiles } : {}) }]
      : [];
  });
  return {
    commit: sha,
    subject: c.subject,
    author: c.author.name,
    authoredAt: c.authoredAt,
    reason: reasonOf(c.message),
    tickets: ticketRefs(c.message).map((t) => ({ ...t, ...(link(t) ? { url: link(t) } : {}) })),
    lines: lines.length,
    passedThrough,
  };
}

/** One linker per service: the origin is read once, not on every question. */
const linkers = new WeakMap<WhyDeps, Promise<TicketLinker>>();
function linkerOf(deps: WhyDeps): Promise<TicketLinker> {
  let l = linkers.get(deps);
  if (!l) {
    l = ticketLinker(deps.repo, deps.config);
    linkers.set(deps, l);
  }
  return l;
}

export async function why(deps: WhyDeps, target: string, options: { limit?: number; rev?: string } = {}): Promise<WhyAnswer> {
  const { repo, graph, commits } = deps;
  // The revision is resolved once (the one resolver: no caller text reaches git as an option); the working tree by default.
  const revision = await resolveRevision(repo, options.rev ?? WORKTREE);
  const span = await spanOf(deps.codeGraph, target, revision.commit);
  const location = `${span.path}:${span.start}${span.end > span.start ? `-${span.end}` : ""}`;
  const link = await linkerOf(deps);
  const items: WhyItem[] = [];
  const seen = new Set<string>();
  const push = (item: WhyItem) => {
    if (seen.has(item.id)) return;
    seen.add(item.id);
    items.push(item);
  };
  const ticketItems = async (h: { tickets: Array<{ key: string; kind: TicketRef["kind"]; relation: string }>; time: string; commit: string }) => {
    for (const t of h.tickets) {
      const node = await graph.getNode(`ticket:${t.key}`);
      const url = link(t);
      push({
        kind: "ticket",
        id: `ticket:${t.key}`,
        summary: node && node.title !== t.key ? `${t.key}: ${node.title}` : t.key,
        time: node?.occurredAt ?? h.time,
        source: `named by commit ${h.commit.slice(0, 12)} (${t.relation})`,
        authority: "deterministic",
        ...(url ? { url } : {}),
      });
    }
  };

  // 1. Blame through reformats, comment edits, kept values and moves: the commit that decided these lines.
  // The blame walk and the line history are independent: ask git for both at once.
  const [tracing, following] = await Promise.allSettled([
    traceLines(deps.shapes, repo, span.path, { start: span.start, end: span.end }, revision.commit ?? WORKTREE),
    rangeHistory(repo, span.path, span.start, span.end, revision.commit ?? "HEAD", options.limit ?? 10),
  ]);
  // The blame's error names the lines as asked (past the end, no such file): it is the one to report.
  if (tracing.status === "rejected") throw tracing.reason;
  const traced = tracing.value;
  // Lines written in the working tree may not exist at HEAD at all: they have no history yet.
  if (following.status === "rejected" && !traced.some((t) => t.decided.uncommitted)) throw following.reason;
  const history = following.status === "fulfilled" ? following.value : [];
  const deciding = await decisionOf(deps, traced, link);
  if (traced.some((t) => t.decided.uncommitted)) {
    items.push({ kind: "commit", id: "commit:WORKTREE", summary: "changed in the working tree, not committed yet", time: null, source: `blame of ${location}`, authority: "deterministic" });
    seen.add("commit:WORKTREE");
  }
  const byCommit = new Map<string, number>();
  for (const t of traced) if (!t.decided.uncommitted) byCommit.set(t.decided.commit, (byCommit.get(t.decided.commit) ?? 0) + 1);
  const ranked = [...byCommit].sort((a, b) => b[1] - a[1]);
  const info = await commits.get(ranked.map(([c]) => c));
  for (const [sha, count] of ranked.slice(0, 5)) {
    const c = info.get(sha);
    if (!c) continue;
    const through = [...new Set(traced.filter((t) => t.decided.commit === sha).flatMap((t) => t.passed.map((p) => `${PASS_WORDS[p.kind]} in ${p.commit.slice(0, 12)}`)))];
    push({
      kind: "commit",
      id: `commit:${sha}`,
      summary: `${c.subject} (${c.author.name})`,
      time: c.authoredAt,
      source: `blame of ${location} (${count} of ${traced.length} lines)${through.length ? `, through: ${through.join(", ")}` : ""}`,
      authority: "deterministic",
      detail: c.message,
    });
    await ticketItems({ tickets: ticketRefs(c.message), time: c.authoredAt, commit: sha });
  }
  // The commits passed through, each saying what it did to these lines.
  for (const p of deciding?.passedThrough ?? []) {
    const sweep = p.sweepFiles ? ` (a formatter sweep over ${p.sweepFiles} files)` : "";
    push({ kind: "commit", id: `commit:${p.commit}`, summary: `${p.subject} (${p.author})`, time: p.authoredAt, source: `passed through by blame of ${location}`, authority: "deterministic", detail: `${PASS_WORDS[p.kind]} only${sweep}: the line was ${p.at} in that commit, ${p.from} before it` });
  }

  // 2. The history of these lines, newest first, with what each commit changed in them.
  // Past a move or a reformat git log -L loses the lines: their older history continues where the deciding commit wrote them.
  const decided = deciding ? traced.find((t) => t.decided.commit === deciding.commit)?.decided : undefined;
  const lostTrack = history.length < (options.limit ?? 10) && !history.some((h) => h.commit === decided?.commit);
  const older =
    decided && span.start === span.end && lostTrack
      ? await rangeHistory(repo, decided.origPath, decided.origLine, decided.origLine, decided.commit, options.limit ?? 10)
      : [];
  const setting = span.start === span.end ? settingAsked(traced[0]?.content ?? "", target) : undefined;
  for (const [h, where] of [...history.map((h) => [h, location] as const), ...older.map((h) => [h, `${decided?.origPath}:${decided?.origLine}`] as const)]) {
    const detail = changeDetail(h);
    const id = `commit:${h.commit}`;
    const existing = items.find((i) => i.id === id);
    if (existing) {
      if (detail && !existing.detail?.includes(detail)) existing.detail = `${detail}\n${existing.detail ?? ""}`.trim();
      continue;
    }
    push({ kind: "commit", id, summary: `${h.subject} (${h.author})`, time: h.time, source: `git log -L ${where}`, authority: "deterministic", ...(detail ? { detail } : {}) });
    await ticketItems(h);
  }

  // 3. Decisions that govern the file or symbol, as of now; 4. simulations that covered it.
  const subjects = [`file:${span.path}`, ...(span.symbol ? [`symbol:${span.symbol}`] : []), ...(target.startsWith("config:") ? [target] : [])];
  for (const subject of subjects) {
    for (const e of await graph.edgesOf(subject, { direction: "in", rels: ["governs", "covers", "evaluated"], filter: { asOf: new Date().toISOString() } })) {
      const node = await graph.getNode(e.src);
      push({
        kind: e.rel === "governs" ? "decision" : "simulation",
        id: e.src,
        summary: node?.title ?? e.src,
        time: e.validFrom,
        source: `${e.rel} ${subject} (${e.provenance.method})`,
        authority: e.provenance.authority,
        ...(node?.props.status ? { detail: `status: ${String(node.props.status)}` } : {}),
      });
    }
  }
  if (target.startsWith("config:")) {
    const key = target.slice("config:".length);
    for (const hit of await graph.search(key.split(".").pop() ?? key, { kinds: ["decision"], limit: 3 })) {
      push({ kind: "decision", id: hit.node.id, summary: hit.node.title, time: hit.node.occurredAt ?? null, source: `mentions ${key}`, authority: "deterministic" });
    }
  }

  const steps = setting && decided ? await valueSteps(deps.shapes, repo, decided, setting) : [];
  const values = await valuesOf(deps, steps);
  // For a setting the first answer is the commit that set its current value: later commits that rewrote the line
  // around it (an options object that gained a key) kept the value, and say so.
  // `values` keeps of each run of one value its oldest commit: its first entry set the current value.
  const setter = steps.find((st) => st.commit === values[0]?.commit);
  if (deciding && setting && setter && setter.commit !== deciding.commit) {
    const info = (await commits.get([setter.commit])).get(setter.commit);
    if (info) {
      const kept = { commit: deciding.commit, kind: "value-kept" as const, subject: deciding.subject, author: deciding.author, authoredAt: deciding.authoredAt, at: steps[0]?.at ?? location, from: setter.at };
      Object.assign(deciding, {
        commit: setter.commit,
        subject: info.subject,
        author: info.author.name,
        authoredAt: info.authoredAt,
        reason: reasonOf(info.message),
        tickets: ticketRefs(info.message).map((t) => ({ ...t, ...(link(t) ? { url: link(t) } : {}) })),
        passedThrough: [...deciding.passedThrough, kept],
      });
      items.unshift({ kind: "commit", id: `commit:${setter.commit}`, summary: `${info.subject} (${info.author.name})`, time: info.authoredAt, source: `set the value of ${setting.key} (the value walk of ${location})`, authority: "deterministic", detail: info.message });
      seen.add(`commit:${setter.commit}`);
      await ticketItems({ tickets: ticketRefs(info.message), time: info.authoredAt, commit: setter.commit });
    }
  }
  return { target, location, summary: summaryOf(location, deciding, setting, values), deciding, ...(setting ? { values } : {}), items };
}

/** One sentence: the deciding commit, its ticket, its reason, and what happened to the lines since. */
export function summaryOf(location: string, d: WhyDecision | null, setting?: Setting, values: readonly ValueChange[] = []): string {
  if (!d) return `${location}: not committed yet (changed in the working tree)`;
  const ticket = d.tickets.find((t) => t.relation === "fixes") ?? d.tickets[0];
  const what = setting ? `${setting.key} = ${setting.text.length > 40 ? `${setting.text.slice(0, 39)}…` : setting.text} was set` : d.lines > 1 ? `decided` : `written`;
  const since = [...new Set(d.passedThrough.map((p) => `${PASS_WORDS[p.kind]} in ${p.commit.slice(0, 12)}${p.sweepFiles ? ` (a sweep over ${p.sweepFiles} files)` : ""}`))];
  const reason = d.reason === d.subject ? `"${d.subject}"` : `"${d.subject}": ${d.reason.replace(/[.!]$/, "")}`;
  const short = (v: string) => (v.length > 40 ? `${v.slice(0, 39)}…` : v);
  const older = values.filter((v) => v.commit !== d.commit);
  // Two values back is what a reader wants in one sentence; the whole history is in `values`.
  const before = older.slice(0, 2).map((v) => `${short(v.value)} in ${v.commit.slice(0, 12)}`).concat(older.length > 2 ? [`${older.length - 2} more`] : []);
  const text = `${location}: ${what} in ${d.commit.slice(0, 12)} by ${d.author} on ${d.authoredAt.slice(0, 10)}${ticket ? ` (${ticket.key})` : ""}, ${reason}${
    before.length ? `; before that ${before.join(", ")}` : ""
  }${since.length ? `; since then only ${since.join(", ")}` : ""}`;
  return /[.!?]$/.test(text) ? text : `${text}.`;

}
