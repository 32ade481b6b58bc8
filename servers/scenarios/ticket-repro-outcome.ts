import { ts } from "@ts-morph/common";
import { literalValue, type SnippetRead } from "./ticket-repro-call.js";
import { expectationLines, valueOfText, type StatedExpectation } from "./ticket-repro-expect.js";
import { isShowing, statementOf } from "./ticket-repro-js.js";
import { declaredIn, ES_GLOBALS, expressionJs, referencesIn } from "./ticket-repro-names.js";

/**
 * What a snippet says its call should give, as a step's expectations over `result`, `error` and `args` (the
 * values the call was given, after it ran). Read, strongest first, from: the snippet's own assertions after the
 * call (`expect(x).toEqual(v)`, `assert.equal(a, b)`); a comment or sentence "x should be v" about a value the
 * call gave (`// patches[0].value: should be undefined`); "non-empty patches" in the prose, or a comment "no
 * patches" after the call; and a logged expression with the value the report expected (`console.log(produce(foo,
 * r) === foo)` with "Expected true"). A value is named as the snippet named it: `const [s, patches] = call`
 * makes `patches` `result[1]`, and an argument `foo` is `args[0]`, so `=== foo` keeps its identity.
 */
export interface SnippetOutcome {
  lines: string[];
  from: string;
}

interface Context {
  file: ts.SourceFile;
  node: ts.CallExpression;
  subjects: ReadonlyMap<string, string>;
  consts: ReadonlyMap<string, unknown>;
}

/** Array, string, Map and Set methods: what an expectation may call on a value the step gave (it arrives as data, not as the code's class). */
const DATA_METHODS = new Set(["some", "every", "includes", "indexOf", "lastIndexOf", "find", "findIndex", "findLast", "filter", "map", "join", "slice", "at", "flat", "concat", "keys", "values", "entries", "has", "get", "startsWith", "endsWith", "trim", "split", "toUpperCase", "toLowerCase"]);

/** A literal as JS text (`undefined` kept, unlike JSON). */
export function literalText(v: unknown): string {
  if (v === undefined) return "undefined";
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (Array.isArray(v)) return `[${v.map(literalText).join(", ")}]`;
  if (v !== null && typeof v === "object") return `{ ${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${literalText(x)}`).join(", ")} }`;
  return JSON.stringify(v);
}

const wrap = (a: string) => (/^[\w$.[\]"']+$/.test(a) ? a : `(${a})`);

/** `a` equals the literal `v`: strictly for a primitive, by JSON for an object or array. */
export function equalsLine(a: string, v: unknown): string {
  if (typeof v === "number" && Number.isNaN(v)) return `Number.isNaN(${a})`;
  if (Object.is(v, -0)) return `Object.is(${a}, -0)`;
  if (v === null || typeof v !== "object") return `${wrap(a)} === ${literalText(v)}`;
  return `JSON.stringify(${a}) === ${JSON.stringify(JSON.stringify(v))}`;
}

const within = (inner: ts.Node, outer: ts.Node, file: ts.SourceFile) => inner.getSourceFile() === outer.getSourceFile() && inner.getStart(file) >= outer.getStart(file) && inner.end <= outer.end;

/** The names a snippet binds to what its call gave: its arguments (`args[i]`) and its result, destructured or not. */
export function subjectsOf(node: ts.CallExpression): Map<string, string> {
  const out = new Map<string, string>();
  node.arguments.forEach((a, i) => {
    if (ts.isIdentifier(a)) out.set(a.text, `args[${i}]`);
  });
  const bind = (name: ts.BindingName, path: string) => {
    if (ts.isIdentifier(name)) out.set(name.text, path);
    else if (ts.isArrayBindingPattern(name)) name.elements.forEach((el, i) => !ts.isOmittedExpression(el) && !el.dotDotDotToken && bind(el.name, `${path}[${i}]`));
    else
      for (const el of name.elements) {
        const key = el.propertyName ?? (ts.isIdentifier(el.name) ? el.name : undefined);
        if (!el.dotDotDotToken && key && (ts.isIdentifier(key) || ts.isStringLiteral(key))) bind(el.name, ts.isIdentifier(key) ? `${path}.${key.text}` : `${path}[${JSON.stringify(key.text)}]`);
      }
  };
  let top: ts.Node = node;
  while (ts.isAwaitExpression(top.parent) || ts.isParenthesizedExpression(top.parent) || ts.isAsExpression(top.parent) || ts.isNonNullExpression(top.parent)) top = top.parent;
  const p = top.parent;
  if (ts.isVariableDeclaration(p) && p.initializer === top) bind(p.name, "result");
  else if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken && p.right === top && ts.isIdentifier(p.left)) out.set(p.left.text, "result");
  return out;
}

/**
 * An expression of the snippet (or of a comment) over the step's values; undefined when it reads something an
 * expectation cannot (a name the step did not give, a method of the code's own class), or, with `needsValues`,
 * nothing the step gave.
 */
function rewrite(expr: ts.Node, ctx: Context, needsValues = true): string | undefined {
  const file = expr.getSourceFile();
  const own = declaredIn(expr);
  const reps: Array<{ start: number; end: number; text: string }> = [];
  let touches = false;
  const hasCall = within(ctx.node, expr, file);
  if (hasCall) {
    reps.push({ start: ctx.node.getStart(file), end: ctx.node.end, text: "result" });
    touches = true;
  }
  const inCall = (n: ts.Node) => hasCall && within(n, ctx.node, file);
  for (const id of referencesIn(expr)) {
    if (inCall(id) || own.has(id.text)) continue;
    const s = ctx.subjects.get(id.text);
    const text = s ?? (ctx.consts.has(id.text) ? `(${literalText(ctx.consts.get(id.text))})` : undefined);
    if (text === undefined) {
      if (!ES_GLOBALS.has(id.text)) return undefined;
      continue;
    }
    if (s) touches = true;
    reps.push({ start: id.getStart(file), end: id.end, text: ts.isShorthandPropertyAssignment(id.parent) ? `${id.text}: ${text}` : text });
  }
  let callable = true;
  const check = (n: ts.Node): void => {
    if (inCall(n)) return;
    if (ts.isCallExpression(n)) {
      const callee = n.expression;
      let root: ts.Expression = callee;
      while (ts.isPropertyAccessExpression(root) || ts.isElementAccessExpression(root) || ts.isCallExpression(root)) root = root.expression;
      const global = ts.isIdentifier(root) && ES_GLOBALS.has(root.text) && !ctx.subjects.has(root.text);
      const local = ts.isIdentifier(callee) && own.has(callee.text);
      const method = ts.isPropertyAccessExpression(callee) && DATA_METHODS.has(callee.name.text);
      if (!global && !local && !method) callable = false;
    }
    ts.forEachChild(n, check);
  };
  check(expr);
  if (!callable || (needsValues && !touches)) return undefined;
  const start = expr.getStart(file);
  let text = file.text.slice(start, expr.end);
  for (const r of reps.sort((a, b) => b.start - a.start)) text = text.slice(0, r.start - start) + r.text + text.slice(r.end - start);
  return expressionJs(text);
}

/** The value side of an assertion: a literal, else an expression over the step's values. */
function valueSide(v: ts.Expression | undefined, ctx: Context): { lit: { value: unknown } } | { expr: string } | undefined {
  if (!v) return undefined;
  const lit = literalValue(v, ctx.consts);
  if (lit && !(ts.isIdentifier(v) && ctx.subjects.has(v.text))) return { lit };
  const expr = rewrite(v, ctx, false);
  return expr === undefined ? undefined : { expr };
}

function matcherLine(matcher: string, a: string, b: ReturnType<typeof valueSide>): string | undefined {
  const lit = b && "lit" in b ? b.lit.value : undefined;
  const other = b && "expr" in b ? b.expr : b ? literalText(lit) : undefined;
  switch (matcher) {
    case "toBe":
    case "equal":
    case "strictEqual":
      return b === undefined ? undefined : "lit" in b && (lit === null || typeof lit !== "object") ? equalsLine(a, lit) : `Object.is(${a}, ${other})`;
    case "toEqual":
    case "toStrictEqual":
    case "deepEqual":
    case "deepStrictEqual":
      return b === undefined ? undefined : "lit" in b ? equalsLine(a, lit) : `JSON.stringify(${a}) === JSON.stringify(${other})`;
    case "toBeUndefined":
      return `${wrap(a)} === undefined`;
    case "toBeDefined":
      return `${wrap(a)} !== undefined`;
    case "toBeNull":
      return `${wrap(a)} === null`;
    case "toBeTruthy":
    case "ok":
      return `Boolean(${a})`;
    case "toBeFalsy":
      return `!${wrap(a)}`;
    case "toHaveLength":
      return other === undefined ? undefined : `${wrap(a)}.length === ${other}`;
    case "toContain":
      return other === undefined ? undefined : `${wrap(a)}.includes(${other})`;
    case "toBeGreaterThan":
      return other === undefined ? undefined : `${wrap(a)} > ${other}`;
    case "toBeLessThan":
      return other === undefined ? undefined : `${wrap(a)} < ${other}`;
    default:
      return undefined;
  }
}

/** `expect(x).not.toEqual(v)`, `expect(() => call).toThrow()`, `assert.deepEqual(a, b)`, `assert(a)` after the call. */
function assertionLine(st: ts.ExpressionStatement, ctx: Context): { line: string; text: string } | undefined {
  const e = ts.isAwaitExpression(st.expression) ? st.expression.expression : st.expression;
  if (!ts.isCallExpression(e)) return undefined;
  const text = st.getText(ctx.file).replace(/\s+/g, " ").slice(0, 80);
  const callee = e.expression;
  if (ts.isIdentifier(callee) && callee.text === "assert") {
    const a = e.arguments[0] ? rewrite(e.arguments[0], ctx) : undefined;
    return a ? { line: `Boolean(${a})`, text } : undefined;
  }
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const matcher = callee.name.text;
  let recv = callee.expression;
  if (ts.isIdentifier(recv) && recv.text === "assert") {
    const not = /^not/.test(matcher);
    const base = not ? matcher.replace(/^not(\w)/, (_m, c: string) => c.toLowerCase()) : matcher;
    const a = e.arguments[0] ? rewrite(e.arguments[0], ctx) : undefined;
    const line = a ? matcherLine(base, a, valueSide(e.arguments[1], ctx)) : undefined;
    return line ? { line: not ? `!(${line})` : line, text } : undefined;
  }
  let not = false;
  if (ts.isPropertyAccessExpression(recv) && recv.name.text === "not") {
    not = true;
    recv = recv.expression;
  }
  if (!ts.isCallExpression(recv) || !ts.isIdentifier(recv.expression) || recv.expression.text !== "expect" || !recv.arguments[0]) return undefined;
  const subject = recv.arguments[0];
  if (/^toThrow/.test(matcher) && (ts.isArrowFunction(subject) || ts.isFunctionExpression(subject)) && within(ctx.node, subject, ctx.file)) return { line: not ? "error === undefined" : "error !== undefined", text };
  const a = rewrite(subject, ctx);
  const line = a ? matcherLine(matcher, a, valueSide(e.arguments[0], ctx)) : undefined;
  return line ? { line: not ? `!(${line})` : line, text } : undefined;
}

/**
 * Every expression statement at or after the call's own statement in the block that holds it, in text order:
 * another test case's `expect(next)` is about its own `next`.
 */
function statementsFrom(ctx: Context): ts.ExpressionStatement[] {
  const own = statementOf(ctx.node);
  const from = own?.getStart(ctx.file) ?? ctx.node.getStart(ctx.file);
  const out: ts.ExpressionStatement[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isExpressionStatement(n) && n.getStart(ctx.file) >= from) out.push(n);
    ts.forEachChild(n, visit);
  };
  visit(own?.parent ?? ctx.file);
  return out;
}

/** The comments right after the call's statement: on its line, then on the lines below it before the next code. */
function commentsAfter(ctx: Context): string[] {
  const st = statementOf(ctx.node);
  if (!st) return [];
  const out: string[] = [];
  for (const [i, line] of ctx.file.text.slice(st.end).split("\n").entries()) {
    const t = line.trim();
    if (i > 0 && t === "") continue;
    const m = /^\/\/\s?(.*)$|^\/\*+\s*(.*?)\s*\*+\/$/.exec(t);
    if (m) out.push((m[1] ?? m[2] ?? "").trim());
    else if (i > 0 || t !== "") break;
  }
  return out;
}

/** A subject named in words ("inverse patches" for `inversePatches`, "patches" for `patches2` when `loose`). */
function subjectNamed(words: string, subjects: ReadonlyMap<string, string>, loose = false): string | undefined {
  const parts = words.trim().split(/\s+/).filter(Boolean);
  const camel = parts.map((w, i) => (i === 0 ? w.toLowerCase() : `${w[0]?.toUpperCase() ?? ""}${w.slice(1).toLowerCase()}`)).join("");
  for (const [name, path] of subjects) {
    const n = name.toLowerCase();
    if (n === camel.toLowerCase() || (loose && n.replace(/\d+$/, "") === camel.toLowerCase())) return path;
  }
  return undefined;
}

/** "x should be v", "`x` should be `v`", "x: should be non-empty": the subject expression's text and the value's. */
const SHOULD_BE = /^\s*`?(.+?)`?\s*[:,]?\s+should(?: have)?(?: be(?:en)?| equal| return)\s+(.+?)\s*\.?\s*$/i;

/** The line for "`subject` should be `value`" when the subject reads the step's values. */
function shouldBeLine(subjectText: string, valueText: string, ctx: Context): string | undefined {
  const file = ts.createSourceFile("comment.ts", `(${subjectText});`, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const st = file.statements[0];
  if (file.statements.length !== 1 || !st || !ts.isExpressionStatement(st)) return undefined;
  let e: ts.Expression = st.expression;
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  // "patches[0].value === nothing: should be undefined" says what it is now: the subject is its left side.
  if (ts.isBinaryExpression(e) && [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken].includes(e.operatorToken.kind)) e = e.left;
  const a = rewrite(e, { ...ctx, file });
  if (!a) return undefined;
  const v = valueText.replace(/^`|`$/g, "").trim();
  if (/^(?:non-?empty|not empty)$/i.test(v)) return `${wrap(a)}?.length > 0`;
  if (/^empty$/i.test(v)) return `${wrap(a)}?.length === 0`;
  const value = valueOfText(v);
  return value ? equalsLine(a, value.value) : undefined;
}

// Names are a word or a few: the bound keeps the pattern linear on long prose.
const NON_EMPTY = /\bnon-?empty\s+([a-z]\w*(?: [a-z]\w*){0,3}?)(?:\s+and\s+(?:non-?empty\s+)?([a-z]\w*(?: [a-z]\w*){0,3}?))?\s*(?=[.,;:!?)]|$)/gim;
const SHOULD_NOT_BE_EMPTY = /\b([a-z]\w*(?: [a-z]\w*)?) should(?: not be empty| be non-?empty)\b/gi;
// One optional-whitespace run, then an optional colon and its own: two adjacent `\s*` backtrack over long spaces.
const BARE_EXPECTED = /\b(?:expected|expecting|should (?:be|return|log|print|output))\s*(?::\s*)?(true|false|null|undefined|NaN|-?\d+(?:\.\d+)?)\b/i;
/** How many statements and comments after the call are read for its expectation. */
const MAX_READ = 20;
const COMPARISON = new Set([ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken, ts.SyntaxKind.LessThanToken, ts.SyntaxKind.GreaterThanToken, ts.SyntaxKind.LessThanEqualsToken, ts.SyntaxKind.GreaterThanEqualsToken, ts.SyntaxKind.InstanceOfKeyword, ts.SyntaxKind.InKeyword]);

/** The expectations the snippet and its report give for one call (strongest reading first); undefined when they give none. */
export function snippetOutcome(read: SnippetRead, node: ts.CallExpression, prose: string, stated: StatedExpectation | undefined): SnippetOutcome | undefined {
  const ctx: Context = { file: read.file, node, subjects: subjectsOf(node), consts: read.consts };
  const after = statementsFrom(ctx);
  // A reproduction checks a few things: the first assertions are read, not thousands.
  const asserted = after.slice(0, MAX_READ).flatMap((st) => assertionLine(st, ctx) ?? []);
  if (asserted.length) return { lines: asserted.map((a) => a.line), from: `the snippet's ${asserted.map((a) => `\`${a.text}\``).join(", ")}` };
  // Comments right after the call, then sentences with inline code: "x should be v".
  const comments = commentsAfter(ctx).slice(0, MAX_READ);
  for (const c of comments) {
    // A comment is a line or two: a longer one is not read (the pattern backtracks over its length).
    const m = c.length <= 300 ? SHOULD_BE.exec(c) : null;
    const line = m?.[1] && m[2] ? shouldBeLine(m[1], m[2], ctx) : undefined;
    if (line) return { lines: [line], from: `the comment "${c.slice(0, 80)}"` };
  }
  for (const m of [...prose.matchAll(/`([^`\n]+)`(?:[:,]\s*|\s+(?:[:,]\s*)?)should(?: have)?(?: be(?:en)?| equal| return)\s+(`[^`\n]+`|non-?empty|empty)/gi)].slice(0, 20)) {
    const line = m[1] && m[2] ? shouldBeLine(m[1], m[2], ctx) : undefined;
    if (line) return { lines: [line], from: `"${m[0].slice(0, 80)}"` };
  }
  // "Expected non-empty patches and inverse patches", "patches should not be empty", a comment "no patches".
  const nonEmpty: Array<{ path: string; said: string }> = [];
  for (const m of prose.matchAll(NON_EMPTY)) for (const w of [m[1], m[2]]) {
    const path = w ? subjectNamed(w, ctx.subjects) : undefined;
    if (path) nonEmpty.push({ path, said: m[0] });
  }
  for (const m of prose.matchAll(SHOULD_NOT_BE_EMPTY)) {
    const path = m[1] ? subjectNamed(m[1], ctx.subjects) : undefined;
    if (path) nonEmpty.push({ path, said: m[0] });
  }
  const none = comments.map((c) => /^no ([a-z]\w*)\b/i.exec(c)).find((m) => m?.[1] && subjectNamed(m[1], ctx.subjects, true));
  if (none?.[1]) nonEmpty.push({ path: subjectNamed(none[1], ctx.subjects, true) as string, said: `// ${none[0]}` });
  const paths = [...new Set(nonEmpty.map((n) => n.path))];
  if (paths.length) return { lines: paths.map((p) => `${p}?.length > 0`), from: [...new Set(nonEmpty.map((n) => `"${n.said.trim()}"`))].join(", ") };
  // A logged value with the value the report expected of it.
  const bare = BARE_EXPECTED.exec(prose);
  const want = stated?.kind === "equals" ? { value: stated.value, from: stated.from } : bare?.[1] ? { value: valueOfText(bare[1])?.value, from: `"${bare[0]}"` } : undefined;
  if (want) {
    const logged = after.flatMap((st) => {
      const e = st.expression;
      if (!ts.isCallExpression(e) || !ts.isPropertyAccessExpression(e.expression) || !ts.isIdentifier(e.expression.expression) || e.expression.expression.text !== "console" || e.arguments.length !== 1) return [];
      const arg = e.arguments[0] as ts.Expression;
      const a = rewrite(arg, ctx);
      return a ? [{ arg, a }] : [];
    });
    const first = logged.find((l) => within(node, l.arg, read.file)) ?? logged[0];
    if (first) {
      let inner: ts.Expression = first.arg;
      while (ts.isParenthesizedExpression(inner)) inner = inner.expression;
      const compares = (ts.isBinaryExpression(inner) && COMPARISON.has(inner.operatorToken.kind)) || (ts.isPrefixUnaryExpression(inner) && inner.operator === ts.SyntaxKind.ExclamationToken);
      const line = compares && typeof want.value === "boolean" ? (want.value ? first.a : `!(${first.a})`) : equalsLine(first.a, want.value);
      return { lines: [line], from: `${want.from}, about the logged \`${first.arg.getText(read.file).replace(/\s+/g, " ").slice(0, 60)}\`` };
    }
  }
  return undefined;
}

/**
 * The report's stated expectation as the call's own, when it can be: a value only when the result is not
 * destructured (the value is then of the whole result), a throw or no throw only when no later statement uses
 * what the call gave (the report may be about that statement).
 */
export function statedOutcome(read: SnippetRead, node: ts.CallExpression, stated: StatedExpectation): SnippetOutcome | { missing: string } {
  const subjects = subjectsOf(node);
  const results = [...subjects].filter(([, p]) => p.startsWith("result"));
  if ((stated.kind === "equals" || stated.kind === "text") && results.some(([, p]) => p !== "result")) {
    return { missing: `which value the expected outcome is about: the call's result is destructured into ${results.map(([n]) => `\`${n}\``).join(", ")}; say which should be what ("\`${results[0]?.[0] ?? "x"}\` should be \`…\`")` };
  }
  if (stated.kind === "no-throw" || stated.kind === "throws") {
    const own = statementOf(node);
    const later = statementsFrom({ file: read.file, node, subjects, consts: read.consts }).find((st) => st !== own && !isShowing(st) && referencesIn(st).some((id) => subjects.has(id.text)));
    if (later) return { missing: `the outcome of the call itself: the report says what happens at a later statement (\`${later.getText(read.file).replace(/\s+/g, " ").slice(0, 60)}\`), which a one-call step cannot check; say what the call should give` };
  }
  return { lines: expectationLines(stated), from: stated.from };
}
