/**
 * An error caused by the caller's input (a missing repo, an unknown revision or symbol, a bad argument).
 * Its message is one line that names the input and says what was expected; the CLI prints it without a
 * stack and MCP tools return it as `isError` content.
 */
export class UserError extends Error {
  override readonly name = "UserError";
}

/** A schema issue as zod reports it: where, and what was wrong. */
export interface SchemaIssue {
  path: ReadonlyArray<PropertyKey>;
  message: string;
}

/** A path as a reader writes it: verdicts[3].rootCause.base, or (root). */
export function issuePath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return "(root)";
  return path.reduce<string>((acc, seg, i) => (typeof seg === "number" ? `${acc}[${seg}]` : i === 0 ? String(seg) : `${acc}.${String(seg)}`), "");
}

/** Schema issues on one line: each as path: message, the first few, and how many more. */
export function issuesLine(issues: readonly SchemaIssue[], max = 3): string {
  const shown = issues.slice(0, max).map((i) => `${issuePath(i.path)}: ${i.message.split("\n")[0]}`);
  return `${shown.join("; ")}${issues.length > max ? `; and ${issues.length - max} more` : ""}`;
}

function schemaIssues(err: unknown): SchemaIssue[] | undefined {
  const issues = (err as { issues?: unknown }).issues;
  if (!Array.isArray(issues) || issues.length === 0) return undefined;
  return issues.every((i) => typeof i === "object" && i !== null && Array.isArray((i as SchemaIssue).path) && typeof (i as SchemaIssue).message === "string") ? (issues as SchemaIssue[]) : undefined;
}

/**
 * One line for any thrown value: the message for known errors, a short description otherwise. A schema error
 * (zod's message is its issues as pretty-printed JSON, whose first line is `[`) names the failing paths instead.
 */
export function errorLine(err: unknown): string {
  if (err instanceof Error) {
    const issues = schemaIssues(err);
    if (issues) return `${err.name === "ZodError" || err.name === "$ZodError" ? "schema check failed" : err.name}: ${issuesLine(issues)}`;
    const first = err.message.split("\n").find((l) => l.trim() !== "");
    return first ?? err.name;
  }
  return String(err);
}
