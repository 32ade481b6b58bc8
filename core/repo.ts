import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { z } from "zod";
import { UserError } from "./errors.js";
import { git } from "./git.js";

/** Where Worldline keeps its state inside the target repo (never committed). */
export const STATE_DIR = ".worldline";

/** The repo a command or server serves: `--repo DIR`, else the git top level of the current directory. */
export async function resolveRepo(dir: string | undefined): Promise<string> {
  const start = resolve(dir ?? process.cwd());
  if (!existsSync(start) || !statSync(start).isDirectory()) {
    throw new UserError(`repo "${dir ?? start}" does not exist: pass --repo with a directory inside a git repository`);
  }
  try {
    const top = (await git(start).raw(["rev-parse", "--show-toplevel"])).trim();
    if (top) return top;
  } catch {
    // reported below
  }
  throw new UserError(`repo "${dir ?? start}" is not inside a git repository: run git init there or pass --repo`);
}

/** `.worldline/` of a repo, created on first use with a `.gitignore` of `*` so `git status` stays clean. */
export function stateDir(repo: string): string {
  const dir = join(repo, STATE_DIR);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const ignore = join(dir, ".gitignore");
  if (!existsSync(ignore)) writeFileSync(ignore, "*\n");
  return dir;
}

/** Optional settings in `worldline.config.json`; secrets come only from the environment. */
export const WorldlineConfig = z
  .object({
    scenarioDirs: z.array(z.string()).default(["scenarios"]).describe("Folders holding scenario Markdown files"),
    boundaryPackages: z.array(z.string()).default([]).describe("Extra packages treated as I/O boundaries"),
    ticketSources: z.array(z.record(z.string(), z.unknown())).default([]).describe("Where tickets come from"),
    suspectAgeDays: z.number().positive().default(90).describe("Oldest commit kept as a suspect, in days"),
    departedAuthors: z.array(z.string()).default([]).describe("Authors who left, for knowledge-loss views"),
    model: z.string().optional().describe("Model for the LLM planner"),
  })
  .strict();
export type WorldlineConfig = z.infer<typeof WorldlineConfig>;

export function loadConfig(repo: string): WorldlineConfig {
  const file = join(repo, "worldline.config.json");
  if (!existsSync(file)) return WorldlineConfig.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UserError(`worldline.config.json in ${repo} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = WorldlineConfig.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(
      `worldline.config.json in ${repo}: field "${issue?.path.join(".") || "(root)"}" ${issue?.message ?? "is invalid"}`,
    );
  }
  return parsed.data;
}

/**
 * A path given by a caller, as a repo-relative path with forward slashes. A path that resolves outside
 * the repo is refused (DESIGN.md: tools take paths only inside the repo they serve).
 */
export function confinePath(repo: string, path: string): string {
  const abs = isAbsolute(path) ? resolve(path) : resolve(repo, path);
  const rel = relative(repo, abs);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
    throw new UserError(`path "${path}" is outside the repo ${repo}: pass a path relative to the repo root`);
  }
  return rel.split(sep).join("/");
}
