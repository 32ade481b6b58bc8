import type { Keyv } from "keyv";
import { openCache } from "../../core/cache.js";
import { readWorktreeText } from "../../core/confine.js";
import { escapeRegExp } from "../../core/glob.js";
import { listTree, readBlobs, resolveRevision, WORKTREE } from "../../core/git.js";
import { readBuildRoot, readPackage } from "../code-graph/project-settings.js";
import type { WorldlineConfig } from "../../core/repo.js";
import type { CodeGraphService } from "../code-graph/service.js";
import type { ContextGraphStore } from "../context-graph/store.js";
import type { CommitCache } from "../git-history/commits.js";
import type { SuspectCommit } from "../git-history/suspects.js";
import type { Bound } from "./bounded.js";
import type { RepoView } from "./code-refs.js";
import { type ImportContext } from "./importer.js";
import type { TicketStore } from "./store.js";
import { workspaceOf, type Workspace } from "../workspace.js";

/** The tickets of one repo: their store, and the code graph, history and context graph they link into. */
export class TicketService {
  readonly repo: string;
  readonly store: TicketStore;
  readonly graph: ContextGraphStore;
  readonly codeGraph: CodeGraphService;
  readonly commits: CommitCache;
  readonly config: WorldlineConfig;
  private readonly release: () => void;

  /** On a shared workspace, or on one of its own for a repo path. */
  constructor(source: string | Workspace) {
    const { workspace, release } = workspaceOf(source);
    this.release = release;
    this.repo = workspace.repo;
    this.store = workspace.tickets;
    this.graph = workspace.graph;
    this.codeGraph = workspace.codeGraph;
    this.commits = workspace.commits;
    this.config = workspace.config;
  }

  private cache: Keyv | undefined;

  /** HTTP answers with their ETags, for conditional requests to trackers. */
  httpCache(): Keyv {
    this.cache ??= openCache(this.repo, "tickets-http");
    return this.cache;
  }

  close(): void {
    void this.cache?.disconnect();
    this.release();
  }

  private readonly views = new Map<string, { manifest: number; view: RepoView }>();
  /** Stack-frame suspects by HEAD and stack, shared by imports: tickets repeat the same traces. */
  readonly suspectMemo = new Map<string, Promise<SuspectCommit[]>>();
  /** Triage bounds by commit (the commits each reaches), shared by the tickets of a round. */
  readonly bounds = new Map<string, Promise<Bound>>();

  /**
   * The code graph at the working tree (or at a revision: its tree, not the working tree's), with look-ups
   * memoized while the index stays the same.
   */
  async repoView(rev?: string): Promise<RepoView> {
    const commit = rev === undefined ? null : (await resolveRevision(this.repo, rev)).commit;
    const name = commit ?? WORKTREE;
    if (commit === null) await this.codeGraph.index();
    const graph = await this.codeGraph.graph(commit ?? undefined);
    const known = this.views.get(name);
    if (known?.manifest === graph.revision.manifest) return known.view;
    const memo = <T>(fn: (k: string) => T) => {
      const cache = new Map<string, T>();
      return (k: string): T => {
        if (!cache.has(k)) cache.set(k, fn(k));
        return cache.get(k) as T;
      };
    };
    const paths = new Set(this.codeGraph.store.manifestFiles(graph.revision.manifest).map((f) => f.path));
    const readText = memo(await this.textReader(commit));
    const pkgText = await readText("package.json");
    const buildRoots: Array<{ out: string; root: string }> = [];
    for (const config of [...paths].filter((p) => /^tsconfig(?:\.[\w-]+)?\.json$/.test(p))) {
      const text = await readText(config);
      const root = text === undefined ? undefined : readBuildRoot(config, text);
      if (root) buildRoots.push(root);
    }
    // Templates are compiled once per index: `${}` matches what the code filled in.
    let templates: Array<{ pattern: RegExp; location: string; symbol: string | null }> | undefined;
    const templatesOf = () =>
      (templates ??= graph
        .findLiteral("${}", false)
        .filter((l) => l.value.replace(/\$\{\}/g, "").trim().length >= 8)
        .map((l) => ({ pattern: new RegExp(l.value.split("${}").map(escapeRegExp).join("[\\s\\S]+?")), location: l.location, symbol: l.symbol })));
    const view: RepoView = {
      paths,
      packageName: pkgText === undefined ? undefined : readPackage("package.json", pkgText)?.name,
      buildRoots,
      findMessage: memo((text) => sourceFirst(templatesOf().filter((t) => t.pattern.test(text)), (t) => t.location).slice(0, 6)),
      configKeys: new Set(graph.configReads().map((r) => r.key)),
      symbolAt: memo((loc) => {
        try {
          return graph.symbolAt(loc).id;
        } catch {
          return null;
        }
      }),
      findLiteral: memo((text) => sourceFirst(graph.findLiteral(text, false), (l) => l.location).slice(0, 6)),
      symbolsNamed: memo((name) => sourceFirst(graph.symbolsNamed(name).map((s) => s.id), (id) => id)),
      hasCommit: memo(async (prefix) => (await resolveRevision(this.repo, prefix).catch(() => undefined))?.commit ?? undefined),
      readText,
    };
    this.views.set(name, { manifest: graph.revision.manifest, view });
    return view;
  }

  /** Reads files of the working tree (confined to the repo), or of a commit's tree through one listing. */
  private async textReader(commit: string | null): Promise<(path: string) => Promise<string | undefined>> {
    if (commit === null) return (path) => readWorktreeText(this.repo, path).catch(() => undefined);
    const blobs = new Map((await listTree(this.repo, commit)).map((e) => [e.path, e.hash]));
    return async (path) => {
      const hash = blobs.get(path);
      return hash === undefined ? undefined : (await readBlobs(this.repo, [hash])).get(hash)?.toString("utf8");
    };
  }

  importContext(now?: () => string): ImportContext {
    return {
      store: this.store,
      graph: this.graph,
      repoView: () => this.repoView(),
      repo: this.repo,
      commits: this.commits,
      suspectAgeDays: this.config.suspectAgeDays,
      suspectMemo: this.suspectMemo,
      ...(now ? { now } : {}),
    };
  }
}

/** Files a build wrote or that only declare types (`dist/`, `build/`, a committed `compat/…/dist/x.d.ts`). */
const GENERATED = /(?:^|\/)(?:dist|build|out)\/|\.d\.[cm]?ts(?:[#:]|$)/;

/**
 * A name or message found in the source and in generated copies of it names the source: a report about
 * `produce` is about src/immer.ts, not a committed `compat/pre-3.7/dist/immer.d.ts`. Only generated hits stay
 * when there is nothing else.
 */
function sourceFirst<T>(hits: readonly T[], where: (h: T) => string): T[] {
  const source = hits.filter((h) => !GENERATED.test(where(h)));
  return source.length ? source : [...hits];
}
