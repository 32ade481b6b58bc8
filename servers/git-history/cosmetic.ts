/**
 * What a formatter changes, seen through: two pieces of source are cosmetically equal when their tokens are
 * equal after normalizing what prettier-style formatters rewrite (whitespace and line breaks, quote style,
 * semicolons, trailing commas, parentheses around a single token, number spelling, import order). Tokens
 * remember the line they came from, so a line of one side maps to the line of the other that holds the same
 * code.
 */
export interface Token {
  text: string;
  /** 0-based index of the source line the token starts on. */
  line: number;
  comment: boolean;
  /** Offsets of the token in the source: [start, end). */
  start: number;
  end: number;
}

const PUNCTUATORS = [
  ">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=",
  "=>", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "**", "<<", ">>",
];
const KEYWORDS = new Set([
  "return", "typeof", "void", "delete", "await", "yield", "throw", "new", "in", "of", "instanceof", "case", "else", "do", "if", "while", "for", "switch", "catch", "with", "as", "satisfies", "keyof", "extends", "export", "default",
]);

/** Prettier's spelling of a number: lower case, no `+` or leading zeros in the exponent, no trailing zeros or dot. */
function numberSpelling(raw: string): string {
  let n = raw.toLowerCase();
  if (/^0[box]/.test(n) || n.endsWith("n")) return n;
  n = n.replace(/^([\d_]*\.?[\d_]*)e\+?0*(\d)/, "$1e$2").replace(/^\./, "0.");
  n = n.replace(/^(\d[\d_]*)\.([\d_]*?)0+(?=e|$)/, "$1.$2").replace(/\.(?=e|$)/, "");
  return n;
}

/** Tokens of a piece of TypeScript or JavaScript (regex literals come out as punctuators, the same on both sides). */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let line = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i] as string;
    if (c === "\n") {
      line++;
      i++;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = line;
    const from = i;
    const push = (t: string, comment: boolean, to: number) => out.push({ text: t, line: start, comment, start: from, end: to });
    if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      const stop = end < 0 ? n : end;
      push(text.slice(i, stop).replace(/\s+/g, ""), true, stop);
      i = stop;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      const body = text.slice(i, stop);
      line += body.split("\n").length - 1;
      push(body.replace(/\s+/g, ""), true, stop);
      i = stop;
      continue;
    }
    if (c === "'" || c === '"') {
      // A string by its value: 'it\'s' and "it's" are one string.
      let j = i + 1;
      let value = "";
      while (j < n && text[j] !== c && text[j] !== "\n") {
        if (text[j] === "\\" && j + 1 < n) {
          const e = text[j + 1] as string;
          value += e === "'" || e === '"' ? e : `\\${e}`;
          j += 2;
        } else value += text[j++];
      }
      push(`s:${value}`, false, Math.min(j + 1, n));
      i = j + 1;
      continue;
    }
    if (c === "`") {
      let j = i + 1;
      while (j < n && text[j] !== "`") j += text[j] === "\\" ? 2 : 1;
      const body = text.slice(i, j + 1);
      line += body.split("\n").length - 1;
      // A template with no substitution is a string (lint fixes turn one into the other).
      const plain = !body.includes("${") && !body.includes("\n") ? body.slice(1, -1).replace(/\\`/g, "`") : undefined;
      push(plain !== undefined ? `s:${plain}` : body, false, Math.min(j + 1, n));
      i = j + 1;
      continue;
    }
    const num = /^(?:0[xXoObB][\da-fA-F_]+n?|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?n?)/.exec(text.slice(i, i + 64));
    if (num && /[\d.]/.test(c) && (c !== "." || /\d/.test(text[i + 1] ?? ""))) {
      push(numberSpelling(num[0]), false, i + num[0].length);
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_$\u0080-\uffff][\w$\u0080-\uffff]*/.exec(text.slice(i, i + 256));
    if (word) {
      push(word[0], false, i + word[0].length);
      i += word[0].length;
      continue;
    }
    const p = PUNCTUATORS.find((q) => text.startsWith(q, i)) ?? c;
    push(p, false, i + p.length);
    i += p.length;
  }
  return out;
}

const CLOSERS = new Set([")", "]", "}", ">"]);

/**
 * The tokens a formatter would not change: no semicolons, no trailing commas, no parentheses around a single
 * token that is not a call's argument list, and no comments unless asked for.
 */
export function normalize(tokens: readonly Token[], options: { comments?: boolean } = {}): Token[] {
  const kept = tokens.filter((t) => (options.comments || !t.comment) && t.text !== ";");
  const out: Token[] = [];
  const dropped = new Set<number>();
  for (let i = 0; i < kept.length; i++) {
    if (dropped.has(i)) continue;
    const t = kept[i] as Token;
    const next = kept[i + 1];
    if (t.text === "," && next && CLOSERS.has(next.text)) continue;
    if (t.text === "(" && !isCallee(out[out.length - 1])) {
      const close = redundantClose(kept, i);
      if (close !== undefined) {
        dropped.add(close);
        continue;
      }
    }
    out.push(t);
  }
  return out;
}

const CHAIN = new Set([".", "?.", "as", "satisfies", "!"]);
const POSTFIX = new Set([".", "?.", "[", "(", "!", "=>"]);

/**
 * The `)` of parentheses at `open` that a formatter may remove: around one token, or around a member chain or
 * an `as` cast (`(state as any) as T`) that nothing after them could bind into differently.
 */
function redundantClose(kept: readonly Token[], open: number): number | undefined {
  let depth = 0;
  let chain = false;
  let cast = false;
  for (let j = open + 1; j < kept.length && j < open + 40; j++) {
    const x = (kept[j] as Token).text;
    if (x === "(" || x === "[" || x === "{") depth++;
    else if (x === ")" && depth === 0) {
      if (j === open + 1) return undefined;
      const after = kept[j + 1]?.text;
      if (j === open + 2) return after === "=>" || !after || !after.startsWith("`") ? j : undefined;
      if (!chain || (after !== undefined && (POSTFIX.has(after) || after.startsWith("`")))) return undefined;
      // A cast followed by another cast or an end is the same expression without them; a bare member chain is too.
      return cast || after !== "(" ? j : undefined;
    } else if (x === ")" || x === "]" || x === "}") depth--;
    else if (depth === 0) {
      if (CHAIN.has(x)) {
        if (x === "!" && j === open + 1) return undefined;
        chain = true;
        if (x === "as" || x === "satisfies") cast = true;
      } else if (!/^[\w$]|^s:|^`/.test(x) || KEYWORDS.has(x)) return undefined;
    }
  }
  return undefined;
}

/** Whether a `(` after this token opens an argument list (or a declaration's parameters), which keeps its parentheses. */
function isCallee(prev: Token | undefined): boolean {
  if (!prev) return false;
  if (prev.text === ")" || prev.text === "]" || prev.text === ">" || prev.text.startsWith("s:") || prev.text.startsWith("`")) return true;
  return /^[A-Za-z_$\u0080-\uffff]/.test(prev.text) && !KEYWORDS.has(prev.text);
}

const texts = (tokens: readonly Token[]) => tokens.map((t) => t.text);

/** Import declarations as a set: the order of statements and of the names inside braces is the formatter's. */
function importSet(tokens: readonly Token[]): string[] | undefined {
  if (tokens[0]?.text !== "import" && tokens[0]?.text !== "export") return undefined;
  const statements: string[][] = [];
  for (const t of tokens) {
    if ((t.text === "import" || t.text === "export") && (statements.length === 0 || endsDeclaration(statements[statements.length - 1] as string[]))) statements.push([]);
    statements[statements.length - 1]?.push(t.text);
  }
  if (statements.length === 0 || !statements.every((s) => (s[0] === "import" || s[0] === "export") && endsDeclaration(s))) return undefined;
  return statements
    .map((s) => {
      const open = s.indexOf("{");
      const close = s.indexOf("}");
      if (open < 0 || close < open) return s.join(" ");
      const names = s.slice(open + 1, close).join(" ").split(" , ").map((x) => x.trim()).filter(Boolean).sort();
      return [...s.slice(0, open + 1), names.join(","), ...s.slice(close)].join(" ");
    })
    .sort();
}

/** An import or re-export statement is complete after its module specifier. */
function endsDeclaration(s: readonly string[]): boolean {
  const last = s[s.length - 1] ?? "";
  return last.startsWith("s:") && (s.length === 2 || s[s.length - 2] === "from");
}

/** Whether two pieces of source differ only in what a formatter changes; comments count unless `ignoreComments`. */
export function cosmeticallyEqual(before: string, after: string, options: { ignoreComments?: boolean } = {}): boolean {
  const a = normalize(tokenize(before), { comments: !options.ignoreComments });
  const b = normalize(tokenize(after), { comments: !options.ignoreComments });
  if (a.length === 0 && b.length === 0) return before.trim() === after.trim();
  const ta = texts(a);
  const tb = texts(b);
  if (ta.length === tb.length && ta.every((t, i) => t === tb[i])) return true;
  const ia = importSet(a);
  const ib = importSet(b);
  return ia !== undefined && ib !== undefined && ia.length === ib.length && ia.every((s, i) => s === ib[i]);
}

/**
 * For two cosmetically equal sides, the 0-based line of `before` that holds the code of each line of `after`:
 * the line of the same token; a line with no code of its own maps to its next code line's. Import sets that
 * only changed order map each line to the line of the same statement.
 */
export function lineMap(before: string, after: string): number[] {
  const a = normalize(tokenize(before));
  const b = normalize(tokenize(after));
  const afterLines = after.split("\n").length;
  const map: number[] = new Array(afterLines).fill(-1);
  if (a.length === b.length && a.every((t, i) => t.text === b[i]?.text)) {
    b.forEach((t, i) => {
      if (map[t.line] === -1) map[t.line] = (a[i] as Token).line;
    });
  } else {
    // Reordered imports: the same line text on the other side.
    const lineKey = (l: string) => {
      const tokens = normalize(tokenize(l));
      return (importSet(tokens) ?? texts(tokens)).join(" ");
    };
    const beforeLines = before.split("\n").map(lineKey);
    after.split("\n").forEach((l, i) => {
      const key = lineKey(l);
      const j = beforeLines.indexOf(key);
      if (j >= 0) map[i] = j;
    });
  }
  let next = a.length ? (a[a.length - 1] as Token).line : 0;
  for (let i = afterLines - 1; i >= 0; i--) {
    if (map[i] === -1) map[i] = next;
    else next = map[i] as number;
  }
  return map;
}

/**
 * A line's text as code moved between files is matched: formatter-normalized tokens, without the commas a
 * rewrap moves (parentheses stay: in a regex or an expression they are meaning). Undefined for a line too
 * plain to tell apart from others (a brace, `return x`).
 */
export function moveKey(lineText: string): string | undefined {
  const tokens = normalize(tokenize(lineText)).filter((t) => t.text !== ",");
  // Splitting a file exports what was local: `export` is part of the move, not of the line's meaning.
  if (tokens[0]?.text === "export" && tokens[1]?.text !== "default") tokens.shift();
  const words = tokens.filter((t) => /^[\w$]|^s:|^`/.test(t.text));
  const key = texts(tokens).join(" ");
  if (words.length < 2 || key.replace(/\s/g, "").length < 9) return undefined;
  return key;
}

/** The key and value a line sets: `KEY: value`, `KEY = value`, `const KEY: T = value`, a property or a default. */
export interface Setting {
  key: string;
  /** The value as compared: normalized tokens (numbers by value), space-separated. */
  value: string;
  /** The value as written. */
  text: string;
}

const MODIFIERS = new Set(["export", "const", "let", "var", "readonly", "static", "public", "private", "protected", "declare", "default", "override"]);
const ENDS = new Set([",", ";", ")", "]", "}", ">"]);

export function settingOf(lineText: string): Setting | undefined {
  const tokens = normalize(tokenize(lineText));
  let i = 0;
  while (i < tokens.length && MODIFIERS.has((tokens[i] as Token).text)) i++;
  const keyTok = tokens[i];
  if (!keyTok || !(/^[A-Za-z_$]/.test(keyTok.text) || keyTok.text.startsWith("s:"))) return undefined;
  const value = valueAfter(lineText, tokens, i + 1);
  return value ? { key: keyTok.text.replace(/^s:/, ""), ...value } : undefined;
}

/**
 * The value set after a key at `at`: after `=` (past a type annotation or a type parameter's constraint), or a
 * property's value after `:`; up to the `,`, `;` or closing bracket that ends it.
 */
function valueAfter(source: string, tokens: readonly Token[], at: number): { value: string; text: string } | undefined {
  let i = at;
  if (tokens[i]?.text === "?") i++;
  const op = tokens[i]?.text;
  if (op !== "=" && op !== ":" && op !== "extends") return undefined;
  let from = op === "=" || op === ":" ? i + 1 : -1;
  if (op !== "=") {
    let depth = 0;
    for (let j = i + 1; j < tokens.length && j < i + 60; j++) {
      const t = (tokens[j] as Token).text;
      if (t === "(" || t === "[" || t === "{" || t === "<") depth++;
      else if (t === ")" || t === "]" || t === "}" || t === ">") {
        if (--depth < 0) break;
      } else if (depth === 0 && (t === "," || t === ";")) break;
      else if (t === "=" && depth === 0) {
        from = j + 1;
        break;
      }
    }
  }
  if (from < 0) return undefined;
  let depth = 0;
  let to = from;
  for (; to < tokens.length; to++) {
    const t = (tokens[to] as Token).text;
    if (t === "(" || t === "[" || t === "{") depth++;
    else if (depth === 0 && ENDS.has(t)) break;
    else if (t === ")" || t === "]" || t === "}") depth--;
  }
  const value = tokens.slice(from, to);
  if (value.length === 0) return undefined;
  return { value: value.map((t) => valueSpelling(t.text)).join(" "), text: source.slice((value[0] as Token).start, (value[value.length - 1] as Token).end) };
}

/**
 * The value a piece of source (one line, or a signature spread over several) sets for `key`: `key = value`,
 * `key: T = value`, `key extends T = value` or `key: value`, wherever the key stands in it.
 */
export function valueOf(source: string, key: string): { value: string; text: string } | undefined {
  const tokens = normalize(tokenize(source));
  for (let i = 0; i < tokens.length; i++) {
    const t = (tokens[i] as Token).text;
    if (t !== key && t !== `s:${key}`) continue;
    // A member access (`a.key = 1`) sets another object's key.
    if (tokens[i - 1]?.text === ".") continue;
    const v = valueAfter(source, tokens, i + 1);
    if (v) return v;
  }
  return undefined;
}

/** Whether a piece of source sets `setting.key` to the same value. */
export function setsValue(source: string, setting: Pick<Setting, "key" | "value">): boolean {
  return valueOf(source, setting.key)?.value === setting.value;
}

/** A number by its value: 30_000, 30000 and 3e4 set one value. */
function valueSpelling(t: string): string {
  if (!/^[\d.]/.test(t)) return t;
  const v = Number(t.replace(/_/g, ""));
  return Number.isFinite(v) ? String(v) : t;
}

