import { z } from "zod";
import type { Commit } from "./log.js";
import type { GitHistoryService } from "./service.js";
import { quote } from "../../core/git.js";
import { historyOfToday, leftOutReason, type Include, type LeftOut, type LeftOutReason } from "./views.js";

/**
 * The inputs and the common step of the history views (hotspots, coupling, ownership): which revision's
 * files count, and which of the files left out by default to bring back. The CLI's flags are these names in
 * kebab case (`includeDeleted` is `--include-deleted`).
 */
export const viewInput = {
  rev: z.string().optional().describe("The revision whose files count and whose history is read (default HEAD); a commit, branch or tag"),
  includeDeleted: z.boolean().optional().describe("Also files that no longer exist at rev (left out by default)"),
  includeLockfiles: z.boolean().optional().describe("Also lockfiles: package-lock.json, yarn.lock, pnpm-lock.yaml, Cargo.lock, go.sum... (left out by default)"),
  includeGenerated: z.boolean().optional().describe("Also generated files: under dist/, build/, coverage/, node_modules/, __snapshots__/, and *.min.js, *.map, *.snap, *.generated.* (left out by default)"),
};

export const viewOutput = {
  rev: z.string().describe("The revision as asked"),
  commit: z.string().describe("The commit it resolved to"),
  leftOut: z
    .object({ deleted: z.number(), lockfiles: z.number(), generated: z.number() })
    .describe("Files left out, by reason; includeDeleted, includeLockfiles and includeGenerated bring them back"),
};

export interface ViewRequest {
  since?: string | undefined;
  rev?: string | undefined;
  includeDeleted?: boolean | undefined;
  includeLockfiles?: boolean | undefined;
  includeGenerated?: boolean | undefined;
}

export interface ViewHistory {
  rev: string;
  commit: string;
  /** The history with renames followed and the left-out files dropped. */
  commits: Commit[];
  /** Whether a path stays in the view (for coupling, which sizes change sets before leaving files out). */
  keep: (path: string) => boolean;
  /** The history with renames followed and every file kept. */
  all: Commit[];
  paths: Set<string>;
  include: Include;
  leftOut: LeftOut;
}

/** Reads rev's history and files once, and applies the default leaving-out with the request's flags. */
export async function viewHistory(service: GitHistoryService, a: ViewRequest): Promise<ViewHistory> {
  const revision = await service.commitRevision(a.rev);
  const [log, paths] = await Promise.all([service.log(a.since, revision.commit), service.pathsAt(revision.commit)]);
  const include: Include = { deleted: a.includeDeleted === true, lockfiles: a.includeLockfiles === true, generated: a.includeGenerated === true };
  return { rev: revision.name, commit: revision.commit, ...historyOfToday(log, { exists: (p) => paths.has(p), include }), paths, include };
}

const FLAG: Record<LeftOutReason, { input: string; what: string }> = {
  deleted: { input: "includeDeleted", what: "does not exist at" },
  lockfiles: { input: "includeLockfiles", what: "is a lockfile, left out at" },
  generated: { input: "includeGenerated", what: "is a generated file, left out at" },
};

/** Why a file asked for by name is not in the view, and the input that brings it back. */
export function leftOutMessage(tool: string, path: string, view: ViewHistory): string {
  const reason = leftOutReason(path, (p) => view.paths.has(p), view.include) ?? "deleted";
  const { input, what } = FLAG[reason];
  return `${tool}: ${quote(path)} ${what} ${view.rev}: pass ${input} (--${input.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}) to see it, or a path that exists there`;
}

