import { UserError } from "../../core/errors.js";
import { diffFiles, holdsHeadLine } from "../git-history/diff.js";
import { Span } from "../../core/span.js";

/**
 * The embedded planner's fix draft (DESIGN.md): the minimal revert of the one hunk that holds the root
 * cause, as a unified diff against head. Whether it is a fix is for `check_fix` to say.
 */
export interface HunkRevert {
  patch: string;
  path: string;
  /** The head lines the hunk covers, path:start-end. */
  hunk: string;
}

export async function revertHunk(repo: string, base: string, head: string, location: string): Promise<HunkRevert> {
  const { path, line } = Span.leading(location, "location");
  const file = (await diffFiles(repo, base, head)).find((f) => f.path === path);
  if (!file) throw new UserError(`${path} did not change between ${base.slice(0, 12)} and ${head.slice(0, 12)}: the root cause must lie in the change`);
  const hunk = file.hunks.find((h) => holdsHeadLine(h, line));
  if (!hunk) throw new UserError(`${location} is not inside a hunk of the change to ${path}: expected a changed line at head`);
  // Against head: head's lines go out, base's come back. No context lines, so the header's position is exact.
  const patch = [
    `--- a/${path}`,
    `+++ b/${path}`,
    `@@ -${hunk.newStart},${hunk.newLines} +${hunk.newStart},${hunk.oldLines} @@`,
    ...hunk.added.map((l) => `-${l}`),
    ...hunk.removed.map((l) => `+${l}`),
    "",
  ].join("\n");
  return { patch, path, hunk: `${path}:${hunk.newStart}-${hunk.newStart + Math.max(hunk.newLines, 1) - 1}` };
}
