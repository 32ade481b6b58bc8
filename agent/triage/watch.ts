import { execFile } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../core/errors.js";
import { PgDatabase, tryTeamLock } from "../../core/pg.js";
import { stateDir } from "../../core/repo.js";
import { normalizeRepoUrl } from "../../servers/jobs/queue.js";

/**
 * `worldline triage --watch --every 15m`: rounds one after another, never two at once, until stopped. A lock
 * file in `.worldline/` also keeps a cron job from starting a round while another is still running; with a
 * team database, a lock in PostgreSQL keeps every machine's rounds apart.
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

/**
 * With a team database, the lock is the team's: one triage round of a repository at a time on every machine
 * (two would both comment on the same ticket revision). The repository is named by its origin remote, as
 * the team's workers name it, else by its folder.
 */
export async function takeTeamTriageLock(repo: string, databaseUrl: string): Promise<() => Promise<void>> {
  const origin = await new Promise<string>((resolve) => execFile("git", ["remote", "get-url", "origin"], { cwd: repo }, (err, out) => resolve(err ? "" : out.trim())));
  const name = `worldline:triage:${origin ? normalizeRepoUrl(origin) : repo}`;
  const database = new PgDatabase(databaseUrl, { max: 1 });
  let release: (() => Promise<void>) | undefined;
  try {
    release = await tryTeamLock(database, name);
  } catch (err) {
    await database.close();
    throw err;
  }
  if (!release) {
    await database.close();
    throw new UserError(`another worldline triage of ${origin ? normalizeRepoUrl(origin) : repo} is running against the team database (on this machine or another): wait for its round to end`);
  }
  const held = release;
  return async () => {
    await held();
    await database.close();
  };
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
