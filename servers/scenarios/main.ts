import { buildServer, runWhenExecuted, serverPart, type ServerPart } from "../../core/mcp.js";
import type { Workspace } from "../workspace.js";
import { ScenarioService } from "./service.js";
import { registerScenarioTools } from "./tools.js";

/** The scenarios server's parts for a repo; `worldline serve all` combines them with the others'. */
export async function scenarioPart(source: string | Workspace): Promise<ServerPart> {
  return serverPart(
    "scenarios",
    "Plain-English scenarios of how one repository must behave: list, read, search and write them, select the ones a change can affect, and simulate them against a change (differential: both revisions run in a sandbox and compared; static: the call graph walk), and check a fix.",
    new ScenarioService(source),
    registerScenarioTools,
  );
}

/** Builds the scenarios MCP server for a repo. Importing this file runs nothing. */
export async function createScenarioServer(repo: string) {
  return buildServer(await scenarioPart(repo));
}

await runWhenExecuted(import.meta.url, (repo) => createScenarioServer(repo));
