import { clip } from "./text.js";

/** GitHub refuses a comment longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;
/**
 * The Markdown report's cap, enforced here and only here: under GitHub's limit with room to spare for what a CI
 * step wraps around it (a marker for a sticky comment, a header). String length counts UTF-16 code units, never
 * fewer than the characters GitHub counts.
 */
export const MARKDOWN_LIMIT = 60_000;
/** Kept free for the closing note that says what did not fit. */
const RESERVE = 600;

interface Region {
  head: string[];
  tail: string[];
  entries: string[][];
}

/**
 * Lines placed in named regions, written out in the regions' order, never more than `limit` characters in all.
 * A region's head and tail (a heading, a table's header, a `<details>` wrapper) count only once it holds an
 * entry. `add` is all or nothing, so a scenario's section and the shared list it refers to go in together.
 */
export class Budget<R extends string> {
  private readonly regions = new Map<R, Region>();
  private used = 0;

  constructor(
    regions: Array<[R, { head?: string[]; tail?: string[] }]>,
    private readonly limit = MARKDOWN_LIMIT,
  ) {
    for (const [name, r] of regions) this.regions.set(name, { head: r.head ?? [], tail: r.tail ?? [], entries: [] });
  }

  private region(name: R): Region {
    const r = this.regions.get(name);
    if (!r) throw new Error(`no report region "${name}"`);
    return r;
  }

  /** Puts in every entry of `adds` and takes out every one of `removes` (by identity), or changes nothing and says false. */
  add(adds: Array<[R, string[]]>, removes: Array<[R, string[]]> = []): boolean {
    const count = new Map<R, number>();
    let delta = 0;
    const change = (name: R, entry: string[], sign: 1 | -1) => {
      const r = this.region(name);
      const before = count.get(name) ?? r.entries.length;
      const after = before + sign;
      count.set(name, after);
      delta += sign * cost(entry);
      if (before === 0 && after > 0) delta += cost(r.head) + cost(r.tail);
      if (before > 0 && after === 0) delta -= cost(r.head) + cost(r.tail);
    };
    for (const [name, entry] of removes) if (this.region(name).entries.includes(entry)) change(name, entry, -1);
    for (const [name, entry] of adds) change(name, entry, 1);
    if (this.used + delta > this.limit - RESERVE) return false;
    for (const [name, entry] of removes) {
      const r = this.region(name);
      const at = r.entries.indexOf(entry);
      if (at >= 0) r.entries.splice(at, 1);
    }
    for (const [name, entry] of adds) this.region(name).entries.push(entry);
    this.used += delta;
    return true;
  }

  /** The report, with `note` (what did not fit) at its end. */
  text(note?: string): string {
    const lines: string[] = [];
    for (const r of this.regions.values()) if (r.entries.length) lines.push(...r.head, ...r.entries.flat(), ...r.tail);
    const body = lines.join("\n").replace(/\n+$/, "");
    const out = note ? `${body}\n\n${clip(note, RESERVE - 2)}` : body;
    // Unreachable while `add` keeps its count; kept so no bug here ever posts a comment GitHub refuses.
    if (out.length > this.limit) return `${clip(out, this.limit - 200)}\n\n_The report was cut at ${this.limit - 200} characters: the full report is \`--format json\`._`;
    return out;
  }
}

const cost = (lines: string[]) => lines.reduce((n, l) => n + l.length + 1, 0);
