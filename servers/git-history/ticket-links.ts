import { git } from "../../core/git.js";
import type { WorldlineConfig } from "../../core/repo.js";
import type { TicketRef } from "./ticket-keys.js";

/**
 * Where a ticket key named in a commit message can be opened: a GitHub issue or pull request of the repo's
 * GitHub origin (or its configured github ticket source), a Jira key on the configured Jira site.
 */
export type TicketLinker = (ref: Pick<TicketRef, "key" | "kind">) => string | undefined;

/** owner/name of a GitHub remote URL in any of its spellings (https, ssh, scp-like), or undefined. */
export function githubRepoOf(remote: string): string | undefined {
  const m = /^(?:https?:\/\/(?:[^@/]+@)?|ssh:\/\/git@|git@)github\.com[/:]([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(remote.trim());
  return m ? `${m[1]}/${m[2]}` : undefined;
}

async function originUrl(repo: string): Promise<string | undefined> {
  const remotes = (await git(repo).raw(["remote"])).split("\n").map((r) => r.trim());
  if (!remotes.includes("origin")) return undefined;
  return (await git(repo).raw(["remote", "get-url", "origin"])).trim();
}

export async function ticketLinker(repo: string, config: Pick<WorldlineConfig, "ticketSources">): Promise<TicketLinker> {
  const github = config.ticketSources.find((s) => s.source === "github" && typeof s.repo === "string")?.repo as string | undefined;
  const jira = config.ticketSources.find((s) => s.source === "jira" && typeof s.baseUrl === "string")?.baseUrl as string | undefined;
  const origin = github ?? githubRepoOf((await originUrl(repo)) ?? "");
  return (ref) => {
    if (ref.kind === "jira") return jira ? `${jira.replace(/\/$/, "")}/browse/${ref.key}` : undefined;
    if (!origin) return undefined;
    // GitHub sends /issues/N to the pull request when N is one.
    return `https://github.com/${origin}/${ref.kind === "pull-request" ? "pull" : "issues"}/${ref.key.replace(/^#/, "")}`;
  };
}
