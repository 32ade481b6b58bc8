import { ts } from "@ts-morph/common";

/**
 * Calls of a package's public API in a snippet of a bug report: `import YAML from "pkg"`, `import { a } from
 * "pkg"`, `import * as P from "pkg"`, `const X = require("pkg")` (or its destructured form), then `X.member(...)`,
 * `a(...)` or `require("pkg").member(...)`. A Node REPL transcript (`> ` prompts) is read as the code it typed. Arguments are kept when they are literals (strings, template literals without holes, numbers,
 * objects and arrays of them) or names the snippet binds to one.
 */
export interface SnippetCall {
  /** The export called (`parse` for `YAML.parse(src)` or `import { parse }`). */
  member: string;
  /** Each argument's value, or `unresolved` with the name the snippet used for it. */
  args: Array<{ value: unknown } | { unresolved: string }>;
  /** The call as the snippet wrote it, shortened. */
  text: string;
}

export type Literal = { value: unknown } | undefined;

/** A literal expression's value; undefined when it is not one (a call, a name bound to a non-literal). */
export function literalValue(node: ts.Expression, consts: ReadonlyMap<string, unknown>): Literal {
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) return literalValue(node.expression, consts);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return { value: node.text };
  if (ts.isTemplateExpression(node)) {
    let out = node.head.text;
    for (const span of node.templateSpans) {
      const v = literalValue(span.expression, consts);
      if (!v || (typeof v.value !== "string" && typeof v.value !== "number")) return undefined;
      out += String(v.value) + span.literal.text;
    }
    return { value: out };
  }
  if (ts.isNumericLiteral(node)) return { value: Number(node.text) };
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(node.operand)) return { value: -Number(node.operand.text) };
  if (node.kind === ts.SyntaxKind.TrueKeyword) return { value: true };
  if (node.kind === ts.SyntaxKind.FalseKeyword) return { value: false };
  if (node.kind === ts.SyntaxKind.NullKeyword) return { value: null };
  if (ts.isIdentifier(node)) {
    if (node.text === "undefined") return { value: undefined };
    return consts.has(node.text) ? { value: consts.get(node.text) } : undefined;
  }
  if (ts.isArrayLiteralExpression(node)) {
    const out: unknown[] = [];
    for (const e of node.elements) {
      const v = literalValue(e, consts);
      if (!v) return undefined;
      out.push(v.value);
    }
    return { value: out };
  }
  // `objs[0]`, `table.a` of a literal the snippet bound: the element it names.
  if ((ts.isElementAccessExpression(node) || ts.isPropertyAccessExpression(node)) && !node.questionDotToken) {
    const of = literalValue(node.expression, consts);
    const key = ts.isPropertyAccessExpression(node) ? { value: node.name.text } : literalValue(node.argumentExpression, consts);
    if (!of || !key || of.value === null || typeof of.value !== "object" || (typeof key.value !== "string" && typeof key.value !== "number")) return undefined;
    return Object.hasOwn(of.value, key.value) ? { value: (of.value as Record<string, unknown>)[key.value] } : undefined;
  }
  if (ts.isObjectLiteralExpression(node)) {
    const out: Record<string, unknown> = {};
    for (const p of node.properties) {
      if (ts.isShorthandPropertyAssignment(p)) {
        if (!consts.has(p.name.text)) return undefined;
        out[p.name.text] = consts.get(p.name.text);
        continue;
      }
      if (!ts.isPropertyAssignment(p)) return undefined;
      const key = ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) || ts.isNumericLiteral(p.name) ? p.name.text : undefined;
      const v = key === undefined ? undefined : literalValue(p.initializer, consts);
      if (key === undefined || !v) return undefined;
      out[key] = v.value;
    }
    return { value: out };
  }
  return undefined;
}

/** A JS literal written as text (`{ a: 1 }`, `['x']`, `"s"`), as a value; undefined when it is not one. */
export function parseLiteralText(text: string): Literal {
  const file = ts.createSourceFile("value.ts", `(${text.trim()});`, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const st = file.statements[0];
  if (file.statements.length !== 1 || !st || !ts.isExpressionStatement(st)) return undefined;
  return literalValue(st.expression, new Map());
}

function requireOf(node: ts.Expression | undefined, pkg: string): boolean {
  if (!node) return false;
  const inner = ts.isPropertyAccessExpression(node) && node.name.text === "default" ? node.expression : node;
  return ts.isCallExpression(inner) && ts.isIdentifier(inner.expression) && inner.expression.text === "require" && inner.arguments.length === 1 && ts.isStringLiteral(inner.arguments[0] as ts.Expression) && (inner.arguments[0] as ts.StringLiteral).text === pkg;
}

/** A bare name for the package, as reports write it without an import (`YAML` for yaml, `miniyaml`). */
const looseName = (s: string) => s.replace(/^@[^/]+\//, "").replace(/[^a-z0-9]/gi, "").toLowerCase();

/** A line a person types as code, not a banner ("Welcome to Node.js v22") or a shell prompt ("$ node"). */
const CODE_LINE = /[=(;{]|^\s*(?:const|let|var|import|require)\b/;

/**
 * What a REPL transcript typed: its `> ` lines (and `... ` continuations). A snippet whose code comes before
 * its first `> ` line is a program, not a transcript: its `> ` lines show what it printed and become comments.
 */
export function typedCode(code: string): string {
  const lines = code.split("\n");
  const first = lines.findIndex((l) => /^> \S/.test(l));
  if (first < 0) return code;
  if (lines.slice(0, first).some((l) => CODE_LINE.test(l))) return lines.map((l) => (/^> /.test(l) ? `// ${l}` : l)).join("\n");
  return lines.flatMap((l) => (/^(?:>|\.\.\.) /.test(l) ? [l.replace(/^(?:>|\.\.\.) /, "")] : [])).join("\n");
}

/** A snippet read against a package: its parsed code, how it names the package, and its calls of the API with their nodes. */
export interface SnippetRead {
  file: ts.SourceFile;
  calls: Array<{ call: SnippetCall; node: ts.CallExpression }>;
  /** Whether the snippet imports or requires the package. */
  imports: boolean;
  /** Names that stand for the whole package (`YAML` of `import YAML from "yaml"`). */
  namespaces: ReadonlySet<string>;
  /** Local name to the export it names (`p` to `produce` for `import { produce as p }`). */
  named: ReadonlyMap<string, string>;
  /** Names the snippet binds to a literal, with the literal's value. */
  consts: ReadonlyMap<string, unknown>;
}

/**
 * The snippet's calls of `pkg`'s API, in text order. `exports` (when known) keeps calls to names the entry
 * exports; a namespace the snippet never imported still counts when it is the package's own name (`YAML.parse`)
 * or one of `aliases`, the names the package's README imports it as.
 */
export function snippetCalls(snippet: string, pkg: string, exports: ReadonlySet<string>, aliases: ReadonlySet<string> = new Set()): { calls: SnippetCall[]; imports: boolean; namespaces: string[] } {
  const r = readSnippet(snippet, pkg, exports, aliases);
  return { calls: r.calls.map((c) => c.call), imports: r.imports, namespaces: [...r.namespaces] };
}

export function readSnippet(snippet: string, pkg: string, exports: ReadonlySet<string>, aliases: ReadonlySet<string> = new Set()): SnippetRead {
  const code = typedCode(snippet);
  const file = ts.createSourceFile("snippet.ts", code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TSX);
  const namespaces = new Set<string>();
  const named = new Map<string, string>();
  const consts = new Map<string, unknown>();
  const declared = new Set<string>();
  let imports = false;
  const visitDecl = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && node.moduleSpecifier.text === pkg) {
      imports = true;
      const clause = node.importClause;
      if (clause?.name) namespaces.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) namespaces.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings)) for (const el of bindings.elements) named.set(el.name.text, (el.propertyName ?? el.name).text);
    } else if (ts.isVariableDeclaration(node)) {
      if (requireOf(node.initializer, pkg)) {
        imports = true;
        if (ts.isIdentifier(node.name)) namespaces.add(node.name.text);
        else if (ts.isObjectBindingPattern(node.name)) {
          for (const el of node.name.elements) if (ts.isIdentifier(el.name)) named.set(el.name.text, el.propertyName && ts.isIdentifier(el.propertyName) ? el.propertyName.text : el.name.text);
        }
      } else if (ts.isIdentifier(node.name)) {
        declared.add(node.name.text);
        const v = node.initializer ? literalValue(node.initializer, consts) : undefined;
        if (v) consts.set(node.name.text, v.value);
      }
    } else if (ts.isFunctionDeclaration(node) && node.name) declared.add(node.name.text);
    ts.forEachChild(node, visitDecl);
  };
  visitDecl(file);
  const calls: SnippetRead["calls"] = [];
  const visitCall = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      let member: string | undefined;
      if (ts.isPropertyAccessExpression(callee) && requireOf(callee.expression, pkg)) member = callee.name.text;
      else if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
        const ns = callee.expression.text;
        if (namespaces.has(ns) || (!declared.has(ns) && (looseName(ns) === looseName(pkg) || aliases.has(ns)))) member = callee.name.text;
      } else if (ts.isIdentifier(callee)) {
        member = named.get(callee.text) ?? (!imports && !declared.has(callee.text) && exports.has(callee.text) ? callee.text : undefined);
      }
      if (member && (exports.size === 0 || exports.has(member))) {
        const args = node.arguments.map((a) => literalValue(a, consts) ?? { unresolved: ts.isIdentifier(a) ? a.text : a.getText(file).slice(0, 40) });
        calls.push({ call: { member, args, text: node.getText(file).replace(/\s+/g, " ").slice(0, 120) }, node });
      }
    }
    ts.forEachChild(node, visitCall);
  };
  visitCall(file);
  return { file, calls, imports, namespaces, named, consts };
}
