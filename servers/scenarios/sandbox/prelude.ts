import type { ExpectationResult, PreludeConfig, PreludeReport, RawEffect, RawEvent, RawStep, Snap, StepSpec, StubSpec, TestRef } from "./protocol.js";
import type { ServicesHost, ServicesWorld } from "./services-world.js";
import type { TestApi, TestHost } from "./test-api.js";
import type { WebGlobalName, WebGlobals } from "./web-world.js";

/**
 * The world inside the isolate. This file is transpiled on its own and evaluated in every fresh isolate
 * before any simulated code: it must not import anything at run time and reaches the host only through the
 * `load` function it is given (module sources as strings). It installs the virtual clock, timers, seeded
 * randomness, a minimal `process`, recording stand-ins for boundaries, the CommonJS loader, the trace
 * recorder the instrumented code calls, and the step runner the child drives.
 */

type Fn = (...args: unknown[]) => unknown;
type Obj = Record<string | symbol, unknown>;
interface Module {
  id: string;
  exports: unknown;
  loaded: boolean;
}
interface Loaded {
  kind: "code" | "json" | "loaded" | "missing" | "error";
  id?: string;
  filename?: string;
  code?: string;
  text?: string;
  siteBase?: number;
  siteCount?: number;
  message?: string;
}

export interface PreludeApi {
  begin(i: number): void;
  pump(): "done" | "pending" | "stuck";
  finish(i: number): void;
  expectData(i: number): string;
  settle(): boolean;
  tick(): boolean;
  report(): string;
  fatal(): string;
  /** Batch mode: clears what the last case recorded (trace, effects, logs, its own hits) before the next case. */
  reset(): void;
  /** Whether a case's outcome recorded a tamper: in a batch, the cases after it run in a fresh isolate. */
  spoiled(): boolean;
}

/** The `from` of modules the sandbox itself needs (the pure ports of Node's built-ins and what they use). */
const PORTS = "\u0000worldline:"; // as the loader's PORT_PREFIX: no repo path starts with NUL

/** Stops the run: the child turns this into an `error` verdict with the reason. */
class SandboxViolation extends Error {}

export function install(G: Obj, load: (spec: string, from: string) => string, configJson: string, makeTestApi?: (host: TestHost) => TestApi, makeServices?: (host: ServicesHost) => ServicesWorld): PreludeApi {
  // ---- intrinsics, captured before any simulated code runs -----------------------------------------
  // The simulated code shares this realm and may rewrite any prototype (`Object.prototype.toJSON`,
  // `Array.prototype.push`, `JSON.stringify`, setters on `Array.prototype[0]`). What the host receives is
  // built only with the functions captured here, called through the captured `Reflect.apply`, kept in
  // objects without a prototype, and written out as JSON text by hand: no prototype lookup reaches the record.
  const RealDate = Date;
  const RealPromise = Promise;
  const RealError = Error;
  const RealRangeError = RangeError;
  const RealProxy = Proxy;
  const ObjectPrototype = Object.prototype;
  const ErrorPrototype = Error.prototype;
  const freeze = Object.freeze;
  const apply = Reflect.apply;
  const construct = Reflect.construct;
  const defineProperty = Reflect.defineProperty;
  const getPrototypeOf = Reflect.getPrototypeOf;
  const getOwnPropertyDescriptor = Reflect.getOwnPropertyDescriptor;
  const ownKeys = Reflect.ownKeys;
  const hasOwn = Object.hasOwn;
  const objectKeys = Object.keys;
  const objectCreate = Object.create;
  const objectIs = Object.is;
  const isFinite = Number.isFinite;
  const isArray = Array.isArray;
  const jsonParse = JSON.parse;
  const jsonStringify = JSON.stringify;
  const indirectEval = eval;
  const mathFloor = Math.floor;
  const mathImul = Math.imul;
  const stringSlice = String.prototype.slice;
  const stringIndexOf = String.prototype.indexOf;
  const stringLastIndexOf = String.prototype.lastIndexOf;
  const hasInstance = Function.prototype[Symbol.hasInstance];
  const weakGet = WeakMap.prototype.get;
  const weakSet = WeakMap.prototype.set;
  const weakHas = WeakMap.prototype.has;
  const dateGetTime = RealDate.prototype.getTime;
  const dateIso = RealDate.prototype.toISOString;
  const promiseThen = RealPromise.prototype.then;
  const promiseResolve = RealPromise.resolve.bind(RealPromise);
  const promiseReject = RealPromise.reject.bind(RealPromise);
  const mapSize = getOwnPropertyDescriptor(Map.prototype, "size")?.get as (this: Map<unknown, unknown>) => number;
  const setSize = getOwnPropertyDescriptor(Set.prototype, "size")?.get as (this: Set<unknown>) => number;
  const mapEntries = Map.prototype.entries;
  const setValues = Set.prototype.values;
  const mapIterNext = (getPrototypeOf(new Map().entries()) as { next: Fn }).next;
  const setIterNext = (getPrototypeOf(new Set().values()) as { next: Fn }).next;
  const symbolDescription = getOwnPropertyDescriptor(Symbol.prototype, "description")?.get as (this: symbol) => string | undefined;

  /** `o instanceof C` without consulting anything the code can redefine on C. */
  const isA = (o: unknown, C: object): boolean => {
    try {
      return apply(hasInstance, C, [o]) as boolean;
    } catch {
      return false;
    }
  };
  const brand = (get: Fn, o: unknown): boolean => {
    try {
      apply(get, o, []);
      return true;
    } catch {
      return false;
    }
  };
  // Brand checks, by the internal slot the captured getter needs; the cheap prototype test first, so that
  // ordinary values never pay for a thrown TypeError.
  const RealMap = Map;
  const RealSet = Set;
  const isDate = (o: object) => isA(o, RealDate) && brand(dateGetTime, o);
  const isMap = (o: object) => isA(o, RealMap) && brand(mapSize, o);
  const isSet = (o: object) => isA(o, RealSet) && brand(setSize, o);
  const slice = (s: string, from: number, to?: number): string => apply(stringSlice, s, to === undefined ? [from] : [from, to]) as string;
  const quote = (s: string): string => apply(jsonStringify, undefined, [s]) as string; // a primitive string: no toJSON is consulted
  const weak = <V>() => {
    const m = new WeakMap<object, V>();
    return {
      get: (k: object): V | undefined => apply(weakGet, m, [k]) as V | undefined,
      set: (k: object, v: V) => void apply(weakSet, m, [k, v]),
      has: (k: object): boolean => apply(weakHas, m, [k]) as boolean,
    };
  };
  /** A dictionary with no prototype: no getter or setter the code defines elsewhere can touch it. */
  const dict = <V>(): Record<string, V> => objectCreate(null) as Record<string, V>;
  /** An append-only list the code cannot intercept (a counter and a prototype-less dictionary). */
  interface List<T> {
    n: number;
    at: Record<number, T>;
  }
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
  const joinList = <T>(l: List<T>, from: number, to: number, text: (v: T) => string): string => {
    let out = "[";
    for (let i = from; i < to; i++) out += (i > from ? "," : "") + text(l.at[i] as T);
    return `${out}]`;
  };
  const num = (n: number): string => (isFinite(n) ? "" + n : "null");
  const keysText = (d: Record<string, true>, quoted = true): string => {
    let out = "[";
    const names = objectKeys(d);
    for (let i = 0; i < names.length; i++) out += (i ? "," : "") + (quoted ? quote(names[i] as string) : (names[i] as string));
    return `${out}]`;
  };

  const cfg = jsonParse(configJson) as PreludeConfig;
  const stubs = dict<StubSpec[]>();
  for (const k of objectKeys(cfg.stubs)) stubs[k] = cfg.stubs[k] as StubSpec[];
  const boundaryList: string[] = cfg.boundaries;
  const maxEvents = cfg.maxEvents;
  /**
   * Batch mode (runner.ts runBatch): the cases of one test file run one after another in this isolate, as the
   * file's runner runs them, and each is reported on its own. What every later case shares (a module's top
   * level, the file's collection, a suite's beforeAll/afterAll) is kept apart and counted in each case's record.
   */
  const batch = cfg.batch === true;
  let sharedDepth = 0;

  // ---- the recorder ------------------------------------------------------------------------------
  /** Trace events as JSON text rows: [type, site, depth, value?]. */
  const events = list<string>();
  /** Batch mode: the events of shared work, reported before each case's own. */
  const sharedEvents = list<string>();
  const record = (e: string) => add(batch && sharedDepth > 0 ? sharedEvents : events, e);
  let truncated = 0;
  let depth = 0;
  let lastSite = -1;
  /**
   * While the scenario's own code runs (resolving a step's call, evaluating its args_js), the current site is
   * the scenario's, so that nothing it does is put on the last repo statement that happened to run before it.
   * Negative, apart from -1 (no site): runner.ts (scenarioSite) turns it back into the scenario file's line.
   */
  const CALL = 0;
  const ARGS = 1;
  const scenarioSite = (step: number, part: typeof CALL | typeof ARGS): number => -2 - (step * 2 + part);
  /** The running step's scenario sites: the only negative callers the recorder's exit accepts. */
  let stepSites: [number, number] = [-1, -1];
  let fatal: { reason: string; site: number; missingModule?: string } | undefined;
  const errorSites = weak<number>();
  /** A thrown primitive cannot key a WeakMap: the last one thrown, where, and at what call depth (to tell a rethrow while unwinding from a new throw). */
  let thrownValue: unknown;
  let thrownValueSite = -1;
  let thrownValueDepth = -1;
  /** Where a thrown value was thrown by repo code, if it was. */
  const siteOfThrown = (e: unknown): number | undefined => {
    if (e !== null && (typeof e === "object" || typeof e === "function")) return errorSites.get(e as object);
    return thrownValueSite >= 0 && objectIs(e, thrownValue) ? thrownValueSite : undefined;
  };
  const symbolics = weak<string>();
  const standIns = weak<string>();
  /** Each Proxy the code made, by its target (filled by the Proxy constructor the code sees). */
  const proxyTargets = weak<object>();
  const missing = dict<true>();
  let symbolicUses = 0;
  /** Coverage, kept whatever the event limit: every site (statement or function) that ran at least once. */
  const hits = dict<true>();
  /** Batch mode: the sites shared work ran, kept in every case's hits. */
  const sharedHits = dict<true>();
  const hit = (at: number) => {
    hits[at] = true;
    if (batch && sharedDepth > 0) sharedHits[at] = true;
  };
  /** Environment variables the code read, and the modules it asked for that are not there (stand-ins). */
  const envRead = dict<true>();
  /** Shared with the test API: while a matcher runs, every step of repo code is a moment to check the intrinsics. */
  const testState = objectCreate(null) as { matcher: number };
  testState.matcher = 0;
  const watchTamper = () => {
    if (testApiInstance) testApiInstance.watch();
  };

  /**
   * A bounded copy of a value, as JSON text (tagged objects for what JSON cannot say). It reads only own
   * properties and calls nothing the code can redefine, except the value's own getters.
   */
  /** How much of a value a copy keeps: trace values are short; effects keep more, so their diff misses nothing small. */
  interface SnapLimits {
    str: number;
    items: number;
    keys: number;
    /**
     * Read as the code's consumers would, through its Proxy traps and getters: an effect's arguments are what the
     * boundary (a driver, a client) would read. A trace value is an observation: it never runs the code's own code.
     */
    live: boolean;
  }
  const TRACE: SnapLimits = { str: 300, items: 20, keys: 30, live: false };
  /** Set when a copy left something out: an effect copied short carries a digest of the whole, so a difference past the cut still shows. */
  let cut = false;
  const EFFECT: SnapLimits = { str: 65_536, items: 500, keys: 200, live: true };
  /** A step's result, copied once the step has settled, as its caller reads it: through traps and getters, which may differ between base and head. */
  const RESULT: SnapLimits = { ...TRACE, live: true };
  /** web-world's reader of its classes' slots, once they are built (see webClasses). */
  let describeWeb: ((o: unknown) => unknown) | undefined;
  /** web-world's structuredClone of its own objects (a Blob copied, a stream refused), once they are built. */
  let cloneWeb: ((o: unknown) => { value: unknown } | undefined) | undefined;
  const snap = (v: unknown, budget = 3, lim: SnapLimits = TRACE): string => {
    if (v === null) return "null";
    switch (typeof v) {
      case "boolean":
        return v ? "true" : "false";
      case "number":
        return isFinite(v) ? (objectIs(v, -0) ? '{"$number":"-0"}' : "" + v) : `{"$number":${quote("" + v)}}`;
      case "string":
        if (v.length > lim.str) cut = true;
        return quote(v.length > lim.str ? `${slice(v, 0, lim.str)}…(${v.length})` : v);
      case "undefined":
        return '{"$undefined":true}';
      case "bigint":
        return `{"$bigint":${quote("" + v)}}`;
      case "symbol":
        return `{"$symbol":${quote("" + (apply(symbolDescription, v, []) as string | undefined))}}`;
    }
    const o = v as object;
    // A Proxy the code made is copied through its target: a copy that went through the traps would run the
    // code's own handlers (immer's drafts create children and mark state as they are read) and change its behaviour.
    const target = lim.live ? undefined : proxyTargets.get(o);
    if (target !== undefined) return budget <= 0 ? '{"$proxy":true}' : `{"$proxy":${snap(target, budget - 1, lim)}}`;
    const sym = symbolics.get(o);
    if (sym !== undefined) return `{"$symbolic":${quote(sym)}}`;
    const stand = standIns.get(o);
    if (stand !== undefined) return `{"$standIn":${quote(stand)}}`;
    if (typeof v === "function") return `{"$function":${quote(fnName(v as Fn) || "anonymous")}}`;
    let plain = false;
    try {
      plain = getPrototypeOf(o) === ObjectPrototype;
    } catch {
      return '{"$unreadable":true}'; // a Proxy whose getPrototypeOf throws
    }
    if (!plain && isDate(o)) {
      const t = apply(dateGetTime, o, []) as number;
      return `{"$date":${quote(t !== t ? "Invalid Date" : (apply(dateIso, o, []) as string))}}`;
    }
    if (!plain && isA(o, RealError)) {
      const e = own(o);
      return `{"$error":${quote(text(e.name, "Error"))},"message":${quote(text(e.message, ""))}}`;
    }
    if (!plain && isA(o, RealPromise)) return '{"$promise":true}';
    // A Response, Headers or Blob keeps its state in slots, as in Node, where its copy is `{}`: shown from them,
    // one level for the kind's name.
    if (!plain && describeWeb !== undefined) {
      const d = describeWeb(o) as Obj | undefined;
      if (d !== undefined) {
        const kind = objectKeys(d)[0] as string;
        return `{${quote(kind)}:${snap(d[kind], budget, lim)}}`;
      }
    }
    if (budget <= 0) {
      cut = true;
      return `{"$more":${isArray(o) ? '"array"' : '"object"'}}`;
    }
    try {
      if (isArray(o)) {
        const a = o as unknown[];
        const n = a.length;
        let out = "[";
        for (let i = 0; i < n && i < lim.items; i++) out += (i ? "," : "") + snapAt(a, i, budget - 1, lim);
        if (n > lim.items) {
          cut = true;
          out += `,{"$more":${num(n - lim.items)}}`;
        }
        return `${out}]`;
      }
      if (!plain && isMap(o)) {
        const it = apply(mapEntries, o, []);
        let out = '{"$map":[';
        for (let i = 0; i < lim.items; i++) {
          const r = apply(mapIterNext, it, []) as IteratorResult<[unknown, unknown]>;
          if (r.done) break;
          out += `${i ? "," : ""}[${snap(r.value[0], budget - 1, lim)},${snap(r.value[1], budget - 1, lim)}]`;
        }
        return `${out}]}`;
      }
      if (!plain && isSet(o)) {
        const it = apply(setValues, o, []);
        let out = '{"$set":[';
        for (let i = 0; i < lim.items; i++) {
          const r = apply(setIterNext, it, []) as IteratorResult<unknown>;
          if (r.done) break;
          out += (i ? "," : "") + snap(r.value, budget - 1, lim);
        }
        return `${out}]}`;
      }
      const keys = objectKeys(o);
      let out = "{";
      // A key of the code's own that starts with $ is shown with one more ($$set): no value passes for a tag
      // the copy writes ({ $response: … } from a plain object is not a Response).
      for (let i = 0; i < keys.length && i < lim.keys; i++) {
        const k = keys[i] as string;
        out += `${i ? "," : ""}${quote(k[0] === "$" ? `$${k}` : k)}:${snapAt(o as Obj, k, budget - 1, lim)}`;
      }
      if (keys.length > lim.keys) {
        cut = true;
        out += `${keys.length ? "," : ""}"$more":${num(keys.length - lim.keys)}`;
      }
      return `${out}}`;
    } catch {
      return '{"$unreadable":true}';
    }
  };
  /** One property's value; for a trace, read from its descriptor: a getter is the code's own function, and is not run to copy it. */
  const snapAt = (o: Obj | unknown[], k: string | number, budget: number, lim: SnapLimits): string => {
    try {
      if (lim.live) return snap((o as Obj)[k], budget, lim);
      const d = getOwnPropertyDescriptor(o, k);
      if (d === undefined) return '{"$undefined":true}';
      if (!hasOwn(d, "value")) return '{"$accessor":true}';
      return snap(d.value, budget, lim);
    } catch {
      return '{"$unreadable":true}';
    }
  };
  /** A value's own data, read through its own properties only (getters on it still run: they are its value). */
  const own = (o: object): Obj => {
    const out = dict<unknown>();
    for (const k of ["name", "message", "code"]) {
      try {
        out[k] = (o as Obj)[k];
      } catch {
        // unreadable
      }
    }
    return out;
  };
  const fnName = (f: Fn): string => {
    try {
      const n = f.name;
      return typeof n === "string" ? n : "";
    } catch {
      return ""; // a hostile name getter
    }
  };
  const text = (v: unknown, fallback: string): string => {
    if (typeof v === "string") return v;
    if (v === undefined || v === null) return fallback;
    try {
      return "" + (v as string);
    } catch {
      return fallback;
    }
  };

  /** A site number as the instrumented code passes it; anything else (the code can call its recorder) is refused. */
  const siteOf = (base: number, count: number, s: unknown): number => (typeof s === "number" && s >= 0 && s < count && s === mathFloor(s) ? base + s : -1);
  const recorder = (base: number, count: number) => {
    // Past the event limit only the count grows: no value is copied for an event that will not be kept.
    const full = () => {
      if ((batch && sharedDepth > 0 ? sharedEvents.n : events.n) < maxEvents) return false;
      truncated++;
      return true;
    };
    const r = {
      step(s: number) {
        const at = siteOf(base, count, s);
        if (at < 0) return;
        if (testState.matcher > 0) watchTamper();
        lastSite = at;
        hit(at);
        if (!full()) record(`[0,${at},${depth}]`);
      },
      val(s: number, v: unknown) {
        const at = siteOf(base, count, s);
        if (at >= 0 && !full()) record(`[1,${at},${depth},${snap(v, 2)}]`);
      },
      enter(s: number, args: unknown[]) {
        const caller = lastSite;
        const at = siteOf(base, count, s);
        if (at < 0) return caller;
        if (testState.matcher > 0) watchTamper();
        depth++;
        lastSite = at;
        hit(at);
        if (!full()) record(`[2,${at},${depth},${snap(args, 2)}]`);
        return caller;
      },
      ret(s: number, v?: unknown) {
        const at = siteOf(base, count, s);
        if (at >= 0 && !full()) record(`[3,${at},${depth},${snap(v)}]`);
        return v;
      },
      throw(s: number, e: unknown) {
        const site = lastSite;
        const at = siteOf(base, count, s);
        if (at < 0) return;
        try {
          if (e !== null && (typeof e === "object" || typeof e === "function")) {
            if (!errorSites.has(e as object)) errorSites.set(e as object, site);
          } else {
            // The same primitive one frame up is the stack unwinding: it keeps the site it was thrown at.
            const unwinding = thrownValueSite >= 0 && objectIs(e, thrownValue) && depth === thrownValueDepth - 1;
            if (!unwinding) {
              thrownValue = e;
              thrownValueSite = site;
            }
            thrownValueDepth = depth;
          }
          if (!fatal && isA(e, RealRangeError) && (apply(stringIndexOf, text(own(e as object).message, ""), ["call stack"]) as number) >= 0) fatal = { reason: "recursion without end: the call stack was exhausted", site };
          if (!full()) record(`[4,${at},${depth},${snap(e, 1)}]`);
        } catch {
          // Only an exhausted stack makes the recorder itself fail here.
          fatal ??= { reason: "recursion without end: the call stack was exhausted", site };
        }
      },
      exit(s: number, caller?: number) {
        if (siteOf(base, count, s) < 0) return;
        if (testState.matcher > 0) watchTamper();
        depth--;
        // A caller the code made up may name a repo site or none, and of the scenario's only this step's own lines.
        if (typeof caller === "number" && caller === mathFloor(caller) && !fatal && (caller >= -1 || caller === stepSites[0] || caller === stepSites[1])) lastSite = caller;
      },
    };
    // The code can reach its recorder: it may call it with made-up sites (its own trace), never replace it.
    return freeze(r);
  };

  /** Ends the run as an error with `reason` (not the code's doing). */
  const stop = (reason: string): never => {
    fatal ??= { reason, site: lastSite };
    throw new SandboxViolation(reason);
  };
  const violation = (what: string): never => {
    fatal ??= { reason: `the simulated code reached for the host: ${what}`, site: lastSite };
    throw new SandboxViolation(`${what} is not available in a simulation`);
  };

  // ---- the world: clock, timers, randomness ---------------------------------------------------------
  let now = cfg.clockMs;
  let seed = cfg.seed >>> 0 || 1;
  const random = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = mathImul(t ^ (t >>> 15), t | 1);
    t ^= t + mathImul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  Math.random = random;
  const hex = "0123456789abcdef";
  const uuid = () => {
    let s = "";
    for (let i = 0; i < 32; i++) {
      const d = mathFloor(random() * 16);
      s += i === 12 ? "4" : i === 16 ? (hex[(d & 3) | 8] as string) : (hex[d] as string);
    }
    return `${slice(s, 0, 8)}-${slice(s, 8, 12)}-${slice(s, 12, 16)}-${slice(s, 16, 20)}-${slice(s, 20)}`;
  };

  function VirtualDate(this: unknown, ...a: unknown[]): unknown {
    if (!new.target) return new RealDate(now).toString();
    return Reflect.construct(RealDate, a.length ? a : [now], new.target);
  }
  VirtualDate.prototype = RealDate.prototype;
  defineProperty(RealDate.prototype, "constructor", { value: VirtualDate, writable: true, configurable: true });
  Object.assign(VirtualDate, { now: () => now, UTC: RealDate.UTC, parse: RealDate.parse });
  G.Date = VirtualDate;

  // Every Proxy the code makes is known by its target, so that copying a value never runs its traps (see `snap`).
  // The constructor the code sees is the real one behind a construct trap: same name, length, no prototype.
  const realRevocable = RealProxy.revocable;
  // The real function behind an apply trap: its name, length and source text stay the native ones.
  const trackedRevocable = new RealProxy(realRevocable, {
    apply(t, _this, args: unknown[]) {
      const r = apply(t, RealProxy, args) as { proxy: object; revoke: () => void };
      proxyTargets.set(r.proxy, args[0] as object);
      return r;
    },
  });
  G.Proxy = new RealProxy(RealProxy, {
    construct(t, args, newTarget) {
      const p = construct(t, args, newTarget) as object;
      proxyTargets.set(p, args[0] as object);
      return p;
    },
    // Read by name or through its descriptor, `revocable` is the tracked one: no way round to an untracked proxy.
    getOwnPropertyDescriptor(t, k) {
      const d = getOwnPropertyDescriptor(t, k);
      return d && k === "revocable" ? { ...d, value: trackedRevocable } : d;
    },
    get(t, k) {
      return k === "revocable" ? trackedRevocable : (t as unknown as Obj)[k as string];
    },
  });

  interface Timer {
    id: number;
    due: number;
    seq: number;
    fn: Fn;
    args: unknown[];
    every?: number;
  }
  const timers = dict<Timer>();
  let timerSeq = 0;
  const addTimer = (fn: unknown, ms: unknown, args: unknown[], every: boolean) => {
    if (typeof fn !== "function") throw new TypeError("the callback must be a function");
    const delay = Math.max(0, Number(ms) || 0);
    const id = ++timerSeq;
    const t = objectCreate(null) as Timer;
    t.id = id;
    t.due = now + delay;
    t.seq = id;
    t.fn = fn as Fn;
    t.args = args;
    if (every) t.every = Math.max(1, delay);
    timers[id] = t;
    return id;
  };
  const clear = (id: unknown) => void delete timers[typeof id === "object" && id ? Number((id as { id?: number }).id) : Number(id)];
  const nextTimer = (): Timer | undefined => {
    let best: Timer | undefined;
    for (const k of objectKeys(timers)) {
      const t = timers[k] as Timer;
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  };
  const runTimer = (t: Timer) => {
    now = now > t.due ? now : t.due;
    if (t.every) {
      t.due = now + t.every;
      t.seq = ++timerSeq;
    } else delete timers[t.id];
    // A callback starts at no site: until it enters repo code, the statement that ran last is not its own.
    lastSite = -1;
    try {
      apply(t.fn, undefined, t.args);
    } catch (e) {
      // Node would crash on it; in a simulation it ends the run, in the code's name, never in the host's.
      let what = "a value";
      try {
        what = isA(e, RealError) ? `${text(own(e as object).name, "Error")}: ${text(own(e as object).message, "")}` : typeof e;
      } catch {
        // unreadable
      }
      fatal ??= { reason: `the simulated code threw outside its steps (an uncaught exception in a timer: ${slice(what, 0, 200)})`, site: siteOfThrown(e) ?? lastSite };
    }
  };
  /**
   * Only repeating intervals are left, and they have fired INTERVAL_ONLY_TICKS times in a row: an event loop
   * would run them forever, so the simulation stops there (a poller that settles within that many rounds still
   * does). Each round is a call into the isolate; hundreds of thousands of them crash isolated-vm's host.
   */
  const INTERVAL_ONLY_TICKS = 2000;
  let intervalOnly = 0;
  const idleIntervals = (): boolean => {
    let any = false;
    for (const k of objectKeys(timers)) {
      any = true;
      if (!(timers[k] as Timer).every) {
        intervalOnly = 0;
        return false;
      }
    }
    if (!any) {
      // An empty queue ends a run of intervals: a later poller starts its own count.
      intervalOnly = 0;
      return false;
    }
    return ++intervalOnly > INTERVAL_ONLY_TICKS;
  };
  const later = (fn: () => void) => void apply(promiseThen, promiseResolve(undefined), [fn]);
  const timerApi = {
    setTimeout: (fn: unknown, ms?: unknown, ...args: unknown[]) => addTimer(fn, ms, args, false),
    setInterval: (fn: unknown, ms?: unknown, ...args: unknown[]) => addTimer(fn, ms, args, true),
    setImmediate: (fn: unknown, ...args: unknown[]) => addTimer(fn, 0, args, false),
    clearTimeout: clear,
    clearInterval: clear,
    clearImmediate: clear,
  };
  Object.assign(G, timerApi);
  G.queueMicrotask = (fn: Fn) => later(() => void fn());
  const performanceApi = { now: () => now - cfg.clockMs, timeOrigin: cfg.clockMs, mark() {}, measure() {} };
  G.performance = performanceApi;

  // ---- recording stand-ins and symbolic values -----------------------------------------------------
  const used = (origin: string) => {
    symbolicUses++;
    const paren = apply(stringIndexOf, origin, ["("]) as number;
    missing[paren >= 0 ? slice(origin, 0, paren) : origin] = true;
  };
  const symbolic = (origin: string): unknown => {
    const cache = dict<unknown>();
    const p: unknown = new RealProxy(function () {}, {
      get(_t, k) {
        if (k === "then") return undefined;
        if (k === Symbol.toPrimitive) return (hint: string) => (used(origin), hint === "number" ? NaN : `⟨${origin}⟩`);
        if (k === "toJSON") return () => ({ $symbolic: origin });
        if (k === "valueOf" || k === "toString") return () => (used(origin), `⟨${origin}⟩`);
        if (k === Symbol.iterator) return function* () { used(origin); };
        if (typeof k === "symbol") return undefined;
        used(origin);
        if (!hasOwn(cache, k)) cache[k] = symbolic(`${origin}.${k}`);
        return cache[k];
      },
      apply: () => (used(origin), symbolic(`${origin}()`)),
      construct: () => (used(origin), symbolic(`new ${origin}()`) as object),
      has: () => false,
      set: () => true,
    });
    symbolics.set(p as object, origin);
    return p;
  };

  /** Effects as the host will read them: each one's fields kept apart from anything the code can reach. */
  interface EffectRecord {
    target: string;
    kind: "call" | "new";
    args: string;
    /** The arguments exactly (the expectation realm's encoding), as they were at the call: what expectations read. */
    exact: string;
    site: number;
    answer: RawEffect["answer"];
    /** Made by shared work (a module's top level, a suite's beforeAll/afterAll), not by the case itself. */
    shared: boolean;
  }
  const effects = list<EffectRecord>();
  const effectText = (e: EffectRecord, withSite: boolean) =>
    `{"target":${quote(e.target)},"kind":${quote(e.kind)},"args":${e.args},${withSite ? `"site":${num(e.site)},` : ""}"answer":${quote(e.answer)}${e.shared ? ',"shared":true' : ""}}`;
  const stubUses = weak<number>();
  /** A plain copy of scenario data (stub answers, step arguments) made without JSON or prototypes the code owns. */
  const copy = (v: unknown): unknown => {
    if (v === null || typeof v !== "object") return v;
    if (isArray(v)) {
      const out: unknown[] = [];
      for (let i = 0; i < v.length; i++) defineProperty(out, i, { value: copy(v[i]), writable: true, enumerable: true, configurable: true });
      return out;
    }
    const out: Obj = {};
    for (const k of objectKeys(v)) defineProperty(out, k, { value: copy((v as Obj)[k]), writable: true, enumerable: true, configurable: true });
    return out;
  };
  const same = (want: unknown, got: unknown): boolean => {
    if (want === got) return true;
    if (want && typeof want === "object" && got && typeof got === "object") {
      for (const k of objectKeys(want)) if (!same((want as Obj)[k], (got as Obj)[k])) return false;
      return true;
    }
    return typeof want === "string" && got !== null && typeof got === "object" && isDate(got) && (apply(dateGetTime, got, []) as number) === (apply(dateGetTime, got, []) as number) && slice(apply(dateIso, got, []) as string, 0, want.length) === want;
  };
  const stubFor = (target: string, args: unknown[]): StubSpec | undefined => {
    const specs = hasOwn(stubs, target) ? stubs[target] : undefined;
    if (!specs) return undefined;
    for (let i = 0; i < specs.length; i++) {
      const s = specs[i] as StubSpec;
      if (!hasOwn(s, "match") || !s.match) return s;
      let ok = true;
      for (const k of objectKeys(s.match)) if (!same(s.match[k], args[Number(k)])) ok = false;
      if (ok) return s;
    }
    return undefined;
  };

  const ASYNC_PACKAGES = /^(pg|mysql2?|mongodb|mongoose|redis|ioredis|@prisma\/client|axios|node-fetch|undici|got|stripe|@aws-sdk\/.*|kafkajs|amqplib|nodemailer|fetch|fs\/promises)$/;
  const regexTest = RegExp.prototype.test;
  const matches = (re: RegExp, s: string): boolean => apply(regexTest, re, [s]) as boolean;
  const isAsync = (target: string): boolean => {
    const hash = apply(stringIndexOf, target, ["#"]) as number;
    const pkg = hash >= 0 ? slice(target, 0, hash) : target;
    const member = hash >= 0 ? slice(target, hash + 1) : "";
    if (matches(/Sync$/, member)) return false;
    return matches(ASYNC_PACKAGES, pkg) || slice(member, 0, 9) === "promises.";
  };

  /** Records one call at a boundary and answers it: a stub, a thrown stub error, or a symbolic value. */
  const MAX_EFFECTS = 20_000;
  /**
   * A 64-bit digest (two independent 32-bit mixes) of a value's exact encoding, computed with captured
   * intrinsics only: what an effect's copy left out, so a difference past the cut still shows in the diff.
   */
  const charCodeAt = String.prototype.charCodeAt;
  const digestOf = (v: unknown): string => {
    let text: string;
    // A string is digested as it is: encoding a very long one first would double it in memory.
    if (typeof v === "string") text = v;
    else
      try {
        text = encoder()(v);
      } catch {
        return "unreadable";
      }
    let a = 0x811c9dc5;
    let b = 0x9e3779b9;
    for (let i = 0; i < text.length; i++) {
      const c = apply(charCodeAt, text, [i]) as number;
      a = mathImul(a ^ c, 0x01000193) >>> 0;
      b = mathImul(b ^ c ^ (b >>> 15), 0x2c1b3c6d) >>> 0;
    }
    const toHex = (n: number) => {
      let out = "";
      for (let i = 7; i >= 0; i--) out += hexDigits[(n >>> (i * 4)) & 15] as string;
      return out;
    };
    return `${toHex(a)}${toHex(b)}:${text.length}`;
  };
  const hexDigits = "0123456789abcdef";
  const callBoundary = (target: string, kind: "call" | "new", args: unknown[], asyncHint: boolean | undefined): unknown => {
    // Recorded before anything reads the arguments again (a stub's match may meet a getter that throws).
    if (effects.n >= MAX_EFFECTS) stop(`more than ${MAX_EFFECTS} calls at the run's boundaries: too many to record faithfully`);
    let argText = "[";
    cut = false;
    for (let i = 0; i < args.length; i++) argText += (i ? "," : "") + snap(args[i], 6, EFFECT);
    if (cut) argText += `,{"$digest":${quote(digestOf(args))}}`;
    let exact: string;
    try {
      exact = encoder()(args);
    } catch {
      exact = '["x"]';
    }
    const effect = objectCreate(null) as EffectRecord;
    effect.target = slice(target, 0, 500);
    effect.kind = kind;
    effect.args = `${argText}]`;
    effect.exact = exact.length > 4_000_000 ? '["x"]' : exact;
    effect.site = lastSite;
    effect.answer = "symbolic";
    effect.shared = sharedDepth > 0;
    add(effects, effect);
    let stub: StubSpec | undefined;
    try {
      stub = stubFor(target, args);
    } catch {
      stub = undefined; // an argument that cannot be read matches no stub
    }
    if (stub) effect.answer = "stub";
    const async = (stub && hasOwn(stub, "async") ? stub.async : undefined) ?? asyncHint ?? (kind === "call" && isAsync(target));
    let answer: { value?: unknown; error?: Error };
    if (!stub) answer = { value: symbolic(`${target}()`) };
    else {
      const n = stubUses.get(stub) ?? 0;
      stubUses.set(stub, n + 1);
      const seq = hasOwn(stub, "sequence") ? stub.sequence : undefined;
      const pick = seq ? (seq[n < seq.length - 1 ? n : seq.length - 1] ?? {}) : stub;
      if (hasOwn(pick, "throws") && pick.throws !== undefined) {
        effect.answer = "threw";
        answer = { error: new RealError(pick.throws) };
      } else answer = { value: copy(hasOwn(pick, "returns") ? pick.returns : undefined) };
    }
    const callback = kind === "call" && !async && matches(/^(fs|dns|child_process|zlib|crypto)#/, target) ? args[args.length - 1] : undefined;
    if (typeof callback === "function") {
      later(() => void apply(callback as Fn, undefined, [answer.error ?? null, answer.value]));
      return undefined;
    }
    if (async) return answer.error ? promiseReject(answer.error) : promiseResolve(answer.value);
    if (answer.error) throw answer.error;
    return answer.value;
  };

  /** A recording stand-in for a module member at `path` (pg#Pool, pg#Pool.query, stripe#customers.create). */
  const standIn = (path: string): unknown => {
    const members = dict<unknown>();
    const hasHash = (apply(stringIndexOf, path, ["#"]) as number) >= 0;
    const p: unknown = new RealProxy(function () {}, {
      get(_t, k) {
        if (k === "then" || typeof k === "symbol") return undefined;
        if (k === "__esModule") return true;
        if (k === "default") return p;
        if (!hasOwn(members, k)) members[k] = standIn(hasHash ? `${path}.${k}` : `${path}#${k}`);
        return members[k];
      },
      apply: (_t, _self, args: unknown[]) => callBoundary(hasHash ? path : `${path}#default`, "call", args, undefined),
      construct(_t, args: unknown[]) {
        const r = callBoundary(path, "new", args, false);
        return r !== undefined && r !== null && typeof r === "object" && !symbolics.has(r) ? (r as object) : (standIn(path) as object);
      },
      has: () => true,
      set: () => true,
    });
    standIns.set(p as object, path);
    return p;
  };

  // ---- process, console and the other globals the code may read ---------------------------------------
  const envValues: Record<string, string> = { ...cfg.env };
  // A read of process.env is a config key the run depends on: recorded, whether it is set or not.
  // While Worldline's own packages load (the matcher library) they see an environment of their own: no
  // colours in messages, and none of their reads counted as the scenario's config keys.
  const LIBRARY_ENV: Record<string, string> = { NO_COLOR: "1" };
  let loadingLibrary = false;
  /** Runs Worldline's own library code (a port, the test API): its environment reads are not the scenario's. */
  const asLibrary = <T>(fn: () => T): T => {
    const was = loadingLibrary;
    loadingLibrary = true;
    try {
      return fn();
    } finally {
      loadingLibrary = was;
    }
  };
  /** One of Worldline's pure ports, loaded as library code. */
  const libraryPort = (spec: string): unknown => asLibrary(() => requireFrom(PORTS)(spec));
  const env = new RealProxy(envValues, {
    get(t, k) {
      if (loadingLibrary) return typeof k === "string" && hasOwn(LIBRARY_ENV, k) ? LIBRARY_ENV[k] : undefined;
      if (typeof k === "string") envRead[k] = true;
      return (t as Obj)[k];
    },
    has(t, k) {
      if (loadingLibrary) return typeof k === "string" && hasOwn(LIBRARY_ENV, k);
      if (typeof k === "string") envRead[k] = true;
      return hasOwn(t, k);
    },
  });
  const hostOnly = (name: string) => () => violation(`process.${name}`);
  const logs = list<string>();
  const processApi: Obj = {
    env,
    argv: ["node", "simulation"],
    platform: "linux",
    version: "v20.0.0",
    versions: { node: "20.0.0" },
    pid: 1,
    arch: "x64",
    cwd: () => "/repo",
    hrtime: Object.assign((prev?: [number, number]) => {
      const ns = (now - cfg.clockMs) * 1e6;
      const t: [number, number] = [mathFloor(ns / 1e9), ns % 1e9];
      return prev ? [t[0] - prev[0], t[1] - prev[1]] : t;
    }, { bigint: () => BigInt(Math.round((now - cfg.clockMs) * 1e6)) }),
    uptime: () => (now - cfg.clockMs) / 1000,
    memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0 }),
    nextTick: (fn: Fn, ...args: unknown[]) => later(() => void apply(fn, undefined, args)),
    emitWarning: () => undefined,
    on: () => processApi,
    once: () => processApi,
    off: () => processApi,
    stdout: { write: (s: unknown) => (addLog(`stdout: ${text(s, "")}`), true) },
    stderr: { write: (s: unknown) => (addLog(`stderr: ${text(s, "")}`), true) },
  };
  for (const name of ["binding", "_linkedBinding", "dlopen", "exit", "abort", "kill", "chdir", "setuid", "setgid", "reallyExit"]) processApi[name] = hostOnly(name);
  // `process.binding("buffer")` is read for its two size constants (safer-buffer, under express's body parsing):
  // answered with Node's values, it hands out nothing of the host. `process.binding("util")` is lodash's
  // legacy probe for fast type checks, inside a try whose fallback is exact (testdouble bundles it): it throws
  // an ordinary error the code can catch. Every other binding reaches for the host.
  const BUFFER_BINDING = freeze({ kMaxLength: 4294967296, kStringMaxLength: 536870888 });
  processApi.binding = (name: unknown) => {
    if (name === "buffer") return BUFFER_BINDING;
    if (name === "util") throw new RealError('process.binding("util") is not modelled in a simulation: use require("util").types');
    return violation("process.binding");
  };
  defineProperty(processApi, "mainModule", { get: () => violation("process.mainModule") });
  G.process = processApi;
  defineProperty(G, "require", { get: () => violation("a global require"), configurable: false });
  G.global = G;
  // Build-time constants (`__DEV__`) are plain globals for the code, as a bundler's define leaves them; they
  // never replace one the sandbox has (a scenario cannot swap out `process` or `Object` this way).
  const worldGlobals = cfg.globals ?? {};
  for (const name of objectKeys(worldGlobals)) {
    if (!(name in G)) defineProperty(G, name, { value: (worldGlobals as Obj)[name], writable: true, enumerable: false, configurable: true });
  }
  // WebAssembly memory lives outside the isolate's heap limit: the simulated code gets none.
  delete G.WebAssembly;
  // A wait sleeps on the clock, not the CPU budget; in one isolate nobody could wake it: it times out at once.
  const atomics = G.Atomics as Obj | undefined;
  if (atomics) {
    defineProperty(atomics, "wait", { value: () => "timed-out", writable: false, configurable: false });
    defineProperty(atomics, "waitAsync", { value: () => ({ async: false, value: "timed-out" }), writable: false, configurable: false });
  }

  const addLog = (line: string) => {
    if (logs.n < 500) add(logs, slice(line, 0, 500));
  };
  const log = (level: string) => (...args: unknown[]) => {
    let line = `${level}:`;
    for (let i = 0; i < args.length; i++) line += ` ${typeof args[i] === "string" ? (args[i] as string) : snap(args[i], 2)}`;
    addLog(line);
  };
  G.console = { log: log("log"), info: log("info"), warn: log("warn"), error: log("error"), debug: log("debug"), trace: log("trace") };
  G.fetch = standIn("fetch#fetch");
  G.crypto = { randomUUID: uuid, getRandomValues: <T extends ArrayLike<number> & { [i: number]: number }>(a: T) => { for (let i = 0; i < a.length; i++) a[i] = mathFloor(random() * 256); return a; } };
  // URL and URLSearchParams, as Node has them: the WHATWG URL standard's own reference implementation
  // (whatwg-url, a pure-JS port), loaded on first use. Code may replace the globals, as in Node.
  let whatwg: { URL: unknown; URLSearchParams: unknown } | undefined;
  const whatwgUrl = () => {
    whatwg ??= libraryPort("whatwg-url") as { URL: unknown; URLSearchParams: unknown };
    return whatwg;
  };
  for (const name of ["URL", "URLSearchParams"] as const) {
    defineProperty(G, name, {
      get: () => whatwgUrl()[name],
      set: (v: unknown) => void defineProperty(G, name, { value: v, writable: true, configurable: true, enumerable: false }),
      configurable: true,
      enumerable: false,
    });
  }
  // The web platform's classes Node has as globals (web streams, Event, AbortController, Blob, Headers, Request,
  // Response, FormData…): web-world.ts over web-streams-polyfill, built when the sandbox starts (see the end of install). Code may replace
  // them, as in Node; the services world builds fetch's answers from the same classes, never from the globals.
  let web: WebGlobals | undefined;
  // Undefined while web-world builds them (the polyfill's own probes, `typeof DOMException`, see none yet).
  const webClasses = (): WebGlobals | undefined => {
    if (web) return web;
    const port = asLibrary(() => libraryPort("worldline:web-world") as { webGlobals(port: (spec: string) => unknown): WebGlobals | undefined; describeWeb(o: unknown): unknown; cloneWeb(o: unknown): { value: unknown } | undefined });
    web = asLibrary(() => port.webGlobals(libraryPort));
    if (web) {
      describeWeb = port.describeWeb;
      cloneWeb = port.cloneWeb;
    }
    return web;
  };
  const webClassesBuilt = (): WebGlobals => {
    const w = webClasses();
    if (!w) return stop("the web classes were asked for while they were being built");
    return w;
  };
  const WEB_NAMES = ["ReadableStream", "ReadableStreamDefaultReader", "ReadableStreamBYOBReader", "ReadableStreamBYOBRequest", "ReadableStreamDefaultController", "ReadableByteStreamController", "WritableStream", "WritableStreamDefaultWriter", "WritableStreamDefaultController", "TransformStream", "TransformStreamDefaultController", "ByteLengthQueuingStrategy", "CountQueuingStrategy", "TextEncoderStream", "TextDecoderStream", "Event", "EventTarget", "DOMException", "AbortController", "AbortSignal", "Blob", "File", "Headers", "Request", "Response", "FormData"] as const satisfies readonly WebGlobalName[];
  // Every name web-world.ts provides is installed: the compiler says which one this list lacks.
  const everyWebName: Exclude<WebGlobalName, (typeof WEB_NAMES)[number]> extends never ? true : never = true;
  for (const name of WEB_NAMES) {
    defineProperty(G, name, {
      get: () => webClasses()?.[name],
      set: (v: unknown) => void defineProperty(G, name, { value: v, writable: true, configurable: true, enumerable: false }),
      configurable: true,
      enumerable: false,
    });
  }
  void everyWebName;
  /** Node's `stream` (readable-stream with Readable.toWeb/fromWeb), node-stream.ts. */
  const nodeStream = (): Obj => asLibrary(() => (libraryPort("worldline:node-stream") as { nodeStream(port: (spec: string) => unknown, web: () => WebGlobals): Obj }).nodeStream(libraryPort, webClassesBuilt));
  G.structuredClone = (v: unknown) => {
    const seen = new Map<unknown, unknown>();
    const clone = (x: unknown): unknown => {
      // As in Node: what cannot be serialised is refused with a DataCloneError, never copied as something else.
      if (typeof x === "function" || typeof x === "symbol") throw new (webClassesBuilt().DOMException as new (m: string, n: string) => Error)(`${typeof x === "symbol" ? "Symbol()" : "a function"} could not be cloned.`, "DataCloneError");
      if (x === null || typeof x !== "object") return x;
      if (seen.has(x)) return seen.get(x);
      const own = cloneWeb?.(x);
      if (own) {
        seen.set(x, own.value);
        return own.value;
      }
      if (x instanceof RealDate) return new RealDate(x.getTime());
      if (x instanceof Map) { const m = new Map(); seen.set(x, m); for (const [k, y] of x) m.set(clone(k), clone(y)); return m; }
      if (x instanceof Set) { const s = new Set(); seen.set(x, s); for (const y of x) s.add(clone(y)); return s; }
      const out: Obj = Array.isArray(x) ? ([] as unknown as Obj) : {};
      seen.set(x, out);
      for (const k of Object.keys(x)) out[k] = clone((x as Obj)[k]);
      return out;
    };
    return clone(v);
  };
  // The codec web-world decodes the record's bodies with: built from functions captured here, indexed loops over
  // typed arrays, so a String or %TypedArray% method the code patches later changes neither what it writes nor reads.
  const fromCodePoint = String.fromCodePoint;
  const codePointAt = String.prototype.codePointAt;
  const typedLength = (getOwnPropertyDescriptor(getPrototypeOf(Uint8Array.prototype) as object, "length") as PropertyDescriptor).get as Fn;
  const RealU8 = Uint8Array;
  class Utf8Encoder {
    readonly encoding = "utf-8";
    encode(input = ""): Uint8Array {
      const s = "" + input;
      // Sized exactly first: a body of tens of MiB must not ask for three times its size.
      let size = 0;
      for (let i = 0; i < s.length; i++) {
        const c = apply(codePointAt, s, [i]) as number;
        if (c > 0xffff) i++;
        size += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
      }
      const out = new RealU8(size);
      let n = 0;
      const put = (...b: number[]) => {
        for (let k = 0; k < b.length; k++) out[n++] = b[k] as number;
      };
      for (let i = 0; i < s.length; i++) {
        const c = apply(codePointAt, s, [i]) as number;
        if (c > 0xffff) i++;
        if (c < 0x80) put(c);
        else if (c < 0x800) put(0xc0 | (c >> 6), 0x80 | (c & 63));
        // A lone surrogate has no UTF-8 form: U+FFFD, as Node writes it.
        else if (c >= 0xd800 && c <= 0xdfff) put(0xef, 0xbf, 0xbd);
        else if (c < 0x10000) put(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
        else put(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      }
      return out;
    }
  }
  class Utf8Decoder {
    readonly encoding = "utf-8";
    decode(b?: ArrayLike<number>): string {
      let s = "";
      const a = b ?? [];
      let length = a.length;
      try {
        length = apply(typedLength, a, []) as number;
      } catch {
        // not a typed array: its own length
      }
      for (let i = 0; i < length; ) {
        const c = a[i++] ?? 0;
        let cp = c;
        if (c >= 0xf0) cp = ((c & 7) << 18) | (((a[i++] ?? 0) & 63) << 12) | (((a[i++] ?? 0) & 63) << 6) | ((a[i++] ?? 0) & 63);
        else if (c >= 0xe0) cp = ((c & 15) << 12) | (((a[i++] ?? 0) & 63) << 6) | ((a[i++] ?? 0) & 63);
        else if (c >= 0xc0) cp = ((c & 31) << 6) | ((a[i++] ?? 0) & 63);
        s += apply(fromCodePoint, undefined, [cp]) as string;
      }
      return s;
    }
  }
  G.TextEncoder = Utf8Encoder;
  G.TextDecoder = Utf8Decoder;

  // ---- other services of the repo (its service map): requests and messages delivered to them ------------
  /** A crossing between services, copied as a trace value is, with room for a request's body. */
  const CROSSING: SnapLimits = { str: 2000, items: 50, keys: 50, live: false };
  const CROSSING_EV = { request: 6, response: 7, message: 8 } as const;
  let world: ServicesWorld | undefined;
  if (makeServices && isArray(cfg.services) && cfg.services.length) {
    const host = objectCreate(null) as ServicesHost;
    host.services = cfg.services;
    host.loadEntry = (path: string) => requireFrom("")(`/${path}`);
    host.boundary = (target: string, args: unknown[], async: boolean) => callBoundary(target, "call", args, async);
    host.standIn = standIn;
    // Every crossing is kept: not bounded by the event limit (the world bounds them at 20,000), recorded even
    // where no repo statement ran last (a timer calling fetch itself), and a copy that had to leave something
    // out carries a digest of the whole, so two crossings that differ past the cut never look the same.
    host.crossing = (kind, value) => {
      // Field by field (method, url, headers, body…): a field whose copy was cut becomes {$copy, $digest}.
      let text = "{";
      const keys = objectKeys(value);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i] as string;
        const v = (value as Obj)[k];
        cut = false;
        let field = snap(v, 4, CROSSING);
        if (cut) field = `{"$copy":${field},"$digest":${quote(digestOf(v))}}`;
        text += `${i ? "," : ""}${quote(k)}:${field}`;
      }
      add(events, `[${CROSSING_EV[kind]},${lastSite},${depth},${text}}]`);
    };
    host.soon = (fn: () => void, ms = 0) => void addTimer(fn, ms, [], false);
    host.port = (spec: string) => (spec === "buffer" ? asLibrary(bufferPort) : libraryPort(spec));
    host.stop = stop;
    host.currentFile = () => fileOfSite(lastSite);
    world = makeServices(freeze(host));
    G.fetch = world.fetch;
  }

  // ---- modules ------------------------------------------------------------------------------------
  const modules = dict<Module>();
  const startsWith = (s: string, prefix: string) => slice(s, 0, prefix.length) === prefix;
  const boundary = (name: string) => {
    for (let i = 0; i < boundaryList.length; i++) {
      const b = boundaryList[i] as string;
      if (slice(b, -2) === "/*" ? startsWith(name, slice(b, 0, -1)) : name === b || startsWith(name, `${b}/`)) return true;
    }
    return false;
  };
  /** `path#Owner.member` split once, with captured string functions. */
  const splitTarget = (target: string): { file: string; owner: string; member: string | undefined } => {
    const hash = apply(stringIndexOf, target, ["#"]) as number;
    const name = slice(target, hash + 1);
    const dot = apply(stringIndexOf, name, ["."]) as number;
    return { file: slice(target, 0, hash), owner: dot >= 0 ? slice(name, 0, dot) : name, member: dot >= 0 ? slice(name, dot + 1) : undefined };
  };

  /** The buffer port, taught the base64url encoding Node's Buffer has and the port lacks. */
  const bufferPort = () => {
    const mod = requireFrom(PORTS)("buffer/") as { Buffer: Fn & { from: Fn; byteLength: Fn; isEncoding: Fn; prototype: { toString: Fn } } };
    const B = mod.Buffer;
    const toBase64 = (s: string) => s.replace(/-/g, "+").replace(/_/g, "/");
    const from = B.from;
    B.from = function (this: unknown, v: unknown, enc?: unknown, ...rest: unknown[]) {
      return enc === "base64url" && typeof v === "string" ? from.call(this, toBase64(v), "base64", ...rest) : from.call(this, v, enc, ...rest);
    };
    const byteLength = B.byteLength;
    B.byteLength = function (this: unknown, v: unknown, enc?: unknown) {
      return enc === "base64url" && typeof v === "string" ? byteLength.call(this, toBase64(v), "base64") : byteLength.call(this, v, enc);
    };
    const isEncoding = B.isEncoding;
    B.isEncoding = (enc: unknown) => enc === "base64url" || Boolean(isEncoding(enc));
    const toString = B.prototype.toString;
    B.prototype.toString = function (this: unknown, enc?: unknown, ...rest: unknown[]) {
      if (enc !== "base64url") return toString.call(this, enc, ...rest);
      return String(toString.call(this, "base64", ...rest)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    };
    return mod;
  };

  /**
   * `async_hooks`, as far as one simulated world needs it: an AsyncResource runs its function at once (raw-body
   * binds its callbacks through one), and an AsyncLocalStorage keeps the store of the run() that entered last,
   * which follows one request at a time (stores of interleaved requests are not kept apart).
   */
  const asyncHooks = () => {
    class AsyncResource {
      constructor(readonly type: unknown = "AsyncResource") {}
      runInAsyncScope(fn: Fn, self?: unknown, ...args: unknown[]) {
        return apply(fn, self, args);
      }
      bind(fn: Fn, self?: unknown) {
        return (...args: unknown[]) => apply(fn, self, args);
      }
      emitDestroy() {
        return this;
      }
      asyncId() {
        return 1;
      }
      triggerAsyncId() {
        return 0;
      }
      static bind(fn: Fn, _type?: unknown, self?: unknown) {
        return (...args: unknown[]) => apply(fn, self, args);
      }
    }
    class AsyncLocalStorage {
      private store: unknown;
      getStore() {
        return this.store;
      }
      run(store: unknown, fn: Fn, ...args: unknown[]) {
        this.store = store;
        return apply(fn, undefined, args);
      }
      enterWith(store: unknown) {
        this.store = store;
      }
      exit(fn: Fn, ...args: unknown[]) {
        const was = this.store;
        this.store = undefined;
        try {
          return apply(fn, undefined, args);
        } finally {
          this.store = was;
        }
      }
      disable() {
        this.store = undefined;
      }
    }
    return { AsyncResource, AsyncLocalStorage, createHook: () => ({ enable() { return this; }, disable() { return this; } }), executionAsyncId: () => 1, triggerAsyncId: () => 0, executionAsyncResource: () => ({}) };
  };

  /** `diagnostics_channel` with nobody subscribed: publishing does nothing, and a traced function just runs. */
  const diagnosticsChannel = () => {
    const channel = (name: unknown) => ({ name, hasSubscribers: false, publish() {}, subscribe() {}, unsubscribe() { return false; }, bindStore() {}, unbindStore() { return false; }, runStores: (_data: unknown, fn: Fn, self?: unknown, ...args: unknown[]) => apply(fn, self, args) });
    const tracingChannel = (name: unknown) => ({
      start: channel(`tracing:${String(name)}:start`),
      end: channel(`tracing:${String(name)}:end`),
      asyncStart: channel(`tracing:${String(name)}:asyncStart`),
      asyncEnd: channel(`tracing:${String(name)}:asyncEnd`),
      error: channel(`tracing:${String(name)}:error`),
      hasSubscribers: false,
      subscribe() {},
      unsubscribe() { return false; },
      traceSync: (fn: Fn, _ctx?: unknown, self?: unknown, ...args: unknown[]) => apply(fn, self, args),
      tracePromise: (fn: Fn, _ctx?: unknown, self?: unknown, ...args: unknown[]) => apply(fn, self, args),
      traceCallback: (fn: Fn, _position?: unknown, _ctx?: unknown, self?: unknown, ...args: unknown[]) => apply(fn, self, args),
    });
    return { channel, tracingChannel, hasSubscribers: () => false, subscribe() {}, unsubscribe() { return false; }, Channel: function Channel() {} };
  };

  // ---- fs: reads of the repo's files from the revision's tree, everything else a recording stand-in --------
  /** As fs-tree.ts FS_PREFIX: the prelude's own requests to the host, which no repo path can imitate (NUL). */
  const FS_PREFIX = "\u0000worldline-fs:";
  /** The repo-relative path a path argument names inside /repo (the sandbox's working directory), else undefined. */
  const repoPathOf = (p: unknown): string | undefined => {
    let raw: string | undefined;
    if (typeof p === "string") raw = p;
    else if (p !== null && typeof p === "object" && isA(p, whatwgUrl().URL as object)) {
      const href = String((p as { href: unknown }).href);
      if (startsWith(href, "file://")) raw = decodeURIComponent(slice(href, 7));
    }
    if (raw === undefined) return undefined;
    const parts = apply(String.prototype.split, startsWith(raw, "/") ? raw : `/repo/${raw}`, ["/"]) as string[];
    const out: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      if (part === "" || part === ".") continue;
      if (part === "..") out.length = out.length > 0 ? out.length - 1 : 0;
      else out[out.length] = part;
    }
    if (out[0] !== "repo") return undefined;
    let rel = "";
    for (let i = 1; i < out.length; i++) rel += (i > 1 ? "/" : "") + (out[i] as string);
    return rel;
  };
  const fsError = (code: string, syscall: string, p: unknown, what: string): Error => {
    const e = new RealError(`${code}: ${what}, ${syscall} '${String(p)}'`) as Error & Obj;
    e.code = code;
    e.errno = code === "ENOENT" ? -2 : code === "EISDIR" ? -21 : -20;
    e.syscall = syscall;
    e.path = String(p);
    return e;
  };
  /** The host's answer for a path in the repo (fs-tree.ts), or undefined for a path outside it (the stand-in's). */
  const fsQuery = (op: "read" | "list" | "stat", p: unknown, call: string): Obj | undefined => {
    const rel = repoPathOf(p);
    if (rel === undefined || apply(String.prototype.indexOf, `/${rel}/`, ["/node_modules/"]) >= 0) return undefined;
    const a = jsonParse(load(`${FS_PREFIX}${op}:${rel}`, PORTS)) as Obj;
    if (hasOwn(a, "unserved")) throw new RealError(`fs.${call}(${rel}): a simulation serves fs reads of the repo's code and JSON files at the revision only, not this kind of file`);
    return a;
  };
  const fsText = (a: Obj, p: unknown, options: unknown): unknown => {
    if (hasOwn(a, "dir")) throw fsError("EISDIR", "read", p, "illegal operation on a directory");
    if (!hasOwn(a, "text")) throw fsError("ENOENT", "open", p, "no such file or directory");
    const encoding = typeof options === "string" ? options : options !== null && typeof options === "object" ? (options as Obj).encoding : undefined;
    const text = String(a.text);
    if (encoding === "utf8" || encoding === "utf-8") return text;
    const bytes = ((requireFrom(PORTS)("buffer") as Obj).Buffer as { from(s: string): { toString(e?: string): string } }).from(text);
    // Another encoding reads the same bytes in it (base64, hex, latin1), as Node does.
    return encoding === undefined || encoding === null ? bytes : bytes.toString(String(encoding));
  };
  const fsStats = (a: Obj, p: unknown, syscall: string): unknown => {
    if (!hasOwn(a, "dir") && !hasOwn(a, "file")) throw fsError("ENOENT", syscall, p, "no such file or directory");
    const dir = hasOwn(a, "dir");
    const st = objectCreate(null) as Obj;
    st.size = dir ? 4096 : Number(a.file);
    st.isFile = () => !dir;
    st.isDirectory = () => dir;
    st.isSymbolicLink = () => false;
    st.mtimeMs = cfg.clockMs;
    st.mtime = new RealDate(cfg.clockMs);
    return st;
  };
  const fsEntries = (a: Obj, p: unknown, options: unknown): unknown[] => {
    if (hasOwn(a, "file")) throw fsError("ENOTDIR", "scandir", p, "not a directory");
    if (!hasOwn(a, "entries")) throw fsError("ENOENT", "scandir", p, "no such file or directory");
    const types = options !== null && typeof options === "object" && (options as Obj).withFileTypes === true;
    const list = a.entries as Array<[string, boolean]>;
    const out: unknown[] = [];
    for (let i = 0; i < list.length; i++) {
      const [name, dir] = list[i] as [string, boolean];
      if (!types) out[out.length] = name;
      else out[out.length] = { name, isFile: () => !dir, isDirectory: () => dir, isSymbolicLink: () => false };
    }
    return out;
  };
  const fsModules = dict<unknown>();
  /**
   * Node's fs inside a simulation: reads of paths in the repo (readFileSync, readdirSync, statSync, existsSync and
   * their promise forms) are answered from the revision's tree, so a test's fixtures load; a path outside the
   * repo, and every write, goes to the recording stand-in as before (its calls are effects).
   */
  const fsModule = (name: "fs" | "fs/promises"): unknown => {
    if (hasOwn(fsModules, name)) return fsModules[name];
    const recorded = standIn(name) as Obj;
    const recordedPromises = name === "fs" ? (recorded.promises as Obj) : recorded;
    /** A flag that writes (`w`, `a`, `w+`...) makes a read a write: the stand-in records it. */
    const writes = (o: unknown): boolean => {
      const flag = o !== null && typeof o === "object" ? (o as Obj).flag : undefined;
      return flag !== undefined && flag !== "r" && flag !== "rs" && flag !== "sr";
    };
    const served = <T>(op: "read" | "list" | "stat", call: string, answer: (a: Obj, p: unknown, o: unknown) => T, fallback: Obj = recorded, as = call) => (p: unknown, o?: unknown, ...rest: unknown[]): T => {
      const a = writes(o) ? undefined : fsQuery(op, p, call);
      return a === undefined ? ((fallback[as] as Fn)(p, o, ...rest) as T) : answer(a, p, o);
    };
    const readText = (a: Obj, p: unknown, o: unknown) => fsText(a, p, o);
    const stat = (a: Obj, p: unknown) => fsStats(a, p, "stat");
    const lstat = (a: Obj, p: unknown) => fsStats(a, p, "lstat");
    const exists = (a: Obj) => hasOwn(a, "dir") || hasOwn(a, "file");
    // The promise forms answer as promises, and a path they do not serve goes to their own stand-in (fs/promises#readFile).
    const later = <T>(f: (p: unknown, o?: unknown, ...rest: unknown[]) => T) => (p: unknown, o?: unknown, ...rest: unknown[]) => {
      try {
        return promiseResolve(f(p, o, ...rest));
      } catch (e) {
        return promiseReject(e);
      }
    };
    const promises = objectCreate(null) as Obj;
    promises.readFile = later(served("read", "readFile", readText, recordedPromises));
    promises.readdir = later(served("list", "readdir", fsEntries, recordedPromises));
    promises.stat = later(served("stat", "stat", stat, recordedPromises));
    promises.lstat = later(served("stat", "lstat", lstat, recordedPromises));
    /**
     * The module: an ordinary object holding the served functions as own writable properties (so `vi.spyOn(fs,
     * "readFileSync")`, assignment and Object.keys work as on Node's), every other member read from the stand-in.
     * `import fs from "fs"` reads `default`: the module itself.
     */
    const over = (own: Obj, rest: Obj): Obj => {
      const self: Obj = new RealProxy(own, { get: (t, k) => (k === "default" && !hasOwn(t, k) ? self : hasOwn(t, k) ? (t as Obj)[k as string] : rest[k as string]) });
      return self;
    };
    const promisesModule = over(promises, recordedPromises);
    if (name === "fs/promises") {
      fsModules[name] = promisesModule;
      return promisesModule;
    }
    const sync = objectCreate(null) as Obj;
    sync.readFileSync = served("read", "readFileSync", readText);
    sync.readdirSync = served("list", "readdirSync", fsEntries);
    sync.statSync = served("stat", "statSync", stat);
    sync.lstatSync = served("stat", "lstatSync", lstat);
    sync.existsSync = served("stat", "existsSync", exists);
    sync.promises = promisesModule;
    const m = over(sync, recorded);
    fsModules[name] = m;
    return m;
  };

  const internal: Record<string, () => unknown> = {
    process: () => processApi,
    // Node's url: the legacy API (the url port) with the WHATWG classes beside it.
    url: () => {
      const legacy = requireFrom(PORTS)("url/") as Obj;
      const out = objectCreate(null) as Obj;
      for (const k of objectKeys(legacy)) out[k] = legacy[k];
      out.URL = whatwgUrl().URL;
      out.URLSearchParams = whatwgUrl().URLSearchParams;
      out.fileURLToPath = (u: unknown) => decodeURIComponent(String(typeof u === "string" ? u : (u as { href?: unknown }).href).replace(/^file:\/\//, ""));
      out.pathToFileURL = (p: unknown) => new (whatwgUrl().URL as new (s: string) => unknown)(`file://${encodeURI(String(p))}`);
      return out;
    },
    // Node's streams are pure computation: readable-stream runs for real (an fs or net stream is still a stand-in's).
    stream: nodeStream,
    "stream/promises": () => nodeStream().promises,
    "stream/web": () => {
      const w = webClassesBuilt();
      const out = objectCreate(null) as Obj;
      for (const k of objectKeys(w)) if (matches(/Stream|Reader|Writer|Controller|Strategy/, k)) out[k] = w[k as WebGlobalName];
      return out;
    },
    async_hooks: asyncHooks,
    diagnostics_channel: diagnosticsChannel,
    // No terminal in a simulation: nothing is a TTY (debug and supports-color ask).
    tty: () => ({ isatty: () => false, ReadStream: function ReadStream() {}, WriteStream: function WriteStream() {} }),
    buffer: bufferPort,
    timers: () => timerApi,
    perf_hooks: () => ({ performance: performanceApi }),
    crypto: () => {
      const hash = (alg: string) => {
        const a = alg.toLowerCase().replace("-", "");
        return a === "md5" ? new (requireFrom(PORTS)("md5.js") as new () => unknown)() : (requireFrom(PORTS)("sha.js") as (a: string) => unknown)(a);
      };
      return {
        createHash: hash,
        randomUUID: uuid,
        randomInt: (a: number, b?: number) => (b === undefined ? Math.floor(random() * a) : a + Math.floor(random() * (b - a))),
        randomBytes: (n: number) => (requireFrom(PORTS)("buffer") as { Buffer: { from(a: number[]): unknown } }).Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256))),
        getRandomValues: (G.crypto as Obj).getRandomValues,
        webcrypto: G.crypto,
      };
    },
  };

  const stubRepoSymbols = (id: string, exports: unknown) => {
    for (const target of objectKeys(stubs)) {
      const { file, owner, member } = splitTarget(target);
      if (file !== id) continue;
      const holder = exports as Obj;
      const original = holder[owner];
      if (member === undefined) {
        if (typeof original === "function") holder[owner] = standInFunction(target, original as Fn);
      } else if (typeof original === "function") {
        const cls = original as unknown as Obj & { prototype: Obj };
        if (typeof cls[member] === "function") cls[member] = standInFunction(target, cls[member] as Fn);
        else if (typeof cls.prototype?.[member] === "function") cls.prototype[member] = standInFunction(target, cls.prototype[member] as Fn);
      }
    }
  };
  const AsyncFunction = (async () => undefined).constructor;
  const standInFunction = (target: string, original: Fn): Fn => {
    const async = isA(original, AsyncFunction);
    const f = function (this: unknown, ...args: unknown[]) {
      return callBoundary(target, "call", args, async);
    };
    standIns.set(f, target);
    return f;
  };

  /** What the host answered for a module, read through own properties only. */
  const answerOf = (json: string): Loaded => {
    const a = jsonParse(json) as Obj;
    const field = <T>(k: string): T | undefined => (hasOwn(a, k) ? (a[k] as T) : undefined);
    return { kind: field<Loaded["kind"]>("kind") ?? "error", id: field("id"), filename: field("filename"), code: field("code"), text: field("text"), siteBase: field("siteBase"), siteCount: field("siteCount"), message: field("message") };
  };

  const requireFrom = (fromId: string) => (spec: string): unknown => {
    if (typeof spec !== "string") throw new TypeError("require needs a string");
    const name = startsWith(spec, "node:") ? slice(spec, 5) : spec;
    // The test runners' modules come from Worldline, whether or not the repo has them installed.
    if (!startsWith(fromId, PORTS) && (name === "vitest" || name === "@jest/globals" || name === "mocha" || name === "test")) return testApi().module(name);
    const builtIn = hasOwn(internal, name) ? internal[name] : undefined;
    if (builtIn) {
      const key = `internal:${name}`;
      const hit = hasOwn(modules, key) ? modules[key] : undefined;
      if (hit) return hit.exports;
      const m: Module = { id: key, exports: builtIn(), loaded: true };
      modules[key] = m;
      return m.exports;
    }
    if (world) {
      const routed = world.module(name);
      if (routed !== undefined) return routed;
    }
    if ((name === "fs" || name === "fs/promises") && boundary(name)) return fsModule(name);
    if (boundary(name)) return standIn(name);
    const answer = answerOf(load(spec, fromId));
    if (answer.kind === "missing") {
      // A step's own module must exist: a stand-in would make a missing file "pass".
      if (fromId === "") {
        fatal ??= { reason: `${slice(spec, 1)} is not a file of the repo at this revision`, site: lastSite, missingModule: slice(spec, 1) };
        return stop(fatal.reason);
      }
      return standIn(name);
    }
    if (answer.kind === "error") {
      fatal ??= { reason: answer.message ?? `cannot load ${spec}`, site: lastSite };
      throw new SandboxViolation(answer.message);
    }
    const id = answer.id ?? spec;
    const hit = hasOwn(modules, id) ? modules[id] : undefined;
    if (hit) return hit.exports;
    if (answer.kind === "loaded") throw new SandboxViolation(`module ${id} was lost`);
    const m: Module = { id, exports: {}, loaded: false };
    modules[id] = m;
    if (answer.kind === "json") m.exports = jsonParse(answer.text ?? "null");
    else {
      const filename = answer.filename ?? id;
      const wrapper = indirectEval(`(function (exports, require, module, __filename, __dirname, __wl) {${answer.code ?? ""}\n})\n//# sourceURL=${filename}`) as Fn;
      if (answer.siteCount) siteFiles[siteFiles.length] = [answer.siteBase ?? 0, answer.siteCount, id];
      // The repo lies at /repo (process.cwd()): its modules' __filename and __dirname are absolute there, as in Node.
      const path = startsWith(id, PORTS) ? filename : `/repo/${filename}`;
      const slash = apply(stringLastIndexOf, path, ["/"]) as number;
      // A module's top level runs once per isolate: in a batch, every later case depends on it.
      sharedDepth++;
      try {
        apply(wrapper, m.exports, [m.exports, requireFrom(id), m, path, slice(path, 0, slash), recorder(answer.siteBase ?? 0, answer.siteCount ?? 0)]);
      } finally {
        sharedDepth--;
      }
      stubRepoSymbols(id, m.exports);
    }
    m.loaded = true;
    return m.exports;
  };
  defineProperty(G, "Buffer", { get: () => (requireFrom(PORTS)("buffer") as Obj).Buffer, configurable: true });

  // ---- steps ----------------------------------------------------------------------------------------
  interface Outcome {
    settled: boolean;
    result?: unknown;
    error?: unknown;
    threw: boolean;
    /** Where the error was thrown, as seen when it was caught. */
    site?: number;
  }
  interface StepRecord {
    result?: string;
    error?: { name: string; message: string; site: number };
    pending?: boolean;
    effects: [number, number];
  }
  const outcomes = list<Outcome>();
  /** The arguments each step's call was given (read by its expectations as `args`, after the call ran). */
  const stepArgs = list<unknown[]>();
  /** The step begun last (a batch runs its steps in the file's order, not their index order). */
  let currentStep = -1;
  const stepRecords = list<StepRecord>();
  let effectsAtStart = 0;
  /** Set when a case's outcome recorded a tamper (the realm is no longer one a later case can be judged in). */
  let spoiled = false;
  // Read once, own fields only: the code may define `args_js` on Object.prototype before a later step.
  const steps: StepSpec[] = [];
  for (let i = 0; i < cfg.steps.length; i++) {
    const raw = cfg.steps[i] as unknown as Obj;
    const step = objectCreate(null) as StepSpec;
    step.call = hasOwn(raw, "call") ? String(raw.call) : "";
    step.expect = [];
    if (hasOwn(raw, "args")) step.args = raw.args as unknown[];
    if (hasOwn(raw, "args_js")) step.args_js = raw.args_js as string;
    if (hasOwn(raw, "construct")) step.construct = raw.construct as unknown[];
    if (hasOwn(raw, "run") && raw.run !== null && typeof raw.run === "object") {
      const r = raw.run as Obj;
      const ref = objectCreate(null) as TestRef;
      ref.file = hasOwn(r, "file") ? String(r.file) : "";
      ref.titles = [];
      const titles = hasOwn(r, "titles") && isArray(r.titles) ? (r.titles as unknown[]) : [];
      for (let k = 0; k < titles.length; k++) defineProperty(ref.titles, k, { value: String(titles[k]), writable: false, enumerable: true, configurable: false });
      ref.nth = hasOwn(r, "nth") && typeof r.nth === "number" && r.nth >= 1 ? mathFloor(r.nth) : 1;
      freeze(ref.titles);
      step.run = freeze(ref);
    }
    defineProperty(steps, i, { value: step, writable: false, enumerable: true, configurable: false });
  }

  /** Which module each range of sites belongs to: the file whose code is running, for the test API. */
  const siteFiles: Array<[number, number, string]> = [];
  const fileOfSite = (site: number): string | undefined => {
    for (let k = 0; k < siteFiles.length; k++) {
      const [from, count, id] = siteFiles[k] as [number, number, string];
      if (site >= from && site < from + count) return id;
    }
    return undefined;
  };
  // ---- the test API (run steps): installed before any repo code when a step runs a test case -----------
  let testApiInstance: TestApi | undefined;
  const testApi = (): TestApi => {
    if (testApiInstance) return testApiInstance;
    if (!makeTestApi) return stop("the test API is not available in this sandbox");
    const host = objectCreate(null) as TestHost;
    host.G = G;
    host.port = libraryPort;
    host.now = () => now;
    host.setNow = (ms: number) => {
      if (isFinite(ms)) now = ms;
    };
    const virtualTimers = objectCreate(null) as TestHost["timers"];
    virtualTimers.setTimeout = (fn: Fn, ms: number) => addTimer(fn, ms, [], false);
    virtualTimers.clearTimeout = clear;
    host.timers = freeze(virtualTimers);
    host.state = testState;
    host.currentFile = () => fileOfSite(lastSite);
    host.currentSite = () => lastSite;
    host.shared = (on: boolean) => {
      if (on) sharedDepth++;
      else if (sharedDepth > 0) sharedDepth--;
    };
    testApiInstance = asLibrary(() => makeTestApi(freeze(host)));
    return testApiInstance;
  };
  for (let i = 0; i < steps.length; i++) if ((steps[i] as StepSpec).run) {
    testApi();
    break;
  }
  /** The outcome of each run step, as the test API built it: sealed again when the step finishes. */
  const testOutcomes = dict<unknown>();
  /**
   * The run steps of the same file still to run after step `i` (those not begun: a batch runs in the file's
   * order, not the steps'): the test API keeps their suites open (beforeAll once, afterAll after the last).
   */
  const laterRuns = (i: number, file: string): TestRef[] => {
    const out: TestRef[] = [];
    for (let k = batch ? 0 : i + 1; k < steps.length; k++) {
      if (k === i || (batch && outcomes.at[k] !== undefined)) continue;
      const r = (steps[k] as StepSpec).run;
      if (r && r.file === file) out[out.length] = r;
    }
    return out;
  };
  const runEntry = (ref: TestRef, i: number): Promise<unknown> => testApi().run(ref, () => requireFrom("")(`/${ref.file}`), laterRuns(i, ref.file));

  const entryOf = (call: string, construct: unknown[] | undefined, site: number): { fn: Fn; self: unknown; exports: unknown } => {
    const { file, owner, member } = splitTarget(call);
    const exports = requireFrom("")(`/${file}`) as Obj;
    // Loading ran the module's top level: what follows is the scenario's call again, not its last statement.
    lastSite = site;
    const top = exports[owner];
    if (top === undefined) stop(`${file} exports no ${owner}`);
    if (member === undefined) {
      if (typeof top !== "function") stop(`${call} is not a function`);
      return { fn: top as Fn, self: undefined, exports };
    }
    const cls = top as Obj & (new (...a: unknown[]) => Obj);
    if (typeof cls[member] === "function") return { fn: cls[member] as Fn, self: cls, exports };
    let args = construct;
    if (!args) {
      args = [];
      const n = typeof cls === "function" ? cls.length : 0;
      for (let i = 0; i < n; i++) defineProperty(args, i, { value: standIn(`${file}#${owner}(arg${i})`), writable: true, enumerable: true, configurable: true });
    }
    const self = typeof cls === "function" ? (Reflect.construct(cls, copyArgs(args)) as Obj) : cls;
    if (typeof self[member] !== "function") stop(`${call} is not a method`);
    return { fn: self[member] as Fn, self, exports };
  };
  const copyArgs = (args: unknown[]): unknown[] => {
    const out: unknown[] = [];
    for (let i = 0; i < args.length; i++) defineProperty(out, i, { value: standIns.has(args[i] as object) ? args[i] : copy(args[i]), writable: true, enumerable: true, configurable: true });
    return out;
  };

  const settle = (i: number, o: Omit<Outcome, "settled">) => {
    const rec = objectCreate(null) as Outcome;
    rec.settled = true;
    rec.threw = o.threw;
    if (hasOwn(o, "result")) rec.result = o.result;
    if (hasOwn(o, "error")) rec.error = o.error;
    if (o.site !== undefined) rec.site = o.site;
    outcomes.at[i] = rec;
  };

  // The web classes are built now, before any repo code runs: what they capture of the built-ins (Reflect.apply,
  // Object.freeze, the UTF-8 codec) is the isolate's own, never something the code replaced first.
  if (!webClasses()) throw new RealError("the sandbox's web classes could not be built: report this as a Worldline bug");

  const api: PreludeApi = {
    begin(i) {
      const spec = steps[i];
      effectsAtStart = effects.n;
      const pending = objectCreate(null) as Outcome;
      pending.settled = false;
      pending.threw = false;
      outcomes.at[i] = pending;
      if (outcomes.n <= i) outcomes.n = i + 1;
      currentStep = i;
      if (!spec) return settle(i, { threw: true, error: new RealError(`no step ${i}`) });
      // The step starts in the scenario's own code: its call (or run) line, until repo code runs.
      const callSite = scenarioSite(i, CALL);
      lastSite = callSite;
      stepSites = [callSite, scenarioSite(i, ARGS)];
      intervalOnly = 0;
      /** Where a step's error came from, when it is caught: repo code's own site, else where the step was. */
      const caught = (e: unknown): number => siteOfThrown(e) ?? lastSite;
      // A rejection comes later, from anywhere: without a site of repo code it is the step's call that failed.
      const rejected = (e: unknown) => {
        const site = siteOfThrown(e) ?? callSite;
        if (e instanceof SandboxViolation && !fatal) fatal = { reason: e.message, site };
        settle(i, { threw: true, error: e, site });
      };
      if (spec.run) {
        let p: Promise<unknown>;
        try {
          p = runEntry(spec.run, i);
        } catch (e) {
          const site = caught(e);
          if (e instanceof SandboxViolation && !fatal) fatal = { reason: e.message, site };
          return settle(i, { threw: true, error: e, site });
        }
        apply(promiseThen, p, [
          (v: unknown) => {
            testOutcomes[i] = v;
            settle(i, { threw: false, result: v });
          },
          rejected,
        ]);
        return;
      }
      try {
        const { fn, self, exports } = entryOf(spec.call, spec.construct, callSite);
        let args: unknown = spec.args ? copyArgs(spec.args) : [];
        if (spec.args_js) {
          lastSite = scenarioSite(i, ARGS);
          args = new Function("__exports", `with (__exports) { return (${spec.args_js}); }`)(exports);
          lastSite = scenarioSite(i, ARGS);
          if (!isArray(args)) stop(`args_js of step ${i + 1} must evaluate to an array of arguments`);
        }
        lastSite = callSite;
        stepArgs.at[i] = args as unknown[];
        const r = apply(fn, self, args as unknown[]);
        if (isA(r, RealPromise) && !symbolics.has(r as object)) {
          // A native promise settles through the captured `then`: the code cannot swap it out.
          apply(promiseThen, r, [(v: unknown) => settle(i, { threw: false, result: v }), rejected]);
        } else if (r && (typeof r === "object" || typeof r === "function") && !symbolics.has(r as object) && typeof (r as { then?: unknown }).then === "function") {
          (r as Promise<unknown>).then((v) => settle(i, { threw: false, result: v }), rejected);
        } else settle(i, { threw: false, result: r });
      } catch (e) {
        const site = caught(e);
        if (e instanceof SandboxViolation && !fatal) fatal = { reason: e.message, site };
        settle(i, { threw: true, error: e, site });
      }
    },
    pump() {
      if (fatal) return "done";
      const o = outcomes.at[currentStep];
      if (o?.settled) return "done";
      const t = idleIntervals() ? undefined : nextTimer();
      if (!t) return "stuck";
      runTimer(t);
      return "pending";
    },
    finish(i) {
      const o = outcomes.at[i] ?? ({ settled: false, threw: false } as Outcome);
      // A failure or a tamper after the case's own end (a timer it left behind) still decides its outcome.
      if (hasOwn(testOutcomes, i) && testApiInstance) {
        testApiInstance.seal(testOutcomes[i]);
        const out = testOutcomes[i];
        // The outcome is the test API's own object (no prototype, out of the code's reach): read directly.
        const error = out !== null && typeof out === "object" && hasOwn(out, "error") ? (out as Obj).error : undefined;
        if (error !== null && typeof error === "object" && own(error).name === "SandboxTamper") spoiled = true;
      }
      const rec = objectCreate(null) as StepRecord;
      rec.effects = [effectsAtStart, effects.n];
      if (!o.settled) rec.pending = true;
      else if (o.threw) {
        const e = o.error !== null && typeof o.error === "object" ? own(o.error) : undefined;
        // Never the current site: by now it is whatever ran last (a timer, the next step's module).
        const site = o.site ?? siteOfThrown(o.error) ?? scenarioSite(i, CALL);
        rec.error = { name: text(e ? e.name : undefined, "Error"), message: text(e ? e.message : o.error, ""), site };
      } else rec.result = snap(o.result, 4, RESULT);
      stepRecords.at[i] = rec;
      if (stepRecords.n <= i) stepRecords.n = i + 1;
    },
    expectData(i) {
      // What the expectations of step i read, written out for the pristine realm that checks them. The step's
      // own result and error come first: the realm rebuilds values in this order, and later ones refer back.
      const enc = encoder();
      const o = outcomes.at[i];
      const head = `{"result":${enc(o?.result)},"error":${enc(o?.error)},"args":${enc(stepArgs.at[i])}`;
      let stepsText = "[";
      for (let k = 0; k < outcomes.n; k++) {
        const x = outcomes.at[k];
        stepsText += `${k ? "," : ""}{"result":${enc(x?.result)},"error":${enc(x?.error)}}`;
      }
      const rec = stepRecords.at[i];
      const from = rec ? rec.effects[0] : effects.n;
      const to = rec ? rec.effects[1] : effects.n;
      const symbolicResult = o !== undefined && o.result !== null && typeof o.result === "object" && symbolics.has(o.result);
      const exactEffect = (e: EffectRecord) => `{"target":${quote(e.target)},"kind":${quote(e.kind)},"args":${e.exact},"answer":${quote(e.answer)}}`;
      return `${head},"steps":${stepsText}],"effects":${joinList(effects, from, to, exactEffect)},"symbolic":${symbolicResult ? "true" : "false"}}`;
    },
    settle() {
      // Work a step scheduled for now (setTimeout 0, setImmediate) runs before the next step, as an event loop
      // would run it before the next request: that step's expectations see its effects. Later timers wait.
      const t = fatal ? undefined : nextTimer();
      if (!t || t.due > now) return false;
      runTimer(t);
      return true;
    },
    tick() {
      // Work scheduled by the steps (a retry, a flush) runs in virtual time once they are done.
      const t = fatal || idleIntervals() ? undefined : nextTimer();
      if (t) runTimer(t);
      return t !== undefined;
    },
    report() {
      const stepText = (r: StepRecord | undefined) => {
        if (!r) return '{"effects":[0,0]}';
        let out = `{"effects":[${num(r.effects[0])},${num(r.effects[1])}]`;
        if (r.pending) out += ',"pending":true';
        if (r.result !== undefined) out += `,"result":${r.result}`;
        if (r.error) out += `,"error":{"name":${quote(r.error.name)},"message":${quote(r.error.message)},"site":${num(r.error.site)}}`;
        return `${out}}`;
      };
      const missingText = slice(keysText(missing), 0, -1);
      return (
        `{"events":${sharedEvents.n ? `${slice(joinList(sharedEvents, 0, sharedEvents.n, (e) => e), 0, -1)}${events.n ? "," : ""}${slice(joinList(events, 0, events.n, (e) => e), 1)}` : joinList(events, 0, events.n, (e) => e)},"truncated":${num(truncated)},"effects":${joinList(effects, 0, effects.n, (e) => effectText(e, true))},` +
        `"logs":${joinList(logs, 0, logs.n, quote)},"missingStubs":${missingText}],"steps":${joinList(stepRecords, 0, stepRecords.n, stepText)},"lastSite":${num(lastSite)},` +
        `"hits":${keysText(hits, false)},"env":${keysText(envRead)}` +
        (fatal ? `,"fatal":{"reason":${quote(fatal.reason)},"site":${num(fatal.site)}${fatal.missingModule ? `,"missingModule":${quote(fatal.missingModule)}` : ""}}` : "") +
        "}"
      );
    },
    fatal() {
      return fatal ? `{"reason":${quote(fatal.reason)},"site":${num(fatal.site)}}` : "";
    },
    spoiled: () => {
      // In a batch, work a case left behind (an interval, an unfinished body) would run in the next case's time
      // and count in its record: the next case gets a fresh isolate instead.
      const last = outcomes.at[currentStep];
      return spoiled || (batch && (nextTimer() !== undefined || (last !== undefined && !last.settled)));
    },
    reset() {
      if (!batch) return;
      events.n = 0;
      events.at = objectCreate(null) as Record<number, string>;
      // Effects of shared work (the file's loading, a suite's hooks) stay: each case depends on them, as it does
      // when it runs alone, so a change to what loading does is compared in every case of the batch.
      const kept = objectCreate(null) as Record<number, EffectRecord>;
      let k = 0;
      for (let e = 0; e < effects.n; e++) {
        const effect = effects.at[e];
        if (effect && effect.shared) kept[k++] = effect;
      }
      effects.n = k;
      effects.at = kept;
      logs.n = 0;
      logs.at = objectCreate(null) as Record<number, string>;
      truncated = 0;
      const gone = objectKeys(missing);
      for (let k = 0; k < gone.length; k++) delete missing[gone[k] as string];
      const ran = objectKeys(hits);
      for (let k = 0; k < ran.length; k++) if (!hasOwn(sharedHits, ran[k] as string)) delete hits[ran[k] as unknown as number];
    },
  };
  return freeze(api);

  /**
   * The exact copy of values the expectations read (result, error, earlier steps), as tagged JSON text that
   * user data cannot imitate: every non-primitive is an array whose first item names its kind. Objects keep
   * their identity within one payload (`["r", id]`); class instances keep the values of their getters.
   */
  function encoder(): (v: unknown) => string {
    const ids = weak<number>();
    let nextId = 0;
    let nodes = 0;
    const LIMIT = 200_000;
    const enc = (v: unknown, depth: number): string => {
      if (v === null) return "null";
      switch (typeof v) {
        case "boolean":
          return v ? "true" : "false";
        case "number":
          return isFinite(v) && !objectIs(v, -0) ? "" + v : `["n",${quote(objectIs(v, -0) ? "-0" : "" + v)}]`;
        case "string":
          return quote(v);
        case "undefined":
          return '["u"]';
        case "bigint":
          return `["b",${quote("" + v)}]`;
        case "symbol":
          return `["y",${quote("" + (apply(symbolDescription, v, []) as string | undefined))}]`;
      }
      const o = v as object;
      const sym = symbolics.get(o);
      if (sym !== undefined) return `["S",${quote(sym)}]`;
      const stand = standIns.get(o);
      if (stand !== undefined) return `["I",${quote(stand)}]`;
      const seen = ids.get(o);
      if (seen !== undefined) return `["r",${seen}]`;
      if (++nodes > LIMIT || depth > 40) return '["x"]';
      const id = nextId++;
      ids.set(o, id);
      if (typeof v === "function") return `["f",${id},${quote(fnName(v as Fn))}]`;
      if (isDate(o)) return `["d",${id},${num(apply(dateGetTime, o, []) as number)}]`;
      if (isA(o, RealPromise)) return `["p",${id}]`;
      try {
        if (isA(o, RealError)) {
          const e = own(o);
          return `["e",${id},${quote(text(e.name, "Error"))},${quote(text(e.message, ""))},${entries(o, depth)}]`;
        }
        if (isArray(o)) {
          const a = o as unknown[];
          let out = `["a",${id},[`;
          for (let i = 0; i < a.length; i++) out += (i ? "," : "") + at(a, i, depth);
          return `${out}]]`;
        }
        if (isMap(o)) {
          const it = apply(mapEntries, o, []);
          let out = `["m",${id},[`;
          for (let i = 0; ; i++) {
            const r = apply(mapIterNext, it, []) as IteratorResult<[unknown, unknown]>;
            if (r.done) break;
            out += `${i ? "," : ""}[${enc(r.value[0], depth + 1)},${enc(r.value[1], depth + 1)}]`;
          }
          return `${out}]]`;
        }
        if (isSet(o)) {
          const it = apply(setValues, o, []);
          let out = `["s",${id},[`;
          for (let i = 0; ; i++) {
            const r = apply(setIterNext, it, []) as IteratorResult<unknown>;
            if (r.done) break;
            out += (i ? "," : "") + enc(r.value, depth + 1);
          }
          return `${out}]]`;
        }
        return `["o",${id},${entries(o, depth)}]`;
      } catch {
        return '["x"]';
      }
    };
    const at = (o: Obj | unknown[], k: string | number, depth: number): string => {
      try {
        return enc((o as Obj)[k], depth + 1);
      } catch {
        return '["x"]';
      }
    };
    /** Own enumerable properties, then the getters of the classes it is an instance of. */
    const entries = (o: object, depth: number): string => {
      const keys = objectKeys(o);
      const seenKeys = dict<true>();
      let out = "[";
      let n = 0;
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i] as string;
        seenKeys[k] = true;
        out += `${n++ ? "," : ""}[${quote(k)},${at(o as Obj, k, depth)}]`;
      }
      for (let proto = getPrototypeOf(o); proto && proto !== ObjectPrototype && proto !== ErrorPrototype; proto = getPrototypeOf(proto)) {
        const names = ownKeys(proto);
        for (let i = 0; i < names.length; i++) {
          const k = names[i];
          if (typeof k !== "string" || seenKeys[k]) continue;
          const d = getOwnPropertyDescriptor(proto, k);
          if (!d || typeof d.get !== "function") continue;
          seenKeys[k] = true;
          let value: unknown;
          try {
            value = apply(d.get, o, []);
          } catch {
            continue;
          }
          out += `${n++ ? "," : ""}[${quote(k)},${enc(value, depth + 1)}]`;
        }
      }
      return `${out}]`;
    };
    return (v) => enc(v, 0);
  }
}
