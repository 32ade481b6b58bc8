import { buildServer, runWhenExecuted } from "../../core/mcp.js";
import { ScenarioService } from "./service.js";
import { registerScenarioTools } from "./tools.js";

/** Builds the scenarios MCP server for a repo. Importing this file runs nothing. */
export async function createScenarioServer(repo: string) {
  return buildServer(
    "scenarios",
    "Plain-English scenarios of how one repository must behave: list, read, search and write them, select the ones a change can affect, and simulate them (static trace).",
    new ScenarioService(repo),
    registerScenarioTools,
  );
}

await runWhenExecuted(import.meta.url, (repo) => createScenarioServer(repo));
