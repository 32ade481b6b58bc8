import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { UserError } from "../../core/errors.js";
import { toolResult } from "../../core/mcp.js";
import { paginate, pageInput } from "../../core/paging.js";
import { confinePath } from "../../core/repo.js";
import { postComment, ticketRevision, trackerFor, WORLDLINE_MARK } from "./comments.js";
import { importTickets } from "./importer.js";
import { componentAndOwner, searchTickets, similarTickets } from "./queries.js";
import type { TicketService } from "./service.js";
import { readTicketFolder } from "./sources/folder.js";
import { readGithubIssues } from "./sources/github.js";
import { readJiraIssues } from "./sources/jira.js";
import { readJiraCsvFile } from "./sources/jira-csv.js";

/** The tickets server's MCP face. */

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
const key = z.string().min(1).describe("Ticket key, e.g. SUP-12 or #12");
const time = z.iso.datetime({ offset: true });
const HitOut = z.object({ key: z.string(), title: z.string(), status: z.string(), kind: z.string(), created: z.string(), score: z.number() });
const RefOut = z.object({ kind: z.string(), text: z.string(), target: z.string().nullable(), order: z.number().optional() });

export function registerTicketTools(server: McpServer, service: TicketService): void {
  const requireTicket = async (k: string) => {
    const t = await service.store.get(k);
    if (!t) throw new UserError(`unknown ticket "${k}": expected a key of an imported ticket (see search_tickets, or import_tickets first)`);
    return t;
  };

  server.registerTool(
    "import_tickets",
    {
      title: "Import tickets",
      description:
        "Import tickets from a folder of JSON/YAML/Markdown files (default tickets/) or a Jira CSV export; redacts secrets, links them to code and history. Idempotent. A file over maxTicketFileBytes (worldline.config.json, default 1 MB) is refused by name.",
      inputSchema: {
        source: z
          .enum(["folder", "jira-csv", "github", "jira"])
          .describe("folder: one file per ticket; jira-csv: a Jira CSV export; github: GitHub Issues (GITHUB_TOKEN); jira: Jira Cloud (JIRA_EMAIL, JIRA_API_TOKEN)"),
        path: z.string().optional().describe("The folder (default tickets) or the CSV file, from the repo root"),
        repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/).optional().describe("For github: owner/name"),
        baseUrl: z.url().optional().describe("For github (default https://api.github.com) or jira (your site, e.g. https://acme.atlassian.net)"),
        jql: z.string().optional().describe("For jira: which issues (default: all, oldest update first)"),
        since: z.iso.datetime({ offset: true }).optional().describe("Only tickets updated since (default: since the last import from this source)"),
      },
      outputSchema: {
        added: z.number(),
        updated: z.number(),
        unchanged: z.number(),
        errors: z.array(z.object({ file: z.string(), message: z.string() })).describe("Files or rows that were not tickets; the rest imported"),
        redactions: z.array(z.object({ key: z.string(), rule: z.string(), count: z.number() })),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (a) => {
      let read;
      if (a.source === "github" || a.source === "jira") {
        const source = a.source === "github" ? `github:${a.repo ?? ""}` : `jira:${a.baseUrl ?? ""}`;
        const since = a.since ?? (await service.graph.ingestion(`tickets:${source}`))?.highWater ?? undefined;
        if (a.source === "github") {
          if (!a.repo) throw new UserError('import_tickets with source "github" needs "repo": owner/name of the GitHub repository');
          read = await readGithubIssues({ repo: a.repo, baseUrl: a.baseUrl, token: process.env.GITHUB_TOKEN, since, cache: service.httpCache() });
        } else {
          if (!a.baseUrl) throw new UserError('import_tickets with source "jira" needs "baseUrl": your Jira site, e.g. https://acme.atlassian.net');
          read = await readJiraIssues({ baseUrl: a.baseUrl, jql: a.jql, email: process.env.JIRA_EMAIL, token: process.env.JIRA_API_TOKEN, since });
        }
        const summary = await importTickets(service.importContext(), read.tickets, read.errors);
        const newest = read.tickets.map((t) => t.updated ?? t.created).sort().pop();
        if (newest) await service.graph.markIngestion(`tickets:${source}`, newest, { imported: read.tickets.length });
        return toolResult(summary);
      }
      const limit = { maxFileBytes: service.config.maxTicketFileBytes };
      if (a.source === "folder") read = await readTicketFolder(service.repo, a.path ? confinePath(service.repo, a.path) : "tickets", limit);
      else {
        if (!a.path) throw new UserError('import_tickets with source "jira-csv" needs "path": the CSV export inside the repo');
        read = await readJiraCsvFile(service.repo, confinePath(service.repo, a.path), limit);
      }
      return toolResult(await importTickets(service.importContext(), read.tickets, read.errors));
    },
  );

  server.registerTool(
    "list_tickets",
    {
      title: "List changed tickets",
      description: "Imported tickets created or updated after a time, oldest change first, each with its revision (a hash of what people wrote: Worldline's own comments do not change it). For triage: what is new since the last run.",
      inputSchema: {
        source: z.enum(["folder", "jira-csv", "github", "jira"]).optional().describe("Only tickets from this kind of source"),
        changedSince: time.optional().describe("Only tickets whose last change (updated, else created) is after this time"),
        ...pageInput,
      },
      outputSchema: {
        items: z.array(z.object({ key: z.string(), title: z.string(), source: z.string(), kind: z.string(), status: z.string(), changed: z.string(), revision: z.string() })),
        nextCursor: z.string().optional(),
      },
      annotations: READ_ONLY,
    },
    async (a) => {
      const items = (await service.store.changedSince(a.source, a.changedSince)).map(({ ticket: t }) => ({
        key: t.key,
        title: t.title,
        source: t.source,
        kind: t.kind,
        status: t.status,
        changed: t.updated ?? t.created,
        revision: ticketRevision(t),
      }));
      return toolResult(paginate(items, a));
    },
  );

  server.registerTool(
    "comment_ticket",
    {
      title: "Comment on a ticket",
      description:
        "Post a Markdown comment back to the GitHub issue or Jira ticket it came from, once per ticket revision: asked again for the same revision, it posts nothing and returns the first comment's URL.",
      inputSchema: {
        key,
        body: z.string().min(1).max(60_000).describe("The comment, in Markdown"),
        revision: z.string().min(1).optional().describe("The ticket revision this comment is about (from list_tickets); default: the current one"),
      },
      outputSchema: { posted: z.boolean().describe("False when a comment for this revision was already posted"), url: z.string(), revision: z.string() },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async (a) => {
      const { ticket } = await requireTicket(a.key);
      const revision = a.revision ?? ticketRevision(ticket);
      const earlier = await service.store.postedComment(ticket.key, revision);
      if (earlier) return toolResult({ posted: false, url: earlier.url, revision });
      const target = trackerFor(ticket, service.config.ticketSources);
      const body = a.body.includes(WORLDLINE_MARK) ? a.body : `${WORLDLINE_MARK}\n${a.body}`;
      const posted = await postComment(target, ticket.key, body);
      await service.store.recordComment(ticket.key, revision, posted.url, new Date().toISOString());
      return toolResult({ posted: true, url: posted.url, revision });
    },
  );

  server.registerTool(
    "search_tickets",
    {
      title: "Search tickets",
      description:
        "Full-text search (stemmed: rounding finds round; title weighs most, then labels, body, comments) over imported tickets, with filters. Without a query, the filters alone list tickets, newest created first. Give a query, a filter, or both.",
      inputSchema: {
        query: z.string().optional().describe("Words to find (all of them, else any); omit or leave empty to list by the filters alone"),
        status: z.string().optional(),
        label: z.string().optional(),
        component: z.string().optional(),
        kind: z.enum(["bug", "incident", "task", "question", "feature"]).optional(),
        createdAfter: time.optional(),
        createdBefore: time.optional(),
        ...pageInput,
      },
      outputSchema: { items: z.array(HitOut), nextCursor: z.string().optional() },
      annotations: READ_ONLY,
    },
    async (a) => {
      const hits = await searchTickets(service.store, a.query, {
        status: a.status,
        label: a.label,
        component: a.component,
        kind: a.kind,
        createdAfter: a.createdAfter,
        createdBefore: a.createdBefore,
      });
      return toolResult(paginate(hits, a));
    },
  );

  server.registerTool(
    "get_ticket",
    {
      title: "Get a ticket",
      description: "One ticket as imported (secrets and personal data redacted, with the rules that matched) and the code it names.",
      inputSchema: { key },
      outputSchema: {
        ticket: z.record(z.string(), z.unknown()),
        redactions: z.array(z.object({ rule: z.string(), count: z.number() })),
        codeRefs: z.array(RefOut),
      },
      annotations: READ_ONLY,
    },
    async (a) => {
      const t = await requireTicket(a.key);
      const body = t.ticket.body.length > 8000 ? `${t.ticket.body.slice(0, 7999)}…` : t.ticket.body;
      return toolResult({ ticket: { ...t.ticket, body, comments: t.ticket.comments.slice(-20) }, redactions: t.redactions, codeRefs: (await service.store.codeRefs(a.key)).slice(0, 100) });
    },
  );

  server.registerTool(
    "similar_tickets",
    {
      title: "Similar tickets",
      description: "Likely duplicates of a ticket: ranked by text similarity plus shared code references, with the score parts and the shared evidence.",
      inputSchema: { key, limit: z.number().int().min(1).max(50).optional() },
      outputSchema: {
        items: z.array(
          HitOut.extend({ textScore: z.number(), codeScore: z.number(), sharedCode: z.array(z.string()), sharedTerms: z.array(z.string()) }),
        ),
      },
      annotations: READ_ONLY,
    },
    async (a) => {
      await requireTicket(a.key);
      return toolResult({ items: await similarTickets(service.store, a.key, a.limit ?? 10) });
    },
  );

  server.registerTool(
    "ticket_code_links",
    {
      title: "Ticket code links",
      description: "The code a ticket names (stack frames resolved to symbols, files, error messages at their throw sites, config keys, commits), commits that fix or reference it, and its likely component and owner.",
      inputSchema: { key },
      outputSchema: {
        codeRefs: z.array(RefOut),
        commits: z.array(z.object({ commit: z.string(), rel: z.string(), time: z.string().nullable() })),
        component: z.string().nullable(),
        componentBasis: z.string(),
        owner: z.object({ name: z.string(), share: z.number(), basis: z.string() }).nullable(),
      },
      annotations: READ_ONLY,
    },
    async (a) => {
      await requireTicket(a.key);
      const edges = await service.graph.edgesOf(`ticket:${a.key}`, { direction: "in", rels: ["fixes", "references"] });
      const guess = await componentAndOwner(service.store, service.repo, a.key);
      return toolResult({
        codeRefs: (await service.store.codeRefs(a.key)).slice(0, 100),
        commits: edges.filter((e) => e.src.startsWith("commit:")).map((e) => ({ commit: e.src.slice(7), rel: e.rel, time: e.validFrom })),
        component: guess.component,
        componentBasis: guess.basis,
        owner: guess.owner,
      });
    },
  );

  server.registerTool(
    "ticket_suspects",
    {
      title: "Ticket suspects",
      description: "Commits suspected of causing a ticket: from its stack frames (blame, recent first) and, once a commit fixed it, from that fix (SZZ). Each with method and confidence.",
      inputSchema: { key },
      outputSchema: {
        items: z.array(z.object({ commit: z.string(), method: z.string(), confidence: z.number(), via: z.string(), evidence: z.array(z.string()) })),
      },
      annotations: READ_ONLY,
    },
    async (a) => {
      await requireTicket(a.key);
      const id = `ticket:${a.key}`;
      const items: Array<{ commit: string; method: string; confidence: number; via: string; evidence: string[] }> = [];
      for (const e of await service.graph.edgesOf(id, { direction: "in", rels: ["suspect-of"] })) {
        items.push({ commit: e.src.slice(7), method: e.provenance.method, confidence: e.provenance.confidence, via: "stack frames", evidence: (e.props.evidence as string[] | undefined) ?? [] });
      }
      for (const fix of await service.graph.edgesOf(id, { direction: "in", rels: ["fixes"] })) {
        for (const e of await service.graph.edgesOf(fix.src, { direction: "out", rels: ["induced-by"] })) {
          items.push({ commit: e.dst.slice(7), method: e.provenance.method, confidence: e.provenance.confidence, via: `fix ${fix.src.slice(7, 19)}`, evidence: (e.props.evidence as string[] | undefined) ?? [] });
        }
      }
      return toolResult({ items: items.sort((x, y) => y.confidence - x.confidence).slice(0, 50) });
    },
  );
}
