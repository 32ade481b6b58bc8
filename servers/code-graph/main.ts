import { buildServer, runWhenExecuted, serverPart, type ServerPart } from "../../core/mcp.js";
import type { Workspace } from "../workspace.js";
import { CodeGraphService } from "./service.js";
import { registerCodeGraphTools } from "./tools.js";

/**
 * The code-graph server's parts for a repo (its own service) or a workspace (the workspace's service, shared
 * with the other servers), its index brought up to date first.
 */
export async function codeGraphPart(source: string | Workspace, rev?: string): Promise<ServerPart> {
  const service = typeof source === "string" ? new CodeGraphService(source, rev) : source.codeGraph;
  await service.index();
  return serverPart(
    "code-graph",
    "The code graph of one repository: symbols, calls, references, string literals, config reads and entry points. " +
      "Symbol ids are path#Name or path#Class.member; locations are path:line. Answers say which files moved since the index; call reindex_code to refresh.",
    service,
    registerCodeGraphTools,
  );
}

/** Builds the code-graph MCP server for a repo. Importing this file runs nothing: `worldline serve code-graph` calls it. */
export async function createCodeGraphServer(repo: string, rev?: string) {
  return buildServer(await codeGraphPart(repo, rev));
}

await runWhenExecuted(import.meta.url, (repo, rev) => createCodeGraphServer(repo, rev));
