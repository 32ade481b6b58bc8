import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { registerContract } from "../../core/contract.js";
import { UserError } from "../../core/errors.js";
import { resolveRevision, WORKTREE } from "../../core/git.js";
import { cursorOffset, encodeCursor, paginate } from "../../core/paging.js";
import { confinePath } from "../../core/repo.js";
import { Span } from "../../core/span.js";
import { blame } from "./blame.js";
import {
  blameLine,
  changeCoupling,
  changedSymbolsTool,
  changeHistory,
  diffRevisions,
  fileOwnership,
  findHotspots,
  ingestHistoryTool,
  suspectCommits,
  whyCode,
} from "./contracts.js";
import { changedSymbols, diffFiles } from "./diff.js";
import { fileHistory, rangeHistory } from "./history.js";
import { ingestHistory } from "./ingest.js";
import type { GitHistoryService } from "./service.js";
import { suspectsOfFix, suspectsOfLocations } from "./suspects.js";
import { why } from "./why.js";
import { CODE_MAAT_DEFAULTS, coupling, hotspots, ownership } from "./views.js";
import { leftOutMessage, viewHistory } from "./view-inputs.js";

/** The git-history server's MCP face: each contract (contracts.ts) bound to the service. */
export function registerGitHistoryTools(server: McpServer, service: GitHistoryService): void {
  const { repo } = service;

  registerContract(server, diffRevisions, async (a) => {
    const r = await service.range(a.base, a.head);
    const files = (await diffFiles(repo, r.base, r.head)).map((f) => ({
      ...f,
      hunks: f.hunks.slice(0, 200).map(({ oldStart, oldLines, newStart, newLines }) => ({ oldStart, oldLines, newStart, newLines })),
    }));
    return { ...r, ...paginate(files, a) };
  });

  registerContract(server, changedSymbolsTool, async (a) => {
    const r = await service.range(a.base, a.head);
    return { ...r, ...paginate(await changedSymbols(service.codeGraph, r.base, r.head), a) };
  });

  registerContract(server, blameLine, async (a) => {
    const end = a.end ?? a.start;
    if (end < a.start) throw new UserError(`${blameLine.name}: end ${end} is before start ${a.start}: expected start <= end`);
    // The cursor counts lines already answered; only this page's lines are blamed.
    const from = a.start + cursorOffset(a.cursor);
    if (from > end) throw new UserError(`${blameLine.name}: cursor "${a.cursor}" is past line ${end}: pass the nextCursor of a previous answer with the same arguments`);
    const to = Math.min(end, from + (a.limit ?? 100) - 1);
    const blamed = await blame(repo, service.commits, confinePath(repo, a.path), { start: from, end: to }, a.rev);
    const lines = blamed.map(({ email: _e, message: _m, ...l }) => ({ ...l, content: l.content.length > 2_000 ? `${l.content.slice(0, 1_999)}…` : l.content }));
    const page = paginate(lines, {});
    const last = page.items.at(-1)?.line ?? to;
    const next = page.nextCursor || last < end ? encodeCursor(last + 1 - a.start) : undefined;
    return { lines: page.items, ...(next ? { nextCursor: next } : {}) };
  });

  registerContract(server, changeHistory, async (a) => {
    const rev = a.rev ?? WORKTREE;
    // One page of `limit` commits from the cursor on (git is asked for the commits up to the page's end).
    const offset = cursorOffset(a.cursor);
    const limit = offset + (a.limit ?? 30) + 1;
    let entries;
    if (a.symbol) {
      const g = await service.codeGraph.graph(rev === WORKTREE ? undefined : rev);
      const span = Span.parse(g.requireSymbol(service.codeGraph.symbolId(a.symbol)).span);
      entries = await rangeHistory(repo, span.path, span.start, span.end, rev, limit);
    } else if (a.path) entries = await fileHistory(repo, confinePath(repo, a.path), rev, limit);
    else throw new UserError(`${changeHistory.name} needs "path" or "symbol": pass a file path or a symbol id`);
    const items = entries.slice(0, limit - 1).map(({ email: _e, message: _m, before, after, ...e }) => ({ ...e, ...(before ? { before: before.slice(0, 40) } : {}), ...(after ? { after: after.slice(0, 40) } : {}) }));
    const page = paginate(items, { cursor: a.cursor, limit: a.limit ?? 30 });
    // A full page with more commits behind it says so even when the byte bound did not cut it.
    const more = page.nextCursor ?? (entries.length >= limit ? encodeCursor(offset + page.items.length) : undefined);
    return { items: page.items, ...(more ? { nextCursor: more } : {}) };
  });

  registerContract(server, whyCode, async (a) => {
    const answer = await why(service, a.target, { ...(a.limit ? { limit: a.limit } : {}), ...(a.rev ? { rev: a.rev } : {}) });
    return { ...answer, items: answer.items.map((i) => (i.detail && i.detail.length > 1500 ? { ...i, detail: `${i.detail.slice(0, 1499)}…` } : i)) };
  });

  registerContract(server, findHotspots, async (a) => {
    // Files gone at rev are still here only when includeDeleted asked for them: they count 0 lines.
    const view = await viewHistory(service, a);
    const lines = await service.linesAt(new Set(view.commits.flatMap((c) => c.files.map((f) => f.path))), { name: view.rev, commit: view.commit });
    return { rev: view.rev, commit: view.commit, leftOut: view.leftOut, ...paginate(hotspots(view.commits, (p) => lines.get(p) ?? 0), a) };
  });

  registerContract(server, changeCoupling, async (a) => {
    const options = {
      minRevisions: a.minRevisions ?? CODE_MAAT_DEFAULTS.minRevisions,
      minShared: a.minShared ?? CODE_MAAT_DEFAULTS.minShared,
      minDegree: a.minDegree ?? CODE_MAAT_DEFAULTS.minDegree,
      maxChangesetSize: a.maxChangesetSize ?? CODE_MAAT_DEFAULTS.maxChangesetSize,
    };
    const view = await viewHistory(service, a);
    return { rev: view.rev, commit: view.commit, leftOut: view.leftOut, ...paginate(coupling(view.all, options, view.keep), a) };
  });

  registerContract(server, fileOwnership, async (a) => {
    const path = a.path ? confinePath(repo, a.path) : undefined;
    const view = await viewHistory(service, a);
    if (path && !view.keep(path)) throw new UserError(leftOutMessage(fileOwnership.name, path, view));
    const rows = ownership(view.commits, { now: new Date(), departed: service.config.departedAuthors, ...(path ? { paths: new Set([path]) } : {}) });
    return { rev: view.rev, commit: view.commit, leftOut: view.leftOut, ...paginate(rows, a) };
  });

  registerContract(server, suspectCommits, async (a) => {
    // Blamed at a commit: a working-tree line has no commit to suspect yet, and an unknown name fails here, in one line.
    const at = a.rev === undefined ? "HEAD" : ((await resolveRevision(repo, a.rev)).commit ?? "HEAD");
    if (!a.fix && !a.locations?.length) throw new UserError(`${suspectCommits.name} needs "fix" (a commit) or "locations" (path:line list)`);
    const items = [
      ...(a.fix ? await suspectsOfFix(repo, service.commits, a.fix, { shapes: service.shapes }) : []),
      ...(a.locations?.length
        ? await suspectsOfLocations(repo, service.commits, a.locations.map((l) => service.codeGraph.target(l)), {
            rev: at,
            maxAgeDays: a.maxAgeDays ?? service.config.suspectAgeDays,
          })
        : []),
    ];
    // Bounded answer: the strongest 50 candidates, each with up to 20 lines of evidence.
    return { items: items.slice(0, 50).map((s) => ({ ...s, evidence: s.evidence.slice(0, 20) })) };
  });

  registerContract(server, ingestHistoryTool, () => ingestHistory(service.graph, repo, service.commits, { shapes: service.shapes }));
}
