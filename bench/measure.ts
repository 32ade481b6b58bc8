import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

/** Wall time and peak resident memory of a child process (peak read from /proc while it runs). */
export interface Measurement {
  ms: number;
  peakMiB: number;
  stdout: string;
  code: number | null;
}

function peakKiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export function measure(command: string, args: string[], cwd: string): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let peak = 0;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", () => undefined);
    const timer = setInterval(() => {
      if (child.pid) peak = Math.max(peak, peakKiB(child.pid));
    }, 10);
    child.on("error", reject);
    // 'exit' fires before the process is reaped, so /proc still has its high-water mark here.
    child.on("exit", (code) => {
      if (child.pid) peak = Math.max(peak, peakKiB(child.pid));
      clearInterval(timer);
      resolve({ ms: performance.now() - started, peakMiB: peak / 1024, stdout, code });
    });
  });
}

export function median(values: number[]): number {
  if (!values.length) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
