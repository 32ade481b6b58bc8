import { buildServer, runWhenExecuted, serverPart, type ServerPart } from "../../core/mcp.js";
import type { Workspace } from "../workspace.js";
import { ContextGraphService } from "./service.js";
import { registerContextGraphTools } from "./tools.js";

/** The context-graph server's parts for a repo; `worldline serve all` combines them with the others'. */
export async function contextGraphPart(source: string | Workspace): Promise<ServerPart> {
  return serverPart(
    "context-graph",
    "The context graph of one repository: why the code is the way it is. Nodes are kind:key (file:, symbol:, commit:, person:, " +
      "ticket:, incident:, decision:, scenario:, simulation:, config:, episode:); edges carry event time, system time, revision and provenance.",
    new ContextGraphService(source),
    registerContextGraphTools,
  );
}

/** Builds the context-graph MCP server for a repo. Importing this file runs nothing. */
export async function createContextGraphServer(repo: string) {
  return buildServer(await contextGraphPart(repo));
}

await runWhenExecuted(import.meta.url, (repo) => createContextGraphServer(repo));
