import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { registerContract } from "../../core/contract.js";
import { UserError } from "../../core/errors.js";
import { MAX_ANSWER_BYTES, pageText, paginate } from "../../core/paging.js";
import {
  codeIndexStatus,
  findCallees,
  findCallers,
  findCallPaths,
  findConfigReads,
  findLiteral,
  getSymbol,
  listEntryPoints,
  reindexCode,
  searchSymbols,
  symbolImpact,
} from "./contracts.js";
import type { CodeGraphService } from "./service.js";

/** The code graph's MCP face: each contract (contracts.ts) bound to the service, answering bounded structured content. */
export function registerCodeGraphTools(server: McpServer, service: CodeGraphService): void {
  const answer = async <T extends object>(revName: string | undefined, build: (g: Awaited<ReturnType<CodeGraphService["graph"]>>) => T | Promise<T>) => {
    const graph = await service.graph(revName);
    const body = await build(graph);
    return { ...body, revision: graph.revision.name, ...(await service.staleness(graph)) };
  };

  registerContract(server, searchSymbols, async (a) => answer(a.rev, (g) => paginate(g.search(a.query, { kind: a.kind, exportedOnly: a.exportedOnly }), a)));

  registerContract(server, getSymbol, async (a) =>
    answer(a.rev, async (g) => {
      const symbol = g.requireSymbol(service.symbolId(a.id));
      if (!a.includeSource) {
        if (a.cursor) throw new UserError(`${getSymbol.name}: "cursor" pages the source: pass includeSource: true with it`);
        return { symbol };
      }
      // The page's share of the 20 KB bound: what the symbol's fields and the staleness list (up to 50 paths) leave.
      const room = Math.max(2_000, MAX_ANSWER_BYTES - 8_000 - JSON.stringify(symbol).length);
      const page = pageText(await g.source(symbol), a.cursor, room);
      return { symbol, source: page.text, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    }),
  );

  registerContract(server, findCallers, async (a) => answer(a.rev, (g) => paginate(g.callers(service.symbolId(a.id), a.depth ?? 1, a.includeReferences), a)));

  registerContract(server, findCallees, async (a) => answer(a.rev, (g) => paginate(g.callees(service.symbolId(a.id), a.depth ?? 1, a.includeReferences), a)));

  registerContract(server, findCallPaths, async (a) =>
    answer(a.rev, (g) => {
      const paths = g.callPaths(service.symbolId(a.from), service.symbolId(a.to), a.maxDepth ?? 8, a.limit ?? 10);
      // Keep the answer within the size bound: drop the longest-listed paths past it.
      while (paths.length > 1 && JSON.stringify(paths).length > MAX_ANSWER_BYTES - 2_000) paths.pop();
      return { paths };
    }),
  );

  registerContract(server, findLiteral, async (a) => answer(a.rev, (g) => paginate(g.findLiteral(a.text, a.exact ?? false), a)));

  registerContract(server, findConfigReads, async (a) => answer(a.rev, (g) => paginate(g.configReads(a.key, a.kind), a)));

  registerContract(server, listEntryPoints, async (a) => answer(a.rev, (g) => paginate(g.entryPoints(a.kind), a)));

  registerContract(server, symbolImpact, async (a) =>
    answer(a.rev, (g) => {
      const result = g.impact(a.targets.map((t) => service.target(t)), a.maxDepth ?? 10);
      return { targets: result.targets, ...paginate(result.items, a) };
    }),
  );

  registerContract(server, codeIndexStatus, async (a) =>
    answer(a.rev, () => ({
      repo: service.repo,
      revisions: service.store.revisions().slice(0, 20).map((r) => ({
        name: r.name,
        commit: r.commit,
        indexedAt: r.indexedAt,
        files: r.stats.files,
        lines: r.stats.lines,
        symbols: r.stats.symbols,
        durationMs: r.stats.durationMs,
        parseErrors: r.stats.parseErrors.slice(0, 20),
      })),
    })),
  );

  registerContract(server, reindexCode, async (a) => {
    const r = await service.index(a.rev);
    return {
      revision: r.revision.name,
      commit: r.revision.commit,
      files: r.stats.files,
      parsedFiles: r.stats.parsedFiles,
      resolvedFiles: r.stats.resolvedFiles,
      durationMs: r.stats.durationMs,
    };
  });
}
