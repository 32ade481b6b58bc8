/** Worldline's version, reported by the CLI and every MCP server. Keep in step with package.json. */
export const VERSION = "0.1.0";
