import { createHash } from "node:crypto";
import { ts } from "@ts-morph/common";
import { declarationInfo, isExportedDeclaration, unwrapExpression, type DeclarationInfo, type SymbolKind } from "./declarations.js";

/**
 * Facts a file's text alone decides (no type checker): symbols, string literals, config reads, module
 * specifiers and the file's export surface. They are stored once per content hash.
 */
export interface SymbolFact {
  qualifiedName: string;
  name: string;
  kind: SymbolKind;
  startLine: number;
  endLine: number;
  signature: string;
  doc: string;
  exported: boolean;
}

export interface LiteralFact {
  line: number;
  value: string;
  symbol: string | null;
}

export type ConfigKind = "env" | "config";

export interface ConfigReadFact {
  line: number;
  key: string;
  kind: ConfigKind;
  symbol: string | null;
}

export type ModuleRefKind = "import" | "reexport" | "require" | "dynamic";

export interface ModuleRef {
  line: number;
  specifier: string;
  kind: ModuleRefKind;
  /** For `export { a as b } from`: the names taken from the target (`a`); absent for `export *`. */
  names?: string[];
}

export interface ParseError {
  line: number;
  message: string;
}

export interface LocalFacts {
  lines: number;
  parseErrors: ParseError[];
  symbols: SymbolFact[];
  literals: LiteralFact[];
  configReads: ConfigReadFact[];
  moduleRefs: ModuleRef[];
  /** Hash of what other files can see (exports, their signatures and members): their resolution depends on it. */
  surfaceHash: string;
  /** The file runs as a script (`require.main === module` and the like). */
  hasMain: boolean;
}

const MAX_LITERAL = 500;
const MAX_SIGNATURE = 300;
const CONFIG_ROOT = /^(config|cfg|conf|settings|\w+Config)$/i;

export function scriptKindFor(path: string): ts.ScriptKind {
  if (/\.tsx$/.test(path)) return ts.ScriptKind.TSX;
  if (/\.jsx$/.test(path)) return ts.ScriptKind.JSX;
  if (/\.(js|mjs|cjs)$/.test(path)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

export function parseSource(fileName: string, text: string): ts.SourceFile {
  return ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, scriptKindFor(fileName));
}

export function lineOf(sf: ts.SourceFile, pos: number): number {
  return sf.getLineAndCharacterOfPosition(pos).line + 1;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function signatureOf(node: ts.Node, info: { name: string; kind: SymbolKind }, sf: ts.SourceFile): string {
  let fn: ts.SignatureDeclaration | undefined;
  if (ts.isFunctionLike(node)) fn = node;
  else if (ts.isVariableStatement(node)) {
    const init = node.declarationList.declarations[0]?.initializer;
    if (init && ts.isFunctionLike(init)) fn = init;
  } else if ((ts.isVariableDeclaration(node) || ts.isPropertyDeclaration(node)) && node.initializer && ts.isFunctionLike(node.initializer)) {
    fn = node.initializer;
  } else if (ts.isExportAssignment(node) && ts.isFunctionLike(node.expression)) fn = node.expression;
  else if (ts.isExpressionStatement(node) && ts.isBinaryExpression(node.expression) && ts.isFunctionLike(node.expression.right)) {
    fn = node.expression.right;
  } else if (ts.isPropertySignature(node) && node.type && ts.isFunctionTypeNode(node.type)) fn = node.type;
  else if (ts.isPropertyAssignment(node)) {
    const value = unwrapExpression(node.initializer);
    if (ts.isFunctionLike(value)) fn = value;
    // An object-literal member holding further members: its name, not its (long) value.
    else return oneLine(`${info.name}: ${ts.isArrayLiteralExpression(value) ? "[…]" : "{…}"}`, MAX_SIGNATURE);
  }
  if (fn) {
    const params = fn.parameters.map((p) => p.getText(sf)).join(", ");
    const ret = fn.type ? `: ${fn.type.getText(sf)}` : "";
    const asyncMark = ts.canHaveModifiers(fn) && ts.getModifiers(fn)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword) ? "async " : "";
    return oneLine(`${asyncMark}${info.name}(${params})${ret}`, MAX_SIGNATURE);
  }
  if (ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node)) {
    const heritage = (node.heritageClauses ?? []).map((h) => h.getText(sf)).join(" ");
    return oneLine(`${info.kind === "class" ? "class" : "interface"} ${info.name} ${heritage}`, MAX_SIGNATURE);
  }
  // A variable's signature is its declaration, not its value: a changed value is a changed body.
  const decl = ts.isVariableStatement(node) ? node.declarationList.declarations[0] : ts.isVariableDeclaration(node) ? node : undefined;
  if (decl && info.kind === "variable") {
    const keyword = ts.isVariableDeclarationList(decl.parent) && decl.parent.flags & ts.NodeFlags.Const ? "const" : "let";
    return oneLine(`${keyword} ${decl.name.getText(sf)}${decl.type ? `: ${decl.type.getText(sf)}` : ""}`, MAX_SIGNATURE);
  }
  const text = node.getText(sf);
  const bodyStart = text.indexOf("{");
  return oneLine(info.kind === "enum" && bodyStart > 0 ? text.slice(0, bodyStart) : text, MAX_SIGNATURE);
}

function docOf(node: ts.Node, sf: ts.SourceFile): string {
  const ranges = ts.getLeadingCommentRanges(sf.text, node.getFullStart()) ?? [];
  for (let i = ranges.length - 1; i >= 0; i--) {
    const r = ranges[i];
    if (!r) continue;
    const raw = sf.text.slice(r.pos, r.end);
    if (raw.startsWith("/**")) {
      return raw
        .replace(/^\/\*\*|\*\/$/g, "")
        .split("\n")
        .map((l) => l.replace(/^\s*\* ?/, "").trimEnd())
        .join("\n")
        .trim();
    }
  }
  return "";
}

function templateText(node: ts.TemplateExpression): string {
  return node.head.text + node.templateSpans.map((s) => "${}" + s.literal.text).join("");
}

function isModuleSpecifier(node: ts.Node): boolean {
  const p = node.parent;
  if (!p) return false;
  if ((ts.isImportDeclaration(p) || ts.isExportDeclaration(p)) && p.moduleSpecifier === node) return true;
  if (ts.isExternalModuleReference(p)) return true;
  if (ts.isLiteralTypeNode(p) && p.parent && ts.isImportTypeNode(p.parent)) return true;
  return ts.isCallExpression(p) && isRequireOrImport(p);
}

export function isRequireOrImport(call: ts.CallExpression): boolean {
  return (
    (ts.isIdentifier(call.expression) && call.expression.text === "require") ||
    call.expression.kind === ts.SyntaxKind.ImportKeyword
  );
}

function isProcessEnv(node: ts.Expression): boolean {
  return (
    ts.isPropertyAccessExpression(node) &&
    node.name.text === "env" &&
    ((ts.isIdentifier(node.expression) && node.expression.text === "process") ||
      (ts.isMetaProperty(node.expression) && node.expression.name.text === "meta"))
  );
}

/** A property-access chain rooted at a config-like identifier: `config.payment.timeoutMs`. */
function configChain(node: ts.PropertyAccessExpression): string | undefined {
  const names: string[] = [];
  let cur: ts.Expression = node;
  while (ts.isPropertyAccessExpression(cur)) {
    names.unshift(cur.name.text);
    cur = cur.expression;
  }
  if (!ts.isIdentifier(cur) || !CONFIG_ROOT.test(cur.text)) return undefined;
  return names.join(".");
}

export function extractLocalFacts(sf: ts.SourceFile): LocalFacts {
  const symbols: SymbolFact[] = [];
  const bySymbol = new Map<string, SymbolFact>();
  const literals: LiteralFact[] = [];
  const configReads: ConfigReadFact[] = [];
  const moduleRefs: ModuleRef[] = [];
  const localExports = new Set<string>();
  const surface: string[] = [];

  const at = (node: ts.Node): number => lineOf(sf, node.getStart(sf));
  const addSymbol = (node: ts.Node, info: DeclarationInfo): void => {
    const span = info.spanNode;
    const exported =
      isExportedDeclaration(span) ||
      ts.isExportAssignment(span) ||
      (ts.isExpressionStatement(span) && ts.isSourceFile(span.parent)) ||
      (ts.isVariableDeclaration(node) && isExportedDeclaration(node.parent.parent)) ||
      ((ts.isClassDeclaration(node.parent) || ts.isInterfaceDeclaration(node.parent)) && isExportedDeclaration(node.parent));
    // Overloads: one symbol whose span runs from the first signature to the implementation.
    const prev = bySymbol.get(info.qualifiedName);
    if (prev) {
      prev.endLine = Math.max(prev.endLine, lineOf(sf, span.getEnd()));
      return;
    }
    const fact: SymbolFact = {
      qualifiedName: info.qualifiedName,
      name: info.name,
      kind: info.kind,
      startLine: at(span),
      endLine: lineOf(sf, span.getEnd()),
      signature: signatureOf(span === node || ts.isVariableStatement(span) ? span : node, info, sf),
      doc: docOf(span, sf),
      exported,
    };
    symbols.push(fact);
    bySymbol.set(info.qualifiedName, fact);
  };
  const addLiteral = (node: ts.Node, value: string, current: string | null): void => {
    literals.push({ line: at(node), value: value.slice(0, MAX_LITERAL), symbol: current });
  };
  const addConfig = (node: ts.Node, key: string, kind: ConfigKind, current: string | null): void => {
    configReads.push({ line: at(node), key, kind, symbol: current });
  };

  // One handler per node kind: every file's every node passes here, so dispatch is one lookup.
  type Handler = (node: ts.Node, current: string | null) => void;
  const handlers = new Map<ts.SyntaxKind, Handler>([
    [
      ts.SyntaxKind.ImportDeclaration,
      (node) => {
        const n = node as ts.ImportDeclaration;
        if (ts.isStringLiteral(n.moduleSpecifier)) moduleRefs.push({ line: at(n), specifier: n.moduleSpecifier.text, kind: "import" });
      },
    ],
    [
      ts.SyntaxKind.ExportDeclaration,
      (node) => {
        const n = node as ts.ExportDeclaration;
        if (n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
          const names = n.exportClause && ts.isNamedExports(n.exportClause) ? n.exportClause.elements.map((el) => (el.propertyName ?? el.name).getText(sf)) : undefined;
          moduleRefs.push({ line: at(n), specifier: n.moduleSpecifier.text, kind: "reexport", ...(names ? { names } : {}) });
          surface.push(`from:${n.moduleSpecifier.text}:${n.exportClause?.getText(sf) ?? "*"}`);
        } else if (n.exportClause && ts.isNamedExports(n.exportClause)) {
          for (const el of n.exportClause.elements) {
            localExports.add((el.propertyName ?? el.name).getText(sf));
            surface.push(`as:${el.getText(sf)}`);
          }
        }
      },
    ],
    [
      ts.SyntaxKind.ExportAssignment,
      (node) => {
        const n = node as ts.ExportAssignment;
        if (ts.isIdentifier(n.expression)) {
          localExports.add(n.expression.text);
          surface.push(`default:${n.expression.text}`);
        }
      },
    ],
    [
      ts.SyntaxKind.ImportEqualsDeclaration,
      (node) => {
        const n = node as ts.ImportEqualsDeclaration;
        if (ts.isExternalModuleReference(n.moduleReference) && ts.isStringLiteral(n.moduleReference.expression)) {
          moduleRefs.push({ line: at(n), specifier: n.moduleReference.expression.text, kind: "require" });
        }
      },
    ],
    [
      ts.SyntaxKind.CallExpression,
      (node, current) => {
        const n = node as ts.CallExpression;
        const arg = n.arguments[0];
        if (isRequireOrImport(n)) {
          if (arg && ts.isStringLiteralLike(arg)) {
            moduleRefs.push({ line: at(n), specifier: arg.text, kind: n.expression.kind === ts.SyntaxKind.ImportKeyword ? "dynamic" : "require" });
          }
          return;
        }
        const callee = n.expression;
        if (
          ts.isPropertyAccessExpression(callee) &&
          (callee.name.text === "get" || callee.name.text === "has") &&
          ts.isIdentifier(callee.expression) &&
          CONFIG_ROOT.test(callee.expression.text) &&
          arg &&
          ts.isStringLiteralLike(arg)
        ) {
          addConfig(n, arg.text, "config", current);
        }
      },
    ],
    [ts.SyntaxKind.StringLiteral, (node, current) => stringLiteral(node as ts.StringLiteral, current)],
    [ts.SyntaxKind.NoSubstitutionTemplateLiteral, (node, current) => stringLiteral(node as ts.NoSubstitutionTemplateLiteral, current)],
    [ts.SyntaxKind.TemplateExpression, (node, current) => addLiteral(node, templateText(node as ts.TemplateExpression), current)],
    [
      ts.SyntaxKind.PropertyAccessExpression,
      (node, current) => {
        const n = node as ts.PropertyAccessExpression;
        if (isProcessEnv(n.expression)) return addConfig(n, n.name.text, "env", current);
        if (ts.isPropertyAccessExpression(n.parent) && n.parent.expression === n) return; // only the whole chain counts
        const isCallee = ts.isCallExpression(n.parent) && n.parent.expression === n;
        const target = isCallee ? n.expression : n;
        const key = ts.isPropertyAccessExpression(target) ? configChain(target) : undefined;
        if (key) addConfig(n, key, "config", current);
      },
    ],
    [
      ts.SyntaxKind.ElementAccessExpression,
      (node, current) => {
        const n = node as ts.ElementAccessExpression;
        if (isProcessEnv(n.expression) && ts.isStringLiteralLike(n.argumentExpression)) addConfig(n, n.argumentExpression.text, "env", current);
      },
    ],
    [
      ts.SyntaxKind.VariableDeclaration,
      (node, current) => {
        const n = node as ts.VariableDeclaration;
        if (ts.isObjectBindingPattern(n.name) && n.initializer && isProcessEnv(n.initializer)) {
          for (const el of n.name.elements) addConfig(el, (el.propertyName ?? el.name).getText(sf), "env", current);
        }
      },
    ],
  ]);
  const stringLiteral = (node: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral, current: string | null): void => {
    if (!node.text || isModuleSpecifier(node)) return;
    const p = node.parent;
    const isName = (ts.isPropertyAssignment(p) || ts.isEnumMember(p) || ts.isPropertySignature(p)) && p.name === node;
    if (!ts.isLiteralTypeNode(p) && !isName) addLiteral(node, node.text, current);
  };

  // `current` is the enclosing symbol, saved and restored around each node rather than searched for at
  // each fact; the walk allocates nothing per node.
  let current: string | null = null;
  const visit = (node: ts.Node): void => {
    const saved = current;
    const info = declarationInfo(node);
    if (info) addSymbol(node, info);
    handlers.get(node.kind)?.(node, current);
    if (info && info.kind !== "class" && info.kind !== "interface") current = info.qualifiedName;
    ts.forEachChild(node, visit);
    current = saved;
  };
  ts.forEachChild(sf, visit);

  for (const s of symbols) {
    if (!s.exported && !/[.[]/.test(s.qualifiedName) && localExports.has(s.name)) s.exported = true;
  }
  // What importers can see: exported symbols, and the members of exported objects (`binary.resolve`),
  // which calls and dispatch in other files resolve to.
  const exportedRoots = new Set(symbols.filter((s) => s.exported && !/[.[]/.test(s.qualifiedName)).map((s) => s.qualifiedName));
  for (const s of symbols) {
    const root = /^[^.[]+/.exec(s.qualifiedName)?.[0] ?? s.qualifiedName;
    if (s.exported || exportedRoots.has(root)) {
      surface.push(`${s.qualifiedName}|${s.kind}|${s.signature}`);
    }
  }
  surface.sort();
  const parseDiagnostics = (sf as unknown as { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics ?? [];
  return {
    lines: sf.getLineStarts().length,
    parseErrors: parseDiagnostics.slice(0, 20).map((d) => ({
      line: d.start === undefined ? 1 : lineOf(sf, d.start),
      message: ts.flattenDiagnosticMessageText(d.messageText, " "),
    })),
    symbols,
    literals,
    configReads,
    moduleRefs,
    surfaceHash: createHash("sha1").update(surface.join("\n")).digest("hex"),
    hasMain: /require\.main\s*===?\s*module|import\.meta\.main\b|process\.argv\[1\]/.test(sf.text),
  };
}
