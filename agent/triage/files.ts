import type { WhereFile } from "../../core/triage.js";
import { fileOf } from "../../core/span.js";

/**
 * The files a triage names, best first: every kind of evidence adds to a file's score, so one that a frame,
 * a reproduction and the report's words all point at comes first. The weights say how much each kind is worth
 * beside the report's words (whose best file scores 1):
 * - an in-app stack frame is what ran, the top frame most (1, then 0.7 of the one above);
 * - a message found at its source site, and a file path the report gives, are nearly as direct (0.8);
 * - where a reproduction threw or the lines it ran that passing inputs did not (0.5: a library often throws
 *   from a wrapper that re-throws, so the site is a hint, not the fault);
 * - a symbol the report names (0.3; 0.1 when its name is the package's public API, which every report of a
 *   library names: `parseDocument` resolving to a lexer method of that name says little);
 * - the report's words (locate_ticket), the file's score relative to the best file's.
 * A test that quotes the message is where it was checked, not where it lives: it adds nothing.
 */
export interface FileEvidence {
  refs: ReadonlyArray<{ kind: string; target: string | null; order?: number | undefined }>;
  /** Lines a reproduction ran into, strongest first (reproduction.ts reproducedAt). */
  reproduced: readonly string[];
  /** locate_ticket's files. */
  located: ReadonlyArray<{ path: string; score: number; terms: string[] }>;
  /** The package's public API names, lower-cased (locate_ticket's api). */
  api?: ReadonlySet<string>;
}

const WEIGHTS = { frame: 1, message: 0.8, file: 0.8, reproduction: 0.5, symbol: 0.3, apiSymbol: 0.1, words: 1 } as const;
const FRAME_DECAY = 0.7;

export function whereToLook(e: FileEvidence, limit = 10): WhereFile[] {
  const files = new Map<string, { score: number; why: string[] }>();
  const add = (path: string, score: number, why: string) => {
    const f = files.get(path) ?? { score: 0, why: [] };
    f.score += score;
    if (!f.why.includes(why) && f.why.length < 6) f.why.push(why);
    files.set(path, f);
  };
  let frames = 0;
  for (const r of e.refs) {
    if (!r.target) continue;
    const path = fileOf(r.target);
    if (r.kind === "frame") add(path, WEIGHTS.frame * FRAME_DECAY ** frames++, `stack frame #${(r.order ?? frames - 1) + 1}`);
    else if (r.kind === "message") add(path, WEIGHTS.message, "the reported message is thrown here");
    else if (r.kind === "file") add(path, WEIGHTS.file, "the report names this file");
    else if (r.kind === "symbol") {
      const name = r.target.split("#")[1] ?? r.target;
      const api = e.api?.has((name.split(".").pop() ?? name).toLowerCase()) ?? false;
      add(path, api ? WEIGHTS.apiSymbol : WEIGHTS.symbol, `the report names ${name}${api ? " (a public API name)" : ""}`);
    }
  }
  // Once per file: ten ranked lines of one file are one place the reproduction points at, not ten.
  const reproducedFiles = [...new Set(e.reproduced.map(fileOf))];
  for (const [i, path] of reproducedFiles.entries()) add(path, i === 0 ? WEIGHTS.reproduction : WEIGHTS.reproduction / 2, i === 0 ? "the reproduction threw or ran here" : "the reproduction ran here");
  for (const f of e.located) add(f.path, WEIGHTS.words * f.score, `the report's words: ${f.terms.slice(0, 4).join(", ")}`);
  return [...files]
    .sort((a, b) => b[1].score - a[1].score || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([path, f]) => ({ path, score: Math.round(f.score * 1000) / 1000, why: f.why }));
}
