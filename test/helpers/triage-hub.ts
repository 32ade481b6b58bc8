import { ToolHub } from "../../agent/hub.js";
import { inProcessConnector } from "../../agent/what-breaks/in-process.js";
import type { ServerPart } from "../../core/mcp.js";
import type { ServerName } from "../../core/server-names.js";
import { codeGraphPart } from "../../servers/code-graph/main.js";
import { contextGraphPart } from "../../servers/context-graph/main.js";
import { gitHistoryPart } from "../../servers/git-history/main.js";
import { scenarioPart } from "../../servers/scenarios/main.js";
import { ticketPart } from "../../servers/tickets/main.js";
import { openWorkspace } from "../../servers/workspace.js";

/**
 * The five servers of one repo in this process, over the SDK's in-memory transport, on one workspace: a
 * triage round through the same tools and checks as `worldline triage`, without five child processes.
 */
export async function inProcessHub(repo: string): Promise<{ tools: ToolHub; close: () => Promise<void> }> {
  const workspace = openWorkspace(repo);
  const parts = new Map<ServerName, ServerPart>([
    ["code-graph", await codeGraphPart(workspace)],
    ["git-history", await gitHistoryPart(workspace)],
    ["tickets", await ticketPart(workspace)],
    ["scenarios", await scenarioPart(workspace)],
    ["context-graph", await contextGraphPart(workspace)],
  ]);
  const tools = ToolHub.withConnector(inProcessConnector(parts));
  return {
    tools,
    close: async () => {
      await tools.close();
      for (const p of parts.values()) p.service.close();
      workspace.close();
    },
  };
}
