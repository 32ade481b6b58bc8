/**
 * Node's `stream`, `stream/promises` and `stream/web` for the isolate: readable-stream (Node's own stream code,
 * published as a pure-JS package) under a legacy `Stream` constructor, with what readable-stream lacks of
 * Node 20 written here: `Readable.toWeb`/`Readable.fromWeb` (hono's node adapter reads a request through
 * them), `Writable.toWeb`, and the promise forms of `pipeline` and `finished`.
 *
 * Served by the module loader as one of Worldline's own ports, like web-world.ts; it reaches nothing but the
 * `port` function and the web classes it is handed.
 */

import type { WebGlobals } from "./web-world.js";

type Fn = (...args: unknown[]) => unknown;
type Obj = Record<string | symbol, unknown>;

interface WebReader {
  read(): Promise<{ done: boolean; value?: unknown }>;
  cancel(reason?: unknown): Promise<void>;
}
interface NodeReadable extends Obj {
  on(ev: string, fn: Fn): unknown;
  push(chunk: unknown): boolean;
  destroy(err?: unknown): unknown;
}

let legacy: (Fn & { prototype: Obj }) | undefined;
let made: Obj | undefined;

/**
 * The `stream` module, built once per isolate. readable-stream asks for `stream` itself while it loads (its
 * base class): that nested request gets the legacy constructor, which the finished module is.
 */
export function nodeStream(port: (spec: string) => unknown, web: () => WebGlobals): Obj {
  if (made) return made;
  if (legacy) return legacy as unknown as Obj;
  const apply = Reflect.apply;
  const RealPromise = Promise;
  const RealTypeError = TypeError;
  const RealUint8Array = Uint8Array;
  const hasInstance = Function.prototype[Symbol.hasInstance];
  const isView = ArrayBuffer.isView;
  const EE = (port("events") as { EventEmitter: Fn & { prototype: object } }).EventEmitter;
  // Node's legacy Stream: an EventEmitter with a plain pipe(); Readable and Writable inherit from it.
  const Stream = function Stream(this: Obj, opts?: unknown) {
    apply(EE, this, [opts]);
  } as unknown as Fn & { prototype: Obj };
  Stream.prototype = Object.create(EE.prototype, { constructor: { value: Stream, writable: true, configurable: true } }) as Obj;
  Reflect.setPrototypeOf(Stream, EE);
  Stream.prototype.pipe = function (this: NodeReadable, dest: Obj) {
    this.on("data", (chunk: unknown) => void (typeof dest.write === "function" && apply(dest.write as Fn, dest, [chunk])));
    this.on("end", () => void (typeof dest.end === "function" && apply(dest.end as Fn, dest, [])));
    return dest;
  };
  legacy = Stream;
  const rs = port("readable-stream") as Obj & { Readable: Fn & Obj; Writable: Fn & Obj; pipeline: Fn; finished: Fn };
  const { Buffer } = port("buffer") as { Buffer: { from(v: unknown): unknown } };

  const Readable = rs.Readable as Fn & Obj & { new (o: Obj): NodeReadable };
  const bytes = (chunk: unknown): Uint8Array => {
    if (typeof chunk === "string") return Buffer.from(chunk) as Uint8Array;
    if (isView(chunk)) return new RealUint8Array((chunk as ArrayBufferView).buffer, (chunk as ArrayBufferView).byteOffset, (chunk as ArrayBufferView).byteLength);
    throw new RealTypeError(`Readable.toWeb: a chunk must be a string or bytes (got ${typeof chunk}); an object-mode stream has no web form here`);
  };
  Readable.toWeb = (r: NodeReadable) => {
    const RS = web().ReadableStream as new (s: Obj) => unknown;
    let closed = false;
    return new RS({
      start(c: { enqueue(v: unknown): void; close(): void; error(e: unknown): void }) {
        // An object-mode stream's chunks pass as they are, as in Node; a byte stream's become Uint8Arrays.
        const objects = r.readableObjectMode === true || (r._readableState as { objectMode?: boolean } | undefined)?.objectMode === true;
        r.on("data", (chunk: unknown) => {
          if (!closed) c.enqueue(objects ? chunk : bytes(chunk));
        });
        r.on("end", () => {
          if (closed) return;
          closed = true;
          c.close();
        });
        r.on("error", (e: unknown) => {
          if (closed) return;
          closed = true;
          c.error(e);
        });
      },
      cancel(reason: unknown) {
        closed = true;
        if (typeof r.destroy === "function") r.destroy(reason);
      },
    });
  };
  Readable.fromWeb = (s: unknown, options?: Obj) => {
    const RS = web().ReadableStream as object;
    const getReader = s && typeof s === "object" ? (s as { getReader?: unknown }).getReader : undefined;
    if (!apply(hasInstance, RS, [s]) || typeof getReader !== "function") {
      const e = new RealTypeError('The "readableStream" argument must be an instance of ReadableStream: pass a web ReadableStream to Readable.fromWeb') as Error & { code?: string };
      e.code = "ERR_INVALID_ARG_TYPE";
      throw e;
    }
    const reader = apply(getReader, s, []) as WebReader;
    return new Readable({
      ...(options ?? {}),
      read(this: NodeReadable) {
        apply(RealPromise.prototype.then, reader.read(), [
          (r: { done: boolean; value?: unknown }) => {
            if (r.done) this.push(null);
            else this.push(options?.objectMode || typeof r.value === "string" ? r.value : Buffer.from(bytes(r.value)));
          },
          (e: unknown) => this.destroy(e),
        ]);
      },
      destroy(err: unknown, cb: (e: unknown) => void) {
        apply(RealPromise.prototype.then, reader.cancel(err), [() => cb(err), cb]);
      },
    });
  };
  const Writable = rs.Writable as Fn & Obj;
  Writable.toWeb = (w: Obj) => {
    const WS = web().WritableStream as new (s: Obj) => unknown;
    return new WS({
      write: (chunk: unknown) => new RealPromise<void>((resolve, reject) => void apply(w.write as Fn, w, [chunk, (e: unknown) => (e ? reject(e) : resolve())])),
      close: () => new RealPromise<void>((resolve) => void apply(w.end as Fn, w, [() => resolve()])),
      abort: (reason: unknown) => void apply(w.destroy as Fn, w, [reason]),
    });
  };
  const promisify = (f: Fn) => (...args: unknown[]) => new RealPromise((resolve, reject) => void apply(f, undefined, [...args, (e: unknown, v: unknown) => (e ? reject(e) : resolve(v))]));
  // Node's promise forms take a last options object ({ signal, end }) that readable-stream 3 would read as a stream.
  const isOptions = (v: unknown): v is { signal?: unknown } => v !== null && typeof v === "object" && typeof (v as Obj).pipe !== "function" && typeof (v as Obj).write !== "function" && typeof (v as Obj).on !== "function";
  // Node 20's pipeline takes functions as stages (an async generator over the previous stage, a source
  // generator first, an async sink last); readable-stream 3 takes only streams, so a function stage is run here
  // over what precedes it and becomes a Readable of what it yields.
  const from = (Readable as unknown as { from(it: unknown): unknown }).from;
  const fold = (stages: unknown[]): unknown[] => {
    const out: unknown[] = [];
    for (let i = 0; i < stages.length; i++) {
      const s = stages[i];
      if (typeof s !== "function") out[out.length] = s;
      else if (i === stages.length - 1 && i > 0) out[out.length] = s;
      else {
        const stage = apply(from, Readable, [apply(s as Fn, undefined, i === 0 ? [] : [out.pop()])]);
        out[out.length] = stage;
      }
    }
    return out;
  };
  const runStages = (stages: unknown[]): Promise<unknown> => {
    const all = fold(stages);
    const sink = all[all.length - 1];
    if (typeof sink !== "function") return apply(promisify(rs.pipeline), undefined, all) as Promise<unknown>;
    // An async sink consumes the stage before it; its result is the pipeline's.
    const source = all.length > 2 ? apply(rs.pipeline, undefined, [...all.slice(0, -1), () => undefined]) : all[0];
    return RealPromise.resolve(apply(sink as Fn, undefined, [source]));
  };
  const pipeline = (...args: unknown[]) => {
    const last = args[args.length - 1];
    if (!isOptions(last)) return runStages(args);
    const streams = args.slice(0, -1);
    const signal = last.signal as { aborted?: boolean; reason?: unknown; addEventListener?: Fn } | undefined;
    const abort = () => {
      const first = streams[0] as Obj | undefined;
      if (first && typeof first.destroy === "function") apply(first.destroy as Fn, first, [signal?.reason ?? new RealTypeError("The operation was aborted")]);
    };
    const p = runStages(streams);
    if (signal?.aborted) abort();
    else if (signal && typeof signal.addEventListener === "function") apply(signal.addEventListener, signal, ["abort", abort, { once: true }]);
    return p;
  };
  const promises = { pipeline, finished: promisify(rs.finished) };
  const out = Stream as unknown as Obj;
  for (const k of ["Readable", "Writable", "Duplex", "Transform", "PassThrough", "pipeline", "finished"]) out[k] = rs[k];
  out.Stream = Stream;
  out.promises = promises;
  out.isReadable = (s: unknown) => Boolean(s && typeof s === "object" && (s as Obj).readable && !(s as Obj).destroyed);
  out.isErrored = (s: unknown) => Boolean(s && typeof s === "object" && (s as Obj).errored);
  out.getDefaultHighWaterMark = (objectMode: unknown) => (objectMode ? 16 : 16384);
  made = out;
  return made;
}
