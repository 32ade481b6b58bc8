/**
 * The web platform's classes Node has as globals, for the isolate (DESIGN.md: sandbox built-ins): the streams
 * from web-streams-polyfill (a pure-JS implementation of the WHATWG Streams standard, checked against its
 * platform tests), and Event, EventTarget, AbortController/AbortSignal, DOMException, Blob, File, Headers,
 * Request, Response, FormData, TextEncoderStream and TextDecoderStream written here after their standards,
 * as far as a server and its clients use them (koa 3, hono's node adapter, ky's feature probes).
 *
 * Like the prelude, this file runs inside the isolate, served by the module loader as one of Worldline's own
 * ports, and reaches nothing but the `port` function it is handed. It is built once per isolate, when the
 * prelude installs, before any repo code runs (a build on first use would capture what the code replaced). What the classes do to each other (a Response's headers, a body read whole)
 * goes through functions and slots kept in this closure and intrinsics captured when it is built, so code that
 * later patches `Headers.prototype` or `ReadableStream.prototype` changes only what it itself calls.
 */

type Fn = (...args: unknown[]) => unknown;
type Obj = Record<string | symbol, unknown>;

/** The globals this file provides, by their Node names. */
export const WEB_GLOBALS = [
  "ReadableStream",
  "ReadableStreamDefaultReader",
  "ReadableStreamBYOBReader",
  "ReadableStreamBYOBRequest",
  "ReadableStreamDefaultController",
  "ReadableByteStreamController",
  "WritableStream",
  "WritableStreamDefaultWriter",
  "WritableStreamDefaultController",
  "TransformStream",
  "TransformStreamDefaultController",
  "ByteLengthQueuingStrategy",
  "CountQueuingStrategy",
  "TextEncoderStream",
  "TextDecoderStream",
  "Event",
  "EventTarget",
  "DOMException",
  "AbortController",
  "AbortSignal",
  "Blob",
  "File",
  "Headers",
  "Request",
  "Response",
  "FormData",
] as const;
export type WebGlobalName = (typeof WEB_GLOBALS)[number];
export type WebGlobals = Record<WebGlobalName, unknown>;

/** A readable stream as this file uses one (the polyfill's, or whatever the code hands a body). */
interface Stream {
  getReader(): { read(): Promise<{ done: boolean; value?: unknown }>; releaseLock(): void };
  locked: boolean;
}
interface StreamClass {
  new (source?: Obj, strategy?: Obj): Stream;
  prototype: Stream;
}
interface TransformClass {
  new (t: Obj): { readable: Stream; writable: unknown };
}

/** What a fetch answered, as the services world delivered it. */
export interface FetchAnswer {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
  url: string;
}
interface Built {
  globals: WebGlobals;
  fetchResponse(a: FetchAnswer): unknown;
  describe(o: unknown): Obj | undefined;
  clone(o: unknown): { value: unknown } | undefined;
}
let built: Built | undefined;
let building = false;
/** The classes, built once; undefined while they are being built (the polyfill probes `typeof DOMException`). */
const ensure = (port: (spec: string) => unknown): Built | undefined => {
  if (built || building) return built;
  building = true;
  try {
    built = build(port);
  } finally {
    building = false;
  }
  return built;
};

/**
 * The classes, built once per isolate, when the prelude installs (before any repo code); `port` loads Worldline's pure ports (web-streams-polyfill).
 * Undefined only for a read of a global made while they are being built: none of them exists yet.
 */
export function webGlobals(port: (spec: string) => unknown): WebGlobals | undefined {
  return ensure(port)?.globals;
}

/**
 * What a trace shows of one of these objects, read from its slots: none has own keys (Node's copy of a Response
 * is `{}`), so a changed status, header or body would otherwise look the same at base and head. A plain object
 * with one key naming its kind (`$response`, `$request`, `$headers`, `$blob`, `$file`, `$formData`,
 * `$abortSignal`), or undefined for any other value, and before the classes are built. Runs none of the code's functions.
 */
export function describeWeb(o: unknown): Obj | undefined {
  return built?.describe(o);
}

/**
 * structuredClone of one of these objects as Node 20 does it, for the prelude's structuredClone: a Blob (and a
 * File, which Node 20 clones as a Blob) is copied from its slot; a stream refuses, as it must be transferred;
 * undefined for anything else (the prelude copies its own keys: a Response or an Event clones to `{}`).
 */
export function cloneWeb(o: unknown): { value: unknown } | undefined {
  return built?.clone(o);
}

/** A `Response` as fetch resolves with one: type "basic", its URL, immutable headers, any status a server sent. */
export function fetchResponse(port: (spec: string) => unknown, a: FetchAnswer): unknown {
  const b = ensure(port);
  if (!b) throw new Error("web-world: a fetch answered while the web classes were being built");
  return b.fetchResponse(a);
}

function build(port: (spec: string) => unknown): Built {
  // ---- intrinsics, captured before anything else can run ------------------------------------------------
  const apply = Reflect.apply;
  const defineProperty = Reflect.defineProperty;
  const getPrototypeOf = Reflect.getPrototypeOf;
  const RealPromise = Promise;
  const promiseThen = RealPromise.prototype.then;
  const promiseResolve = RealPromise.resolve.bind(RealPromise);
  const promiseReject = RealPromise.reject.bind(RealPromise);
  const RealTypeError = TypeError;
  const RealError = Error;
  const RealUint8Array = Uint8Array;
  const RealArrayBuffer = ArrayBuffer;
  const isView = ArrayBuffer.isView;
  const u8Set = Uint8Array.prototype.set;
  const StringOf = String;
  const NumberOf = Number;
  const jsonParse = JSON.parse;
  const stringToLower = String.prototype.toLowerCase;
  const stringToUpper = String.prototype.toUpperCase;
  const stringTrim = String.prototype.trim;
  const stringSplit = String.prototype.split;
  const stringIndexOf = String.prototype.indexOf;
  const stringSlice = String.prototype.slice;
  const charCodeAt = String.prototype.charCodeAt;
  const regexExec = RegExp.prototype.exec;
  const toStringTag = Object.prototype.toString;
  const hasInstance = Function.prototype[Symbol.hasInstance];
  const weakGet = WeakMap.prototype.get;
  const weakSet = WeakMap.prototype.set;
  const weakHas = WeakMap.prototype.has;
  const arraySort = Array.prototype.sort;
  const objectCreate = Object.create;
  const freeze = Object.freeze;
  const typedLength = (Reflect.getOwnPropertyDescriptor(getPrototypeOf(Uint8Array.prototype) as object, "length") as PropertyDescriptor).get as Fn;
  /** A byte array's length through the captured getter: one the code put on %TypedArray%.prototype is not read. */
  const lenOf = (b: Uint8Array): number => apply(typedLength, b, []) as number;
  const ownDescriptor = Reflect.getOwnPropertyDescriptor;
  const iteratorSymbol = Symbol.iterator;
  const Utf8 = globalThis as unknown as { TextEncoder: new () => { encode(s: string): Uint8Array }; TextDecoder: new () => { decode(b: ArrayLike<number>): string } };
  const encoder = new Utf8.TextEncoder();
  const encodeFn = getPrototypeOf(encoder) as { encode: Fn };
  const decoder = new Utf8.TextDecoder();
  const decodeFn = getPrototypeOf(decoder) as { decode: Fn };
  const setTimer = (globalThis as unknown as { setTimeout: (fn: () => void, ms: number) => unknown }).setTimeout;

  const lower = (s: string) => apply(stringToLower, s, []) as string;
  const upper = (s: string) => apply(stringToUpper, s, []) as string;
  const trim = (s: string) => apply(stringTrim, s, []) as string;
  // exec, captured, not RegExp.prototype.test: test looks `exec` up on the regex, which the code could replace.
  const test = (re: RegExp, s: string) => apply(regexExec, re, [s]) !== null;
  const isA = (o: unknown, C: object): boolean => {
    try {
      return apply(hasInstance, C, [o]) as boolean;
    } catch {
      return false;
    }
  };
  const tagOf = (o: unknown) => apply(toStringTag, o, []) as string;
  const then = <T, U>(p: Promise<T>, ok: (v: T) => U | Promise<U>, bad?: (e: unknown) => U | Promise<U>): Promise<U> => apply(promiseThen, p, bad ? [ok, bad] : [ok]) as Promise<U>;
  // The codec's functions themselves, taken now: a method the code later puts on its prototype is never called.
  const encodeOf = encodeFn.encode;
  const decodeOf = decodeFn.decode;
  const bufferOf = (Reflect.getOwnPropertyDescriptor(getPrototypeOf(Uint8Array.prototype) as object, "buffer") as PropertyDescriptor).get as Fn;
  const offsetOf = (Reflect.getOwnPropertyDescriptor(getPrototypeOf(Uint8Array.prototype) as object, "byteOffset") as PropertyDescriptor).get as Fn;
  /**
   * Bytes `start` to `end` of b as a new array, with slice's bounds (negative from the end). Not
   * %TypedArray%.prototype.slice: it builds its copy through `constructor[Symbol.species]`, which the code can set.
   */
  const sliceBytes = (b: Uint8Array, start = 0, end?: number): Uint8Array => {
    const len = lenOf(b);
    // Plain arithmetic, not Math's methods: the code may have replaced them.
    const int = (x: number) => (x !== x ? 0 : x < 0 ? -((-x) - ((-x) % 1)) : x - (x % 1));
    const clamp = (x: number) => (x < 0 ? (len + x < 0 ? 0 : len + x) : x > len ? len : x);
    const from = clamp(int(start));
    const to = end === undefined ? len : clamp(int(end));
    const n = to > from ? to - from : 0;
    const out = new RealUint8Array(n);
    if (n) apply(u8Set, out, [new RealUint8Array(apply(bufferOf, b, []) as ArrayBuffer, (apply(offsetOf, b, []) as number) + from, n), 0]);
    return out;
  };
  const utf8 = (s: string): Uint8Array => sliceBytes(apply(encodeOf, encoder, [s]) as Uint8Array);
  const fromUtf8 = (b: Uint8Array): string => apply(decodeOf, decoder, [b]) as string;
  /** A private slot per object, kept where the code cannot reach it. */
  const slots = <V>() => {
    const map = new WeakMap<object, V>();
    return {
      get: (o: unknown): V | undefined => (o !== null && (typeof o === "object" || typeof o === "function") ? (apply(weakGet, map, [o]) as V | undefined) : undefined),
      set: (o: object, v: V) => void apply(weakSet, map, [o, v]),
      has: (o: unknown): boolean => o !== null && typeof o === "object" && (apply(weakHas, map, [o]) as boolean),
    };
  };
  const concat = (parts: Uint8Array[]): Uint8Array => {
    let n = 0;
    for (let i = 0; i < parts.length; i++) n += lenOf(parts[i] as Uint8Array);
    const out = new RealUint8Array(n);
    let at = 0;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as Uint8Array;
      apply(u8Set, out, [p, at]);
      at += lenOf(p);
    }
    return out;
  };
  // Internal lists are read by index and written by definition: a method, iterator or index setter the code put
  // on Array.prototype never runs on them, so it can neither see nor change what a record later reads.
  const push = <T>(l: T[], v: T): void => void defineProperty(l, l.length, { value: v, writable: true, enumerable: true, configurable: true });
  const removeAt = <T>(l: T[], at: number): void => {
    for (let i = at; i < l.length - 1; i++) l[i] = l[i + 1] as T;
    l.length = l.length - 1;
  };
  const copyOf = <T>(l: T[]): T[] => {
    const out: T[] = [];
    for (let i = 0; i < l.length; i++) push(out, l[i] as T);
    return out;
  };
  const has = <T>(l: readonly T[], v: T): boolean => {
    for (let i = 0; i < l.length; i++) if (l[i] === v) return true;
    return false;
  };
  /** A header or form entry: frozen, so one that reaches the code cannot be changed under the record. */
  const pairOf = <A, B>(a: A, b: B): [A, B] => freeze([a, b]) as [A, B];
  /** A copy of the bytes of an ArrayBuffer or a view of one; undefined for anything else. */
  const bytesOf = (v: unknown): Uint8Array | undefined => {
    if (isA(v, RealArrayBuffer)) return sliceBytes(new RealUint8Array(v as ArrayBuffer));
    if (isView(v)) {
      const view = v as ArrayBufferView;
      return sliceBytes(new RealUint8Array(view.buffer, view.byteOffset, view.byteLength));
    }
    return undefined;
  };
  const toArrayBuffer = (b: Uint8Array): ArrayBuffer => apply(bufferOf, sliceBytes(b), []) as ArrayBuffer;

  // ---- streams: the polyfill, and what this file needs of them, captured now --------------------------------
  const streams = port("web-streams-polyfill") as Record<string, unknown> & { ReadableStream: StreamClass; TransformStream: TransformClass };
  const RS = streams.ReadableStream;
  const getReader = RS.prototype.getReader;
  const probeReader = apply(getReader, new RS(), []) as object;
  const readerProto = getPrototypeOf(probeReader) as { read: Fn; releaseLock: Fn };
  const readerRead = readerProto.read;
  const lockedGetter = Reflect.getOwnPropertyDescriptor(RS.prototype, "locked")?.get as Fn;
  const isStream = (v: unknown): v is Stream => {
    if (isA(v, RS)) return true;
    return v !== null && typeof v === "object" && typeof (v as { getReader?: unknown }).getReader === "function";
  };
  const streamOfBytes = (b: Uint8Array): Stream =>
    new RS({
      start(c: { enqueue(v: unknown): void; close(): void }) {
        // A copy: the chunk the code reads must not be the body's own bytes (a clone shares them).
        if (lenOf(b)) c.enqueue(sliceBytes(b));
        c.close();
      },
    });
  /** Every chunk of a stream, as bytes (a string chunk in UTF-8). */
  const readAll = (s: Stream): Promise<Uint8Array> => {
    const own = isA(s, RS);
    const reader = own ? (apply(getReader, s, []) as Obj) : (s.getReader() as unknown as Obj);
    const read = own ? readerRead : (reader.read as Fn);
    const parts: Uint8Array[] = [];
    const step = (): Promise<Uint8Array> =>
      then(apply(read, reader, []) as Promise<{ done: boolean; value?: unknown }>, (r) => {
        if (r.done) return concat(parts);
        const v = r.value;
        // Node refuses a string chunk as well: a body stream carries bytes (a TextEncoderStream makes them).
        const b = isView(v) && tagOf(v) === "[object Uint8Array]" ? bytesOf(v) : undefined;
        if (!b) throw new RealTypeError(`Received non-Uint8Array chunk (${typeof v === "string" ? "a string" : tagOf(v)}): a body stream must give Uint8Array chunks; pipe text through a TextEncoderStream`);
        push(parts, b);
        return step();
      });
    return step();
  };

  // ---- DOMException, Event, EventTarget ---------------------------------------------------------------------
  const CODES: Record<string, number> = { IndexSizeError: 1, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11, SyntaxError: 12, InvalidAccessError: 15, TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20, TimeoutError: 23, DataCloneError: 25 };
  // name and code live in a slot behind prototype getters, as in Node: no own keys, JSON.stringify gives {}.
  const domState = slots<{ name: string; code: number }>();
  /**
   * A derived class calls whatever its [[Prototype]] is as super: one the code swapped would make the object and
   * get this file's slot. Refused, as a constructor that is not these classes' own.
   */
  const superIntact = (C: object, parent: object) => {
    if (getPrototypeOf(C) !== parent) throw new RealTypeError("this class's parent was replaced: a web class is constructed only over its own parent");
  };
  class DOMException extends RealError {
    constructor(message = "", options?: string | { name?: string; cause?: unknown }) {
      superIntact(DOMException, RealError);
      const name = typeof options === "string" ? options : (options?.name ?? "Error");
      super(StringOf(message), typeof options === "object" && options && "cause" in options ? { cause: options.cause } : undefined);
      domState.set(this, { name: StringOf(name), code: Object.hasOwn(CODES, name) ? (CODES[name] as number) : 0 });
    }
    override get name(): string {
      return domState.get(this)?.name ?? "Error";
    }
    get code(): number {
      return domState.get(this)?.code ?? 0;
    }
  }
  // The legacy code constants (DOMException.ABORT_ERR === 20), on the class and its prototype as in Node.
  const LEGACY: Record<string, string> = { IndexSizeError: "INDEX_SIZE_ERR", NotFoundError: "NOT_FOUND_ERR", NotSupportedError: "NOT_SUPPORTED_ERR", InvalidStateError: "INVALID_STATE_ERR", SyntaxError: "SYNTAX_ERR", InvalidAccessError: "INVALID_ACCESS_ERR", TypeMismatchError: "TYPE_MISMATCH_ERR", SecurityError: "SECURITY_ERR", NetworkError: "NETWORK_ERR", AbortError: "ABORT_ERR", TimeoutError: "TIMEOUT_ERR", DataCloneError: "DATA_CLONE_ERR" };
  for (const k of Object.keys(LEGACY)) {
    for (const o of [DOMException, DOMException.prototype]) defineProperty(o, LEGACY[k] as string, { value: CODES[k], enumerable: true });
  }
  const tag = (C: { prototype: object }, name: string) => void defineProperty(C.prototype, Symbol.toStringTag, { value: name, configurable: true });
  tag(DOMException, "DOMException");
  // An event's fields live in a slot behind prototype getters, as in Node: no own keys, and only
  // dispatchEvent sets target, currentTarget and phase (an assignment by the code does nothing).
  interface EventState {
    type: string;
    bubbles: boolean;
    cancelable: boolean;
    composed: boolean;
    timeStamp: number;
    target: unknown;
    currentTarget: unknown;
    phase: number;
    stop: boolean;
    canceled: boolean;
    passive: boolean;
    dispatching: boolean;
  }
  const eventState = slots<EventState>();
  const eventOf = (e: unknown): EventState => {
    const s = eventState.get(e);
    if (!s) throw new RealTypeError("Value of \"this\" must be of type Event");
    return s;
  };
  class Event {
    constructor(type: unknown, init?: { bubbles?: boolean; cancelable?: boolean; composed?: boolean }) {
      if (arguments.length === 0) throw new RealTypeError('The "type" argument must be specified');
      const timeStamp = (globalThis as unknown as { performance?: { now(): number } }).performance?.now() ?? 0;
      eventState.set(this, { type: StringOf(type), bubbles: Boolean(init?.bubbles), cancelable: Boolean(init?.cancelable), composed: Boolean(init?.composed), timeStamp, target: null, currentTarget: null, phase: 0, stop: false, canceled: false, passive: false, dispatching: false });
    }
    get type(): string {
      return eventOf(this).type;
    }
    get bubbles(): boolean {
      return eventOf(this).bubbles;
    }
    get cancelable(): boolean {
      return eventOf(this).cancelable;
    }
    get composed(): boolean {
      return eventOf(this).composed;
    }
    get timeStamp(): number {
      return eventOf(this).timeStamp;
    }
    get target(): unknown {
      return eventOf(this).target;
    }
    get currentTarget(): unknown {
      return eventOf(this).currentTarget;
    }
    get srcElement(): unknown {
      return eventOf(this).target;
    }
    get eventPhase(): number {
      return eventOf(this).phase;
    }
    get isTrusted(): boolean {
      return false;
    }
    get defaultPrevented(): boolean {
      return eventOf(this).canceled;
    }
    get returnValue(): boolean {
      return !eventOf(this).canceled;
    }
    get cancelBubble(): boolean {
      return eventOf(this).stop;
    }
    preventDefault(): void {
      const s = eventOf(this);
      if (s.cancelable && !s.passive) s.canceled = true;
    }
    stopImmediatePropagation(): void {
      eventOf(this).stop = true;
    }
    stopPropagation(): void {}
    composedPath(): unknown[] {
      const t = eventOf(this).currentTarget;
      return t ? [t] : [];
    }
  }
  interface Listener {
    type: string;
    fn: unknown;
    once: boolean;
    passive: boolean;
    removed: boolean;
  }
  const listenersOf = slots<Listener[]>();
  const listeners = (t: object): Listener[] => {
    let l = listenersOf.get(t);
    if (!l) listenersOf.set(t, (l = []));
    return l;
  };
  const removeListener = (t: object, type: string, fn: unknown) => {
    const l = listeners(t);
    for (let i = 0; i < l.length; i++) {
      const x = l[i] as Listener;
      if (x.type === type && x.fn === fn) {
        x.removed = true;
        removeAt(l, i);
        return;
      }
    }
  };
  class EventTarget {
    addEventListener(type: unknown, fn: unknown, options?: boolean | { once?: boolean; passive?: boolean; signal?: unknown }): void {
      if (fn === null || fn === undefined) return;
      const t = StringOf(type);
      const o = typeof options === "object" && options ? options : {};
      const signal = o.signal;
      if (signal !== undefined && abortState.get(signal)?.aborted) return;
      const l = listeners(this);
      for (let i = 0; i < l.length; i++) if ((l[i] as Listener).type === t && (l[i] as Listener).fn === fn) return;
      push(l, { type: t, fn, once: Boolean(o.once), passive: Boolean(o.passive), removed: false });
      if (signal !== undefined && abortState.has(signal)) onAbort(signal as object, () => removeListener(this, t, fn));
    }
    removeEventListener(type: unknown, fn: unknown): void {
      removeListener(this, StringOf(type), fn);
    }
    dispatchEvent(event: unknown): boolean {
      const s = eventState.get(event);
      if (!s) throw new RealTypeError('The "event" argument must be an instance of Event');
      if (s.dispatching) throw new RealError(`The event "${s.type}" is already being dispatched: dispatch a new Event instead`);
      s.dispatching = true;
      const e = event as Event;
      s.target = this;
      s.currentTarget = this;
      s.phase = 2;
      const now = copyOf(listeners(this));
      for (let i = 0; i < now.length && !s.stop; i++) {
        const x = now[i] as Listener;
        if (x.type !== s.type || x.removed) continue;
        if (x.once) removeListener(this, x.type, x.fn);
        s.passive = x.passive;
        try {
          if (typeof x.fn === "function") apply(x.fn as Fn, this, [e]);
          else if (x.fn && typeof (x.fn as Obj).handleEvent === "function") apply((x.fn as Obj).handleEvent as Fn, x.fn, [e]);
        } catch (err) {
          // As in Node: a listener's throw does not stop the dispatch; it surfaces as an uncaught error.
          setTimer(() => {
            throw err;
          }, 0);
        }
        s.passive = false;
      }
      s.currentTarget = null;
      s.phase = 0;
      s.dispatching = false;
      return !s.canceled;
    }
  }

  tag(Event, "Event");
  tag(EventTarget, "EventTarget");

  // ---- AbortController and AbortSignal -----------------------------------------------------------------------
  const abortState = slots<{ aborted: boolean; reason: unknown; steps: Array<() => void> }>();
  const onAbort = (signal: object, fn: () => void) => {
    const s = abortState.get(signal);
    if (s) push(s.steps, fn);
  };
  let constructing = false;
  const newSignal = (): AbortSignal => {
    constructing = true;
    try {
      return new AbortSignal();
    } finally {
      constructing = false;
    }
  };
  const signalAbort = (signal: AbortSignal, reason: unknown) => {
    const s = abortState.get(signal);
    if (!s || s.aborted) return;
    s.aborted = true;
    s.reason = reason === undefined ? new DOMException("This operation was aborted", "AbortError") : reason;
    const steps = s.steps;
    s.steps = [];
    for (let i = 0; i < steps.length; i++) (steps[i] as () => void)();
    apply(dispatch, signal, [new Event("abort")]);
  };
  const dispatch = EventTarget.prototype.dispatchEvent;
  // An event handler (onabort) holds one place among the listeners, taken when it is first set, as in Node;
  // setting null gives the place up.
  const handlerOf = slots<{ value: unknown; listener: Listener } | null>();
  class AbortSignal extends EventTarget {
    get onabort(): unknown {
      return handlerOf.get(this)?.value ?? null;
    }
    set onabort(v: unknown) {
      const held = handlerOf.get(this);
      const fn = typeof v === "function" || (v !== null && typeof v === "object") ? v : null;
      if (held && fn === null) {
        held.listener.removed = true;
        const l = listeners(this);
        for (let i = l.length - 1; i >= 0; i--) if (l[i] === held.listener) removeAt(l, i);
        handlerOf.set(this, null);
        return;
      }
      if (fn === null) return;
      if (held) {
        held.value = fn;
        return;
      }
      const self = this;
      const listener: Listener = {
        type: "abort",
        fn: (e: unknown) => {
          const h = handlerOf.get(self)?.value;
          if (typeof h === "function") return apply(h as Fn, self, [e]);
        },
        once: false,
        passive: false,
        removed: false,
      };
      push(listeners(this), listener);
      handlerOf.set(this, { value: fn, listener });
    }
    constructor() {
      superIntact(AbortSignal, EventTarget);
      super();
      if (!constructing) throw new RealTypeError("Illegal constructor");
      abortState.set(this, { aborted: false, reason: undefined, steps: [] });
    }
    get aborted(): boolean {
      return abortState.get(this)?.aborted ?? false;
    }
    get reason(): unknown {
      return abortState.get(this)?.reason;
    }
    throwIfAborted(): void {
      const s = abortState.get(this);
      if (s?.aborted) throw s.reason;
    }
    static abort(reason?: unknown): AbortSignal {
      const s = newSignal();
      signalAbort(s, reason);
      return s;
    }
    /** Aborts after `ms` of the simulation's virtual clock. */
    static timeout(ms: unknown): AbortSignal {
      const s = newSignal();
      setTimer(() => signalAbort(s, new DOMException("The operation was aborted due to timeout", "TimeoutError")), NumberOf(ms));
      return s;
    }
    static any(signals: Iterable<unknown>): AbortSignal {
      const out = newSignal();
      for (const x of signals) {
        const s = abortState.get(x);
        if (!s) throw new RealTypeError('The "signals" argument must be an iterable of AbortSignal');
        if (s.aborted) {
          signalAbort(out, s.reason);
          return out;
        }
        onAbort(x as object, () => signalAbort(out, (abortState.get(x) as { reason: unknown }).reason));
      }
      return out;
    }
  }
  const controllerSignal = slots<AbortSignal>();
  class AbortController {
    constructor() {
      controllerSignal.set(this, newSignal());
    }
    get signal(): AbortSignal {
      return controllerSignal.get(this) as AbortSignal;
    }
    abort(reason?: unknown): void {
      const s = controllerSignal.get(this);
      if (s) signalAbort(s, reason);
    }
  }

  tag(AbortSignal, "AbortSignal");
  tag(AbortController, "AbortController");

  // ---- Blob and File -------------------------------------------------------------------------------------------
  const blobData = slots<{ bytes: Uint8Array; type: string }>();
  const blobTypeOf = (t: unknown) => {
    const s = t === undefined ? "" : StringOf(t);
    return test(/[^\u0020-\u007e]/, s) ? "" : lower(s);
  };
  class Blob {
    constructor(parts?: Iterable<unknown>, options?: { type?: unknown }) {
      const out: Uint8Array[] = [];
      if (parts !== undefined) {
        if (parts === null || typeof parts !== "object" || typeof (parts as unknown as Obj)[iteratorSymbol] !== "function") throw new RealTypeError("Blob's first argument must be an iterable of parts: strings, ArrayBuffers, views or Blobs");
        for (const p of parts) {
          const own = blobData.get(p);
          push(out, own ? own.bytes : (bytesOf(p) ?? utf8(StringOf(p))));
        }
      }
      blobData.set(this, { bytes: concat(out), type: blobTypeOf(options?.type) });
    }
    get size(): number {
      const b = blobData.get(this);
      return b ? lenOf(b.bytes) : 0;
    }
    get type(): string {
      return blobData.get(this)?.type ?? "";
    }
    slice(start?: number, end?: number, type?: unknown): Blob {
      const b = blobData.get(this)?.bytes ?? new RealUint8Array(0);
      const out = new Blob([], { type });
      (blobData.get(out) as { bytes: Uint8Array }).bytes = sliceBytes(b, start ?? 0, end);
      return out;
    }
    text(): Promise<string> {
      return promiseResolve(fromUtf8(blobData.get(this)?.bytes ?? new RealUint8Array(0)));
    }
    arrayBuffer(): Promise<ArrayBuffer> {
      return promiseResolve(toArrayBuffer(blobData.get(this)?.bytes ?? new RealUint8Array(0)));
    }
    bytes(): Promise<Uint8Array> {
      return promiseResolve(sliceBytes(blobData.get(this)?.bytes ?? new RealUint8Array(0)));
    }
    stream(): Stream {
      return streamOfBytes(blobData.get(this)?.bytes ?? new RealUint8Array(0));
    }
  }
  defineProperty(Blob.prototype, Symbol.toStringTag, { value: "Blob", configurable: true });
  const fileData = slots<{ name: string; lastModified: number }>();
  class File extends Blob {
    constructor(parts: Iterable<unknown>, name: unknown, options?: { type?: unknown; lastModified?: unknown }) {
      superIntact(File, Blob);
      super(parts, options);
      fileData.set(this, { name: StringOf(name), lastModified: options?.lastModified === undefined ? (globalThis as unknown as { Date: { now(): number } }).Date.now() : NumberOf(options.lastModified) });
    }
    get name(): string {
      return fileData.get(this)?.name ?? "";
    }
    get lastModified(): number {
      return fileData.get(this)?.lastModified ?? 0;
    }
  }
  defineProperty(File.prototype, Symbol.toStringTag, { value: "File", configurable: true });

  // ---- Headers: an ordered list of (lower-case name, value), as the Fetch standard keeps it ----------------------
  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const headerList = slots<Array<[string, string]>>();
  const headerGuard = slots<"none" | "immutable">();
  const checkName = (name: unknown): string => {
    const n = StringOf(name);
    if (!test(TOKEN, n)) throw new RealTypeError(`Headers: "${n}" is not a valid HTTP header name`);
    return lower(n);
  };
  // Only HTTP whitespace is trimmed (not U+00A0, as String.prototype.trim would), and a value is a ByteString.
  const HTTP_SPACE = " \t\r\n";
  const checkValue = (name: string, value: unknown): string => {
    const raw = StringOf(value);
    let from = 0;
    let to = raw.length;
    while (from < to && apply(stringIndexOf, HTTP_SPACE, [raw[from]]) >= 0) from++;
    while (to > from && apply(stringIndexOf, HTTP_SPACE, [raw[to - 1]]) >= 0) to--;
    const v = apply(stringSlice, raw, [from, to]) as string;
    if (test(/[\0\r\n]/, v)) throw new RealTypeError(`Headers: the value of "${name}" holds a NUL, CR or LF, which no header value may`);
    if (test(/[^\u0000-\u00ff]/, v)) throw new RealTypeError(`Headers: the value of "${name}" holds a character above U+00FF: a header value is a ByteString (encode it, e.g. with encodeURIComponent)`);
    return v;
  };
  const listOf = (h: unknown): Array<[string, string]> => {
    const l = headerList.get(h);
    if (!l) throw new RealTypeError("Illegal invocation: expected a Headers object");
    return l;
  };
  const writable = (h: unknown) => {
    if (headerGuard.get(h) === "immutable") throw new RealTypeError("Headers are immutable: this object belongs to a fetch response");
  };
  const appendHeader = (l: Array<[string, string]>, name: unknown, value: unknown) => {
    const n = checkName(name);
    push(l, pairOf(n, checkValue(n, value)));
  };
  const getHeader = (l: Array<[string, string]>, name: string): string | null => {
    let out: string | null = null;
    for (let i = 0; i < l.length; i++) {
      const p = l[i] as [string, string];
      if (p[0] === name) out = out === null ? p[1] : `${out}, ${p[1]}`;
    }
    return out;
  };
  const deleteHeader = (l: Array<[string, string]>, name: string) => {
    for (let i = l.length - 1; i >= 0; i--) if ((l[i] as [string, string])[0] === name) removeAt(l, i);
  };
  const fillHeaders = (l: Array<[string, string]>, init: unknown) => {
    if (init === undefined || init === null) return;
    const other = headerList.get(init);
    if (other) {
      for (let i = 0; i < other.length; i++) push(l, other[i] as [string, string]);
      return;
    }
    if (typeof init !== "object") throw new RealTypeError("Headers: expected a record, a list of pairs or a Headers object");
    if (typeof (init as Obj)[iteratorSymbol] === "function") {
      for (const pair of init as Iterable<unknown>) {
        const p = [...(pair as Iterable<unknown>)];
        if (p.length !== 2) throw new RealTypeError("Headers: each pair must be [name, value]");
        appendHeader(l, p[0], p[1]);
      }
      return;
    }
    for (const k of Object.keys(init)) appendHeader(l, k, (init as Obj)[k]);
  };
  /** The list as iteration shows it: sorted by name, values combined but set-cookie's kept apart. */
  const sortedPairs = (l: Array<[string, string]>): Array<[string, string]> => {
    const names: string[] = [];
    for (let i = 0; i < l.length; i++) {
      const n = (l[i] as [string, string])[0];
      if (!has(names, n)) push(names, n);
    }
    apply(arraySort, names, []);
    const out: Array<[string, string]> = [];
    for (let i = 0; i < names.length; i++) {
      const n = names[i] as string;
      if (n === "set-cookie") {
        for (let k = 0; k < l.length; k++) if ((l[k] as [string, string])[0] === n) push(out, pairOf(n, (l[k] as [string, string])[1]));
      } else push(out, pairOf(n, getHeader(l, n) as string));
    }
    return out;
  };
  class Headers {
    constructor(init?: unknown) {
      const l: Array<[string, string]> = [];
      fillHeaders(l, init);
      headerList.set(this, l);
    }
    append(name: unknown, value: unknown): void {
      writable(this);
      appendHeader(listOf(this), name, value);
    }
    delete(name: unknown): void {
      writable(this);
      deleteHeader(listOf(this), checkName(name));
    }
    get(name: unknown): string | null {
      return getHeader(listOf(this), checkName(name));
    }
    getSetCookie(): string[] {
      const l = listOf(this);
      const out: string[] = [];
      for (let i = 0; i < l.length; i++) if ((l[i] as [string, string])[0] === "set-cookie") push(out, (l[i] as [string, string])[1]);
      return out;
    }
    has(name: unknown): boolean {
      return getHeader(listOf(this), checkName(name)) !== null;
    }
    set(name: unknown, value: unknown): void {
      writable(this);
      const l = listOf(this);
      const n = checkName(name);
      const v = checkValue(n, value);
      let at = -1;
      for (let i = l.length - 1; i >= 0; i--) {
        if ((l[i] as [string, string])[0] !== n) continue;
        if (at >= 0) removeAt(l, at);
        at = i;
      }
      if (at >= 0) l[at] = pairOf(n, v);
      else push(l, pairOf(n, v));
    }
    forEach(fn: (value: string, name: string, headers: Headers) => void, self?: unknown): void {
      const pairs = sortedPairs(listOf(this));
      for (let i = 0; i < pairs.length; i++) apply(fn as Fn, self, [(pairs[i] as [string, string])[1], (pairs[i] as [string, string])[0], this]);
    }
    *entries(): IterableIterator<[string, string]> {
      const pairs = sortedPairs(listOf(this));
      for (let i = 0; i < pairs.length; i++) yield [(pairs[i] as [string, string])[0], (pairs[i] as [string, string])[1]];
    }
    *keys(): IterableIterator<string> {
      const pairs = sortedPairs(listOf(this));
      for (let i = 0; i < pairs.length; i++) yield (pairs[i] as [string, string])[0];
    }
    *values(): IterableIterator<string> {
      const pairs = sortedPairs(listOf(this));
      for (let i = 0; i < pairs.length; i++) yield (pairs[i] as [string, string])[1];
    }
    [Symbol.iterator](): IterableIterator<[string, string]> {
      return this.entries();
    }
  }
  defineProperty(Headers.prototype, Symbol.toStringTag, { value: "Headers", configurable: true });
  const newHeaders = (init?: unknown, guard: "none" | "immutable" = "none"): Headers => {
    const h = new Headers();
    fillHeaders(listOf(h), init);
    headerGuard.set(h, guard);
    return h;
  };

  // ---- FormData ----------------------------------------------------------------------------------------------------
  type Entry = [string, string | File];
  const formEntries = slots<Entry[]>();
  const formsOf = (f: unknown): Entry[] => {
    const l = formEntries.get(f);
    if (!l) throw new RealTypeError("Illegal invocation: expected a FormData object");
    return l;
  };
  const entryValue = (value: unknown, filename?: unknown): string | File => {
    if (!blobData.has(value)) return StringOf(value);
    if (isA(value, File) && filename === undefined) return value as File;
    return new File([value], filename === undefined ? "blob" : StringOf(filename), { type: (value as Blob).type });
  };
  class FormData {
    constructor(form?: unknown) {
      if (form !== undefined) throw new RealTypeError("FormData: there is no HTML form in a simulation; construct it empty");
      formEntries.set(this, []);
    }
    append(name: unknown, value: unknown, filename?: unknown): void {
      push(formsOf(this), pairOf(StringOf(name), entryValue(value, filename)));
    }
    delete(name: unknown): void {
      const l = formsOf(this);
      const n = StringOf(name);
      for (let i = l.length - 1; i >= 0; i--) if ((l[i] as Entry)[0] === n) removeAt(l, i);
    }
    get(name: unknown): string | File | null {
      const n = StringOf(name);
      const l = formsOf(this);
      for (let i = 0; i < l.length; i++) if ((l[i] as Entry)[0] === n) return (l[i] as Entry)[1];
      return null;
    }
    getAll(name: unknown): Array<string | File> {
      const n = StringOf(name);
      const out: Array<string | File> = [];
      const l = formsOf(this);
      for (let i = 0; i < l.length; i++) if ((l[i] as Entry)[0] === n) push(out, (l[i] as Entry)[1]);
      return out;
    }
    has(name: unknown): boolean {
      return this.get(name) !== null;
    }
    set(name: unknown, value: unknown, filename?: unknown): void {
      const n = StringOf(name);
      apply(FormData.prototype.delete, this, [n]);
      push(formsOf(this), pairOf(n, entryValue(value, filename)));
    }
    forEach(fn: (value: string | File, name: string, form: FormData) => void, self?: unknown): void {
      const l = copyOf(formsOf(this));
      for (let i = 0; i < l.length; i++) apply(fn as Fn, self, [(l[i] as Entry)[1], (l[i] as Entry)[0], this]);
    }
    *entries(): IterableIterator<Entry> {
      const l = copyOf(formsOf(this));
      for (let i = 0; i < l.length; i++) yield [(l[i] as Entry)[0], (l[i] as Entry)[1]];
    }
    *keys(): IterableIterator<string> {
      const l = copyOf(formsOf(this));
      for (let i = 0; i < l.length; i++) yield (l[i] as Entry)[0];
    }
    *values(): IterableIterator<string | File> {
      const l = copyOf(formsOf(this));
      for (let i = 0; i < l.length; i++) yield (l[i] as Entry)[1];
    }
    [Symbol.iterator](): IterableIterator<Entry> {
      return this.entries();
    }
  }
  defineProperty(FormData.prototype, Symbol.toStringTag, { value: "FormData", configurable: true });
  let boundaries = 0;
  /** multipart/form-data, as a browser encodes a form (the boundary counts up: runs stay deterministic). */
  const multipart = (entries: Entry[]): { bytes: Uint8Array; type: string } => {
    const boundary = `----WorldlineFormBoundary${++boundaries}`;
    const esc = (s: string) => apply(String.prototype.replace, apply(String.prototype.replace, s, [/\r?\n|\r/g, "\r\n"]), [/"/g, "%22"]) as string;
    const parts: Uint8Array[] = [];
    for (let i = 0; i < entries.length; i++) {
      const k = (entries[i] as Entry)[0];
      const v = (entries[i] as Entry)[1];
      if (typeof v === "string") push(parts, utf8(`--${boundary}\r\nContent-Disposition: form-data; name="${esc(k)}"\r\n\r\n${v}\r\n`));
      else {
        // Read from the slots: a getter the code put on File.prototype does not change the body.
        const blob = blobData.get(v) as { bytes: Uint8Array; type: string };
        push(parts, utf8(`--${boundary}\r\nContent-Disposition: form-data; name="${esc(k)}"; filename="${esc(fileData.get(v)?.name ?? "blob")}"\r\nContent-Type: ${blob.type || "application/octet-stream"}\r\n\r\n`));
        push(parts, blob.bytes);
        push(parts, utf8("\r\n"));
      }
    }
    push(parts, utf8(`--${boundary}--\r\n`));
    return { bytes: concat(parts), type: `multipart/form-data; boundary=${boundary}` };
  };
  /** Where `needle` first occurs in `hay` at or after `from`, or -1. */
  const indexOfBytes = (hay: Uint8Array, needle: Uint8Array, from: number): number => {
    outer: for (let i = from; i + needle.length <= hay.length; i++) {
      for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
      return i;
    }
    return -1;
  };
  /** A multipart/form-data body's entries (RFC 7578): a part with a filename is a File, any other a string. */
  const fromMultipart = (b: Uint8Array, type: string): FormData => {
    const m = apply(regexExec, /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i, [type]) as string[] | null;
    const boundary = m ? (m[1] ?? m[2]) : undefined;
    if (!boundary) throw new RealTypeError(`formData(): the content type "${type}" names no boundary, so the multipart body cannot be split`);
    const f = new FormData();
    const l = formsOf(f);
    const delimiter = utf8(`--${boundary}`);
    const headEnd = utf8("\r\n\r\n");
    let at = indexOfBytes(b, delimiter, 0);
    if (at < 0) throw new RealTypeError(`formData(): the multipart body holds no "--${boundary}" delimiter`);
    for (;;) {
      at += delimiter.length;
      if (b[at] === 0x2d && b[at + 1] === 0x2d) return f;
      const headStart = at + 2;
      const bodyStart = indexOfBytes(b, headEnd, headStart);
      const next = indexOfBytes(b, utf8(`\r\n--${boundary}`), headStart);
      if (bodyStart < 0 || next < 0 || bodyStart > next) throw new RealTypeError("formData(): a multipart part is cut short: its headers or its closing delimiter are missing");
      const head = fromUtf8(sliceBytes(b, headStart, bodyStart));
      const body = sliceBytes(b, bodyStart + 4, next);
      const disposition = apply(regexExec, /content-disposition:[^\r\n]*?\bname="([^"]*)"(?:;\s*filename="([^"]*)")?/i, [head]) as string[] | null;
      if (!disposition) throw new RealTypeError("formData(): a multipart part has no Content-Disposition with a name");
      const name = disposition[1] as string;
      const filename = disposition[2];
      if (filename === undefined) push(l, pairOf(name, fromUtf8(body)));
      else {
        const ct = apply(regexExec, /content-type:\s*([^\r\n]*)/i, [head]) as string[] | null;
        push(l, pairOf(name, new File([body], filename, { type: ct ? ct[1] : "" })));
      }
      at = next + 2;
    }
  };
  /** A urlencoded body's pairs, as URLSearchParams parses them. */
  const urlencoded = (text: string): FormData => {
    const f = new FormData();
    const l = formsOf(f);
    const decode = (s: string) => decodeURIComponent(apply(String.prototype.replace, s, [/\+/g, " "]) as string);
    for (const part of apply(stringSplit, text, ["&"]) as string[]) {
      if (part === "") continue;
      const eq = apply(stringIndexOf, part, ["="]) as number;
      push(l, eq < 0 ? pairOf(decode(part), "") : pairOf(decode(apply(stringSlice, part, [0, eq]) as string), decode(apply(stringSlice, part, [eq + 1]) as string)));
    }
    return f;
  };

  // ---- the Body mixin: bytes known at once, or a stream read on demand ----------------------------------------------
  interface BodyState {
    bytes: Uint8Array | null;
    stream: Stream | null;
    used: boolean;
    type: string | null;
  }
  const bodies = slots<BodyState>();
  /** A body's bytes or stream and the content type it implies (the Fetch standard's "extract a body"). */
  const extract = (init: unknown): BodyState => {
    const state: BodyState = { bytes: null, stream: null, used: false, type: null };
    if (init === undefined || init === null) return state;
    const blob = blobData.get(init);
    if (typeof init === "string") {
      state.bytes = utf8(init);
      state.type = "text/plain;charset=UTF-8";
    } else if (blob) {
      state.bytes = blob.bytes;
      state.type = blob.type || null;
    } else if (formEntries.has(init)) {
      const m = multipart(formsOf(init));
      state.bytes = m.bytes;
      state.type = m.type;
    } else if (tagOf(init) === "[object URLSearchParams]") {
      state.bytes = utf8(StringOf(init));
      state.type = "application/x-www-form-urlencoded;charset=UTF-8";
    } else if (isStream(init)) {
      const locked = isA(init, RS) ? (apply(lockedGetter, init, []) as boolean) : init.locked;
      if (locked) throw new RealTypeError("Response body object should not be disturbed or locked");
      state.stream = init;
    } else {
      const b = bytesOf(init);
      state.bytes = b ?? utf8(StringOf(init));
      if (!b) state.type = "text/plain;charset=UTF-8";
    }
    return state;
  };
  const bodyOf = (o: unknown): BodyState => {
    const b = bodies.get(o);
    if (!b) throw new RealTypeError("Illegal invocation: expected a Request or a Response");
    return b;
  };
  /** The whole body, once: a second read rejects, as in Node. */
  const consume = (o: unknown): Promise<Uint8Array> => {
    let b: BodyState;
    try {
      b = bodyOf(o);
    } catch (e) {
      return promiseReject(e);
    }
    if (b.used || disturbed(b)) return promiseReject(new RealTypeError("Body is unusable: Body has already been read"));
    if (b.stream && (isA(b.stream, RS) ? (apply(lockedGetter, b.stream, []) as boolean) : b.stream.locked)) return promiseReject(new RealTypeError("Body is unusable: Body is locked by a reader"));
    b.used = true;
    // Read through the body's stream even when its bytes are known: afterwards `body` is locked, as in Node.
    const s = streamOf(b);
    return s ? readAll(s) : promiseResolve(new RealUint8Array(0));
  };
  /** Whether the code read the body's stream itself (the polyfill marks a stream read from, as the standard's [[disturbed]]). */
  const disturbed = (b: BodyState): boolean => {
    if (!b.stream || !isA(b.stream, RS)) return false;
    const d = Reflect.getOwnPropertyDescriptor(b.stream, "_disturbed");
    return d !== undefined && d.value === true;
  };
  const streamOf = (b: BodyState): Stream | null => {
    if (!b.stream && b.bytes) b.stream = streamOfBytes(b.bytes);
    return b.stream;
  };
  /** Two bodies from one: bytes shared, a stream split with tee(). */
  const cloneBody = (b: BodyState): BodyState => {
    if (b.used) throw new RealTypeError("Body is unusable: Body has already been read");
    const copy: BodyState = { bytes: b.bytes, stream: null, used: false, type: b.type };
    if (!b.bytes && b.stream) {
      const [x, y] = (b.stream as unknown as { tee(): [Stream, Stream] }).tee();
      b.stream = x;
      copy.stream = y;
    }
    return copy;
  };
  const contentType = (o: object): string => {
    const h = (o as { headers?: unknown }).headers;
    return headerList.get(h) ? (getHeader(listOf(h), "content-type") ?? "") : "";
  };
  const bodyMethods = {
    get body(): Stream | null {
      return streamOf(bodyOf(this));
    },
    get bodyUsed(): boolean {
      const b = bodyOf(this);
      return b.used || disturbed(b);
    },
    text(this: object): Promise<string> {
      return then(consume(this), fromUtf8);
    },
    json(this: object): Promise<unknown> {
      return then(consume(this), (b) => jsonParse(fromUtf8(b)) as unknown);
    },
    arrayBuffer(this: object): Promise<ArrayBuffer> {
      return then(consume(this), toArrayBuffer);
    },
    bytes(this: object): Promise<Uint8Array> {
      return consume(this);
    },
    blob(this: object): Promise<Blob> {
      const type = contentType(this);
      return then(consume(this), (b) => new Blob([b], { type }));
    },
    formData(this: object): Promise<FormData> {
      const type = lower(contentType(this));
      return then(consume(this), (b) => {
        if (apply(stringIndexOf, type, ["application/x-www-form-urlencoded"]) === 0) return urlencoded(fromUtf8(b));
        if (apply(stringIndexOf, type, ["multipart/form-data"]) === 0) return fromMultipart(b, contentType(this));
        throw new RealTypeError(`formData() reads an application/x-www-form-urlencoded or multipart/form-data body, not "${type}"`);
      });
    },
  };
  const mixBody = (proto: object) => {
    for (const k of Reflect.ownKeys(bodyMethods)) defineProperty(proto, k, Reflect.getOwnPropertyDescriptor(bodyMethods, k) as PropertyDescriptor);
  };

  // ---- Request -------------------------------------------------------------------------------------------------------
  const urlClass = () => (globalThis as unknown as { URL: new (u: string, base?: string) => { href: string } }).URL;
  const METHODS: readonly string[] = freeze(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"]);
  interface RequestState {
    url: string;
    method: string;
    headers: Headers;
    signal: AbortSignal;
    init: Obj;
  }
  const requests = slots<RequestState>();
  const requestOf = (o: unknown): RequestState => {
    const r = requests.get(o);
    if (!r) throw new RealTypeError("Illegal invocation: expected a Request");
    return r;
  };
  class Request {
    constructor(input: unknown, init?: Obj) {
      const from = requests.get(input);
      const i = (init ?? {}) as Obj;
      let url: string;
      if (from) url = from.url;
      else {
        try {
          url = new (urlClass())(StringOf(input)).href;
        } catch {
          throw new RealTypeError(`Failed to parse URL from ${StringOf(input)}: a Request needs an absolute URL`);
        }
      }
      let method = i.method !== undefined ? StringOf(i.method) : (from?.method ?? "GET");
      if (!test(TOKEN, method)) throw new RealTypeError(`'${method}' is not a valid HTTP method`);
      if (has(METHODS, upper(method))) method = upper(method);
      const headers = newHeaders(i.headers !== undefined ? i.headers : from?.headers);
      let body: BodyState;
      if (i.body !== undefined && i.body !== null) {
        if (method === "GET" || method === "HEAD") throw new RealTypeError("Request with GET/HEAD method cannot have body");
        body = extract(i.body);
        if (body.stream && i.duplex === undefined && !from) throw new RealTypeError("RequestInit: duplex option is required when sending a body");
      } else if (from) {
        const fb = bodyOf(input);
        if (fb.used) throw new RealTypeError("Cannot construct a Request with a Request object that has already been used");
        body = { bytes: fb.bytes, stream: fb.stream, used: false, type: null };
        if (fb.stream) fb.used = true;
      } else body = { bytes: null, stream: null, used: false, type: null };
      if (body.type !== null && getHeader(listOf(headers), "content-type") === null) appendHeader(listOf(headers), "content-type", body.type);
      const signal = newSignal();
      const follow = i.signal !== undefined ? i.signal : from?.signal;
      if (follow !== undefined && follow !== null) {
        const s = abortState.get(follow);
        if (!s) throw new RealTypeError('The "signal" option must be an AbortSignal');
        if (s.aborted) signalAbort(signal, s.reason);
        else onAbort(follow as object, () => signalAbort(signal, (abortState.get(follow) as { reason: unknown }).reason));
      }
      requests.set(this, { url, method, headers, signal, init: { ...(from?.init ?? {}), ...i } });
      bodies.set(this, body);
    }
    get url(): string {
      return requestOf(this).url;
    }
    get method(): string {
      return requestOf(this).method;
    }
    get headers(): Headers {
      return requestOf(this).headers;
    }
    get signal(): AbortSignal {
      return requestOf(this).signal;
    }
    get redirect(): string {
      return StringOf(requestOf(this).init.redirect ?? "follow");
    }
    get credentials(): string {
      return StringOf(requestOf(this).init.credentials ?? "same-origin");
    }
    get mode(): string {
      return StringOf(requestOf(this).init.mode ?? "cors");
    }
    get cache(): string {
      return StringOf(requestOf(this).init.cache ?? "default");
    }
    get referrer(): string {
      return "about:client";
    }
    get keepalive(): boolean {
      return Boolean(requestOf(this).init.keepalive);
    }
    get integrity(): string {
      return StringOf(requestOf(this).init.integrity ?? "");
    }
    get destination(): string {
      return "";
    }
    get referrerPolicy(): string {
      return StringOf(requestOf(this).init.referrerPolicy ?? "");
    }
    get duplex(): string {
      return "half";
    }
    clone(): Request {
      const r = requestOf(this);
      const out = new Request(r.url, { ...r.init, method: r.method, headers: r.headers, signal: r.signal, body: null });
      bodies.set(out, cloneBody(bodyOf(this)));
      return out;
    }
  }
  mixBody(Request.prototype);
  defineProperty(Request.prototype, Symbol.toStringTag, { value: "Request", configurable: true });

  // ---- Response ------------------------------------------------------------------------------------------------------
  interface ResponseState {
    status: number;
    statusText: string;
    headers: Headers;
    type: string;
    url: string;
    redirected: boolean;
  }
  const responses = slots<ResponseState>();
  const responseOf = (o: unknown): ResponseState => {
    const r = responses.get(o);
    if (!r) throw new RealTypeError("Illegal invocation: expected a Response");
    return r;
  };
  const NULL_BODY: readonly number[] = freeze([101, 103, 204, 205, 304]);
  class Response {
    constructor(body?: unknown, init?: { status?: unknown; statusText?: unknown; headers?: unknown }) {
      const status = init?.status === undefined ? 200 : NumberOf(init.status);
      if (!(status >= 200 && status <= 599 && status === Math.floor(status))) throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive (got ${StringOf(init?.status)})`);
      const statusText = init?.statusText === undefined ? "" : StringOf(init.statusText);
      // A reason phrase is tab, space and visible Latin-1: Node refuses a line break that would split the status line.
      if (test(/[^\t\u0020-\u007e\u0080-\u00ff]/, statusText)) throw new RealTypeError(`Response constructor: invalid statusText ${JSON.stringify(statusText)}: expected tab, space and visible characters`);
      const headers = newHeaders(init?.headers);
      const b = extract(body);
      if ((b.bytes || b.stream) && has(NULL_BODY, status)) throw new RealTypeError(`Response constructor: Invalid response status code ${status}`);
      if (b.type !== null && getHeader(listOf(headers), "content-type") === null) appendHeader(listOf(headers), "content-type", b.type);
      responses.set(this, { status, statusText, headers, type: "default", url: "", redirected: false });
      bodies.set(this, b);
    }
    get status(): number {
      return responseOf(this).status;
    }
    get statusText(): string {
      return responseOf(this).statusText;
    }
    get ok(): boolean {
      const s = responseOf(this).status;
      return s >= 200 && s < 300;
    }
    get headers(): Headers {
      return responseOf(this).headers;
    }
    get type(): string {
      return responseOf(this).type;
    }
    get url(): string {
      return responseOf(this).url;
    }
    get redirected(): boolean {
      return responseOf(this).redirected;
    }
    clone(): Response {
      const r = responseOf(this);
      const out = new Response(null, { status: r.status, statusText: r.statusText, headers: r.headers });
      responses.set(out, { ...r, headers: newHeaders(r.headers, headerGuard.get(r.headers) ?? "none") });
      bodies.set(out, cloneBody(bodyOf(this)));
      return out;
    }
    static error(): Response {
      const out = new Response(null, { status: 200 });
      responses.set(out, { status: 0, statusText: "", headers: newHeaders(undefined, "immutable"), type: "error", url: "", redirected: false });
      return out;
    }
    static redirect(url: unknown, status: unknown = 302): Response {
      const s = NumberOf(status);
      if (!has([301, 302, 303, 307, 308], s)) throw new RangeError(`Invalid status code ${StringOf(status)}: a redirect is 301, 302, 303, 307 or 308`);
      return new Response(null, { status: s, headers: { location: new (urlClass())(StringOf(url)).href } });
    }
    static json(data: unknown, init?: { status?: unknown; statusText?: unknown; headers?: unknown }): Response {
      const text = JSON.stringify(data);
      if (text === undefined) throw new RealTypeError("Value is not JSON serializable");
      const out = new Response(text, init);
      const l = listOf(responseOf(out).headers);
      deleteHeader(l, "content-type");
      if (!(init?.headers !== undefined && getHeader(listOf(newHeaders(init.headers)), "content-type") !== null)) push(l, pairOf("content-type", "application/json"));
      else fillHeaders(l, [["content-type", getHeader(listOf(newHeaders(init.headers)), "content-type") as string]]);
      return out;
    }
  }
  mixBody(Response.prototype);
  defineProperty(Response.prototype, Symbol.toStringTag, { value: "Response", configurable: true });

  // ---- TextEncoderStream and TextDecoderStream -------------------------------------------------------------------------
  const TS = streams.TransformStream;
  const pairs = slots<{ readable: Stream; writable: unknown }>();
  class TextEncoderStream {
    get encoding(): string {
      return "utf-8";
    }
    constructor() {
      // A surrogate pair may be split between chunks: a trailing high surrogate waits for the next chunk, and
      // one still waiting at the end is written as U+FFFD, as the Encoding standard says.
      let high = "";
      pairs.set(this, new TS({
        transform: (chunk: unknown, c: { enqueue(v: unknown): void }) => {
          let text = high + StringOf(chunk);
          high = "";
          const last = text.length ? apply(charCodeAt, text, [text.length - 1]) as number : 0;
          if (last >= 0xd800 && last <= 0xdbff) {
            high = apply(stringSlice, text, [text.length - 1]) as string;
            text = apply(stringSlice, text, [0, text.length - 1]) as string;
          }
          if (text.length) c.enqueue(utf8(text));
        },
        flush: (c: { enqueue(v: unknown): void }) => {
          if (high) c.enqueue(utf8("\ufffd"));
        },
      }));
    }
    get readable(): Stream {
      return (pairs.get(this) as { readable: Stream }).readable;
    }
    get writable(): unknown {
      return (pairs.get(this) as { writable: unknown }).writable;
    }
  }
  class TextDecoderStream {
    get encoding(): string {
      return "utf-8";
    }
    constructor(label: unknown = "utf-8") {
      if (lower(trim(StringOf(label))) !== "utf-8" && lower(trim(StringOf(label))) !== "utf8") throw new RangeError(`TextDecoderStream: only utf-8 is decoded in a simulation, not "${StringOf(label)}"`);
      // A multi-byte character may be split between chunks: its first bytes wait for the next chunk.
      let held: Uint8Array = new RealUint8Array(0);
      // A byte order mark at the very start is dropped (ignoreBOM false, as Node's default).
      let first = true;
      const complete = (b: Uint8Array): number => {
        for (let back = 1; back <= 3 && back <= b.length; back++) {
          const c = b[b.length - back] as number;
          if ((c & 0xc0) === 0x80) continue;
          const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
          return need > back ? b.length - back : b.length;
        }
        return b.length;
      };
      pairs.set(this, new TS({
        transform: (chunk: unknown, c: { enqueue(v: unknown): void }) => {
          const b = bytesOf(chunk);
          if (!b) throw new RealTypeError(`TextDecoderStream: a chunk must be an ArrayBuffer or a view of one (got ${tagOf(chunk)})`);
          let all = concat([held, b]);
          if (first && all.length >= 3) {
            first = false;
            if (all[0] === 0xef && all[1] === 0xbb && all[2] === 0xbf) all = sliceBytes(all, 3);
          } else if (first && !(all[0] === 0xef && (all.length < 2 || all[1] === 0xbb))) first = false;
          const end = complete(all);
          held = sliceBytes(all, end);
          if (end) c.enqueue(fromUtf8(sliceBytes(all, 0, end)));
        },
        flush: (c: { enqueue(v: unknown): void }) => {
          if (held.length) c.enqueue(fromUtf8(held));
        },
      }));
    }
    get readable(): Stream {
      return (pairs.get(this) as { readable: Stream }).readable;
    }
    get writable(): unknown {
      return (pairs.get(this) as { writable: unknown }).writable;
    }
  }

  const out = Object.create(null) as WebGlobals;
  for (const name of WEB_GLOBALS) out[name] = streams[name];
  Object.assign(out, { TextEncoderStream, TextDecoderStream, Event, EventTarget, DOMException, AbortController, AbortSignal, Blob, File, Headers, Request, Response, FormData });
  for (const name of WEB_GLOBALS) if (out[name] === undefined) throw new RealError(`web-world: ${name} is missing from web-streams-polyfill: expected version 4`);
  // ---- what a trace shows of them (see describeWeb) ------------------------------------------------------------
  /** Bodies longer than this show their first bytes: a trace cuts strings far shorter anyway. */
  const SHOWN_BYTES = 65_536;
  /** Null-prototype records filled by definition: setters the code put on Object.prototype never run. */
  const record = (kind: string | null, fields: unknown[][]): Obj => {
    const o = objectCreate(null) as Obj;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i] as unknown[];
      defineProperty(o, f[0] as string, { value: f[1], enumerable: true });
    }
    if (kind === null) return o;
    const wrap = objectCreate(null) as Obj;
    defineProperty(wrap, kind, { value: o, enumerable: true });
    return wrap;
  };
  const shownHeaders = (h: unknown): Obj => {
    const l = headerList.get(h) ?? [];
    const o = objectCreate(null) as Obj;
    for (let i = 0; i < l.length; i++) {
      const pair = l[i] as [string, string];
      const was = ownDescriptor(o, pair[0]);
      defineProperty(o, pair[0], { value: was ? `${was.value as string}, ${pair[1]}` : pair[1], enumerable: true, configurable: true });
    }
    return o;
  };
  const shownText = (b: Uint8Array): string => fromUtf8(lenOf(b) > SHOWN_BYTES ? (sliceBytes(b, 0, SHOWN_BYTES)) : b);
  const shownBody = (o: unknown): unknown => {
    const b = bodies.get(o);
    if (!b || (b.bytes === null && b.stream === null)) return null;
    if (b.used || disturbed(b)) return record(null, [["used", true]]);
    if (b.bytes !== null) return record(null, [["size", lenOf(b.bytes)], ["text", shownText(b.bytes)]]);
    return record(null, [["stream", true]]);
  };
  const shownBlob = (o: unknown, blob: { bytes: Uint8Array; type: string }): Obj => {
    const fields = [["type", blob.type], ["size", lenOf(blob.bytes)], ["text", shownText(blob.bytes)]];
    const file = fileData.get(o);
    if (!file) return record("$blob", fields);
    return record("$file", [fields[0] as unknown[], fields[1] as unknown[], fields[2] as unknown[], ["name", file.name]]);
  };
  const describeObject = (o: unknown): Obj | undefined => {
    if (o === null || typeof o !== "object") return undefined;
    const res = responses.get(o);
    if (res) return record("$response", [["status", res.status], ["statusText", res.statusText], ["type", res.type], ["url", res.url], ["redirected", res.redirected], ["headers", shownHeaders(res.headers)], ["body", shownBody(o)]]);
    const req = requests.get(o);
    if (req) return record("$request", [["method", req.method], ["url", req.url], ["headers", shownHeaders(req.headers)], ["body", shownBody(o)]]);
    if (headerList.has(o)) {
      const wrap = objectCreate(null) as Obj;
      defineProperty(wrap, "$headers", { value: shownHeaders(o), enumerable: true });
      return wrap;
    }
    const blob = blobData.get(o);
    if (blob) return shownBlob(o, blob);
    const form = formEntries.get(o);
    if (form) {
      const entries: unknown[] = [];
      for (let i = 0; i < form.length; i++) {
        const e = form[i] as Entry;
        defineProperty(entries, i, { value: [e[0], e[1]], enumerable: true, configurable: true, writable: true });
      }
      const wrap = objectCreate(null) as Obj;
      defineProperty(wrap, "$formData", { value: entries, enumerable: true });
      return wrap;
    }
    const signal = abortState.get(o);
    if (signal) return record("$abortSignal", [["aborted", signal.aborted], ["reason", signal.reason]]);
    return undefined;
  };
  const answered = (a: FetchAnswer): Response => {
    const out = new Response(null);
    const headers = newHeaders(undefined);
    for (const k of Object.keys(a.headers)) appendHeader(listOf(headers), k, a.headers[k]);
    headerGuard.set(headers, "immutable");
    responses.set(out, { status: a.status, statusText: a.statusText, headers, type: "basic", url: a.url, redirected: false });
    bodies.set(out, { bytes: a.body === "" && has(NULL_BODY, a.status) ? null : utf8(a.body), stream: null, used: false, type: null });
    return out;
  };
  const STREAM_CLASSES = [RS, streams.WritableStream as object, TS as object];
  const cloneObject = (o: unknown): { value: unknown } | undefined => {
    if (o === null || typeof o !== "object") return undefined;
    const blob = blobData.get(o);
    if (blob) {
      const copy = new Blob([], { type: blob.type });
      (blobData.get(copy) as { bytes: Uint8Array }).bytes = sliceBytes(blob.bytes);
      return { value: copy };
    }
    for (let i = 0; i < STREAM_CLASSES.length; i++) {
      if (isA(o, STREAM_CLASSES[i] as object)) throw new RealTypeError("Object that needs transfer was found in message but not listed in transferList");
    }
    return undefined;
  };
  return { globals: Object.freeze(out), fetchResponse: answered, describe: describeObject, clone: cloneObject };
}
