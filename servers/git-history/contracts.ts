import { z } from "zod";
import { defineTool, toolArgs } from "../../core/contract.js";
import { pageInput } from "../../core/paging.js";
import { viewInput, viewOutput } from "./view-inputs.js";

/** The git-history server's tool contracts: names, descriptions and schemas, shared by the server, the agent and tests. */

const server = "git-history" as const;
const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
const base = z.string().optional().describe("Base revision (default: merge-base of HEAD with the default branch)");
const head = z.string().optional().describe("Head revision, or WORKTREE for the working tree (default)");
const since = z.string().optional().describe("Only history since this date, e.g. 2026-01-01 (default: all)");
const TicketOut = z.object({ key: z.string(), kind: z.enum(["jira", "issue", "pull-request"]), relation: z.enum(["fixes", "references"]) });
const pageOut = <T extends z.ZodType>(item: T) => ({ items: z.array(item), nextCursor: z.string().optional() });
/** A page of items about a change, with the base and head it resolved to. */
const rangePage = <T extends z.ZodType>(item: T) => z.object({ base: z.string(), head: z.string(), ...pageOut(item) });

export const diffRevisions = defineTool({
  server,
  name: "diff_revisions",
  title: "Diff",
  description: "Files changed from base to head with their hunks (old and new line ranges) and renames; head may be the working tree.",
  input: toolArgs({ base, head, ...pageInput }),
  output: rangePage(
    z.object({
      path: z.string(),
      oldPath: z.string().optional(),
      status: z.enum(["added", "deleted", "modified", "renamed"]),
      hunks: z.array(z.object({ oldStart: z.number(), oldLines: z.number(), newStart: z.number(), newLines: z.number() })),
    }),
  ),
  annotations: READ_ONLY,
});

export const changedSymbolsTool = defineTool({
  server,
  name: "changed_symbols",
  title: "Changed symbols",
  description: "The symbols a change touches, from the code graph at both revisions: added, removed, modified-body, modified-signature, moved.",
  input: toolArgs({ base, head, ...pageInput }),
  output: rangePage(
    z.object({
      id: z.string(),
      change: z.enum(["added", "removed", "modified-body", "modified-signature", "moved", "module-context"]),
      base: z.object({ id: z.string(), span: z.string() }).optional(),
      head: z.object({ id: z.string(), span: z.string() }).optional(),
    }),
  ),
  annotations: READ_ONLY,
});

export const blameLine = defineTool({
  server,
  name: "blame_line",
  title: "Blame",
  description:
    "For each line: the commit, author, time and message that last changed it, and the tickets it names. Honours .git-blame-ignore-revs. A long range comes in pages: pass nextCursor back as cursor with the same arguments.",
  input: toolArgs({
    path: z.string().min(1).describe("File path from the repo root"),
    start: z.number().int().min(1).describe("First line, 1-based"),
    end: z.number().int().min(1).optional().describe("Last line (default: start)"),
    rev: z.string().optional().describe("Revision (default: the working tree)"),
    limit: z.number().int().min(1).max(500).optional().describe("Most lines to return (default 100)"),
    cursor: pageInput.cursor,
  }),
  output: z.object({
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
  }),
  annotations: READ_ONLY,
});

const HistoryOut = z.object({
  commit: z.string(),
  author: z.string(),
  time: z.string(),
  subject: z.string(),
  tickets: z.array(TicketOut),
  before: z.array(z.string()).optional().describe("For a symbol: its lines before this commit changed them"),
  after: z.array(z.string()).optional(),
});

export const changeHistory = defineTool({
  server,
  name: "change_history",
  title: "History",
  description: "Commits that touched a file (following renames) or one symbol's lines (git log -L), newest first, with their tickets.",
  input: toolArgs({
    path: z.string().optional().describe("A file path"),
    symbol: z.string().optional().describe("Or a symbol id, path#Name"),
    rev: z.string().optional().describe("Revision to start from (default: the working tree, so the history of HEAD)"),
    limit: z.number().int().min(1).max(200).optional().describe("Most commits (default 30)"),
    cursor: pageInput.cursor,
  }),
  output: z.object({ items: z.array(HistoryOut), nextCursor: z.string().optional().describe("More commits: pass this back as cursor") }),
  annotations: READ_ONLY,
});

export const whyCode = defineTool({
  server,
  name: "why_code",
  title: "Why is the code like this",
  description:
    "The evidence chain for a line, a symbol or a config key: the commit that decided it (blame that passes through reformats, comment edits, kept values and moves, and says which it passed), the commits that shaped it with what they changed, their tickets, governing decisions and covering simulations; most relevant first.",
  input: toolArgs({
    target: z.string().min(1).describe("path:line, a symbol id path#Name, or config:KEY (e.g. config:PAYMENT_TIMEOUT_MS)"),
    limit: z.number().int().min(1).max(50).optional().describe("Most commits of history to follow (default 10)"),
    rev: z.string().optional().describe("Revision whose lines are asked about (default: the working tree)"),
  }),
  output: z.object({
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
  }),
  annotations: READ_ONLY,
});

export const findHotspots = defineTool({
  server,
  name: "find_hotspots",
  title: "Hotspots",
  description:
    "Files ranked by revisions x lines of code at rev (code-maat), over a window, renames followed. Leaves out files gone at rev, lockfiles and generated files unless asked; leftOut counts them.",
  input: toolArgs({ since, ...viewInput, ...pageInput }),
  output: z.object({ ...viewOutput, ...pageOut(z.object({ path: z.string(), revisions: z.number(), lines: z.number().describe("Lines at rev (0 for a file gone there)"), score: z.number() })) }),
  annotations: READ_ONLY,
});

export const changeCoupling = defineTool({
  server,
  name: "change_coupling",
  title: "Change coupling",
  description:
    "Files that change together (code-maat: shared revisions / average revisions; defaults min 5 revisions, min 5 shared, min 30%, change sets over 30 files as made skipped). Commits naming the same ticket count as one change set. Pairs of files that exist at rev only, renames followed; lockfiles and generated files left out unless asked; leftOut counts them.",
  input: toolArgs({
    since,
    ...viewInput,
    minRevisions: z.number().int().min(1).optional(),
    minShared: z.number().int().min(1).optional(),
    minDegree: z.number().min(0).max(100).optional(),
    maxChangesetSize: z.number().int().min(2).optional(),
    ...pageInput,
  }),
  output: z.object({ ...viewOutput, ...pageOut(z.object({ a: z.string(), b: z.string(), shared: z.number(), degree: z.number(), revisionsA: z.number(), revisionsB: z.number() })) }),
  annotations: READ_ONLY,
});

export const fileOwnership = defineTool({
  server,
  name: "file_ownership",
  title: "Ownership",
  description:
    "Per file at rev: main developer by added lines and by revisions, author fragmentation, code age in months, and knowledge loss to authors named as departed in worldline.config.json. Renames followed; files gone at rev, lockfiles and generated files left out unless asked; leftOut counts them.",
  input: toolArgs({ path: z.string().optional().describe("Only this file"), since, ...viewInput, ...pageInput }),
  output: z.object({
    ...viewOutput,
    ...pageOut(
      z.object({
        path: z.string(),
        mainDeveloper: z.object({ byAddedLines: z.string(), addedShare: z.number(), byRevisions: z.string(), revisionShare: z.number() }),
        fragmentation: z.number(),
        authors: z.number(),
        ageMonths: z.number(),
        lastChanged: z.string(),
        knowledgeLoss: z.number(),
      }),
    ),
  }),
  annotations: READ_ONLY,
});

export const suspectCommits = defineTool({
  server,
  name: "suspect_commits",
  title: "Suspect commits",
  description: "Commits that probably introduced a bug: from a fix commit (SZZ) or from locations such as a stack trace's in-app frames (blame, recent first). Every candidate is kept with its method and confidence.",
  input: toolArgs({
    fix: z.string().optional().describe("A fix commit: its deleted and changed lines are blamed at its parent"),
    locations: z.array(z.string()).optional().describe("path:line locations, top stack frame first"),
    rev: z.string().optional().describe("With locations: the revision whose lines are blamed (default HEAD), so a triage at an earlier commit sees only the commits it reaches"),
    maxAgeDays: z.number().int().min(1).optional().describe("Commits older than this get a note and less weight (default from config, 90)"),
  }),
  output: z.object({
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
  }),
  annotations: READ_ONLY,
});

export const ingestHistoryTool = defineTool({
  server,
  name: "ingest_history",
  title: "Ingest history",
  description: "Record git history in the context graph: commits, people, files, modifies edges, ticket references and fix commits' suspects. Only new commits; a rewritten history closes the dropped commits' facts.",
  input: toolArgs({}),
  output: z.object({
    head: z.string(),
    ingested: z.number(),
    dropped: z.number(),
    fixes: z.number(),
    suspects: z.number(),
    forcePushDetected: z.boolean(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
});

/** Every tool the git-history server registers, in its order. */
export const gitHistoryContracts = [diffRevisions, changedSymbolsTool, blameLine, changeHistory, whyCode, findHotspots, changeCoupling, fileOwnership, suspectCommits, ingestHistoryTool] as const;
