/**
 * Lines fitted to a terminal's width. `COLUMNS` wins (the user asked), then the TTY's own width, then 100
 * when the output is not a terminal (a pipe, a file, a CI log).
 */
export const DEFAULT_WIDTH = 100;
/** Narrower than this and an indented report has no room left for words. */
const MIN_WIDTH = 20;

export function terminalWidth(env: Record<string, string | undefined> = process.env, stdout: { isTTY?: boolean; columns?: number } = process.stdout): number {
  const asked = Number.parseInt(env.COLUMNS ?? "", 10);
  if (Number.isFinite(asked) && asked > 0) return Math.max(MIN_WIDTH, asked);
  if (stdout.isTTY && stdout.columns && stdout.columns > 0) return Math.max(MIN_WIDTH, stdout.columns);
  return DEFAULT_WIDTH;
}

/**
 * One item as lines no longer than `width`: the first starts with `lead`, the rest are indented by `indent`
 * spaces (under the item's text). Lines break at spaces, and inside a long word after a comma (a JSON value);
 * a word is never split otherwise. A word too long for the room after the indent (a path, a URL) sits whole on
 * a line of its own, moved left so it fits; only a word too long for any line runs past the edge (beside the
 * item's label, when it is the item's first word).
 * Spaces between words are kept (a patch line keeps its indentation) except where a line breaks; a line break
 * in the text starts a new continuation line.
 */
export function wrap(lead: string, text: string, width: number, indent: number): string[] {
  const out: string[] = [];
  let line = lead;
  let words = 0;
  // Where a line starts for a word: the indent, or further left for a word that fits the width but not after
  // the indent; a word too long for any line keeps the indent.
  const at = (word: string, want = indent) => " ".repeat(word.length > width ? want : Math.min(want, width - word.length));
  const place = (space: string, word: string) => {
    const label = words === 0 && line.trim() !== "";
    if (line.length + space.length + word.length <= width) line += space + word;
    else if (words > 0 || (label && indent + word.length <= width)) {
      // The word goes to the next line (a label may stay alone on its line: "root cause", then the value).
      out.push(line.trimEnd());
      line = at(word) + word;
    } else if (label) line += space + word; // too long for any line: it stays by its label
    else line = at(word, (line + space).length) + word;
    words++;
  };
  for (const [i, raw] of text.split(/\r?\n|\r/).entries()) {
    if (i > 0) {
      out.push(line.trimEnd());
      line = " ".repeat(indent);
      words = 0;
    }
    const paragraph = raw.includes("\t") ? raw.replace(/\t/g, "  ") : raw;
    if (line.length + paragraph.length <= width) {
      // All of it fits: the same as placing each word with its spaces, without the work.
      line += paragraph;
      if (paragraph.trim()) words++;
      continue;
    }
    // Each word with the spaces before it; a word too long for the room that holds commas (a JSON value, a
    // list) breaks after each comma.
    let end = 0;
    for (const m of paragraph.matchAll(/[^ ]+/g)) {
      const word = m[0];
      const space = paragraph.slice(end, m.index);
      end = m.index + word.length;
      if (word.length <= width - indent || !word.includes(",")) place(space, word);
      else word.split(/(?<=,)/).forEach((piece, n) => place(n === 0 ? space : "", piece));
    }
  }
  out.push(line.trimEnd());
  return out;
}
