import { buildServer, runWhenExecuted } from "../../core/mcp.js";
import { GitHistoryService } from "./service.js";
import { registerGitHistoryTools } from "./tools.js";

/** Builds the git-history MCP server for a repo. Importing this file runs nothing. */
export async function createGitHistoryServer(repo: string) {
  return buildServer(
    "git-history",
    "The git history of one repository: diffs as changed symbols, blame with reasons, history of files and symbols, " +
      "why a line, symbol or config key is the way it is, hotspots, coupling, ownership and suspect commits. Locations are path:line.",
    new GitHistoryService(repo),
    registerGitHistoryTools,
  );
}

await runWhenExecuted(import.meta.url, (repo) => createGitHistoryServer(repo));
