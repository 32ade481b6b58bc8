/**
 * An error caused by the caller's input (a missing repo, an unknown revision or symbol, a bad argument).
 * Its message is one line that names the input and says what was expected; the CLI prints it without a
 * stack and MCP tools return it as `isError` content.
 */
export class UserError extends Error {
  override readonly name = "UserError";
}

/** One line for any thrown value: the message for known errors, a short description otherwise. */
export function errorLine(err: unknown): string {
  if (err instanceof Error) return err.message.split("\n")[0] ?? err.name;
  return String(err);
}
