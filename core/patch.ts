import { UserError } from "./errors.js";

/**
 * Applies a unified diff (as `git diff` or `diff -u` writes it) to file texts in memory: the overlay a fix is
 * checked with, so nothing in the repo or its working tree is touched. Context lines must match; a hunk may
 * sit a few lines away from where its header says (the file moved on), as `patch` allows.
 */
interface PatchHunk {
  oldStart: number;
  lines: string[];
}

interface FilePatch {
  oldPath: string | undefined;
  newPath: string | undefined;
  hunks: PatchHunk[];
}

const stripPrefix = (p: string): string | undefined => {
  const path = p.split("\t")[0]?.trim() ?? "";
  if (path === "/dev/null") return undefined;
  return path.replace(/^[ab]\//, "");
};

export function parsePatch(text: string): FilePatch[] {
  const files: FilePatch[] = [];
  const lines = text.split("\n");
  let cur: FilePatch | undefined;
  let hunk: PatchHunk | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith("--- ") && lines[i + 1]?.startsWith("+++ ")) {
      cur = { oldPath: stripPrefix(line.slice(4)), newPath: stripPrefix((lines[i + 1] as string).slice(4)), hunks: [] };
      files.push(cur);
      hunk = undefined;
      i++;
      continue;
    }
    const h = /^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@/.exec(line);
    if (h) {
      if (!cur) throw new UserError("patch: a hunk comes before any ---/+++ file header; expected a unified diff such as `git diff` prints");
      hunk = { oldStart: Number(h[1]), lines: [] };
      cur.hunks.push(hunk);
      continue;
    }
    if (hunk && (line.startsWith(" ") || line.startsWith("-") || line.startsWith("+"))) hunk.lines.push(line);
    else if (hunk && line === "" && i < lines.length - 1) hunk.lines.push(" ");
    else if (line.startsWith("\\")) continue;
    else hunk = undefined;
  }
  if (files.length === 0 || files.every((f) => f.hunks.length === 0)) throw new UserError("patch: no file changes found; expected a unified diff such as `git diff` prints");
  return files;
}

function applyHunks(path: string, text: string, hunks: PatchHunk[]): string {
  const eol = text.endsWith("\n");
  const out = (eol ? text.slice(0, -1) : text).split("\n");
  let shift = 0;
  hunks.forEach((h, n) => {
    const before = h.lines.filter((l) => !l.startsWith("+")).map((l) => l.slice(1));
    const after = h.lines.filter((l) => !l.startsWith("-")).map((l) => l.slice(1));
    const want = Math.max(0, h.oldStart - 1 + shift + (before.length === 0 ? 1 : 0));
    const fits = (at: number) => at >= 0 && at + before.length <= out.length && before.every((l, k) => out[at + k] === l);
    let at = -1;
    for (let d = 0; d <= 200 && at < 0; d++) {
      if (fits(want - d)) at = want - d;
      else if (fits(want + d)) at = want + d;
    }
    if (at < 0) throw new UserError(`patch: hunk ${n + 1} for ${path} does not apply (expected "${before[0] ?? ""}" near line ${h.oldStart}); make the patch against the head revision`);
    out.splice(at, before.length, ...after);
    shift += after.length - before.length;
  });
  return out.join("\n") + (eol ? "\n" : "");
}

/** The patched texts, path to new text. `read` gives a file's current text (undefined: no such file). */
export async function applyPatch(patch: string, read: (path: string) => Promise<string | undefined>): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (const f of parsePatch(patch)) {
    if (!f.newPath) throw new UserError(`patch: it deletes ${f.oldPath}; a fix checked by simulation may edit or add files, not delete them`);
    const path = f.newPath;
    const current = f.oldPath ? await read(f.oldPath) : "";
    if (current === undefined) throw new UserError(`patch: ${f.oldPath} does not exist at the head revision; make the patch against head`);
    result.set(path, applyHunks(path, current, f.hunks));
  }
  return result;
}
