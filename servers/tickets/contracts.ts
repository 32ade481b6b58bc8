import { z } from "zod";
import { defineTool, toolArgs } from "../../core/contract.js";
import { pageInput } from "../../core/paging.js";

/** The tickets server's tool contracts: names, descriptions and schemas, shared by the server, the agent and tests. */

const server = "tickets" as const;
const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
const key = z.string().min(1).describe("Ticket key, e.g. SUP-12 or #12");
const time = z.iso.datetime({ offset: true });
const HitOut = z.object({ key: z.string(), title: z.string(), status: z.string(), kind: z.string(), created: z.string(), score: z.number() });
const RefOut = z.object({
  kind: z.string().describe("frame, vendor-frame, file, symbol, message (at a source site), test-message (quoted by a test: a test, not a throw site), config, commit, pull-request"),
  text: z.string().describe("What the ticket says"),
  target: z.string().nullable().describe("What it resolves to: a symbol id, a path or path:line, a commit; null when unresolved"),
  order: z.number().optional().describe("For frames: the position in the stack, 0 for the top"),
  location: z.string().optional().describe("For frames: the source path:line the frame ran (a built file's frame mapped back to its source)"),
  mapping: z.enum(["source-map", "layout"]).optional().describe("For frames of built files: source-map (the line is the map's), layout (the build layout's source file, line kept from the built file)"),
  approximate: z.boolean().optional().describe("True when the location's line is a guess (a layout mapping)"),
});
const at = z
  .string()
  .min(1)
  .optional()
  .describe("A revision (branch, tag, commit): code references resolved in its tree, and fixes, suspects and history only from commits it reaches. Default: the working tree and all history");

export const importTicketsTool = defineTool({
  server,
  name: "import_tickets",
  title: "Import tickets",
  description: "Import tickets from a folder of JSON/YAML/Markdown files (default tickets/) or a Jira CSV export; redacts secrets, links them to code and history. Idempotent. A file over maxTicketFileBytes (worldline.config.json, default 1 MB) is refused by name.",
  input: toolArgs({
    source: z
      .enum(["folder", "jira-csv", "github", "jira"])
      .describe("folder: one file per ticket; jira-csv: a Jira CSV export; github: GitHub Issues (GITHUB_TOKEN); jira: Jira Cloud (JIRA_EMAIL, JIRA_API_TOKEN)"),
    path: z.string().optional().describe("The folder (default tickets) or the CSV file, from the repo root"),
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/).optional().describe("For github: owner/name"),
    baseUrl: z.url().optional().describe("For github (default https://api.github.com) or jira (your site, e.g. https://acme.atlassian.net)"),
    jql: z.string().optional().describe("For jira: which issues (default: all, oldest update first)"),
    since: z.iso.datetime({ offset: true }).optional().describe("Only tickets updated since (default: since the last import from this source)"),
  }),
  output: z.object({
    added: z.number(),
    updated: z.number(),
    unchanged: z.number(),
    errors: z.array(z.object({ file: z.string(), message: z.string() })).describe("Files or rows that were not tickets; the rest imported"),
    redactions: z.array(z.object({ key: z.string(), rule: z.string(), count: z.number() })),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
});

export const listTickets = defineTool({
  server,
  name: "list_tickets",
  title: "List changed tickets",
  description: "Imported tickets created or updated after a time, oldest change first, each with its revision (a hash of what people wrote: Worldline's own comments do not change it). For triage: what is new since the last run.",
  input: toolArgs({
    source: z.enum(["folder", "jira-csv", "github", "jira"]).optional().describe("Only tickets from this kind of source"),
    changedSince: time.optional().describe("Only tickets whose last change (updated, else created) is after this time"),
    ...pageInput,
  }),
  output: z.object({
    items: z.array(z.object({ key: z.string(), title: z.string(), source: z.string(), kind: z.string(), status: z.string(), changed: z.string(), revision: z.string() })),
    nextCursor: z.string().optional(),
  }),
  annotations: READ_ONLY,
});

export const commentTicket = defineTool({
  server,
  name: "comment_ticket",
  title: "Comment on a ticket",
  description: "Post a Markdown comment back to the GitHub issue or Jira ticket it came from, once per ticket revision: asked again for the same revision, it posts nothing and returns the first comment's URL.",
  input: toolArgs({
    key,
    body: z.string().min(1).max(60_000).describe("The comment, in Markdown"),
    revision: z.string().min(1).optional().describe("The ticket revision this comment is about (from list_tickets); default: the current one"),
  }),
  output: z.object({ posted: z.boolean().describe("False when a comment for this revision was already posted"), url: z.string(), revision: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
});

export const searchTicketsTool = defineTool({
  server,
  name: "search_tickets",
  title: "Search tickets",
  description: "Full-text search (stemmed: rounding finds round; title weighs most, then labels, body, comments) over imported tickets, with filters. Without a query, the filters alone list tickets, newest created first. Give a query, a filter, or both.",
  input: toolArgs({
    query: z.string().optional().describe("Words to find (all of them, else any); omit or leave empty to list by the filters alone"),
    status: z.string().optional(),
    label: z.string().optional(),
    component: z.string().optional(),
    kind: z.enum(["bug", "incident", "task", "question", "feature"]).optional(),
    createdAfter: time.optional(),
    createdBefore: time.optional(),
    ...pageInput,
  }),
  output: z.object({ items: z.array(HitOut), nextCursor: z.string().optional() }),
  annotations: READ_ONLY,
});

export const getTicket = defineTool({
  server,
  name: "get_ticket",
  title: "Get a ticket",
  description: "One ticket as imported (secrets and personal data redacted, with the rules that matched) and the code it names (at a revision, when given).",
  input: toolArgs({ key, at }),
  output: z.object({
    ticket: z.record(z.string(), z.unknown()),
    redactions: z.array(z.object({ rule: z.string(), count: z.number() })),
    codeRefs: z.array(RefOut),
  }),
  annotations: READ_ONLY,
});

const ScorePartOut = z.object({
  part: z
    .enum(["throw-site", "top-frame", "frames", "internal-code", "coverage", "text"])
    .describe("throw-site: the same message from the same site; top-frame: both stacks stop in the same in-repo code; frames: shared in-repo frames, nearer the top weigh more; internal-code: the same non-public symbol, file, config key or commit; coverage: their reproductions run the same lines; text: cosine of the words that tell tickets apart"),
  score: z.number().describe("0..1"),
  evidence: z.array(z.string()).describe("What this part rests on"),
});

export const similarTicketsTool = defineTool({
  server,
  name: "similar_tickets",
  title: "Similar tickets",
  description:
    "Likely duplicates of a ticket, best first: code evidence (the same throw site, the same in-repo stack frames, the same internal symbol, overlapping reproduction coverage) weighs most; words count only where they tell tickets apart (issue-template text, terms most tickets share and the repo's public API names count little or nothing). Each with its score parts and the evidence.",
  input: toolArgs({
    key,
    limit: z.number().int().min(1).max(50).optional(),
    at: z.string().min(1).optional().describe("A revision whose issue templates and public API are discounted (default: the working tree's)"),
  }),
  output: z.object({
    items: z.array(
      HitOut.extend({
        textScore: z.number().describe("The text part, 0..1"),
        codeScore: z.number().describe("The code parts together, 0..1"),
        match: z.enum(["likely", "possible", "weak"]).describe("likely: past the calibrated threshold; possible: worth a look; weak: little in common"),
        parts: z.array(ScorePartOut).describe("Why it scored: each part with its evidence"),
        sharedCode: z.array(z.string()).describe("Code targets both name"),
        sharedTerms: z.array(z.string()).describe("Shared words that counted"),
        discounted: z.array(z.string()).describe("Shared words that did not count, with why: issue template, public API, in most tickets"),
      }),
    ),
  }),
  annotations: READ_ONLY,
});

export const ticketCodeLinks = defineTool({
  server,
  name: "ticket_code_links",
  title: "Ticket code links",
  description: "The code a ticket names (stack frames resolved to symbols, files, error messages at their throw sites, config keys, commits), commits that fix or reference it, and its likely component and owner. With at: as of that revision.",
  input: toolArgs({ key, at }),
  output: z.object({
    codeRefs: z.array(RefOut),
    commits: z.array(z.object({ commit: z.string(), rel: z.string(), time: z.string().nullable() })),
    component: z.string().nullable(),
    componentBasis: z.string().describe("references: the files the ticket names; similar-tickets: those of its likely duplicates; report-words: the files its words point at (locate_ticket); none"),
    owner: z.object({ name: z.string(), share: z.number(), basis: z.string() }).nullable(),
  }),
  annotations: READ_ONLY,
});

export const ticketSuspects = defineTool({
  server,
  name: "ticket_suspects",
  title: "Ticket suspects",
  description: "Commits suspected of causing a ticket: from its stack frames (blame, recent first), once a commit fixed it from that fix (SZZ), and last, weakest, the commits that wrote the lines most like the report in the files locate_ticket ranks first (blame-report-words). Each with method and confidence. With at: only commits that revision reaches, lines blamed there.",
  input: toolArgs({ key, at }),
  output: z.object({
    items: z.array(z.object({ commit: z.string(), method: z.string(), confidence: z.number(), via: z.string(), evidence: z.array(z.string()) })),
  }),
  annotations: READ_ONLY,
});

export const locateTicketTool = defineTool({
  server,
  name: "locate_ticket",
  title: "Locate a ticket in the code",
  description:
    "Where a report's fault can live, by its words: the repo's shipped source files (tests, build output, configs, docs and examples left out) ranked against the ticket's title and text, identifiers split into words (BM25). Weaker than a stack frame, a throw site or a reproduction: use it when the ticket names none. With at: that revision's files.",
  input: toolArgs({ key, at, limit: z.number().int().min(1).max(50).optional().describe("How many files (default 10)") }),
  output: z.object({
    files: z.array(
      z.object({
        path: z.string(),
        score: z.number().describe("Relative to the first file's (1)"),
        terms: z.array(z.string()).describe("The report's words the file matched, most telling first"),
      }),
    ),
    api: z.array(z.string()).describe("The package's public API names at that revision (its name, its entry's exports), lower-cased: reports name them whether or not the fault is there"),
  }),
  annotations: READ_ONLY,
});

/** Every tool the tickets server registers, in its order. */
export const ticketContracts = [importTicketsTool, listTickets, commentTicket, searchTicketsTool, getTicket, similarTicketsTool, ticketCodeLinks, ticketSuspects, locateTicketTool] as const;
