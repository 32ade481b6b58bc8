import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { partsServer, type ServerPart } from "../../core/mcp.js";
import { VERSION } from "../../core/version.js";
import type { ServerName } from "../../core/server-names.js";

/**
 * Clients of servers running in this process, over the SDK's in-memory transport: `what_breaks` inside
 * `serve all` runs the planner over the same services the client's tools use (one workspace, one index, one
 * database connection), through the same tools and checks as a planner talking to separate servers.
 */
export function inProcessConnector(parts: ReadonlyMap<ServerName, ServerPart>): (name: ServerName) => Promise<Client> {
  return async (name) => {
    const part = parts.get(name);
    if (!part) throw new Error(`no ${name} part in this server: what_breaks needs all five servers' parts`);
    const [clientEnd, serverEnd] = InMemoryTransport.createLinkedPair();
    await partsServer(name, [part]).connect(serverEnd);
    const client = new Client({ name: "worldline-what-breaks", version: VERSION });
    await client.connect(clientEnd);
    return client;
  };
}
