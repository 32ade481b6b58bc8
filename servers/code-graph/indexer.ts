import { createHash } from "node:crypto";
import { resolveRevision, WORKTREE, type Revision } from "../../core/git.js";
import { ImportGraph } from "./import-graph.js";
import { ModuleResolver } from "./module-resolver.js";
import { ProgramHost, repoPathOf } from "./program.js";
import { readProjectSettings, type ProjectSettings } from "./project-settings.js";
import { resolveFile } from "./resolve.js";
import { commitSnapshot, WorktreeReader, worktreeSnapshot, type Snapshot } from "./snapshot.js";
import type { BlobInfo, CodeGraphStore, ImportFact, IndexStats, ManifestFile } from "./store.js";
import { extractLocalFacts, type LocalFacts } from "./syntax.js";

/** What a revision's manifest records beside its files: settings and the entry files they declare. */
export interface ManifestSettings extends ProjectSettings {
  entryFiles: string[];
  binFiles: string[];
  scriptFiles: string[];
}

export interface IndexResult {
  revision: Revision;
  manifest: number;
  stats: IndexStats;
}

/**
 * Indexes revisions into the code-graph store. One instance per repo; kept alive in a server it keeps parsed
 * files and the last program, so re-indexing after an edit parses and re-checks only what changed.
 *
 * A run writes everything in one transaction at the end: a run that dies midway leaves the previous index.
 */
export class CodeGraphIndexer {
  private readonly programs = new ProgramHost();
  private readonly worktree: WorktreeReader;

  constructor(
    private readonly repo: string,
    private readonly store: CodeGraphStore,
  ) {
    this.worktree = new WorktreeReader(repo);
  }

  async snapshot(rev: string | undefined): Promise<Snapshot> {
    const revision = await resolveRevision(this.repo, rev);
    if (revision.commit === null) return worktreeSnapshot(this.worktree, revision);
    return commitSnapshot(this.repo, { ...revision, commit: revision.commit });
  }

  async index(rev: string | undefined = WORKTREE): Promise<IndexResult> {
    const started = performance.now();
    const phases: Record<string, number> = {};
    let mark = started;
    const phase = (name: string) => {
      const t = performance.now();
      phases[name] = Math.round(t - mark);
      mark = t;
    };
    const snap = await this.snapshot(rev);
    phase("read");
    const { sources } = snap;

    const projectTexts = await snap.read(snap.projectFiles.map((f) => f.hash));
    const settings = readProjectSettings(new Map(snap.projectFiles.map((f) => [f.path, projectTexts.get(f.hash) ?? ""])));
    const sourcePaths = new Set(sources.map((s) => s.path));
    const resolver = new ModuleResolver(sourcePaths, settings);

    // 1. Text-only facts for contents never seen before.
    const infos = this.store.blobInfos(sources.map((s) => s.hash));
    const newBlobs = [...new Set(sources.filter((s) => !infos.has(s.hash)).map((s) => s.hash))];
    const texts = await snap.read(newBlobs);
    const newFacts = new Map<string, LocalFacts>();
    for (const s of sources) {
      if (infos.has(s.hash) || newFacts.has(s.hash)) continue;
      const sf = this.programs.sourceFile(s.path, s.hash, texts.get(s.hash) ?? "");
      const facts = extractLocalFacts(sf);
      newFacts.set(s.hash, facts);
      infos.set(s.hash, { ...facts });
    }
    phase("parse");

    // 2. Resolution units: a file's checker facts hold while it and the surfaces of all it imports hold.
    const deps = new Map<string, string[]>();
    const imports = new Map<string, ImportFact[]>();
    for (const s of sources) {
      const info = infos.get(s.hash) as BlobInfo;
      const targets: string[] = [];
      const facts: ImportFact[] = [];
      for (const ref of info.moduleRefs) {
        const r = resolver.resolve(ref.specifier, s.path);
        if (r.kind === "file") targets.push(r.path);
        facts.push({
          line: ref.line,
          kind: ref.kind,
          specifier: ref.specifier,
          target: r.kind === "file" ? r.path : null,
          external: r.kind === "external" ? r.packageName : null,
          names: ref.names ?? null,
        });
      }
      deps.set(s.path, [...new Set(targets)]);
      imports.set(s.path, facts);
    }
    const hashOf = new Map(sources.map((s) => [s.path, s.hash]));
    const graph = new ImportGraph(deps);
    const deepSurface = graph.deepSurfaces((p) => infos.get(hashOf.get(p) ?? "")?.surfaceHash ?? "");
    const manifestFiles: ManifestFile[] = sources.map((s) => ({
      path: s.path,
      hash: s.hash,
      unit: createHash("sha1").update(`${s.path}\0${s.hash}\0${deepSurface.get(s.path)}`).digest("hex"),
    }));
    phase("units");
    const known = this.store.knownUnits(manifestFiles.map((f) => f.unit));
    const missing = manifestFiles.filter((f) => !known.has(f.unit));

    // 3. Checker facts for the missing units, over a program of just the files they can see.
    const resolved: Array<{ file: ManifestFile; facts: ReturnType<typeof resolveFile> }> = [];
    if (missing.length > 0) {
      const programPaths = graph.closure(missing.map((f) => f.path));
      const needText = [...programPaths].map((p) => hashOf.get(p) ?? "").filter((h) => !texts.has(h));
      for (const [h, t] of await snap.read(needText)) texts.set(h, t);
      const files = new Map([...programPaths].map((p) => [p, { hash: hashOf.get(p) ?? "", text: texts.get(hashOf.get(p) ?? "") ?? "" }]));
      const program = this.programs.createProgram([...programPaths], files, resolver);
      const checker = program.getTypeChecker();
      phase("program");
      const knownNames = this.store.symbolNames(sources.map((s) => s.hash));
      for (const facts of newFacts.values()) for (const sym of facts.symbols) knownNames.add(sym.name);
      for (const f of missing) {
        const sf = program.getSourceFile(`/repo/${f.path}`);
        if (!sf) continue;
        const externalImports = (imports.get(f.path) ?? []).map((i) => i.external).filter((e): e is string => e !== null);
        resolved.push({ file: f, facts: resolveFile(sf, { checker, repoPath: repoPathOf, knownNames, externalImports }) });
      }
    }
    this.programs.retain(sourcePaths);
    phase("resolve");

    const manifestSettings: ManifestSettings = { ...settings, ...entryFilesOf(settings, resolver) };
    const stats: IndexStats = {
      files: sources.length,
      lines: sources.reduce((n, s) => n + (infos.get(s.hash)?.lines ?? 0), 0),
      symbols: 0,
      parsedFiles: newFacts.size,
      resolvedFiles: resolved.length,
      parseErrors: sources.flatMap((s) => (infos.get(s.hash)?.parseErrors ?? []).slice(0, 3).map((e) => ({ path: s.path, ...e }))),
      durationMs: 0,
      phases,
    };

    // 4. One transaction: the previous index stays whole until this commits.
    let manifest = 0;
    this.store.db
      .transaction(() => {
        for (const [hash, facts] of newFacts) this.store.insertBlob(hash, facts);
        for (const { file, facts } of resolved) this.store.insertUnit(file.unit, file.path, file.hash, facts, imports.get(file.path) ?? []);
        manifest = this.store.insertManifest(manifestFiles, manifestSettings);
        stats.symbols = this.store.symbolCount(manifest);
        phase("store");
        stats.durationMs = Math.round(performance.now() - started);
        this.store.setRevision(snap.revision.name, snap.revision.commit, manifest, stats);
      })
      .immediate();
    return { revision: snap.revision, manifest, stats };
  }

  /** Source files whose working-tree content differs from a manifest: changed, added or deleted. */
  async movedSince(files: readonly ManifestFile[]): Promise<string[]> {
    const { sources } = await this.worktree.scan();
    const indexed = new Map(files.map((f) => [f.path, f.hash]));
    const moved: string[] = [];
    for (const s of sources) {
      if (indexed.get(s.path) !== s.hash) moved.push(s.path);
      indexed.delete(s.path);
    }
    moved.push(...indexed.keys());
    return moved.sort();
  }
}

function entryFilesOf(settings: ProjectSettings, resolver: ModuleResolver): Pick<ManifestSettings, "entryFiles" | "binFiles" | "scriptFiles"> {
  const entryFiles = new Set<string>();
  const binFiles = new Set<string>();
  const scriptFiles = new Set<string>();
  for (const pkg of settings.packages) {
    const entry = resolver.packageEntry(pkg);
    if (entry) entryFiles.add(entry);
    for (const e of pkg.entries) {
      const hit = resolver.entrySource(pkg.dir, e);
      if (hit) entryFiles.add(hit);
    }
    for (const b of pkg.bins) {
      const hit = resolver.entrySource(pkg.dir, b);
      if (hit) binFiles.add(hit);
    }
    for (const s of pkg.scriptFiles) {
      const hit = resolver.entrySource(pkg.dir, s);
      if (hit) scriptFiles.add(hit);
    }
  }
  return { entryFiles: [...entryFiles].sort(), binFiles: [...binFiles].sort(), scriptFiles: [...scriptFiles].sort() };
}
