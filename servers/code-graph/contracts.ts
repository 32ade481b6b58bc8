import { z } from "zod";
import { defineTool, toolArgs } from "../../core/contract.js";
import { pageInput } from "../../core/paging.js";
import type { SymbolKind } from "./declarations.js";

/** The code graph's tool contracts: names, descriptions and schemas, shared by the server, the agent and tests. */

const server = "code-graph" as const;
const rev = z.string().optional().describe("Revision to answer about: a branch, tag, commit or WORKTREE (default: the served revision)");
/** Every kind of symbol the index holds (checked against SymbolKind both ways below). */
const SYMBOL_KINDS = [
  "function",
  "arrow-function",
  "function-expression",
  "class",
  "method",
  "constructor",
  "accessor",
  "property",
  "interface",
  "method-signature",
  "type-alias",
  "enum",
  "variable",
] as const satisfies readonly SymbolKind[];
const everyKind: [Exclude<SymbolKind, (typeof SYMBOL_KINDS)[number]>] extends [never] ? true : false = true;
void everyKind;

const symbolIdInput = z.string().min(1).describe("Symbol id: path#Name, path#Class.member or an object-literal member path#object.member (array elements by index, path#table[0].resolve), e.g. src/billing/invoice.ts#generateInvoice");

const SymbolInfo = z.object({
  id: z.string().describe("Symbol id, path#Name"),
  name: z.string(),
  qualifiedName: z.string().describe("Name within its file: Name or Class.member"),
  kind: z.string().describe("function, arrow-function, class, method, constructor, interface, type-alias, enum, variable, ..."),
  location: z.string().describe("path:line where it starts"),
  span: z.string().describe("path:start-end"),
  signature: z.string(),
  doc: z.string().describe("Its doc comment, if any"),
  exported: z.boolean(),
});

const CallSite = z.object({
  caller: z.string().nullable().describe("Calling symbol, or null for module-level code"),
  callee: z.string(),
  kind: z.string().describe("How the caller reaches the callee: call; new (constructs the class); init (construction runs the constructor or a field initializer); super (super() or super.m(), the base's own); bind (f.bind); apply (f.call, f.apply); callback (passed as an argument); alias (a variable holding the function); accessor (a getter or setter runs); ref (a reference, with includeReferences)"),
  site: z.string().describe("path:line of the call"),
  depth: z.number().int().describe("1 for direct calls"),
  via: z.string().optional().describe("Set when the call may reach the callee through an interface, type or base member (e.g. src/schema/types.ts#ScalarTag.stringify): the callee is stored into it or overrides it"),
});

const common = {
  revision: z.string().describe("Revision answered about"),
  stale: z.array(z.string()).optional().describe("Files of the working tree that moved since this index (first 50)"),
  staleCount: z.number().int().optional().describe("How many files moved since this index"),
};

function pageOutput<T extends z.ZodType>(item: T) {
  return { items: z.array(item), nextCursor: z.string().optional().describe("Pass back as cursor for more"), ...common };
}

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

const depth = z.number().int().min(1).max(10).optional().describe("How many call levels to follow (default 1)");

const includeReferences = z.boolean().optional().describe("Also follow references that are not calls (handlers passed as values, type uses)");

const PathStep = z.object({
  symbol: z.string(),
  site: z.string().nullable().describe("Call site that reaches this step; null for the start"),
  kind: z.string().optional().describe("How the step before reaches this one: call, new, bind, call-apply, callback, super, ...; absent on the start"),
  via: z.string().optional().describe("The interface, type or base member the call went through (\"may call, through ScalarTag.stringify\")"),
});

const EntryKind = z.enum(["package-export", "route", "bin", "script", "main"]);

const RevisionStatus = z.object({
  name: z.string(),
  commit: z.string().nullable(),
  indexedAt: z.string(),
  files: z.number().int(),
  lines: z.number().int(),
  symbols: z.number().int(),
  durationMs: z.number(),
  parseErrors: z.array(z.object({ path: z.string(), line: z.number().int(), message: z.string() })).describe("Files that did not parse cleanly (indexed as far as possible)"),
});

export const searchSymbols = defineTool({
  server,
  name: "search_symbols",
  title: "Search symbols",
  description: "Find functions, classes, methods, interfaces, types and exported variables by name, qualified name or doc-comment words.",
  input: toolArgs({
    query: z.string().min(1).describe("Part of a name (case-insensitive), a full id path#Name, or words of a doc comment"),
    kind: z.enum(SYMBOL_KINDS).optional().describe("Only symbols of this kind, e.g. function or method"),
    exportedOnly: z.boolean().optional().describe("Only exported symbols"),
    rev,
    ...pageInput,
  }),
  output: z.object(pageOutput(SymbolInfo)),
  annotations: READ_ONLY,
});

export const getSymbol = defineTool({
  server,
  name: "get_symbol",
  title: "Get a symbol",
  description: "One symbol's kind, span, signature and doc comment, and its source text when asked; a long source comes in pages (pass nextCursor back as cursor for the rest).",
  input: toolArgs({
    id: symbolIdInput,
    includeSource: z.boolean().optional().describe("Also return the symbol's source lines"),
    cursor: z.string().optional().describe("With includeSource: nextCursor from a previous answer, to read on"),
    rev,
  }),
  output: z.object({
    symbol: SymbolInfo,
    source: z.string().optional().describe("Source lines of the symbol's span (one page of them when it is long)"),
    nextCursor: z.string().optional().describe("The source goes on: pass this back as cursor for the next page"),
    ...common,
  }),
  annotations: READ_ONLY,
});

/** Callers and callees take the same arguments and answer call sites. */
const callGraphWalk = {
  input: toolArgs({ id: symbolIdInput, depth, includeReferences, rev, ...pageInput }),
  output: z.object(pageOutput(CallSite)),
};

export const findCallers = defineTool({
  server,
  name: "find_callers",
  title: "Callers",
  description: "Who calls a symbol, with each call site as path:line and its kind, following callers up to a depth. Calls through an interface or type member the symbol implements or is stored into count (with via); for a constructor or field initializer, the sites that construct its class.",
  ...callGraphWalk,
  annotations: READ_ONLY,
});

export const findCallees = defineTool({
  server,
  name: "find_callees",
  title: "Callees",
  description: "What a symbol calls, with each call site as path:line and its kind, following callees up to a depth. A call through an interface or type member lists every implementation and every function stored into it (with via); a class leads to what its construction runs.",
  ...callGraphWalk,
  annotations: READ_ONLY,
});

export const findCallPaths = defineTool({
  server,
  name: "find_call_paths",
  title: "Call paths",
  description: "The shortest call chains from one symbol to another, each step with the call site that reaches it, its kind, and the member it was dispatched through.",
  input: toolArgs({
    from: symbolIdInput,
    to: symbolIdInput,
    maxDepth: z.number().int().min(1).max(20).optional().describe("Longest chain to search (default 8)"),
    limit: z.number().int().min(1).max(50).optional().describe("Most paths to return (default 10)"),
    rev,
  }),
  output: z.object({ paths: z.array(z.array(PathStep)), ...common }),
  annotations: READ_ONLY,
});

export const findLiteral = defineTool({
  server,
  name: "find_literal",
  title: "Find a string literal",
  description: "Where a string appears in code (e.g. the line that throws an error message), with the enclosing symbol.",
  input: toolArgs({
    text: z.string().min(1).describe('Text to find inside string literals, e.g. "Invalid currency code"'),
    exact: z.boolean().optional().describe("Match the whole literal instead of a substring"),
    rev,
    ...pageInput,
  }),
  output: z.object(pageOutput(z.object({ location: z.string(), value: z.string(), symbol: z.string().nullable() }))),
  annotations: READ_ONLY,
});

export const findConfigReads = defineTool({
  server,
  name: "find_config_reads",
  title: "Config reads",
  description: "Where environment variables (process.env.X) and config keys (config.get('a.b'), config.payment.timeoutMs) are read, with the reading symbol.",
  input: toolArgs({
    key: z.string().optional().describe("Part of the key to find, case-insensitive, e.g. TIMEOUT; all reads when absent"),
    kind: z.enum(["env", "config"]).optional().describe("env for environment variables, config for config objects and files"),
    rev,
    ...pageInput,
  }),
  output: z.object(pageOutput(
    z.object({ key: z.string(), kind: z.enum(["env", "config"]), location: z.string().describe("path:line of the read"), symbol: z.string().nullable() }),
  )),
  annotations: READ_ONLY,
});

export const listEntryPoints = defineTool({
  server,
  name: "list_entry_points",
  title: "Entry points",
  description: "Where execution enters the code: exports of package entries, HTTP routes (Express, Fastify, Hono, Koa, NestJS) and scripts.",
  input: toolArgs({ kind: EntryKind.optional().describe("Only entry points of this kind"), rev, ...pageInput }),
  output: z.object(pageOutput(
    z.object({ kind: EntryKind, symbol: z.string().nullable(), location: z.string(), detail: z.string().describe("Route method and path, or why it is an entry") }),
  )),
  annotations: READ_ONLY,
});

export const symbolImpact = defineTool({
  server,
  name: "symbol_impact",
  title: "Impact of a change",
  description: "Every transitive caller of the given symbols or path:line locations, nearest first, up to the entry points they reach.",
  input: toolArgs({
    targets: z.array(z.string().min(1)).min(1).max(100).describe("Symbol ids (path#Name) or locations (path:line)"),
    maxDepth: z.number().int().min(1).max(50).optional().describe("How far to follow callers (default 10)"),
    rev,
    ...pageInput,
  }),
  output: z.object({
    targets: z.array(z.string()).describe("The symbols the targets resolved to"),
    ...pageOutput(
      z.object({
        symbol: z.string().describe("The caller: a symbol id, or path:line where an inline route handler starts (it has no name)"),
        distance: z.number().int(),
        towards: z.string().describe("The symbol one step closer to the target"),
        site: z.string().describe("path:line of that call or reference"),
        entryPoints: z.array(z.string()).describe("Entry points this symbol is, e.g. route POST /pay"),
      }),
    ),
  }),
  annotations: READ_ONLY,
});

export const codeIndexStatus = defineTool({
  server,
  name: "code_index_status",
  title: "Index status",
  description: "Which revisions are indexed (latest 20), their size, files that did not parse (first 20 each), and which files moved since the served index.",
  input: toolArgs({ rev }),
  output: z.object({ repo: z.string(), revisions: z.array(RevisionStatus), ...common }),
  annotations: READ_ONLY,
});

export const reindexCode = defineTool({
  server,
  name: "reindex_code",
  title: "Re-index",
  description: "Bring the index of a revision up to date; only files whose content or imports changed are parsed and re-resolved.",
  input: toolArgs({ rev }),
  output: z.object({
    revision: z.string(),
    commit: z.string().nullable(),
    files: z.number().int(),
    parsedFiles: z.number().int().describe("Files parsed in this run"),
    resolvedFiles: z.number().int().describe("Files whose calls were re-resolved in this run"),
    durationMs: z.number(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
});

/** Every tool the code-graph server registers, in its order. */
export const codeGraphContracts = [searchSymbols, getSymbol, findCallers, findCallees, findCallPaths, findLiteral, findConfigReads, listEntryPoints, symbolImpact, codeIndexStatus, reindexCode] as const;
