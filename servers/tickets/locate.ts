/**
 * Where a bug report's fault can live, by its words: the report is a query over the repo's source files
 * (their identifiers split into words, comments and string literals), ranked with BM25. Reports name what they
 * saw (`Set`, `patches`, `freeze`, "block scalar", "flow collection"), and the file that holds the fault is
 * usually the one whose own vocabulary is made of those words. This ranks files only: it is the weakest
 * evidence of a triage, used beside frames, throw sites and reproductions, never above them.
 */

/** English words that carry nothing of a fault, and JavaScript's keywords, which every file has. */
const STOP = new Set(
  (
    "the and for with are was were been its this that when then than from not but can cannot could would should will shall does did has have had get gets got after before into out over under also just like only some such very what which while who why how where there here these those them they their your you our any all each other more most same both even still yet via per one two use used using uses work works working expect expected actual result results return returns value values "
    + "const let var function return import export default class extends new this super typeof instanceof void delete true false null undefined async await yield static public private protected readonly interface type enum implements declare namespace module require break continue case switch try catch finally throw throws else while for"
  ).split(" "),
);

/** A word's stem: plural and verb endings off, so "scalars" meets "scalar" and "folding" meets "fold". */
export function stem(word: string): string {
  if (word.length <= 4) return word;
  if (word.endsWith("ies") || word.endsWith("ied")) return `${word.slice(0, -3)}y`;
  if (word.endsWith("sses")) return word.slice(0, -2);
  if (word.endsWith("ing") && word.length > 6) return word.slice(0, -3);
  if (word.endsWith("ed") && word.length > 5) return word.slice(0, -2);
  if (word.endsWith("es") && /(?:ch|sh|x|ss)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith("s") && !word.endsWith("ss") && !word.endsWith("us")) return word.slice(0, -1);
  return word;
}

/**
 * The words of code or prose: identifiers split at case changes, underscores and digits (`produceWithPatches`
 * gives produce, with, patches and the whole name), lower-cased and stemmed, short words and stop words left out.
 */
export function codeTerms(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/[A-Za-z][A-Za-z0-9_$]*/g)) {
    const ident = m[0];
    const parts = ident
      .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
      .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
      .split(/[\s_$0-9]+/)
      .filter(Boolean);
    for (const p of parts) {
      const w = p.toLowerCase();
      if (w.length >= 3 && !STOP.has(w)) out.push(stem(w));
    }
    const whole = ident.toLowerCase();
    if (parts.length > 1 && whole.length >= 3) out.push(whole);
  }
  return out;
}

function counts(terms: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of terms) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}

export interface RankedFile {
  path: string;
  score: number;
  /** The report's words that matched, most telling first. */
  terms: string[];
}

/** A path's own words (folder and file name), which say most about what the file is for. */
function pathTerms(path: string): string[] {
  return codeTerms(path.replace(/\.[cm]?[jt]sx?$/, "").replace(/[/.-]/g, " "));
}

/** How often a path's words count beside the file's text: a file named `mapset.ts` is about maps and sets. */
const PATH_WEIGHT = 3;
const K1 = 1.2;
const B = 0.75;

/** BM25 over source files, built once per revision and asked once per report. */
export class SourceIndex {
  private readonly docs: Array<{ path: string; tf: Map<string, number>; length: number }>;
  private readonly df = new Map<string, number>();
  private readonly avgLength: number;

  constructor(files: ReadonlyArray<{ path: string; text: string }>) {
    this.docs = files.map((f) => {
      const terms = [...codeTerms(f.text), ...Array.from({ length: PATH_WEIGHT }, () => pathTerms(f.path)).flat()];
      return { path: f.path, tf: counts(terms), length: terms.length };
    });
    for (const d of this.docs) for (const t of d.tf.keys()) this.df.set(t, (this.df.get(t) ?? 0) + 1);
    this.avgLength = this.docs.reduce((n, d) => n + d.length, 0) / Math.max(1, this.docs.length);
  }

  get size(): number {
    return this.docs.length;
  }

  private idf(term: string): number {
    const n = this.df.get(term) ?? 0;
    return Math.log(1 + (this.docs.length - n + 0.5) / (n + 0.5));
  }

  /**
   * Files best first for a query (the report: its title given twice). A query word counts by log(1 + its
   * count), so a word repeated through a long snippet does not drown the title. Files with no word in common
   * are left out.
   */
  rank(query: string, limit = 10, discount: ReadonlySet<string> = new Set()): RankedFile[] {
    const q = counts(codeTerms(query));
    const out: RankedFile[] = [];
    for (const d of this.docs) {
      let score = 0;
      const matched: Array<[string, number]> = [];
      for (const [term, qf] of q) {
        const tf = d.tf.get(term);
        if (!tf) continue;
        const weight = (discount.has(term) ? 0.1 : 1) * Math.log(1 + qf);
        const s = weight * this.idf(term) * ((tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * d.length) / this.avgLength)));
        score += s;
        matched.push([term, s]);
      }
      if (score > 0) out.push({ path: d.path, score, terms: matched.sort((a, b) => b[1] - a[1]).map(([t]) => t) });
    }
    return out.sort((a, b) => b.score - a.score || a.path.localeCompare(b.path)).slice(0, limit);
  }
}
