import { createServer, runWhenExecuted } from "../../core/mcp.js";
import { VERSION } from "../../core/version.js";
import { ScenarioService } from "./service.js";
import { registerScenarioTools } from "./tools.js";

/** Builds the scenarios MCP server for a repo. Importing this file runs nothing. */
export async function createScenarioServer(repo: string) {
  const service = new ScenarioService(repo);
  const server = createServer(
    "scenarios",
    VERSION,
    "Plain-English scenarios of how one repository must behave: list, read, search and write them, select the ones a change can affect, and simulate them (static trace).",
  );
  registerScenarioTools(server, service);
  return { server, service };
}

await runWhenExecuted(import.meta.url, (repo) => createScenarioServer(repo));
