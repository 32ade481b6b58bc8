import type { z } from "zod";
import { githubHeaders } from "../../core/github-api.js";
import type { PullRequestTarget } from "./event.js";
import { GithubApiError } from "./errors.js";

/**
 * One call to GitHub's REST API for a pull request's comments: the answer checked against `schema`, or a
 * GithubApiError whose one line says the status and what to do. The token is sent only to the API's own
 * origin and is scrubbed from every message.
 */
export interface ApiAnswer<T> {
  body: T;
  link: string | undefined;
}

export async function githubCall<S extends z.ZodType>(target: PullRequestTarget, method: "GET" | "POST" | "PATCH", url: string, schema: S, json?: unknown): Promise<ApiAnswer<z.infer<S>>> {
  const what = `${method} ${new URL(url).pathname}`;
  if (new URL(url).origin !== new URL(target.apiUrl).origin) throw fail(target, `${what}: the API pointed at ${new URL(url).origin}, outside GITHUB_API_URL; the token is not sent there`);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { ...githubHeaders(target.token), ...(json === undefined ? {} : { "content-type": "application/json" }) },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    throw fail(target, `GitHub's API at ${new URL(url).origin} could not be reached (${cause}): check GITHUB_API_URL and the network, then run again`);
  }
  const text = await res.text();
  if (!res.ok) throw fail(target, `GitHub answered ${res.status} to ${what}${gitHubMessage(text)}: ${advice(target, res)}`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw fail(target, `GitHub's answer to ${what} is not JSON: check that GITHUB_API_URL is the REST API (${target.apiUrl})`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw fail(target, `GitHub's answer to ${what} does not have the expected shape (${parsed.error.issues[0]?.path.join(".") || "the answer"}: ${parsed.error.issues[0]?.message ?? "malformed"}): check GITHUB_API_URL`);
  return { body: parsed.data, link: res.headers.get("link") ?? undefined };
}

/** GitHub's own explanation (`{"message": …}`), short, when it gave one. */
function gitHubMessage(text: string): string {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    return typeof message === "string" && message.trim() ? ` (${message.replace(/\s+/g, " ").trim().slice(0, 200)})` : "";
  } catch {
    return "";
  }
}

function advice(target: PullRequestTarget, res: Response): string {
  const pr = `${target.owner}/${target.name}#${target.number}`;
  if (res.status === 401) return "the token was refused: check GITHUB_TOKEN";
  if ((res.status === 403 || res.status === 429) && (res.headers.get("x-ratelimit-remaining") === "0" || res.headers.has("retry-after"))) {
    const reset = Number(res.headers.get("x-ratelimit-reset"));
    return `the API rate limit is spent${Number.isFinite(reset) && reset > 0 ? ` until ${new Date(reset * 1000).toISOString()}` : ""}: run again after that`;
  }
  if (res.status === 403) return "the token may not write pull-request comments: give the job `permissions: pull-requests: write` (a pull request from a fork gets a read-only token: run without --github-comment there)";
  if (res.status === 404) return `no pull request ${pr} that this token can see: check GITHUB_REPOSITORY, the event file and the token's repository access`;
  if (res.status === 422) return "GitHub refused the comment's body";
  return res.status >= 500 ? "GitHub had trouble answering: run again later" : `check GITHUB_API_URL and the token's access to ${pr}`;
}

function fail(target: PullRequestTarget, message: string): GithubApiError {
  return new GithubApiError(message.split(target.token).join("***"));
}
