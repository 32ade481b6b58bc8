/**
 * A bug report's text as the parts a reproduction reads: its fenced code blocks and inline code, each with the
 * section it sits in (the nearest heading or "Label:" line before it, lower case), so "To reproduce", "Expected"
 * and "Actual" blocks can be told apart.
 */
export interface CodeBlock {
  /** The fence's language tag, lower case ("" when none). */
  lang: string;
  code: string;
  /** The heading or label the block sits under, lower case ("" before any). */
  section: string;
  /** Offset of the fence in the text: blocks come in text order. */
  at: number;
}

export interface ReportParts {
  blocks: CodeBlock[];
  /** Inline `code` spans outside the fenced blocks, in text order. */
  inline: string[];
  /** The prose with the fenced blocks taken out, for phrases like "should not throw". */
  prose: string;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})[ \t]*([\w+.#-]*)[^\n]*\n([\s\S]*?)\n? {0,3}\1[ \t]*$/gm;
/** A heading (#, a bold line) or a short "Label:" line that opens a section. */
const HEADING = /^(?: {0,3}#{1,6}[ \t]+(.+?)[ \t#]*|[ \t]*\*\*([^*\n]{2,60})\*\*:?[ \t]*|[ \t]*([A-Z][\w ]{1,40}?):[ \t]*(?:`[^`\n]*`)?[ \t]*)$/gm;

export const JS_LANGS = new Set(["js", "javascript", "mjs", "cjs", "jsx", "ts", "typescript", "tsx", "node"]);

function sectionAt(headings: Array<{ at: number; title: string }>, at: number): string {
  let title = "";
  for (const h of headings) if (h.at < at) title = h.title;
  return title;
}

export function reportParts(text: string): ReportParts {
  const normalized = text.replace(/\r\n?/g, "\n");
  const fences = [...normalized.matchAll(FENCE)];
  const inFence = (i: number) => fences.some((f) => i >= (f.index ?? 0) && i < (f.index ?? 0) + f[0].length);
  const headings = [...normalized.matchAll(HEADING)]
    .filter((m) => !inFence(m.index ?? 0))
    .map((m) => ({ at: m.index ?? 0, title: (m[1] ?? m[2] ?? m[3] ?? "").trim().toLowerCase() }));
  const blocks = fences.map((f) => ({ lang: (f[2] ?? "").toLowerCase(), code: f[3] ?? "", section: sectionAt(headings, f.index ?? 0), at: f.index ?? 0 }));
  let prose = normalized;
  for (const f of [...fences].reverse()) prose = `${prose.slice(0, f.index ?? 0)}\n${prose.slice((f.index ?? 0) + f[0].length)}`;
  const inline = [...prose.matchAll(/(?<!`)`([^`\n]+)`(?!`)/g)].map((m) => m[1] ?? "");
  return { blocks, inline, prose };
}

/** Sections where a report puts what it runs: "To reproduce", "Steps", "Example", "Input", "Code". */
export const REPRODUCE_SECTION = /reproduc|steps|example|input|code|snippet|minimal|repro|test case|sample/;
/** Sections that show an outcome, never an input. */
export const OUTCOME_SECTION = /expect|actual|output|result|got|error|stack|trace|log|behaviou?r|instead/;
