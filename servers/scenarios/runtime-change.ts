import { ts } from "@ts-morph/common";
import type { Hunk } from "../git-history/diff.js";

/**
 * What in a changed source text a run can see. The sandbox transpiles TypeScript with `transpileModule` (no
 * decorator metadata), so types are erased: a change inside a type alias, an interface, an annotation or a type
 * argument changes nothing a run executes. Coverage selection (coverage.ts) asks these questions of the two
 * sides of a changed file; every answer errs towards "it may matter".
 */

/** Parsed as its extension says: `<T>(x: T) => x` is a generic arrow in a .ts file and JSX in a .tsx one. */
export function parseSource(text: string, path = "x.ts"): ts.SourceFile {
  const kind = /\.tsx$/.test(path) ? ts.ScriptKind.TSX : /\.jsx$/.test(path) ? ts.ScriptKind.JSX : /\.[cm]?js$/.test(path) ? ts.ScriptKind.JS : /\.json$/.test(path) ? ts.ScriptKind.JSON : ts.ScriptKind.TS;
  return ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
}

const hasModifier = (n: ts.Node, kind: ts.SyntaxKind) => ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === kind);

/** Syntax the transpiler erases: type declarations, annotations, type arguments, `declare`, `implements`, overload signatures. */
function erased(n: ts.Node): boolean {
  switch (n.kind) {
    case ts.SyntaxKind.InterfaceDeclaration:
    case ts.SyntaxKind.TypeAliasDeclaration:
    case ts.SyntaxKind.TypeParameter:
      return true;
    case ts.SyntaxKind.ImportDeclaration:
      return (n as ts.ImportDeclaration).importClause?.isTypeOnly === true;
    case ts.SyntaxKind.ExportDeclaration:
      return (n as ts.ExportDeclaration).isTypeOnly;
    case ts.SyntaxKind.ImportSpecifier:
    case ts.SyntaxKind.ExportSpecifier:
      return (n as ts.ImportSpecifier | ts.ExportSpecifier).isTypeOnly;
    case ts.SyntaxKind.HeritageClause:
      return (n as ts.HeritageClause).token === ts.SyntaxKind.ImplementsKeyword;
    case ts.SyntaxKind.FunctionDeclaration:
    case ts.SyntaxKind.MethodDeclaration:
    case ts.SyntaxKind.Constructor:
      if (!(n as ts.FunctionLikeDeclaration).body) return true; // an overload signature or an abstract method
      break;
  }
  if (hasModifier(n, ts.SyntaxKind.DeclareKeyword)) return true;
  if ((ts.isPropertyDeclaration(n) || ts.isGetAccessor(n) || ts.isSetAccessor(n)) && hasModifier(n, ts.SyntaxKind.AbstractKeyword)) return true;
  const parent = n.parent as (ts.Node & { type?: ts.Node; typeArguments?: ts.NodeArray<ts.Node> }) | undefined;
  if (!parent) return false;
  if (parent.type === n && n.kind >= ts.SyntaxKind.FirstTypeNode) return true; // an annotation: `x: T`, `): T`, `as T`, `satisfies T`
  if (parent.type === n && isKeywordType(n.kind)) return true;
  return parent.typeArguments?.includes(n) === true;
}

function isKeywordType(kind: ts.SyntaxKind): boolean {
  switch (kind) {
    case ts.SyntaxKind.AnyKeyword:
    case ts.SyntaxKind.UnknownKeyword:
    case ts.SyntaxKind.NumberKeyword:
    case ts.SyntaxKind.BigIntKeyword:
    case ts.SyntaxKind.ObjectKeyword:
    case ts.SyntaxKind.BooleanKeyword:
    case ts.SyntaxKind.StringKeyword:
    case ts.SyntaxKind.SymbolKeyword:
    case ts.SyntaxKind.VoidKeyword:
    case ts.SyntaxKind.UndefinedKeyword:
    case ts.SyntaxKind.NeverKeyword:
    case ts.SyntaxKind.IntrinsicKeyword:
      return true;
    default:
      return false;
  }
}

/**
 * The lines of a source text that hold code a run executes: the lines each token of the parsed file spans
 * (the parser's tokens, so a regex holding `/*` or template text starting with `//` is code, and comments are
 * not), leaving out what the transpiler erases.
 */
export function codeLines(source: string | ts.SourceFile, path?: string): Set<number> {
  const sf = typeof source === "string" ? parseSource(source, path) : source;
  const lines = new Set<number>();
  const mark = (from: number, to: number) => {
    const a = sf.getLineAndCharacterOfPosition(from).line + 1;
    const b = sf.getLineAndCharacterOfPosition(Math.max(from, to - 1)).line + 1;
    for (let l = a; l <= b; l++) lines.add(l);
  };
  const visit = (n: ts.Node): void => {
    if (n.kind >= ts.SyntaxKind.FirstJSDocNode && n.kind <= ts.SyntaxKind.LastJSDocNode) return; // doc comments are comments
    if (erased(n)) return;
    const kids = n.getChildren(sf);
    if (kids.length === 0) {
      if (n.kind !== ts.SyntaxKind.EndOfFileToken) mark(n.getStart(sf), n.getEnd());
      return;
    }
    for (const k of kids) visit(k);
  };
  visit(sf);
  return lines;
}

/**
 * The declaration shape of lines `from`-`to`: every function, method, accessor and class that starts there,
 * with its container, kind, name and modifiers, and every var declared there with the function it hoists to.
 * Equal on both sides of a hunk, a rewrite of a declaration that never ran (its parameters, its return type,
 * its body) changed no name, no property and no member kind that the run could have read without calling it.
 */
export function declarationShape(sf: ts.SourceFile, from = 1, to = Number.MAX_SAFE_INTEGER): string {
  const out: string[] = [];
  const within = (n: ts.Node) => {
    const line = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
    return line >= from && line <= to;
  };
  const visit = (n: ts.Node, path: string): void => {
    let here = path;
    if (ts.isFunctionLike(n) || ts.isClassLike(n)) {
      const name = ts.getNameOfDeclaration(n as ts.Declaration)?.getText(sf) ?? "";
      const flags = ts.getCombinedModifierFlags(n as ts.Declaration);
      const star = "asteriskToken" in n && n.asteriskToken ? "*" : "";
      here = `${path}/${ts.SyntaxKind[n.kind]}${star}:${flags}:${name}`;
      if (within(n)) out.push(here);
    }
    // A var hoists to its function, wherever it sits: renamed in a branch that never ran, it still shadows.
    if (ts.isVariableDeclarationList(n) && !(n.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const))) {
      for (const d of n.declarations) if (within(d)) for (const name of bindingNames(d.name)) out.push(`${path}/var:${name}`);
    }
    ts.forEachChild(n, (k) => visit(k, here));
  };
  visit(sf, "");
  return out.sort().join("\n");
}

/** Whether a hunk changes the declaration shape of the lines it replaces (see declarationShape). */
export function hunkChangesShape(h: Hunk, sides: ParsedSides): boolean {
  const before = h.oldLines ? declarationShape(sides.base, h.oldStart, h.oldStart + h.oldLines - 1) : "";
  const after = h.newLines ? declarationShape(sides.head, h.newStart, h.newStart + h.newLines - 1) : "";
  return before !== after;
}

function bindingNames(b: ts.BindingName): string[] {
  if (ts.isIdentifier(b)) return [b.text];
  return b.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : bindingNames(e.name)));
}

/** What a top-level statement declares, when evaluating it does nothing else: `function f`, or unexported `let/const/var x = <function or literal>`. */
function inertDeclares(st: ts.Statement): string[] | undefined {
  if (hasModifier(st, ts.SyntaxKind.ExportKeyword) || hasModifier(st, ts.SyntaxKind.DefaultKeyword)) return undefined;
  if (ts.isFunctionDeclaration(st)) return st.name && st.body ? [st.name.text] : undefined;
  if (!ts.isVariableStatement(st)) return undefined;
  const names: string[] = [];
  for (const d of st.declarationList.declarations) {
    if (!ts.isIdentifier(d.name)) return undefined;
    const init = d.initializer ? unwrap(d.initializer) : undefined;
    if (init && !inertValue(init)) return undefined;
    names.push(d.name.text);
  }
  return names;
}

/** The expression inside parentheses, `as`, `satisfies` and `!`, which evaluate to it. */
function unwrap(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e)) e = e.expression;
  return e;
}

/** Evaluating it makes a value and does nothing else. */
function inertValue(e: ts.Expression): boolean {
  return (
    ts.isArrowFunction(e) ||
    ts.isFunctionExpression(e) ||
    ts.isStringLiteral(e) ||
    ts.isNumericLiteral(e) ||
    ts.isBigIntLiteral(e) ||
    ts.isNoSubstitutionTemplateLiteral(e) ||
    ts.isRegularExpressionLiteral(e) ||
    e.kind === ts.SyntaxKind.TrueKeyword ||
    e.kind === ts.SyntaxKind.FalseKeyword ||
    e.kind === ts.SyntaxKind.NullKeyword
  );
}

function topLevelStatementAt(sf: ts.SourceFile, line: number): ts.Statement | undefined {
  return sf.statements.find((s) => {
    const a = sf.getLineAndCharacterOfPosition(s.getStart(sf)).line + 1;
    const b = sf.getLineAndCharacterOfPosition(s.getEnd()).line + 1;
    return a <= line && line <= b;
  });
}

export interface ParsedSides {
  base: ts.SourceFile;
  head: ts.SourceFile;
  code: { base: Set<number>; head: Set<number> };
}

/**
 * Whether a hunk between top-level statements only adds, removes or rewrites declarations that do nothing when
 * evaluated (an unexported function, or a variable bound to a function or a literal) and whose names appear
 * nowhere in the base file's unchanged lines (`all`: the file's hunks): no unchanged code can reach them, so a run that never executed a changed
 * statement behaves the same. An export, an import, a call, a class or a file that uses `eval` or `with` is
 * never inert.
 */
export function inertModuleHunk(h: Hunk, sides: ParsedSides, all: readonly Hunk[] = [h]): boolean {
  if (/\beval\b|\bwith\s*\(/.test(sides.base.text)) return false;
  const names = new Set<string>();
  const side = (sf: ts.SourceFile, start: number, count: number, code: Set<number>): boolean => {
    for (let l = start; l < start + count; l++) {
      if (!code.has(l)) continue;
      const st = topLevelStatementAt(sf, l);
      const declared = st && inertDeclares(st);
      if (!declared) return false;
      for (const n of declared) names.add(n);
    }
    return true;
  };
  if (!side(sides.base, h.oldStart, h.oldLines, sides.code.base) || !side(sides.head, h.newStart, h.newLines, sides.code.head)) return false;
  if (!names.size) return false;
  // Unchanged code is the same on both sides; changed code that names them meets the run on its own if it ran.
  const changed = (line: number) => all.some((x) => line >= x.oldStart && line < x.oldStart + x.oldLines);
  const outside = sides.base.text
    .split("\n")
    .filter((_, i) => !changed(i + 1))
    .join("\n");
  for (const n of names) if (new RegExp(`(?<![\\w$])${n.replace(/\$/g, "\\$")}(?![\\w$])`).test(outside)) return false;
  return true;
}

/** A function whose body a change lies in: where it starts and ends (as the instrumenter's function sites say). */
export interface EnclosingFunction {
  line: number;
  endLine: number;
}

/**
 * The functions, innermost first, whose bodies hold every character a modifying hunk changes, on both sides: such a
 * change can matter to a run only if the function ran (an arrow on the line of a top-level `const` included, whose
 * statement ran at load for every run). Empty when the hunk only inserts, or reaches outside a body on either side.
 */
export function enclosingFunctions(h: Hunk, sides: ParsedSides): EnclosingFunction[] {
  if (h.oldLines === 0) return [];
  const segment = (sf: ts.SourceFile, start: number, lines: number): [number, number] => {
    const starts = sf.getLineStarts();
    const from = lines > 0 ? (starts[start - 1] ?? sf.text.length) : (starts[start] ?? sf.text.length);
    const to = lines > 0 ? (starts[start - 1 + lines] ?? sf.text.length) : from;
    return [from, to];
  };
  const [b0, b1] = segment(sides.base, h.oldStart, h.oldLines);
  const [h0, h1] = segment(sides.head, h.newStart, h.newLines);
  const bt = sides.base.text.slice(b0, b1);
  const ht = sides.head.text.slice(h0, h1);
  let p = 0;
  while (p < bt.length && p < ht.length && bt[p] === ht[p]) p++;
  let q = 0;
  while (q < bt.length - p && q < ht.length - p && bt[bt.length - 1 - q] === ht[ht.length - 1 - q]) q++;
  const inBodies = (sf: ts.SourceFile, from: number, to: number): ts.FunctionLikeDeclaration[] => {
    const out: ts.FunctionLikeDeclaration[] = [];
    const visit = (n: ts.Node): void => {
      if (n.getStart(sf) > from || n.getEnd() < to) return;
      if (ts.isFunctionLike(n) && "body" in n && n.body && n.body.getStart(sf) <= from && to <= n.body.getEnd()) out.unshift(n as ts.FunctionLikeDeclaration);
      n.forEachChild(visit);
    };
    visit(sf);
    return out;
  };
  const base = inBodies(sides.base, b0 + p, b1 - q);
  const head = inBodies(sides.head, h0 + p, h1 - q);
  // The same functions on both sides (by kind and parameters): a change that moved a body's edge is not inside it.
  const sig = (sf: ts.SourceFile, fn: ts.FunctionLikeDeclaration) => `${fn.kind}:${fn.parameters.map((x) => x.getText(sf)).join(",")}`;
  if (base.length === 0 || base.length !== head.length || base.some((fn, i) => sig(sides.base, fn) !== sig(sides.head, head[i] as ts.FunctionLikeDeclaration))) return [];
  const lineOf = (pos: number) => sides.base.getLineAndCharacterOfPosition(pos).line + 1;
  return base.map((fn) => ({ line: lineOf(fn.getStart(sides.base)), endLine: lineOf(fn.getEnd()) }));
}
