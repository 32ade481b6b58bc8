import { hideCredentials } from "../../core/redact.js";
import { execFile } from "node:child_process";

/** A program run to its end: its output, or an error whose one line says what failed and how. */
export function run(cmd: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, [...args], { cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 256 * 1024 * 1024, timeout: options.timeoutMs ?? 600_000, encoding: "utf8" }, (err, stdout, stderr) => {
      if (err) {
        // Credentials in a URL (a worker's --repo-url with a token) never reach a message: they would be stored with the job.
        const last = hideCredentials(String(stderr || err.message).trim().split("\n").slice(-3).join(" / "));
        reject(new Error(`${cmd} ${args.slice(0, 3).join(" ")} failed in ${options.cwd}: ${last}`));
      } else resolve(stdout);
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
