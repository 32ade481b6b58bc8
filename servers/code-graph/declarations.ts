import { ts } from "@ts-morph/common";

/**
 * Which declarations are symbols of the code graph, and their qualified names. One module serves both the
 * syntax pass (which lists symbols) and the checker pass (which maps a resolved declaration back to its
 * id), so both always agree on ids.
 */
export type SymbolKind =
  | "function"
  | "arrow-function"
  | "function-expression"
  | "class"
  | "method"
  | "constructor"
  | "accessor"
  | "property"
  | "interface"
  | "method-signature"
  | "type-alias"
  | "enum"
  | "variable";

export interface DeclarationInfo {
  qualifiedName: string;
  name: string;
  kind: SymbolKind;
  /** The node whose span is the symbol's span. */
  spanNode: ts.Node;
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) ? (ts.getModifiers(node) ?? []).some((m) => m.kind === kind) : false;
}

export function isExportedDeclaration(node: ts.Node): boolean {
  return hasModifier(node, ts.SyntaxKind.ExportKeyword);
}

export function isDefaultExport(node: ts.Node): boolean {
  return hasModifier(node, ts.SyntaxKind.ExportKeyword) && hasModifier(node, ts.SyntaxKind.DefaultKeyword);
}

function isTopLevel(node: ts.Node): boolean {
  return ts.isSourceFile(node.parent);
}

function memberName(name: ts.PropertyName | undefined): string | undefined {
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) return name.text;
  if (ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return undefined;
}

function ownerName(owner: ts.ClassLikeDeclaration | ts.InterfaceDeclaration): string | undefined {
  if (!isTopLevel(owner)) return undefined;
  if (ts.isClassDeclaration(owner) && isDefaultExport(owner)) return "default";
  return owner.name?.text;
}

/** `exports.foo = ...` or `module.exports.foo = ...` as a top-level statement of a CommonJS file. */
function commonJsExportName(node: ts.BinaryExpression): string | undefined {
  if (node.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return undefined;
  if (!ts.isExpressionStatement(node.parent) || !ts.isSourceFile(node.parent.parent)) return undefined;
  const left = node.left;
  if (!ts.isPropertyAccessExpression(left)) return undefined;
  const target = left.expression;
  const isModuleExports =
    ts.isPropertyAccessExpression(target) &&
    ts.isIdentifier(target.expression) &&
    target.expression.text === "module" &&
    target.name.text === "exports";
  if (ts.isIdentifier(left.name) && left.name.text === "exports" && ts.isIdentifier(target) && target.text === "module") {
    return "default";
  }
  if ((ts.isIdentifier(target) && target.text === "exports") || isModuleExports) return left.name.text;
  return undefined;
}

/** An expression without the wrappers that do not change its value: parentheses, `as`, `satisfies`, `!`. */
export function unwrapExpression(expr: ts.Expression): ts.Expression {
  while (
    ts.isParenthesizedExpression(expr) ||
    ts.isAsExpression(expr) ||
    ts.isSatisfiesExpression(expr) ||
    ts.isTypeAssertionExpression(expr) ||
    ts.isNonNullExpression(expr)
  ) {
    expr = expr.expression;
  }
  return expr;
}

function functionValueKind(init: ts.Expression | undefined): SymbolKind | undefined {
  if (!init) return undefined;
  init = unwrapExpression(init);
  if (ts.isArrowFunction(init)) return "arrow-function";
  if (ts.isFunctionExpression(init)) return "function-expression";
  // `const log = debug ? (x) => print(x) : () => {}`: a function either way.
  if (ts.isConditionalExpression(init)) {
    const a = functionValueKind(init.whenTrue);
    return a && functionValueKind(init.whenFalse) ? a : undefined;
  }
  return undefined;
}

/**
 * Object literals as containers of symbols. A member of an object literal is a symbol when its value is a
 * function (a method, an accessor, an arrow or function expression) or an object or array literal that
 * holds such members; its qualified name is the path to it from a symbol: `binary.stringify`,
 * `jsonScalars[0].resolve`, `handlers.user.create`, `default.resolve` for `export default { ... }`.
 * Members holding only data (strings, numbers, regexes) are not symbols: a large table stays one symbol.
 */
const holdsMemberMemo = new WeakMap<ts.Node, boolean>();

function isLiteralContainer(node: ts.Node): node is ts.ObjectLiteralExpression | ts.ArrayLiteralExpression {
  return ts.isObjectLiteralExpression(node) || ts.isArrayLiteralExpression(node);
}

/** An object or array literal holding, at any depth, a member that is a function. */
function holdsMembers(node: ts.ObjectLiteralExpression | ts.ArrayLiteralExpression): boolean {
  const hit = holdsMemberMemo.get(node);
  if (hit !== undefined) return hit;
  let found = false;
  if (ts.isArrayLiteralExpression(node)) {
    for (const el of node.elements) {
      const v = unwrapExpression(ts.isSpreadElement(el) ? el.expression : el);
      if (isLiteralContainer(v) && holdsMembers(v)) {
        found = true;
        break;
      }
    }
  } else {
    for (const p of node.properties) {
      if (objectMemberKind(p)) {
        found = true;
        break;
      }
    }
  }
  holdsMemberMemo.set(node, found);
  return found;
}

/** The kind of an object-literal member that is a symbol, or undefined. */
function objectMemberKind(p: ts.ObjectLiteralElementLike): SymbolKind | undefined {
  if (memberName(p.name) === undefined) return undefined;
  if (ts.isMethodDeclaration(p)) return "method";
  if (ts.isGetAccessorDeclaration(p) || ts.isSetAccessorDeclaration(p)) return "accessor";
  if (!ts.isPropertyAssignment(p)) return undefined;
  const fnKind = functionValueKind(p.initializer);
  if (fnKind) return fnKind;
  const v = unwrapExpression(p.initializer);
  return isLiteralContainer(v) && holdsMembers(v) ? "property" : undefined;
}

const literalPathMemo = new WeakMap<ts.Node, string | null>();

/** The qualified name an object or array literal stands at (`binary`, `jsonScalars[0]`), if it has one. */
function literalPath(node: ts.ObjectLiteralExpression | ts.ArrayLiteralExpression): string | undefined {
  const hit = literalPathMemo.get(node);
  if (hit !== undefined) return hit ?? undefined;
  let outer: ts.Node = node;
  while (
    outer.parent &&
    (ts.isParenthesizedExpression(outer.parent) ||
      ts.isAsExpression(outer.parent) ||
      ts.isSatisfiesExpression(outer.parent) ||
      ts.isTypeAssertionExpression(outer.parent) ||
      ts.isNonNullExpression(outer.parent))
  ) {
    outer = outer.parent;
  }
  const p = outer.parent;
  let path: string | undefined;
  if (!p) path = undefined;
  else if (ts.isArrayLiteralExpression(p)) {
    const base = literalPath(p);
    path = base === undefined ? undefined : `${base}[${p.elements.indexOf(outer as ts.Expression)}]`;
  } else if (ts.isPropertyAssignment(p) && p.initializer === outer && ts.isObjectLiteralExpression(p.parent)) {
    const base = literalPath(p.parent);
    const name = memberName(p.name);
    path = base === undefined || name === undefined ? undefined : `${base}.${name}`;
  } else if (ts.isVariableDeclaration(p) || ts.isExportAssignment(p) || ts.isPropertyDeclaration(p)) {
    path = declarationInfo(p)?.qualifiedName;
  } else if (ts.isBinaryExpression(p) && p.right === outer) {
    path = declarationInfo(p)?.qualifiedName;
  }
  literalPathMemo.set(node, path ?? null);
  return path;
}

function objectMemberInfo(node: ts.ObjectLiteralElementLike): DeclarationInfo | undefined {
  const kind = objectMemberKind(node);
  if (!kind) return undefined;
  const base = literalPath(node.parent as ts.ObjectLiteralExpression);
  const name = memberName(node.name);
  if (base === undefined || name === undefined) return undefined;
  return { qualifiedName: `${base}.${name}`, name, kind, spanNode: node };
}

/** The top-level type alias a type literal is the whole of: `type Visitor = { enter(): void }`. */
function typeLiteralOwner(node: ts.Node): string | undefined {
  if (!ts.isTypeLiteralNode(node)) return undefined;
  const alias = node.parent;
  return alias && ts.isTypeAliasDeclaration(alias) && isTopLevel(alias) ? alias.name.text : undefined;
}

/**
 * The symbol a declaration node stands for, or undefined when it is not one (locals, parameters, nested
 * functions). `exportedOnly` variables: a plain top-level variable is a symbol only when exported.
 */
const CANDIDATE_KINDS = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.FunctionDeclaration,
  ts.SyntaxKind.ClassDeclaration,
  ts.SyntaxKind.InterfaceDeclaration,
  ts.SyntaxKind.TypeAliasDeclaration,
  ts.SyntaxKind.EnumDeclaration,
  ts.SyntaxKind.VariableDeclaration,
  ts.SyntaxKind.ExportAssignment,
  ts.SyntaxKind.BinaryExpression,
  ts.SyntaxKind.Constructor,
  ts.SyntaxKind.MethodDeclaration,
  ts.SyntaxKind.GetAccessor,
  ts.SyntaxKind.SetAccessor,
  ts.SyntaxKind.PropertyDeclaration,
  ts.SyntaxKind.MethodSignature,
  ts.SyntaxKind.PropertySignature,
  ts.SyntaxKind.PropertyAssignment,
]);

export function declarationInfo(node: ts.Node): DeclarationInfo | undefined {
  // Called on every node of every file: most are expressions, rejected here in one lookup.
  if (!CANDIDATE_KINDS.has(node.kind)) return undefined;
  if (ts.isFunctionDeclaration(node) && isTopLevel(node)) {
    const name = isDefaultExport(node) ? "default" : node.name?.text;
    return name ? { qualifiedName: name, name: node.name?.text ?? name, kind: "function", spanNode: node } : undefined;
  }
  if (ts.isClassDeclaration(node) && isTopLevel(node)) {
    const name = ownerName(node);
    return name ? { qualifiedName: name, name: node.name?.text ?? name, kind: "class", spanNode: node } : undefined;
  }
  if (ts.isInterfaceDeclaration(node) && isTopLevel(node)) {
    return { qualifiedName: node.name.text, name: node.name.text, kind: "interface", spanNode: node };
  }
  if (ts.isTypeAliasDeclaration(node) && isTopLevel(node)) {
    return { qualifiedName: node.name.text, name: node.name.text, kind: "type-alias", spanNode: node };
  }
  if (ts.isEnumDeclaration(node) && isTopLevel(node)) {
    return { qualifiedName: node.name.text, name: node.name.text, kind: "enum", spanNode: node };
  }
  if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name)) {
    const list = node.parent;
    if (!ts.isVariableDeclarationList(list)) return undefined;
    const statement = list.parent;
    if (!ts.isVariableStatement(statement) || !isTopLevel(statement)) return undefined;
    const fnKind = functionValueKind(node.initializer);
    const init = node.initializer ? unwrapExpression(node.initializer) : undefined;
    const container = init !== undefined && isLiteralContainer(init) && holdsMembers(init);
    if (!fnKind && !container && !isExportedDeclaration(statement)) return undefined;
    const spanNode = list.declarations.length === 1 ? statement : node;
    return { qualifiedName: node.name.text, name: node.name.text, kind: fnKind ?? "variable", spanNode };
  }
  if (ts.isExportAssignment(node) && !node.isExportEquals && isTopLevel(node)) {
    const fnKind = functionValueKind(node.expression);
    if (fnKind) return { qualifiedName: "default", name: "default", kind: fnKind, spanNode: node };
    if (ts.isClassExpression(node.expression)) return { qualifiedName: "default", name: "default", kind: "class", spanNode: node };
    const value = unwrapExpression(node.expression);
    if (isLiteralContainer(value) && holdsMembers(value)) return { qualifiedName: "default", name: "default", kind: "variable", spanNode: node };
    return undefined;
  }
  if (ts.isBinaryExpression(node)) {
    const name = commonJsExportName(node);
    const fnKind = functionValueKind(node.right);
    if (name && fnKind) return { qualifiedName: name, name, kind: fnKind, spanNode: node.parent };
    if (name) return { qualifiedName: name, name, kind: "variable", spanNode: node.parent };
    return undefined;
  }
  const parent = node.parent;
  if (parent && ts.isObjectLiteralExpression(parent)) return objectMemberInfo(node as ts.ObjectLiteralElementLike);
  if (parent && ts.isTypeLiteralNode(parent)) {
    const owner = typeLiteralOwner(parent);
    const name = owner === undefined ? undefined : memberName((node as ts.NamedDeclaration).name as ts.PropertyName | undefined);
    if (owner === undefined || name === undefined) return undefined;
    if (ts.isMethodSignature(node) || (ts.isPropertySignature(node) && node.type && ts.isFunctionTypeNode(node.type))) {
      return { qualifiedName: `${owner}.${name}`, name, kind: "method-signature", spanNode: node };
    }
    return undefined;
  }
  if (parent && (ts.isClassDeclaration(parent) || ts.isInterfaceDeclaration(parent))) {
    const owner = ownerName(parent);
    if (!owner) return undefined;
    if (ts.isConstructorDeclaration(node)) {
      return { qualifiedName: `${owner}.constructor`, name: "constructor", kind: "constructor", spanNode: node };
    }
    const name = memberName((node as ts.NamedDeclaration).name as ts.PropertyName | undefined);
    if (!name) return undefined;
    const q = `${owner}.${name}`;
    if (ts.isMethodDeclaration(node)) return { qualifiedName: q, name, kind: "method", spanNode: node };
    if (ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node)) {
      return { qualifiedName: q, name, kind: "accessor", spanNode: node };
    }
    if (ts.isPropertyDeclaration(node)) {
      const fnKind = functionValueKind(node.initializer);
      return { qualifiedName: q, name, kind: fnKind ?? "property", spanNode: node };
    }
    if (ts.isMethodSignature(node)) return { qualifiedName: q, name, kind: "method-signature", spanNode: node };
    if (ts.isPropertySignature(node) && node.type && ts.isFunctionTypeNode(node.type)) {
      return { qualifiedName: q, name, kind: "method-signature", spanNode: node };
    }
  }
  return undefined;
}

/**
 * The declaration a resolved symbol points at, normalised to the node `declarationInfo` understands:
 * a function expression bound to a name maps to its variable, `exports.f = function` to the assignment.
 */
export function symbolNodeFor(decl: ts.Node): ts.Node {
  if ((ts.isArrowFunction(decl) || ts.isFunctionExpression(decl) || ts.isClassExpression(decl)) && decl.parent) {
    const p = decl.parent;
    if (ts.isVariableDeclaration(p) || ts.isPropertyDeclaration(p) || ts.isExportAssignment(p) || ts.isPropertyAssignment(p)) return p;
    if (ts.isBinaryExpression(p)) return p;
  }
  if (ts.isPropertyAccessExpression(decl) && decl.parent && ts.isBinaryExpression(decl.parent)) return decl.parent;
  if (ts.isBinaryExpression(decl)) return decl;
  return decl;
}
