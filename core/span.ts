import { UserError } from "./errors.js";

/**
 * A place in a file: `path:line` or `path:start-end`, lines 1-based, as the code graph, the history and the
 * verdicts write them. Parsed once here instead of by hand at each use.
 */
export class Span {
  private constructor(
    readonly path: string,
    readonly start: number,
    readonly end: number,
  ) {}

  /** One line of a file. */
  static line(path: string, line: number): Span {
    return Span.of(path, line, line);
  }

  /** Lines start to end of a file. */
  static of(path: string, start: number, end: number): Span {
    if (!path || !Number.isInteger(start) || !Number.isInteger(end) || start < 1 || end < start) {
      throw new UserError(`span ${JSON.stringify(`${path}:${start}-${end}`)}: expected a path and 1-based lines with start <= end`);
    }
    return new Span(path, start, end);
  }

  /**
   * Parses `path:line` or `path:start-end`; `what` names the input in the error (e.g. "location"). Anything
   * else is a UserError that names the text and the expected form.
   */
  static parse(text: string, what = "span"): Span {
    const m = /^(.+):(\d+)(?:-(\d+))?$/.exec(text);
    const start = m ? Number(m[2]) : 0;
    const end = m?.[3] !== undefined ? Number(m[3]) : start;
    if (!m || !m[1] || start < 1 || end < start) {
      throw new UserError(`${what} "${text}" is not path:line or path:start-end: expected a repo-relative path and 1-based lines, e.g. src/a.ts:12 or src/a.ts:12-20`);
    }
    return new Span(m[1], start, end);
  }

  /** The span a text starts with, before any note after a space (a root cause is "path:line (what)"). */
  static leading(text: string, what = "span"): Span {
    return Span.parse(text.trim().split(/\s/)[0] ?? "", what);
  }

  /** The first line (for a one-line span, its line). */
  get line(): number {
    return this.start;
  }

  contains(line: number): boolean {
    return line >= this.start && line <= this.end;
  }

  /** Whether lines a to b (inclusive) share a line with this span. */
  overlaps(a: number, b: number): boolean {
    return a <= this.end && b >= this.start;
  }

  /** `path:line` for one line, else `path:start-end`. */
  toString(): string {
    return `${this.path}:${this.start}${this.end > this.start ? `-${this.end}` : ""}`;
  }
}

/** The file a code reference names: `path#Symbol`, `path:line`, `path:start-end` or a bare path. */
export function fileOf(target: string): string {
  const symbol = target.indexOf("#");
  if (symbol >= 0) return target.slice(0, symbol);
  return /^(.+):\d+(?:-\d+)?$/.exec(target)?.[1] ?? target;
}
