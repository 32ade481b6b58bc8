import { clip } from "./text.js";

/** Markdown pieces that stay what they are whatever text goes in them (a `|`, a backtick, a newline, `<`). */
export const ICON = { fail: "❌", error: "⚠️", "at-risk": "🟠", pass: "✅", unaffected: "➖" } as const;

const oneLine = (s: string) => s.replace(/\r?\n|\r/g, " ");

/** A table cell: one line, no column break. */
export const cell = (s: string, max = 400) => oneLine(clip(s, max)).replace(/\|/g, "\\|");

/** Inline code that stays inline whatever the text holds. */
export function code(s: string, max = 200): string {
  const t = oneLine(clip(s, max));
  const fence = "`".repeat(Math.max(0, ...[...t.matchAll(/`+/g)].map((m) => m[0].length)) + 1);
  return fence.length > 1 || t.startsWith(" ") || t.endsWith(" ") ? `${fence} ${t} ${fence}` : `${fence}${t}${fence}`;
}

/** Inline code inside a table cell. */
export const codeCell = (s: string, max = 200) => code(s, max).replace(/\|/g, "\\|");

/** A fenced block longer than any backtick run inside it, so a patch holding ``` cannot close it early. */
export function block(lang: string, body: string): string[] {
  const fence = "`".repeat(Math.max(3, ...[...body.matchAll(/`{3,}/g)].map((m) => m[0].length + 1)));
  return [`${fence}${lang}`, body, fence];
}

/** Text for HTML (a `<summary>`), where Markdown does not reach. */
export const html = (s: string, max = 200) => oneLine(clip(s, max)).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A collapsed block: the summary line shown, the body on a click. The blank lines let Markdown render inside. */
export const collapsed = (summary: string, body: string[]) => [`<details><summary>${summary}</summary>`, "", ...body, "</details>", ""];
