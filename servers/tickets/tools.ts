import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { registerContract } from "../../core/contract.js";
import { UserError } from "../../core/errors.js";
import { paginate } from "../../core/paging.js";
import { confinePath } from "../../core/repo.js";
import {
  commentTicket,
  getTicket,
  importTicketsTool,
  listTickets,
  searchTicketsTool,
  similarTicketsTool,
  ticketCodeLinks,
  ticketSuspects,
  locateTicketTool,
} from "./contracts.js";
import { postComment, ticketRevision, trackerFor, WORLDLINE_MARK } from "./comments.js";
import { boundAt, refsAt, suspectsAt } from "./bounded.js";
import { locateTicket } from "./locate-at.js";
import { importTickets } from "./importer.js";
import { similarityContext } from "./similarity-context.js";
import type { CodeRef } from "./model.js";
import { componentAndOwner, searchTickets, similarTickets } from "./queries.js";
import type { TicketService } from "./service.js";
import { readTicketFolder } from "./sources/folder.js";
import { readGithubIssues } from "./sources/github.js";
import { readJiraIssues } from "./sources/jira.js";
import { readJiraCsvFile } from "./sources/jira-csv.js";

/** The tickets server's MCP face: each contract (contracts.ts) bound to the service. */
export function registerTicketTools(server: McpServer, service: TicketService): void {
  const requireTicket = async (k: string) => {
    const t = await service.store.get(k);
    if (!t) throw new UserError(`unknown ticket "${k}": expected a key of an imported ticket (see search_tickets, or import_tickets first)`);
    return t;
  };

  registerContract(server, importTicketsTool, async (a) => {
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
      return summary;
    }
    const limit = { maxFileBytes: service.config.maxTicketFileBytes };
    if (a.source === "folder") read = await readTicketFolder(service.repo, a.path ? confinePath(service.repo, a.path) : "tickets", limit);
    else {
      if (!a.path) throw new UserError('import_tickets with source "jira-csv" needs "path": the CSV export inside the repo');
      read = await readJiraCsvFile(service.repo, confinePath(service.repo, a.path), limit);
    }
    return await importTickets(service.importContext(), read.tickets, read.errors);
  });

  registerContract(server, listTickets, async (a) => {
    const items = (await service.store.changedSince(a.source, a.changedSince)).map(({ ticket: t }) => ({
      key: t.key,
      title: t.title,
      source: t.source,
      kind: t.kind,
      status: t.status,
      changed: t.updated ?? t.created,
      revision: ticketRevision(t),
    }));
    return paginate(items, a);
  });

  registerContract(server, commentTicket, async (a) => {
    const { ticket } = await requireTicket(a.key);
    const revision = a.revision ?? ticketRevision(ticket);
    const earlier = await service.store.postedComment(ticket.key, revision);
    if (earlier) return { posted: false, url: earlier.url, revision };
    const target = trackerFor(ticket, service.config.ticketSources);
    const body = a.body.includes(WORLDLINE_MARK) ? a.body : `${WORLDLINE_MARK}\n${a.body}`;
    const posted = await postComment(target, ticket.key, body);
    await service.store.recordComment(ticket.key, revision, posted.url, new Date().toISOString());
    return { posted: true, url: posted.url, revision };
  });

  registerContract(server, searchTicketsTool, async (a) => {
    const hits = await searchTickets(service.store, a.query, {
      status: a.status,
      label: a.label,
      component: a.component,
      kind: a.kind,
      createdAfter: a.createdAfter,
      createdBefore: a.createdBefore,
    });
    return paginate(hits, a);
  });

  registerContract(server, getTicket, async (a) => {
    const t = await requireTicket(a.key);
    const body = t.ticket.body.length > 8000 ? `${t.ticket.body.slice(0, 7999)}…` : t.ticket.body;
    const refs = await refsAt(service, a.key, await boundAt(service, a.at));
    return { ticket: { ...t.ticket, body, comments: t.ticket.comments.slice(-20) }, redactions: t.redactions, codeRefs: refs.slice(0, 100).map(refOut) };
  });

  registerContract(server, similarTicketsTool, async (a) => {
    await requireTicket(a.key);
    // The repo's issue templates and public API at the triage revision are what every report shares: discounted.
    const bound = await boundAt(service, a.at);
    return { items: await similarTickets(service.store, a.key, a.limit ?? 10, await similarityContext(service, bound.commit)) };
  });

  registerContract(server, ticketCodeLinks, async (a) => {
    await requireTicket(a.key);
    const bound = await boundAt(service, a.at);
    const refs = await refsAt(service, a.key, bound);
    const edges = await service.graph.edgesOf(`ticket:${a.key}`, { direction: "in", rels: ["fixes", "references"] });
    // The best file by the report's words alone: a folder vote among weaker ones would pick by name.
    // Asked only when nothing else names a file.
    const located = async () => (await locateTicket(service, a.key, bound, 1, "files")).files.map((f) => f.path);
    const guess = await componentAndOwner(service.store, service.repo, a.key, bound.commit && !bound.head ? { rev: bound.commit, refs, located } : { located });
    return {
      codeRefs: refs.slice(0, 100).map(refOut),
      // A commit after the revision (the ticket's own fix, later) is not part of what was known then.
      commits: edges.filter((e) => e.src.startsWith("commit:") && bound.reaches(e.src.slice(7))).map((e) => ({ commit: e.src.slice(7), rel: e.rel, time: e.validFrom })),
      component: guess.component,
      componentBasis: guess.basis,
      owner: guess.owner,
    };
  });

  registerContract(server, ticketSuspects, async (a) => {
    await requireTicket(a.key);
    return { items: await suspectsAt(service, a.key, await boundAt(service, a.at)) };
  });

  registerContract(server, locateTicketTool, async (a) => {
    await requireTicket(a.key);
    const bound = await boundAt(service, a.at);
    const { files } = await locateTicket(service, a.key, bound, a.limit ?? 10, "files");
    return { files, api: [...(await similarityContext(service, bound.commit)).publicNames].sort() };
  });
}

/** A reference as the tools answer it: a layout mapping's line is marked approximate. */
function refOut(r: CodeRef): CodeRef & { approximate?: boolean } {
  return r.mapping === "layout" ? { ...r, approximate: true } : r;
}
