import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { main, type Io } from "../../agent/cli.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(ROOT, "bin/worldline.js");

/** Runs one `worldline` command line in-process, as the terminal would, and collects what it printed. */
export async function runCli(args: string[], opts: { stdin?: string; signal?: AbortSignal } = {}): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), readStdin: async () => opts.stdin ?? "", ...(opts.signal ? { signal: opts.signal } : {}) };
  const code = await main(args, io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/**
 * The real `worldline` command in a process of its own (bin/worldline.js), as a team member's terminal or
 * CI runs it, with extra environment variables.
 */
export function runWorldline(args: string[], env: Record<string, string>, timeoutMs = 180_000): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, out: stdout, err: stderr });
    });
  });
}
