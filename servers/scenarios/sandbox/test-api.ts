import type { TestRef } from "./protocol.js";

/**
 * Worldline's test API inside the isolate (DESIGN.md: the repo's own test cases are scenarios): describe/it
 * collection, hooks, `expect` from the real matcher library (chai with @vitest/expect's plugins), spies from
 * @vitest/spy, and fake timers on the prelude's virtual clock. Like the prelude, this file is transpiled on
 * its own and evaluated in the isolate before any repo code: no imports at run time; it reaches the matcher
 * packages only through `host.port`.
 *
 * The code under test is hostile and shares this realm. Its verdict is decided here: every matcher call goes
 * through a wrapper that records a failure in this closure (a caught AssertionError still fails the case);
 * built-in matchers and the API objects are locked before repo code loads; and the intrinsics the matchers
 * use are compared with a snapshot taken at install, at every matcher call and when the case ends: a
 * replaced one fails the case as `SandboxTamper`, never `pass`.
 */

type Fn = (...args: unknown[]) => unknown;
type Obj = Record<string | symbol, unknown>;

/** What the prelude hands the test API: its realm, the loader of Worldline's packages, and the virtual clock. */
export interface TestHost {
  G: Obj;
  /** Loads one of Worldline's own packages into the isolate (its module exports). */
  port(spec: string): unknown;
  now(): number;
  setNow(ms: number): void;
  /** The virtual timers of the prelude (captured: fake timers replace the globals, never these). */
  timers: { setTimeout(fn: Fn, ms: number): unknown; clearTimeout(id: unknown): void };
  /** Shared with the prelude's recorder: while `matcher` > 0, each step of repo code runs `watch`. */
  state: { matcher: number };
  /** The repo module whose code is running now (its path), as the recorder last saw it. */
  currentFile(): string | undefined;
  /** The recorder's last site (a statement of repo code), when the prelude offers it: where a collected case was registered. */
  currentSite?(): number;
  /**
   * Marks the start (true) and end (false) of work every later case shares: a file's collection and a suite's
   * beforeAll/afterAll. What runs then is counted in the coverage of each case that runs after it.
   */
  shared?(on: boolean): void;
}

export interface TestApi {
  /** The module a test file imports (`vitest`, `@jest/globals`, `mocha`, `node:test`), or undefined. */
  module(name: string): unknown;
  /**
   * Runs one case: `load` loads the test file through the sandbox's loader. Resolves to the outcome; rejects only
   * when the case cannot be found or the file cannot load. `later` are the cases the run goes on to in this
   * isolate: a suite's beforeAll runs once, when its first case runs, and its afterAll after its last (vitest's order).
   */
  run(ref: TestRef, load: () => unknown, later?: readonly TestRef[]): Promise<unknown>;
  /**
   * Loads a test file and lists the cases it registered, running none (COLLECTED_PREFIX says how the list
   * leaves the isolate). A `run` whose ref has no titles is a collection: the prelude reaches this through it.
   */
  collect(file: string, load: () => unknown): Promise<unknown>;
  /** Re-decides the outcome when the step is finished: a failure or a tamper seen after the case ended still counts. */
  seal(outcome: unknown): void;
  /** A tamper check now (the recorder calls it while a matcher runs repo code). */
  watch(): void;
}

/**
 * The collected cases leave the isolate as a module request from the test API to the host's loader (the
 * prelude relays requests from its own root unchanged): `host.port(COLLECTED_PREFIX + json)`. The runner
 * answers it and keeps the list; repo code cannot ask from that root.
 */
export const COLLECTED_PREFIX = "\u0000worldline-collected:";

/** How a case's function is called: a vitest context, a jest/mocha `done`, node:test's `(t, done)`; globals take both. */
type Style = "vitest" | "jest" | "mocha" | "node" | "global";
type Mode = "run" | "skip" | "todo";

interface Hooks {
  beforeAll: List<Hook>;
  afterAll: List<Hook>;
  beforeEach: List<Hook>;
  afterEach: List<Hook>;
}
interface Hook {
  fn: Fn;
  timeout: number;
  style: Style;
}
interface Suite extends Hooks {
  kind: "suite";
  name: string;
  mode: Mode;
  parent: Suite | undefined;
  items: List<Suite | Case>;
  /** A factory not run yet: vitest runs a suite's factory when collection reaches the suite, and awaits it. */
  factory: Fn | undefined;
}
interface Case {
  kind: "case";
  name: string;
  mode: Mode;
  fn: Fn | undefined;
  args: unknown[] | undefined;
  timeout: number;
  style: Style;
  parent: Suite;
  /** The repo module that registered it (the test file, a helper of the tests, or the code under test). */
  from: string | undefined;
  /** The recorder's site where it was registered, when the host tells it. */
  site: number | undefined;
}
interface List<T> {
  n: number;
  at: Record<number, T>;
}

/** The record of the running case, in this closure only: what decides its outcome. */
interface Record_ {
  failure: { name: string; message: string } | undefined;
  tamper: string | undefined;
  skipped: boolean;
  assertions: number;
  expected: number | undefined;
  hasAssertions: boolean;
}

const DEFAULT_TIMEOUT = 5000;
/** The matcher names the built-in library must keep: `expect.extend` may add names, never replace these. */
const SNAPSHOT_MATCHERS = ["toMatchSnapshot", "toMatchInlineSnapshot", "toThrowErrorMatchingSnapshot", "toThrowErrorMatchingInlineSnapshot", "toMatchFileSnapshot"];

export function installTestApi(host: TestHost): TestApi {
  const G = host.G;
  // ---- intrinsics, captured before any repo code runs ------------------------------------------------
  const RealError = Error;
  const RealPromise = Promise;
  const RealMap = Map;
  const apply = Reflect.apply;
  const defineProperty = Reflect.defineProperty;
  const getOwnPropertyDescriptor = Reflect.getOwnPropertyDescriptor;
  const getPrototypeOf = Reflect.getPrototypeOf;
  const ownKeys = Reflect.ownKeys;
  const objectCreate = Object.create;
  const objectKeys = Object.keys;
  const objectFreeze = Object.freeze;
  const isArray = Array.isArray;
  const hasOwn = Object.hasOwn;
  const same = Object.is;
  const hasInstance = Function.prototype[Symbol.hasInstance];
  const promiseThen = RealPromise.prototype.then;
  const mapGet = RealMap.prototype.get;
  const mapSet = RealMap.prototype.set;
  const mapHas = RealMap.prototype.has;
  const mapDelete = RealMap.prototype.delete;
  const RealSet = Set;
  const setAdd = RealSet.prototype.add;
  const setHas = RealSet.prototype.has;
  const stringSlice = String.prototype.slice;
  const stringIndexOf = String.prototype.indexOf;
  const stringReplace = String.prototype.replace;
  const regexExec = RegExp.prototype.exec;
  const symbolDescription = getOwnPropertyDescriptor(Symbol.prototype, "description")?.get as (this: symbol) => string | undefined;
  const StringOf = String;
  const jsonStringify = JSON.stringify;
  const ObjectOf = Object;
  const NumberOf = Number;

  const isA = (o: unknown, C: object): boolean => {
    try {
      return apply(hasInstance, C, [o]) as boolean;
    } catch {
      return false;
    }
  };
  const list = <T>(): List<T> => {
    const l = objectCreate(null) as List<T>;
    l.n = 0;
    l.at = objectCreate(null) as Record<number, T>;
    return l;
  };
  const add = <T>(l: List<T>, v: T) => {
    l.at[l.n] = v;
    l.n++;
  };
  const slice = (s: string, a: number, b?: number): string => apply(stringSlice, s, b === undefined ? [a] : [a, b]) as string;
  const indexOf = (s: string, x: string): number => apply(stringIndexOf, s, [x]) as number;
  /** Own data of an error-like value: its name and message, read once, never through a getter the code defined elsewhere. */
  const describeError = (e: unknown): { name: string; message: string } => {
    const out = objectCreate(null) as { name: string; message: string };
    out.name = "Error";
    out.message = "";
    if (e !== null && (typeof e === "object" || typeof e === "function")) {
      try {
        const n = (e as Obj).name;
        if (typeof n === "string") out.name = n;
      } catch {
        // unreadable name
      }
      try {
        const m = (e as Obj).message;
        out.message = typeof m === "string" ? m : "";
      } catch {
        // unreadable message
      }
    } else {
      out.name = "ThrownValue";
      try {
        out.message = typeof e === "string" ? e : typeof e === "symbol" ? `Symbol(${StringOf(apply(symbolDescription, e, []))})` : StringOf(e);
      } catch {
        out.message = typeof e;
      }
    }
    if (out.message.length > 2000) out.message = `${slice(out.message, 0, 2000)}…`;
    return out;
  };
  const named = (name: string, message: string): Error => {
    const e = new RealError(message);
    defineProperty(e, "name", { value: name, writable: true, configurable: true });
    return e;
  };

  // ---- the record of the running case ----------------------------------------------------------------
  const fresh = (): Record_ => {
    const r = objectCreate(null) as Record_;
    r.failure = undefined;
    r.tamper = undefined;
    r.skipped = false;
    r.assertions = 0;
    r.expected = undefined;
    r.hasAssertions = false;
    return r;
  };
  let rec = fresh();
  const fail = (e: unknown) => {
    if (e === SKIP) return;
    if (!rec.failure) rec.failure = describeError(e);
  };

  // ---- Event and EventTarget: chai announces plugins through them (Node has them; the isolate does not) --
  if (typeof G.EventTarget !== "function") {
    class SandboxEvent {
      readonly type: string;
      constructor(type: string) {
        this.type = StringOf(type);
      }
    }
    class SandboxEventTarget {
      #listeners = new RealMap<string, Fn[]>();
      addEventListener(type: string, fn: Fn) {
        const l = apply(mapGet, this.#listeners, [type]) as Fn[] | undefined;
        if (l) l[l.length] = fn;
        else apply(mapSet, this.#listeners, [type, [fn]]);
      }
      removeEventListener(type: string, fn: Fn) {
        const l = apply(mapGet, this.#listeners, [type]) as Fn[] | undefined;
        if (!l) return;
        const kept: Fn[] = [];
        for (let i = 0; i < l.length; i++) if (l[i] !== fn) kept[kept.length] = l[i] as Fn;
        apply(mapSet, this.#listeners, [type, kept]);
      }
      dispatchEvent(event: { type: string }) {
        const l = apply(mapGet, this.#listeners, [event.type]) as Fn[] | undefined;
        for (let i = 0; l && i < l.length; i++) apply(l[i] as Fn, this, [event]);
        return true;
      }
    }
    G.Event = SandboxEvent;
    G.EventTarget = SandboxEventTarget;
  }

  // ---- the matcher library, loaded as it is published -------------------------------------------------
  interface ChaiUtil {
    addMethod(ctx: object, name: string, fn: Fn): void;
    flag(o: object, k: string, v?: unknown): unknown;
  }
  interface Chai {
    use(plugin: unknown): void;
    expect: Fn & Obj;
    assert: Fn & Obj;
    Assertion: { prototype: Obj };
    AssertionError: new (m: string) => Error;
    util: ChaiUtil;
    config?: object;
  }
  const chai = host.port("chai") as Chai;
  // node's assert port captures the intrinsics it compares with when it first loads: load it now, pristine,
  // so a module under test cannot load it first while Object.is is faked.
  host.port("assert");
  const vexpect = host.port("@vitest/expect") as Obj;
  const spy = host.port("@vitest/spy") as { fn: Fn; spyOn: Fn; isMockFunction: Fn; restoreAllMocks: Fn; clearAllMocks: Fn; resetAllMocks: Fn };
  const display = host.port("@vitest/utils/display") as { format: (...a: unknown[]) => string; objDisplay: (v: unknown, o?: object) => string };
  chai.use(vexpect.JestExtend);
  chai.use(vexpect.JestChaiExpect);
  chai.use(vexpect.ChaiStyleAssertions);
  chai.use(vexpect.JestAsymmetricMatchers);
  const proto = chai.Assertion.prototype;
  for (const name of SNAPSHOT_MATCHERS) {
    chai.util.addMethod(proto, name, () => {
      throw named("Error", `snapshots are not supported in the sandbox yet (${name}): assert on the value with toEqual instead`);
    });
  }

  // Every matcher call (methods and assertion properties of chai's Assertion) goes through `guarded`: a
  // failure is recorded here whatever the caller does with the error, and the intrinsics are checked.
  const guarded = (run: () => unknown): unknown => {
    host.state.matcher++;
    check();
    let r: unknown;
    try {
      r = run();
    } catch (e) {
      fail(e);
      throw e;
    } finally {
      host.state.matcher--;
      check();
    }
    if (isA(r, RealPromise)) apply(promiseThen, r, [undefined, (e: unknown) => fail(e)]);
    return r;
  };
  const wrapped = new WeakSet<object>();
  const wrapMatcher = (key: string | symbol) => {
    if (key === "constructor") return;
    const d = getOwnPropertyDescriptor(proto, key);
    if (!d || !d.configurable) return;
    if (typeof d.value === "function" && !wrapped.has(d.value as object)) {
      const original = d.value as Fn;
      const matcher = function (this: unknown, ...args: unknown[]) {
        return guarded(() => apply(original, this, args));
      };
      wrapped.add(matcher);
      defineProperty(proto, key, { value: matcher, writable: false, enumerable: d.enumerable ?? false, configurable: false });
    } else if (typeof d.get === "function") {
      const getter = d.get;
      defineProperty(proto, key, {
        get(this: unknown) {
          return guarded(() => apply(getter, this, []));
        },
        ...(d.set ? { set: d.set } : {}),
        enumerable: d.enumerable ?? false,
        configurable: false,
      });
    } else defineProperty(proto, key, { ...d, configurable: false, ...(hasOwn(d, "value") ? { writable: false } : {}) });
  };
  const wrapAll = () => {
    const keys = ownKeys(proto);
    for (let i = 0; i < keys.length; i++) wrapMatcher(keys[i] as string | symbol);
  };
  /** Makes every own property of `o` unchangeable, leaving `o` open to new names (expect.extend adds them). */
  const lock = (o: object) => {
    const keys = ownKeys(o);
    for (let i = 0; i < keys.length; i++) {
      const d = getOwnPropertyDescriptor(o, keys[i] as string | symbol);
      if (!d || !d.configurable) continue;
      defineProperty(o, keys[i] as string | symbol, hasOwn(d, "value") ? { value: d.value, writable: false, enumerable: d.enumerable ?? false, configurable: false } : { ...d, configurable: false });
    }
  };

  // ---- expect ---------------------------------------------------------------------------------------
  const GLOBAL_EXPECT = vexpect.GLOBAL_EXPECT as symbol;
  const ASYMMETRIC = vexpect.ASYMMETRIC_MATCHERS_OBJECT as symbol;
  const JEST_MATCHERS = vexpect.JEST_MATCHERS_OBJECT as symbol;
  const setState = vexpect.setState as (s: object, e: unknown) => void;
  const getState = vexpect.getState as (e: unknown) => Obj;
  const chaiExpect = chai.expect;
  const expect = function expect(value: unknown, message?: unknown) {
    rec.assertions++;
    return apply(chaiExpect, undefined, message === undefined ? [value] : [value, message]);
  } as unknown as Fn & Obj;
  const chaiKeys = objectKeys(chaiExpect);
  for (let i = 0; i < chaiKeys.length; i++) expect[chaiKeys[i] as string] = chaiExpect[chaiKeys[i] as string];
  const asymmetric = G[ASYMMETRIC] as Obj;
  const asymmetricKeys = ownKeys(asymmetric);
  for (let i = 0; i < asymmetricKeys.length; i++) {
    const d = getOwnPropertyDescriptor(asymmetric, asymmetricKeys[i] as string);
    if (d) defineProperty(expect, asymmetricKeys[i] as string, d);
  }
  defineProperty(G, GLOBAL_EXPECT, { value: expect, writable: false, configurable: false });
  setState({ assertionCalls: 0, isExpectingAssertions: false, isExpectingAssertionsError: null, expectedAssertionsNumber: null, expectedAssertionsNumberErrorGen: null, testPath: "", currentTestName: "" }, expect);
  expect.getState = () => getState(expect);
  expect.setState = (s: object) => setState(s, expect);
  expect.assert = chai.assert;
  const chaiExtend = chaiExpect.extend as Fn;
  expect.extend = (matchers: unknown) => {
    if (matchers === null || typeof matchers !== "object") throw new TypeError("expect.extend needs an object of matchers");
    const names = objectKeys(matchers);
    for (let i = 0; i < names.length; i++) {
      const n = names[i] as string;
      if (hasOwn(proto, n) || hasOwn(expect, n)) throw named("TypeError", `expect.extend cannot replace the built-in matcher ${n}: give the custom matcher a new name`);
    }
    apply(chaiExtend, chaiExpect, [expect, matchers]);
    wrapAll();
    lockExpect();
  };
  expect.assertions = (n: unknown) => {
    rec.expected = NumberOf(n);
  };
  expect.hasAssertions = () => {
    rec.hasAssertions = true;
  };
  expect.unreachable = (message?: unknown) =>
    guarded(() => {
      throw new chai.AssertionError(`expected${message ? ` "${StringOf(message)}" ` : " "}not to be reached`);
    });
  // A soft assertion fails the case as a hard one does (the sandbox records the first failure).
  expect.soft = (value: unknown, message?: unknown) => expect(value, message);
  expect.poll = () => {
    throw named("Error", "expect.poll is not supported in the sandbox yet: await the value, then assert on it");
  };
  expect.addEqualityTesters = () => {
    throw named("Error", "custom equality testers are not supported in the sandbox (a tester can make any toEqual pass): compare with a custom matcher through expect.extend");
  };
  expect.addSnapshotSerializer = () => {
    throw named("Error", "snapshots are not supported in the sandbox yet");
  };
  apply(chaiExtend, chaiExpect, [expect, vexpect.customMatchers]);
  const jestState = G[JEST_MATCHERS] as { matchers?: object; customEqualityTesters?: unknown[] } | undefined;
  function lockExpect() {
    lock(expect);
    if (expect.not && typeof expect.not === "object") lock(expect.not as object);
    lock(asymmetric);
    if (jestState?.matchers) lock(jestState.matchers);
  }
  wrapAll();
  lockExpect();
  {
    const d = getOwnPropertyDescriptor(G, JEST_MATCHERS);
    if (d?.configurable) defineProperty(G, JEST_MATCHERS, { ...d, configurable: false });
  }
  // The asymmetric matchers' classes: `Object.getPrototypeOf(expect.any(Number)).asymmetricMatch = () => true` is refused.
  const samples: Array<() => unknown> = [
    () => (expect.any as Fn)(NumberOf),
    () => (expect.anything as Fn)(),
    () => (expect.objectContaining as Fn)({}),
    () => (expect.arrayContaining as Fn)([]),
    () => (expect.stringContaining as Fn)(""),
    () => (expect.stringMatching as Fn)("x"),
    () => (expect.closeTo as Fn)(0),
  ];
  for (let i = 0; i < samples.length; i++) {
    let p: object | null;
    try {
      p = getPrototypeOf(samples[i]!() as object);
    } catch {
      continue;
    }
    for (; p && p !== Object.prototype; p = getPrototypeOf(p)) lock(p);
  }
  // chai's settings decide how deep equality compares (`chai.config.deepEqual`): the code may read them, never set them.
  if (chai.config && typeof chai.config === "object") objectFreeze(chai.config);
  rec = fresh();

  // ---- spies ----------------------------------------------------------------------------------------
  const moduleMocks = () => {
    throw named("Error", "module mocks are not supported in the sandbox yet: pass a test double to the code under test, or spy on the module's export with vi.spyOn");
  };

  // ---- fake timers on the virtual clock --------------------------------------------------------------
  interface FakeTimer {
    id: number;
    due: number;
    seq: number;
    fn: Fn;
    args: unknown[];
    every: number;
  }
  const fakes = new RealMap<number, FakeTimer>();
  let fakeSeq = 0;
  let faking = false;
  const TIMER_NAMES = ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "setImmediate", "clearImmediate"];
  const saved = objectCreate(null) as Obj;
  const addFake = (fn: unknown, ms: unknown, args: unknown[], every: boolean): number => {
    if (typeof fn !== "function") throw new TypeError("the callback must be a function");
    const delay = NumberOf(ms) > 0 ? NumberOf(ms) : 0;
    const t = objectCreate(null) as FakeTimer;
    t.id = ++fakeSeq;
    t.seq = t.id;
    t.due = host.now() + delay;
    t.fn = fn as Fn;
    t.args = args;
    t.every = every ? (delay > 1 ? delay : 1) : 0;
    apply(mapSet, fakes, [t.id, t]);
    return t.id;
  };
  const clearFake = (id: unknown) => {
    const n = id !== null && typeof id === "object" ? NumberOf((id as Obj).id) : NumberOf(id);
    fakes.delete(n);
  };
  const fakeApi: Obj = {
    setTimeout: (fn: unknown, ms?: unknown, ...args: unknown[]) => addFake(fn, ms, args, false),
    setInterval: (fn: unknown, ms?: unknown, ...args: unknown[]) => addFake(fn, ms, args, true),
    setImmediate: (fn: unknown, ...args: unknown[]) => addFake(fn, 0, args, false),
    clearTimeout: clearFake,
    clearInterval: clearFake,
    clearImmediate: clearFake,
  };
  const nextFake = (until: number): FakeTimer | undefined => {
    let best: FakeTimer | undefined;
    fakes.forEach((t) => {
      if (t.due <= until && (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq))) best = t;
    });
    return best;
  };
  const runFake = (t: FakeTimer) => {
    if (t.due > host.now()) shift(t.due);
    if (t.every) {
      t.due = host.now() + t.every;
      t.seq = ++fakeSeq;
    } else fakes.delete(t.id);
    apply(t.fn, undefined, t.args);
  };
  /** Moves the clock to `to`; the running case's time-out moves with it (fake time is not the case's time). */
  const shift = (to: number) => {
    const by = to - host.now();
    host.setNow(to);
    if (deadline && by > 0) {
      host.timers.clearTimeout(deadline.id);
      deadline.due += by;
      deadline.id = host.timers.setTimeout(deadline.fire, deadline.due - host.now());
    }
  };
  const useFake = () => {
    if (!faking) for (const n of TIMER_NAMES) saved[n] = G[n];
    faking = true;
    for (const n of TIMER_NAMES) G[n] = fakeApi[n];
  };
  const useReal = () => {
    if (faking) for (const n of TIMER_NAMES) G[n] = saved[n];
    faking = false;
    fakes.clear();
  };
  const needFake = (what: string) => {
    if (!faking) throw named("Error", `${what} needs fake timers: call vi.useFakeTimers() (or jest.useFakeTimers()) first`);
  };
  const LOOP_LIMIT = 10_000;
  const timersApi = {
    useFakeTimers: () => (useFake(), undefined),
    useRealTimers: () => (useReal(), undefined),
    isFakeTimers: () => faking,
    advanceTimersByTime: (ms: unknown) => {
      needFake("advanceTimersByTime");
      const until = host.now() + (NumberOf(ms) > 0 ? NumberOf(ms) : 0);
      for (let n = 0; ; n++) {
        if (n > LOOP_LIMIT) throw named("Error", `advanceTimersByTime ran more than ${LOOP_LIMIT} timers: an interval or a timer that schedules itself without end`);
        const t = nextFake(until);
        if (!t) break;
        runFake(t);
      }
      shift(until);
    },
    advanceTimersToNextTimer: () => {
      needFake("advanceTimersToNextTimer");
      const t = nextFake(Infinity);
      if (t) runFake(t);
    },
    runAllTimers: () => {
      needFake("runAllTimers");
      for (let n = 0; ; n++) {
        if (n > LOOP_LIMIT) throw named("Error", `runAllTimers ran more than ${LOOP_LIMIT} timers: an interval or a timer that schedules itself without end (use advanceTimersByTime)`);
        const t = nextFake(Infinity);
        if (!t) break;
        runFake(t);
      }
    },
    runOnlyPendingTimers: () => {
      needFake("runOnlyPendingTimers");
      const pending: number[] = [];
      fakes.forEach((t) => void (pending[pending.length] = t.id));
      for (;;) {
        let best: FakeTimer | undefined;
        for (let i = 0; i < pending.length; i++) {
          const t = apply(mapGet, fakes, [pending[i]]) as FakeTimer | undefined;
          if (t && (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq))) best = t;
        }
        if (!best) break;
        const id = best.id;
        for (let i = 0; i < pending.length; i++) if (pending[i] === id) pending[i] = -1;
        runFake(best);
      }
    },
    clearAllTimers: () => fakes.clear(),
    getTimerCount: () => fakes.size,
    runAllTicks: () => undefined,
    setSystemTime: (t: unknown) => {
      const ms = t === undefined ? host.now() : isA(t, G.Date as object) ? (t as Date).getTime() : NumberOf(new (G.Date as DateConstructor)(t as string | number).getTime());
      if (ms === ms) host.setNow(ms);
    },
    getRealSystemTime: () => host.now(),
    getMockedSystemTime: () => (faking ? new (G.Date as DateConstructor)(host.now()) : null),
  };
  const asyncTimers = {
    advanceTimersByTimeAsync: async (ms: unknown) => timersApi.advanceTimersByTime(ms),
    runAllTimersAsync: async () => timersApi.runAllTimers(),
    runOnlyPendingTimersAsync: async () => timersApi.runOnlyPendingTimers(),
    advanceTimersToNextTimerAsync: async () => timersApi.advanceTimersToNextTimer(),
  };

  const stubbedGlobals = new RealMap<string, PropertyDescriptor | undefined>();
  /** What `vi` and `jest` share: the spies of @vitest/spy. */
  const spies = {
    fn: spy.fn,
    spyOn: spy.spyOn,
    isMockFunction: spy.isMockFunction,
    restoreAllMocks: spy.restoreAllMocks,
    clearAllMocks: spy.clearAllMocks,
    resetAllMocks: spy.resetAllMocks,
    mocked: (v: unknown) => v,
  };
  const vi: Obj = {
    ...spies,
    hoisted: (f: Fn) => f(),
    mock: moduleMocks,
    doMock: moduleMocks,
    unmock: moduleMocks,
    doUnmock: moduleMocks,
    importActual: moduleMocks,
    importMock: moduleMocks,
    resetModules: () => vi,
    stubGlobal: (name: string, value: unknown) => {
      if (!apply(mapHas, stubbedGlobals, [name])) apply(mapSet, stubbedGlobals, [name, getOwnPropertyDescriptor(G, name)]);
      G[name] = value;
      return vi;
    },
    unstubAllGlobals: () => {
      stubbedGlobals.forEach((d, name) => (d ? defineProperty(G, name, d) : delete G[name]));
      stubbedGlobals.clear();
      return vi;
    },
    stubEnv: (name: string, value: unknown) => {
      ((G.process as Obj).env as Obj)[name] = StringOf(value);
      return vi;
    },
    unstubAllEnvs: () => vi,
    // Runner settings (timeouts, fake-timer defaults): a case in the sandbox has its CPU limit, not the runner's clock.
    setConfig: () => vi,
    resetConfig: () => vi,
    ...timersApi,
    ...asyncTimers,
  };
  const jest: Obj = {
    ...spies,
    mock: moduleMocks,
    doMock: moduleMocks,
    unmock: moduleMocks,
    requireActual: moduleMocks,
    requireMock: moduleMocks,
    resetModules: () => jest,
    setTimeout: () => jest,
    now: () => host.now(),
    ...timersApi,
    ...asyncTimers,
  };
  for (const k of ["useFakeTimers", "useRealTimers", "advanceTimersByTime", "runAllTimers", "runOnlyPendingTimers", "clearAllTimers", "setSystemTime", "advanceTimersToNextTimer"]) {
    const f = jest[k] as Fn;
    jest[k] = (...a: unknown[]) => (apply(f, undefined, a), jest);
    const g = vi[k] as Fn;
    vi[k] = (...a: unknown[]) => (apply(g, undefined, a), vi);
  }
  objectFreeze(vi);
  objectFreeze(jest);

  // ---- collection ------------------------------------------------------------------------------------
  const newSuite = (name: string, mode: Mode, parent: Suite | undefined): Suite => {
    const s = objectCreate(null) as Suite;
    s.kind = "suite";
    s.name = name;
    s.mode = mode;
    s.parent = parent;
    s.items = list();
    s.beforeAll = list();
    s.afterAll = list();
    s.beforeEach = list();
    s.afterEach = list();
    s.factory = undefined;
    return s;
  };
  let root = newSuite("", "run", undefined);
  let current = root;
  let collecting = false;

  const nameOf = (v: unknown): string => (typeof v === "string" ? v : typeof v === "function" ? (v as Fn).name || "<anonymous>" : StringOf(v));
  /** `(name, fn, timeout)`, `(name, options, fn)` or `(name, fn, options)`, as vitest, jest, mocha and node:test take them. */
  const parseArgs = (a: unknown[]): { fn: Fn | undefined; timeout: number; mode: Mode } => {
    let fn: Fn | undefined;
    let timeout = DEFAULT_TIMEOUT;
    let mode: Mode = "run";
    for (let i = 1; i < a.length; i++) {
      const x = a[i];
      if (typeof x === "function") fn = x as Fn;
      else if (typeof x === "number") timeout = x;
      else if (x !== null && typeof x === "object") {
        const o = x as Obj;
        if (typeof o.timeout === "number") timeout = o.timeout;
        if (o.skip === true || typeof o.skip === "string") mode = "skip";
        if (o.todo === true || typeof o.todo === "string") mode = "todo";
      }
    }
    return { fn, timeout, mode };
  };
  const collectOnly = (what: string) => {
    if (!collecting) throw named("Error", `${what} must be called while the test file loads (at its top level or inside a describe)`);
  };
  const addCase = (style: Style, mode: Mode, name: unknown, rest: unknown[], args?: unknown[]) => {
    collectOnly("a test");
    const p = parseArgs([name, ...rest]);
    const c = objectCreate(null) as Case;
    c.kind = "case";
    c.name = nameOf(name);
    c.fn = p.fn;
    c.args = args;
    c.timeout = p.timeout;
    c.style = style;
    c.mode = mode !== "run" ? mode : p.mode !== "run" ? p.mode : p.fn ? "run" : "todo";
    c.parent = current;
    // Who registered it: a case the code under test registers under a test's name must not stand in for it.
    c.from = host.currentFile();
    c.site = typeof host.currentSite === "function" ? host.currentSite() : undefined;
    add(current.items, c);
  };
  const addSuite = (style: Style, mode: Mode, name: unknown, rest: unknown[]) => {
    collectOnly("describe");
    const p = parseArgs([name, ...rest]);
    const s = newSuite(nameOf(name), mode !== "run" ? mode : p.mode, current);
    add(current.items, s);
    // vitest (and a file on globals, which vitest runs the same way) runs the factory later, awaited, with the
    // suite current: `describe("x", async () => { await import(...); it(...) })` collects its cases. jest,
    // mocha and node:test run it at once.
    if (style === "vitest" || style === "global") {
      s.factory = p.fn;
      return;
    }
    const outer = current;
    current = s;
    try {
      if (p.fn) apply(p.fn, undefined, []);
    } finally {
      current = outer;
    }
  };
  /** Runs the factories collection has not run yet, in vitest's order: each suite's, then those of the suites it registered. */
  const runFactories = async (s: Suite): Promise<void> => {
    for (let i = 0; i < s.items.n; i++) {
      const item = s.items.at[i] as Suite | Case;
      if (item.kind !== "suite") continue;
      const f = item.factory;
      item.factory = undefined;
      if (f) {
        const outer = current;
        current = item;
        try {
          const r = apply(f, undefined, []);
          if (isA(r, RealPromise)) await (r as Promise<unknown>);
          else if (r !== null && (typeof r === "object" || typeof r === "function") && typeof (r as Obj).then === "function") await (r as PromiseLike<unknown>);
        } finally {
          current = outer;
        }
      }
      await runFactories(item);
    }
  };
  const shared = (on: boolean) => {
    if (typeof host.shared === "function") host.shared(on);
  };
  /**
   * Loads a test file and builds its whole tree (factories awaited), once per run: a module runs once. A file
   * that failed to load fails each case asked of it after, with the same error (vitest fails the whole file).
   */
  const collectFile = async (file: string, load: () => unknown): Promise<Suite> => {
    const known = apply(mapGet, trees, [file]) as Suite | undefined;
    if (known) return known;
    if (apply(mapHas, loadErrors, [file])) throw apply(mapGet, loadErrors, [file]);
    root = newSuite("", "run", undefined);
    current = root;
    collecting = true;
    shared(true);
    try {
      load();
      await runFactories(root);
    } catch (e) {
      apply(mapSet, loadErrors, [file, e]);
      throw e;
    } finally {
      collecting = false;
      current = root;
      shared(false);
    }
    apply(mapSet, trees, [file, root]);
    return root;
  };
  const addHook = (style: Style, kind: keyof Hooks) => (fn: unknown, timeout?: unknown) => {
    collectOnly(kind);
    if (typeof fn !== "function") throw new TypeError(`${kind} needs a function`);
    const h = objectCreate(null) as Hook;
    h.fn = fn as Fn;
    h.timeout = typeof timeout === "number" ? timeout : timeout !== null && typeof timeout === "object" && typeof (timeout as Obj).timeout === "number" ? ((timeout as Obj).timeout as number) : DEFAULT_TIMEOUT;
    h.style = style;
    add(current[kind], h);
  };

  /**
   * A title of `.each`/`.for` exactly as vitest's runner formats it (@vitest/runner `formatTitle`): `%#`/`%$`
   * first, one `%x` placeholder per item through vitest's own `format`, `-` before a `%f` of -0 or -NaN,
   * `$a.b` (and `$0`) through its `objDisplay`, the same functions vitest calls.
   */
  const formatTitle = (template: string, items: unknown[], index: number): string => {
    let t = template;
    if (indexOf(t, "%#") >= 0 || indexOf(t, "%$") >= 0) {
      t = apply(stringReplace, t, [/%%/g, "__vitest_escaped_%__"]) as string;
      t = apply(stringReplace, t, [/%#/g, StringOf(index)]) as string;
      t = apply(stringReplace, t, [/%\$/g, StringOf(index + 1)]) as string;
      t = apply(stringReplace, t, [/__vitest_escaped_%__/g, "%%"]) as string;
    }
    let count = 0;
    for (let k = 0; k < t.length; k++) if (t[k] === "%") count++;
    let floats = 0;
    for (let k = indexOf(t, "%f"); k >= 0; k = apply(stringIndexOf, t, ["%f", k + 2]) as number) floats++;
    for (let i = 0; i < floats; i++) {
      const v = items[i];
      if (!(typeof v === "number" && (isNegativeNaN(v) || same(v, -0)))) continue;
      let seen = 0;
      t = apply(stringReplace, t, [/%f/g, (m: string) => (++seen === i + 1 ? "-%f" : m)]) as string;
    }
    const objectItem = items[0] !== null && typeof items[0] === "object" && !isArray(items[0]);
    const attr = (s: string) =>
      apply(stringReplace, s, [
        /\$([$\w.]+)/g,
        (_m: string, key: string) => {
          const arrayKey = apply(regexExec, /^\d+$/, [key]) !== null;
          if (!objectItem && !arrayKey) return `$${key}`;
          const element = arrayKey ? objectAttr(items, key, undefined) : undefined;
          return display.objDisplay(objectItem ? objectAttr(items[0], key, element) : element);
        },
      ]) as string;
    const re = /%[sdjifoOc%]/g;
    let out = "";
    let used = 0;
    let last = 0;
    for (;;) {
      const m = apply(regexExec, re, [t]) as RegExpExecArray | null;
      if (!m) break;
      if (last < m.index) out += attr(slice(t, last, m.index));
      out += used < count ? display.format(m[0], items[used++]) : m[0];
      last = m.index + m[0].length;
    }
    return last < t.length ? out + attr(slice(t, last)) : out;
  };
  /** vitest's `objectAttr`: `a.b` and `a[0]` read through the value's own properties and its prototypes'. */
  const objectAttr = (source: unknown, path: string, fallback: unknown): unknown => {
    const parts = (apply(stringReplace, path, [/\[(\d+)\]/g, ".$1"]) as string).split(".");
    let v: unknown = source;
    for (let i = 0; i < parts.length; i++) {
      v = (ObjectOf(v) as Obj)[parts[i] as string];
      if (v === undefined) return fallback;
    }
    return v;
  };
  const isNegativeNaN = (v: number): boolean => {
    if (v === v) return false;
    const f = new Float64Array(1);
    f[0] = v;
    return (new Uint32Array(f.buffer)[1] as number) >>> 31 === 1;
  };
  /** `.each(table)`'s cases as vitest reads them: a tagged template (`a | b` and its values) is one object per row. */
  const eachCases = (table: unknown, values: unknown[]): unknown[] => {
    if (isArray(table) && values.length) {
      const header = ((apply(stringReplace, (table as string[]).join("").trim(), [/ /g, ""]) as string).split("\n")[0] as string).split("|");
      const rows: unknown[] = [];
      for (let i = 0; i < Math.floor(values.length / header.length); i++) {
        const o: Obj = {};
        for (let k = 0; k < header.length; k++) o[header[k] as string] = values[i * header.length + k];
        rows[rows.length] = o;
      }
      return rows;
    }
    if (!isArray(table)) throw new TypeError(".each needs an array of cases");
    return table;
  };
  /** Each case's items, the values its title's placeholders take (and `.each` spreads into the case's arguments). */
  const eachRows = (table: unknown, values: unknown[]): unknown[][] => {
    const cases = eachCases(table, values);
    const rows: unknown[][] = [];
    for (let i = 0; i < cases.length; i++) rows[rows.length] = isArray(cases[i]) ? (cases[i] as unknown[]) : [cases[i]];
    return rows;
  };
  /** Whether `.each` hands each case over whole: unless every case is an array, vitest does not spread them. */
  const eachWhole = (table: unknown, values: unknown[]): boolean => {
    const cases = eachCases(table, values);
    for (let i = 0; i < cases.length; i++) if (!isArray(cases[i])) return true;
    return false;
  };
  /** The value `.for` hands a case: the case itself (a template row is its object). */
  const forItem = (table: unknown, values: unknown[], _row: unknown[], i: number): unknown => eachCases(table, values)[i];
  /** `.for`'s title items: vitest's `toArray` (nothing for null and undefined). */
  const forRow = (item: unknown): unknown[] => (item === null || item === undefined ? [] : isArray(item) ? item : [item]);

  /** `it`/`test` of one style, with its modifiers. */
  const makeTest = (style: Style): Fn & Obj => {
    const variant = (mode: Mode): Fn & Obj => {
      const t = ((name: unknown, ...rest: unknown[]) => addCase(style, mode, name, rest)) as Fn & Obj;
      t.each = (table: unknown, ...values: unknown[]) => (name: unknown, ...rest: unknown[]) => {
        const rows = eachRows(table, values);
        const whole = eachWhole(table, values);
        const p = parseArgs([name, ...rest]);
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i] as unknown[];
          const args = whole ? [eachCases(table, values)[i]] : row;
          const fn = p.fn;
          addCase(style, mode, formatTitle(nameOf(name), row, i), [fn ? (...extra: unknown[]) => apply(fn, undefined, [...args, ...extra]) : undefined, p.timeout], args);
        }
      };
      t.for = (table: unknown, ...values: unknown[]) => (name: unknown, ...rest: unknown[]) => {
        const cases = eachCases(table, values);
        const p = parseArgs([name, ...rest]);
        for (let i = 0; i < cases.length; i++) {
          const item = cases[i];
          const fn = p.fn;
          addCase(style, mode, formatTitle(nameOf(name), forRow(item), i), [fn ? (ctx: unknown) => apply(fn, undefined, [item, ctx]) : undefined, p.timeout], forRow(item));
        }
      };
      return t;
    };
    const t = variant("run");
    t.skip = variant("skip");
    t.todo = (name: unknown) => addCase(style, "todo", name, []);
    // `.only` runs the asked case all the same; `.concurrent` runs it alone, as every case here.
    t.only = variant("run");
    t.concurrent = variant("run");
    t.sequential = variant("run");
    t.fails = (name: unknown, ...rest: unknown[]) => {
      const p = parseArgs([name, ...rest]);
      const fn = p.fn;
      addCase(style, "run", name, [
        fn
          ? async () => {
              const before = rec.failure;
              let threw = false;
              try {
                await apply(fn, undefined, []);
              } catch {
                threw = true;
              }
              const failedInside = threw || rec.failure !== before;
              rec.failure = before;
              if (!failedInside) throw named("AssertionError", "expected the test to fail (test.fails), but it passed");
            }
          : undefined,
        p.timeout,
      ]);
    };
    t.skipIf = (cond: unknown) => (cond ? t.skip : t);
    t.runIf = (cond: unknown) => (cond ? t : t.skip);
    (t.only as Obj).each = t.each;
    (t.concurrent as Obj).each = t.each;
    return t;
  };
  const makeDescribe = (style: Style): Fn & Obj => {
    const variant = (mode: Mode): Fn & Obj => {
      const d = ((name: unknown, ...rest: unknown[]) => addSuite(style, mode, name, rest)) as Fn & Obj;
      d.each = (table: unknown, ...values: unknown[]) => (name: unknown, ...rest: unknown[]) => {
        const rows = eachRows(table, values);
        const whole = eachWhole(table, values);
        const p = parseArgs([name, ...rest]);
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i] as unknown[];
          const fn = p.fn;
          const args = whole ? [(table as unknown[])[i]] : row;
          addSuite(style, mode, formatTitle(nameOf(name), row, i), [fn ? () => apply(fn, undefined, args) : undefined]);
        }
      };
      d.for = (table: unknown, ...values: unknown[]) => (name: unknown, ...rest: unknown[]) => {
        const rows = eachRows(table, values);
        const p = parseArgs([name, ...rest]);
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i] as unknown[];
          const item = forItem(table, values, row, i);
          const fn = p.fn;
          addSuite(style, mode, formatTitle(nameOf(name), forRow(item), i), [fn ? () => apply(fn, undefined, [item]) : undefined]);
        }
      };
      return d;
    };
    const d = variant("run");
    d.skip = variant("skip");
    d.todo = (name: unknown) => addSuite(style, "todo", name, []);
    d.only = variant("run");
    d.concurrent = variant("run");
    d.sequential = variant("run");
    d.shuffle = variant("run");
    d.skipIf = (cond: unknown) => (cond ? d.skip : d);
    d.runIf = (cond: unknown) => (cond ? d : d.skip);
    return d;
  };
  const deepFreeze = (o: Obj) => {
    const keys = ownKeys(o);
    for (let i = 0; i < keys.length; i++) {
      const v = o[keys[i] as string];
      if (typeof v === "function" || (v !== null && typeof v === "object")) {
        if (v !== expect && v !== vi && v !== jest && v !== chai.assert) deepFreeze(v as Obj);
      }
    }
    objectFreeze(o);
  };

  /** One set of the API per style: the functions a test file of that runner imports. */
  const apiFor = (style: Style): Obj => {
    const it = makeTest(style);
    const describe = makeDescribe(style);
    const hooks = {
      beforeAll: addHook(style, "beforeAll"),
      afterAll: addHook(style, "afterAll"),
      beforeEach: addHook(style, "beforeEach"),
      afterEach: addHook(style, "afterEach"),
    };
    const o: Obj = { describe, it, test: it, suite: describe, context: describe, specify: it, xit: it.skip, xtest: it.skip, xdescribe: describe.skip, fit: it.only, fdescribe: describe.only, ...hooks, before: hooks.beforeAll, after: hooks.afterAll, expect };
    deepFreeze(o as Obj);
    return o;
  };
  const styles = objectCreate(null) as Record<Style, Obj>;
  for (const s of ["vitest", "jest", "mocha", "node", "global"] as Style[]) styles[s] = apiFor(s);
  const onTestFinished = (fn: unknown) => {
    if (typeof fn === "function") finishers[finishers.length] = fn as Fn;
  };
  let finishers: Fn[] = [];
  const moduleObject = (o: Obj): Obj => {
    const m = objectCreate(null) as Obj;
    const keys = objectKeys(o);
    for (let i = 0; i < keys.length; i++) m[keys[i] as string] = o[keys[i] as string];
    return objectFreeze(m);
  };
  const vitestModule = moduleObject({ ...styles.vitest, vi, vitest: vi, chai, assert: chai.assert, onTestFinished, onTestFailed: () => undefined });
  const jestModule = moduleObject({ ...styles.jest, jest });
  const mochaModule = moduleObject({ ...styles.mocha });
  const nodeApi = styles.node;
  const nodeTest = ((name: unknown, ...rest: unknown[]) => apply(nodeApi.test as Fn, undefined, [name, ...rest])) as Fn & Obj;
  for (const k of objectKeys(nodeApi)) nodeTest[k] = nodeApi[k];
  nodeTest.mock = objectFreeze({
    fn: () => {
      throw named("Error", "node:test mocks are not supported in the sandbox yet: use a hand-written test double");
    },
  });
  nodeTest.default = nodeTest;
  nodeTest.only = (nodeApi.test as Obj).only;
  nodeTest.skip = (nodeApi.test as Obj).skip;
  nodeTest.todo = (nodeApi.test as Obj).todo;
  objectFreeze(nodeTest);
  const MODULES = objectCreate(null) as Record<string, unknown>;
  MODULES.vitest = vitestModule;
  MODULES["@jest/globals"] = jestModule;
  MODULES.mocha = mochaModule;
  MODULES.test = nodeTest;

  // ---- the intrinsics the matchers use: a snapshot, compared at every matcher call and at the end -------
  const watched: Array<[string, object]> = [];
  const watch = (label: string, o: unknown) => {
    if (o !== null && (typeof o === "object" || typeof o === "function")) watched[watched.length] = [label, o as object];
  };
  const iteratorProto = getPrototypeOf(getPrototypeOf([][Symbol.iterator]()) as object);
  for (const [label, o] of [
    ["Object", Object],
    ["Object.prototype", Object.prototype],
    ["Function.prototype", Function.prototype],
    ["Array", Array],
    ["Array.prototype", Array.prototype],
    ["Array iterator", getPrototypeOf([][Symbol.iterator]())],
    ["Iterator.prototype", iteratorProto],
    ["String", String],
    ["String.prototype", String.prototype],
    ["String iterator", getPrototypeOf(""[Symbol.iterator]())],
    ["Number", Number],
    ["Number.prototype", Number.prototype],
    ["Boolean.prototype", Boolean.prototype],
    ["BigInt.prototype", BigInt.prototype],
    ["Symbol", Symbol],
    ["Symbol.prototype", Symbol.prototype],
    ["Math", Math],
    ["JSON", JSON],
    ["Reflect", Reflect],
    ["Map", Map],
    ["Map.prototype", Map.prototype],
    ["Map iterator", getPrototypeOf(new Map().entries())],
    ["Set", Set],
    ["Set.prototype", Set.prototype],
    ["Set iterator", getPrototypeOf(new Set().values())],
    ["WeakMap.prototype", WeakMap.prototype],
    ["WeakSet.prototype", WeakSet.prototype],
    ["Promise", Promise],
    ["Promise.prototype", Promise.prototype],
    ["Error", Error],
    ["Error.prototype", Error.prototype],
    ["TypeError.prototype", TypeError.prototype],
    ["RangeError.prototype", RangeError.prototype],
    ["RegExp", RegExp],
    ["RegExp.prototype", RegExp.prototype],
    ["Date.prototype", Date.prototype],
    ["ArrayBuffer", ArrayBuffer],
    ["ArrayBuffer.prototype", ArrayBuffer.prototype],
    ["DataView.prototype", DataView.prototype],
    ["TypedArray", getPrototypeOf(Uint8Array)],
    ["TypedArray.prototype", getPrototypeOf(Uint8Array.prototype)],
  ] as Array<[string, object]>)
    watch(label, o);
  // The global names the library reads them through (`globalThis.Object = Fake` replaces them all at once).
  // Also the host classes the equality code asks about when they exist (`a instanceof URL`, `Node`, ...): one
  // defined by the code would decide how two values compare.
  const GLOBAL_NAMES = ["Object", "Function", "Array", "String", "Number", "Boolean", "Symbol", "Math", "JSON", "Reflect", "Map", "Set", "WeakMap", "WeakSet", "Promise", "Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "AggregateError", "RegExp", "ArrayBuffer", "SharedArrayBuffer", "DataView", "Uint8Array", "Int8Array", "Uint16Array", "Int16Array", "Uint32Array", "Int32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array", "Uint8ClampedArray", "Proxy", "BigInt", "Date", "EventTarget", "Event", "URL", "URLSearchParams", "Node", "Element", "HTMLElement", "DOMTokenList", "Document", "Window", "Iterator", "Intl", "WeakRef", "Temporal"];
  /** Properties the sandbox itself sets per run (seeded randomness), not read by the matchers. */
  const IGNORED = new RealMap<object, string>([[Math, "random"]]);
  interface Shot {
    proto: object | null;
    keys: Map<string | symbol, [unknown, unknown, unknown]>;
    count: number;
  }
  const shots: Shot[] = [];
  const keyText = (k: string | symbol) => (typeof k === "symbol" ? `[Symbol(${StringOf(apply(symbolDescription, k, []))})]` : `.${k}`);
  const isPlainUndefined = (d: PropertyDescriptor | undefined) => d !== undefined && d.get === undefined && d.set === undefined && d.value === undefined;
  const describeProp = (d: PropertyDescriptor | undefined): [unknown, unknown, unknown] => (d ? [d.value, d.get, d.set] : [undefined, undefined, undefined]);
  const globalShot = new RealMap<string, unknown>();
  /** A global that did not exist at the snapshot: defining one later is as telling as replacing one. */
  const ABSENT = objectFreeze(objectCreate(null) as object);
  const takeSnapshot = () => {
    for (let i = 0; i < watched.length; i++) {
      const o = (watched[i] as [string, object])[1];
      const s = objectCreate(null) as Shot;
      s.proto = getPrototypeOf(o);
      s.keys = new RealMap();
      const keys = ownKeys(o);
      s.count = keys.length;
      for (let k = 0; k < keys.length; k++) apply(mapSet, s.keys, [keys[k], describeProp(getOwnPropertyDescriptor(o, keys[k] as string | symbol))]);
      shots[i] = s;
    }
    for (let i = 0; i < GLOBAL_NAMES.length; i++) {
      const n = GLOBAL_NAMES[i] as string;
      const d = getOwnPropertyDescriptor(G, n);
      apply(mapSet, globalShot, [n, d ? describeProp(d) : ABSENT]);
    }
  };
  /** The first intrinsic the code changed since the snapshot, named for the message; undefined when none. */
  const changed = (): string | undefined => {
    for (let i = 0; i < GLOBAL_NAMES.length; i++) {
      const n = GLOBAL_NAMES[i] as string;
      const d = getOwnPropertyDescriptor(G, n);
      const shot = apply(mapGet, globalShot, [n]) as unknown;
      if (shot === ABSENT) {
        if (d !== undefined) return `the code defined the global ${n}, which the matchers ask about`;
        continue;
      }
      const was = shot as [unknown, unknown, unknown];
      const now = describeProp(d);
      if (!d || !same(was[0], now[0]) || was[1] !== now[1] || was[2] !== now[2]) return `the code replaced the global ${n}, which the matchers use`;
    }
    for (let i = 0; i < watched.length; i++) {
      const [label, o] = watched[i] as [string, object];
      const s = shots[i] as Shot;
      if (getPrototypeOf(o) !== s.proto) return `the code replaced the prototype of ${label}, which the matchers use`;
      const ignored = apply(mapGet, IGNORED, [o]) as string | undefined;
      const keys = ownKeys(o);
      let extra = 0;
      for (let k = 0; k < keys.length; k++) {
        const key = keys[k] as string | symbol;
        if (key === ignored) continue;
        const was = apply(mapGet, s.keys, [key]) as [unknown, unknown, unknown] | undefined;
        const now = describeProp(getOwnPropertyDescriptor(o, key));
        // `Error.prepareStackTrace = saved` in a finally (quibble, under testdouble) leaves an own undefined where
        // there was none: V8 and the matchers read undefined either way, so it is no change.
        if (!was && label === "Error" && key === "prepareStackTrace" && isPlainUndefined(getOwnPropertyDescriptor(o, key))) {
          extra++;
          continue;
        }
        if (!was) return `the code added ${label}${keyText(key)}, which the matchers read`;
        if (!same(was[0], now[0]) || was[1] !== now[1] || was[2] !== now[2]) return `the code replaced ${label}${keyText(key)}, which the matchers use`;
      }
      if (keys.length - extra !== s.count) return `the code deleted a property of ${label}, which the matchers use`;
    }
    const testers = jestState?.customEqualityTesters;
    if (isArray(testers) && testers.length !== 0) return "the code added a custom equality tester, which the matchers use";
    return undefined;
  };
  let checking = false;
  const check = () => {
    if (checking || rec.tamper) return;
    checking = true;
    try {
      rec.tamper = changed();
    } catch (e) {
      rec.tamper = `the intrinsics the matchers use could not be read (${describeError(e).message})`;
    } finally {
      checking = false;
    }
  };
  takeSnapshot();

  // ---- running one case --------------------------------------------------------------------------------
  const SKIP = objectFreeze(objectCreate(null) as object);
  let deadline: { id: unknown; due: number; fire: Fn } | undefined;

  /** Calls one function of the case (a hook or the case) the way its runner would, bounded by its time-out in virtual time. */
  const invoke = (fn: Fn, style: Style, timeout: number, name: string, each: boolean): Promise<void> =>
    new RealPromise<void>((resolve, reject) => {
      let over = false;
      const end = (e?: unknown) => {
        if (over) return;
        over = true;
        if (deadline) host.timers.clearTimeout(deadline.id);
        deadline = undefined;
        if (e === undefined) resolve();
        else reject(e);
      };
      const d = objectCreate(null) as { id: unknown; due: number; fire: Fn };
      d.due = host.now() + timeout;
      d.fire = () => end(named("Error", `Test timed out in ${timeout}ms: ${name} did not finish (a promise that never settles, or a done callback never called)`));
      d.id = host.timers.setTimeout(d.fire, timeout);
      deadline = d;
      const done = ((err?: unknown) => end(err === undefined || err === null ? undefined : err)) as Fn & Obj;
      done.fail = (err?: unknown) => end(err ?? named("Error", "done.fail was called"));
      const skip = () => {
        throw SKIP;
      };
      const task = objectFreeze({ name, type: "test" });
      const ctx = { expect, task, skip, onTestFinished, signal: undefined, name, diagnostic: () => undefined, todo: skip, plan: () => undefined, mock: nodeTest.mock };
      const self = { timeout: () => self, slow: () => self, retries: () => self, skip, test: task, currentTest: task };
      let args: unknown[];
      let wantsDone = false;
      if (each) args = [];
      else if (style === "vitest") args = [ctx];
      else if (style === "node") {
        args = [ctx, done];
        wantsDone = fn.length >= 2;
      } else {
        // jest and mocha pass `done` to a function that takes an argument; it also carries a vitest context.
        const keys = objectKeys(ctx);
        for (let i = 0; i < keys.length; i++) if (!hasOwn(done, keys[i] as string)) done[keys[i] as string] = (ctx as Obj)[keys[i] as string];
        args = [done];
        wantsDone = fn.length >= 1;
      }
      let r: unknown;
      try {
        r = apply(fn, style === "mocha" || style === "global" ? self : undefined, args);
      } catch (e) {
        // `throw undefined` is a failure for every runner, never the absence of one.
        end(e === undefined ? named("Error", `${name} threw undefined`) : e);
        return;
      }
      if (isA(r, RealPromise)) apply(promiseThen, r, [() => end(), (e: unknown) => end(e === undefined ? named("Error", "the test rejected with undefined") : e)]);
      else if (r !== null && (typeof r === "object" || typeof r === "function") && typeof (r as Obj).then === "function") {
        try {
          (r as PromiseLike<unknown>).then(
            () => end(),
            (e: unknown) => end(e === undefined ? named("Error", "the test rejected with undefined") : e),
          );
        } catch (e) {
          end(e);
        }
      } else if (!wantsDone) end();
    });

  /** Runs `f` and records its failure; resolves whatever happens, to whether it succeeded. */
  const attempt = (f: () => Promise<void>): Promise<boolean> =>
    new RealPromise<boolean>((resolve) => {
      let p: Promise<void>;
      try {
        p = f();
      } catch (e) {
        if (e === SKIP) rec.skipped = true;
        else fail(e);
        resolve(false);
        return;
      }
      apply(promiseThen, p, [
        () => resolve(true),
        (e: unknown) => {
          if (e === SKIP) rec.skipped = true;
          else fail(e);
          resolve(false);
        },
      ]);
    });
  const sequence = async (hooks: Array<Hook>, name: string): Promise<boolean> => {
    for (let i = 0; i < hooks.length; i++) {
      const h = hooks[i] as Hook;
      if (!(await attempt(() => invoke(h.fn, h.style, h.timeout, name, false)))) return false;
    }
    return true;
  };
  const hooksOf = (s: Suite, kind: keyof Hooks): Hook[] => {
    const out: Hook[] = [];
    for (let i = 0; i < s[kind].n; i++) out[out.length] = s[kind].at[i] as Hook;
    return out;
  };

  const find = (ref: TestRef): Case | undefined => {
    const matches: Case[] = [];
    const walk = (s: Suite, path: string[]): void => {
      for (let i = 0; i < s.items.n; i++) {
        const item = s.items.at[i] as Suite | Case;
        const p = [...path, item.name];
        if (item.kind === "suite") walk(item, p);
        else if (p.length === ref.titles.length) {
          let same = true;
          for (let k = 0; k < p.length; k++) if (p[k] !== ref.titles[k]) same = false;
          if (same) matches[matches.length] = item;
        }
      }
    };
    walk(root, []);
    // Cases with this name registered both by the test file and by another module: which one the test file
    // means cannot be told, so none runs (a module under test could otherwise stand a passing case in for it).
    let own = false;
    let other: string | undefined;
    for (let i = 0; i < matches.length; i++) {
      const from = (matches[i] as Case).from;
      if (from === ref.file) own = true;
      else other ??= from ?? "code outside the repo's modules";
    }
    if (own && other !== undefined) throw named("Error", `the case "${ref.titles.join(" > ")}" is registered by ${ref.file} and also by ${other}: it cannot be told which one the test means`);
    return matches[ref.nth - 1];
  };

  const outcome = (): unknown => {
    const o = objectCreate(null) as Obj;
    let error: { name: string; message: string } | undefined;
    let status: "pass" | "fail" | "skip" = "pass";
    if (rec.tamper) error = named2("SandboxTamper", rec.tamper);
    else if (rec.failure) error = rec.failure;
    else if (rec.skipped) status = "skip";
    else if (rec.expected !== undefined && rec.assertions !== rec.expected) error = named2("AssertionError", `expected number of assertions to be ${rec.expected}, but got ${rec.assertions}`);
    else if (rec.hasAssertions && rec.assertions === 0) error = named2("AssertionError", "expected any number of assertion, but got none");
    if (error) status = "fail";
    o.status = status;
    if (error) {
      const e = objectCreate(null) as Obj;
      e.name = error.name;
      e.message = error.message;
      o.error = e;
    }
    o.assertions = rec.assertions;
    return o;
  };
  const named2 = (name: string, message: string) => {
    const e = objectCreate(null) as { name: string; message: string };
    e.name = name;
    e.message = message;
    return e;
  };
  /** The outcomes this API built, and the record each was decided from. */
  const built = new WeakMap<object, Record_>();

  const trees = new RealMap<string, Suite>();
  /** Files whose loading threw (the error), and failures recorded while a file loaded (each of its cases fails with it). */
  const loadErrors = new RealMap<string, unknown>();
  const loadFailures = new RealMap<string, Record_["failure"]>();
  /** Suites whose beforeAll ran in this isolate, with the failure it recorded, if any. */
  const opened = new RealMap<Suite, { failure: Record_["failure"]; skipped: boolean }>();
  /** Runs a suite's beforeAll hooks the first time one of its cases runs; later cases of a suite whose hook failed fail with it. */
  const openSuite = async (s: Suite): Promise<boolean> => {
    const known = apply(mapGet, opened, [s]) as { failure: Record_["failure"]; skipped: boolean } | undefined;
    if (known) {
      if (known.failure) rec.failure ??= known.failure;
      if (known.skipped) rec.skipped = true;
      return !known.failure && !known.skipped;
    }
    const before = rec.failure;
    shared(true);
    let ok: boolean;
    try {
      ok = await sequence(hooksOf(s, "beforeAll"), "beforeAll");
    } finally {
      shared(false);
    }
    apply(mapSet, opened, [s, { failure: rec.failure !== before ? rec.failure : undefined, skipped: !ok && rec.failure === before && rec.skipped }]);
    return ok;
  };
  const closeSuite = async (s: Suite): Promise<void> => {
    apply(mapDelete, opened, [s]);
    const hs = hooksOf(s, "afterAll");
    shared(true);
    try {
      for (let k = 0; k < hs.length; k++) await attempt(() => invoke((hs[k] as Hook).fn, (hs[k] as Hook).style, (hs[k] as Hook).timeout, "afterAll", false));
    } finally {
      shared(false);
    }
  };
  /** The suites of `file` that hold one of the later cases of this run (each case found as `find` finds it, so suites of equal names are told apart). */
  const suitesOf = (file: string, later: readonly TestRef[]): Set<Suite> => {
    const out = new RealSet<Suite>();
    for (let i = 0; i < later.length; i++) {
      const r = later[i] as TestRef;
      if (r.file !== file) continue;
      let c: Case | undefined;
      try {
        c = find(r);
      } catch {
        c = undefined; // a case that cannot be told apart runs nothing: it keeps no suite open
      }
      for (let s = c?.parent; s; s = s.parent) apply(setAdd, out, [s]);
    }
    return out;
  };
  const installGlobals = () => {
    const g = styles.global;
    const names: Record<string, unknown> = { ...g, vi, jest };
    for (const n of objectKeys(names)) {
      const d = getOwnPropertyDescriptor(G, n);
      if (d && !d.configurable) {
        if (d.value !== names[n]) rec.tamper = `the code defined the global ${n} before the test API`;
        continue;
      }
      defineProperty(G, n, { value: names[n], writable: false, enumerable: false, configurable: false });
    }
  };

  const api: TestApi = {
    module: (name) => (hasOwn(MODULES, name) ? MODULES[name] : undefined),
    async run(ref, load, later = []) {
      if (ref.titles.length === 0) return api.collect(ref.file, load);
      rec = fresh();
      finishers = [];
      check();
      installGlobals();
      // A file is collected once per run, when it first loads (a module runs once); a later step that runs
      // another of its cases reuses that tree. A failure recorded while it loaded fails each of its cases.
      const first = !apply(mapHas, trees, [ref.file]);
      root = await collectFile(ref.file, load);
      if (first && rec.failure) apply(mapSet, loadFailures, [ref.file, rec.failure]);
      else if (!rec.failure && apply(mapHas, loadFailures, [ref.file])) rec.failure = apply(mapGet, loadFailures, [ref.file]) as Record_["failure"];
      const found = find(ref);
      if (!found) throw named("Error", `no test case "${ref.titles.join(" > ")}" in ${ref.file}`);
      // The record starts afresh for the case: what the file did while it loaded is checked again below.
      const loadFailure = rec.failure;
      const mine = rec;
      const chain: Suite[] = [];
      for (let s: Suite | undefined = found.parent; s; s = s.parent) chain[chain.length] = s;
      let skipped = found.mode !== "run" || !found.fn;
      for (let i = 0; i < chain.length; i++) if ((chain[i] as Suite).mode !== "run") skipped = true;
      if (loadFailure) skipped = false;
      if (skipped) mine.skipped = true;
      else if (!loadFailure) {
        // beforeAll outermost first, once per suite; then beforeEach outermost first; after hooks innermost first.
        const outer: Suite[] = [];
        for (let i = chain.length - 1; i >= 0; i--) outer[outer.length] = chain[i] as Suite;
        let ok = true;
        for (let i = 0; i < outer.length && ok; i++) ok = await openSuite(outer[i] as Suite);
        let ranEach = 0;
        if (ok) for (; ranEach < outer.length && ok; ranEach++) ok = await sequence(hooksOf(outer[ranEach] as Suite, "beforeEach"), "beforeEach");
        if (ok && !mine.skipped) {
          const fn = found.fn as Fn;
          await attempt(() => invoke(fn, found.style, found.timeout, found.name, found.args !== undefined));
        }
        for (let i = ranEach - 1; i >= 0; i--) {
          const hs = hooksOf(outer[i] as Suite, "afterEach");
          for (let k = 0; k < hs.length; k++) await attempt(() => invoke((hs[k] as Hook).fn, (hs[k] as Hook).style, (hs[k] as Hook).timeout, "afterEach", false));
        }
        for (let i = 0; i < finishers.length; i++) await attempt(() => invoke(finishers[i] as Fn, "vitest", DEFAULT_TIMEOUT, "onTestFinished", false));
      }
      // A suite's afterAll runs once no later case of this run lies in it (whatever this case did: a skipped
      // case can be a suite's last). Fake timers stay until the file's last case, as the file's runner keeps them.
      const open = suitesOf(ref.file, later);
      for (let i = 0; i < chain.length; i++) {
        const s = chain[i] as Suite;
        if (apply(mapHas, opened, [s]) && !apply(setHas, open, [s])) await closeSuite(s);
      }
      if (!apply(setHas, open, [root])) useReal();
      check();
      const o = outcome();
      built.set(o as object, mine);
      return o;
    },
    async collect(file, load) {
      rec = fresh();
      check();
      installGlobals();
      const tree = await collectFile(file, load);
      // Cases in collection order, numbered among those with the same titles as `find` counts them.
      let text = "[";
      const seen = new RealMap<string, number>();
      const walk = (s: Suite, path: string[], mode: Mode): void => {
        for (let i = 0; i < s.items.n; i++) {
          const item = s.items.at[i] as Suite | Case;
          const p = [...path, item.name];
          const m = mode !== "run" ? mode : item.mode;
          if (item.kind === "suite") {
            walk(item, p, m);
            continue;
          }
          const key = jsonStringify(p) as string;
          const nth = ((apply(mapGet, seen, [key]) as number | undefined) ?? 0) + 1;
          apply(mapSet, seen, [key, nth]);
          text += `${text.length > 1 ? "," : ""}{"titles":${key},"nth":${nth},"mode":"${m === "run" && !item.fn ? "todo" : m}"${item.from !== undefined ? `,"from":${jsonStringify(item.from) as string}` : ""}${typeof item.site === "number" && item.site >= 0 ? `,"site":${item.site}` : ""}}`;
        }
      };
      walk(tree, [], "run");
      host.port(`${COLLECTED_PREFIX}${text}]`);
      return outcome();
    },
    seal(o) {
      const r = o !== null && typeof o === "object" ? built.get(o) : undefined;
      if (!r) return;
      const was = rec;
      rec = r;
      check();
      const again = outcome() as Obj;
      rec = was;
      const out = o as Obj;
      out.status = again.status;
      if (again.error) out.error = again.error;
      out.assertions = again.assertions;
    },
    watch: check,
  };
  return objectFreeze(api);
}
