import { UserError } from "../../core/errors.js";
import { git, WORKTREE } from "../../core/git.js";
import { parseLocation } from "../../core/ids.js";
import type { CodeGraphService } from "../code-graph/service.js";
import type { ContextGraphStore } from "../context-graph/store.js";
import { blame } from "./blame.js";
import type { CommitCache } from "./commits.js";
import { rangeHistory, type HistoryEntry } from "./history.js";

/**
 * why(path:line | symbol | config:KEY): the evidence chain for why code is the way it is: blame, the commits
 * that shaped those lines (with what they changed), their tickets, the decisions that govern the file or
 * symbol, and simulations that covered it. Each item says where it came from, when, and on whose authority.
 */
export interface WhyItem {
  kind: "commit" | "ticket" | "decision" | "simulation";
  id: string;
  summary: string;
  time: string | null;
  source: string;
  authority: "human" | "deterministic" | "llm";
  detail?: string;
}

export interface WhyAnswer {
  target: string;
  location: string;
  items: WhyItem[];
  summary: string;
}

interface Span {
  path: string;
  start: number;
  end: number;
  symbol?: string;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The line that sets a config key: an assignment of it (KEY: value, KEY = value, KEY=value) or a default. */
export async function settingLine(repo: string, key: string): Promise<{ path: string; line: number; text: string }> {
  const last = key.split(".").pop() ?? key;
  let out = "";
  try {
    out = await git(repo).raw(["grep", "-n", "-I", "-E", "-e", `(^|[^A-Za-z0-9_])${esc(last)}([^A-Za-z0-9_]|$)`, "--"]);
  } catch {
    out = ""; // git grep exits 1 when nothing matches
  }
  const hits = out
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const m = /^([^:]+):(\d+):(.*)$/.exec(l);
      return m ? { path: m[1] as string, line: Number(m[2]), text: m[3] as string } : undefined;
    })
    .filter((h): h is { path: string; line: number; text: string } => h !== undefined && !h.path.startsWith("test") && !/\.(md|txt)$/.test(h.path));
  const assign = new RegExp(`${esc(last)}["']?\\s*[:=]\\s*[^=\\s]`);
  const fallback = new RegExp(`${esc(last)}.*(\\?\\?|\\|\\|)\\s*["'\\d]`);
  // A type annotation (`timeoutMs: number;`) declares the key; it does not set it. A literal value sets it best.
  const typeOnly = new RegExp(`${esc(last)}\\??\\s*:\\s*(?:readonly\\s+)?(?:string|number|boolean|bigint|unknown|any|[A-Z][\\w.]*(?:<.*>)?)(?:\\[\\])?\\s*[;,]?\\s*$`);
  const literal = new RegExp(`${esc(last)}["']?\\s*[:=]\\s*(?:-?\\d|["'\`]|true|false)`);
  const setting = hits.filter((h) => !typeOnly.test(h.text));
  const best = setting.find((h) => literal.test(h.text)) ?? setting.find((h) => assign.test(h.text)) ?? hits.find((h) => fallback.test(h.text));
  if (!best) throw new UserError(`config key "${key}" is not set anywhere in ${repo}: expected a line assigning ${last} (KEY: value, KEY = value or a default)`);
  return best;
}

async function spanOf(codeGraph: CodeGraphService, target: string): Promise<Span> {
  if (target.startsWith("config:")) {
    const set = await settingLine(codeGraph.repo, target.slice("config:".length));
    return { path: set.path, start: set.line, end: set.line };
  }
  if (target.includes("#")) {
    const g = await codeGraph.graph();
    const sym = g.requireSymbol(codeGraph.symbolId(target));
    const [start, end] = sym.span.slice(sym.span.lastIndexOf(":") + 1).split("-").map(Number) as [number, number];
    return { path: sym.span.slice(0, sym.span.lastIndexOf(":")), start, end, symbol: sym.id };
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
  return `changed: ${before.slice(0, 3).join(" / ")} -> ${after.slice(0, 3).join(" / ")}`;
}

export async function why(
  repo: string,
  codeGraph: CodeGraphService,
  graph: ContextGraphStore,
  commits: CommitCache,
  target: string,
  options: { limit?: number } = {},
): Promise<WhyAnswer> {
  const span = await spanOf(codeGraph, target);
  const location = `${span.path}:${span.start}${span.end > span.start ? `-${span.end}` : ""}`;
  const items: WhyItem[] = [];
  const seen = new Set<string>();
  const push = (item: WhyItem) => {
    if (seen.has(item.id)) return;
    seen.add(item.id);
    items.push(item);
  };
  const ticketItems = async (h: { tickets: Array<{ key: string; relation: string }>; time: string; commit: string }) => {
    for (const t of h.tickets) {
      const node = await graph.getNode(`ticket:${t.key}`);
      push({
        kind: "ticket",
        id: `ticket:${t.key}`,
        summary: node && node.title !== t.key ? `${t.key}: ${node.title}` : t.key,
        time: node?.occurredAt ?? h.time,
        source: `named by commit ${h.commit.slice(0, 12)} (${t.relation})`,
        authority: "deterministic",
      });
    }
  };

  // 1. Blame: who last changed these lines, and why.
  const blamed = await blame(repo, commits, span.path, { start: span.start, end: span.end }, WORKTREE);
  const byCommit = new Map<string, number>();
  for (const b of blamed) if (!b.uncommitted) byCommit.set(b.commit, (byCommit.get(b.commit) ?? 0) + 1);
  const ranked = [...byCommit].sort((a, b) => b[1] - a[1]);
  const info = await commits.get(ranked.map(([c]) => c));
  for (const [sha, lines] of ranked.slice(0, 5)) {
    const c = info.get(sha);
    if (!c) continue;
    push({
      kind: "commit",
      id: `commit:${sha}`,
      summary: `${c.subject} (${c.author.name})`,
      time: c.committedAt,
      source: `blame of ${location} (${lines} of ${blamed.length} lines)`,
      authority: "deterministic",
      detail: c.message,
    });
    const b = blamed.find((x) => x.commit === sha);
    if (b) await ticketItems({ tickets: b.tickets, time: c.committedAt, commit: sha });
  }
  if (blamed.some((b) => b.uncommitted)) {
    items.unshift({ kind: "commit", id: "commit:WORKTREE", summary: "changed in the working tree, not committed yet", time: null, source: `blame of ${location}`, authority: "deterministic" });
  }

  // 2. The history of these lines, newest first, with what each commit changed in them.
  const history = await rangeHistory(repo, span.path, span.start, span.end, "HEAD", options.limit ?? 10).catch(() => []);
  for (const h of history) {
    const detail = changeDetail(h);
    const id = `commit:${h.commit}`;
    const existing = items.find((i) => i.id === id);
    if (existing) {
      if (detail) existing.detail = `${detail}\n${existing.detail ?? ""}`.trim();
      continue;
    }
    push({ kind: "commit", id, summary: `${h.subject} (${h.author})`, time: h.time, source: `git log -L ${location}`, authority: "deterministic", ...(detail ? { detail } : {}) });
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

  const changes = items.filter((i) => i.kind === "commit" && i.detail?.startsWith("changed:"));
  const summary = changes.length
    ? `${location}: ${changes
        .slice()
        .reverse()
        .map((c) => `${c.detail?.split("\n")[0]} in ${c.id.slice(7, 19)}`)
        .join("; ")}`
    : `${location}: last changed in ${items.find((i) => i.kind === "commit")?.id.slice(7, 19) ?? "no commit"}`;
  return { target, location, items, summary };
}
