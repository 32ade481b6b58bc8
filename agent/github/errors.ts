/**
 * GitHub's API refused or failed a call Worldline made on the user's behalf: not the user's input (that is a
 * UserError, exit 2) and not a bug, but still Worldline's run failing, so the command exits 3. The message is
 * one line with the status and what to do, and never holds the token.
 */
export class GithubApiError extends Error {
  override readonly name = "GithubApiError";
}
