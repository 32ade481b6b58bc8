/** The five Worldline MCP servers, in the order the agent starts and lists them. */
export const SERVERS = ["code-graph", "git-history", "tickets", "scenarios", "context-graph"] as const;

export type ServerName = (typeof SERVERS)[number];
