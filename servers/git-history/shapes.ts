import { join } from "node:path";
import { z } from "zod";
import { migrate, openDb, type Db } from "../../core/db.js";
import { commitId, git } from "../../core/git.js";
import { stateDir } from "../../core/repo.js";
import { cosmeticallyEqual, lineMap, moveKey, settingOf, type Setting } from "./cosmetic.js";
import { parseDiff, type FileDiff, type Hunk } from "./diff.js";

/**
 * A commit's shape: its diff against its first parent, each hunk classified once (a reformat, a comment-only
 * edit, or a change of meaning) with the line map a reformat needs, and the lines it deleted keyed for move
 * detection. Blame walks read shapes again and again, so they are computed once per commit (at ingestion, or
 * on first use) and kept in `.worldline/shapes.db`, a local cache derived from git: losing it costs only time.
 */
const HunkShapeSchema = z.object({
  oldStart: z.number().int().nonnegative(),
  oldLines: z.number().int().nonnegative(),
  newStart: z.number().int().nonnegative(),
  newLines: z.number().int().nonnegative(),
  /** format: only what a formatter changes; comments: the code is equal, only comments differ; null: meaning changed. */
  cosmetic: z.enum(["format", "comments"]).nullable(),
  /** For a cosmetic hunk: each new line's offset on the old side. */
  map: z.array(z.number().int()).optional(),
  /** For a small change of meaning: the lines it replaced (a value kept through an annotation is found there). */
  removed: z.array(z.string()).optional(),
});
const FileShapeSchema = z.object({ path: z.string(), oldPath: z.string().optional(), status: z.enum(["added", "deleted", "modified", "renamed"]), hunks: z.array(HunkShapeSchema) });
/** Bumped whenever classification changes: a shape of another version is computed again. */
export const SHAPE_VERSION = 3;

export const CommitShapeSchema = z.object({
  version: z.literal(SHAPE_VERSION),
  sha: z.string().regex(/^[0-9a-f]{40}$/),
  parent: z.string().regex(/^[0-9a-f]{40}$/).nullable(),
  files: z.array(FileShapeSchema),
  /** Lines the commit deleted in changes of meaning, by move key: where code moved from. */
  moves: z.record(z.string(), z.tuple([z.string(), z.number().int().positive()])),
  /** Settings (`key=value`) the commit deleted in changes of meaning: where a value moved from, however its line changed. */
  settings: z.record(z.string(), z.tuple([z.string(), z.number().int().positive()])),
  /** A formatter sweep: many files, every hunk cosmetic. */
  sweep: z.boolean(),
});
export type HunkShape = z.infer<typeof HunkShapeSchema>;
export type FileShape = z.infer<typeof FileShapeSchema>;
export type CommitShape = z.infer<typeof CommitShapeSchema>;

const KEPT_REMOVED_LINES = 60;

/** A setting as a move key: a named value, and only one distinctive enough not to be everywhere (`i = 0`). */
export function settingKey(s: Pick<Setting, "key" | "value">): string | undefined {
  return s.key.length >= 3 && `${s.key}${s.value}`.replace(/\s/g, "").length >= 6 ? `${s.key}=${s.value}` : undefined;
}
const SWEEP_FILES = 5;

function hunkShape(h: Hunk): HunkShape {
  const base = { oldStart: h.oldStart, oldLines: h.oldLines, newStart: h.newStart, newLines: h.newLines };
  if (h.removed.length > 0 && h.added.length > 0) {
    const before = h.removed.join("\n");
    const after = h.added.join("\n");
    const format = cosmeticallyEqual(before, after);
    if (format || cosmeticallyEqual(before, after, { ignoreComments: true })) {
      return { ...base, cosmetic: format ? "format" : "comments", map: lineMap(before, after) };
    }
  }
  return { ...base, cosmetic: null, ...(h.removed.length > 0 && h.removed.length <= KEPT_REMOVED_LINES ? { removed: h.removed } : {}) };
}

export function classify(sha: string, parent: string | null, files: readonly FileDiff[]): CommitShape {
  const moves: Record<string, [string, number]> = {};
  const settings: Record<string, [string, number]> = {};
  const shaped: FileShape[] = [];
  let cosmetic = 0;
  let hunks = 0;
  for (const f of files) {
    const oldPath = f.oldPath ?? f.path;
    const fileHunks = f.hunks.map(hunkShape);
    f.hunks.forEach((h, i) => {
      hunks++;
      if (fileHunks[i]?.cosmetic) {
        cosmetic++;
        return;
      }
      h.removed.forEach((text, k) => {
        const key = moveKey(text);
        if (key && !(key in moves)) moves[key] = [oldPath, h.oldStart + k];
        const setting = settingOf(text);
        const named = setting ? settingKey(setting) : undefined;
        if (named && !(named in settings)) settings[named] = [oldPath, h.oldStart + k];
      });
    });
    shaped.push({ path: f.path, ...(f.oldPath ? { oldPath: f.oldPath } : {}), status: f.status, hunks: fileHunks });
  }
  const sweep = files.length >= SWEEP_FILES && hunks > 0 && cosmetic === hunks;
  return { version: SHAPE_VERSION, sha, parent, files: shaped, moves, settings, sweep };
}

/** The hunk of a commit's shape that wrote a line of a file (1-based, as the file was after the commit). */
export function hunkAt(shape: CommitShape, path: string, line: number): { file: FileShape; hunk: HunkShape } | undefined {
  const file = shape.files.find((f) => f.path === path);
  const hunk = file?.hunks.find((h) => h.newLines > 0 && line >= h.newStart && line < h.newStart + h.newLines);
  return file && hunk ? { file, hunk } : undefined;
}

const DIFF_OPTIONS = ["-M", "-U0", "--no-color", "--no-ext-diff"];

/** The cache file of a repo's commit shapes. */
export function shapesFile(repo: string): string {
  return join(stateDir(repo), "shapes.db");
}

const MIGRATIONS = [{ version: 1, sql: "CREATE TABLE commit_shapes (sha TEXT PRIMARY KEY, shape TEXT NOT NULL)" }];

export class ShapeCache {
  private readonly memory = new Map<string, CommitShape>();
  private db: Db | undefined;

  constructor(private readonly repo: string) {}

  private disk(): Db {
    if (!this.db) {
      this.db = openDb(shapesFile(this.repo));
      migrate(this.db, "commit-shapes", MIGRATIONS);
    }
    return this.db;
  }

  /** A stored shape, when it parses as one of this commit; anything else is computed again. */
  private stored(sha: string): CommitShape | undefined {
    const row = this.disk().prepare<[string], { shape: string }>("SELECT shape FROM commit_shapes WHERE sha = ?").get(sha);
    if (!row) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(row.shape);
    } catch {
      return undefined;
    }
    const parsed = CommitShapeSchema.safeParse(json);
    return parsed.success && parsed.data.sha === sha ? parsed.data : undefined;
  }

  private keep(shapes: readonly CommitShape[]): void {
    const put = this.disk().prepare("INSERT OR REPLACE INTO commit_shapes (sha, shape) VALUES (?, ?)");
    this.disk().transaction(() => {
      for (const shape of shapes) put.run(shape.sha, JSON.stringify(shape));
    })();
    for (const shape of shapes) this.memory.set(shape.sha, shape);
  }

  /** The shape of one commit, from memory, the cache, or git. */
  async get(sha: string): Promise<CommitShape> {
    const known = this.memory.get(sha) ?? this.stored(sha);
    if (known) {
      this.memory.set(sha, known);
      return known;
    }
    const parents = (await git(this.repo).raw(["rev-list", "--parents", "-n1", "--end-of-options", commitId(sha)])).trim().split(" ").slice(1);
    const parent = parents[0] ?? null;
    const diff = parent
      ? await git(this.repo).raw(["diff", ...DIFF_OPTIONS, "--end-of-options", commitId(parent), commitId(sha), "--"])
      : await git(this.repo).raw(["show", ...DIFF_OPTIONS, "--format=", "--end-of-options", commitId(sha), "--"]);
    const shape = classify(sha, parent, parseDiff(diff));
    this.keep([shape]);
    return shape;
  }

  /**
   * Classifies the given commits (ingestion's fresh ones) in one `git log -p` pass per 500, so that later blame
   * walks find every shape cached. Merge commits have no shape of their own here: a walk computes one if it needs it.
   */
  async fill(shas: readonly string[]): Promise<number> {
    let count = 0;
    const has = this.disk().prepare<[string], { n: number }>("SELECT 1 AS n FROM commit_shapes WHERE sha = ?");
    const wanted = shas.filter((s) => !this.memory.has(s) && !has.get(s));
    for (let i = 0; i < wanted.length; i += 500) {
      const batch = wanted.slice(i, i + 500);
      const out = await git(this.repo).raw(["log", "--no-walk=unsorted", "-p", ...DIFF_OPTIONS, "--format=%x1e%H %P", "--end-of-options", ...batch.map(commitId)]);
      const shapes: CommitShape[] = [];
      for (const record of out.split("\x1e")) {
        if (!record.trim()) continue;
        const newline = record.indexOf("\n");
        const [sha = "", ...parents] = record.slice(0, newline < 0 ? undefined : newline).trim().split(" ");
        if (parents.length > 1) continue;
        shapes.push(classify(sha, parents[0] ?? null, parseDiff(newline < 0 ? "" : record.slice(newline + 1))));
      }
      this.keep(shapes);
      count += shapes.length;
    }
    return count;
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }
}
