import { buildServer, runWhenExecuted } from "../../core/mcp.js";
import { CodeGraphService } from "./service.js";
import { registerCodeGraphTools } from "./tools.js";

/**
 * Builds the code-graph MCP server for a repo and brings its index up to date. Importing this file runs
 * nothing: `worldline serve code-graph` calls it.
 */
export async function createCodeGraphServer(repo: string, rev?: string) {
  const service = new CodeGraphService(repo, rev);
  await service.index();
  return buildServer(
    "code-graph",
    "The code graph of one repository: symbols, calls, references, string literals, config reads and entry points. " +
      "Symbol ids are path#Name or path#Class.member; locations are path:line. Answers say which files moved since the index; call reindex to refresh.",
    service,
    registerCodeGraphTools,
  );
}

await runWhenExecuted(import.meta.url, (repo, rev) => createCodeGraphServer(repo, rev));
