import { buildServer, runWhenExecuted, serverPart, type ServerPart } from "../../core/mcp.js";
import type { Workspace } from "../workspace.js";
import { GitHistoryService } from "./service.js";
import { registerGitHistoryTools } from "./tools.js";

/** The git-history server's parts for a repo; `worldline serve all` combines them with the others'. */
export async function gitHistoryPart(source: string | Workspace): Promise<ServerPart> {
  return serverPart(
    "git-history",
    "The git history of one repository: diffs as changed symbols, blame with reasons, history of files and symbols, " +
      "why a line, symbol or config key is the way it is, hotspots, coupling, ownership and suspect commits. Locations are path:line.",
    new GitHistoryService(source),
    registerGitHistoryTools,
  );
}

/** Builds the git-history MCP server for a repo. Importing this file runs nothing. */
export async function createGitHistoryServer(repo: string) {
  return buildServer(await gitHistoryPart(repo));
}

await runWhenExecuted(import.meta.url, (repo) => createGitHistoryServer(repo));
