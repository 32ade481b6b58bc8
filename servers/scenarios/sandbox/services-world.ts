/**
 * Several services in one simulated world (DESIGN.md: Across services). Each service of the repo's service map
 * is loaded from its entry in the same isolate, so it shares the clock, the timers and the stubs. Its server is
 * whatever the entry hands `http.createServer` (or a server's `request` event): the stand-in keeps the listener
 * instead of listening. An outgoing call to one of a service's URLs (global fetch, undici, axios, node `http`)
 * becomes a request delivered to that listener, and the response it ends with flows back to the caller. A message
 * to a topic a service consumes (kafkajs, amqplib's queues, bullmq's queues, SQS queues) is delivered to its handler at the
 * next virtual tick. Calls to URLs and topics off the map stay recording stand-ins, as in a single-service run.
 *
 * Like the prelude, this file is transpiled on its own and evaluated in the isolate before any repo code: no
 * imports at run time. The code under review shares the realm: what this file records goes through the host's
 * `crossing`, which copies with the prelude's captured intrinsics; the intrinsics used here are captured at
 * install, before repo code loads.
 */

import type { WorldService } from "./protocol.js";

type Fn = (...args: unknown[]) => unknown;
type Obj = Record<string | symbol, unknown>;

export type CrossingKind = "request" | "response" | "message";

export interface ServicesHost {
  services: WorldService[];
  /** Loads a repo module by its repo path (runs its top level). */
  loadEntry(path: string): unknown;
  /** A boundary call off the map: recorded and answered as in a single-service run. */
  boundary(target: string, args: unknown[], async: boolean): unknown;
  /** The recording stand-in of a module member (`http#Agent`). */
  standIn(path: string): unknown;
  /** Records a boundary crossing as a step of the trace, at the statement that made it. */
  crossing(kind: CrossingKind, value: Obj): void;
  /** Runs fn at the next virtual tick (a timer due now), or `ms` virtual milliseconds from now. */
  soon(fn: () => void, ms?: number): void;
  /** One of Worldline's pure ports (`events`, `buffer`). */
  port(spec: string): unknown;
  /** Ends the run with an error. */
  stop(reason: string): never;
  /** The repo module whose code is running now, as the recorder last saw it. */
  currentFile(): string | undefined;
}

export interface ServicesWorld {
  /** The module the code gets for `http`, `https`, `undici`, `axios`, `node-fetch`, `kafkajs`, `amqplib`, `bullmq`, `@aws-sdk/client-sqs` or `sqs-consumer`; undefined for others. */
  module(name: string): unknown;
  /** The global fetch. */
  fetch: Fn;
}

/** Requests nested this deep (each made while its service answers the one before) end the run: a loop between services when one repeats among them, else nesting too deep to simulate. */
const MAX_DEPTH = 256;
/** Requests left unanswered at once past this end the run: more than a simulation keeps open. */
const MAX_OPEN = 10_000;
/** Virtual ms a request waits for its service's server to listen before it is delivered anyway. */
const NEVER_LISTENS_MS = 30_000;
/** Crossings in one run past this are too many to simulate faithfully. */
const MAX_CROSSINGS = 20_000;

export function installServices(host: ServicesHost): ServicesWorld {
  // ---- intrinsics, captured before any repo code runs ------------------------------------------------
  const RealPromise = Promise;
  const RealError = Error;
  const RealTypeError = TypeError;
  const RealProxy = Proxy;
  const apply = Reflect.apply;
  const defineProperty = Reflect.defineProperty;
  const objectCreate = Object.create;
  const objectKeys = Object.keys;
  const hasOwn = Object.hasOwn;
  const isArray = Array.isArray;
  const jsonParse = JSON.parse;
  const jsonStringify = JSON.stringify;
  const stringSlice = String.prototype.slice;
  const stringIndexOf = String.prototype.indexOf;
  const stringToLower = String.prototype.toLowerCase;
  const stringToUpper = String.prototype.toUpperCase;
  const stringTrim = String.prototype.trim;
  const charCodeAt = String.prototype.charCodeAt;
  const regexExec = RegExp.prototype.exec;
  const promiseThen = RealPromise.prototype.then;
  const arraySlice = Array.prototype.slice;
  const RealWeakMap = WeakMap;
  const weakGet = WeakMap.prototype.get;
  const weakSet = WeakMap.prototype.set;
  const hasInstance = Function.prototype[Symbol.hasInstance];
  const Utf8 = (globalThis as unknown as { TextDecoder: new () => { decode(b: ArrayLike<number>): string } }).TextDecoder;
  const decoder = new Utf8();
  const decode = Utf8.prototype.decode;
  const RealUint8Array = Uint8Array;
  const StringOf = String;
  const NumberOf = Number;

  const slice = (s: string, from: number, to?: number): string => apply(stringSlice, s, to === undefined ? [from] : [from, to]) as string;
  const indexOf = (s: string, part: string): number => apply(stringIndexOf, s, [part]) as number;
  const lower = (s: string): string => apply(stringToLower, s, []) as string;
  const upper = (s: string): string => apply(stringToUpper, s, []) as string;
  const trim = (s: string): string => apply(stringTrim, s, []) as string;
  const exec = (re: RegExp, s: string): RegExpExecArray | null => apply(regexExec, re, [s]) as RegExpExecArray | null;
  const isA = (o: unknown, C: object): boolean => {
    try {
      return apply(hasInstance, C, [o]) as boolean;
    } catch {
      return false;
    }
  };
  const dict = <V>(): Record<string, V> => objectCreate(null) as Record<string, V>;
  const then = <T>(p: Promise<T>, ok: (v: T) => unknown, bad?: (e: unknown) => unknown): void => void apply(promiseThen, p, bad ? [ok, bad] : [ok]);

  // ---- the map: origins and topics ------------------------------------------------------------------
  interface Origin {
    service: WorldService;
    /** scheme://host:port, lower case, default port made explicit. */
    origin: string;
    /** The URL's path prefix ("" for none). */
    prefix: string;
  }
  const URL_RE = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^#]*)/;
  const stringLastIndexOf = String.prototype.lastIndexOf;
  const stringReplace = String.prototype.replace;
  const stringSplit = String.prototype.split;
  const lastIndexOf = (s: string, part: string): number => apply(stringLastIndexOf, s, [part]) as number;
  const replace = (s: string, re: RegExp, to: string): string => apply(stringReplace, s, [re, to]) as string;
  /** Dot segments removed, as the URL standard does (`%2e` is a dot too): `/beta/../alpha` is `/alpha`. */
  const cleanPath = (path: string): string => {
    const parts = apply(stringSplit, path, ["/"]) as string[];
    const out: string[] = [];
    for (let i = 1; i < parts.length; i++) {
      const seg = parts[i] as string;
      const dots = lower(replace(seg, /%2e/gi, "."));
      const last = i === parts.length - 1;
      if (dots === ".") {
        if (last) out[out.length] = "";
      } else if (dots === "..") {
        if (out.length) out.length = out.length - 1;
        if (last) out[out.length] = "";
      } else out[out.length] = seg;
    }
    let joined = "";
    for (let i = 0; i < out.length; i++) joined += `/${out[i] as string}`;
    return joined || "/";
  };
  /**
   * scheme://host:port and the path of an http(s) URL, read as the URL standard reads one where it matters for
   * routing: a backslash is a slash, the last `@` of the authority ends the userinfo, dot segments are removed,
   * a port loses its leading zeros. Anything else unusual (whitespace or control characters, an empty host, a
   * bad port) is not parsed: such a call stays a recorded stand-in, never a delivery.
   */
  const parse = (raw: string): { origin: string; path: string } | undefined => {
    if (exec(/[\u0000-\u0020\u007f]/, raw)) return undefined;
    const m = exec(URL_RE, replace(raw, /\\/g, "/"));
    if (!m) return undefined;
    const scheme = lower(m[1] as string);
    if (scheme !== "http" && scheme !== "https") return undefined;
    let hostPort = lower(m[2] as string);
    const at = lastIndexOf(hostPort, "@");
    if (at >= 0) hostPort = slice(hostPort, at + 1);
    const hp = exec(/^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d*))?$/, hostPort);
    if (!hp) return undefined;
    // A trailing dot stays: the URL standard keeps `echo.` an origin of its own.
    const host = hp[1] as string;
    if (!host) return undefined;
    const portText = hp[2];
    const port = portText === undefined || portText === "" ? (scheme === "https" ? 443 : 80) : NumberOf(portText);
    if (!(port >= 0 && port <= 65535)) return undefined;
    const rest = (m[3] as string) || "/";
    const q = exec(/^([^?]*)(\?.*)?$/, rest) as RegExpExecArray;
    const path = cleanPath(slice(q[1] as string, 0, 1) === "/" ? (q[1] as string) : `/${q[1] as string}`) + (q[2] ?? "");
    return { origin: `${scheme}://${host}:${port}`, path };
  };
  const origins: Origin[] = [];
  const consumers = dict<WorldService[]>();
  for (let i = 0; i < host.services.length; i++) {
    const s = host.services[i] as WorldService;
    for (let k = 0; k < s.urls.length; k++) {
      const p = parse(s.urls[k] as string);
      if (!p) continue;
      const prefix = p.path === "/" ? "" : p.path;
      origins[origins.length] = { service: s, origin: p.origin, prefix: slice(prefix, -1) === "/" ? slice(prefix, 0, -1) : prefix };
    }
    for (let k = 0; k < s.consumes.length; k++) {
      const t = s.consumes[k] as string;
      const list = hasOwn(consumers, t) ? (consumers[t] as WorldService[]) : (consumers[t] = []);
      list[list.length] = s;
    }
  }
  /** The service a URL reaches, the longest matching prefix first; undefined off the map. */
  const serviceOf = (url: string): { service: WorldService; path: string } | undefined => {
    const p = parse(url);
    if (!p) return undefined;
    let best: Origin | undefined;
    for (let i = 0; i < origins.length; i++) {
      const o = origins[i] as Origin;
      if (o.origin !== p.origin) continue;
      if (o.prefix && p.path !== o.prefix && slice(p.path, 0, o.prefix.length + 1) !== `${o.prefix}/` && slice(p.path, 0, o.prefix.length + 1) !== `${o.prefix}?`) continue;
      if (!best || o.prefix.length > best.prefix.length) best = o;
    }
    return best ? { service: best.service, path: p.path } : undefined;
  };
  /** The service whose folder holds the code running now (attributes a server made after its entry loaded). */
  const runningService = (): WorldService | undefined => {
    if (loading) return loading;
    const file = host.currentFile();
    if (file === undefined) return undefined;
    let best: WorldService | undefined;
    for (let i = 0; i < host.services.length; i++) {
      const s = host.services[i] as WorldService;
      const dir = slice(s.dir, -1) === "/" ? s.dir : `${s.dir}/`;
      if ((s.dir === "." || slice(file, 0, dir.length) === dir) && (!best || s.dir.length > best.dir.length)) best = s;
    }
    return best;
  };

  // ---- loading services and their listeners -------------------------------------------------------------
  let loading: WorldService | undefined;
  const listeners = dict<Fn[]>();
  const loaded = dict<true>();
  const ensure = (s: WorldService): void => {
    if (hasOwn(loaded, s.name)) return;
    loaded[s.name] = true;
    const was = loading;
    loading = s;
    try {
      host.loadEntry(s.entry);
    } finally {
      loading = was;
    }
  };
  const addListener = (owner: WorldService | undefined, fn: unknown) => {
    if (!owner || typeof fn !== "function") return;
    const list = hasOwn(listeners, owner.name) ? (listeners[owner.name] as Fn[]) : (listeners[owner.name] = []);
    list[list.length] = fn as Fn;
  };

  /** Services with a server that has called listen(), and the requests waiting for one to. */
  const listeningServices = dict<true>();
  const waiting = dict<Array<() => void>>();
  const wake = (name: string) => {
    const list = hasOwn(waiting, name) ? (waiting[name] as Array<() => void>) : [];
    delete waiting[name];
    for (let i = 0; i < list.length; i++) (list[i] as () => void)();
  };
  const markListening = (owner: WorldService | undefined) => {
    if (!owner || hasOwn(listeningServices, owner.name)) return;
    listeningServices[owner.name] = true;
    host.soon(() => wake(owner.name));
  };

  let events: { EventEmitter: new () => Obj } | undefined;
  const Emitter = () => (events ??= host.port("events") as { EventEmitter: new () => Obj }).EventEmitter;
  const emit = (o: Obj, name: string, ...args: unknown[]) => {
    const f = o.emit;
    if (typeof f === "function") apply(f as Fn, o, [name, ...args]);
  };
  let bufferClass: { from(v: unknown, enc?: string): Uint8Array } | undefined;
  const Buffer = () => (bufferClass ??= (host.port("buffer") as { Buffer: { from(v: unknown, enc?: string): Uint8Array } }).Buffer);

  /** Text of a body chunk: a string, bytes, or anything with a string form. */
  const textOf = (chunk: unknown): string => {
    if (chunk === undefined || chunk === null) return "";
    if (typeof chunk === "string") return chunk;
    if (isA(chunk, RealUint8Array)) return apply(decode, decoder, [chunk]) as string;
    if (typeof chunk === "object" && isA((chunk as { buffer?: unknown }).buffer, ArrayBuffer)) return apply(decode, decoder, [new RealUint8Array((chunk as { buffer: ArrayBuffer }).buffer)]) as string;
    return StringOf(chunk);
  };

  /** Bytes of a text in UTF-8, as content-length counts them. */
  const byteLength = (text: string): number => {
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const c = apply(charCodeAt, text, [i]) as number;
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c < 0xdc00) {
        n += 4;
        i++;
      } else n += 3;
    }
    return n;
  };

  /** Header names in lower case, values as strings (a list joined as HTTP would). */
  const headersOf = (h: unknown): Record<string, string> => {
    const out = dict<string>();
    if (!h || typeof h !== "object") return out;
    const put = (k: unknown, v: unknown) => {
      if (v === undefined) return;
      out[lower(StringOf(k))] = isArray(v) ? (v as unknown[]).map(StringOf).join(", ") : StringOf(v);
    };
    if (isArray(h)) {
      for (let i = 0; i < h.length; i++) {
        const pair = h[i] as unknown[];
        if (isArray(pair)) put(pair[0], pair[1]);
      }
      return out;
    }
    const forEach = (h as { forEach?: unknown }).forEach;
    if (typeof forEach === "function" && typeof (h as { get?: unknown }).get === "function") {
      apply(forEach as Fn, h, [(v: unknown, k: unknown) => put(k, v)]);
      return out;
    }
    for (const k of objectKeys(h)) put(k, (h as Obj)[k]);
    return out;
  };

  /** What a body reads as in the trace: JSON when it parses, else its text. */
  const bodyValue = (text: string): unknown => {
    if (text === "") return undefined;
    try {
      return jsonParse(text);
    } catch {
      return text; // the recorder's copy cuts a long text, with a digest of the whole
    }
  };

  /** A readable body with Node's semantics: nothing flows until something reads it. */
  const readable = (o: Obj, body: string) => {
    let flowing = false;
    let done = false;
    let encoding: string | undefined;
    const chunk = () => (encoding ? body : Buffer().from(body));
    const flow = () => {
      if (flowing) return;
      flowing = true;
      host.soon(() => {
        if (done) return;
        done = true;
        if (body !== "") emit(o, "data", chunk());
        o.complete = true;
        o.readableEnded = true;
        o.readable = false;
        emit(o, "end");
        emit(o, "close");
      });
    };
    o.readable = true;
    o.complete = false;
    o.aborted = false;
    o.readableEnded = false;
    const on = o.on as Fn;
    const addOn = function (this: Obj, name: unknown, fn: unknown) {
      const r = apply(on, this, [name, fn]);
      if (name === "data" || name === "readable") flow();
      return r;
    };
    const once = o.once as Fn;
    o.on = addOn;
    o.addListener = addOn;
    o.once = function (this: Obj, name: unknown, fn: unknown) {
      const r = apply(once, this, [name, fn]);
      if (name === "data" || name === "readable") flow();
      return r;
    };
    o.setEncoding = (enc: unknown) => {
      encoding = StringOf(enc);
      return o;
    };
    o.resume = () => (flow(), o);
    o.pause = () => o;
    o.isPaused = () => !flowing;
    o.read = () => {
      if (done) return null;
      done = true;
      host.soon(() => {
        o.readableEnded = true;
        emit(o, "end");
      });
      return body === "" ? null : chunk();
    };
    o.pipe = (dest: Obj) => {
      host.soon(() => {
        if (body !== "" && typeof dest.write === "function") apply(dest.write as Fn, dest, [chunk()]);
        if (typeof dest.end === "function") apply(dest.end as Fn, dest, []);
      });
      done = true;
      return dest;
    };
    o.unpipe = () => o;
    o.destroy = () => o;
    o[Symbol.asyncIterator] = async function* () {
      if (done) return;
      done = true;
      if (body !== "") yield chunk();
    };
  };

  // ---- delivering a request ---------------------------------------------------------------------------
  interface Delivered {
    status: number;
    statusText: string;
    headers: Record<string, string>;
    body: string;
  }
  /** A request in flight: the service it went to, and the request that service was answering when it was made. */
  interface Open {
    service: string;
    depth: number;
    parent: Open | undefined;
  }
  let inFlight = 0;
  /** Per service, the requests to it not yet answered, oldest first. */
  const openTo = dict<Open[]>();
  const close = (o: Open) => {
    inFlight--;
    const list = openTo[o.service] as Open[];
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i] !== o) continue;
      for (let k = i; k < list.length - 1; k++) list[k] = list[k + 1] as Open;
      list.length = list.length - 1;
      break;
    }
  };
  let crossings = 0;
  const counted = () => {
    if (++crossings > MAX_CROSSINGS) host.stop(`more than ${MAX_CROSSINGS} requests and messages between services: too many to simulate faithfully`);
  };
  const STATUS: Record<number, string> = { 200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 301: "Moved Permanently", 302: "Found", 304: "Not Modified", 400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found", 409: "Conflict", 422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable" };

  /** Delivers one request to the service a URL maps to; resolves with what its listener ended the response with. */
  const deliver = (target: { service: WorldService; path: string }, url: string, method: string, headers: Record<string, string>, body: string): Promise<Delivered> => {
    counted();
    const s = target.service;
    const from = runningService();
    // Nesting, not the count still open, says a loop: a request made while its service answers another is that
    // one's child (the latest open request to it); fire-and-forget calls from one place are siblings.
    const mine = from && hasOwn(openTo, from.name) ? (openTo[from.name] as Open[]) : undefined;
    const parent = mine && mine.length ? (mine[mine.length - 1] as Open) : undefined;
    const depth = parent ? parent.depth + 1 : 1;
    if (depth > MAX_DEPTH) {
      const names: string[] = [];
      const seen = dict<true>();
      let repeats = false;
      for (let o: Open | undefined = parent; o; o = o.parent) {
        if (hasOwn(seen, o.service)) repeats = true;
        seen[o.service] = true;
        if (names.length < 6) names[names.length] = o.service;
      }
      let hops = "";
      for (let i = names.length - 1; i >= 0; i--) hops += `${names[i] as string}${i ? " → " : ""}`;
      if (repeats) host.stop(`a loop between services: requests nested ${MAX_DEPTH} deep (… ${hops} → ${s.name}); a request that calls back into its caller without end never returns`);
      host.stop(`requests between services nested ${MAX_DEPTH} deep (… ${hops} → ${s.name}): deeper than a simulation follows`);
    }
    if (inFlight >= MAX_OPEN) host.stop(`${MAX_OPEN} requests between services left unanswered at once (the latest to ${s.name}): more than a simulation keeps open`);
    host.crossing("request", { from: from ? from.name : "(scenario)", to: s.name, method, url, ...(objectKeys(headers).length ? { headers } : {}), ...(body !== "" ? { body: bodyValue(body) } : {}) });
    ensure(s);
    const fns = hasOwn(listeners, s.name) ? (listeners[s.name] as Fn[]) : [];
    if (!fns.length) host.stop(`service ${s.name}: its entry ${s.entry} gave http.createServer no request listener, so ${method} ${url} has nowhere to go; point "entry" in worldline.config.json "services" at the module that starts its server`);
    inFlight++;
    const open: Open = { service: s.name, depth, parent };
    const list = hasOwn(openTo, s.name) ? (openTo[s.name] as Open[]) : (openTo[s.name] = []);
    list[list.length] = open;
    const dispatch = (): Promise<Delivered> => new RealPromise<Delivered>((resolve, reject) => {
      const E = Emitter();
      const req = new E();
      req.method = method;
      req.url = target.path;
      req.originalUrl = target.path;
      // As a client would send it: the host, and a body's length (body parsers read a body only when it is declared).
      req.headers = { host: slice(parse(url)?.origin ?? "", indexOf(parse(url)?.origin ?? "", "//") + 2), ...(body !== "" && !hasOwn(headers, "transfer-encoding") ? { "content-length": StringOf(byteLength(body)) } : {}), ...headers };
      req.rawHeaders = [];
      req.httpVersion = "1.1";
      req.httpVersionMajor = 1;
      req.httpVersionMinor = 1;
      const socket = { remoteAddress: "127.0.0.1", remotePort: 40000, encrypted: slice(url, 0, 6) === "https:", readable: true, writable: true, destroy() {}, setTimeout() {}, on() {}, once() {}, removeListener() {} };
      req.socket = socket;
      req.connection = socket;
      readable(req, body);
      const res = new E();
      const out = dict<string | string[]>();
      const names = dict<string>();
      let chunks = "";
      let ended = false;
      res.statusCode = 200;
      res.statusMessage = "";
      res.headersSent = false;
      res.finished = false;
      res.writableEnded = false;
      res.writableFinished = false;
      res.sendDate = true;
      res.socket = socket;
      res.connection = socket;
      res.req = req;
      res.setHeader = (k: unknown, v: unknown) => {
        const key = lower(StringOf(k));
        names[key] = StringOf(k);
        out[key] = isArray(v) ? (v as unknown[]).map(StringOf) : StringOf(v);
        return res;
      };
      res.getHeader = (k: unknown) => out[lower(StringOf(k))];
      res.getHeaders = () => {
        const copy = dict<string | string[]>();
        for (const k of objectKeys(out)) copy[k] = out[k] as string;
        return copy;
      };
      res.getHeaderNames = () => objectKeys(out);
      res.hasHeader = (k: unknown) => hasOwn(out, lower(StringOf(k)));
      res.removeHeader = (k: unknown) => void delete out[lower(StringOf(k))];
      res.appendHeader = (k: unknown, v: unknown) => {
        const key = lower(StringOf(k));
        const was = out[key];
        out[key] = was === undefined ? StringOf(v) : [...(isArray(was) ? was : [was]), StringOf(v)];
        return res;
      };
      res.writeHead = (status: unknown, a?: unknown, b?: unknown) => {
        res.statusCode = NumberOf(status);
        const hs = typeof a === "string" ? ((res.statusMessage = a), b) : a;
        if (hs && typeof hs === "object") {
          const h = headersOf(hs);
          for (const k of objectKeys(h)) out[k] = h[k] as string;
        }
        res.headersSent = true;
        return res;
      };
      res.flushHeaders = () => void (res.headersSent = true);
      res.write = (chunk: unknown, enc?: unknown, cb?: unknown) => {
        if (ended) return false;
        res.headersSent = true;
        chunks += textOf(chunk);
        const done = typeof enc === "function" ? enc : cb;
        if (typeof done === "function") host.soon(() => void apply(done as Fn, undefined, []));
        return true;
      };
      res.end = (chunk?: unknown, enc?: unknown, cb?: unknown) => {
        if (ended) return res;
        const done = typeof chunk === "function" ? chunk : typeof enc === "function" ? enc : cb;
        if (chunk !== undefined && typeof chunk !== "function") chunks += textOf(chunk);
        ended = true;
        res.headersSent = true;
        res.finished = true;
        res.writableEnded = true;
        close(open);
        const headersOut = dict<string>();
        for (const k of objectKeys(out)) {
          const v = out[k];
          headersOut[k] = isArray(v) ? v.join(", ") : (v as string);
        }
        const status = NumberOf(res.statusCode) || 200;
        const delivered: Delivered = { status, statusText: StringOf(res.statusMessage || STATUS[status] || ""), headers: headersOut, body: chunks };
        host.crossing("response", { from: s.name, to: from ? from.name : "(scenario)", status, ...(chunks !== "" ? { body: bodyValue(chunks) } : {}) });
        host.soon(() => {
          res.writableFinished = true;
          emit(res, "finish");
          emit(res, "close");
          if (typeof done === "function") apply(done as Fn, undefined, []);
        });
        resolve(delivered);
        return res;
      };
      res.destroy = (err?: unknown) => {
        if (ended) return res;
        ended = true;
        close(open);
        host.crossing("response", { from: s.name, to: from ? from.name : "(scenario)", error: "the connection was destroyed" });
        reject(new RealError(`socket hang up${err ? `: ${textOf((err as { message?: unknown }).message)}` : ""}`));
        return res;
      };
      // The listeners as they are now: one added while a listener runs waits for the next request, as in Node.
      const now: Fn[] = [];
      for (let i = 0; i < fns.length; i++) now[i] = fns[i] as Fn;
      for (let i = 0; i < now.length; i++) {
        let r: unknown;
        try {
          r = apply(now[i] as Fn, undefined, [req, res]);
        } catch (e) {
          // Node would crash on it: the caller's connection is cut, and the throw ends the run as uncaught.
          if (!ended) (res.destroy as Fn)(e);
          host.soon(() => {
            throw e;
          });
          return;
        }
        // A listener that rejects (an async handler with no error middleware): Node would log it and leave the
        // request hanging; the caller gets the connection cut, as a client would.
        if (r && typeof (r as { then?: unknown }).then === "function" && isA(r, RealPromise)) then(r as Promise<unknown>, () => undefined, (e) => (ended ? undefined : (res.destroy as Fn)(e)));
      }
    });
    // A server takes requests once it listens: a framework that gets ready first (fastify) is not asked early.
    if (hasOwn(listeningServices, s.name)) return dispatch();
    return new RealPromise<Delivered>((resolve, reject) => {
      const list = hasOwn(waiting, s.name) ? (waiting[s.name] as Array<() => void>) : (waiting[s.name] = []);
      list[list.length] = () => then(dispatch(), resolve, reject);
      // An entry that never listens (it exports its app for another module to start) still gets the request, later.
      if (list.length === 1) host.soon(() => wake(s.name), NEVER_LISTENS_MS);
    });
  };

  // ---- the HTTP clients -----------------------------------------------------------------------------
  const methodOf = (m: unknown): string => (m === undefined || m === null ? "GET" : upper(trim(StringOf(m))));
  const bodyText = (b: unknown): string => {
    if (b === undefined || b === null) return "";
    if (typeof b === "string") return b;
    if (isA(b, RealUint8Array)) return textOf(b);
    if (typeof b === "object" && typeof (b as { toString?: unknown }).toString === "function" && (b as { constructor?: { name?: string } }).constructor?.name === "URLSearchParams") return StringOf(b);
    return textOf(b);
  };

  /** A Response as fetch answers it. */
  const response = (d: Delivered, url: string): Obj => {
    let used = false;
    const read = (): Promise<string> => {
      if (used) return RealPromise.reject(new RealTypeError("Body is unusable: Body has already been read"));
      used = true;
      return RealPromise.resolve(d.body);
    };
    const headers = {
      get: (k: unknown) => (hasOwn(d.headers, lower(StringOf(k))) ? d.headers[lower(StringOf(k))] : null),
      has: (k: unknown) => hasOwn(d.headers, lower(StringOf(k))),
      forEach: (fn: Fn) => {
        for (const k of objectKeys(d.headers)) fn(d.headers[k], k);
      },
      entries: () => objectKeys(d.headers).map((k) => [k, d.headers[k]])[Symbol.iterator](),
      keys: () => objectKeys(d.headers)[Symbol.iterator](),
      [Symbol.iterator]: () => objectKeys(d.headers).map((k) => [k, d.headers[k]])[Symbol.iterator](),
    };
    const r: Obj = {
      ok: d.status >= 200 && d.status < 300,
      status: d.status,
      statusText: d.statusText,
      url,
      redirected: false,
      type: "basic",
      headers,
      get bodyUsed() {
        return used;
      },
      text: read,
      json: () => then2(read(), (t) => jsonParse(t)),
      arrayBuffer: () => then2(read(), (t) => Buffer().from(t).buffer),
      clone: () => response(d, url),
    };
    return r;
  };
  const then2 = <T, U>(p: Promise<T>, f: (v: T) => U): Promise<U> => apply(promiseThen, p, [f]) as Promise<U>;

  const urlOf = (input: unknown): string => {
    if (typeof input === "string") return input;
    if (input && typeof input === "object") {
      const o = input as { href?: unknown; url?: unknown };
      if (typeof o.href === "string") return o.href;
      if (typeof o.url === "string") return o.url;
    }
    return StringOf(input);
  };
  const offMap = (target: string, args: unknown[]) => host.boundary(target, args, true);

  const fetch = (input: unknown, init?: unknown): unknown => {
    const url = urlOf(input);
    const target = serviceOf(url);
    if (!target) return offMap("fetch#fetch", init === undefined ? [input] : [input, init]);
    const i = (init && typeof init === "object" ? init : {}) as { method?: unknown; headers?: unknown; body?: unknown };
    const req = input && typeof input === "object" && !(typeof (input as { href?: unknown }).href === "string") ? (input as { method?: unknown; headers?: unknown }) : {};
    // A real Response (web-world.ts), built from the classes themselves: code that replaced the global gets this too.
    return then2(deliver(target, url, methodOf(i.method ?? req.method), headersOf(i.headers ?? req.headers), bodyText(i.body)), (d) => (host.port("worldline:web-world") as { fetchResponse(port: (spec: string) => unknown, a: Delivered & { url: string }): unknown }).fetchResponse(host.port, { ...d, url }));
  };

  /** A module whose listed members are ours, and every other member the usual recording stand-in. */
  const moduleWith = (name: string, own: Obj): unknown => {
    const standIn = host.standIn(name) as Obj;
    const m = objectCreate(null) as Obj;
    for (const k of objectKeys(own)) m[k] = own[k];
    const proxy: unknown = new RealProxy(m, {
      get(t, k) {
        if (typeof k === "symbol") return undefined;
        if (k === "__esModule") return true;
        if (k === "default") return hasOwn(t, "default") ? t.default : proxy;
        return hasOwn(t, k) ? t[k] : standIn[k];
      },
      has: () => true,
    });
    return proxy;
  };

  // node http / https: createServer keeps the listener; request/get route when the URL is on the map.
  const nodeHttp = (name: "http" | "https") => {
    const E = Emitter();
    const Server = function (this: Obj, a?: unknown, b?: unknown) {
      const self = this instanceof Server ? this : (objectCreate(Server.prototype) as Obj);
      apply(E, self, []);
      const owner = runningService();
      const listener = typeof a === "function" ? a : b;
      addListener(owner, listener);
      let listening = false;
      const on = self.on as Fn;
      const addOn = function (this: Obj, ev: unknown, fn: unknown) {
        if (ev === "request") addListener(owner, fn);
        return apply(on, this, [ev, fn]);
      };
      self.on = addOn;
      self.addListener = addOn;
      self.listen = (...args: unknown[]) => {
        listening = true;
        markListening(owner);
        const cb = args[args.length - 1];
        host.soon(() => {
          emit(self, "listening");
          if (typeof cb === "function") apply(cb as Fn, self, []);
        });
        return self;
      };
      self.close = (cb?: unknown) => {
        listening = false;
        host.soon(() => {
          emit(self, "close");
          if (typeof cb === "function") apply(cb as Fn, self, []);
        });
        return self;
      };
      self.address = () => (listening ? { address: "::", family: "IPv6", port: 0 } : null);
      defineProperty(self, "listening", { get: () => listening, configurable: true });
      self.setTimeout = () => self;
      self.closeAllConnections = () => undefined;
      self.closeIdleConnections = () => undefined;
      self.ref = () => self;
      self.unref = () => self;
      return self;
    } as unknown as { new (a?: unknown, b?: unknown): Obj; prototype: Obj };
    Server.prototype = objectCreate((E as unknown as { prototype: object }).prototype);
    const createServer = (a?: unknown, b?: unknown) => new Server(a, b);

    /** http.request(url?, options?, callback?) */
    const request = (a: unknown, b?: unknown, c?: unknown): unknown => {
      const urlish = typeof a === "string" || Boolean(a && typeof (a as { href?: unknown }).href === "string");
      const opts = (urlish ? (b && typeof b === "object" ? b : {}) : (a ?? {})) as Obj;
      const cb = typeof c === "function" ? c : typeof b === "function" ? b : undefined;
      // As Node does: the URL's parts, then each option given over them (hostname, port, path win).
      let protocol = `${name}:`;
      let hostName = "localhost";
      let port = "";
      let path = "/";
      if (urlish) {
        const u = exec(/^([a-zA-Z][a-zA-Z0-9+.-]*:)\/\/([^/?#]*)([^#]*)/, replace(urlOf(a), /\\/g, "/"));
        if (u) {
          protocol = lower(u[1] as string);
          const authority = u[2] as string;
          const hp = slice(authority, lastIndexOf(authority, "@") + 1);
          const colon = lastIndexOf(hp, ":");
          hostName = colon > lastIndexOf(hp, "]") ? slice(hp, 0, colon) : hp;
          port = colon > lastIndexOf(hp, "]") ? slice(hp, colon + 1) : "";
          path = (u[3] as string) || "/";
        } else hostName = "";
      }
      if (opts.protocol !== undefined) protocol = StringOf(opts.protocol);
      if (opts.hostname !== undefined || opts.host !== undefined) hostName = StringOf(opts.hostname ?? opts.host);
      if (opts.port !== undefined) port = StringOf(opts.port);
      if (opts.path !== undefined) path = StringOf(opts.path);
      // A path that does not start with "/" (or a host with userinfo in it) is sent as is by Node: never routed.
      const url = slice(path, 0, 1) === "/" && indexOf(hostName, "@") < 0 && indexOf(hostName, "/") < 0 ? `${protocol}//${hostName}${port ? `:${port}` : ""}${path}` : "";
      const target = serviceOf(url);
      if (!target) return host.boundary(`${name}#request`, [a, ...(b !== undefined ? [b] : [])], false);
      const client = new E();
      const headers = headersOf(opts.headers);
      let body = "";
      let sent = false;
      client.setHeader = (k: unknown, v: unknown) => void (headers[lower(StringOf(k))] = StringOf(v));
      client.getHeader = (k: unknown) => headers[lower(StringOf(k))];
      client.removeHeader = (k: unknown) => void delete headers[lower(StringOf(k))];
      client.setTimeout = () => client;
      client.setNoDelay = () => client;
      client.abort = () => undefined;
      client.destroy = () => client;
      client.write = (chunk: unknown) => {
        body += textOf(chunk);
        return true;
      };
      client.end = (chunk?: unknown, enc?: unknown, done?: unknown) => {
        if (sent) return client;
        sent = true;
        if (chunk !== undefined && typeof chunk !== "function") body += textOf(chunk);
        const finished = typeof chunk === "function" ? chunk : typeof enc === "function" ? enc : done;
        then(
          deliver(target, url, methodOf(opts.method), headers, body),
          (d) => {
            const res = new E();
            res.statusCode = d.status;
            res.statusMessage = d.statusText;
            res.headers = d.headers;
            res.rawHeaders = [];
            res.httpVersion = "1.1";
            readable(res, d.body);
            if (cb) apply(cb as Fn, undefined, [res]);
            emit(client, "response", res);
          },
          (e) => emit(client, "error", e),
        );
        if (typeof finished === "function") host.soon(() => void apply(finished as Fn, undefined, []));
        return client;
      };
      return client;
    };
    const get = (a: unknown, b?: unknown, c?: unknown) => {
      const r = request(a, b, c) as Obj;
      if (r && typeof r.end === "function") apply(r.end as Fn, r, []);
      return r;
    };
    const IncomingMessage = function IncomingMessage(this: Obj) {
      apply(E, this, []);
    } as unknown as { prototype: Obj };
    IncomingMessage.prototype = objectCreate((E as unknown as { prototype: object }).prototype);
    const ServerResponse = function ServerResponse(this: Obj) {
      apply(E, this, []);
    } as unknown as { prototype: Obj };
    ServerResponse.prototype = objectCreate((E as unknown as { prototype: object }).prototype);
    return moduleWith(name, { createServer, Server, request, get, IncomingMessage, ServerResponse, STATUS_CODES: STATUS, METHODS: ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"] });
  };

  // undici: request() and fetch().
  const undici = () =>
    moduleWith("undici", {
      fetch,
      request: (input: unknown, opts?: unknown): unknown => {
        const url = urlOf(input);
        const target = serviceOf(url);
        if (!target) return offMap("undici#request", opts === undefined ? [input] : [input, opts]);
        const o = (opts && typeof opts === "object" ? opts : {}) as { method?: unknown; headers?: unknown; body?: unknown };
        return then2(deliver(target, url, methodOf(o.method), headersOf(o.headers), bodyText(o.body)), (d) => {
          const r = response(d, url);
          return { statusCode: d.status, headers: d.headers, body: { text: r.text, json: r.json, arrayBuffer: r.arrayBuffer } };
        });
      },
    });

  // axios: the function, its verbs, and instances from create() with a baseURL.
  const axiosWith = (defaults: Obj, path: string): Obj => {
    const joinUrl = (base: unknown, url: unknown): string => {
      const u = url === undefined ? "" : StringOf(url);
      if (base === undefined || exec(/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//, u)) return u;
      const b = StringOf(base);
      return `${slice(b, -1) === "/" ? slice(b, 0, -1) : b}${slice(u, 0, 1) === "/" || u === "" ? u : `/${u}`}`;
    };
    const send = (config: Obj, member: string, args: unknown[]): unknown => {
      const c = { ...defaults, ...config } as Obj;
      const url = joinUrl(c.baseURL, c.url);
      const params = c.params && typeof c.params === "object" ? objectKeys(c.params as Obj).map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(StringOf((c.params as Obj)[k]))}`).join("&") : "";
      const full = params ? `${url}${indexOf(url, "?") >= 0 ? "&" : "?"}${params}` : url;
      const target = serviceOf(full);
      if (!target) return offMap(`${path}#${member}`, args);
      const headers = headersOf({ ...((defaults.headers as Obj | undefined) ?? {}), ...((config.headers as Obj | undefined) ?? {}) });
      let body = "";
      if (c.data !== undefined) {
        if (typeof c.data === "string" || isA(c.data, RealUint8Array)) body = textOf(c.data);
        else {
          body = jsonStringify(c.data) as string;
          if (!hasOwn(headers, "content-type")) headers["content-type"] = "application/json";
        }
      }
      return then2(deliver(target, full, methodOf(c.method), headers, body), (d) => {
        let data: unknown = d.body;
        const type = d.headers["content-type"] ?? "";
        if (c.responseType !== "text" && (indexOf(type, "json") >= 0 || (d.body !== "" && exec(/^\s*[[{"]/, d.body)))) {
          try {
            data = jsonParse(d.body);
          } catch {
            data = d.body;
          }
        }
        const res = { data, status: d.status, statusText: d.statusText, headers: d.headers, config: c, request: {} };
        const valid = typeof c.validateStatus === "function" ? (c.validateStatus as Fn)(d.status) : d.status >= 200 && d.status < 300;
        if (valid) return res;
        const err = new RealError(`Request failed with status code ${d.status}`) as Error & Obj;
        err.name = "AxiosError";
        err.isAxiosError = true;
        err.code = d.status >= 500 ? "ERR_BAD_RESPONSE" : "ERR_BAD_REQUEST";
        err.response = res;
        err.config = c;
        throw err;
      });
    };
    const api = function (a: unknown, b?: unknown) {
      const config = (typeof a === "string" ? { ...((b as Obj | undefined) ?? {}), url: a } : (a ?? {})) as Obj;
      return send(config, "default", b === undefined ? [a] : [a, b]);
    } as unknown as Obj;
    api.request = (config: Obj) => send(config ?? {}, "request", [config]);
    for (const m of ["get", "delete", "head", "options"]) api[m] = (url: unknown, config?: Obj) => send({ ...(config ?? {}), url, method: m }, m, config === undefined ? [url] : [url, config]);
    for (const m of ["post", "put", "patch"]) api[m] = (url: unknown, data?: unknown, config?: Obj) => send({ ...(config ?? {}), url, data, method: m }, m, [url, ...(data !== undefined ? [data] : []), ...(config !== undefined ? [config] : [])]);
    api.create = (more?: Obj) => axiosWith({ ...defaults, ...(more ?? {}) }, `${path}#create()`);
    api.defaults = defaults;
    const none = { use: () => 0, eject: () => undefined, clear: () => undefined };
    api.interceptors = { request: none, response: none };
    api.isAxiosError = (e: unknown) => Boolean(e && typeof e === "object" && (e as Obj).isAxiosError === true);
    api.default = api;
    return api;
  };

  // Queues: a message on a topic a mapped service consumes loads that service and reaches every handler
  // subscribed to the topic at the next virtual tick; each client shapes the message its handlers expect.
  interface Message {
    key?: unknown;
    value: unknown;
    headers?: unknown;
  }
  interface Subscription {
    topics: string[];
    deliver?: (topic: string, m: Message, seq: number) => void;
  }
  const subscriptions: Subscription[] = [];
  const consumed = (topic: string): boolean => hasOwn(consumers, topic);
  const publish = (topic: string, message: Message) => {
    counted();
    const seq = crossings;
    const from = runningService();
    const to = consumed(topic) ? (consumers[topic] as WorldService[]).map((x) => x.name) : [];
    // The message is read once, here: what is recorded is what every consumer gets, each its own copy, whatever
    // the sender does to its objects (or their getters answer) afterwards.
    const rawKey = message.key;
    const key = rawKey !== undefined && rawKey !== null ? textOf(rawKey) : undefined;
    const raw = message.value;
    const isText = typeof raw === "string" || isA(raw, RealUint8Array);
    const valueText = isText ? textOf(raw) : (apply(jsonStringify, undefined, [raw === undefined ? null : raw]) as string);
    const rawHeaders = message.headers;
    const headerText = rawHeaders && typeof rawHeaders === "object" ? (apply(jsonStringify, undefined, [headersOf(rawHeaders)]) as string) : undefined;
    const snapshot = (): Message => ({ ...(key !== undefined ? { key } : {}), value: isText ? valueText : jsonParse(valueText), ...(headerText !== undefined ? { headers: jsonParse(headerText) } : {}) });
    host.crossing("message", { from: from ? from.name : "(scenario)", ...(to.length ? { consumers: to } : {}), topic, ...(key !== undefined ? { key } : {}), value: isText ? bodyValue(valueText) : jsonParse(valueText) });
    const mapped = consumed(topic) ? (consumers[topic] as WorldService[]) : [];
    for (let i = 0; i < mapped.length; i++) ensure(mapped[i] as WorldService);
    host.soon(() => {
      for (let i = 0; i < subscriptions.length; i++) {
        const sub = subscriptions[i] as Subscription;
        if (!sub.deliver) continue;
        let on = false;
        for (let k = 0; k < sub.topics.length; k++) if (sub.topics[k] === topic) on = true;
        if (on) sub.deliver(topic, snapshot(), seq);
      }
    });
  };
  const subscribe = (topics: string[], deliver?: Subscription["deliver"]): Subscription => {
    const sub: Subscription = { topics, ...(deliver ? { deliver } : {}) };
    subscriptions[subscriptions.length] = sub;
    return sub;
  };
  /** A handler's returned promise that rejects: the consumer's own failure, ended as a timer's throw would be. */
  const handled = (r: unknown) => {
    if (r && isA(r, RealPromise)) then(r as Promise<unknown>, () => undefined, (e) => host.soon(() => { throw e; }));
  };
  const kafkajs = () => {
    const Kafka = function (this: Obj) {
      this.producer = () => ({
        connect: async () => undefined,
        disconnect: async () => undefined,
        send: async (r: { topic?: unknown; messages?: unknown }) => {
          const topic = StringOf(r?.topic);
          if (!hasOwn(consumers, topic)) return host.boundary("kafkajs#Kafka.producer().send", [r], true);
          const ms = isArray(r?.messages) ? (r.messages as Obj[]) : [];
          for (let i = 0; i < ms.length; i++) publish(topic, ms[i] as unknown as Message);
          return [{ topicName: topic, partition: 0, errorCode: 0 }];
        },
        sendBatch: async (r: { topicMessages?: Array<{ topic: unknown; messages: Obj[] }> }) => {
          const list = isArray(r?.topicMessages) ? r.topicMessages : [];
          for (let i = 0; i < list.length; i++) {
            const tm = list[i] as { topic: unknown; messages: Obj[] };
            const topic = StringOf(tm.topic);
            if (!hasOwn(consumers, topic)) host.boundary("kafkajs#Kafka.producer().sendBatch", [tm], true);
            else for (let k = 0; k < (tm.messages ?? []).length; k++) publish(topic, tm.messages[k] as unknown as Message);
          }
          return [];
        },
        on: () => () => undefined,
      });
      this.consumer = () => {
        const sub = subscribe([]);
        return {
          connect: async () => undefined,
          disconnect: async () => undefined,
          subscribe: async (s: { topic?: unknown; topics?: unknown }) => {
            if (s?.topic !== undefined) sub.topics[sub.topics.length] = StringOf(s.topic);
            if (isArray(s?.topics)) for (const t of s.topics as unknown[]) sub.topics[sub.topics.length] = StringOf(t);
          },
          run: async (r: { eachMessage?: unknown }) => {
            const each = r?.eachMessage;
            if (typeof each !== "function") return;
            sub.deliver = (topic, m, seq) => {
              const message = { key: m.key ?? null, value: Buffer().from(textOf(m.value)), headers: m.headers ?? {}, offset: StringOf(seq), timestamp: "0" };
              handled(apply(each as Fn, undefined, [{ topic, partition: 0, message, heartbeat: async () => undefined, pause: () => () => undefined }]));
            };
          },
          stop: async () => undefined,
          commitOffsets: async () => undefined,
          on: () => () => undefined,
        };
      };
      this.admin = () => host.standIn("kafkajs#Kafka.admin()");
    };
    return moduleWith("kafkajs", { Kafka });
  };

  // amqplib (the promise API): a queue's name is its topic; sendToQueue and publish (routing key, else the exchange) send.
  const amqplib = () => {
    const channel = (): Obj => {
      const ch: Obj = {
        assertQueue: async (q: unknown) => ({ queue: StringOf(q), messageCount: 0, consumerCount: 0 }),
        assertExchange: async (e: unknown) => ({ exchange: StringOf(e) }),
        bindQueue: async () => ({}),
        prefetch: async () => undefined,
        close: async () => undefined,
        ack: () => undefined,
        nack: () => undefined,
        reject: () => undefined,
        on: () => ch,
        once: () => ch,
        sendToQueue: (q: unknown, content: unknown, opts?: unknown) => {
          const topic = StringOf(q);
          if (!consumed(topic)) return host.boundary("amqplib#connect().createChannel().sendToQueue", opts === undefined ? [q, content] : [q, content, opts], false);
          publish(topic, { value: content, ...(opts && typeof opts === "object" ? { headers: (opts as Obj).headers } : {}) });
          return true;
        },
        publish: (exchange: unknown, key: unknown, content: unknown, opts?: unknown) => {
          const topic = StringOf(key) || StringOf(exchange);
          if (!consumed(topic)) return host.boundary("amqplib#connect().createChannel().publish", opts === undefined ? [exchange, key, content] : [exchange, key, content, opts], false);
          publish(topic, { value: content });
          return true;
        },
        consume: async (q: unknown, fn: unknown) => {
          const queue = StringOf(q);
          if (typeof fn === "function")
            subscribe([queue], (topic, m, seq) => handled(apply(fn as Fn, undefined, [{ content: Buffer().from(textOf(m.value)), fields: { deliveryTag: seq, redelivered: false, exchange: "", routingKey: topic }, properties: { headers: m.headers ?? {} } }])));
          return { consumerTag: `ctag-${queue}` };
        },
      };
      return ch;
    };
    const connection = (): Obj => ({ createChannel: async () => channel(), createConfirmChannel: async () => channel(), close: async () => undefined, on: () => undefined, once: () => undefined });
    return moduleWith("amqplib", { connect: async () => connection() });
  };

  // bullmq: a queue's name is its topic; Queue#add sends, a Worker's processor receives the job.
  const bullmq = () => {
    const Queue = function (this: Obj, name: unknown) {
      const topic = StringOf(name);
      this.name = topic;
      this.add = async (jobName: unknown, data: unknown, opts?: unknown) => {
        if (!consumed(topic)) return host.boundary("bullmq#Queue.add", opts === undefined ? [jobName, data] : [jobName, data, opts], true);
        publish(topic, { key: jobName, value: data });
        return { id: StringOf(crossings), name: jobName, data };
      };
      this.addBulk = async (jobs: unknown) => {
        const list = isArray(jobs) ? (jobs as Array<{ name?: unknown; data?: unknown }>) : [];
        const out: unknown[] = [];
        for (let i = 0; i < list.length; i++) out[out.length] = await (this.add as Fn)(list[i]?.name, list[i]?.data);
        return out;
      };
      this.close = async () => undefined;
      this.on = () => this;
    };
    const Worker = function (this: Obj, name: unknown, processor: unknown) {
      const topic = StringOf(name);
      subscribe([topic], (_t, m, seq) => {
        if (typeof processor !== "function") return;
        handled(apply(processor as Fn, undefined, [{ id: StringOf(seq), name: m.key, data: m.value, attemptsMade: 0, updateProgress: async () => undefined, log: async () => 0 }]));
      });
      this.name = topic;
      this.close = async () => undefined;
      this.on = () => this;
      this.run = async () => undefined;
    };
    return moduleWith("bullmq", { Queue, Worker });
  };

  // SQS (@aws-sdk/client-sqs v3, and sqs-consumer): a queue's name (its URL's last path segment) is its topic.
  // A receive on a consumed queue takes what was sent to it, and waits, for as long as the run lasts, when
  // nothing was: a long poll that never comes back empty, so a polling loop cannot spin the virtual clock.
  const queueOf = (url: unknown): string => {
    const u = StringOf(url);
    const cut = lastIndexOf(u, "/");
    return cut < 0 ? u : slice(u, cut + 1);
  };
  const sqsQueues = dict<{ waiting: Array<(m: Obj) => void>; messages: Obj[] }>();
  const sqsQueue = (topic: string) => (hasOwn(sqsQueues, topic) ? (sqsQueues[topic] as { waiting: Array<(m: Obj) => void>; messages: Obj[] }) : (sqsQueues[topic] = { waiting: [], messages: [] }));
  const sqsMessage = (m: Message, seq: number): Obj => {
    const attributes = m.headers && typeof m.headers === "object" ? (m.headers as Obj) : undefined;
    return { MessageId: `msg-${seq}`, ReceiptHandle: `rh-${seq}`, Body: textOf(m.value), ...(attributes ? { MessageAttributes: attributes } : {}), Attributes: { ApproximateReceiveCount: "1" } };
  };
  let sqsFed = false;
  /** Every consumed topic's messages are kept for receivers from the first SQS module on, so none sent earlier is lost. */
  const feedSqs = () => {
    if (sqsFed) return;
    sqsFed = true;
    subscribe(objectKeys(consumers), (topic, m, seq) => {
      const q = sqsQueue(topic);
      const w = q.waiting;
      if (w.length) {
        const wake = w[0] as (m: Obj) => void;
        q.waiting = apply(arraySlice, w, [1]) as Array<(m: Obj) => void>;
        wake(sqsMessage(m, seq));
      } else q.messages[q.messages.length] = sqsMessage(m, seq);
    });
  };
  const commands = new RealWeakMap<object, { name: string; input: Obj }>();
  const Command = (name: string) =>
    function (this: Obj, input: unknown) {
      const i = input && typeof input === "object" ? (input as Obj) : {};
      this.input = i;
      apply(weakSet, commands, [this, { name, input: i }]);
    };
  const sqsSend = (input: Obj): unknown => {
    const topic = queueOf(input.QueueUrl);
    publish(topic, { value: input.MessageBody, ...(input.MessageAttributes ? { headers: input.MessageAttributes } : {}), ...(input.MessageGroupId !== undefined ? { key: input.MessageGroupId } : {}) });
    return { MessageId: `msg-${crossings}`, $metadata: { httpStatusCode: 200 } };
  };
  const clientSqs = () => {
    feedSqs();
    const SQSClient = function (this: Obj) {
      this.send = async (command: unknown) => {
        const c = command && typeof command === "object" ? (apply(weakGet, commands, [command]) as { name: string; input: Obj } | undefined) : undefined;
        const topic = c ? queueOf(c.input.QueueUrl ?? c.input.QueueName) : "";
        if (!c || !consumed(topic)) return host.boundary("@aws-sdk/client-sqs#SQSClient.send", [command], true);
        const input = c.input;
        if (c.name === "SendMessageCommand") return sqsSend(input);
        if (c.name === "SendMessageBatchCommand") {
          const entries = isArray(input.Entries) ? (input.Entries as Obj[]) : [];
          const ok: Obj[] = [];
          for (let i = 0; i < entries.length; i++) {
            const e = entries[i] as Obj;
            const sent = sqsSend({ ...e, QueueUrl: input.QueueUrl }) as Obj;
            ok[ok.length] = { Id: e.Id, MessageId: sent.MessageId };
          }
          return { Successful: ok, Failed: [], $metadata: { httpStatusCode: 200 } };
        }
        if (c.name === "ReceiveMessageCommand") {
          const q = sqsQueue(topic);
          const max = NumberOf(input.MaxNumberOfMessages ?? 1) || 1;
          if (q.messages.length) {
            const taken = apply(arraySlice, q.messages, [0, max]) as Obj[];
            q.messages = apply(arraySlice, q.messages, [max]) as Obj[];
            return { Messages: taken, $metadata: { httpStatusCode: 200 } };
          }
          return new RealPromise((resolve) => {
            q.waiting[q.waiting.length] = (m: Obj) => resolve({ Messages: [m], $metadata: { httpStatusCode: 200 } });
          });
        }
        if (c.name === "GetQueueUrlCommand") return { QueueUrl: `https://sqs.world/000000000000/${topic}`, $metadata: { httpStatusCode: 200 } };
        // Deleting, re-timing or purging a message on a queue of the map changes nothing the run can see.
        return { $metadata: { httpStatusCode: 200 } };
      };
      this.destroy = () => undefined;
      this.config = {};
    };
    const own: Obj = { SQSClient, SQS: SQSClient };
    const names = ["SendMessageCommand", "SendMessageBatchCommand", "ReceiveMessageCommand", "DeleteMessageCommand", "DeleteMessageBatchCommand", "ChangeMessageVisibilityCommand", "GetQueueUrlCommand"];
    for (let i = 0; i < names.length; i++) own[names[i] as string] = Command(names[i] as string);
    return moduleWith("@aws-sdk/client-sqs", own);
  };
  // sqs-consumer: Consumer.create({ queueUrl, handleMessage | handleMessageBatch }).start() receives the queue's messages.
  const sqsConsumer = () => {
    const Consumer = function (this: Obj, options: unknown) {
      const o = options && typeof options === "object" ? (options as Obj) : {};
      const topic = queueOf(o.queueUrl);
      let running = false;
      subscribe([topic], (_t, m, seq) => {
        if (!running) return;
        const msg = sqsMessage(m, seq);
        if (typeof o.handleMessage === "function") handled(apply(o.handleMessage as Fn, undefined, [msg]));
        else if (typeof o.handleMessageBatch === "function") handled(apply(o.handleMessageBatch as Fn, undefined, [[msg]]));
      });
      this.start = () => {
        running = true;
      };
      this.stop = () => {
        running = false;
      };
      this.on = () => this;
      this.once = () => this;
      defineProperty(this, "isRunning", { get: () => running });
    } as unknown as { create?: unknown; new (o: unknown): Obj };
    Consumer.create = (o: unknown) => new Consumer(o);
    return moduleWith("sqs-consumer", { Consumer });
  };

  const made = dict<unknown>();
  return {
    module(name) {
      if (hasOwn(made, name)) return made[name];
      let m: unknown;
      if (name === "http" || name === "https") m = nodeHttp(name);
      else if (name === "undici") m = undici();
      else if (name === "axios") m = axiosWith({}, "axios");
      else if (name === "node-fetch") m = moduleWith("node-fetch", { default: fetch, fetch });
      else if (name === "kafkajs") m = kafkajs();
      else if (name === "amqplib") m = amqplib();
      else if (name === "bullmq") m = bullmq();
      else if (name === "@aws-sdk/client-sqs") m = clientSqs();
      else if (name === "sqs-consumer") m = sqsConsumer();
      else return undefined;
      made[name] = m;
      return m;
    },
    fetch,
  };
}
