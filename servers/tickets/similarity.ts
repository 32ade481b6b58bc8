import { isTestPath } from "../../core/paths.js";
import type { CodeRef } from "./model.js";

/**
 * How alike two tickets are, and why: code evidence (the same throw site, the same in-repo stack frames, the same
 * internal symbol, overlapping reproduction coverage) weighs most; text counts through words that tell tickets
 * apart. Words every report carries (the repo's issue templates, terms most tickets share) are discounted, and
 * the repo's public API names count like stop words: two reports calling `parseDocument` are not alike for it.
 */

/**
 * A likely duplicate from here up. Calibrated on the labelled set in test/ticket-duplicates.test.ts: twelve bug
 * reports of a small YAML library, all written from its issue template and all calling its public API. The three
 * true duplicate pairs, phrased differently (the same top frame; the same throw site, once only in prose; the
 * same internal function) score 0.65 and up; the 63 other pairs (sharing template text, public API names, a
 * public frame, or the composer's frames under another top frame) score 0.33 at most: the threshold sits between.
 * On the sample billing service it keeps SUP-188/189 (0.99) and SUP-204/205 (0.87) and nothing else (at most 0.21).
 * Text alone reaches it only with a cosine of about 0.7: nearly the same telling words.
 */
export const LIKELY = 0.5;
/** Worth showing (a possible duplicate, not a likely one) from here up. */
export const POSSIBLE = 0.15;
/** How much of the text similarity the score takes: text alone never outweighs code evidence. */
const TEXT_WEIGHT = 0.7;
/** Weight left to a discounted word (template text, terms most tickets share). */
const DISCOUNT = 0.1;
/** Below this many tickets, "most tickets share it" says little. */
const MIN_CORPUS = 8;

const STOPWORDS = new Set(
  (
    "the a an and or of to in on for with is are was were be been it its this that when then than from by at as not no but if so we our you your they their i me my can cannot could would should will shall do does did has have had get gets got after before into out over under " +
    // What redaction and links leave in the text: no word of the report.
    "redacted http https www com org"
  ).split(" "),
);

/**
 * Lowercased words of 3+ letters less stop words, URLs, redaction marks and stack-frame lines: frames are code
 * evidence, scored as such, and their paths (srv, src, node_modules) say nothing of the fault as words.
 */
export function words(text: string): string[] {
  const cleaned = text
    .replace(/^\s*at\s.*:\d+(?::\d+)?\)?\s*$/gm, " ")
    .replace(/https?:\/\/\S+/g, " ")
    .replace(/\[REDACTED:[\w-]+\]/g, " ");
  return (cleaned.toLowerCase().match(/[\p{L}\p{N}_]{3,}/gu) ?? []).filter((w) => !STOPWORDS.has(w));
}

/** Word counts, most frequent first (ties by the word): the order shared terms are shown in. */
export function termCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of words(text)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return new Map([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

/** One ticket as the scorer reads it. */
export interface Prepared {
  key: string;
  /** Title twice (it says the most), body and comments. */
  terms: Map<string, number>;
  /** The same text, lowercased: where another ticket's error message can be found quoted or not. */
  text: string;
  refs: readonly CodeRef[];
  /** Lines (path:line) its reproduction ran, when a reproduction has run. */
  covered?: readonly string[];
}

/** What the imported tickets say about words and code in general. */
export interface Corpus {
  size: number;
  /** Tickets each word occurs in. */
  termDf: ReadonlyMap<string, number>;
  /** Tickets each resolved code target is named by. */
  targetDf: ReadonlyMap<string, number>;
}

/** What the repo says about words and code: its issue templates and its public API. */
export interface RepoContext {
  templateTerms: ReadonlySet<string>;
  /** Lowercased names of the package's exports and the package's own name. */
  publicNames: ReadonlySet<string>;
  /** Symbol ids the package's entry exports (members of an exported class count as public too). */
  publicSymbols: ReadonlySet<string>;
  /** Whether the public API was read from the repo: without it, a name two reports write is most likely the API's. */
  known: boolean;
}

export const NO_CONTEXT: RepoContext = { templateTerms: new Set(), publicNames: new Set(), publicSymbols: new Set(), known: false };

export function corpusOf(tickets: readonly Prepared[]): Corpus {
  const termDf = new Map<string, number>();
  const targetDf = new Map<string, number>();
  for (const t of tickets) {
    for (const w of t.terms.keys()) termDf.set(w, (termDf.get(w) ?? 0) + 1);
    for (const target of new Set(t.refs.map((r) => r.target).filter((x): x is string => x !== null))) targetDf.set(target, (targetDf.get(target) ?? 0) + 1);
  }
  return { size: tickets.length, termDf, targetDf };
}

export type PartName = "throw-site" | "top-frame" | "frames" | "internal-code" | "coverage" | "text";

/** One part of a score: its value (0..1) and what it rests on. */
export interface ScorePart {
  part: PartName;
  score: number;
  evidence: string[];
}

export interface Similarity {
  score: number;
  text: number;
  code: number;
  match: "likely" | "possible" | "weak";
  parts: ScorePart[];
  sharedCode: string[];
  /** Shared words that counted, in the order the ticket uses them most. */
  sharedTerms: string[];
  /** Shared words that did not count, and why: template text, public API, common to most tickets. */
  discounted: string[];
}

/** Most tickets share it: past half of a corpus big enough to say so. */
const common = (df: number | undefined, corpus: Corpus) => corpus.size >= MIN_CORPUS && (df ?? 0) / corpus.size > 0.5;

/** A word's weight and, when it is discounted, why. */
function weightOf(w: string, corpus: Corpus, ctx: RepoContext): { weight: number; why?: string } {
  const df = corpus.termDf.get(w) ?? 1;
  const idf = Math.log(1 + (corpus.size + 1) / (df + 0.5));
  if (ctx.publicNames.has(w)) return { weight: 0, why: "public API" };
  if (ctx.templateTerms.has(w)) return { weight: idf * DISCOUNT, why: "issue template" };
  if (common(df, corpus)) return { weight: idf * DISCOUNT, why: "in most tickets" };
  return { weight: idf };
}

type Weights = (term: string) => { weight: number; why?: string };

/** Word weights for one corpus and context, each computed once: a query scores every other ticket with them. */
function weightsFor(corpus: Corpus, ctx: RepoContext): Weights {
  const known = new Map<string, { weight: number; why?: string }>();
  return (t) => {
    let w = known.get(t);
    if (!w) known.set(t, (w = weightOf(t, corpus, ctx)));
    return w;
  };
}

const vectorOf = (t: Prepared, w: Weights) => new Map([...t.terms].map(([term, n]) => [term, (1 + Math.log(n)) * w(term).weight]));
const normOf = (v: Map<string, number>) => Math.sqrt([...v.values()].reduce((s, x) => s + x * x, 0));

function textSimilarity(va: Map<string, number>, normA: number, b: Prepared, w: Weights): { score: number; shared: string[]; discounted: string[] } {
  const vb = vectorOf(b, w);
  let dot = 0;
  const shared: string[] = [];
  const discounted: string[] = [];
  for (const [term, x] of va) {
    const y = vb.get(term);
    if (y === undefined) continue;
    dot += x * y;
    const why = w(term).why;
    if (why) discounted.push(`${term} (${why})`);
    else shared.push(term);
  }
  const denominator = normA * normOf(vb);
  return { score: denominator ? dot / denominator : 0, shared, discounted };
}

/**
 * The public API: an export of the entry, a member of one, or a symbol by an exported name. A library that
 * exports bound methods (`export const produce = immer.produce.bind(immer)`) has its API's code under other
 * ids (src/core/immerClass.ts#Immer.produce), which every report of that API resolves to.
 */
const isPublic = (target: string, ctx: RepoContext) =>
  ctx.publicSymbols.has(target) || ctx.publicSymbols.has(target.replace(/\.[^.#]+$/, "")) || (target.includes("#") && ctx.publicNames.has((target.split(/[#.]/).pop() ?? "").toLowerCase()));

/** In-repo frames, top first: resolved, not a test's. */
function inRepoFrames(t: Prepared): string[] {
  const frames = t.refs.filter((r) => r.kind === "frame" && r.target !== null && !isTestPath(r.target)).sort((x, y) => (x.order ?? 0) - (y.order ?? 0));
  return [...new Set(frames.map((r) => r.target as string))];
}

/** 1 - Π(1 - p): parts that each alone suggest a duplicate add up without passing 1. */
const noisyOr = (ps: readonly number[]) => 1 - ps.reduce((acc, p) => acc * (1 - p), 1);

function codeParts(a: Prepared, b: Prepared, corpus: Corpus, ctx: RepoContext): { parts: ScorePart[]; shared: string[] } {
  const parts: ScorePart[] = [];
  // A code target most tickets name (the entry every report goes through) tells them apart no better than a template word.
  const weak = (target: string) => isPublic(target, ctx) || common(corpus.targetDf.get(target), corpus);

  // The same site: both resolved a message to it, or one did and the other quotes that message (unquoted text
  // is not looked up, so "cannot be saved: Invalid email address" names no site by itself).
  const sites = (t: Prepared) => new Map(t.refs.filter((r) => r.kind === "message" && r.target).map((r) => [r.target as string, r.text.toLowerCase()]));
  const mine = sites(a);
  const theirs = sites(b);
  const says = (t: Prepared, message: string) => message.length >= 12 && t.text.includes(message);
  const sharedSites = [...new Set([...mine.keys(), ...theirs.keys()])].filter((s) => (mine.has(s) || says(a, theirs.get(s) ?? "")) && (theirs.has(s) || says(b, mine.get(s) ?? ""))).sort();
  if (sharedSites.length) {
    const strong = sharedSites.some((s) => !common(corpus.targetDf.get(s), corpus));
    parts.push({ part: "throw-site", score: strong ? 0.85 : 0.3, evidence: sharedSites.map((s) => `the same message from ${s}`) });
  }

  const fa = inRepoFrames(a);
  const fb = inRepoFrames(b);
  if (fa[0] !== undefined && fa[0] === fb[0]) parts.push({ part: "top-frame", score: weak(fa[0]) ? 0.3 : 0.85, evidence: [`both stacks stop in ${fa[0]}`] });
  // Frames weigh by how near the top they are (where it failed), public and common ones not at all.
  const weighted = (frames: string[]) => new Map(frames.map((f, i) => [f, weak(f) ? 0 : 1 / (1 + i)]));
  const wa = weighted(fa);
  const wb = weighted(fb);
  const sharedFrames = fa.filter((f) => wb.has(f) && (wa.get(f) ?? 0) > 0);
  if (sharedFrames.length) {
    const share = (w: Map<string, number>) => {
      const total = [...w.values()].reduce((s, x) => s + x, 0);
      return total ? sharedFrames.reduce((s, f) => s + (w.get(f) ?? 0), 0) / total : 0;
    };
    // Both stacks must mostly be the shared frames: a short stack inside a longer one's caller is another fault.
    parts.push({ part: "frames", score: 0.7 * Math.min(share(wa), share(wb)), evidence: sharedFrames.map((f) => `both stacks run ${f}`) });
  }

  // Internal symbols, files, config keys and commits both name, outside their stacks and messages.
  const named = (t: Prepared) => new Map(t.refs.filter((r) => r.target && ["symbol", "file", "config", "commit"].includes(r.kind)).map((r) => [r.target as string, r.kind]));
  const na = named(a);
  const nb = named(b);
  const sharedNamed = [...na].filter(([target]) => nb.has(target) && !weak(target) && !sharedSites.includes(target) && !sharedFrames.includes(target));
  if (sharedNamed.length) {
    // A name written in prose is, in a library's reports, mostly its API: internal only when the exports say so.
    const strength: Record<string, number> = { symbol: ctx.known ? 0.6 : 0.3, config: 0.4, commit: 0.4, file: 0.25 };
    parts.push({ part: "internal-code", score: noisyOr(sharedNamed.map(([, kind]) => strength[kind] ?? 0.25)), evidence: sharedNamed.map(([target, kind]) => `both name ${kind} ${target}`) });
  }

  if (a.covered?.length && b.covered?.length) {
    const mine = new Set(a.covered);
    const both = b.covered.filter((l) => mine.has(l));
    const jaccard = both.length / new Set([...a.covered, ...b.covered]).size;
    if (jaccard > 0) parts.push({ part: "coverage", score: 0.8 * jaccard, evidence: [`their reproductions run ${both.length} of the same line(s), ${Math.round(jaccard * 100)}% of all they run`] });
  }
  const shared = [...sharedSites, ...(parts.some((p) => p.part === "top-frame") ? [fa[0] as string] : []), ...sharedFrames, ...sharedNamed.map(([t]) => t)];
  return { parts, shared: [...new Set(shared)].sort() };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** How alike `b` is to `a`, with every part of the score and its evidence. */
export function similarity(a: Prepared, b: Prepared, corpus: Corpus, ctx: RepoContext = NO_CONTEXT): Similarity {
  return scorerFor(a, corpus, ctx)(b);
}

/** Scores tickets against `a`, its word vector and the word weights computed once for all of them. */
export function scorerFor(a: Prepared, corpus: Corpus, ctx: RepoContext = NO_CONTEXT): (b: Prepared) => Similarity {
  const w = weightsFor(corpus, ctx);
  const va = vectorOf(a, w);
  const normA = normOf(va);
  return (b) => {
    const { parts, shared } = codeParts(a, b, corpus, ctx);
    const code = noisyOr(parts.map((p) => p.score));
    const text = textSimilarity(va, normA, b, w);
    if (text.score > 0) parts.push({ part: "text", score: round(text.score), evidence: text.shared.length ? [`shared terms: ${text.shared.slice(0, 8).join(", ")}`] : [] });
    const score = 1 - (1 - code) * (1 - TEXT_WEIGHT * text.score);
    return {
      score: round(score),
      text: round(text.score),
      code: round(code),
      match: score >= LIKELY ? "likely" : score >= POSSIBLE ? "possible" : "weak",
      parts: parts.map((p) => ({ ...p, score: round(p.score) })),
      sharedCode: shared,
      sharedTerms: text.shared.slice(0, 10),
      discounted: text.discounted.slice(0, 10),
    };
  };
}
