import { GITHUB_API_DEFAULT, githubHeaders, nextLink } from "../../../core/github-api.js";
import type { Keyv } from "keyv";
import { z } from "zod";
import { Ticket } from "../model.js";
import type { SourceResult } from "./folder.js";
import { fetchJson } from "./http.js";

/**
 * GitHub Issues through the REST API: `GET /repos/{owner}/{repo}/issues?state=all&since=…`, paged by the Link
 * header, pull requests left out. Keys are `#N`, as commit messages name them.
 */
const GithubIssue = z
  .object({
    number: z.number(),
    title: z.string(),
    body: z.string().nullable().optional(),
    state: z.string(),
    labels: z.array(z.union([z.string(), z.object({ name: z.string() }).loose()])).default([]),
    user: z.object({ login: z.string() }).loose().nullable().optional(),
    assignee: z.object({ login: z.string() }).loose().nullable().optional(),
    created_at: z.string(),
    updated_at: z.string().optional(),
    closed_at: z.string().nullable().optional(),
    pull_request: z.unknown().optional(),
  })
  .loose();

export interface GithubOptions {
  repo: string;
  token?: string | undefined;
  baseUrl?: string | undefined;
  since?: string | undefined;
  cache?: Keyv | undefined;
  sleep?: (ms: number) => Promise<void>;
}

export async function readGithubIssues(options: GithubOptions): Promise<SourceResult & { pages: number; notModified: number }> {
  const base = (options.baseUrl ?? GITHUB_API_DEFAULT).replace(/\/$/, "");
  const params = new URLSearchParams({ state: "all", per_page: "100", sort: "updated", direction: "asc" });
  if (options.since) params.set("since", options.since);
  let url: string | undefined = `${base}/repos/${options.repo}/issues?${params}`;
  const headers = githubHeaders(options.token);
  const tickets: Ticket[] = [];
  const errors: SourceResult["errors"] = [];
  let pages = 0;
  let notModified = 0;
  while (url) {
    const res: Awaited<ReturnType<typeof fetchJson<unknown[]>>> = await fetchJson<unknown[]>(url, { headers, cache: options.cache, ...(options.sleep ? { sleep: options.sleep } : {}) });
    pages++;
    if (res.notModified) notModified++;
    for (const raw of Array.isArray(res.body) ? res.body : []) {
      const parsed = GithubIssue.safeParse(raw);
      if (!parsed.success) {
        errors.push({ file: url, message: `an issue does not have the GitHub shape: field "${parsed.error.issues[0]?.path.join(".")}"` });
        continue;
      }
      const i = parsed.data;
      if (i.pull_request) continue;
      tickets.push(
        Ticket.parse({
          key: `#${i.number}`,
          source: "github",
          title: i.title,
          body: i.body ?? "",
          status: i.state,
          labels: i.labels.map((l) => (typeof l === "string" ? l : l.name)),
          ...(i.user?.login ? { reporter: i.user.login } : {}),
          ...(i.assignee?.login ? { assignee: i.assignee.login } : {}),
          created: i.created_at,
          ...(i.updated_at ? { updated: i.updated_at } : {}),
          ...(i.closed_at ? { closed: i.closed_at } : {}),
        }),
      );
    }
    url = nextLink(res.headers.link);
  }
  return { tickets, errors, pages, notModified };
}
