import { readFileSync } from "node:fs";
import { typescript } from "../../../core/typescript.js";
import ivm from "isolated-vm";
import { compileKept } from "./compiled-cache.js";
import { ModuleLoader, type SiteRef } from "./modules.js";
import type { CheckerCommand } from "./expect-realm.js";
import type { CollectedCase, Effect, ExecutedFunction, ExpectationResult, PreludeConfig, RunCoverage, PreludeReport, RawEffect, RunResult, SimulationJob, StepSpec, StubSpec, TraceEvent } from "./protocol.js";
import { failedRun } from "./pool.js";
import { revisionFiles, type RevisionFiles } from "./sources.js";
import { FS_PREFIX, fsAnswer } from "./fs-tree.js";
import { blobHash } from "../../../core/git.js";
import { COLLECTED_PREFIX } from "./test-api.js";
import { z } from "zod";

/**
 * One run of a scenario's steps on one revision, inside a fresh isolate (run only in a pool child: never in
 * a server's process or a test worker). All simulated code runs inside calls that carry the remaining CPU
 * budget as their timeout, so no code resumes unbounded: async work is driven from here one task at a time.
 */
const transpile = (file: string) => {
  const text = readFileSync(new URL(file, import.meta.url), "utf8");
  // Kept between processes: each pool child would transpile these thousands of lines again at its start.
  return compileKept("own", file, text, () => {
    const ts = typescript();
    return { code: ts.transpileModule(text, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, removeComments: true } }).outputText, sites: [] };
  }).code;
};
const PRELUDE = transpile("./prelude.ts");
const EXPECT_REALM = transpile("./expect-realm.ts");
const TEST_API = transpile("./test-api.ts");
const SERVICES_WORLD = transpile("./services-world.ts");

const KINDS = ["step", "value", "enter", "return", "throw", "exit", "request", "response", "message"] as const;

/** Host time for reading and instrumenting modules, per run. */
const HOST_BUDGET_MS = 30_000;
/** The largest run result a child sends (its JSON): past it the trace is cut, so no result can swamp the server. */
const MAX_RESULT_CHARS = 16_000_000;

/**
 * Where the scenario's own code is, as text: its file and line when the step came from a file, else the step
 * and the part of it. `part` is "call" (resolving the call, or the run's case), "args_js", or an expectation's index.
 */
function scenarioLocation(steps: readonly StepSpec[], step: number, part: "call" | "args_js" | number): string {
  const origin = steps[step]?.origin;
  const line = part === "call" ? (origin?.call ?? origin?.line) : part === "args_js" ? origin?.args_js : origin?.expect[part];
  if (origin && typeof line === "number") return `${origin.file}:${line}`;
  const what = part === "call" ? (steps[step]?.run ? "run" : "call") : part === "args_js" ? "args_js" : `expectation ${part + 1}`;
  return `${origin ? `${origin.file} ` : ""}step ${step + 1} ${what}`;
}

/** The prelude's sites for the scenario's own code (prelude.ts `scenarioSite`): -2 - (step * 2 + part), part 0 the call and 1 args_js. */
function scenarioSite(steps: readonly StepSpec[], site: number): string | undefined {
  if (site > -2 || site !== Math.floor(site)) return undefined;
  const n = -2 - site;
  const step = Math.floor(n / 2);
  if (step >= steps.length) return undefined;
  return scenarioLocation(steps, step, n % 2 === 0 ? "call" : "args_js");
}

class Limit extends Error {
  constructor(
    message: string,
    readonly cpu = false,
  ) {
    super(message);
  }
}

/** One attempt at a run, and the CPU time the isolate used when a wall-clock timeout cut it short. */
interface Attempt {
  result: RunResult;
  /** Set when the attempt ended on its wall-clock timeout: the isolate's CPU time by then, in ms. */
  cutAtCpuMs?: number;
}

/**
 * Calls made into isolates by the last job (its reruns included). isolated-vm keeps each call's timeout queued
 * until its deadline, even once the call has returned; tens of thousands of them due at once crash the
 * process's timer thread, so a child retires after a job that made this many (RETIRE_AFTER_CALLS) and the
 * next job gets a fresh process.
 */
let calls = 0;
export const callsOfLastRun = (): number => calls;
export const RETIRE_AFTER_CALLS = 5_000;

/**
 * The CPU budget is CPU time, so a verdict does not depend on machine load. isolated-vm bounds a call by
 * wall-clock time only; so a run cut short before it used its CPU budget (a busy machine) is run again from
 * the start with more wall-clock time, up to a few times. Simulated code is deterministic: a rerun does the same.
 */
export async function runJob(job: SimulationJob): Promise<RunResult> {
  calls = 0;
  const started = performance.now();
  // Reruns stop at a wall-clock ceiling too: code that sleeps without spending CPU cannot stretch a run for ever.
  const ceiling = job.limits.cpuMs * 16 + 10_000;
  let wallFactor = 1;
  for (let attempt = 0; ; attempt++) {
    const a = await attemptJob(job, wallFactor);
    const spent = performance.now() - started;
    if (a.cutAtCpuMs === undefined || a.cutAtCpuMs >= job.limits.cpuMs * 0.9 || attempt >= 4 || spent > ceiling) return bounded(a.result);
    wallFactor = Math.min(16, wallFactor * Math.max(2, (job.limits.cpuMs / Math.max(1, a.cutAtCpuMs)) * 1.5));
  }
}

/** A run result within MAX_RESULT_CHARS of JSON: the trace is cut (and counted as truncated) until it fits. */
function bounded(r: RunResult): RunResult {
  let size = JSON.stringify(r).length;
  if (size <= MAX_RESULT_CHARS) return r;
  let trace = r.trace;
  while (size > MAX_RESULT_CHARS && trace.length > 0) {
    const keep = Math.floor(trace.length / 2);
    trace = trace.slice(0, keep);
    size = JSON.stringify({ ...r, trace }).length;
  }
  const cut: RunResult = { ...r, trace, truncated: r.truncated + (r.trace.length - trace.length) };
  if (JSON.stringify(cut).length <= MAX_RESULT_CHARS) return cut;
  return { ...failedRun({ rev: r.rev } as SimulationJob, `the run's record is larger than ${MAX_RESULT_CHARS / 1e6} M characters even without its trace (values or effects too large to keep)`), ms: r.ms };
}

/** The prelude's own root, as the loader names it (modules.ts PORT_PREFIX): only the prelude and the test API ask from it. */
const PRELUDE_ROOT = "\u0000worldline:";
/** The steps a job runs: a collection is one `run` of the file with no titles (test-api.ts `collect`). */
const stepsOf = (job: SimulationJob): StepSpec[] => (job.collect ? [{ call: "", run: { file: job.collect.file, titles: [], nth: 1 }, expect: [] }] : job.steps);

/** An isolate made ready for a job: the prelude installed, the expectation realm beside it, every call bounded. */
interface Session {
  loader: ModuleLoader;
  source: RevisionFiles;
  /** Runs step i (its call, its timers, its expectations); `last` runs every timer left first. Throws a Limit, or what the code broke. */
  step(i: number, last: boolean): void;
  /** Runs the timers left once the steps are done. */
  drain(): void;
  /** Whether the prelude stopped the run (a violation): no later step runs. */
  stopped(): boolean;
  /** Whether a case recorded a tamper: in a batch, no later case runs in this isolate. */
  spoiled(): boolean;
  /** Starts a new CPU budget (a batch gives each case its own). */
  restartBudget(): void;
  /** The prelude's record so far, undefined when a limit left the isolate unusable. */
  report(): PreludeReport | undefined;
  /** Batch mode: clears the last case's record. */
  reset(): void;
  expectations: ExpectationResult[][];
  /** Where an expectation being checked is, while one is: a limit hit then is put there. */
  checking(): string | undefined;
  /** The isolate's CPU time when a wall-clock timeout cut a call short. */
  cutAtCpuMs(): number | undefined;
  hostMs(): number;
  dispose(): void;
}

async function openSession(job: SimulationJob, wallFactor: number, opts: { batch?: boolean; collect?: (spec: string) => string | undefined } = {}): Promise<Session> {
  const source = await revisionFiles(job.repo, job.rev, job.overlay);
  const loader = new ModuleLoader(job.repo, source);
  const isolate = new ivm.Isolate({ memoryLimit: job.limits.memoryMb });
  let checking: string | undefined;
  let cutAtCpuMs: number | undefined;
  const expectations: ExpectationResult[][] = [];
  const config: PreludeConfig = {
    clockMs: job.clock ? Date.parse(job.clock) : Date.UTC(2026, 0, 1),
    env: Object.fromEntries(Object.entries(job.env).map(([k, v]) => [k, String(v)])),
    seed: job.seed ?? 1,
    ...(job.globals ? { globals: job.globals } : {}),
    stubs: Object.fromEntries(Object.entries(job.stubs).map(([k, v]): [string, StubSpec[]] => [k, Array.isArray(v) ? v : [v]])),
    steps: job.steps,
    boundaries: job.boundaryPackages,
    services: job.services ?? [],
    maxEvents: job.limits.maxEvents,
    ...(opts.batch ? { batch: true } : {}),
  };
  // Reading and instrumenting modules is the host's work, not the simulated code's: it is kept off the budget
  // (a cold pool child instruments hundreds of modules on its first run of a big repo).
  let hostMs = 0;
  let hostCpuUs = 0;
  const load = new ivm.Callback((spec: string, from: string) => {
    const t = performance.now();
    const c = process.cpuUsage();
    // Loading is off the run's budget, but not unbounded: a repo that makes it endless ends the run.
    if (hostMs > HOST_BUDGET_MS) return JSON.stringify({ kind: "error", message: `loading modules took more than ${HOST_BUDGET_MS / 1000} s (the run asked for too many, or resolution is too costly)` });
    if (String(from) === PRELUDE_ROOT && String(spec).startsWith(FS_PREFIX)) return fsAnswer(source, String(spec).slice(FS_PREFIX.length), (path) => loader.loaded.add(path));
    if (opts.collect && String(from) === PRELUDE_ROOT && String(spec).startsWith(COLLECTED_PREFIX)) {
      const answer = opts.collect(String(spec));
      if (answer !== undefined) return answer;
    }
    try {
      return loader.load(String(spec), String(from));
    } finally {
      hostMs += performance.now() - t;
      const d = process.cpuUsage(c);
      hostCpuUs += d.user + d.system;
    }
  });
  let dispatch: ivm.Reference<(cmd: string, arg?: number) => unknown>;
  let checker: ivm.Reference<(cmd: CheckerCommand, arg: string) => string>;
  try {
    const context = isolate.createContextSync();
    dispatch = context.evalClosureSync(
      // Strict first (a sloppy prelude would hand its frames' \`this\` to Error.prepareStackTrace), and the
      // commands captured before any repo code runs.
      // The test API and the services world are evaluated first, each in its own function scope, and handed to
      // the prelude (run steps; requests and messages between services).
      `"use strict"; const testApi = {}; (function (exports) {\n${TEST_API}\n})(testApi);\nconst servicesWorld = {}; (function (exports) {\n${SERVICES_WORLD}\n})(servicesWorld);\nconst exports = {}; const module = { exports };\n${PRELUDE}\nconst api = Object.assign(Object.create(null), exports.install(globalThis, $0, $1, testApi.installTestApi, servicesWorld.installServices));\nreturn (cmd, arg) => api[cmd](arg);`,
      [load, JSON.stringify(config)],
      { result: { reference: true }, filename: "worldline:prelude.js" },
    ) as ivm.Reference<(cmd: string, arg?: number) => unknown>;
    // Expectations are checked in a second context the simulated code never touches (pristine built-ins).
    checker = isolate.createContextSync().evalClosureSync(`"use strict"; const exports = {}; const module = { exports };\n${EXPECT_REALM}\nreturn exports.install();`, [], {
      result: { reference: true },
      filename: "worldline:expect.js",
    }) as ivm.Reference<(cmd: CheckerCommand, arg: string) => string>;
  } catch (err) {
    if (!isolate.isDisposed) isolate.dispose();
    throw err;
  }

  // isolated-vm's own cpuTime counts wall-clock time while the isolate runs; the process's CPU time does not
  // (a pool child runs one job at a time, so it is the isolate's, less the host's module loading).
  let cpuAtStart = process.cpuUsage();
  let hostCpuAtStart = 0;
  const cpuMs = () => {
    const c = process.cpuUsage(cpuAtStart);
    return (c.user + c.system - (hostCpuUs - hostCpuAtStart)) / 1000;
  };
  let deadline = performance.now() + job.limits.cpuMs * wallFactor;
  let hostAtStart = 0;
  const remaining = () => Math.max(1, Math.round(deadline + (hostMs - hostAtStart) - performance.now()));
  const guard = <T>(run: () => T): T => {
    try {
      return run();
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      if (/timed out/i.test(message)) {
        cutAtCpuMs = Math.max(0, cpuMs());
        throw new Limit(`CPU time limit of ${job.limits.cpuMs} ms reached (an endless loop, or work too large to simulate)`, true);
      }
      if (/disposed|memory/i.test(message)) throw new Limit(`memory limit of ${job.limits.memoryMb} MiB reached`);
      throw err;
    }
  };
  // One call per timer: the isolate's microtasks run when a call returns, so each timer's promise work is done
  // before the next timer, as in Node's event loop. Counted: see callsOfLastRun.
  const call = (cmd: string, arg?: number): unknown => {
    calls++;
    return guard(() => dispatch.applySync(undefined, arg === undefined ? [cmd] : [cmd, arg], { timeout: remaining() }));
  };
  return {
    loader,
    source,
    expectations,
    checking: () => checking,
    cutAtCpuMs: () => cutAtCpuMs,
    hostMs: () => hostMs,
    restartBudget() {
      cpuAtStart = process.cpuUsage();
      hostCpuAtStart = hostCpuUs;
      hostAtStart = hostMs;
      deadline = performance.now() + job.limits.cpuMs * wallFactor;
    },
    step(i, last) {
      call("begin", i);
      for (let n = 0; n < 100_000 && call("pump") === "pending"; n++);
      // What the last step scheduled (a flush, a retry) runs before its expectations: they see every effect.
      if (last) for (let n = 0; n < 100_000 && call("tick") === true; n++);
      else for (let n = 0; n < 100_000 && call("settle") === true; n++);
      call("finish", i);
      const expect = job.steps[i]?.expect ?? [];
      if (!expect.length) return;
      const payload = String(call("expectData", i));
      const check = (cmd: CheckerCommand, arg: string) => String(guard(() => checker.applySync(undefined, [cmd, arg], { timeout: remaining() })));
      // Rebuilding the values is where checking starts: a limit hit there is put on the first expectation.
      checking = scenarioLocation(job.steps, i, 0);
      let unreadable: string | undefined;
      try {
        check("load", payload);
      } catch (err) {
        if (err instanceof Limit) throw err;
        // A value the expectation realm could not rebuild: each expectation says so, the run goes on.
        unreadable = `the values could not be checked: ${(err as Error).message}`;
      }
      expectations[i] = expect.map((e, k): ExpectationResult => {
        const at = scenarioLocation(job.steps, i, k);
        checking = at;
        let r: ExpectationResult;
        if (unreadable !== undefined) r = { expect: e, status: "threw", detail: unreadable };
        else {
          try {
            r = JSON.parse(check("check", e)) as ExpectationResult;
          } catch (err) {
            if (err instanceof Limit) throw err;
            r = { expect: e, status: "threw", detail: `the expectation could not be checked: ${(err as Error).message}` };
          }
        }
        // An expectation that could not be judged says where the scenario holds it (the verdict quotes it).
        if ((r.status === "threw" || r.status === "unchecked") && r.detail !== undefined) r.detail = `${at}: ${r.detail}`;
        return r;
      });
      checking = undefined;
    },
    drain() {
      for (let n = 0; n < 100_000 && call("tick") === true; n++);
    },
    stopped: () => Boolean(call("fatal")),
    spoiled: () => call("spoiled") === true,
    report() {
      if (isolate.isDisposed) return undefined;
      try {
        return JSON.parse(dispatch.applySync(undefined, ["report"], { timeout: 2000 }) as string) as PreludeReport;
      } catch {
        return undefined; // a limit left the isolate unusable: the failure says why
      }
    },
    reset() {
      call("reset");
    },
    dispose() {
      if (!isolate.isDisposed) isolate.dispose();
    },
  };
}

/** A failure out of the isolate's commands: a limit, else the code's doing (nothing else can throw there). */
function failureOf(err: unknown, s: Session): { reason: string; at?: string } {
  const failure: { reason: string; at?: string } = { reason: err instanceof Limit ? err.message : `the simulated code broke the run: ${String((err as Error)?.message ?? err).split("\n")[0]}` };
  // Only the prelude's commands run the code under test: a limit hit while an expectation was checked is the scenario's.
  const checking = s.checking();
  if (err instanceof Limit && checking !== undefined) failure.at = checking;
  return failure;
}

/** A timeout that came before the CPU budget was used is the machine's load, not the code's: the failure says so. */
function saysLoad(failure: { reason: string } | undefined, cut: number | undefined, job: SimulationJob): void {
  if (cut !== undefined && cut < job.limits.cpuMs * 0.9 && failure) failure.reason += ` (wall-clock time ran out first, after ${Math.round(cut)} ms of CPU: the machine is busy)`;
}

async function attemptJob(given: SimulationJob, wallFactor: number): Promise<Attempt> {
  const started = performance.now();
  const job: SimulationJob = { ...given, steps: stepsOf(given) };
  /** The list a collection sent (its JSON), from the test API only. */
  let collected: string | undefined;
  let collections = 0;
  const collect = given.collect
    ? (spec: string) => {
        collected ??= spec.slice(COLLECTED_PREFIX.length);
        return JSON.stringify({ kind: "json", id: `${COLLECTED_PREFIX}${++collections}`, text: "true" });
      }
    : undefined;
  const s = await openSession(job, wallFactor, collect ? { collect } : {});
  let report: PreludeReport | undefined;
  let failure: { reason: string; at?: string } | undefined;
  try {
    try {
      for (let i = 0; i < job.steps.length; i++) {
        s.step(i, i === job.steps.length - 1);
        if (s.stopped()) break;
      }
      s.drain();
    } catch (err) {
      failure = failureOf(err, s);
    }
    report = s.report();
    saysLoad(failure, s.cutAtCpuMs(), job);
  } finally {
    s.dispose();
  }
  for (const [i, step] of (report?.steps ?? []).entries()) step.expectations = s.expectations[i] ?? [];
  const result = toResult(job, s.loader, s.source, report, failure, performance.now() - started);
  if (given.collect) collectedInto(result, given.collect.file, collected, s.loader.sites);
  const cut = s.cutAtCpuMs();
  return { result, ...(cut !== undefined ? { cutAtCpuMs: cut } : {}) };
}

/**
 * The cases of one test file (jobs with one equal batchKey), run one after another in one isolate, as the
 * file's runner runs them: in the file's order, the file loaded once, a suite's beforeAll once, module state
 * carried from case to case. Each case has its own CPU budget and its own record (trace, effects, coverage: its
 * own sites and the shared ones, module top levels and hooks). A case that ends the isolate (a limit, a
 * violation, a tamper, work left behind) has its result; the cases after it run in a fresh isolate, and a case
 * that hit a limit after others ran before it runs again first in a fresh one (what they left may be to blame).
 */
export async function runBatch(jobs: SimulationJob[]): Promise<RunResult[]> {
  calls = 0;
  const results = new Map<number, RunResult>();
  let wallFactor = 1;
  let attempts = 0;
  const started = performance.now();
  while (results.size < jobs.length) {
    const rest = jobs.map((j, i) => ({ j, i })).filter(({ i }) => !results.has(i));
    let a: BatchAttempt;
    try {
      a = await attemptBatch(rest.map((r) => r.j), wallFactor);
    } catch (err) {
      const reason = (err as Error).message.split("\n")[0] ?? "the simulation failed";
      for (const r of rest) results.set(r.i, failedRun(r.j, reason));
      break;
    }
    if (a.alone) {
      // The file's collection could not order the batch: each case runs alone, as a single job.
      for (const r of rest) results.set(r.i, await runJob(r.j));
      break;
    }
    for (const [k, r] of a.results) results.set((rest[k] as { i: number }).i, bounded(r));
    const stop = a.stoppedAt;
    if (!stop) continue;
    const job = (rest[stop.index] as { j: SimulationJob }).j;
    const spent = performance.now() - started;
    const cut = stop.cutAtCpuMs;
    // A case cut by the wall clock before it used its CPU budget (a busy machine) runs again with more time.
    if (cut !== undefined && cut < job.limits.cpuMs * 0.9 && attempts < 4 && spent < job.limits.cpuMs * 16 * jobs.length + 10_000) {
      attempts++;
      wallFactor = Math.min(16, wallFactor * Math.max(2, (job.limits.cpuMs / Math.max(1, cut)) * 1.5));
      results.delete((rest[stop.index] as { i: number }).i);
    } else if (stop.limit && !stop.first) results.delete((rest[stop.index] as { i: number }).i);
  }
  return jobs.map((j, i) => results.get(i) ?? failedRun(j, "the batch gave this case no result"));
}

interface BatchAttempt {
  /** Results by the index of the job in the attempt. */
  results: Map<number, RunResult>;
  /** The case the isolate ended at, when one did: whether a limit ended it, whether it ran first, and the CPU time when the wall clock cut it. */
  stoppedAt?: { index: number; limit: boolean; first: boolean; cutAtCpuMs?: number };
  /** Set when the file's collection could not order the batch. */
  alone?: boolean;
}

async function attemptBatch(jobs: SimulationJob[], wallFactor: number): Promise<BatchAttempt> {
  const first = jobs[0] as SimulationJob;
  const file = first.steps[0]?.run?.file ?? "";
  // Step 0 collects the file in this isolate: its list of cases is the order they run in (the file's, whatever
  // order the jobs came in), and its loading is shared by every case.
  const steps: StepSpec[] = [{ call: "", run: { file, titles: [], nth: 1 }, expect: [] }, ...jobs.map((j) => j.steps[0] as StepSpec)];
  const job: SimulationJob = { ...first, steps };
  let collected: string | undefined;
  const s = await openSession(job, wallFactor, {
    batch: true,
    collect: (spec) => {
      collected ??= spec.slice(COLLECTED_PREFIX.length);
      return JSON.stringify({ kind: "json", id: `${COLLECTED_PREFIX}1`, text: "true" });
    },
  });
  const results = new Map<number, RunResult>();
  try {
    try {
      s.step(0, true);
      if (s.stopped() || s.spoiled()) return { results, alone: true };
    } catch {
      return { results, alone: true };
    }
    const list = collected === undefined ? undefined : parseCollected(collected, () => undefined);
    // A file that cannot load fails each case the same way when it runs: the order does not matter then.
    const position = new Map((list && "cases" in list ? list.cases : []).map((c, k) => [JSON.stringify([c.titles, c.nth]), k]));
    const order = jobs.map((_, k) => k).sort((x, y) => posOf(position, steps[x + 1]) - posOf(position, steps[y + 1]) || x - y);
    s.reset();
    for (const [n, k] of order.entries()) {
      const i = k + 1;
      const started = performance.now();
      s.restartBudget();
      let failure: { reason: string; at?: string } | undefined;
      let limit = false;
      let stopped = false;
      try {
        s.step(i, true);
        stopped = s.stopped() || s.spoiled();
      } catch (err) {
        failure = failureOf(err, s);
        limit = err instanceof Limit;
        stopped = true;
      }
      const report = s.report();
      saysLoad(failure, s.cutAtCpuMs(), job);
      const one = report ? caseReport(report, i, s.expectations[i] ?? []) : undefined;
      const result = toResult({ ...(jobs[k] as SimulationJob), steps }, s.loader, s.source, one, failure, performance.now() - started);
      result.steps = result.steps.slice(i, i + 1);
      results.set(k, result);
      if (stopped || !one) {
        const cut = failure ? s.cutAtCpuMs() : undefined;
        return { results, stoppedAt: { index: k, limit, first: n === 0, ...(cut !== undefined ? { cutAtCpuMs: cut } : {}) } };
      }
      s.reset();
    }
    return { results };
  } finally {
    s.dispose();
  }
}

/** Where a case's step is in the file's collected order (cases not in it last). */
function posOf(position: ReadonlyMap<string, number>, step: StepSpec | undefined): number {
  const run = step?.run;
  return (run && position.get(JSON.stringify([run.titles, run.nth]))) ?? Number.MAX_SAFE_INTEGER;
}

/** Case i's part of a batch's record: its own step (earlier ones are left empty so that step indexes hold). */
function caseReport(r: PreludeReport, i: number, expectations: ExpectationResult[]): PreludeReport {
  const steps = r.steps.map((st, k) => (k === i ? { ...st, expectations } : { effects: [0, 0] as [number, number], expectations: [] }));
  return { ...r, steps };
}

/** The list the test API sends, checked: it crosses from the realm the code under test shares. */
const CollectedList = z.array(
  z.object({
    titles: z.array(z.string()).min(1),
    nth: z.number().int().min(1),
    mode: z.enum(["run", "skip", "todo"]),
    from: z.string().optional(),
    site: z.number().int().min(0).optional(),
  }),
);
function parseCollected(text: string, lineOf: (site: number) => number | undefined): { cases: CollectedCase[] } | { error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { error: `the list of cases is not JSON (${(err as Error).message})` };
  }
  const r = CollectedList.safeParse(raw);
  const line = (site: number | undefined) => {
    const l = site === undefined ? undefined : lineOf(site);
    return l === undefined ? {} : { line: l };
  };
  return r.success ? { cases: r.data.map((c) => ({ titles: c.titles, nth: c.nth, mode: c.mode, ...(c.from !== undefined ? { from: c.from } : {}), ...line(c.site) })) } : { error: `the list of cases is malformed: ${r.error.issues[0]?.message ?? "unexpected shape"}` };
}

/** A collection's result: its cases, or an error saying why the file could not be collected. */
function collectedInto(result: RunResult, file: string, text: string | undefined, sites: readonly SiteRef[]): void {
  const step = result.steps[0];
  if (result.status === "error") return;
  // Where it threw, when that is a line of the repo's code (not the collection step itself).
  const where = step?.error && /:\d+$/.test(step.error.at) ? ` (at ${step.error.at})` : "";
  const why = step?.error ? `${step.error.name}: ${step.error.message}${where}` : step?.pending ? "its collection never finished (a describe factory that awaits something that never settles)" : text === undefined ? "the test API sent no list of cases" : undefined;
  const cases = why === undefined && text !== undefined ? parseCollected(text, (site) => (sites[site]?.path === file ? sites[site].line : undefined)) : undefined;
  if (cases && "cases" in cases) result.collected = cases.cases;
  else {
    result.status = "error";
    result.error = { reason: `collecting the cases of ${file} failed: ${why ?? cases?.error ?? "no list"}` };
  }
}

/** The run's exact coverage: every site of every loaded repo module, hit or not, keyed by file with its content hash. */
function coverageOf(loader: ModuleLoader, source: RevisionFiles, report: PreludeReport | undefined): RunCoverage {
  const hit = new Set(report?.hits ?? []);
  const sites = new Map<string, string[]>();
  loader.sites.forEach((s, i) => {
    const kind = s.kind === "function" ? "f" : "s";
    const list = sites.get(s.path) ?? [];
    list.push(`${s.line},${s.endLine ?? s.line},${hit.has(i) ? kind.toUpperCase() : kind}`);
    sites.set(s.path, list);
  });
  const files: RunCoverage["files"] = {};
  for (const path of loader.loaded) files[path] = { hash: blobHash(source.files.get(path) ?? ""), sites: (sites.get(path) ?? []).join(";") };
  return { files, requests: [...loader.requests.values()], env: [...(report?.env ?? [])].sort() };
}

function toResult(job: SimulationJob, loader: ModuleLoader, source: RevisionFiles, report: PreludeReport | undefined, failure: { reason: string; at?: string } | undefined, ms: number): RunResult {
  const sites = loader.sites;
  /** A repo site as its original path:line, or the scenario's own code as its file:line; undefined for no site. */
  const locate = (site: number | undefined): string | undefined => {
    if (site === undefined) return undefined;
    const s = sites[site];
    return s ? `${s.path}:${s.line}` : scenarioSite(job.steps, site);
  };
  const at = (site: number | undefined): string => locate(site) ?? "(outside the repo's code)";
  const trace: TraceEvent[] = [];
  // Each step is put in the service whose folder holds it (the deepest folder wins).
  const dirs = (job.services ?? []).map((x) => ({ name: x.name, dir: x.dir === "." ? "" : `${x.dir.replace(/\/+$/, "")}/` })).sort((a, b) => b.dir.length - a.dir.length);
  const serviceOf = (path: string): string | undefined => dirs.find((d) => path.startsWith(d.dir))?.name;
  const executed = new Map<string, ExecutedFunction>();
  const fnAtDepth: Array<SiteRef | undefined> = [];
  for (const [type, site, depth, value] of report?.events ?? []) {
    const s = sites[site];
    if (!s) {
      // A crossing between services is kept wherever it was sent from (the scenario's own code, a timer).
      if (type >= 6 && type <= 8) {
        const from = value && typeof value === "object" && !Array.isArray(value) ? (value as { from?: unknown }).from : undefined;
        trace.push({ kind: KINDS[type] ?? "message", at: at(site), ...(typeof from === "string" && from !== "(scenario)" ? { service: from } : {}), depth, ...(value !== undefined ? { value } : {}) });
      }
      continue;
    }
    if (type === 2) {
      fnAtDepth[depth] = s;
      const symbol = `${s.path}#${s.name ?? "<anonymous>"}`;
      if (!executed.has(symbol)) executed.set(symbol, { symbol, path: s.path, line: s.line, endLine: s.endLine ?? s.line });
    }
    const fn = type === 2 || type === 3 || type === 4 ? s : fnAtDepth[depth];
    const service = serviceOf(s.path);
    trace.push({
      kind: KINDS[type] ?? "step",
      at: `${s.path}:${s.line}`,
      ...(service ? { service } : {}),
      ...(fn?.name ? { symbol: `${fn.path}#${fn.name}` } : {}),
      depth,
      ...(value !== undefined ? { value } : {}),
    });
  }
  const effect = (e: RawEffect): Effect => ({ target: e.target, kind: e.kind, args: e.args, at: at(e.site), answer: e.answer, ...(e.shared ? { shared: true as const } : {}) });
  const effects = (report?.effects ?? []).map(effect);
  const known = (site: number | undefined) => {
    const where = locate(site);
    return where === undefined ? {} : { at: where };
  };
  const fatal = failure ? { reason: failure.reason, ...(failure.at !== undefined ? { at: failure.at } : known(report?.lastSite)) } : report?.fatal ? { reason: report.fatal.reason, ...known(report.fatal.site), ...(report.fatal.missingModule ? { missingModule: report.fatal.missingModule } : {}) } : undefined;
  const result: RunResult = {
    rev: job.rev,
    status: fatal || !report ? "error" : "ok",
    steps: (report?.steps ?? []).map((s, i) => ({
      call: job.steps[i]?.call ?? "",
      ...(s.result !== undefined ? { result: s.result } : {}),
      ...(s.error ? { error: { name: s.error.name, message: s.error.message, at: at(s.error.site) } } : {}),
      ...(s.pending ? { pending: true } : {}),
      expectations: s.expectations,
      effects: effects.slice(s.effects[0], s.effects[1]),
    })),
    trace,
    truncated: report?.truncated ?? 0,
    effects,
    missingStubs: report?.missingStubs ?? [],
    logs: report?.logs ?? [],
    modules: [...loader.loaded].sort(),
    executed: [...executed.values()],
    functions: sites.filter((s) => s.kind === "function").map((s) => ({ symbol: `${s.path}#${s.name ?? "<anonymous>"}`, path: s.path, line: s.line, endLine: s.endLine ?? s.line })),
    coverage: coverageOf(loader, source, report),
    ms: Math.round(ms),
  };
  if (fatal) result.error = fatal;
  else if (!report) result.error = { reason: "the isolate ended without a report" };
  return result;
}
