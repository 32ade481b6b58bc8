import type { Report } from "../../core/verdict.js";
import { renderMarkdown } from "../report/markdown.js";
import { readCommentTarget, type PullRequestTarget } from "./event.js";
import { commentBody, commentMarker, upsertComment } from "./pr-comment.js";

/**
 * `--github-comment` for `check` and `simulate`: `planComment` runs before any simulation (bad variables fail
 * at once), `postReport` after the report is made. A run with no pull request (a push) posts nothing and says
 * so in one line; the gate's verdict is not changed by commenting either way.
 */
export type CommentPlan = { kind: "post"; target: PullRequestTarget; marker: string } | { kind: "skip"; notice: string };

export async function planComment(env: NodeJS.ProcessEnv, repo: string): Promise<CommentPlan> {
  const target = await readCommentTarget(env);
  if (target.kind === "none") return { kind: "skip", notice: `--github-comment: this ${target.event} event has no pull request, so the report is not posted as a comment` };
  return { kind: "post", target, marker: commentMarker(repo, env.GITHUB_WORKSPACE || process.cwd()) };
}

/** Posts or updates the comment; the line to print says where it is. */
export async function postReport(plan: Extract<CommentPlan, { kind: "post" }>, report: Report): Promise<string> {
  const posted = await upsertComment(plan.target, plan.marker, commentBody(plan.marker, renderMarkdown(report)));
  const { owner, name, number } = plan.target;
  return `the report is ${posted.action === "created" ? "posted" : "updated"} on ${owner}/${name}#${number}: ${posted.url}`;
}
