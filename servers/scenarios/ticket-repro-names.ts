import { ts } from "@ts-morph/common";

/**
 * Names in a snippet's code, as far as drafting a reproduction needs them: which identifiers a piece of code
 * reads (its free names) and which it declares. Scopes are approximated by the piece: a name declared
 * anywhere inside it (a recipe's parameter, a local const) counts as its own.
 */

/** The ES built-ins: what an expectation may use beside the step's values (it runs in a pristine realm). */
export const ES_GLOBALS: ReadonlySet<string> = new Set([
  ...["undefined", "NaN", "Infinity", "globalThis", "isNaN", "isFinite", "parseInt", "parseFloat", "encodeURI", "encodeURIComponent", "decodeURI", "decodeURIComponent"],
  ...["Object", "Function", "Array", "Number", "String", "Boolean", "Symbol", "BigInt", "Math", "JSON", "Date", "RegExp", "Promise", "Proxy", "Reflect", "Intl"],
  ...["Map", "Set", "WeakMap", "WeakSet", "WeakRef", "FinalizationRegistry", "ArrayBuffer", "SharedArrayBuffer", "DataView", "Atomics"],
  ...["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array"],
  ...["Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError", "URIError", "AggregateError"],
]);

/** Globals the sandbox gives code (the ES built-ins and the Node and web globals it simulates): a snippet may use them freely. */
export const SANDBOX_GLOBALS: ReadonlySet<string> = new Set([
  ...ES_GLOBALS,
  ...["arguments", "eval", "console", "process", "Buffer", "global", "setTimeout", "clearTimeout", "setInterval", "clearInterval", "setImmediate", "clearImmediate", "queueMicrotask", "structuredClone"],
  ...["URL", "URLSearchParams", "TextEncoder", "TextDecoder", "AbortController", "AbortSignal", "Event", "EventTarget", "performance"],
]);

/** Whether an identifier is read here (not a declaration, a property name, a label or part of a type). */
export function isReference(id: ts.Identifier): boolean {
  const p = id.parent;
  if (!p) return true;
  if (ts.isPropertyAccessExpression(p) && p.name === id) return false;
  if (ts.isQualifiedName(p) || ts.isMetaProperty(p)) return false;
  if ((ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p) || ts.isPropertyDeclaration(p) || ts.isGetAccessorDeclaration(p) || ts.isSetAccessorDeclaration(p) || ts.isPropertySignature(p) || ts.isEnumMember(p)) && p.name === id) return false;
  if (ts.isBindingElement(p) || ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isFunctionDeclaration(p) || ts.isFunctionExpression(p) || ts.isClassDeclaration(p) || ts.isClassExpression(p) || ts.isEnumDeclaration(p)) {
    // A default value (`{ a = x }`, `(p = x) =>`) is read; the name bound is not.
    return "initializer" in p && p.initializer === id;
  }
  if (ts.isImportSpecifier(p) || ts.isExportSpecifier(p) || ts.isImportClause(p) || ts.isNamespaceImport(p)) return false;
  if (ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) return false;
  if (ts.isJsxAttribute(p) || ((ts.isJsxOpeningElement(p) || ts.isJsxSelfClosingElement(p) || ts.isJsxClosingElement(p)) && /^[a-z]/.test(id.text))) return false;
  return true;
}

/** The names a binding binds (`a`, `[a, , b]`, `{ a, b: { c } }`). */
function bindNames(name: ts.BindingName, out: Set<string>): Set<string> {
  if (ts.isIdentifier(name)) out.add(name.text);
  else for (const el of name.elements) if (!ts.isOmittedExpression(el)) bindNames(el.name, out);
  return out;
}

/** Names a node declares anywhere inside it: bindings, parameters, functions, classes, enums, catch variables. */
export function declaredIn(node: ts.Node): Set<string> {
  const out = new Set<string>();
  const bind = (name: ts.BindingName) => bindNames(name, out);
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) || ts.isParameter(n) || ts.isBindingElement(n)) bind(n.name);
    else if ((ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isClassDeclaration(n) || ts.isClassExpression(n) || ts.isEnumDeclaration(n)) && n.name) out.add(n.name.text);
    if (ts.isTypeNode(n) && !ts.isExpressionWithTypeArguments(n)) return;
    ts.forEachChild(n, visit);
  };
  visit(node);
  return out;
}

/** Names a statement declares for the code after it (its own bindings, not those of nested functions). */
export function declaredBy(st: ts.Statement): Set<string> {
  const out = new Set<string>();
  if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) bindNames(d.name, out);
  else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st)) && st.name) out.add(st.name.text);
  return out;
}

/** Each identifier a node reads, with its node; `typeof x` reads nothing (it never throws). Types are skipped. */
export function referencesIn(node: ts.Node): ts.Identifier[] {
  const out: ts.Identifier[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isTypeOfExpression(n) && ts.isIdentifier(n.expression)) return;
    if (ts.isTypeNode(n) && !(ts.isExpressionWithTypeArguments(n) && ts.isHeritageClause(n.parent) && n.parent.token === ts.SyntaxKind.ExtendsKeyword)) return;
    if (ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n)) return;
    if (ts.isIdentifier(n)) {
      if (isReference(n)) out.push(n);
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return out;
}

/** The names a node reads that it does not declare itself. */
export function freeNames(node: ts.Node): Map<string, ts.Identifier[]> {
  const own = declaredIn(node);
  const out = new Map<string, ts.Identifier[]>();
  for (const id of referencesIn(node)) {
    if (own.has(id.text)) continue;
    out.set(id.text, [...(out.get(id.text) ?? []), id]);
  }
  return out;
}

/** TypeScript to JavaScript for one expression (types and annotations dropped); undefined when it does not parse. */
export function expressionJs(source: string): string | undefined {
  const out = ts.transpileModule(`(${source});\n`, {
    fileName: "snippet.tsx",
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, jsx: ts.JsxEmit.Preserve, removeComments: true, sourceMap: false },
  });
  if (out.diagnostics?.some((d) => d.category === ts.DiagnosticCategory.Error)) return undefined;
  const text = out.outputText.replace(/^\s*"use strict";\s*/, "").replace(/\/\/# sourceMappingURL=.*$/m, "").trim().replace(/;$/, "");
  // What came out must still be one expression: a snippet's `})` cannot close the wrapper early.
  const check = ts.createSourceFile("check.js", `${text};`, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const st = check.statements[0];
  if (check.statements.length !== 1 || !st || !ts.isExpressionStatement(st) || st.expression.end !== text.length) return undefined;
  // The parentheses added to read it as an expression go again.
  return ts.isParenthesizedExpression(st.expression) ? st.expression.expression.getText(check) : text;
}
