import { ts } from "@ts-morph/common";
import { symbolId, type SymbolId } from "../../core/ids.js";
import { declarationInfo, symbolNodeFor } from "./declarations.js";
import { lineOf } from "./syntax.js";

/**
 * Facts that need the type checker: call edges, references, heritage and route handlers, each resolved to
 * declarations anywhere in the repo. They depend on the file and on what it imports, so they are stored
 * per resolution unit (file content plus the export surfaces of its imports).
 */
export type EdgeKind = "call" | "new" | "ref";

export interface EdgeFact {
  kind: EdgeKind;
  /** Qualified name of the enclosing symbol, or null for module-level code. */
  from: string | null;
  line: number;
  to: SymbolId;
}

export interface HeritageFact {
  classQualifiedName: string;
  relation: "extends" | "implements";
  target: SymbolId;
}

export interface RouteFact {
  line: number;
  framework: string;
  method: string;
  path: string;
  handler: SymbolId | null;
  handlerLine: number;
}

export interface ResolvedFacts {
  edges: EdgeFact[];
  heritage: HeritageFact[];
  routes: RouteFact[];
}

export interface ResolveContext {
  checker: ts.TypeChecker;
  /** Maps a compiler file name to its repo-relative path, or undefined for files outside the repo (libs). */
  repoPath(fileName: string): string | undefined;
  /** Names declared anywhere in the repo: identifiers with other names cannot resolve to a repo symbol. */
  knownNames: ReadonlySet<string>;
  /** External packages the file imports, to name the web framework of a route. */
  externalImports: readonly string[];
}

const HTTP_METHODS = new Set(["get", "post", "put", "delete", "patch", "options", "head", "all"]);
const NEST_METHODS = new Set(["Get", "Post", "Put", "Delete", "Patch", "Options", "Head", "All"]);
const FRAMEWORKS: Array<[RegExp, string]> = [
  [/^express$/, "express"],
  [/^fastify$/, "fastify"],
  [/^hono$/, "hono"],
  [/^(koa-router|@koa\/router)$/, "koa"],
  [/^@nestjs\//, "nestjs"],
];

function isDeclarationName(node: ts.Identifier): boolean {
  const p = node.parent as ts.Node & { name?: ts.Node };
  if (p.name !== node) return ts.isImportSpecifier(p) || ts.isExportSpecifier(p);
  return (
    ts.isFunctionDeclaration(p) ||
    ts.isClassDeclaration(p) ||
    ts.isInterfaceDeclaration(p) ||
    ts.isTypeAliasDeclaration(p) ||
    ts.isEnumDeclaration(p) ||
    ts.isVariableDeclaration(p) ||
    ts.isParameter(p) ||
    ts.isMethodDeclaration(p) ||
    ts.isPropertyDeclaration(p) ||
    ts.isMethodSignature(p) ||
    ts.isPropertySignature(p) ||
    ts.isPropertyAssignment(p) ||
    ts.isBindingElement(p) ||
    ts.isEnumMember(p) ||
    ts.isGetAccessorDeclaration(p) ||
    ts.isSetAccessorDeclaration(p) ||
    ts.isFunctionExpression(p) ||
    ts.isClassExpression(p) ||
    ts.isImportClause(p) ||
    ts.isNamespaceImport(p) ||
    ts.isTypeParameterDeclaration(p) ||
    ts.isPropertyAccessExpression(p)
  );
}

function stringValue(node: ts.Node | undefined): string | undefined {
  return node && ts.isStringLiteralLike(node) ? node.text : undefined;
}

export function resolveFile(sf: ts.SourceFile, ctx: ResolveContext): ResolvedFacts {
  const { checker } = ctx;
  const edges: EdgeFact[] = [];
  const seen = new Set<string>();
  const heritage: HeritageFact[] = [];
  const routes: RouteFact[] = [];
  const frameworks = [...new Set(ctx.externalImports.map((p) => FRAMEWORKS.find(([re]) => re.test(p))?.[1]).filter((f): f is string => !!f))];
  // A file may import two frameworks (an app and a router): the receiver's name decides between them.
  const frameworkOf = (receiver: ts.Expression): string => {
    if (frameworks.length <= 1) return frameworks[0] ?? "unknown";
    const name = receiver.getText(sf).toLowerCase();
    if (name.includes("router") && frameworks.includes("koa")) return "koa";
    if (name.includes("fastify") && frameworks.includes("fastify")) return "fastify";
    return frameworks.find((f) => f !== "koa") ?? frameworks[0] ?? "unknown";
  };

  const targetsOf = (node: ts.Node): SymbolId[] => {
    let sym = checker.getSymbolAtLocation(node);
    if (!sym) return [];
    if (sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
    const ids: SymbolId[] = [];
    for (const decl of sym.declarations ?? []) {
      const path = ctx.repoPath(decl.getSourceFile().fileName);
      if (path === undefined) continue;
      const info = declarationInfo(symbolNodeFor(decl));
      if (!info) continue;
      const id = symbolId(path, info.qualifiedName);
      if (!ids.includes(id)) ids.push(id);
    }
    return ids;
  };

  const addEdges = (kind: EdgeKind, from: string | null, node: ts.Node, to: SymbolId[]): void => {
    const line = lineOf(sf, node.getStart(sf));
    for (const id of to) {
      const key = `${kind}\0${from}\0${line}\0${id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push({ kind, from, line, to: id });
    }
  };

  const calleeName = (expr: ts.Expression): ts.Node | undefined => {
    if (ts.isIdentifier(expr)) return expr;
    if (ts.isPropertyAccessExpression(expr)) return ctx.knownNames.has(expr.name.text) ? expr.name : undefined;
    if (ts.isParenthesizedExpression(expr)) return calleeName(expr.expression);
    return undefined;
  };

  const handlerOf = (arg: ts.Expression): { handler: SymbolId | null; handlerLine: number } | undefined => {
    const handlerLine = lineOf(sf, arg.getStart(sf));
    if (ts.isArrowFunction(arg) || ts.isFunctionExpression(arg)) return { handler: null, handlerLine };
    const name = ts.isIdentifier(arg) ? arg : ts.isPropertyAccessExpression(arg) ? arg.name : undefined;
    const target = name ? targetsOf(name)[0] : undefined;
    return target ? { handler: target, handlerLine } : undefined;
  };

  const routeOf = (call: ts.CallExpression): void => {
    if (!ts.isPropertyAccessExpression(call.expression)) return;
    const method = call.expression.name.text;
    const receiver = call.expression.expression;
    if (method === "route" && call.arguments.length === 1) {
      // Fastify's full declaration: route({ method, url, handler })
      const opts = call.arguments[0];
      if (!opts || !ts.isObjectLiteralExpression(opts)) return;
      const prop = (n: string) =>
        opts.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText(sf) === n)?.initializer;
      const url = stringValue(prop("url") ?? prop("path"));
      const m = stringValue(prop("method"));
      const h = prop("handler");
      const handler = h ? handlerOf(h) : undefined;
      if (url && m && handler) routes.push({ line: lineOf(sf, call.getStart(sf)), framework: frameworkOf(receiver), method: m.toUpperCase(), path: url, ...handler });
      return;
    }
    if (!HTTP_METHODS.has(method) || call.arguments.length === 0) return;
    let path = call.arguments.map((a) => stringValue(a)).find((s) => s !== undefined && (s.startsWith("/") || s === "*"));
    // Express's app.route('/x').get(handler)
    if (path === undefined && ts.isCallExpression(receiver) && ts.isPropertyAccessExpression(receiver.expression) && receiver.expression.name.text === "route") {
      path = stringValue(receiver.arguments[0]);
    } else if (path === undefined || call.arguments.length < 2) return;
    const last = call.arguments[call.arguments.length - 1];
    const handler = last ? handlerOf(last) : undefined;
    if (path !== undefined && handler) {
      routes.push({ line: lineOf(sf, call.getStart(sf)), framework: frameworkOf(receiver), method: method.toUpperCase(), path, ...handler });
    }
  };

  const nestRoutes = (cls: ts.ClassDeclaration, classQ: string): void => {
    const decorators = ts.getDecorators(cls) ?? [];
    const controller = decorators.find((d) => ts.isCallExpression(d.expression) && d.expression.expression.getText(sf) === "Controller");
    if (!controller || !ts.isCallExpression(controller.expression)) return;
    const prefixArg = controller.expression.arguments[0];
    const prefix =
      stringValue(prefixArg) ??
      (prefixArg && ts.isObjectLiteralExpression(prefixArg)
        ? stringValue(
            prefixArg.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText(sf) === "path")?.initializer,
          )
        : undefined) ??
      "";
    for (const member of cls.members) {
      if (!ts.isMethodDeclaration(member)) continue;
      for (const d of ts.getDecorators(member) ?? []) {
        if (!ts.isCallExpression(d.expression)) continue;
        const verb = d.expression.expression.getText(sf);
        if (!NEST_METHODS.has(verb)) continue;
        const sub = stringValue(d.expression.arguments[0]) ?? "";
        const path = "/" + [prefix, sub].map((s) => s.replace(/^\/+|\/+$/g, "")).filter(Boolean).join("/");
        const path0 = ctx.repoPath(sf.fileName) ?? sf.fileName;
        routes.push({
          line: lineOf(sf, d.getStart(sf)),
          framework: "nestjs",
          method: verb.toUpperCase(),
          path,
          handler: symbolId(path0, `${classQ}.${member.name.getText(sf)}`),
          handlerLine: lineOf(sf, member.getStart(sf)),
        });
      }
    }
  };

  // The enclosing symbol is kept in one variable, saved and restored around each node, so the walk
  // allocates nothing per node (it runs over every node of every file).
  let current: string | null = null;
  const visit = (node: ts.Node): void => {
    const saved = current;
    const info = declarationInfo(node);
    if (info && info.kind !== "interface" && info.kind !== "class") current = info.qualifiedName;
    switch (node.kind) {
      case ts.SyntaxKind.ClassDeclaration:
        if (info) {
          const cls = node as ts.ClassDeclaration;
          for (const clause of cls.heritageClauses ?? []) {
            const relation = clause.token === ts.SyntaxKind.ExtendsKeyword ? "extends" : "implements";
            for (const t of clause.types) {
              for (const target of targetsOf(t.expression)) heritage.push({ classQualifiedName: info.qualifiedName, relation, target });
            }
          }
          nestRoutes(cls, info.qualifiedName);
        }
        break;
      case ts.SyntaxKind.CallExpression: {
        const call = node as ts.CallExpression;
        const name = calleeName(call.expression);
        if (name) addEdges("call", current, call, targetsOf(name));
        routeOf(call);
        break;
      }
      case ts.SyntaxKind.NewExpression: {
        const name = calleeName((node as ts.NewExpression).expression);
        if (name) addEdges("new", current, node, targetsOf(name));
        break;
      }
      case ts.SyntaxKind.Identifier: {
        const id = node as ts.Identifier;
        if (!ctx.knownNames.has(id.text) || isDeclarationName(id)) break;
        const p = id.parent;
        const isCallee = (ts.isCallExpression(p) || ts.isNewExpression(p)) && p.expression === id;
        const inImport = ts.isImportSpecifier(p) || ts.isImportClause(p) || ts.isExportSpecifier(p);
        if (!isCallee && !inImport) addEdges("ref", current, id, targetsOf(id));
        break;
      }
      case ts.SyntaxKind.PropertyAccessExpression: {
        const pa = node as ts.PropertyAccessExpression;
        if (!ctx.knownNames.has(pa.name.text)) break;
        const p = pa.parent;
        const isCallee = (ts.isCallExpression(p) || ts.isNewExpression(p)) && p.expression === pa;
        if (!isCallee) addEdges("ref", current, pa.name, targetsOf(pa.name));
        break;
      }
    }
    ts.forEachChild(node, visit);
    current = saved;
  };
  ts.forEachChild(sf, visit);
  return { edges, heritage, routes };
}
