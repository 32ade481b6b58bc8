import { main, type Io } from "../../agent/cli.js";

/** Runs one `worldline` command line in-process, as the terminal would, and collects what it printed. */
export async function runCli(args: string[], opts: { stdin?: string; signal?: AbortSignal } = {}): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), readStdin: async () => opts.stdin ?? "", ...(opts.signal ? { signal: opts.signal } : {}) };
  const code = await main(args, io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}
