import { basename, isAbsolute, relative, sep } from "node:path";
import { z } from "zod";
import { nextLink } from "../../core/github-api.js";
import { GITHUB_COMMENT_LIMIT } from "../report/budget.js";
import { githubCall } from "./api.js";
import type { PullRequestTarget } from "./event.js";
import { GithubApiError } from "./errors.js";

/**
 * The report as one sticky comment on the pull request: the first run creates it, every later run edits that
 * same comment. It is found again by a hidden marker on its first line that also names the repository folder
 * checked (relative to the Actions workspace), so two Worldline checks in one workflow keep a comment each.
 */
const PER_PAGE = 100;
/** 300 pages of 100: far past any real pull request, short of looping forever on an API that always says more. */
const MAX_PAGES = 300;

const IssueComment = z.object({ id: z.number().int(), body: z.string().nullish(), html_url: z.string().optional() }).loose();
const IssueComments = z.array(IssueComment);

export interface PostedReport {
  action: "created" | "updated";
  id: number;
  url: string;
}

/** The hidden first line: `<!-- worldline:report . -->` for the workspace itself, else its folder's path. */
export function commentMarker(repo: string, workspace: string): string {
  const rel = relative(workspace, repo);
  const key = rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? basename(repo) : rel.split(sep).join("/");
  // An HTML comment ends at the first "--" or ">": neither may appear inside it.
  return `<!-- worldline:report ${key.replace(/-{2,}/g, "-").replace(/>/g, "%3E")} -->`;
}

/** The comment's body: the marker, then the Markdown report, which its renderer keeps under 60,000 characters. */
export function commentBody(marker: string, markdown: string): string {
  const body = `${marker}\n${markdown}`;
  // The renderer's cap leaves room for the marker; past GitHub's limit is a bug here, not a comment to send.
  if (body.length > GITHUB_COMMENT_LIMIT) throw new Error(`the PR comment is ${body.length} characters, over GitHub's ${GITHUB_COMMENT_LIMIT}: the Markdown report outgrew its cap`);
  return body;
}

/** Creates the comment, or edits the one with the marker, never making a second. */
export async function upsertComment(target: PullRequestTarget, marker: string, body: string): Promise<PostedReport> {
  const issue = `${target.apiUrl}/repos/${target.owner}/${target.name}/issues`;
  const existing = await findComment(target, `${issue}/${target.number}/comments`, marker);
  if (existing) {
    const res = await githubCall(target, "PATCH", `${issue}/comments/${existing.id}`, IssueComment, { body });
    return { action: "updated", id: res.body.id, url: res.body.html_url ?? existing.html_url ?? `${issue}/comments/${existing.id}` };
  }
  const res = await githubCall(target, "POST", `${issue}/${target.number}/comments`, IssueComment, { body });
  return { action: "created", id: res.body.id, url: res.body.html_url ?? `${issue}/comments/${res.body.id}` };
}

/** Pages through the pull request's comments (the Link header's next page, else page numbers until a short page). */
async function findComment(target: PullRequestTarget, comments: string, marker: string): Promise<z.infer<typeof IssueComment> | undefined> {
  const pageUrl = (page: number) => `${comments}?per_page=${PER_PAGE}&page=${page}`;
  let url: string | undefined = pageUrl(1);
  for (let page = 1; url; page++) {
    if (page > MAX_PAGES) throw new GithubApiError(`GitHub listed more than ${MAX_PAGES * PER_PAGE} comments on ${target.owner}/${target.name}#${target.number} without an end: check GITHUB_API_URL`);
    const res: Awaited<ReturnType<typeof githubCall<typeof IssueComments>>> = await githubCall(target, "GET", url, IssueComments);
    const found = res.body.find((c) => c.body?.startsWith(marker));
    if (found) return found;
    url = res.link !== undefined ? nextLink(res.link) : res.body.length === PER_PAGE ? pageUrl(page + 1) : undefined;
  }
  return undefined;
}
