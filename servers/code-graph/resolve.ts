import { ts } from "@ts-morph/common";
import { symbolId, type SymbolId } from "../../core/ids.js";
import { declarationInfo, symbolNodeFor, unwrapExpression, type SymbolKind } from "./declarations.js";
import type { EdgeKind } from "./schema.js";
import { isRequireOrImport, lineOf } from "./syntax.js";

export type { EdgeKind } from "./schema.js";

/**
 * Facts that need the type checker: call edges, references, heritage, bindings and route handlers, each
 * resolved to declarations anywhere in the repo. They depend on the file and on what it imports, so they are
 * stored per resolution unit (file content plus the export surfaces of its imports). The edge kinds are
 * described in schema.ts.
 */

/**
 * A function value stored where an interface, type or class member is expected: a member of an object
 * literal typed (declared, asserted, or passed) as that type, or an untyped object passed where that type is
 * expected. A call through the member may reach the value.
 */
export interface BindingFact {
  /** The member a call goes through, e.g. `src/schema/types.ts#ScalarTag.stringify`. */
  member: SymbolId;
  /** The function stored there, or the symbol whose code holds it (an object built inside a function). */
  value: SymbolId;
  line: number;
}

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
  /** An inline handler's last line (it has no symbol); null for a named one. */
  handlerEndLine: number | null;
}

export interface ResolvedFacts {
  edges: EdgeFact[];
  heritage: HeritageFact[];
  routes: RouteFact[];
  bindings: BindingFact[];
}

const FUNCTION_KINDS = new Set<SymbolKind>(["function", "arrow-function", "function-expression", "method", "method-signature"]);
const BIND_METHODS = new Set(["bind", "call", "apply"]);

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
  [/^polka$/, "polka"],
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

  const selfPath = ctx.repoPath(sf.fileName) ?? sf.fileName;

  interface Target {
    id: SymbolId;
    kind: SymbolKind;
  }

  /** The symbol a declaration stands for, in whichever repo file holds it. */
  const targetOfDecl = (decl: ts.Node): Target | undefined => {
    const path = ctx.repoPath(decl.getSourceFile().fileName);
    if (path === undefined) return undefined;
    const info = declarationInfo(symbolNodeFor(decl));
    return info ? { id: symbolId(path, info.qualifiedName), kind: info.kind } : undefined;
  };

  const targetsOfSymbol = (symbol: ts.Symbol | undefined, hops = 0): Target[] => {
    let sym = symbol;
    if (!sym) return [];
    if (sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
    const out: Target[] = [];
    const add = (t: Target) => {
      if (!out.some((o) => o.id === t.id)) out.push(t);
    };
    for (const decl of sym.declarations ?? []) {
      const t = targetOfDecl(decl);
      if (t) {
        add(t);
        continue;
      }
      // Names that stand for another declaration: a destructured member (`const { commentString } =
      // ctx.options` is that member of the options' type) and an object-literal member that only names a
      // value (`{ resolve: intResolve }`, `{ resolve }`): a call through them calls what they name.
      if (hops >= 3) continue;
      if (ts.isBindingElement(decl) && ts.isObjectBindingPattern(decl.parent)) {
        const key = decl.propertyName ?? decl.name;
        const name = ts.isIdentifier(key) || ts.isStringLiteral(key) ? key.text : undefined;
        const prop = name === undefined ? undefined : checker.getPropertyOfType(checker.getTypeAtLocation(decl.parent), name);
        for (const x of targetsOfSymbol(prop, hops + 1)) add(x);
      } else if (ts.isShorthandPropertyAssignment(decl)) {
        for (const x of targetsOfSymbol(checker.getShorthandAssignmentValueSymbol(decl), hops + 1)) add(x);
      } else if (ts.isPropertyAssignment(decl)) {
        const v = unwrapExpression(decl.initializer);
        const name = ts.isIdentifier(v) ? v : ts.isPropertyAccessExpression(v) ? v.name : undefined;
        if (name) for (const x of targetsOfSymbol(checker.getSymbolAtLocation(name), hops + 1)) add(x);
      }
    }
    return out;
  };

  const resolvedTargets = (node: ts.Node): Target[] => targetsOfSymbol(checker.getSymbolAtLocation(node));
  const targetsOf = (node: ts.Node): SymbolId[] => resolvedTargets(node).map((t) => t.id);

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

  // Name nodes already recorded with a kind stronger than `ref` (a callback, a bound function, an alias).
  const claimed = new Set<ts.Node>();
  const claim = (expr: ts.Expression): void => {
    const v = unwrapExpression(expr);
    const name = ts.isIdentifier(v) || ts.isPropertyAccessExpression(v) ? calleeName(v) : undefined;
    if (name) claimed.add(name);
  };

  /**
   * The repo functions an expression's value is: a function or a method, and with `typed`, also a variable
   * or property whose type is callable (asking the checker for the type costs: not done for every argument).
   */
  const functionTargets = (expr: ts.Expression, typed = false): Target[] => {
    const v = unwrapExpression(expr);
    if (!ts.isIdentifier(v) && !ts.isPropertyAccessExpression(v)) return [];
    const name = calleeName(v);
    if (!name || (ts.isIdentifier(name) && !ctx.knownNames.has(name.text))) return [];
    const targets = resolvedTargets(name);
    if (targets.length === 0) return [];
    const callable = (): boolean => checker.getTypeAtLocation(v).getCallSignatures().length > 0;
    let isCallable: boolean | undefined;
    return targets.filter((t) => FUNCTION_KINDS.has(t.kind) || (typed && (t.kind === "property" || t.kind === "variable") && (isCallable ??= callable())));
  };

  /** The functions an expression may evaluate to: itself, or either side of `??`, `||` or `?:`. */
  const functionValues = (expr: ts.Expression, typed = false): Target[] => {
    const v = unwrapExpression(expr);
    if (ts.isConditionalExpression(v)) return [...functionValues(v.whenTrue, typed), ...functionValues(v.whenFalse, typed)];
    if (ts.isBinaryExpression(v) && (v.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || v.operatorToken.kind === ts.SyntaxKind.BarBarToken)) {
      return [...functionValues(v.left, typed), ...functionValues(v.right, typed)];
    }
    return functionTargets(v, typed);
  };

  /** Functions passed as arguments: the callee may call them. */
  const callbacks = (args: readonly ts.Expression[] | undefined): void => {
    for (const arg of args ?? []) {
      const fns = functionTargets(arg);
      if (fns.length === 0) continue;
      addEdges("callback", current, arg, fns.map((f) => f.id));
      claim(arg);
    }
  };

  /** `lexer[state]()` with `state: "stream" | "flow"`: the members its literal key types name. */
  const elementTargets = (access: ts.ElementAccessExpression): SymbolId[] => {
    // The declared type as well as the narrowed one: in a loop (`state = lexer[state]()`) narrowing loses members.
    const arg = access.argumentExpression;
    const sym = ts.isIdentifier(arg) ? checker.getSymbolAtLocation(arg) : undefined;
    const keyTypes = [checker.getTypeAtLocation(arg), ...(sym ? [checker.getTypeOfSymbol(sym)] : [])];
    const keys = [
      ...new Set(
        keyTypes
          .flatMap((k) => (k.isUnion() ? k.types : [k]))
          .filter((t): t is ts.StringLiteralType => t.isStringLiteral())
          .map((t) => t.value),
      ),
    ];
    if (keys.length === 0 || keys.length > 50) return [];
    const receiver = checker.getTypeAtLocation(access.expression);
    const ids = new Set<SymbolId>();
    for (const key of keys) {
      if (!ctx.knownNames.has(key)) continue;
      for (const t of targetsOfSymbol(checker.getPropertyOfType(receiver, key))) ids.add(t.id);
    }
    return [...ids];
  };

  /** The base class of the class around a node, as the `super` of a `super(...)` call. */
  const baseClassOf = (node: ts.Node): SymbolId[] => {
    let cls: ts.Node | undefined = node.parent;
    while (cls && !ts.isClassLike(cls)) cls = cls.parent;
    const ext = cls && ts.isClassLike(cls) ? cls.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0] : undefined;
    return ext ? targetsOf(ext.expression) : [];
  };

  const bindings: BindingFact[] = [];
  const boundKeys = new Set<string>();
  const addBinding = (member: SymbolId, value: SymbolId, line: number): void => {
    const key = `${member}\0${value}`;
    if (value === member || boundKeys.has(key)) return;
    boundKeys.add(key);
    bindings.push({ member, value, line });
  };
  const memberCache = new Map<ts.Type, Map<string, SymbolId[]>>();

  /** The repo members of an expected type (or of each type of a union) that a property named `name` fills. */
  const expectedMembers = (type: ts.Type, name: string): SymbolId[] => {
    let byName = memberCache.get(type);
    if (!byName) memberCache.set(type, (byName = new Map()));
    const hit = byName.get(name);
    if (hit) return hit;
    const ids: SymbolId[] = [];
    for (const t of type.isUnion() ? type.types : [type]) {
      const prop = checker.getPropertyOfType(t, name);
      for (const decl of prop?.declarations ?? []) {
        if (!ts.isMethodSignature(decl) && !ts.isPropertySignature(decl) && !ts.isMethodDeclaration(decl) && !ts.isPropertyDeclaration(decl)) continue;
        const target = targetOfDecl(decl);
        if (target && !ids.includes(target.id)) ids.push(target.id);
      }
    }
    byName.set(name, ids);
    return ids;
  };

  /** What a member of an object literal stores: its own symbol, the function it names, or its holder's code. */
  const storedValues = (p: ts.ObjectLiteralElementLike, holder: SymbolId | undefined): SymbolId[] => {
    const own = (): SymbolId[] => {
      const t = targetOfDecl(p);
      return t ? [t.id] : holder ? [holder] : [];
    };
    if (ts.isMethodDeclaration(p) || ts.isGetAccessorDeclaration(p) || ts.isSetAccessorDeclaration(p)) return own();
    if (ts.isShorthandPropertyAssignment(p)) {
      return targetsOfSymbol(checker.getShorthandAssignmentValueSymbol(p))
        .filter((t) => FUNCTION_KINDS.has(t.kind))
        .map((t) => t.id);
    }
    if (!ts.isPropertyAssignment(p)) return [];
    const v = unwrapExpression(p.initializer);
    if (ts.isArrowFunction(v) || ts.isFunctionExpression(v)) return own();
    const named = functionValues(v).map((t) => t.id);
    return named.length || !ts.isConditionalExpression(v) ? named : own();
  };

  /** Whether an object-literal member may hold a repo function (judged from its syntax and the repo's names). */
  const mayStoreFunction = (p: ts.ObjectLiteralElementLike): boolean => {
    if (ts.isMethodDeclaration(p) || ts.isGetAccessorDeclaration(p) || ts.isSetAccessorDeclaration(p)) return true;
    if (ts.isShorthandPropertyAssignment(p)) return ctx.knownNames.has(p.name.text);
    if (!ts.isPropertyAssignment(p)) return false;
    const named = (e: ts.Expression): boolean => {
      const v = unwrapExpression(e);
      if (ts.isArrowFunction(v) || ts.isFunctionExpression(v)) return true;
      if (ts.isIdentifier(v)) return ctx.knownNames.has(v.text);
      if (ts.isPropertyAccessExpression(v)) return ctx.knownNames.has(v.name.text);
      if (ts.isConditionalExpression(v)) return named(v.whenTrue) || named(v.whenFalse);
      if (ts.isBinaryExpression(v)) return named(v.left) || named(v.right);
      return false;
    };
    return named(p.initializer);
  };

  /** Records, for each member of `obj`, the function it stores into the member of `expected` it fills. */
  const bindObject = (obj: ts.ObjectLiteralExpression, expected: ts.Type, holder: SymbolId | undefined, site: ts.Node): void => {
    for (const p of obj.properties) {
      const name = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) || ts.isNumericLiteral(p.name)) ? p.name.text : undefined;
      if (name === undefined) continue;
      const members = expectedMembers(expected, name);
      if (members.length === 0) continue;
      const values = storedValues(p, holder);
      const line = lineOf(sf, (site === obj ? p : site).getStart(sf));
      for (const member of members) for (const value of values) addBinding(member, value, line);
    }
  };

  /** An object or array literal flowing into `expected` (an array's elements into its element type). */
  const bindLiteral = (lit: ts.Expression, expected: ts.Type, holder: SymbolId | undefined, site: ts.Node): void => {
    if (ts.isObjectLiteralExpression(lit)) return bindObject(lit, expected, holder, site);
    if (!ts.isArrayLiteralExpression(lit)) return;
    const element = checker.getIndexTypeOfType(expected, ts.IndexKind.Number) ?? expected;
    for (const el of lit.elements) {
      const v = unwrapExpression(el);
      if (ts.isObjectLiteralExpression(v)) bindObject(v, element, holder, site);
    }
  };

  /**
   * An untyped object (or array of objects) declared elsewhere and used where a type is expected (passed,
   * returned, stored): its members are bound to that type's members.
   */
  const bindFlow = (id: ts.Identifier, sym: ts.Symbol | undefined): void => {
    let s = sym;
    if (s && s.flags & ts.SymbolFlags.Alias) s = checker.getAliasedSymbol(s);
    const decl = s?.valueDeclaration;
    if (!decl || !ts.isVariableDeclaration(decl) || decl.type || !decl.initializer) return;
    const lit = unwrapExpression(decl.initializer);
    if (!ts.isObjectLiteralExpression(lit) && !ts.isArrayLiteralExpression(lit)) return;
    const p = id.parent;
    const valuePosition =
      ((ts.isCallExpression(p) || ts.isNewExpression(p)) && p.expression !== id) ||
      ts.isArrayLiteralExpression(p) ||
      ts.isSpreadElement(p) ||
      ts.isReturnStatement(p) ||
      (ts.isVariableDeclaration(p) && p.initializer === id) ||
      (ts.isPropertyAssignment(p) && p.initializer === id) ||
      (ts.isBinaryExpression(p) && p.right === id && p.operatorToken.kind === ts.SyntaxKind.EqualsToken);
    if (!valuePosition) return;
    const expected = checker.getContextualType(id);
    if (expected) bindLiteral(lit, expected, targetOfDecl(decl)?.id, id);
  };

  const handlerOf = (arg: ts.Expression): { handler: SymbolId | null; handlerLine: number; handlerEndLine: number | null } | undefined => {
    const handlerLine = lineOf(sf, arg.getStart(sf));
    if (ts.isArrowFunction(arg) || ts.isFunctionExpression(arg)) return { handler: null, handlerLine, handlerEndLine: lineOf(sf, arg.getEnd()) };
    const name = ts.isIdentifier(arg) ? arg : ts.isPropertyAccessExpression(arg) ? arg.name : undefined;
    const target = name ? targetsOf(name)[0] : undefined;
    return target ? { handler: target, handlerLine, handlerEndLine: null } : undefined;
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
          handlerEndLine: null,
        });
      }
    }
  };

  /**
   * What `new X()` runs: the class leads to its constructor and to each instance field with an initializer
   * (`init`), and, without a constructor of its own, to its base class (the implicit `super()`).
   */
  const construction = (cls: ts.ClassDeclaration, classQ: string): void => {
    const ctor = cls.members.find((m): m is ts.ConstructorDeclaration => ts.isConstructorDeclaration(m) && m.body !== undefined);
    if (ctor) addEdges("init", classQ, ctor, [symbolId(selfPath, `${classQ}.constructor`)]);
    for (const m of cls.members) {
      if (!ts.isPropertyDeclaration(m) || !m.initializer || (ts.getModifiers(m) ?? []).some((x) => x.kind === ts.SyntaxKind.StaticKeyword)) continue;
      const field = declarationInfo(m);
      // A field holding a function runs only when called; one holding a value runs its initializer now.
      if (field && field.kind === "property") addEdges("init", classQ, m, [symbolId(selfPath, field.qualifiedName)]);
    }
    if (!ctor) {
      const ext = cls.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
      if (ext) addEdges("super", classQ, ext, targetsOf(ext.expression));
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
          construction(cls, info.qualifiedName);
          nestRoutes(cls, info.qualifiedName);
        }
        break;
      case ts.SyntaxKind.CallExpression: {
        const call = node as ts.CallExpression;
        const callee = call.expression;
        const bound = ts.isPropertyAccessExpression(callee) && BIND_METHODS.has(callee.name.text) ? functionTargets(callee.expression, true) : [];
        if (callee.kind === ts.SyntaxKind.SuperKeyword) {
          addEdges("super", current, call, baseClassOf(call));
        } else if (ts.isPropertyAccessExpression(callee) && callee.expression.kind === ts.SyntaxKind.SuperKeyword) {
          addEdges("super", current, call, targetsOf(callee.name));
        } else if (ts.isElementAccessExpression(callee)) {
          addEdges("call", current, call, elementTargets(callee));
        } else if (bound.length && ts.isPropertyAccessExpression(callee)) {
          addEdges(callee.name.text === "bind" ? "bind" : "apply", current, call, bound.map((t) => t.id));
          claim(callee.expression);
        } else {
          const name = calleeName(callee);
          if (name) addEdges("call", current, call, targetsOf(name));
        }
        if (!isRequireOrImport(call)) callbacks(call.arguments);
        routeOf(call);
        break;
      }
      case ts.SyntaxKind.NewExpression: {
        const ne = node as ts.NewExpression;
        const name = calleeName(ne.expression);
        if (name) addEdges("new", current, node, targetsOf(name));
        callbacks(ne.arguments);
        break;
      }
      case ts.SyntaxKind.VariableDeclaration: {
        // A symbol that is a function under another name: `export const produce = immer.produce`.
        const decl = node as ts.VariableDeclaration;
        if (info && info.kind === "variable" && decl.initializer) {
          const fns = functionValues(decl.initializer, true);
          if (fns.length) {
            addEdges("alias", current, decl.initializer, fns.map((t) => t.id));
            claim(decl.initializer);
          }
        }
        break;
      }
      case ts.SyntaxKind.ObjectLiteralExpression: {
        const obj = node as ts.ObjectLiteralExpression;
        if (!obj.properties.some(mayStoreFunction)) break; // data only: no need to ask the checker what it fills
        const expected = checker.getContextualType(obj);
        if (expected) bindObject(obj, expected, current === null ? undefined : symbolId(selfPath, current), obj);
        break;
      }
      case ts.SyntaxKind.Identifier: {
        const id = node as ts.Identifier;
        if (!ctx.knownNames.has(id.text) || isDeclarationName(id)) break;
        const p = id.parent;
        const isCallee = (ts.isCallExpression(p) || ts.isNewExpression(p)) && p.expression === id;
        const inImport = ts.isImportSpecifier(p) || ts.isImportClause(p) || ts.isExportSpecifier(p);
        if (isCallee || inImport) break;
        const sym = checker.getSymbolAtLocation(id);
        if (!claimed.has(id)) addEdges("ref", current, id, targetsOfSymbol(sym).map((t) => t.id));
        bindFlow(id, sym);
        break;
      }
      case ts.SyntaxKind.PropertyAccessExpression: {
        const pa = node as ts.PropertyAccessExpression;
        if (!ctx.knownNames.has(pa.name.text)) break;
        const p = pa.parent;
        const isCallee = (ts.isCallExpression(p) || ts.isNewExpression(p)) && p.expression === pa;
        if (isCallee || claimed.has(pa.name)) break;
        // Reading or writing a property with a getter or setter runs it.
        const targets = resolvedTargets(pa.name);
        addEdges("accessor", current, pa.name, targets.filter((t) => t.kind === "accessor").map((t) => t.id));
        addEdges("ref", current, pa.name, targets.filter((t) => t.kind !== "accessor").map((t) => t.id));
        break;
      }
      case ts.SyntaxKind.BinaryExpression: {
        // `this.mapKey = mapKey ?? defaultMapKey`: a function stored into a member.
        const b = node as ts.BinaryExpression;
        if (b.operatorToken.kind !== ts.SyntaxKind.EqualsToken || !ts.isPropertyAccessExpression(b.left) || !ctx.knownNames.has(b.left.name.text)) break;
        const values = functionValues(b.right).map((t) => t.id);
        if (values.length === 0) break;
        const line = lineOf(sf, b.getStart(sf));
        // Into members only (`this.mapKey`, `tag.resolve`), not `exports.f = g`, which is an export.
        const members = targetsOf(b.left.name).filter((id) => /[.[]/.test(id.slice(id.indexOf("#"))));
        for (const member of members) for (const value of values) addBinding(member, value, line);
        break;
      }
    }
    ts.forEachChild(node, visit);
    current = saved;
  };
  ts.forEachChild(sf, visit);
  return { edges, heritage, routes, bindings };
}
