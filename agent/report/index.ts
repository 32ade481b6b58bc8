import { issuesLine } from "../../core/errors.js";
import { Report } from "../../core/verdict.js";
import { renderHtml } from "./html.js";
import { renderMarkdown } from "./markdown.js";
import { renderSarif } from "./sarif.js";
import { renderTerminal } from "./terminal.js";

/**
 * The faces of one report (DESIGN.md): terminal, Markdown (a PR comment), JSON (`Report`), SARIF 2.1.0, and HTML
 * (one self-contained page with the path drawn).
 */
export const FORMATS = ["terminal", "markdown", "json", "sarif", "html"] as const;
export type Format = (typeof FORMATS)[number];

/** `width`: the terminal's, for the terminal format (default: COLUMNS, else the TTY's, else 100; see wrap.ts). */
export function render(report: Report, format: Format, options: { width?: number } = {}): string {
  switch (format) {
    case "terminal":
      return renderTerminal(report, options.width);
    case "markdown":
      return renderMarkdown(report);
    case "json": {
      // Parsed on the way out: the JSON is exactly the documented schema, or this is a bug worth failing on,
      // and the failure names the field at fault.
      const parsed = Report.safeParse(report);
      if (!parsed.success) throw new Error(`the JSON report does not match the Report schema (core/verdict.ts): ${issuesLine(parsed.error.issues)}`);
      return JSON.stringify(parsed.data, null, 2);
    }
    case "sarif":
      return JSON.stringify(renderSarif(report), null, 2);
    case "html":
      return renderHtml(report);
  }
}
