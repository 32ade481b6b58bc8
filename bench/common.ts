import { execFileSync } from "node:child_process";
import { realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** What the benches share: this checkout, the Worldline under test, fetched mirrors, git, and the table format. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const NODE = process.execPath;

/** The Worldline checkout a bench runs: this one, or the folder an environment variable names (a clean clone of a commit, for a before figure). */
export function worldlineUnderTest(envVar: string): { dir: string; bin: string } {
  const value = process.env[envVar];
  const dir = value ? resolve(value) : ROOT;
  return { dir, bin: join(dir, "bin/worldline.js") };
}

/** The folder of fetched mirrors (`<owner>+<name>/repo`), from an environment variable or the default. */
export function mirrorsDir(envVar: string): string {
  return process.env[envVar] ?? "/work/.mirror";
}

/** git with no user config and a fixed identity, so bench commits do not depend on the machine. */
export const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Bench",
  GIT_AUTHOR_EMAIL: "bench@example.test",
  GIT_COMMITTER_NAME: "Bench",
  GIT_COMMITTER_EMAIL: "bench@example.test",
};

export function gitOut(dir: string, args: string[]): string {
  return execFileSync("git", args, { cwd: dir, env: GIT_ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 2 ** 20 });
}

/** A Markdown table with padded columns. */
export function formatTable(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
}

/** The Worldline revision under test: its commit, and how many tracked files differ from it (read-only git). */
export function worldlineRevision(dir: string): string {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: dir, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["--no-optional-locks", "status", "--porcelain", "--untracked-files=no"], { cwd: dir, encoding: "utf8" }).split("\n").filter(Boolean).length;
    return dirty ? `${commit} with ${dirty} modified file(s)` : commit;
  } catch {
    return "unknown revision";
  }
}

/** Whether the module at `metaUrl` is the script node was started with (a bench run standalone). */
export function invokedDirectly(metaUrl: string): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(resolve(process.argv[1])) === realpathSync(fileURLToPath(metaUrl));
  } catch {
    return false;
  }
}
