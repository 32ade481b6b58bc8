/**
 * Markup that cannot be broken by the text put in it. Everything a report carries (scenario ids, values,
 * effect payloads, patches) comes from the code under review, so it is hostile: a `Markup` is only ever made
 * by `h`, which escapes every interpolated string, number or unknown value, and passes through only what is
 * already `Markup`. Nothing else builds HTML, so no path leaves a value unescaped.
 */
export class Markup {
  private constructor(readonly html: string) {}

  /** Only for fixed strings written in this folder (CSS, a doctype), never for data. */
  static trusted(html: string): Markup {
    return new Markup(html);
  }

  toString(): string {
    return this.html;
  }
}

/** Text safe in element content and in quoted attribute values (both quote kinds). */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

export type Part = Markup | string | number | boolean | null | undefined | readonly Part[];

function partHtml(p: Part): string {
  // A boolean prints as itself (an attribute's "false"), so a condition is written `c ? x : ""`, never `c && x`.
  if (p === null || p === undefined) return "";
  if (p instanceof Markup) return p.html;
  if (Array.isArray(p)) return (p as readonly Part[]).map(partHtml).join("");
  return escapeHtml(String(p));
}

/** A tagged template: `h\`<td data-x="${value}">${text}</td>\`` escapes `value` and `text`, keeps nested Markup. */
export function h(strings: TemplateStringsArray, ...parts: Part[]): Markup {
  let out = strings[0] ?? "";
  parts.forEach((p, i) => {
    out += partHtml(p) + (strings[i + 1] ?? "");
  });
  return Markup.trusted(out);
}

/** Pieces joined into one Markup. */
export const join = (parts: readonly Part[]): Markup => Markup.trusted(partHtml(parts));
