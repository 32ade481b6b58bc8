import { ts } from "@ts-morph/common";
import type { PackageApi } from "./ticket-repro-api.js";
import type { SnippetRead } from "./ticket-repro-call.js";
import { declaredBy, expressionJs, freeNames, referencesIn, SANDBOX_GLOBALS } from "./ticket-repro-names.js";

/**
 * A call's arguments as a step's `args_js` (format.ts): the snippet's own code for them, for arguments that are
 * not literals (a recipe function, `new Map()`, an object built in steps). The statements before the call that
 * the arguments need (declarations of the names they read, statements that change those values, and the
 * package's setup calls such as `enablePatches()`) go first, in the snippet's order, inside a function whose
 * value is the argument array:
 *
 *   (() => { enablePatches(); const foo = { bar: undefined }; return [foo, draft => { draft.bar = undefined; }]; })()
 *
 * The sandbox evaluates it with the entry module's exports in scope, so the package's names are read as they
 * are; a name the snippet imports under another name, or through a namespace (`immer.produce`), is written as
 * the export's own. Types are dropped. The code runs only in the sandbox's isolate, never here.
 */
export type ArgsJs = { js: string; setup: string[] } | { missing: string; undefinedNames: string[] };

/** Whether the call is a bare statement of setup (`enablePatches()`, `setAutoFreeze(false)`): no input, result unused. */
export function isSetupCall(node: ts.CallExpression): boolean {
  const parent = ts.isAwaitExpression(node.parent) ? node.parent.parent : node.parent;
  return ts.isExpressionStatement(parent) && node.arguments.every((a) => a.kind === ts.SyntaxKind.TrueKeyword || a.kind === ts.SyntaxKind.FalseKeyword || ts.isNumericLiteral(a));
}

/** The statement lists around a node, innermost first, each with the index of the statement that holds it. */
function enclosingLists(node: ts.Node): Array<{ list: readonly ts.Statement[]; at: number }> {
  const out: Array<{ list: readonly ts.Statement[]; at: number }> = [];
  let child: ts.Node = node;
  for (let p = node.parent; p; child = p, p = p.parent) {
    const list = ts.isSourceFile(p) || ts.isBlock(p) || ts.isModuleBlock(p) || ts.isCaseClause(p) || ts.isDefaultClause(p) ? p.statements : undefined;
    if (list) out.push({ list, at: list.indexOf(child as ts.Statement) });
  }
  return out;
}

/** The statement that holds a node directly in a statement list. */
export function statementOf(node: ts.Node): ts.Statement | undefined {
  for (let n: ts.Node | undefined = node; n; n = n.parent) if (n.parent && (ts.isSourceFile(n.parent) || ts.isBlock(n.parent) || ts.isModuleBlock(n.parent) || ts.isCaseClause(n.parent) || ts.isDefaultClause(n.parent))) return n as ts.Statement;
  return undefined;
}

/** Statements that only show something (`console.log(x)`, `expect(x).toBe(y)`, `assert(x)`): never needed to build an input. */
export function isShowing(st: ts.Statement): boolean {
  if (!ts.isExpressionStatement(st)) return false;
  let e: ts.Expression = st.expression;
  while (ts.isCallExpression(e) || ts.isPropertyAccessExpression(e)) e = e.expression;
  return ts.isIdentifier(e) && /^(console|expect|assert|t|should)$/.test(e.text);
}

/** `const { a } = require("pkg")`, `const P = require("pkg").default`. */
const importsPackage = (st: ts.Statement, pkg: string) => ts.isVariableStatement(st) && st.declarationList.declarations.some((d) => d.initializer !== undefined && (isRequireOf(d.initializer, pkg) || (ts.isPropertyAccessExpression(d.initializer) && isRequireOf(d.initializer.expression, pkg))));

const isRequireOf = (n: ts.Node, pkg: string): boolean => ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === "require" && n.arguments.length === 1 && ts.isStringLiteral(n.arguments[0] as ts.Expression) && (n.arguments[0] as ts.StringLiteral).text === pkg;

/** Names that stand for the whole package in a snippet: its imports of it, and the objects its calls go through (`YAML.parse`). */
function packageNamesOf(read: SnippetRead): Set<string> {
  const out = new Set(read.namespaces);
  for (const { node } of read.calls) if (ts.isPropertyAccessExpression(node.expression) && ts.isIdentifier(node.expression.expression)) out.add(node.expression.expression.text);
  return out;
}

export function argsJs(read: SnippetRead, node: ts.CallExpression, api: PackageApi): ArgsJs {
  const file = read.file;
  const shown = `\`${node.getText(file).replace(/\s+/g, " ").slice(0, 60)}${node.getText(file).length > 60 ? "…" : ""}\``;
  const lists = enclosingLists(node);
  // Statements before the call at each level, nearest first; function declarations anywhere (they are hoisted).
  const before = lists.flatMap(({ list, at }) => [...list.slice(0, at).reverse(), ...list.slice(at + 1).filter(ts.isFunctionDeclaration)]);
  const setup = before.filter((st) => ts.isExpressionStatement(st) && read.calls.some((c) => isSetupCall(c.node) && statementOf(c.node) === st));
  const packageNames = packageNamesOf(read);
  // The snippet's own import of the package (`const { produce } = require("immer")`) declares nothing the code needs: its names are the exports.
  const declaredNames = new Set(before.filter((st) => !importsPackage(st, api.name)).flatMap((st) => [...declaredBy(st)]));
  const included = new Set<ts.Statement>(setup);
  const needed = new Set<string>();
  const pieces: ts.Node[] = [...node.arguments, ...setup];
  const replacements: Array<{ start: number; end: number; text: string }> = [];
  const problems: string[] = [];
  const visited = new Set<ts.Node>();
  /** Reads one piece of code: its package names are rewritten, its other free names are needed. */
  const take = (piece: ts.Node) => {
    if (visited.has(piece)) return;
    visited.add(piece);
    // `ns.member` and `require("pkg").member` are the export itself.
    const visit = (n: ts.Node): void => {
      if (ts.isPropertyAccessExpression(n) && ((ts.isIdentifier(n.expression) && packageNames.has(n.expression.text) && !declaredNames.has(n.expression.text)) || isRequireOf(n.expression, api.name))) {
        const member = n.name.text;
        if (api.via) problems.push(`\`${n.getText(file)}\`: ${api.name} hands on one default object, whose members a reproduction's code cannot name: give the arguments as literals`);
        else if (!api.exports.has(member)) problems.push(`\`${n.getText(file)}\`: ${api.name} exports no \`${member}\` at this revision`);
        else replacements.push({ start: n.getStart(file), end: n.end, text: member });
        return;
      }
      if (isRequireOf(n, api.name)) problems.push(`\`${n.getText(file)}\` as a value: name the exports it uses (\`require("${api.name}").produce\`)`);
      ts.forEachChild(n, visit);
    };
    visit(piece);
    for (const [name, ids] of freeNames(piece)) {
      const local = ids.filter((id) => !replacements.some((r) => id.getStart(file) >= r.start && id.end <= r.end));
      if (local.length === 0 || name === "require") {
        if (name === "require" && local.some((id) => !ts.isCallExpression(id.parent) || !isRequireOf(id.parent, api.name))) {
          const call = local.map((id) => id.parent).find(ts.isCallExpression);
          const mod = call?.arguments[0] && ts.isStringLiteral(call.arguments[0]) ? call.arguments[0].text : "a module";
          problems.push(`\`require("${mod}")\` in ${shown}: only ${api.name} itself loads in a reproduction; define what the snippet takes from ${mod} in the snippet`);
        }
        continue;
      }
      const exported = read.named.get(name);
      if (exported !== undefined && !declaredNames.has(name)) {
        if (api.via) problems.push(`\`${name}\`: ${api.name} hands on one default object, whose members a reproduction's code cannot name: give the arguments as literals`);
        else if (exported !== name) for (const id of local) replacements.push({ start: id.getStart(file), end: id.end, text: ts.isShorthandPropertyAssignment(id.parent) ? `${name}: ${exported}` : exported });
        continue;
      }
      if (packageNames.has(name) && !declaredNames.has(name)) {
        problems.push(`\`${name}\` used as a value in ${shown}: a reproduction reads ${api.name}'s exports by name (\`${name}.${read.calls[0]?.call.member ?? "member"}\`)`);
        continue;
      }
      needed.add(name);
    }
  };
  for (const p of pieces) take(p);
  // Until nothing changes: a declaration the arguments need may need others, and statements that change a
  // needed value (`state.items.push(x)`, `state = next`) are part of building it.
  for (let changed = true; changed; ) {
    changed = false;
    for (const st of before) {
      if (included.has(st) || isShowing(st) || importsPackage(st, api.name)) continue;
      const declares = [...declaredBy(st)].some((n) => needed.has(n));
      const changes = !declares && ts.isExpressionStatement(st) && referencesIn(st).some((id) => needed.has(id.text));
      if (!declares && !changes) continue;
      included.add(st);
      take(st);
      changed = true;
    }
  }
  const bound = new Set([...included].flatMap((st) => [...declaredBy(st)]));
  const undefinedNames: string[] = [];
  // A global the snippet uses that the package also exports (immutable's Map) is the native one: args_js is
  // read with the package's exports in scope, which would put the export in its place.
  const nativeNames = [...needed].filter((n) => !bound.has(n) && SANDBOX_GLOBALS.has(n) && api.exports.has(n) && n !== "globalThis");
  for (const name of needed) {
    if (bound.has(name) || SANDBOX_GLOBALS.has(name)) continue;
    if (api.exports.has(name)) {
      if (api.via) problems.push(`\`${name}\`: ${api.name} hands on one default object, whose members a reproduction's code cannot name: give the arguments as literals`);
      continue;
    }
    undefinedNames.push(name);
    problems.push(`\`${name}\` in ${shown}: the snippet never defines it and ${api.name} does not export it; define it in the snippet`);
  }
  if (problems.length) return { missing: [...new Set(problems)].join("; "), undefinedNames };
  const text = (n: ts.Node) => {
    const start = n.getStart(file);
    let out = file.text.slice(start, n.end);
    for (const r of [...replacements].filter((r) => r.start >= start && r.end <= n.end).sort((a, b) => b.start - a.start)) out = out.slice(0, r.start - start) + r.text + out.slice(r.end - start);
    return out;
  };
  const args = `[${node.arguments.map(text).join(", ")}]`;
  const statements = [...included].sort((a, b) => a.pos - b.pos).map((st) => {
    const t = text(st).trim();
    // Always ended: a kept `{ … }` object literal must not run into a next kept statement starting with `[` or `(`
    // (an extra `;` after a block is an empty statement).
    return t.endsWith(";") ? t : `${t};`;
  });
  if (nativeNames.length) statements.unshift(`const { ${nativeNames.sort().join(", ")} } = globalThis;`);
  const js = expressionJs(statements.length ? `(() => {\n${statements.join("\n")}\nreturn ${args};\n})()` : args);
  if (js === undefined) return { missing: `the code of ${shown} as JavaScript: the snippet does not parse; fix its syntax`, undefinedNames: [] };
  return { js, setup: setup.map((st) => st.getText(file).trim()) };
}
