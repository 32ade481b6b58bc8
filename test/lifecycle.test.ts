import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ReadBuffer, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";
import { BIN, structured } from "./helpers/mcp-client.js";

/**
 * A server's life ends with its client's: it exits 0 soon after its stdin closes (the stores closed, the
 * sandbox's children killed), whatever ran, and nothing it started stays behind when the client is killed.
 * Processes are real: servers spawned here, spoken to by the SDK's client, their children read from /proc.
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TSX = pathToFileURL(fileURLToPath(new URL("../node_modules/tsx/dist/esm/index.mjs", import.meta.url))).href;
/** Generous: the goal is under 2 s (a bench figure), the test only says it happens. */
const EXIT_WITHIN_MS = 20_000;

/** A process's parent and state from /proc, or undefined once it is gone. */
function stat(pid: number): { ppid: number; state: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const [state, ppid] = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(ppid), state: state ?? "" };
  } catch {
    return undefined;
  }
}

/** Running, that is: present and not a zombie waiting to be reaped. */
const running = (pid: number): boolean => {
  const s = stat(pid);
  return s !== undefined && s.state !== "Z";
};

function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((p) => stat(p)?.ppid === pid && running(p));
}

async function until(what: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (what()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return what();
}

/** The SDK client's side of stdio over a child we spawned ourselves, so the test holds its stdin and its exit. */
class PipeTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private readonly buffer = new ReadBuffer();

  constructor(private readonly proc: ChildProcess) {}

  async start(): Promise<void> {
    this.proc.stdout?.on("data", (chunk: Buffer) => {
      this.buffer.append(chunk);
      for (let m = this.buffer.readMessage(); m; m = this.buffer.readMessage()) this.onmessage?.(m);
    });
    this.proc.on("exit", () => this.onclose?.());
  }

  async send(message: JSONRPCMessage): Promise<void> {
    this.proc.stdin?.write(serializeMessage(message));
  }

  /** Closing the client's side is closing the server's stdin, nothing more. */
  async close(): Promise<void> {
    this.proc.stdin?.end();
  }
}

interface Started {
  proc: ChildProcess;
  client: Client;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

async function start(args: string[], started: number[]): Promise<Started> {
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  started.push(proc.pid as number);
  let stderr = "";
  proc.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal, at: Date.now() })));
  const client = new Client({ name: "worldline-lifecycle-test", version: "0.0.0" });
  await client.connect(new PipeTransport(proc)).catch((err: Error) => {
    throw new Error(`the server did not start: ${err.message}\n${stderr}`);
  });
  return { proc, client, stderr: () => stderr, exited };
}

/** The exit within the time allowed, or `undefined` (the process is then killed, so nothing leaks from a failing test). */
async function exitOf(s: Started): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number } | undefined> {
  const from = Date.now();
  const timeout = new Promise<undefined>((r) => setTimeout(() => r(undefined), EXIT_WITHIN_MS).unref());
  const e = await Promise.race([s.exited, timeout]);
  if (!e) {
    s.proc.kill("SIGKILL");
    return undefined;
  }
  return { code: e.code, signal: e.signal, ms: e.at - from };
}

describe("a server's lifecycle", () => {
  const tmp = tempDir();
  const stray: number[] = [];

  beforeAll(() => {
    makeRepo(tmp.dir, [
      {
        message: "VAT at 19%",
        files: {
          "src/vat.ts": "export function vat(net: number): number {\n  const rate = 0.19;\n  return Math.round(net * rate * 100) / 100;\n}\n",
          "scenarios/vat-rate.md": ["---", "id: vat-rate", "title: VAT is 19 percent", "simulate:", "  steps:", "    - call: src/vat.ts#vat", "      args: [100]", "      expect:", "        - result === 19", "---", "VAT on 100 is 19."].join("\n"),
        },
      },
      { message: "VAT at 20%", files: { "src/vat.ts": "export function vat(net: number): number {\n  const rate = 0.2;\n  return Math.round(net * rate * 100) / 100;\n}\n" } },
    ]);
  });
  afterAll(() => {
    // Whatever a failing test left running, with everything it started.
    const all = new Set<number>();
    const add = (pid: number) => {
      if (all.has(pid)) return;
      all.add(pid);
      childrenOf(pid).forEach(add);
    };
    stray.forEach(add);
    // Only processes still recognisably ours (a pid may have been reused since).
    const ours = (pid: number) => {
      const cmd = (() => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, "utf8");
        } catch {
          return "";
        }
      })();
      return cmd.includes(tmp.dir) || cmd.includes("sandbox/child.ts");
    };
    for (const pid of all) if (running(pid) && ours(pid)) process.kill(pid, "SIGKILL");
    tmp.cleanup();
  });

  /** One differential simulation through the server; answers the server's children (its sandbox pool) right after. */
  async function simulateOnce(s: Started): Promise<number[]> {
    const answer = await s.client.callTool({ name: "simulate_scenario", arguments: { id: "vat-rate", base: "HEAD~1", head: "HEAD" } }).catch((err: Error) => {
      throw new Error(`simulate_scenario: ${err.message}\n${s.stderr()}`);
    });
    // Whatever the verdict, the steps ran in the sandbox: that is what leaves a pool behind.
    const r = structured<{ verdict: { verdict: string; depth: string; reason: string } }>(answer);
    expect(r.verdict.depth, r.verdict.reason).toBe("differential");
    const children = childrenOf(s.proc.pid as number);
    stray.push(...children);
    expect(children.length, "the simulation ran in a pool child").toBeGreaterThan(0);
    return children;
  }

  for (const name of ["scenarios", "all"]) {
    it(`worldline serve ${name} exits 0 after its stdin closes, once a differential simulation ran, and leaves no child behind`, async () => {
      const s = await start([BIN, "serve", name, "--repo", tmp.dir, ...(name === "all" ? ["--tools", "all"] : [])], stray);
      const children = await simulateOnce(s);
      s.proc.stdin?.end();
      const e = await exitOf(s);
      expect(e, `the server was still running ${EXIT_WITHIN_MS} ms after its stdin closed`).toBeDefined();
      expect({ code: e?.code, signal: e?.signal }, s.stderr()).toEqual({ code: 0, signal: null });
      expect(await until(() => children.every((p) => !running(p)), 5000), `pool children left: ${children.filter(running).join(", ")}`).toBe(true);
    });
  }

  it("a server that ran nothing exits 0 too (no unsettled top-level await)", async () => {
    const s = await start([BIN, "serve", "context-graph", "--repo", tmp.dir], stray);
    await s.client.listTools();
    s.proc.stdin?.end();
    const e = await exitOf(s);
    expect({ code: e?.code, signal: e?.signal }, s.stderr()).toEqual({ code: 0, signal: null });
  });

  it("a server's main.ts run directly exits 0 after its stdin closes", async () => {
    const s = await start(["--import", TSX, "servers/scenarios/main.ts", "--repo", tmp.dir], stray);
    const children = await simulateOnce(s);
    s.proc.stdin?.end();
    const e = await exitOf(s);
    expect({ code: e?.code, signal: e?.signal }, s.stderr()).toEqual({ code: 0, signal: null });
    expect(await until(() => children.every((p) => !running(p)), 5000)).toBe(true);
  });

  it("SIGTERM shuts a server down the same way: exit 0, no child behind", async () => {
    const s = await start([BIN, "serve", "scenarios", "--repo", tmp.dir], stray);
    const children = await simulateOnce(s);
    s.proc.kill("SIGTERM");
    const e = await exitOf(s);
    expect({ code: e?.code, signal: e?.signal }, s.stderr()).toEqual({ code: 0, signal: null });
    expect(await until(() => children.every((p) => !running(p)), 5000)).toBe(true);
  });

  it("when its client is killed with SIGKILL, the server and its pool children go too", async () => {
    // The client: a node process that starts the server with the SDK's stdio client, simulates once, then waits.
    const script = [
      'import { Client } from "@modelcontextprotocol/sdk/client/index.js";',
      'import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";',
      `const transport = new StdioClientTransport({ command: process.execPath, args: ${JSON.stringify([BIN, "serve", "scenarios", "--repo", tmp.dir])}, stderr: "ignore" });`,
      'const client = new Client({ name: "doomed-client", version: "0.0.0" });',
      "await client.connect(transport);",
      'const r = await client.callTool({ name: "simulate_scenario", arguments: { id: "vat-rate", base: "HEAD~1", head: "HEAD" } });',
      'process.stdout.write(JSON.stringify({ server: transport.pid, depth: r.structuredContent?.verdict?.depth }) + "\\n");',
      "setInterval(() => {}, 1000);",
    ].join("\n");
    const clientProc = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    stray.push(clientProc.pid as number);
    let err = "";
    clientProc.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      clientProc.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("\n")) resolve(out.split("\n")[0] as string);
      });
      clientProc.on("exit", (code) => reject(new Error(`the client exited (${code}) before it simulated: ${err}`)));
    });
    const { server, depth } = JSON.parse(line) as { server: number; depth: string };
    expect(depth).toBe("differential");
    const children = childrenOf(server);
    stray.push(server, ...children);
    expect(children.length, "the simulation ran in a pool child").toBeGreaterThan(0);
    clientProc.kill("SIGKILL");
    const gone = await until(() => !running(server) && children.every((p) => !running(p)), EXIT_WITHIN_MS);
    expect(gone, `left behind: ${[server, ...children].filter(running).map((p) => `${p} (parent ${stat(p)?.ppid})`).join(", ")}`).toBe(true);
  });
});
