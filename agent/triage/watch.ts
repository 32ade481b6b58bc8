import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../core/errors.js";
import { stateDir } from "../../core/repo.js";

/**
 * `worldline triage --watch --every 15m`: rounds one after another, never two at once, until stopped. A lock
 * file in `.worldline/` also keeps a cron job from starting a round while another is still running.
 */
const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** "30s", "15m", "1h" in milliseconds; at least 10 seconds. */
export function parseEvery(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([smh])$/.exec(text.trim());
  if (!m) throw new UserError(`--every "${text}": expected a duration like 30s, 15m or 1h`);
  const ms = Number(m[1]) * (UNITS[m[2] as string] as number);
  if (ms < 10_000) throw new UserError(`--every "${text}": expected at least 10s between rounds`);
  return ms;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the repo's triage lock, or says who holds it; a lock left by a dead process is taken over. */
export function takeTriageLock(repo: string): () => void {
  const path = join(stateDir(repo), "triage.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number(readFileSync(path, "utf8").trim());
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
        throw new UserError(`another worldline triage is running on this repo (pid ${holder}): wait for it, or remove ${path} if that process is gone`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new UserError(`cannot take ${path}: remove it and run again`);
}

/**
 * Runs `round` now and then every `everyMs` after the previous round started (a long round delays the next,
 * never overlaps it) until `signal` aborts. A round that throws is reported and the schedule goes on.
 */
export async function every(everyMs: number, round: () => Promise<void>, report: (err: unknown) => void, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const started = Date.now();
    try {
      await round();
    } catch (err) {
      report(err);
    }
    const wait = Math.max(0, started + everyMs - Date.now());
    if (signal.aborted) break;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wait);
      signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
}
