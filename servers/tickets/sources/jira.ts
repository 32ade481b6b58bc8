import { z } from "zod";
import { Ticket } from "../model.js";
import type { SourceResult } from "./folder.js";
import { fetchJson } from "./http.js";

/**
 * Jira Cloud's REST search, `POST /rest/api/3/search/jql`, paged with `nextPageToken`. Descriptions and
 * comments arrive as Atlassian Document Format and are flattened to text.
 */
const Named = z.object({ name: z.string() }).loose();
const Person = z.object({ displayName: z.string() }).loose();
const JiraIssue = z
  .object({
    key: z.string(),
    fields: z
      .object({
        summary: z.string(),
        description: z.unknown().optional(),
        status: Named.optional(),
        priority: Named.nullable().optional(),
        issuetype: Named.optional(),
        labels: z.array(z.string()).default([]),
        components: z.array(Named).default([]),
        reporter: Person.nullable().optional(),
        assignee: Person.nullable().optional(),
        created: z.string(),
        updated: z.string().optional(),
        resolutiondate: z.string().nullable().optional(),
        comment: z.object({ comments: z.array(z.object({ author: Person.optional(), created: z.string().optional(), body: z.unknown() }).loose()) }).loose().optional(),
      })
      .loose(),
  })
  .loose();
const SearchPage = z.object({ issues: z.array(z.unknown()), nextPageToken: z.string().optional(), isLast: z.boolean().optional() }).loose();

/** Plain text of an Atlassian Document Format node (or a plain string, as older APIs send). */
export function adfText(node: unknown): string {
  if (typeof node === "string") return node;
  if (!node || typeof node !== "object") return "";
  const n = node as { type?: string; text?: string; content?: unknown[] };
  if (n.type === "text") return n.text ?? "";
  if (n.type === "hardBreak") return "\n";
  const inner = (n.content ?? []).map(adfText).join("");
  return ["paragraph", "heading", "codeBlock", "listItem", "blockquote"].includes(n.type ?? "") ? `${inner}\n` : inner;
}

/** Jira's "2026-03-02T09:15:00.000+0000" as ISO-8601. */
function jiraTime(s: string): string {
  return new Date(s.replace(/([+-]\d{2})(\d{2})$/, "$1:$2")).toISOString();
}

/** Adds `updated >= since` to a JQL query, before its ORDER BY. */
export function withSince(jql: string, since: string | undefined): string {
  if (!since) return jql;
  const at = jql.search(/\border\s+by\b/i);
  const where = (at >= 0 ? jql.slice(0, at) : jql).trim();
  const order = at >= 0 ? ` ${jql.slice(at).trim()}` : "";
  const cond = `updated >= "${new Date(since).toISOString().slice(0, 16).replace("T", " ")}"`;
  return `${where ? `(${where}) AND ` : ""}${cond}${order}`;
}

export interface JiraOptions {
  baseUrl: string;
  jql?: string | undefined;
  email?: string | undefined;
  token?: string | undefined;
  since?: string | undefined;
  sleep?: (ms: number) => Promise<void>;
}

export async function readJiraIssues(options: JiraOptions): Promise<SourceResult & { pages: number }> {
  const url = `${options.baseUrl.replace(/\/$/, "")}/rest/api/3/search/jql`;
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = options.email ? `Basic ${Buffer.from(`${options.email}:${options.token}`).toString("base64")}` : `Bearer ${options.token}`;
  const jql = withSince(options.jql ?? "order by updated asc", options.since);
  const tickets: Ticket[] = [];
  const errors: SourceResult["errors"] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const res = await fetchJson<unknown>(url, {
      method: "POST",
      headers,
      json: { jql, maxResults: 100, fields: ["*all"], ...(token ? { nextPageToken: token } : {}) },
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
    pages++;
    const page = SearchPage.safeParse(res.body);
    if (!page.success) {
      errors.push({ file: url, message: "the answer is not a Jira search page: expected issues and nextPageToken" });
      break;
    }
    for (const raw of page.data.issues) {
      const parsed = JiraIssue.safeParse(raw);
      if (!parsed.success) {
        errors.push({ file: url, message: `an issue does not have the Jira shape: field "${parsed.error.issues[0]?.path.join(".")}"` });
        continue;
      }
      const { key, fields: f } = parsed.data;
      const type = (f.issuetype?.name ?? "").toLowerCase();
      const t = Ticket.safeParse({
        key,
        source: "jira",
        kind: type === "incident" ? "incident" : type === "task" || type === "sub-task" ? "task" : type === "story" ? "feature" : "bug",
        title: f.summary,
        body: adfText(f.description).trim(),
        status: f.status?.name ?? "open",
        ...(f.priority?.name ? { priority: f.priority.name } : {}),
        labels: f.labels,
        components: f.components.map((c) => c.name),
        ...(f.reporter?.displayName ? { reporter: f.reporter.displayName } : {}),
        ...(f.assignee?.displayName ? { assignee: f.assignee.displayName } : {}),
        created: jiraTime(f.created),
        ...(f.updated ? { updated: jiraTime(f.updated) } : {}),
        ...(f.resolutiondate ? { closed: jiraTime(f.resolutiondate) } : {}),
        comments: (f.comment?.comments ?? []).map((c) => ({ author: c.author?.displayName ?? "", ...(c.created ? { at: jiraTime(c.created) } : {}), body: adfText(c.body).trim() })),
      });
      if (t.success) tickets.push(t.data);
      else errors.push({ file: `${url} ${key}`, message: `field "${t.error.issues[0]?.path.join(".")}" ${t.error.issues[0]?.message}` });
    }
    token = page.data.isLast === true ? undefined : page.data.nextPageToken;
  } while (token);
  return { tickets, errors, pages };
}
