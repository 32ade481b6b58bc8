import type { ts } from "@ts-morph/common";
import { typescript } from "../../../core/typescript.js";

/**
 * The instrumenting transpiler of the differential simulation (DESIGN.md, depth 2): TypeScript to CommonJS
 * with no type check, through a `before` transformer that calls the recorder `__wl` before every statement
 * and around every function body (entry with its arguments, return values, thrown errors). Each call names
 * a site by number; the site table maps it back to the original path:line, so traces and stacks speak of
 * source lines, never of instrumented ones.
 */
export type SiteKind = "statement" | "function";

export interface Site {
  kind: SiteKind;
  line: number;
  /** For function sites: the function's name as the code graph would qualify it, or `<anonymous>`. */
  name?: string;
  /** The last line of the statement or function, so a hunk can be placed inside or outside it. */
  endLine?: number;
}

export interface Instrumented {
  code: string;
  sites: Site[];
}

const RECORDER = "__wl";

function call(f: ts.NodeFactory, method: string, args: ts.Expression[]): ts.Expression {
  return f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RECORDER), method), undefined, args);
}

function functionName(node: ts.FunctionLikeDeclaration): string {
  const ts = typescript();
  const own = node.name && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name)) ? node.name.text : undefined;
  const parent = node.parent;
  const owner = parent && ts.isClassLike(parent) && parent.name ? `${parent.name.text}.` : "";
  if (ts.isConstructorDeclaration(node)) return `${owner}constructor`;
  if (own) return `${owner}${own}`;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  return "<anonymous>";
}

/** Instruments one module's source; `path` is only used for error positions and names. */
export function instrument(path: string, text: string): Instrumented {
  const ts = typescript();
  const sites: Site[] = [];
  let sourceFile: ts.SourceFile | undefined;
  const lineOf = (node: ts.Node) => (sourceFile ? sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1 : 0);
  const endLineOf = (node: ts.Node) => (sourceFile ? sourceFile.getLineAndCharacterOfPosition(node.getEnd()).line + 1 : 0);
  const site = (s: Site) => sites.push(s) - 1;

  const transformer: ts.TransformerFactory<ts.SourceFile> = (context) => {
    const f = context.factory;

    const stepped = (statements: readonly ts.Statement[]): ts.Statement[] =>
      statements.flatMap((s) => {
        const visited = ts.visitNode(s, visit) as ts.Statement;
        // Declarations hoist and type-only statements vanish: a step before them would record nothing true.
        if (ts.isFunctionDeclaration(s) || ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isImportDeclaration(s) || ts.isEmptyStatement(s)) {
          return [visited];
        }
        const id = site({ kind: "statement", line: lineOf(s), endLine: endLineOf(s) });
        const out = [f.createExpressionStatement(call(f, "step", [f.createNumericLiteral(id)])), visited];
        const declared = declaredValue(s);
        if (declared) out.push(f.createExpressionStatement(call(f, "val", [f.createNumericLiteral(id), declared])));
        return out;
      });

    /**
     * The value a `const`/`let` statement bound, recorded after it so a divergence shows both sides' values.
     * Exported module-level declarations are skipped: the CommonJS emit turns them into `exports.x`, and a
     * synthesized reference to `x` would not be rewritten.
     */
    const declaredValue = (s: ts.Statement): ts.Expression | undefined => {
      if (!ts.isVariableStatement(s) || s.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword || m.kind === ts.SyntaxKind.DeclareKeyword)) return undefined;
      const names = s.declarationList.declarations.flatMap((d) => (ts.isIdentifier(d.name) ? [d.name.text] : []));
      if (names.length !== s.declarationList.declarations.length || names.length === 0) return undefined;
      if (names.length === 1) return f.createIdentifier(names[0] as string);
      return f.createObjectLiteralExpression(names.map((n) => f.createShorthandPropertyAssignment(n)));
    };

    const asBlock = (s: ts.Statement): ts.Block => (ts.isBlock(s) ? s : f.createBlock([s], true));

    const wrapBody = (node: ts.FunctionLikeDeclaration, body: ts.ConciseBody): ts.Block => {
      const id = f.createNumericLiteral(site({ kind: "function", line: lineOf(node), name: functionName(node), endLine: endLineOf(node) }));
      const params = node.parameters.map((p) => (ts.isIdentifier(p.name) ? (f.createIdentifier(p.name.text) as ts.Expression) : f.createIdentifier("undefined")));
      const statements = ts.isBlock(body)
        ? stepped(body.statements)
        : [f.createReturnStatement(ts.visitNode(body, visit) as ts.Expression)];
      const error = f.createUniqueName("error");
      // enter answers the caller's current site; exit restores it, so a call made right after this function
      // returns is attributed to the caller's statement, not to this function's last one.
      const caller = f.createUniqueName("caller");
      return f.createBlock(
        [
          f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(caller, undefined, undefined, call(f, "enter", [id, f.createArrayLiteralExpression(params)]))], ts.NodeFlags.Const)),
          f.createTryStatement(
            f.createBlock(statements.map((s) => rewriteReturns(s, id)), true),
            f.createCatchClause(error, f.createBlock([f.createExpressionStatement(call(f, "throw", [id, error])), f.createThrowStatement(error)], true)),
            f.createBlock([f.createExpressionStatement(call(f, "exit", [id, caller]))], true),
          ),
        ],
        true,
      );
    };

    /** `return x` becomes `return __wl.ret(id, x)`, not descending into nested functions. */
    const rewriteReturns = (node: ts.Statement, id: ts.NumericLiteral): ts.Statement => {
      const rw = (n: ts.Node): ts.Node => {
        if (ts.isFunctionLike(n)) return n;
        if (ts.isReturnStatement(n)) return f.updateReturnStatement(n, call(f, "ret", n.expression ? [id, n.expression] : [id]));
        return ts.visitEachChild(n, rw, context);
      };
      return rw(node) as ts.Statement;
    };

    const visit = (node: ts.Node): ts.Node => {
      // CommonJS has no top-level await: say where it is rather than fail obscurely inside the sandbox.
      if ((ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier)) && !ts.findAncestor(node.parent, ts.isFunctionLike)) {
        throw new Error(`${path}:${lineOf(node)}: top-level await cannot be simulated (modules are loaded as CommonJS); move it into a function`);
      }
      if (ts.isIfStatement(node)) {
        return f.updateIfStatement(
          node,
          ts.visitNode(node.expression, visit) as ts.Expression,
          f.createBlock(stepped(asBlock(node.thenStatement).statements), true),
          node.elseStatement ? (ts.isIfStatement(node.elseStatement) ? (visit(node.elseStatement) as ts.Statement) : f.createBlock(stepped(asBlock(node.elseStatement).statements), true)) : undefined,
        );
      }
      if (ts.isBlock(node) && !ts.isFunctionLike(node.parent)) return f.updateBlock(node, stepped(node.statements));
      if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isFunctionExpression(node) || ts.isConstructorDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node)) && node.body) {
        const body = wrapBody(node, node.body);
        if (ts.isFunctionDeclaration(node)) return f.updateFunctionDeclaration(node, node.modifiers, node.asteriskToken, node.name, node.typeParameters, node.parameters, node.type, body);
        if (ts.isMethodDeclaration(node)) return f.updateMethodDeclaration(node, node.modifiers, node.asteriskToken, node.name, node.questionToken, node.typeParameters, node.parameters, node.type, body);
        if (ts.isFunctionExpression(node)) return f.updateFunctionExpression(node, node.modifiers, node.asteriskToken, node.name, node.typeParameters, node.parameters, node.type, body);
        if (ts.isConstructorDeclaration(node)) return f.updateConstructorDeclaration(node, node.modifiers, node.parameters, body);
        if (ts.isGetAccessorDeclaration(node)) return f.updateGetAccessorDeclaration(node, node.modifiers, node.name, node.parameters, node.type, body);
        return f.updateSetAccessorDeclaration(node, node.modifiers, node.name, node.parameters, body);
      }
      if (ts.isArrowFunction(node)) {
        return f.updateArrowFunction(node, node.modifiers, node.typeParameters, node.parameters, node.type, node.equalsGreaterThanToken, wrapBody(node, node.body));
      }
      return ts.visitEachChild(node, visit, context);
    };

    return (sf) => {
      sourceFile = sf;
      return f.updateSourceFile(sf, stepped(sf.statements));
    };
  };

  const out = ts.transpileModule(text, {
    fileName: path,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false, removeComments: true },
    transformers: { before: [transformer] },
  });
  const syntaxError = out.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (syntaxError) {
    const line = syntaxError.file && syntaxError.start !== undefined ? syntaxError.file.getLineAndCharacterOfPosition(syntaxError.start).line + 1 : 0;
    throw new Error(`${path}:${line}: ${ts.flattenDiagnosticMessageText(syntaxError.messageText, " ")}`);
  }
  return { code: out.outputText, sites };
}
