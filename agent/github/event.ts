import { readFile } from "node:fs/promises";
import { z } from "zod";
import { UserError } from "../../core/errors.js";
import { GITHUB_API_DEFAULT } from "../../core/github-api.js";

/**
 * Where `--github-comment` posts: the pull request of the GitHub Actions run, read from the variables Actions
 * sets (GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_EVENT_NAME) and the token in GITHUB_TOKEN.
 * Everything is checked before any simulation starts, so a wrong variable costs seconds, not a whole run.
 */
export interface PullRequestTarget {
  kind: "pull-request";
  apiUrl: string;
  owner: string;
  name: string;
  number: number;
  token: string;
}

/** A run with no pull request (a push, a schedule): the gate runs as usual and nothing is posted. */
export interface NoPullRequest {
  kind: "none";
  event: string;
}

export type CommentTarget = PullRequestTarget | NoPullRequest;

/** Events whose payload carries `pull_request`; any other event has no pull request to comment on. */
const PULL_REQUEST_EVENTS = ["pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment"];

const REPOSITORY = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;

/** The part of an event payload read here; the rest of GitHub's payload is left as it is. */
const EventPayload = z
  .object({
    pull_request: z.object({ number: z.number().int().positive() }).loose().optional(),
    ref: z.string().optional(),
    after: z.string().optional(),
  })
  .loose();

/** An environment variable's value, or undefined when it is unset or empty (Actions passes unset inputs as ""). */
function variable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

/** A value shown in a message: short, on one line. */
const shown = (v: string) => JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);

export async function readCommentTarget(env: NodeJS.ProcessEnv): Promise<CommentTarget> {
  const token = variable(env, "GITHUB_TOKEN");
  if (!token) throw new UserError("GITHUB_TOKEN is not set: --github-comment needs a token that may write pull-request comments (in a workflow: env GITHUB_TOKEN: ${{ github.token }} and permissions pull-requests: write)");

  const repository = variable(env, "GITHUB_REPOSITORY");
  if (!repository) throw new UserError("GITHUB_REPOSITORY is not set: --github-comment needs owner/name, the repository of the pull request (GitHub Actions sets it)");
  const parts = REPOSITORY.exec(repository);
  if (!parts?.[1] || !parts[2]) throw new UserError(`GITHUB_REPOSITORY ${shown(repository)}: expected owner/name, such as acme/billing`);

  const apiUrl = (variable(env, "GITHUB_API_URL") ?? GITHUB_API_DEFAULT).replace(/\/+$/, "");
  if (!URL.canParse(apiUrl) || !/^https?:$/.test(new URL(apiUrl).protocol)) throw new UserError(`GITHUB_API_URL ${shown(apiUrl)}: expected an http(s) URL such as ${GITHUB_API_DEFAULT}`);

  const eventPath = variable(env, "GITHUB_EVENT_PATH");
  if (!eventPath) throw new UserError("GITHUB_EVENT_PATH is not set: --github-comment needs the path of the event's JSON file, which names the pull request (GitHub Actions sets it)");
  const payload = await readEvent(eventPath);
  const eventName = variable(env, "GITHUB_EVENT_NAME");

  if (payload.pull_request) return { kind: "pull-request", apiUrl, owner: parts[1], name: parts[2], number: payload.pull_request.number, token };
  if (eventName && !PULL_REQUEST_EVENTS.includes(eventName)) return { kind: "none", event: eventName };
  // No event name: a payload with a ref and the pushed commit is a push.
  if (!eventName && payload.ref !== undefined && payload.after !== undefined) return { kind: "none", event: "push" };
  throw new UserError(`GITHUB_EVENT_PATH ${eventPath} has no pull_request.number: expected the event of a pull request${eventName ? ` (GITHUB_EVENT_NAME is ${shown(eventName)})` : ""}`);
}

async function readEvent(path: string): Promise<z.infer<typeof EventPayload>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`GITHUB_EVENT_PATH ${path}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a directory" : `cannot be read (${code ?? "unknown error"})`}: expected the event's JSON file`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UserError(`GITHUB_EVENT_PATH ${path} is not JSON: expected the event's JSON file as GitHub Actions writes it`);
  }
  const parsed = EventPayload.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "the file";
    throw new UserError(`GITHUB_EVENT_PATH ${path}: ${where} ${issue?.message ?? "is malformed"}: expected a GitHub event (pull_request.number a positive whole number)`);
  }
  return parsed.data;
}
