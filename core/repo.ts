import { existsSync, lstatSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { z } from "zod";
import { ServicesConfig } from "./services.js";
import { isUnder, readWorktreeFileSync, realPathOf, realRoot, relativeUnder } from "./confine.js";
import { UserError } from "./errors.js";
import { git, quote } from "./git.js";

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

/**
 * `.worldline/` of a repo, created on first use with a `.gitignore` of `*` so `git status` stays clean. It must
 * be a real directory of the repo: a `.worldline` symlink (a checkout can carry one) would have Worldline
 * write its state wherever it points, so it is refused.
 */
export function stateDir(repo: string): string {
  const dir = join(repo, STATE_DIR);
  let link = false;
  try {
    link = lstatSync(dir).isSymbolicLink();
  } catch {
    mkdirSync(dir, { recursive: true });
  }
  if (link || !isUnder(realRoot(repo), realPathOf(dir)) || !statSync(dir).isDirectory()) {
    throw new UserError(`${dir} is not a directory of the repo (a symlink or a file): Worldline keeps its state only inside the repo; remove it`);
  }
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
    tests: z
      .union([
        z.literal(false),
        z
          .object({
            include: z.array(z.string()).min(1).optional().describe("Globs of the test files whose cases are scenarios (default: the runner configs' include, else the runners' defaults)"),
            exclude: z.array(z.string()).default([]).describe("Globs of test files left out"),
          })
          .strict(),
      ])
      .default({ exclude: [] })
      .describe("The repo's own test cases as scenarios: false for none, or which files"),
    services: ServicesConfig.optional().describe("The repo's services by name (dir, entry, urls, consumes); absent: inferred from docker-compose, workspaces and Kubernetes manifests; {} for a single service"),
    maxTicketFileBytes: z.number().int().positive().default(1_000_000).describe("Largest ticket file (or Jira CSV export) an import reads, in bytes; a larger one is refused with its name"),
  })
  .strict();
export type WorldlineConfig = z.infer<typeof WorldlineConfig>;

export function loadConfig(repo: string): WorldlineConfig {
  // Read as git would store it: a symlinked config is its link text, never the file it points at.
  const text = readWorktreeFileSync(repo, "worldline.config.json")?.toString("utf8");
  if (text === undefined) return WorldlineConfig.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(text);
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
 * A path given by a caller, as a repo-relative path with forward slashes. A path that resolves outside the
 * repo is refused (DESIGN.md: tools take paths only inside the repo they serve): compared by path segments
 * (`/repo-secrets` is not in `/repo`), and again where the file system leads it, so a path through a symlink
 * that leaves the repo is refused too.
 */
export function confinePath(repo: string, path: string): string {
  const refuse = (): never => {
    // The repo's absolute folder is not named: over HTTP the caller may be on another machine.
    throw new UserError(`path ${quote(path)} is outside the repo: pass a path relative to the repo root`);
  };
  if (path.includes("\0")) throw new UserError(`path ${quote(path)} holds a NUL byte: pass a path relative to the repo root`);
  const abs = isAbsolute(path) ? resolve(path) : resolve(repo, path);
  const root = realRoot(repo);
  const rel = relativeUnder(repo, abs) ?? relativeUnder(root, abs);
  if (!rel) return refuse();
  if (!isUnder(root, realPathOf(join(root, rel)))) return refuse();
  return rel;
}
