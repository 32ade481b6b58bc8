import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { readWorktreeText } from "../../core/confine.js";
import { applyPatch } from "../../core/patch.js";
import { dirname, join } from "node:path";
import { UserError } from "../../core/errors.js";
import { defaultBase, git, listTree, readFilesAt, resolveRevision, WORKTREE } from "../../core/git.js";
import { confinePath, stateDir, type WorldlineConfig } from "../../core/repo.js";
import { closest } from "../../core/suggest.js";
import { type ScenarioVerdict, VERDICT_RANK } from "../../core/verdict.js";
import type { CodeGraphService } from "../code-graph/service.js";
import { recordDecision } from "../context-graph/decisions.js";
import type { ContextGraphStore } from "../context-graph/store.js";
import { RemoteSimulations } from "../jobs/remote.js";
import { workspaceOf, type Workspace } from "../workspace.js";
import { changedSymbols, diffFiles, type FileDiff } from "../git-history/diff.js";
import type { TicketStore } from "../tickets/store.js";
import { draftFromTest, draftFromTicket, expectedValue, requestIn, type Draft } from "./draft.js";
import type { CodeRef, Ticket } from "../tickets/model.js";
import type { CodeGraph } from "../code-graph/queries.js";
import { linesOfStep, type Scenario, type Step } from "./format.js";
import { findEntries, markTouched, walkTrace, type EntryCandidate, type TraceStep } from "./static-trace.js";
import { loadScenarios, scenarioBatch, type LoadedScenarios } from "./store.js";
import { compareRuns } from "./compare.js";
import { fixDrafts, type FixDraft, type FixScope } from "./fix.js";
import { climb, ladderReason, type Attempt, type LadderCheck } from "./fix-ladder.js";
import { changedDefinitions } from "./provenance.js";
import type { ReadSide } from "./fix.js";
import type { SourceText } from "./provenance.js";
import { testOf } from "./tests/as-scenarios.js";
import { loadTestScenarios } from "./tests/load.js";
import type { Collecting } from "./tests/collect.js";
import { candidatesOf, changeMeetsCoverage, indexTree, RESOLUTION_FILES, type ChangedTexts, type TreeIndex } from "./coverage.js";
import { specHash, type CoverageRecord, type CoverageStore } from "./coverage-store.js";
import { DIFFERENTIAL_METHOD, differentialVerdict, errorVerdict, jobFor, unaffectedVerdict, unmet } from "./differential.js";
import { headOnlyVerdict } from "./head-only.js";
import { spectrumOf, type RankedLine, type Spectrum } from "./ticket-repro-spectrum.js";
import { boundaries } from "./sandbox/boundaries.js";
import { SandboxPool } from "./sandbox/pool.js";
import type { RunResult, SimulationJob, WorldService } from "./sandbox/protocol.js";
import { serviceMap } from "../../core/service-map.js";
import { Span } from "../../core/span.js";

export const STATIC_METHOD = "static-trace@1";

/** A per-symbol answer memoized for one indexed revision (the index does not change under a manifest id). */
function perRevision<T>(memos: Map<number, Map<string, T>>, g: CodeGraph, compute: (symbol: string) => T): (symbol: string) => T {
  let memo = memos.get(g.revision.manifest);
  if (!memo) {
    memo = new Map();
    memos.set(g.revision.manifest, memo);
  }
  const m = memo;
  return (symbol) => {
    if (!m.has(symbol)) m.set(symbol, compute(symbol));
    return m.get(symbol) as T;
  };
}

export interface Selected {
  scenario: string;
  score: number;
  reasons: string[];
}

export interface StaticSimulation {
  verdict: ScenarioVerdict;
  entries: EntryCandidate[];
  trace: TraceStep[];
  simulation: string;
}

export interface DifferentialSimulation {
  verdict: ScenarioVerdict;
  base: RunResult;
  /** Absent when the change is off the scenario's path (head need not run). */
  head?: RunResult;
  simulation: string;
}

export interface FixCheck {
  scenario: string;
  before: ScenarioVerdict["verdict"];
  after: ScenarioVerdict["verdict"];
  turned: boolean;
  reason: string;
}

/** draft_fix's answer: a draft and, when a failing scenario was given, whether it verified and what was tried. */
export interface DraftedFix extends FixDraft {
  verified?: boolean;
  reason?: string;
  tried: Attempt[];
  skipped: Array<{ scope: FixScope; why: string }>;
  results?: LadderCheck[];
  /** Without a scenario: the larger drafts on offer, by scope. */
  others?: Array<{ scope: FixScope; reverts: string }>;
}

/**
 * The changed lines a scenario's runs went through, as head locations: the widest fix draft reverts their
 * hunks. Base's count too: a line the change removed ran only on base, and its hunk holds head's side of it.
 */
function relatedLines(sim: DifferentialSimulation, files: FileDiff[]): string[] {
  const onHead = sim.head && sim.head.status === "ok" ? changedDefinitions(sim.head, "head", files).map((d) => `${d.path}:${d.changed}`) : [];
  const onBase =
    sim.base.status === "ok"
      ? changedDefinitions(sim.base, "base", files.map((f) => ({ path: f.oldPath ?? f.path, hunks: f.hunks }))).flatMap((d) => {
          const f = files.find((x) => (x.oldPath ?? x.path) === d.path);
          const h = f?.hunks.find((x) => x.oldLines > 0 && d.changed >= x.oldStart && d.changed < x.oldStart + x.oldLines);
          return f && h ? [`${f.path}:${h.newStart}`] : [];
        })
      : [];
  return [...new Set([...onHead, ...onBase])];
}

/** Scenarios of one repo: the files, their graph nodes, selection for a change and the static trace. */
/** Whether a drafted scenario shows a ticket's behaviour at a revision (its expectations are the fix's). */
export interface Reproduction {
  rev: string;
  status: "reproduces" | "does-not-reproduce" | "error" | "not-executable";
  failing: string[];
  results?: unknown[];
  reason?: string;
  /** Where the first step threw, path:line in the repo, when it threw. */
  throwSite?: string;
  /** The thrown error, name and message. */
  thrown?: string;
  /** Statements of the failing run ranked by where the fault can live (ticket-repro-spectrum.ts), best first. */
  ranked?: RankedLine[];
  /** The shrunk inputs the ranking weighed the failing run against. */
  variations?: Spectrum["variations"];
}

/**
 * Whether a run's coverage is whole: a run that stopped because its step's module is missing covered all it
 * would (only that module's arrival can change it); any other error left the rest unknown.
 */
function coverageStatus(run: RunResult): "ok" | "error" {
  return run.status === "ok" || run.error?.missingModule ? "ok" : "error";
}

/** A run without its shared work's effects (see simulateDifferential). */
function ownEffects(run: RunResult): RunResult {
  const own = (effects: RunResult["effects"]) => effects.filter((e) => !e.shared);
  return { ...run, effects: own(run.effects), steps: run.steps.map((st) => ({ ...st, effects: own(st.effects) })) };
}

/** The effects of a run's shared work (its file's loading, its suite's hooks), as comparable text. */
function sharedEffects(run: RunResult): string {
  return JSON.stringify(run.effects.filter((e) => e.shared).map((e) => [e.target, e.kind, e.args]));
}

/** Whether an error's site is a step's args_js (the scenario's code, not the repo's): "step 2 args_js", or its line in the file. */
function argsJsThrew(at: string, step: Step | undefined): boolean {
  if (/(?:^|\s)step \d+ args_js$/.test(at)) return true;
  const lines = step ? linesOfStep(step) : undefined;
  return lines?.args_js !== undefined && at === `${lines.file}:${lines.args_js}`;
}

export class ScenarioService {
  readonly repo: string;
  readonly codeGraph: CodeGraphService;
  readonly graph: ContextGraphStore;
  readonly config: WorldlineConfig;
  readonly tickets: TicketStore;
  readonly coverage: CoverageStore;
  private readonly release: () => void;

  /** On a shared workspace, or on one of its own for a repo path. */
  constructor(source: string | Workspace) {
    const { workspace, release } = workspaceOf(source);
    this.release = release;
    this.repo = workspace.repo;
    this.codeGraph = workspace.codeGraph;
    this.graph = workspace.graph;
    this.tickets = workspace.tickets;
    this.coverage = workspace.coverage;
    this.config = workspace.config;
    this.remote = workspace.jobs ? new RemoteSimulations(this.repo, workspace.jobs) : undefined;
  }

  /** The team's workers, when the workspace may hand simulations to them. */
  private readonly remote: RemoteSimulations | undefined;

  private pool: SandboxPool | undefined;

  /** The sandbox's process pool, started on first use (isolates never run in this process). */
  sandbox(): SandboxPool {
    this.pool ??= new SandboxPool();
    return this.pool;
  }

  /** One side's job: the scenario's steps, with the repo's boundaries and services. */
  job(s: Scenario, rev: string, overlay?: Record<string, string>): SimulationJob {
    return { ...jobFor(s, this.repo, rev, boundaries(this.config.boundaryPackages), overlay), services: this.services() };
  }

  private serviceList: WorldService[] | undefined;
  /** The repo's service map (worldline.config.json, else inferred), read once. */
  services(): WorldService[] {
    this.serviceList ??= serviceMap(this.repo, this.config).services;
    return this.serviceList;
  }

  close(): void {
    this.pool?.close();
    this.release();
  }

  /** A draft from an imported ticket, or from the test cases of a test file; written only when asked. */
  async draft(from: { ticket?: string | undefined; test?: string | undefined; testName?: string | undefined }, write: boolean): Promise<Array<Draft & { written?: string }>> {
    let drafts: Draft[];
    if (from.ticket) {
      const stored = await this.tickets.get(from.ticket);
      if (!stored) throw new UserError(`unknown ticket "${from.ticket}": import it first (tickets server, import_tickets)`);
      const refs = await this.tickets.codeRefs(from.ticket);
      drafts = [draftFromTicket(stored.ticket, refs, await this.entryByShape(stored.ticket, refs))];
    } else if (from.test) {
      const path = confinePath(this.repo, from.test);
      const text = await readWorktreeText(this.repo, path);
      if (text === undefined) throw new UserError(`test file "${path}" does not exist in ${this.repo}: expected a vitest, jest or node:test file`);
      drafts = draftFromTest(path, text, from.testName);
    } else throw new UserError('draft_scenario needs "ticket" (a ticket key) or "test" (a test file path)');
    return write ? this.writeDrafts(drafts) : drafts;
  }

  /**
   * Drafts written into the first scenarios folder, one `<id>.md` each. All or none: an id that already exists
   * is refused before anything is written, so a refused call leaves the folder as it was.
   */
  async writeDrafts(drafts: Draft[]): Promise<Array<Draft & { written: string }>> {
    const existing = new Set((await loadScenarios(this.repo, this.config.scenarioDirs)).scenarios.map((s) => s.id));
    const taken = drafts.find((d) => existing.has(d.scenario.id));
    if (taken) throw new UserError(`scenario "${taken.scenario.id}" already exists: edit it with upsert_scenario instead`);
    // Confined: a scenarios folder that is a symlink out of the repo is refused, not written through.
    const paths = drafts.map((d) => confinePath(this.repo, `${this.config.scenarioDirs[0] ?? "scenarios"}/${d.scenario.id}.md`));
    const out: Array<Draft & { written: string }> = [];
    for (const [i, d] of drafts.entries()) {
      const path = paths[i] as string;
      await mkdir(dirname(join(this.repo, path)), { recursive: true });
      await writeFile(join(this.repo, path), d.text);
      out.push({ ...d, written: path });
    }
    await this.load();
    return out;
  }

  /** The test cases discovery could not name before they run (computed titles, loops, skipped), per file and line. */
  async testsLeftOut(rev: string = WORKTREE): Promise<Array<{ path: string; line: number; why: string }>> {
    const { files } = await loadTestScenarios(this.repo, await resolveRevision(this.repo, rev), this.config, this.testsCollecting());
    return files.flatMap((f) => f.leftOut.map((l) => ({ path: f.path, ...l })));
  }

  /** How test files whose cases are built at run time are collected: in this service's sandbox, kept under .worldline/. */
  testsCollecting(): Collecting {
    return { run: (job) => this.sandbox().run(job), cacheDir: stateDir(this.repo), boundaryPackages: boundaries(this.config.boundaryPackages) };
  }

  /** For a ticket that names no function but carries a request: the function taking that request's shape. */
  private async entryByShape(t: Ticket, refs: readonly CodeRef[]): Promise<string | undefined> {
    if (refs.some((r) => r.target?.includes("#"))) return undefined;
    const request = requestIn(`${t.title}\n${t.body}`);
    if (!request || typeof request !== "object" || Array.isArray(request)) return undefined;
    await this.codeGraph.index();
    const field = expectedValue(`${t.title}\n${t.body}`)?.field;
    return (await (await this.codeGraph.graph()).takingShape(Object.keys(request), field))[0]?.id;
  }

  /**
   * Runs a scenario's steps once, at one revision, to see whether what a ticket reports happens there. The
   * expectations say what should happen, so a failing (or throwing) expectation means the report reproduces.
   */
  async reproduce(s: Scenario, rev: string): Promise<Reproduction> {
    const commit = (await resolveRevision(this.repo, rev)).commit ?? WORKTREE;
    if (!s.simulate) return { rev, status: "not-executable", failing: [] };
    const run = await this.sandbox().run(this.job(s, commit));
    if (run.status === "error") return { rev: commit, status: "error", failing: [], reason: run.error?.reason ?? "the run did not finish" };
    const results = run.steps.map((st) => st.result);
    // A stand-in's answer says nothing about the code: its module could not be loaded (a build output absent at this revision).
    const standIn = results.find((r): r is { $symbolic: string } => typeof r === "object" && r !== null && "$symbolic" in r);
    if (standIn) return { rev: commit, status: "error", failing: [], results, reason: `the step's call answered a stand-in value (${String(standIn.$symbolic)}): its code did not load at this revision, e.g. a build output that is not committed` };
    const thrown = run.steps.find((st) => st.error)?.error;
    // The scenario's own code failing (a report's snippet in args_js) or a build-time constant nothing defined
    // says nothing about the report: the run did not get to the behaviour it is about.
    const own = run.steps.findIndex((st, i) => st.error && argsJsThrew(st.error.at, s.simulate?.steps[i]));
    if (own >= 0) return { rev: commit, status: "error", failing: [], results, reason: `step ${own + 1}'s args_js threw before its call ran (${run.steps[own]?.error?.name}: ${run.steps[own]?.error?.message.split("\n")[0]}): the arguments' own code failed; fix it in the scenario` };
    const constant = thrown?.name === "ReferenceError" ? /^(__\w+__) is not defined/.exec(thrown.message)?.[1] : undefined;
    if (constant) return { rev: commit, status: "error", failing: [], results, reason: `the code reads \`${constant}\` (${thrown?.at}), a build-time constant nothing defined: set it in the scenario's world.globals, as the repo's build or test config does` };
    const failing = unmet(run);
    const out: Reproduction = { rev: commit, status: failing.length ? "reproduces" : "does-not-reproduce", failing, results, ...(thrown ? { throwSite: thrown.at, thrown: `${thrown.name}: ${thrown.message}` } : {}) };
    if (!failing.length) return out;
    // Where the fault can live: the failing run's statements weighed against runs of smaller inputs.
    const spectrum = await spectrumOf(s, run, (v) => this.sandbox().run(this.job(v, commit)));
    return spectrum ? { ...out, ranked: spectrum.ranked.slice(0, 20), variations: spectrum.variations } : out;
  }

  /** Per-run memos: scenarios of a commit, the change between two commits, callees per indexed revision. */
  private readonly loadedAt = new Map<string, LoadedScenarios>();
  private readonly blobTexts = new Map<string, Promise<string | undefined>>();
  private readonly changesAt = new Map<string, { files: Awaited<ReturnType<typeof diffFiles>>; changes: Awaited<ReturnType<typeof changedSymbols>> }>();
  private readonly calleesAt = new Map<number, Map<string, Array<{ callee: string; site: string }>>>();

  /** Loads the scenarios at a revision and records their nodes and links in the context graph. */
  async load(rev: string = WORKTREE): Promise<LoadedScenarios> {
    const atRev = (await resolveRevision(this.repo, rev)).commit ?? WORKTREE;
    const hit = atRev !== WORKTREE ? this.loadedAt.get(atRev) : undefined;
    if (hit) return hit;
    const revision = await resolveRevision(this.repo, rev);
    const [written, tests] = await Promise.all([loadScenarios(this.repo, this.config.scenarioDirs, rev), loadTestScenarios(this.repo, revision, this.config, this.testsCollecting())]);
    // The repo's own test cases are generated memories beside the written ones; a written id wins.
    const ids = new Set(written.scenarios.map((s) => s.id));
    const loaded: LoadedScenarios = { scenarios: [...written.scenarios, ...tests.scenarios.filter((s) => !ids.has(s.id))], errors: written.errors };
    await this.recordScenarios(loaded.scenarios, atRev);
    if (atRev !== WORKTREE) this.loadedAt.set(atRev, loaded);
    return loaded;
  }

  /** Batches this service stored or is storing, by content: the working tree's scenarios are loaded on every question. */
  private readonly recordedBatches = new Map<string, Promise<void>>();

  /**
   * Stores the scenario batches this service has not stored yet (the graph would add nothing for the others,
   * at a cost); questions asked at once share one write. A write that failed is tried again by the next question.
   */
  private async recordScenarios(scenarios: readonly Scenario[], atRev: string): Promise<void> {
    // Keyed by the scenario itself: its batch (a rendering of the whole scenario) is built only when it is new.
    const keyed = scenarios.map((s) => ({ s, key: createHash("sha1").update(JSON.stringify([s, atRev])).digest("hex") }));
    const fresh = keyed.filter(({ key }) => !this.recordedBatches.has(key));
    if (fresh.length > 0) {
      const write = this.graph.ingestAll(fresh.map(({ s }) => scenarioBatch(s, atRev))).then(() => undefined);
      for (const { key } of fresh) this.recordedBatches.set(key, write);
      write.catch(() => {
        for (const { key } of fresh) if (this.recordedBatches.get(key) === write) this.recordedBatches.delete(key);
      });
    }
    await Promise.all(new Set(keyed.map(({ key }) => this.recordedBatches.get(key))));
  }

  /** The files and symbols a change touches; memoized when both ends are commits (they cannot move). */
  private async change(base: string, head: string) {
    const [b, h] = await Promise.all([resolveRevision(this.repo, base), resolveRevision(this.repo, head)]);
    const key = b.commit && h.commit ? `${b.commit}..${h.commit}` : undefined;
    const hit = key ? this.changesAt.get(key) : undefined;
    if (hit) return hit;
    const files = await diffFiles(this.repo, base, head);
    const result = { files, changes: await changedSymbols(this.codeGraph, base, head, files) };
    if (key) this.changesAt.set(key, result);
    return result;
  }

  /**
   * For changed variables (config objects, tables), the property names the diff touched inside them: a read
   * of `config.payment.timeoutMs` is affected by a change to `timeoutMs`, not by one to `databaseUrl`.
   */
  private changedKeys(changes: Awaited<ReturnType<typeof changedSymbols>>, files: Awaited<ReturnType<typeof diffFiles>>): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const c of changes) {
      if (!c.head || c.change !== "modified-body") continue;
      const { path, start: a, end: b } = Span.parse(c.head.span, `${c.id}'s span`);
      const keys = new Set<string>();
      for (const h of files.find((f) => f.path === path)?.hunks ?? []) {
        if (h.newStart > b || h.newStart + Math.max(h.newLines, 1) - 1 < a) continue;
        for (const line of [...h.added, ...h.removed]) for (const m of line.matchAll(/(\w+)\s*:/g)) if (m[1]) keys.add(m[1]);
      }
      out.set(c.head.id, keys);
    }
    return out;
  }

  /** Whether a read of a changed variable by `symbol` can see the change (config keys narrow it). */
  private readsChange(g: CodeGraph, symbol: string, variable: string, keys: Map<string, Set<string>>): boolean {
    const changed = keys.get(variable);
    if (!changed || changed.size === 0) return true;
    const read = this.configKeysBySymbol(g).get(symbol);
    if (!read) return true; // it reads the object whole
    return [...read].some((k) => changed.has(k.split(".").pop() ?? k));
  }

  private readonly configKeysAt = new Map<number, Map<string, Set<string>>>();

  private configKeysBySymbol(g: CodeGraph): Map<string, Set<string>> {
    let m = this.configKeysAt.get(g.revision.manifest);
    if (!m) {
      m = new Map();
      for (const r of g.configReads(undefined, "config")) if (r.symbol) m.set(r.symbol, (m.get(r.symbol) ?? new Set()).add(r.key));
      this.configKeysAt.set(g.revision.manifest, m);
    }
    return m;
  }

  /** Symbols a symbol reads without calling (variables, config objects), memoized per indexed revision. */
  private readonly refsAt = new Map<number, Map<string, Array<{ callee: string; site: string }>>>();

  private refsOf(g: CodeGraph): (symbol: string) => Array<{ callee: string; site: string }> {
    return perRevision(this.refsAt, g, (symbol) => g.callees(symbol, 1, true).filter((c) => c.kind === "ref").map((c) => ({ callee: c.callee, site: c.site })));
  }

  private calleesOf(g: CodeGraph): (symbol: string) => Array<{ callee: string; site: string }> {
    return perRevision(this.calleesAt, g, (symbol) => g.callees(symbol, 1).map((c) => ({ callee: c.callee, site: c.site })));
  }

  async require(id: string, rev: string = WORKTREE): Promise<Scenario> {
    const { scenarios } = await this.load(rev);
    const s = scenarios.find((x) => x.id === id);
    if (s) return s;
    const near = closest(id, scenarios.map((x) => x.id));
    throw new UserError(`unknown scenario "${id}": expected an id from list_scenarios${near.length ? `; did you mean ${near.join(", ")}?` : ""}`);
  }

  private async ticketSymbols(s: Scenario): Promise<string[]> {
    const out: string[] = [];
    for (const src of s.source.filter((x) => x.startsWith("ticket:") || x.startsWith("incident:"))) {
      for (const e of await this.graph.edgesOf(src.replace(/^incident:/, "ticket:"), { direction: "out", rels: ["references"] })) {
        if (e.dst.startsWith("symbol:")) out.push(e.dst.slice("symbol:".length));
      }
    }
    return out;
  }

  private async graphAt(rev: string) {
    // The working tree moves under a long-lived server: bring its index up to date (incremental, so cheap).
    if (rev === WORKTREE) await this.codeGraph.index();
    return this.codeGraph.graph(rev === WORKTREE ? undefined : rev);
  }

  /**
   * base and head as commit ids (head may stay WORKTREE), resolved once so a run sees one change. No base means
   * the merge-base of HEAD with the default branch, the one default every tool and command shares.
   */
  async pin(base: string | undefined, head: string): Promise<{ base: string; head: string }> {
    const [b, h] = await Promise.all([base === undefined ? defaultBase(this.repo) : resolveRevision(this.repo, base), resolveRevision(this.repo, head)]);
    return { base: b.commit ?? b.name, head: h.commit ?? WORKTREE };
  }

  private readonly treesAt = new Map<string, Promise<TreeIndex>>();
  private readonly textsAt = new Map<string, Map<string, ChangedTexts>>();

  /** The changed files' texts on both sides (one cat-file per side), so comments are told from code exactly. */
  /** A file's text on each side (head with the overlay), read only when provenance asks for a use site's file. */
  private sourceText(base: string, head: string, overlay?: Record<string, string>): SourceText {
    let reader: Promise<ReadSide> | undefined;
    return async (side, path) => {
      if (side === "head" && overlay?.[path] !== undefined) return overlay[path];
      reader ??= this.sideReader(base, head);
      return (await reader)(side, path);
    };
  }

  private async changedTexts(base: string, head: string, files: readonly FileDiff[]): Promise<Map<string, ChangedTexts>> {
    const key = `${base}..${head}`;
    const hit = head !== WORKTREE ? this.textsAt.get(key) : undefined;
    if (hit) return hit;
    const modified = files.filter((f) => f.status === "modified" || f.status === "renamed");
    const oldPaths = new Set(modified.map((f) => f.oldPath ?? f.path));
    const newPaths = new Set(modified.map((f) => f.path));
    const [b, h] = await Promise.all([resolveRevision(this.repo, base), resolveRevision(this.repo, head)]);
    const [before, after] = await Promise.all([readFilesAt(this.repo, b, (p) => oldPaths.has(p)), readFilesAt(this.repo, h, (p) => newPaths.has(p))]);
    const baseText = new Map(before.map((f) => [f.path, f.text]));
    const headText = new Map(after.map((f) => [f.path, f.text]));
    const texts = new Map<string, ChangedTexts>();
    for (const f of modified) {
      const t: ChangedTexts = {};
      const bt = baseText.get(f.oldPath ?? f.path);
      const ht = headText.get(f.path);
      if (bt !== undefined) t.base = bt;
      if (ht !== undefined) t.head = ht;
      texts.set(f.path, t);
    }
    if (head !== WORKTREE) this.textsAt.set(key, texts);
    return texts;
  }

  /** A commit's files as path to blob hash, indexed for module requests (one `git ls-tree`, kept per commit). */
  private treeAt(commit: string): Promise<TreeIndex> {
    // The promise is kept, not its value: many scenarios ask for the same tree at once.
    let tree = this.treesAt.get(commit);
    if (!tree) {
      tree = listTree(this.repo, commit).then((entries) => indexTree(new Map(entries.map((e) => [e.path, e.hash]))));
      this.treesAt.set(commit, tree);
    }
    return tree;
  }

  /** Keeps a base run's coverage (a commit's only: the working tree moves), with the resolution files it rested on. */
  private async keepCoverage(s: Scenario, rev: string, run: RunResult): Promise<CoverageRecord["coverage"]> {
    if (rev === WORKTREE || !s.simulate) return run.coverage;
    const tree = await this.treeAt(rev);
    const resolution = Object.fromEntries([...tree.hashes].filter(([p]) => RESOLUTION_FILES.test(p)));
    const requests = run.coverage.requests.map((r) => ({ ...r, candidates: candidatesOf(r, tree) }));
    const coverage = { ...run.coverage, requests, resolution };
    await this.coverage.save(s.id, specHash(s.simulate), rev, coverageStatus(run), coverage, run.error?.reason);
    return coverage;
  }

  /**
   * The coverage of an executable scenario's run on `base`: the stored record when one holds for base's tree,
   * else the scenario is run on base now (and the record kept). Selection needs no earlier lucky simulation.
   */
  async coverageAt(s: Scenario, base: string): Promise<{ coverage: CoverageRecord["coverage"]; cached: boolean; status: "ok" | "error"; reason?: string }> {
    if (!s.simulate) throw new Error(`scenario ${s.id} has no simulate block`);
    const commit = (await resolveRevision(this.repo, base)).commit;
    if (commit) {
      const hit = await this.coverage.find(s.id, specHash(s.simulate), await this.treeAt(commit));
      if (hit) return { coverage: hit.coverage, cached: true, status: hit.status, ...(hit.reason ? { reason: hit.reason } : {}) };
    }
    const run = await this.baseRun(s, commit ?? WORKTREE);
    return { coverage: await this.keepCoverage(s, commit ?? WORKTREE, run), cached: false, status: coverageStatus(run), ...(run.error ? { reason: run.error.reason } : {}) };
  }

  /** Base runs of this process, by scenario spec and commit: selection's run is the simulation's base run. */
  private readonly baseRuns = new Map<string, Promise<RunResult>>();

  private baseRun(s: Scenario, rev: string): Promise<RunResult> {
    const key = rev === WORKTREE || !s.simulate ? undefined : `${s.id}\0${specHash(s.simulate)}\0${rev}`;
    const hit = key ? this.baseRuns.get(key) : undefined;
    if (hit) return hit;
    const run = this.sandbox().run(this.job(s, rev));
    if (key) {
      if (this.baseRuns.size >= 256) this.baseRuns.delete(this.baseRuns.keys().next().value as string);
      this.baseRuns.set(key, run);
    }
    return run;
  }

  /** Every scenario the change can affect, with the reasons; ranked, never capped. */
  async select(base: string, head: string, scenarioRev: string = head): Promise<{ selected: Selected[]; changed: string[]; errors: LoadedScenarios["errors"] }> {
    const { scenarios, errors } = await this.load(scenarioRev);
    // Simulation follows selection: the sandbox's children start meanwhile (each takes a second or two).
    if (scenarios.some((s) => s.simulate)) this.sandbox().warm();
    const { files, changes } = await this.change(base, head);
    const changedIds = new Set(changes.map((c) => c.head?.id ?? c.id));
    const changedNames = new Map(changes.map((c) => [(c.head?.id ?? c.id).split("#")[1]?.split(".").pop() ?? "", c.head?.id ?? c.id]));
    const changedFiles = new Set(files.map((f) => f.path));
    const g = await this.graphAt(head);
    const selected: Selected[] = [];
    const specs = async (rev: string) => new Map((await this.load(rev)).scenarios.map((x) => [x.id, x]));
    const atBase = await specs(base);
    const atHead = scenarioRev === head ? new Map(scenarios.map((x) => [x.id, x])) : await specs(head);
    const hashOf = (x: Scenario | undefined) => (x?.simulate ? specHash(x.simulate) : undefined);
    const texts = await this.changedTexts(base, head, files);
    // Executable scenarios are selected by their exact coverage on base (run there first when no record holds).
    const exact = new Map(
      await Promise.all(
        scenarios
          .filter((s) => s.simulate)
          .map(async (s): Promise<[string, string[]]> => {
            const before = atBase.get(s.id);
            if (hashOf(before) !== hashOf(atHead.get(s.id))) return [s.id, [before?.simulate ? "its simulate: block changed on head, so it runs again" : "it is new on head, so it runs"]];
            const { coverage, status, reason } = await this.coverageAt(before?.simulate ? before : s, base);
            // A base run that could not finish covered only part of what it would have: selection cannot decide.
            if (status === "error") return [s.id, [`its run on base ended in error (${reason ?? "unknown"}), so its coverage is incomplete: it runs`]];
            return [s.id, changeMeetsCoverage(coverage, files, texts).where.slice(0, 5).map((w) => `its run on base covers ${w}`)];
          }),
      ),
    );
    for (const s of scenarios) {
      const reasons: string[] = [];
      let score = 0;
      // 1. Coverage: what its run on base executed and loaded. Runs are deterministic, so a change that meets
      // none of it cannot change the run: an executable scenario is selected by this alone.
      const covered = exact.get(s.id);
      if (s.simulate && !covered?.length) continue;
      if (covered?.length) {
        score = 1;
        reasons.push(...covered);
      }
      // A test case's coverage is the whole story: its static entry would be guessed from its title.
      if (covered?.length && testOf(s)) {
        selected.push({ scenario: s.id, score, reasons });
        continue;
      }
      // 2. Reachability from its entry points in the call graph.
      const entries = findEntries(s, g, await this.ticketSymbols(s));
      const trace = walkTrace(g, entries.map((e) => e.symbol), 8, 500, this.calleesOf(g));
      const hit = trace.filter((t) => t.kind === "enter" && changedIds.has(t.symbol));
      if (hit.length) {
        const nearest = Math.min(...hit.map((t) => t.depth));
        score = Math.max(score, 0.9 - 0.05 * nearest);
        reasons.push(...hit.slice(0, 5).map((t) => `${t.symbol} is reachable from ${entries[0]?.symbol} (${t.depth} calls away)`));
      }
      // A symbol on its path reads a changed variable (a config object, a table of rates).
      const refsOf = this.refsOf(g);
      const keys = this.changedKeys(changes, files);
      const reads = trace
        .filter((t) => t.kind === "enter")
        .flatMap((t) => refsOf(t.symbol).filter((r) => changedIds.has(r.callee) && this.readsChange(g, t.symbol, r.callee, keys)).map((r) => ({ ...r, by: t })));
      if (reads.length) {
        score = Math.max(score, 0.85 - 0.05 * Math.min(...reads.map((r) => r.by.depth)));
        reasons.push(...reads.slice(0, 5).map((r) => `${r.by.symbol} reads ${r.callee}, which changed (${r.site})`));
      }
      // 3. Text and sources: its tickets name changed code, or its text names a changed symbol.
      for (const src of s.source) {
        const named = (await this.graph.edgesOf(src, { direction: "out", rels: ["references"] })).map((e) => e.dst);
        const shared = named.filter((n) => changedIds.has(n.replace(/^symbol:/, "")) || changedFiles.has(n.replace(/^file:/, "")));
        if (shared.length) {
          score = Math.max(score, 0.6);
          reasons.push(`its source ${src} names changed code: ${shared.slice(0, 3).join(", ")}`);
        }
      }
      for (const [name, id] of changedNames) {
        if (name.length > 3 && new RegExp(`\\b${name}\\b`).test(`${s.title}\n${s.prose}`)) {
          score = Math.max(score, 0.5);
          reasons.push(`its text names ${id}`);
        }
      }
      if (reasons.length) selected.push({ scenario: s.id, score: Math.round(score * 100) / 100, reasons });
    }
    return { selected: selected.sort((a, b) => b.score - a.score || a.scenario.localeCompare(b.scenario)), changed: [...changedIds].sort(), errors };
  }

  /** The static trace of one scenario for a change; the simulation and a decision trace are recorded. */
  async simulateStatic(scenario: string | Scenario, base: string, head: string): Promise<StaticSimulation> {
    // A caller simulating many scenarios passes them loaded, so the files are not re-read for each.
    const s = typeof scenario === "string" ? await this.require(scenario, head) : scenario;
    const headRev = await resolveRevision(this.repo, head);
    const g = await this.graphAt(head);
    const entries = findEntries(s, g, await this.ticketSymbols(s));
    let verdict: ScenarioVerdict;
    let trace: TraceStep[] = [];
    if (entries.length === 0) {
      verdict = {
        scenario: s.id,
        verdict: "error",
        depth: "static",
        reason: "no entry point found: add a simulate: block or an entry: list, or name the functions or routes it exercises",
      };
    } else {
      const { files, changes } = await this.change(base, head);
      trace = markTouched(walkTrace(g, entries.map((e) => e.symbol), 8, 500, this.calleesOf(g)), changes, files);
      // Reads of changed variables are touched steps too.
      const changedIds = new Set(changes.map((c) => c.head?.id ?? c.id));
      const refsOf = this.refsOf(g);
      const keys = this.changedKeys(changes, files);
      const reads: TraceStep[] = [];
      for (const t of trace.filter((x) => x.kind === "enter")) {
        for (const r of refsOf(t.symbol)) {
          if (changedIds.has(r.callee) && this.readsChange(g, t.symbol, r.callee, keys)) reads.push({ symbol: t.symbol, location: r.site, kind: "call", call: r.callee, depth: t.depth, touched: { change: "reads-changed", hunks: [] } });
        }
      }
      trace = [...trace, ...reads];
      const touched = trace.filter((t) => t.touched);
      const touchedSymbols = [...new Set(touched.map((t) => t.symbol))];
      verdict = {
        scenario: s.id,
        verdict: touched.length ? "at-risk" : "unaffected",
        depth: "static",
        reason: touched.length
          ? `the change touches ${touched.length} step(s) on its path, in ${touchedSymbols.slice(0, 5).join(", ")}`
          : `the change is off its path (${new Set(trace.map((t) => t.symbol)).size} symbols from ${entries.map((e) => e.symbol).join(", ")})`,
        steps: (touched.length ? touched : trace).slice(0, 100),
      };
    }
    const simulation = await this.record(s, base, headRev.commit ?? WORKTREE, verdict, {
      method: STATIC_METHOD,
      covered: trace.filter((t) => t.kind === "enter").map((t) => t.symbol),
      evidence: [...new Set(trace.filter((t) => t.touched).map((t) => `symbol:${t.symbol}`))],
      reasoning: "static trace: entry points, then the call graph in statement order, steps marked where the diff touches them",
    });
    return { verdict, entries, trace, simulation };
  }

  /**
   * Depth 2: the scenario's steps run on base and on head in the sandbox and are compared. Head is not run
   * when no hunk touches what base executed (`unaffected`). `overlay` replaces head files (a fix being checked).
   */
  async simulateDifferential(scenario: string | Scenario, base: string, head: string, overlay?: Record<string, string>): Promise<DifferentialSimulation> {
    const s = typeof scenario === "string" ? await this.require(scenario, head) : scenario;
    if (!s.simulate) throw new UserError(`scenario "${s.id}" has no simulate: block, so it cannot run at depth differential; use depth static or add one`);
    const headRev = (await resolveRevision(this.repo, head)).commit ?? WORKTREE;
    const pool = this.sandbox();
    const { files } = await this.change(base, head);
    const overlaid = overlay && Object.keys(overlay).length ? overlay : undefined;
    let headRun: RunResult | undefined;
    const test = testOf(s);
    if (test?.generated && !(await this.load(base)).scenarios.some((x) => x.id === s.id)) {
      // A test case new at head: nothing on base to compare with, so head is judged alone (a failure blocks the gate).
      headRun = await pool.run(this.job(s, headRev, overlaid));
      const verdict = headRun.status === "error" ? errorVerdict(s, "head", headRun) : headOnlyVerdict(s, undefined, headRun, `the test "${test.name}" (new at head)`);
      const simulation = await this.record(s, base, headRev, verdict, { method: DIFFERENTIAL_METHOD, covered: [], evidence: [], reasoning: "a test case new at head: run on head alone", props: { effects: headRun.effects.slice(0, 50), trace: headRun.trace.slice(0, 200) } });
      return { verdict, base: headRun, head: headRun, simulation };
    }
    // Head does not wait for base: both sides run side by side on the pool's children (base decides only rarely that
    // head is not needed, a scenario selected without a record of its coverage or one whose base run fails).
    const baseStarted = this.baseRun(s, base);
    const headStarted = pool.run(this.job(s, headRev, overlaid));
    const baseRun = await baseStarted;
    // Every base run teaches selection this scenario's coverage, whatever its verdict.
    await this.keepCoverage(s, base, baseRun);
    let verdict: ScenarioVerdict;
    if (baseRun.status === "error" && baseRun.error?.missingModule) {
      // The scenario's code exists only on head (a new module): there is nothing to compare, so head is judged alone.
      headRun = await headStarted;
      verdict = headRun.status === "error" ? errorVerdict(s, "head", headRun, baseRun) : headOnlyVerdict(s, baseRun, headRun);
    } else if (baseRun.status === "error") verdict = errorVerdict(s, "base", baseRun);
    else if (!overlaid && !changeMeetsCoverage(baseRun.coverage, files, await this.changedTexts(base, headRev, files)).touched) verdict = unaffectedVerdict(s, baseRun);
    else {
      headRun = await headStarted;
      // A case's shared work (module top levels, suite hooks) is what ran before it in its batch. When its effects differ
      // between the sides, that is a change to the loading or only a different batch: the batched runs are compared
      // without them (outcomes, the case's own effects), both sides run again alone and are compared whole, and the
      // worse verdict stands, so neither a batch's make-up nor a run alone that avoids what the batch did decides.
      if (test && headRun.status === "ok" && sharedEffects(baseRun) !== sharedEffects(headRun)) {
        const batched = differentialVerdict(s, baseRun, headRun, await compareRuns(ownEffects(baseRun), ownEffects(headRun), files, this.sourceText(base, headRev, overlaid)));
        const [baseAlone, headAlone] = await Promise.all([pool.run({ ...this.job(s, base), alone: true }), pool.run({ ...this.job(s, headRev, overlaid), alone: true })]);
        const alone =
          headAlone.status === "error"
            ? errorVerdict(s, "head", headAlone, baseAlone)
            : baseAlone.status === "error"
              ? errorVerdict(s, "base", baseAlone)
              : differentialVerdict(s, baseAlone, headAlone, await compareRuns(baseAlone, headAlone, files, this.sourceText(base, headRev, overlaid)));
        verdict = VERDICT_RANK[alone.verdict] > VERDICT_RANK[batched.verdict] ? alone : batched;
      } else verdict = headRun.status === "error" ? errorVerdict(s, "head", headRun, baseRun) : differentialVerdict(s, baseRun, headRun, await compareRuns(baseRun, headRun, files, this.sourceText(base, headRev, overlaid)));
    }
    // A test whose own file the change edits is never simply fine: the statement of how the code must behave moved.
    if (test && files.some((f) => f.path === test.ref.file || f.oldPath === test.ref.file) && (verdict.verdict === "pass" || verdict.verdict === "unaffected")) {
      verdict = { ...verdict, verdict: "at-risk", reason: `the change edits this test (${test.ref.file}); ${verdict.reason}` };
    }
    const covered = (headRun && headRun.status === "ok" ? headRun : baseRun).executed.map((f) => f.symbol);
    const evidence = verdict.rootCause ? [`symbol:${verdict.rootCause.symbol}`] : [];
    const trace = (headRun ?? baseRun).trace;
    const simulation = await this.record(s, base, headRev, verdict, {
      method: DIFFERENTIAL_METHOD,
      covered: overlaid ? [] : covered,
      evidence,
      reasoning: "differential simulation: the steps ran on base and head in the sandbox, traces aligned through the diff, first divergence in the change is the root cause",
      props: {
        ...(overlaid ? { overlay: Object.keys(overlaid) } : {}),
        ...(verdict.rootCause ? { rootCause: verdict.rootCause } : {}),
        effects: (headRun ?? baseRun).effects.slice(0, 50),
        trace: trace.slice(0, 200),
        ...(trace.length > 200 || (headRun ?? baseRun).truncated ? { traceTruncated: trace.length - 200 + (headRun ?? baseRun).truncated } : {}),
      },
    });
    return { verdict, base: baseRun, ...(headRun ? { head: headRun } : {}), simulation };
  }

  /**
   * A proposed `simulate:` block (the LLM planner's), run on base and head without writing a file. It counts
   * only when every expectation passes on base: a spec that fails before the change proves nothing about it.
   */
  async tryScenario(proposed: Scenario, base: string, head: string): Promise<{ verdict: ScenarioVerdict; passesOnBase: boolean; base: { status: string; failing: string[] } }> {
    if (!proposed.simulate) throw new UserError(`proposed scenario "${proposed.id}" has no simulate: block to try`);
    // Triage's reproductions and proposed specs go to the team's workers too, when they are up.
    if (this.remote && (await this.remote.available(base))) return this.remote.tryScenario(proposed, base, head);
    const r = await this.simulateDifferential(proposed, base, head);
    const checked = r.base.steps.some((st) => st.expectations.length > 0);
    const failing = unmet(r.base);
    const passesOnBase = r.base.status === "ok" && checked && failing.length === 0;
    return { verdict: r.verdict, passesOnBase, base: { status: r.base.status === "ok" ? "ran" : `error: ${r.base.error?.reason ?? ""}`, failing } };
  }

  /** Depth by the scenario: differential when it has `simulate:` (unless static is asked for), else static. */
  async simulate(scenario: string | Scenario, base: string, head: string, depth?: "static" | "differential"): Promise<{ verdict: ScenarioVerdict; simulation: string; entries?: EntryCandidate[]; worker?: string }> {
    const s = typeof scenario === "string" ? await this.require(scenario, head) : scenario;
    if (depth === "differential" && !s.simulate) throw new UserError(`scenario "${s.id}" has no simulate: block, so it cannot run at depth differential; use depth static or add one`);
    // A scenario of the repo, on a team whose workers are up: a worker runs it (same code, same verdict).
    if (typeof scenario === "string" && s.simulate && depth !== "static" && this.remote && (await this.remote.available(base))) return this.remote.simulate(s.id, base, head, depth);
    if (s.simulate && depth !== "static") return this.simulateDifferential(s, base, head);
    return this.simulateStatic(s, base, head);
  }

  /** Re-simulates head with a patch applied and says which verdicts turned (DESIGN.md: how a fix is verified). */
  async checkFix(ids: string[], patch: string, base: string, head: string): Promise<FixCheck[]> {
    const scenarios = await Promise.all(ids.map((id) => this.require(id, head)));
    for (const s of scenarios) {
      if (!s.simulate) throw new UserError(`scenario "${s.id}" has no simulate: block: check_fix needs executable scenarios`);
    }
    const headRev = (await resolveRevision(this.repo, head)).commit;
    const read = async (path: string): Promise<string | undefined> => {
      const safe = confinePath(this.repo, path);
      if (headRev === null) return readWorktreeText(this.repo, safe);
      return git(this.repo).show([`${headRev}:${safe}`]).catch(() => undefined);
    };
    const overlay = Object.fromEntries(await applyPatch(patch, read));
    return Promise.all(
      scenarios.map(async (s) => {
        const [before, after] = await Promise.all([this.simulateDifferential(s, base, head), this.simulateDifferential(s, base, head, overlay)]);
        return { scenario: s.id, before: before.verdict.verdict, after: after.verdict.verdict, turned: before.verdict.verdict !== after.verdict.verdict, reason: after.verdict.reason };
      }),
    );
  }

  /** A file's text at base or head (head: the working tree when it is WORKTREE); undefined when the side has no such file. */
  private async sideReader(base: string, head: string): Promise<ReadSide> {
    const [b, h] = await Promise.all([resolveRevision(this.repo, base), resolveRevision(this.repo, head)]);
    return async (side, path) => {
      const safe = confinePath(this.repo, path);
      const rev = side === "base" ? b.commit : h.commit;
      if (rev === null) return readWorktreeText(this.repo, safe);
      const key = `${rev}:${safe}`;
      const hit = this.blobTexts.get(key);
      if (hit) return hit;
      const read = git(this.repo)
        .show([key])
        .catch(() => undefined); // a path the revision does not hold: no text on that side
      // A commit's file never changes: kept for the next simulation of the same change (bounded, oldest out).
      if (this.blobTexts.size >= 256) this.blobTexts.delete(this.blobTexts.keys().next().value as string);
      this.blobTexts.set(key, read);
      return read;
    };
  }

  /**
   * Drafts for a root cause (servers/scenarios/fix.ts), smallest first. With a failing `scenario`, the ladder:
   * each draft re-simulated until one turns it to pass and makes none of `ids` worse (DESIGN.md, "How a fix is
   * verified"); without one, the smallest draft that applies and parses, and the larger scopes on offer.
   */
  async draftFix(location: string, base: string, head: string, opts: { scenario?: string | undefined; ids?: string[] | undefined; scope?: FixScope | undefined; side?: "base" | "head" | undefined } = {}): Promise<DraftedFix> {
    const { files } = await this.change(base, head);
    const read = await this.sideReader(base, head);
    const target = opts.scenario ? await this.require(opts.scenario, head) : undefined;
    if (target && !target.simulate) throw new UserError(`scenario "${target.id}" has no simulate: block: draft_fix verifies a draft only by re-simulating an executable scenario`);
    const befores = new Map<string, Promise<DifferentialSimulation>>();
    const before = (id: string) => {
      const hit = befores.get(id);
      if (hit) return hit;
      const run = this.simulateDifferential(id, base, head);
      befores.set(id, run);
      return run;
    };
    // The widest draft also reverts the other changed lines the failing run went through.
    const related = target ? relatedLines(await before(target.id), files) : [];
    const set = await fixDrafts(files, read, location, related, opts.side);
    const drafts = opts.scope ? set.drafts.filter((d) => d.scope === opts.scope) : set.drafts;
    if (!drafts.length) {
      const why = set.skipped.find((x) => x.scope === opts.scope)?.why ?? "no draft";
      throw new UserError(`no ${opts.scope} revert for ${location}: ${why}; ask for another scope (${set.drafts.map((d) => d.scope).join(", ")})`);
    }
    const offered = (ds: FixDraft[]) => ds.map((d) => ({ scope: d.scope, reverts: d.reverts }));
    if (!target) return { ...(drafts[0] as FixDraft), tried: [], skipped: set.skipped, others: offered(drafts.slice(1)) };
    const overlays = new Map<FixDraft, Promise<Record<string, string>>>();
    const overlayOf = (d: FixDraft) => {
      const hit = overlays.get(d);
      if (hit) return hit;
      const made = applyPatch(d.patch, (p) => read("head", p)).then((m) => Object.fromEntries(m));
      overlays.set(d, made);
      return made;
    };
    const result = await climb(drafts, target.id, opts.ids ?? [], {
      before: async (id) => (await before(id)).verdict,
      after: async (id, d) => (await this.simulateDifferential(id, base, head, await overlayOf(d))).verdict,
    });
    return {
      ...result.draft,
      verified: result.verified,
      tried: result.tried,
      skipped: set.skipped,
      results: result.results,
      ...(result.verified ? {} : { reason: ladderReason(result.tried, set.skipped) }),
    };
  }

  private async record(
    s: Scenario,
    base: string,
    head: string,
    verdict: ScenarioVerdict,
    how: { method: string; covered: string[]; evidence: string[]; reasoning: string; props?: Record<string, unknown> },
  ): Promise<string> {
    const now = new Date().toISOString();
    const key = createHash("sha1").update(JSON.stringify([s.id, base, head, how.method, verdict.verdict, verdict.reason, how.props?.overlay ?? null])).digest("hex").slice(0, 16);
    const id = `simulation:${key}`;
    const prov = { method: how.method, authority: "deterministic" as const, confidence: 1 };
    const covered = [...new Set(how.covered)];
    await this.graph.ingest({
      nodes: [{ id, title: `${s.id}: ${verdict.verdict} (${verdict.depth})`, text: verdict.reason, occurredAt: now, props: { scenario: s.id, base, head, depth: verdict.depth, verdict: verdict.verdict, ...how.props } }],
      edges: [
        { src: id, rel: "simulates", dst: `scenario:${s.id}`, validFrom: now, provenance: prov },
        ...(head !== WORKTREE ? [{ src: id, rel: "evaluated", dst: `commit:${head}`, validFrom: now, provenance: prov }] : []),
        ...covered.map((sym) => ({ src: id, rel: "covers", dst: `symbol:${sym}`, validFrom: now, atRev: head, provenance: prov })),
      ],
    });
    await recordDecision(this.graph, {
      question: `Does the change ${base.slice(0, 12)}..${head.slice(0, 12)} affect scenario ${s.id}?`,
      conclusion: `${verdict.verdict}: ${verdict.reason}`,
      evidence: [id, `scenario:${s.id}`, ...how.evidence.slice(0, 20)],
      reasoning: how.reasoning,
      author: how.method,
      at: now,
    });
    return id;
  }
}
