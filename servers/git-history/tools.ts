import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { UserError } from "../../core/errors.js";
import { WORKTREE } from "../../core/git.js";
import { toolResult } from "../../core/mcp.js";
import { cursorOffset, encodeCursor, paginate, pageInput } from "../../core/paging.js";
import { confinePath } from "../../core/repo.js";
import { blame } from "./blame.js";
import { changedSymbols, diffFiles } from "./diff.js";
import { fileHistory, rangeHistory } from "./history.js";
import { ingestHistory } from "./ingest.js";
import type { GitHistoryService } from "./service.js";
import { suspectsOfFix, suspectsOfLocations } from "./suspects.js";
import { why } from "./why.js";
import { CODE_MAAT_DEFAULTS, coupling, hotspots, ownership } from "./views.js";
import { leftOutMessage, viewHistory, viewInput, viewOutput } from "./view-inputs.js";

/** The git-history server's MCP face. */

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
const base = z.string().optional().describe("Base revision (default: merge-base of HEAD with the default branch)");
const head = z.string().optional().describe("Head revision, or WORKTREE for the working tree (default)");
const since = z.string().optional().describe("Only history since this date, e.g. 2026-01-01 (default: all)");
const TicketOut = z.object({ key: z.string(), kind: z.enum(["jira", "issue", "pull-request"]), relation: z.enum(["fixes", "references"]) });
const pageOut = <T extends z.ZodType>(item: T) => ({ items: z.array(item), nextCursor: z.string().optional() });

export function registerGitHistoryTools(server: McpServer, service: GitHistoryService): void {
  const { repo } = service;

  server.registerTool(
    "diff",
    {
      title: "Diff",
      description: "Files changed from base to head with their hunks (old and new line ranges) and renames; head may be the working tree.",
      inputSchema: { base, head, ...pageInput },
      outputSchema: {
        base: z.string(),
        head: z.string(),
        ...pageOut(
          z.object({
            path: z.string(),
            oldPath: z.string().optional(),
            status: z.enum(["added", "deleted", "modified", "renamed"]),
            hunks: z.array(z.object({ oldStart: z.number(), oldLines: z.number(), newStart: z.number(), newLines: z.number() })),
          }),
        ),
      },
      annotations: READ_ONLY,
    },
    async (a) => {
      const r = await service.range(a.base, a.head);
      const files = (await diffFiles(repo, r.base, r.head)).map((f) => ({
        ...f,
        hunks: f.hunks.slice(0, 200).map(({ oldStart, oldLines, newStart, newLines }) => ({ oldStart, oldLines, newStart, newLines })),
      }));
      return toolResult({ ...r, ...paginate(files, a) });
    },
  );

  server.registerTool(
    "changed_symbols",
    {
      title: "Changed symbols",
      description: "The symbols a change touches, from the code graph at both revisions: added, removed, modified-body, modified-signature, moved.",
      inputSchema: { base, head, ...pageInput },
      outputSchema: {
        base: z.string(),
        head: z.string(),
        ...pageOut(
          z.object({
            id: z.string(),
            change: z.enum(["added", "removed", "modified-body", "modified-signature", "moved", "module-context"]),
            base: z.object({ id: z.string(), span: z.string() }).optional(),
            head: z.object({ id: z.string(), span: z.string() }).optional(),
          }),
        ),
      },
      annotations: READ_ONLY,
    },
    async (a) => {
      const r = await service.range(a.base, a.head);
      return toolResult({ ...r, ...paginate(await changedSymbols(service.codeGraph, r.base, r.head), a) });
    },
  );

  server.registerTool(
    "blame",
    {
      title: "Blame",
      description:
        "For each line: the commit, author, time and message that last changed it, and the tickets it names. Honours .git-blame-ignore-revs. A long range comes in pages: pass nextCursor back as cursor with the same arguments.",
      inputSchema: {
        path: z.string().min(1).describe("File path from the repo root"),
        start: z.number().int().min(1).describe("First line, 1-based"),
        end: z.number().int().min(1).optional().describe("Last line (default: start)"),
        rev: z.string().optional().describe("Revision (default: the working tree)"),
        limit: z.number().int().min(1).max(500).optional().describe("Most lines to return (default 100)"),
        cursor: pageInput.cursor,
      },
      outputSchema: {
        lines: z.array(
          z.object({
            line: z.number(),
            content: z.string().describe("The line's text (its first 2,000 characters)"),
            commit: z.string(),
            uncommitted: z.boolean(),
            origLine: z.number().describe("The line's number in the commit that wrote it"),
            origPath: z.string().describe("The file's path in the commit that wrote it"),
            author: z.string(),
            time: z.string().describe("Author date"),
            summary: z.string(),
            tickets: z.array(TicketOut),
          }),
        ),
        nextCursor: z.string().optional().describe("More lines of the range remain: pass this back as cursor"),
      },
      annotations: READ_ONLY,
    },
    async (a) => {
      const end = a.end ?? a.start;
      if (end < a.start) throw new UserError(`blame: end ${end} is before start ${a.start}: expected start <= end`);
      // The cursor counts lines already answered; only this page's lines are blamed.
      const from = a.start + cursorOffset(a.cursor);
      if (from > end) throw new UserError(`blame: cursor "${a.cursor}" is past line ${end}: pass the nextCursor of a previous answer with the same arguments`);
      const to = Math.min(end, from + (a.limit ?? 100) - 1);
      const blamed = await blame(repo, service.commits, confinePath(repo, a.path), { start: from, end: to }, a.rev);
      const lines = blamed.map(({ email: _e, message: _m, ...l }) => ({ ...l, content: l.content.length > 2_000 ? `${l.content.slice(0, 1_999)}…` : l.content }));
      const page = paginate(lines, {});
      const last = page.items.at(-1)?.line ?? to;
      const next = page.nextCursor || last < end ? encodeCursor(last + 1 - a.start) : undefined;
      return toolResult({ lines: page.items, ...(next ? { nextCursor: next } : {}) });
    },
  );

  const HistoryOut = z.object({
    commit: z.string(),
    author: z.string(),
    time: z.string(),
    subject: z.string(),
    tickets: z.array(TicketOut),
    before: z.array(z.string()).optional().describe("For a symbol: its lines before this commit changed them"),
    after: z.array(z.string()).optional(),
  });
  server.registerTool(
    "history",
    {
      title: "History",
      description: "Commits that touched a file (following renames) or one symbol's lines (git log -L), newest first, with their tickets.",
      inputSchema: {
        path: z.string().optional().describe("A file path"),
        symbol: z.string().optional().describe("Or a symbol id, path#Name"),
        rev: z.string().optional().describe("Revision to start from (default: the working tree, so the history of HEAD)"),
        limit: z.number().int().min(1).max(200).optional().describe("Most commits (default 30)"),
        cursor: pageInput.cursor,
      },
      outputSchema: { items: z.array(HistoryOut), nextCursor: z.string().optional().describe("More commits: pass this back as cursor") },
      annotations: READ_ONLY,
    },
    async (a) => {
      const rev = a.rev ?? WORKTREE;
      // One page of `limit` commits from the cursor on (git is asked for the commits up to the page's end).
      const offset = cursorOffset(a.cursor);
      const limit = offset + (a.limit ?? 30) + 1;
      let entries;
      if (a.symbol) {
        const g = await service.codeGraph.graph(rev === WORKTREE ? undefined : rev);
        const sym = g.requireSymbol(service.codeGraph.symbolId(a.symbol));
        const [start, end] = sym.span.slice(sym.span.lastIndexOf(":") + 1).split("-").map(Number) as [number, number];
        entries = await rangeHistory(repo, sym.span.slice(0, sym.span.lastIndexOf(":")), start, end, rev, limit);
      } else if (a.path) entries = await fileHistory(repo, confinePath(repo, a.path), rev, limit);
      else throw new UserError('history needs "path" or "symbol": pass a file path or a symbol id');
      const items = entries.slice(0, limit - 1).map(({ email: _e, message: _m, before, after, ...e }) => ({ ...e, ...(before ? { before: before.slice(0, 40) } : {}), ...(after ? { after: after.slice(0, 40) } : {}) }));
      const page = paginate(items, { cursor: a.cursor, limit: a.limit ?? 30 });
      // A full page with more commits behind it says so even when the byte bound did not cut it.
      const more = page.nextCursor ?? (entries.length >= limit ? encodeCursor(offset + page.items.length) : undefined);
      return toolResult({ items: page.items, ...(more ? { nextCursor: more } : {}) });
    },
  );

  server.registerTool(
    "why",
    {
      title: "Why is the code like this",
      description: "The evidence chain for a line, a symbol or a config key: the commit that decided it (blame that passes through reformats, comment edits, kept values and moves, and says which it passed), the commits that shaped it with what they changed, their tickets, governing decisions and covering simulations; most relevant first.",
      inputSchema: {
        target: z.string().min(1).describe("path:line, a symbol id path#Name, or config:KEY (e.g. config:PAYMENT_TIMEOUT_MS)"),
        limit: z.number().int().min(1).max(50).optional().describe("Most commits of history to follow (default 10)"),
        rev: z.string().optional().describe("Revision whose lines are asked about (default: the working tree)"),
      },
      outputSchema: {
        target: z.string(),
        location: z.string().describe("The lines the answer is about, path:start-end"),
        summary: z.string().describe("One sentence: the deciding commit, its ticket, its reason, and what only reformatted or moved the lines since"),
        deciding: z
          .object({
            commit: z.string(),
            subject: z.string(),
            author: z.string(),
            authoredAt: z.string().describe("Author date"),
            reason: z.string().describe("The commit's reason in one sentence"),
            tickets: z.array(TicketOut.extend({ url: z.string().optional() })),
            lines: z.number().describe("How many of the asked lines this commit decided"),
            passedThrough: z
              .array(
                z.object({
                  commit: z.string(),
                  kind: z.enum(["reformat", "comments", "value-kept", "move"]),
                  subject: z.string(),
                  author: z.string(),
                  authoredAt: z.string(),
                  at: z.string().describe("path:line in that commit"),
                  from: z.string().describe("path:line in its parent the line came from"),
                  sweepFiles: z.number().optional().describe("For a formatter sweep (many files, every hunk cosmetic): how many files it touched"),
                }),
              )
              .describe("Newer commits that touched the lines without changing their meaning, newest first"),
          })
          .nullable()
          .describe("The commit that last changed the lines' meaning (null when every line is uncommitted)"),
        values: z
          .array(z.object({ value: z.string(), previous: z.string().optional(), commit: z.string(), authoredAt: z.string() }))
          .optional()
          .describe("For a line that sets a value: the values it held, newest first, each with the commit that set it"),
        items: z.array(
          z.object({
            kind: z.enum(["commit", "ticket", "decision", "simulation"]),
            id: z.string(),
            summary: z.string(),
            time: z.string().nullable().describe("Author date for commits"),
            source: z.string().describe("Where this evidence came from"),
            authority: z.enum(["human", "deterministic", "llm"]),
            detail: z.string().optional(),
            url: z.string().optional().describe("For a ticket: where to open it"),
          }),
        ),
      },
      annotations: READ_ONLY,
    },
    async (a) => {
      const answer = await why(service, a.target, { ...(a.limit ? { limit: a.limit } : {}), ...(a.rev ? { rev: a.rev } : {}) });
      return toolResult({ ...answer, items: answer.items.map((i) => (i.detail && i.detail.length > 1500 ? { ...i, detail: `${i.detail.slice(0, 1499)}…` } : i)) });
    },
  );

  server.registerTool(
    "hotspots",
    {
      title: "Hotspots",
      description:
        "Files ranked by revisions x lines of code at rev (code-maat), over a window, renames followed. Leaves out files gone at rev, lockfiles and generated files unless asked; leftOut counts them.",
      inputSchema: { since, ...viewInput, ...pageInput },
      outputSchema: { ...viewOutput, ...pageOut(z.object({ path: z.string(), revisions: z.number(), lines: z.number().describe("Lines at rev (0 for a file gone there)"), score: z.number() })) },
      annotations: READ_ONLY,
    },
    async (a) => {
      // Files gone at rev are still here only when includeDeleted asked for them: they count 0 lines.
      const view = await viewHistory(service, a);
      const lines = await service.linesAt(new Set(view.commits.flatMap((c) => c.files.map((f) => f.path))), { name: view.rev, commit: view.commit });
      return toolResult({ rev: view.rev, commit: view.commit, leftOut: view.leftOut, ...paginate(hotspots(view.commits, (p) => lines.get(p) ?? 0), a) });
    },
  );

  server.registerTool(
    "coupling",
    {
      title: "Change coupling",
      description:
        "Files that change together (code-maat: shared revisions / average revisions; defaults min 5 revisions, min 5 shared, min 30%, change sets over 30 files as made skipped). Commits naming the same ticket count as one change set. Pairs of files that exist at rev only, renames followed; lockfiles and generated files left out unless asked; leftOut counts them.",
      inputSchema: {
        since,
        ...viewInput,
        minRevisions: z.number().int().min(1).optional(),
        minShared: z.number().int().min(1).optional(),
        minDegree: z.number().min(0).max(100).optional(),
        maxChangesetSize: z.number().int().min(2).optional(),
        ...pageInput,
      },
      outputSchema: { ...viewOutput, ...pageOut(z.object({ a: z.string(), b: z.string(), shared: z.number(), degree: z.number(), revisionsA: z.number(), revisionsB: z.number() })) },
      annotations: READ_ONLY,
    },
    async (a) => {
      const options = {
        minRevisions: a.minRevisions ?? CODE_MAAT_DEFAULTS.minRevisions,
        minShared: a.minShared ?? CODE_MAAT_DEFAULTS.minShared,
        minDegree: a.minDegree ?? CODE_MAAT_DEFAULTS.minDegree,
        maxChangesetSize: a.maxChangesetSize ?? CODE_MAAT_DEFAULTS.maxChangesetSize,
      };
      const view = await viewHistory(service, a);
      return toolResult({ rev: view.rev, commit: view.commit, leftOut: view.leftOut, ...paginate(coupling(view.all, options, view.keep), a) });
    },
  );

  server.registerTool(
    "ownership",
    {
      title: "Ownership",
      description:
        "Per file at rev: main developer by added lines and by revisions, author fragmentation, code age in months, and knowledge loss to authors named as departed in worldline.config.json. Renames followed; files gone at rev, lockfiles and generated files left out unless asked; leftOut counts them.",
      inputSchema: { path: z.string().optional().describe("Only this file"), since, ...viewInput, ...pageInput },
      outputSchema: { ...viewOutput, ...pageOut(
        z.object({
          path: z.string(),
          mainDeveloper: z.object({ byAddedLines: z.string(), addedShare: z.number(), byRevisions: z.string(), revisionShare: z.number() }),
          fragmentation: z.number(),
          authors: z.number(),
          ageMonths: z.number(),
          lastChanged: z.string(),
          knowledgeLoss: z.number(),
        }),
      ) },
      annotations: READ_ONLY,
    },
    async (a) => {
      const path = a.path ? confinePath(repo, a.path) : undefined;
      const view = await viewHistory(service, a);
      if (path && !view.keep(path)) throw new UserError(leftOutMessage("ownership", path, view));
      const rows = ownership(view.commits, { now: new Date(), departed: service.config.departedAuthors, ...(path ? { paths: new Set([path]) } : {}) });
      return toolResult({ rev: view.rev, commit: view.commit, leftOut: view.leftOut, ...paginate(rows, a) });
    },
  );

  server.registerTool(
    "suspect_commits",
    {
      title: "Suspect commits",
      description: "Commits that probably introduced a bug: from a fix commit (SZZ) or from locations such as a stack trace's in-app frames (blame, recent first). Every candidate is kept with its method and confidence.",
      inputSchema: {
        fix: z.string().optional().describe("A fix commit: its deleted and changed lines are blamed at its parent"),
        locations: z.array(z.string()).optional().describe("path:line locations, top stack frame first"),
        maxAgeDays: z.number().int().min(1).optional().describe("Commits older than this get a note and less weight (default from config, 90)"),
      },
      outputSchema: {
        items: z.array(
          z.object({
            commit: z.string(),
            method: z.string(),
            confidence: z.number(),
            author: z.string(),
            time: z.string(),
            subject: z.string(),
            evidence: z.array(z.string()),
            note: z.string().optional(),
          }),
        ),
      },
      annotations: READ_ONLY,
    },
    async (a) => {
      if (!a.fix && !a.locations?.length) throw new UserError('suspect_commits needs "fix" (a commit) or "locations" (path:line list)');
      const items = [
        ...(a.fix ? await suspectsOfFix(repo, service.commits, a.fix, { shapes: service.shapes }) : []),
        ...(a.locations?.length
          ? await suspectsOfLocations(repo, service.commits, a.locations.map((l) => service.codeGraph.target(l)), {
              rev: "HEAD",
              maxAgeDays: a.maxAgeDays ?? service.config.suspectAgeDays,
            })
          : []),
      ];
      // Bounded answer: the strongest 50 candidates, each with up to 20 lines of evidence.
      return toolResult({ items: items.slice(0, 50).map((s) => ({ ...s, evidence: s.evidence.slice(0, 20) })) });
    },
  );

  server.registerTool(
    "ingest_history",
    {
      title: "Ingest history",
      description: "Record git history in the context graph: commits, people, files, modifies edges, ticket references and fix commits' suspects. Only new commits; a rewritten history closes the dropped commits' facts.",
      inputSchema: {},
      outputSchema: {
        head: z.string(),
        ingested: z.number(),
        dropped: z.number(),
        fixes: z.number(),
        suspects: z.number(),
        forcePushDetected: z.boolean(),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async () => toolResult(await ingestHistory(service.graph, repo, service.commits, { shapes: service.shapes })),
  );
}
