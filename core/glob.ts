/**
 * Globs as test runners and config files write them (`**` across folders, `*` and `?` within one, `{a,b}`
 * alternatives, `[...]` classes, and extglobs `?(a|b)`, `*(...)`, `+(...)`, `@(...)`, `!(...)` as in vitest's
 * `**\/__tests__/**\/*.[jt]s?(x)`), matched against repo-relative paths with forward slashes.
 */
export function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${globSource(pattern.replace(/^\.\//, ""))}$`);
}

/** The end of the group opened at `open` (its matching `)`), or -1. */
function closing(glob: string, open: number): number {
  let depth = 0;
  for (let i = open; i < glob.length; i++) {
    if (glob[i] === "(") depth++;
    else if (glob[i] === ")" && --depth === 0) return i;
  }
  return -1;
}

/** `a|b(c|d)` split at its top-level bars. */
function alternatives(inner: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === "(") depth++;
    else if (inner[i] === ")") depth--;
    else if (inner[i] === "|" && depth === 0) {
      out.push(inner.slice(from, i));
      from = i + 1;
    }
  }
  return [...out, inner.slice(from)];
}

function globSource(glob: string): string {
  let out = "";
  let depth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    const end = "?*+@!".includes(c) && glob[i + 1] === "(" ? closing(glob, i + 1) : -1;
    if (end > 0) {
      const group = `(?:${alternatives(glob.slice(i + 2, end)).map(globSource).join("|")})`;
      // `!(x)`: one path segment's text that is not x.
      out += c === "?" ? `${group}?` : c === "*" ? `${group}*` : c === "+" ? `${group}+` : c === "@" ? group : `(?:(?!${group}(?:/|$))[^/]*)`;
      i = end;
    } else if (c === "*") {
      if (glob[i + 1] === "*") {
        const slash = glob[i + 2] === "/";
        out += slash ? "(?:.*/)?" : ".*";
        i += slash ? 2 : 1;
      } else out += "[^/]*";
    } else if (c === "?") out += "[^/]";
    else if (c === "{") {
      depth++;
      out += "(?:";
    } else if (c === "}" && depth > 0) {
      depth--;
      out += ")";
    } else if (c === "," && depth > 0) out += "|";
    else if (c === "[") {
      const close = glob.indexOf("]", i + 1);
      if (close < 0) out += "\\[";
      else {
        out += `[${glob.slice(i + 1, close).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`;
        i = close;
      }
    } else out += c.replace(/[.+^$()|\\/]/g, (m) => `\\${m}`);
  }
  return out;
}

/** Whether `path` matches any of the globs (a leading `./` on a glob is ignored). */
export function matchesAny(path: string, globs: readonly RegExp[]): boolean {
  return globs.some((g) => g.test(path));
}

/** Text as a regular expression that matches it literally. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
