/**
 * What crosses between the parts of the sandbox: the job a pool child runs (one scenario on one revision),
 * what the in-isolate prelude reports, and the run result the child sends back. Only plain data crosses:
 * JSON between processes, strings between the child and its isolate.
 */

/** A service of the repo's service map as the sandbox sees it (core/services.ts Service, as plain data). */
export interface WorldService {
  name: string;
  dir: string;
  entry: string;
  urls: string[];
  consumes: string[];
}

/** One stub answer (scenario format `world.stubs`); a list of them is tried in order, the first match wins. */
export interface StubSpec {
  returns?: unknown;
  throws?: string;
  match?: Record<string, unknown>;
  sequence?: Array<{ returns?: unknown; throws?: string }>;
  async?: boolean;
}

/**
 * A test case of the repo's own suite: its file, the titles from the outermost describe to the case, and which
 * of the cases with those titles (1 for the first). A ref with no titles asks the test API to collect the file.
 */
export interface TestRef {
  file: string;
  titles: string[];
  nth: number;
}

/** What a `run` step answers as its result: the case's outcome, decided by the prelude where the code cannot reach. */
export interface TestOutcome {
  status: "pass" | "fail" | "skip";
  /** The first failure: an assertion, a throw, a hook that failed, or `expect.assertions` unmet. */
  error?: { name: string; message: string };
  /** Matcher calls made by the case and its hooks. */
  assertions: number;
}

export interface StepSpec {
  /** The function to call (`path#name`); empty for a `run` step. */
  call: string;
  /** Run one test case of the repo's suite instead of calling a function (its result is a TestOutcome). */
  run?: TestRef | undefined;
  args?: unknown[] | undefined;
  args_js?: string | undefined;
  construct?: unknown[] | undefined;
  expect: string[];
  /** Where the step is written in its scenario file: errors in the scenario's own code are reported there. */
  origin?: StepOrigin | undefined;
}

/** A step's place in its scenario file (1-based lines), for the locations of errors in the scenario's own code. */
export interface StepOrigin {
  /** The scenario file (repo path). */
  file: string;
  /** The step's first line. */
  line: number;
  /** The line of its `call:` (or `run:`): where a call that cannot be resolved is reported. */
  call?: number | undefined;
  args_js?: number | undefined;
  /** One line per entry of `expect`, in order; null for one the file does not hold (a run step's implicit one). */
  expect: Array<number | null>;
}

export interface Limits {
  /** CPU budget of one run (all steps, timers and expectations), in ms. */
  cpuMs: number;
  /** V8 heap limit of the isolate, in MiB. */
  memoryMb: number;
  /** Trace events kept; later ones are counted, not stored. */
  maxEvents: number;
}

export const DEFAULT_LIMITS: Limits = { cpuMs: 2000, memoryMb: 128, maxEvents: 50_000 };

export interface SimulationJob {
  repo: string;
  /** A commit id, or WORKTREE. */
  rev: string;
  /** Files replaced before loading (a fix being checked), repo path to text. */
  overlay?: Record<string, string>;
  clock?: string | undefined;
  env: Record<string, string | number | boolean>;
  seed?: number | undefined;
  /** Build-time constants the code reads as globals (`__DEV__`): defined before any repo code loads. */
  globals?: Record<string, string | number | boolean | null> | undefined;
  stubs: Record<string, StubSpec | StubSpec[]>;
  steps: StepSpec[];
  /** Package names (and `scope/*` patterns) whose calls are recorded and answered by stand-ins. */
  boundaryPackages: string[];
  /** The repo's services (its service map): requests to their URLs and messages on their topics are delivered to them. */
  services?: WorldService[] | undefined;
  limits: Limits;
  /** Load this test file and list the cases it registers, running none (`steps` are ignored): RunResult.collected. */
  collect?: { file: string } | undefined;
  /** Run this case in its own isolate, never batched with its file's other cases (so it carries the file's loading). */
  alone?: true | undefined;
}

/** A case a test file registered when it loaded in the sandbox (SimulationJob.collect). */
export interface CollectedCase {
  /** From the outermost describe to the case, as the runner reports them (`.each` titles formatted as vitest does). */
  titles: string[];
  /** Which of the file's cases with these titles, in collection order (1 for the first). */
  nth: number;
  /** Its own mode or the nearest describe's that is not `run`; a case without a function is `todo`. */
  mode: "run" | "skip" | "todo";
  /** The repo module that registered it, when not outside the repo's code. */
  from?: string;
  /** The line of the test file where it was registered (its `it`/`test` call), when the recorder told it. */
  line?: number;
}

/** The prelude's configuration, handed into the isolate as JSON. */
export interface PreludeConfig {
  clockMs: number;
  env: Record<string, string>;
  seed: number;
  globals?: Record<string, string | number | boolean | null>;
  stubs: Record<string, StubSpec[]>;
  steps: StepSpec[];
  boundaries: string[];
  services: WorldService[];
  maxEvents: number;
  /** Each step is one case of a batch (runner.ts runBatch), reported on its own. */
  batch?: boolean;
}

/** A bounded copy of a value: JSON, with tagged objects for what JSON cannot say. */
export type Snap = unknown;

/** Trace events as the prelude records them: [type, site, call depth, value?]. */
export const EV = { step: 0, val: 1, enter: 2, ret: 3, throw: 4, exit: 5, request: 6, response: 7, message: 8 } as const;
export type RawEvent = [number, number, number, Snap?];

export interface RawEffect {
  target: string;
  kind: "call" | "new";
  args: Snap[];
  site: number;
  answer: "stub" | "symbolic" | "threw";
  /** Made by shared work (a module's top level, a suite's hooks): in a batch, by whichever case came first. */
  shared?: boolean;
}

export type ExpectationStatus = "pass" | "fail" | "threw" | "unchecked";

export interface ExpectationResult {
  expect: string;
  status: ExpectationStatus;
  detail?: string;
  /** The expression read a value no stub answered. */
  symbolic?: boolean;
}

export interface RawStep {
  result?: Snap;
  error?: { name: string; message: string; site: number };
  pending?: boolean;
  expectations: ExpectationResult[];
  /** Index range of this step's effects. */
  effects: [number, number];
}

export interface PreludeReport {
  events: RawEvent[];
  truncated: number;
  effects: RawEffect[];
  logs: string[];
  missingStubs: string[];
  steps: RawStep[];
  /** The last statement or function entered: where a limit hit the run. */
  lastSite: number;
  /** Every site that ran at least once (not bounded by the event limit). */
  hits: number[];
  /** Environment variables read. */
  env: string[];

  fatal?: { reason: string; site: number; missingModule?: string };
}

/** A trace event with its source location. */
export interface TraceEvent {
  /** request, response and message: a crossing between services (its value says from, to and what crossed). */
  kind: "step" | "value" | "enter" | "return" | "throw" | "exit" | "request" | "response" | "message";
  at: string;
  /** The service whose code this is (multi-service repos only). */
  service?: string;
  /** The enclosing function, as a symbol id (path#name). */
  symbol?: string;
  depth: number;
  value?: Snap;
}

export interface Effect {
  target: string;
  kind: "call" | "new";
  args: Snap[];
  at: string;
  answer: RawEffect["answer"];
  shared?: true;
}

export interface StepOutcome {
  call: string;
  result?: Snap;
  error?: { name: string; message: string; at: string };
  pending?: boolean;
  expectations: ExpectationResult[];
  effects: Effect[];
}

/** A function that ran, with its span: what a change must touch to matter to this run. */
export interface ExecutedFunction {
  symbol: string;
  path: string;
  line: number;
  endLine: number;
}

/** A site of a loaded repo module: its lines, its kind, and whether it ran. */
export type CoveredSite = [line: number, endLine: number, kind: "s" | "f", hit: 0 | 1];

/**
 * What a run depended on, exactly (DESIGN.md: coverage-exact selection): each repo file it loaded with its
 * content hash and every statement and function site, run or not; what it asked for and did not find; the
 * environment variables it read.
 */
export interface RunCoverage {
  /** Per loaded file: its content hash, and its sites as compact text (`line,endLine,kind` with kind `s`/`f`, upper case when it ran; `;` between). */
  files: Record<string, { hash: string; sites: string }>;
  /**
   * Every module request of the repo's own code: the asking module and the specifier, with the repo files that
   * could answer it where it ran (set when the record is kept). A new file among them may answer differently.
   */
  requests: Array<{ from: string; specifier: string; resolved?: string; candidates?: string[] }>;
  env: string[];
  /** Content hashes of the resolution and install files at the revision it ran on (set when the record is kept). */
  resolution?: Record<string, string>;
}

export interface RunResult {
  rev: string;
  status: "ok" | "error";
  /** Why the run could not complete, with where (error status only); `missingModule` when a step's own module is not at this revision. */
  error?: { reason: string; at?: string; missingModule?: string };
  steps: StepOutcome[];
  trace: TraceEvent[];
  truncated: number;
  effects: Effect[];
  missingStubs: string[];
  logs: string[];
  /** Repo files the run loaded. */
  modules: string[];
  executed: ExecutedFunction[];
  /** Every function of the loaded repo modules, run or not: a hunk outside all of them is module-level code. */
  functions: ExecutedFunction[];
  coverage: RunCoverage;
  ms: number;
  /** A collection's cases (SimulationJob.collect), when the file loaded; else `error` says why. */
  collected?: CollectedCase[];
}
