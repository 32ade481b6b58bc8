import type { ExpectationResult, PreludeConfig, PreludeReport, RawEffect, RawEvent, RawStep, Snap, StubSpec } from "./protocol.js";

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
  message?: string;
}

export interface PreludeApi {
  begin(i: number): void;
  pump(): "done" | "pending" | "stuck";
  finish(i: number): void;
  tick(): boolean;
  report(): string;
  fatal(): string;
}

/** The `from` of modules the sandbox itself needs (the pure ports of Node's built-ins and what they use). */
const PORTS = "worldline:";

/** Stops the run: the child turns this into an `error` verdict with the reason. */
class SandboxViolation extends Error {}

export function install(G: Obj, load: (spec: string, from: string) => string, configJson: string): PreludeApi {
  const cfg = JSON.parse(configJson) as PreludeConfig;
  const RealDate = Date;
  const RealPromise = Promise;
  const jsonParse = JSON.parse;
  const jsonStringify = JSON.stringify;

  // ---- the recorder ------------------------------------------------------------------------------
  const events: RawEvent[] = [];
  let truncated = 0;
  let depth = 0;
  let lastSite = -1;
  let fatal: { reason: string; site: number } | undefined;
  const errorSites = new WeakMap<object, number>();
  const symbolics = new WeakMap<object, string>();
  const standIns = new WeakMap<object, string>();
  const missing = new Set<string>();
  let symbolicUses = 0;

  const push = (e: RawEvent) => {
    if (events.length < cfg.maxEvents) events.push(e);
    else truncated++;
  };

  /** A bounded copy of a value; never calls user code except plain property reads. */
  const snap = (v: unknown, budget = 3): Snap => {
    if (v === null || typeof v === "boolean") return v;
    if (typeof v === "number") return Number.isFinite(v) ? (Object.is(v, -0) ? { $number: "-0" } : v) : { $number: String(v) };
    if (typeof v === "string") return v.length > 300 ? `${v.slice(0, 300)}…(${v.length})` : v;
    if (v === undefined) return { $undefined: true };
    if (typeof v === "bigint") return { $bigint: String(v) };
    if (typeof v === "symbol") return { $symbol: String(v.description) };
    const o = v as object;
    const sym = symbolics.get(o);
    if (sym !== undefined) return { $symbolic: sym };
    const stand = standIns.get(o);
    if (stand !== undefined) return { $standIn: stand };
    if (typeof v === "function") return { $function: (v as Fn).name || "anonymous" };
    if (v instanceof RealDate) return { $date: Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString() };
    if (v instanceof Error) return { $error: v.name, message: v.message };
    if (v instanceof RealPromise) return { $promise: true };
    if (budget <= 0) return { $more: Array.isArray(v) ? "array" : "object" };
    if (Array.isArray(v)) {
      const out = v.slice(0, 20).map((x) => snap(x, budget - 1));
      if (v.length > 20) out.push({ $more: v.length - 20 });
      return out;
    }
    if (v instanceof Map) return { $map: [...v.entries()].slice(0, 20).map(([k, x]) => [snap(k, budget - 1), snap(x, budget - 1)]) };
    if (v instanceof Set) return { $set: [...v.values()].slice(0, 20).map((x) => snap(x, budget - 1)) };
    const out: Record<string, Snap> = {};
    const keys = Object.keys(o);
    for (const k of keys.slice(0, 30)) {
      try {
        out[k] = snap((o as Obj)[k], budget - 1);
      } catch {
        out[k] = { $unreadable: true };
      }
    }
    if (keys.length > 30) out.$more = keys.length - 30;
    return out;
  };

  const recorder = (base: number) => ({
    step(s: number) {
      lastSite = base + s;
      push([0, lastSite, depth]);
    },
    val(s: number, v: unknown) {
      push([1, base + s, depth, snap(v, 2)]);
    },
    enter(s: number, args: unknown[]) {
      const caller = lastSite;
      depth++;
      lastSite = base + s;
      push([2, base + s, depth, snap(args, 2)]);
      return caller;
    },
    ret(s: number, v?: unknown) {
      push([3, base + s, depth, snap(v)]);
      return v;
    },
    throw(s: number, e: unknown) {
      if (e && typeof e === "object" && !errorSites.has(e)) errorSites.set(e, lastSite);
      if (e instanceof RangeError && /call stack/i.test(e.message) && !fatal) fatal = { reason: "recursion without end: the call stack was exhausted", site: lastSite };
      push([4, base + s, depth, snap(e, 1)]);
    },
    exit(_s: number, caller?: number) {
      depth--;
      if (caller !== undefined && !fatal) lastSite = caller;
    },
  });

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
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  Math.random = random;
  const uuid = () => {
    const h = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
    h[12] = "4";
    h[16] = ((parseInt(h[16] ?? "0", 16) & 3) | 8).toString(16);
    const s = h.join("");
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  };

  function VirtualDate(this: unknown, ...a: unknown[]): unknown {
    if (!new.target) return new RealDate(now).toString();
    return Reflect.construct(RealDate, a.length ? a : [now], new.target);
  }
  VirtualDate.prototype = RealDate.prototype;
  Object.defineProperty(RealDate.prototype, "constructor", { value: VirtualDate, writable: true, configurable: true });
  Object.assign(VirtualDate, { now: () => now, UTC: RealDate.UTC, parse: RealDate.parse });
  G.Date = VirtualDate;

  interface Timer {
    id: number;
    due: number;
    seq: number;
    fn: Fn;
    args: unknown[];
    every?: number;
  }
  const timers = new Map<number, Timer>();
  let timerSeq = 0;
  const addTimer = (fn: unknown, ms: unknown, args: unknown[], every: boolean) => {
    if (typeof fn !== "function") throw new TypeError("the callback must be a function");
    const delay = Math.max(0, Number(ms) || 0);
    const id = ++timerSeq;
    timers.set(id, { id, due: now + delay, seq: id, fn: fn as Fn, args, ...(every ? { every: Math.max(1, delay) } : {}) });
    return id;
  };
  const clear = (id: unknown) => void timers.delete(typeof id === "object" && id ? Number((id as { id?: number }).id) : Number(id));
  const nextTimer = (): Timer | undefined => {
    let best: Timer | undefined;
    for (const t of timers.values()) if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    return best;
  };
  const runTimer = (t: Timer) => {
    now = Math.max(now, t.due);
    if (t.every) {
      t.due = now + t.every;
      t.seq = ++timerSeq;
    } else timers.delete(t.id);
    t.fn(...t.args);
  };
  const timerApi = {
    setTimeout: (fn: unknown, ms?: unknown, ...args: unknown[]) => addTimer(fn, ms, args, false),
    setInterval: (fn: unknown, ms?: unknown, ...args: unknown[]) => addTimer(fn, ms, args, true),
    setImmediate: (fn: unknown, ...args: unknown[]) => addTimer(fn, 0, args, false),
    clearTimeout: clear,
    clearInterval: clear,
    clearImmediate: clear,
  };
  Object.assign(G, timerApi);
  G.queueMicrotask = (fn: Fn) => void RealPromise.resolve().then(fn);
  const performanceApi = { now: () => now - cfg.clockMs, timeOrigin: cfg.clockMs, mark() {}, measure() {} };
  G.performance = performanceApi;

  // ---- recording stand-ins and symbolic values -----------------------------------------------------
  const used = (origin: string) => {
    symbolicUses++;
    missing.add(origin.split("(")[0] ?? origin);
  };
  const symbolic = (origin: string): unknown => {
    const cache = new Map<PropertyKey, unknown>();
    const p: unknown = new Proxy(function () {}, {
      get(_t, k) {
        if (k === "then") return undefined;
        if (k === Symbol.toPrimitive) return (hint: string) => (used(origin), hint === "number" ? NaN : `⟨${origin}⟩`);
        if (k === "toJSON") return () => ({ $symbolic: origin });
        if (k === "valueOf" || k === "toString") return () => (used(origin), `⟨${origin}⟩`);
        if (k === Symbol.iterator) return function* () { used(origin); };
        if (typeof k === "symbol") return undefined;
        used(origin);
        if (!cache.has(k)) cache.set(k, symbolic(`${origin}.${k}`));
        return cache.get(k);
      },
      apply: () => (used(origin), symbolic(`${origin}()`)),
      construct: () => (used(origin), symbolic(`new ${origin}()`) as object),
      has: () => false,
      set: () => true,
    });
    symbolics.set(p as object, origin);
    return p;
  };

  const effects: RawEffect[] = [];
  const stubUses = new Map<StubSpec, number>();
  const copy = (v: unknown): unknown => (v === undefined ? undefined : jsonParse(jsonStringify(v)));
  const same = (want: unknown, got: unknown): boolean => {
    if (want === got) return true;
    if (want && typeof want === "object" && got && typeof got === "object") {
      return Object.entries(want).every(([k, w]) => same(w, (got as Obj)[k]));
    }
    return typeof want === "string" && got instanceof RealDate && !Number.isNaN(got.getTime()) && got.toISOString().startsWith(want);
  };
  const stubFor = (target: string, args: unknown[]): StubSpec | undefined =>
    cfg.stubs[target]?.find((s) => !s.match || Object.entries(s.match).every(([i, w]) => same(w, args[Number(i)])));

  const ASYNC_PACKAGES = /^(pg|mysql2?|mongodb|mongoose|redis|ioredis|@prisma\/client|axios|node-fetch|undici|got|stripe|@aws-sdk\/.*|kafkajs|amqplib|nodemailer|fetch|fs\/promises)$/;
  const isAsync = (target: string): boolean => {
    const [pkg = "", member = ""] = target.split("#");
    if (/Sync$/.test(member)) return false;
    return ASYNC_PACKAGES.test(pkg) || member.startsWith("promises.");
  };

  /** Records one call at a boundary and answers it: a stub, a thrown stub error, or a symbolic value. */
  const callBoundary = (target: string, kind: "call" | "new", args: unknown[], asyncHint: boolean | undefined): unknown => {
    const stub = stubFor(target, args);
    const effect: RawEffect = { target, kind, args: args.map((a) => snap(a, 3)), site: lastSite, answer: stub ? "stub" : "symbolic" };
    effects.push(effect);
    const async = stub?.async ?? asyncHint ?? (kind === "call" && isAsync(target));
    let answer: { value?: unknown; error?: Error };
    if (!stub) answer = { value: symbolic(`${target}()`) };
    else {
      const n = stubUses.get(stub) ?? 0;
      stubUses.set(stub, n + 1);
      const pick = stub.sequence ? stub.sequence[Math.min(n, stub.sequence.length - 1)] ?? {} : stub;
      if (pick.throws !== undefined) {
        effect.answer = "threw";
        answer = { error: new Error(pick.throws) };
      } else answer = { value: copy(pick.returns) };
    }
    const callback = kind === "call" && !async && /^(fs|dns|child_process|zlib|crypto)#/.test(target) ? args[args.length - 1] : undefined;
    if (typeof callback === "function") {
      RealPromise.resolve().then(() => (callback as Fn)(answer.error ?? null, answer.value));
      return undefined;
    }
    if (async) return answer.error ? RealPromise.reject(answer.error) : RealPromise.resolve(answer.value);
    if (answer.error) throw answer.error;
    return answer.value;
  };

  /** A recording stand-in for a module member at `path` (pg#Pool, pg#Pool.query, stripe#customers.create). */
  const standIn = (path: string): unknown => {
    const members = new Map<PropertyKey, unknown>();
    const p: unknown = new Proxy(function () {}, {
      get(_t, k) {
        if (k === "then" || typeof k === "symbol") return undefined;
        if (k === "__esModule") return true;
        if (k === "default") return p;
        if (!members.has(k)) members.set(k, standIn(path.includes("#") ? `${path}.${k}` : `${path}#${k}`));
        return members.get(k);
      },
      apply: (_t, _self, args: unknown[]) => callBoundary(path.includes("#") ? path : `${path}#default`, "call", args, undefined),
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
  const env: Record<string, string> = { ...cfg.env };
  const hostOnly = (name: string) => () => violation(`process.${name}`);
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
      const t: [number, number] = [Math.floor(ns / 1e9), ns % 1e9];
      return prev ? [t[0] - prev[0], t[1] - prev[1]] : t;
    }, { bigint: () => BigInt(Math.round((now - cfg.clockMs) * 1e6)) }),
    uptime: () => (now - cfg.clockMs) / 1000,
    memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0 }),
    nextTick: (fn: Fn, ...args: unknown[]) => void RealPromise.resolve().then(() => fn(...args)),
    emitWarning: () => undefined,
    on: () => processApi,
    once: () => processApi,
    off: () => processApi,
    stdout: { write: (s: unknown) => (logs.push(`stdout: ${String(s)}`), true) },
    stderr: { write: (s: unknown) => (logs.push(`stderr: ${String(s)}`), true) },
  };
  for (const name of ["binding", "_linkedBinding", "dlopen", "exit", "abort", "kill", "chdir", "setuid", "setgid", "reallyExit"]) processApi[name] = hostOnly(name);
  Object.defineProperty(processApi, "mainModule", { get: () => violation("process.mainModule") });
  G.process = processApi;
  Object.defineProperty(G, "require", { get: () => violation("a global require"), configurable: false });
  G.global = G;

  const logs: string[] = [];
  const log = (level: string) => (...args: unknown[]) => {
    if (logs.length < 500) logs.push(`${level}: ${args.map((a) => (typeof a === "string" ? a : jsonStringify(snap(a, 2)))).join(" ")}`.slice(0, 500));
  };
  G.console = { log: log("log"), info: log("info"), warn: log("warn"), error: log("error"), debug: log("debug"), trace: log("trace") };
  G.fetch = standIn("fetch#fetch");
  G.crypto = { randomUUID: uuid, getRandomValues: <T extends ArrayLike<number> & { [i: number]: number }>(a: T) => { for (let i = 0; i < a.length; i++) a[i] = Math.floor(random() * 256); return a; } };
  G.structuredClone = (v: unknown) => {
    const seen = new Map<unknown, unknown>();
    const clone = (x: unknown): unknown => {
      if (x === null || typeof x !== "object") return x;
      if (seen.has(x)) return seen.get(x);
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
  class Utf8Encoder {
    readonly encoding = "utf-8";
    encode(s = ""): Uint8Array {
      const bytes: number[] = [];
      for (const ch of s) {
        const c = ch.codePointAt(0) ?? 0;
        if (c < 0x80) bytes.push(c);
        else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63));
        else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
        else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      }
      return new Uint8Array(bytes);
    }
  }
  class Utf8Decoder {
    readonly encoding = "utf-8";
    decode(b?: ArrayLike<number>): string {
      let s = "";
      const a = b ?? [];
      for (let i = 0; i < a.length; ) {
        const c = a[i++] ?? 0;
        let cp = c;
        if (c >= 0xf0) cp = ((c & 7) << 18) | (((a[i++] ?? 0) & 63) << 12) | (((a[i++] ?? 0) & 63) << 6) | ((a[i++] ?? 0) & 63);
        else if (c >= 0xe0) cp = ((c & 15) << 12) | (((a[i++] ?? 0) & 63) << 6) | ((a[i++] ?? 0) & 63);
        else if (c >= 0xc0) cp = ((c & 31) << 6) | ((a[i++] ?? 0) & 63);
        s += String.fromCodePoint(cp);
      }
      return s;
    }
  }
  G.TextEncoder = Utf8Encoder;
  G.TextDecoder = Utf8Decoder;

  // ---- modules ------------------------------------------------------------------------------------
  const modules = new Map<string, Module>();
  const boundary = (name: string) => cfg.boundaries.some((b) => (b.endsWith("/*") ? name.startsWith(b.slice(0, -1)) : name === b || name.startsWith(`${b}/`)));

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

  const internal: Record<string, () => unknown> = {
    process: () => processApi,
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
    for (const target of Object.keys(cfg.stubs)) {
      const hash = target.indexOf("#");
      if (target.slice(0, hash) !== id) continue;
      const [owner, member] = target.slice(hash + 1).split(".") as [string, string | undefined];
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
  const standInFunction = (target: string, original: Fn): Fn => {
    const async = original.constructor?.name === "AsyncFunction";
    const f = function (this: unknown, ...args: unknown[]) {
      return callBoundary(target, "call", args, async);
    };
    standIns.set(f, target);
    return f;
  };

  const requireFrom = (fromId: string) => (spec: string): unknown => {
    if (typeof spec !== "string") throw new TypeError("require needs a string");
    const name = spec.startsWith("node:") ? spec.slice(5) : spec;
    const builtIn = internal[name];
    if (builtIn) {
      const hit = modules.get(`internal:${name}`);
      if (hit) return hit.exports;
      const m: Module = { id: `internal:${name}`, exports: builtIn(), loaded: true };
      modules.set(m.id, m);
      return m.exports;
    }
    if (boundary(name)) return standIn(name);
    const answer = jsonParse(load(spec, fromId)) as Loaded;
    if (answer.kind === "missing") return standIn(name);
    if (answer.kind === "error") {
      fatal ??= { reason: answer.message ?? `cannot load ${spec}`, site: lastSite };
      throw new SandboxViolation(answer.message);
    }
    const id = answer.id ?? spec;
    const hit = modules.get(id);
    if (hit) return hit.exports;
    if (answer.kind === "loaded") throw new SandboxViolation(`module ${id} was lost`);
    const m: Module = { id, exports: {}, loaded: false };
    modules.set(id, m);
    if (answer.kind === "json") m.exports = jsonParse(answer.text ?? "null");
    else {
      const wrapper = (0, eval)(`(function (exports, require, module, __filename, __dirname, __wl) {${answer.code}\n})\n//# sourceURL=${answer.filename ?? id}`) as Fn;
      const filename = answer.filename ?? id;
      wrapper.call(m.exports, m.exports, requireFrom(id), m, filename, filename.slice(0, filename.lastIndexOf("/")), recorder(answer.siteBase ?? 0));
      stubRepoSymbols(id, m.exports);
    }
    m.loaded = true;
    return m.exports;
  };
  Object.defineProperty(G, "Buffer", { get: () => (requireFrom(PORTS)("buffer") as Obj).Buffer, configurable: true });

  // ---- steps ----------------------------------------------------------------------------------------
  interface Outcome {
    settled: boolean;
    result?: unknown;
    error?: unknown;
    threw: boolean;
  }
  const outcomes: Outcome[] = [];
  const stepReports: RawStep[] = [];
  let effectsAtStart = 0;

  const entryOf = (call: string, construct: unknown[] | undefined): { fn: Fn; self: unknown; exports: unknown } => {
    const hash = call.indexOf("#");
    const exports = requireFrom("")(`/${call.slice(0, hash)}`) as Obj;
    const [owner, member] = call.slice(hash + 1).split(".") as [string, string | undefined];
    const top = exports[owner];
    if (top === undefined) throw new SandboxViolation(`${call.slice(0, hash)} exports no ${owner}`);
    if (member === undefined) {
      if (typeof top !== "function") throw new SandboxViolation(`${call} is not a function`);
      return { fn: top as Fn, self: undefined, exports };
    }
    const cls = top as Obj & (new (...a: unknown[]) => Obj);
    if (typeof cls[member] === "function") return { fn: cls[member] as Fn, self: cls, exports };
    const args = construct ?? Array.from({ length: typeof cls === "function" ? cls.length : 0 }, (_, i) => standIn(`${call.slice(0, hash)}#${owner}(arg${i})`));
    const self = typeof cls === "function" ? new cls(...copyArgs(args)) : cls;
    if (typeof self[member] !== "function") throw new SandboxViolation(`${call} is not a method`);
    return { fn: self[member] as Fn, self, exports };
  };
  const copyArgs = (args: unknown[]) => args.map((a) => (standIns.has(a as object) ? a : copy(a)));

  const settle = (i: number, o: Omit<Outcome, "settled">) => {
    outcomes[i] = { settled: true, ...o };
  };

  const api: PreludeApi = {
    begin(i) {
      const spec = cfg.steps[i];
      effectsAtStart = effects.length;
      outcomes[i] = { settled: false, threw: false };
      if (!spec) return settle(i, { threw: true, error: new Error(`no step ${i}`) });
      try {
        const { fn, self, exports } = entryOf(spec.call, spec.construct);
        let args: unknown = spec.args ? copyArgs(spec.args) : [];
        if (spec.args_js) {
          args = new Function("__exports", `with (__exports) { return (${spec.args_js}); }`)(exports);
          if (!Array.isArray(args)) throw new SandboxViolation(`args_js of step ${i + 1} must evaluate to an array of arguments`);
        }
        const r = fn.apply(self, args as unknown[]);
        if (r instanceof RealPromise || (r && typeof (r as { then?: unknown }).then === "function" && !symbolics.has(r as object))) {
          (r as Promise<unknown>).then(
            (v) => settle(i, { threw: false, result: v }),
            (e: unknown) => settle(i, { threw: true, error: e }),
          );
        } else settle(i, { threw: false, result: r });
      } catch (e) {
        if (e instanceof SandboxViolation && !fatal) fatal = { reason: e.message, site: lastSite };
        settle(i, { threw: true, error: e });
      }
    },
    pump() {
      if (fatal) return "done";
      const o = outcomes[outcomes.length - 1];
      if (o?.settled) return "done";
      const t = nextTimer();
      if (!t) return "stuck";
      runTimer(t);
      return "pending";
    },
    finish(i) {
      const spec = cfg.steps[i];
      const o = outcomes[i] ?? { settled: false, threw: false };
      const report: RawStep = { expectations: [], effects: [effectsAtStart, effects.length] };
      if (!o.settled) report.pending = true;
      else if (o.threw) {
        const e = o.error as { name?: unknown; message?: unknown } | undefined;
        report.error = { name: String(e?.name ?? "Error"), message: String(e?.message ?? e), site: (typeof o.error === "object" && o.error !== null ? errorSites.get(o.error) : undefined) ?? lastSite };
      } else report.result = snap(o.result, 4);
      const visibleEffects = effects.slice(effectsAtStart).map((e) => ({ target: e.target, kind: e.kind, args: e.args, answer: e.answer }));
      const stepsSoFar = outcomes.map((x) => ({ result: x?.result, error: x?.error }));
      for (const expr of spec?.expect ?? []) {
        let check: Fn;
        try {
          check = new Function("result", "error", "effects", "steps", `"use strict"; return (${expr});`) as Fn;
        } catch {
          report.expectations.push({ expect: expr, status: "unchecked", detail: "prose: not a JavaScript expression" });
          continue;
        }
        const before = symbolicUses;
        let r: ExpectationResult;
        try {
          r = { expect: expr, status: check(o.result, o.error, visibleEffects, stepsSoFar) ? "pass" : "fail" };
        } catch (e) {
          r = { expect: expr, status: "threw", detail: String((e as Error)?.message ?? e) };
        }
        if (symbolicUses > before || symbolics.has(o.result as object)) r.symbolic = true;
        report.expectations.push(r);
      }
      stepReports[i] = report;
    },
    tick() {
      // Work scheduled by the steps (a retry, a flush) runs in virtual time once they are done.
      const t = fatal ? undefined : nextTimer();
      if (t) runTimer(t);
      return t !== undefined;
    },
    report() {
      const r: PreludeReport = { events, truncated, effects, logs, missingStubs: [...missing].sort(), steps: stepReports, lastSite, ...(fatal ? { fatal } : {}) };
      return jsonStringify(r);
    },
    fatal() {
      return fatal ? jsonStringify(fatal) : "";
    },
  };
  return api;
}
