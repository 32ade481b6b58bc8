import { GITHUB_API_DEFAULT, githubHeaders } from "../../core/github-api.js";
import { createHash } from "node:crypto";
import { UserError } from "../../core/errors.js";
import type { Ticket } from "./model.js";
import { fetchJson } from "./sources/http.js";

/**
 * Comments Worldline posts back to a tracker (GitHub Issues, Jira Cloud), and the ticket revision they are
 * posted for. A revision is what a person wrote (title, body, their comments), so Worldline's own comment,
 * which bumps the tracker's updated time, is not a new revision: triage and comments happen once per revision.
 */
export const WORLDLINE_MARK = "<!-- worldline:triage -->";

export function ticketRevision(t: Pick<Ticket, "title" | "body" | "comments">): string {
  const human = t.comments.filter((c) => !c.body.includes(WORLDLINE_MARK)).map((c) => c.body);
  return createHash("sha1").update(JSON.stringify([t.title, t.body, human])).digest("hex").slice(0, 12);
}

export interface TrackerTarget {
  source: "github" | "jira";
  /** GitHub: https://api.github.com or an Enterprise URL; Jira: the site URL. */
  baseUrl: string;
  /** GitHub only: owner/name. */
  repo?: string | undefined;
}

export interface PostedComment {
  url: string;
}

/** The configured tracker a ticket came from, or a one-line error saying why it has none. */
export function trackerFor(t: Pick<Ticket, "key" | "source">, sources: ReadonlyArray<Record<string, unknown>>): TrackerTarget {
  if (t.source !== "github" && t.source !== "jira") {
    throw new UserError(`ticket ${t.key} came from ${t.source}: comments can be posted only to tickets imported from GitHub or Jira`);
  }
  const configured = sources.find((s) => s.source === t.source);
  if (!configured) throw new UserError(`ticket ${t.key} came from ${t.source}, but worldline.config.json has no ticketSources entry with source "${t.source}": add it to post comments`);
  if (t.source === "github") {
    if (typeof configured.repo !== "string") throw new UserError('the github entry of ticketSources needs "repo": owner/name');
    return { source: "github", repo: configured.repo, baseUrl: typeof configured.baseUrl === "string" ? configured.baseUrl : GITHUB_API_DEFAULT };
  }
  if (typeof configured.baseUrl !== "string") throw new UserError('the jira entry of ticketSources needs "baseUrl": your Jira site');
  return { source: "jira", baseUrl: configured.baseUrl };
}

/** Posts `markdown` as a comment on the ticket (tokens from GITHUB_TOKEN, or JIRA_EMAIL and JIRA_API_TOKEN). */
export async function postComment(target: TrackerTarget, key: string, markdown: string, env: NodeJS.ProcessEnv = process.env): Promise<PostedComment> {
  const base = target.baseUrl.replace(/\/$/, "");
  if (target.source === "github") {
    const number = /#(\d+)$/.exec(key)?.[1];
    if (!number) throw new UserError(`ticket key "${key}" is not a GitHub issue key: expected #N`);
    const headers = githubHeaders(env.GITHUB_TOKEN);
    const res = await fetchJson<{ html_url?: string; url?: string }>(`${base}/repos/${target.repo}/issues/${number}/comments`, { method: "POST", headers, json: { body: markdown } });
    return { url: res.body.html_url ?? res.body.url ?? `${base}/repos/${target.repo}/issues/${number}` };
  }
  const headers: Record<string, string> = {};
  if (env.JIRA_API_TOKEN) headers.authorization = env.JIRA_EMAIL ? `Basic ${Buffer.from(`${env.JIRA_EMAIL}:${env.JIRA_API_TOKEN}`).toString("base64")}` : `Bearer ${env.JIRA_API_TOKEN}`;
  const res = await fetchJson<{ self?: string; id?: string }>(`${base}/rest/api/3/issue/${encodeURIComponent(key)}/comment`, { method: "POST", headers, json: { body: adfDocument(markdown) } });
  return { url: res.body.self ?? `${base}/browse/${key}` };
}

/** Jira Cloud takes comments as Atlassian Document Format: one paragraph per block of the Markdown. */
export function adfDocument(markdown: string): unknown {
  const blocks = markdown.split(/\n\s*\n/).filter((b) => b.trim());
  return {
    type: "doc",
    version: 1,
    content: blocks.map((b) => ({
      type: "paragraph",
      content: b.split("\n").flatMap((line, i) => [...(i ? [{ type: "hardBreak" }] : []), ...(line ? [{ type: "text", text: line }] : [])]),
    })),
  };
}
