import type { ExpectationResult } from "./protocol.js";

/**
 * The realm where a step's expectations are checked: a second context of the run's isolate that the simulated
 * code never reaches, so `Array.prototype.some`, `JSON` and the rest are the built-ins as V8 made them,
 * whatever the code under test rewrote in its own realm. This file is transpiled on its own and evaluated in
 * that context: no imports at run time. It receives what the expectations read as text (the prelude's
 * `expectData`: tagged JSON) with `load`, rebuilds the values here, then evaluates one expectation per `check`
 * and answers JSON text: one call each, so a limit hit while checking is known to be that expectation's.
 */

type Fn = (...args: unknown[]) => unknown;
type Obj = Record<string | symbol, unknown>;
type Node = null | boolean | number | string | [string, ...unknown[]];

interface Payload {
  result: Node;
  error: Node;
  /** The arguments the step's call was given, as they are after it ran. */
  args: Node;
  steps: Array<{ result: Node; error: Node }>;
  effects: unknown[];
  symbolic: boolean;
}

const ERRORS: Record<string, ErrorConstructor> = Object.assign(Object.create(null) as Record<string, ErrorConstructor>, { Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError });

export type CheckerCommand = "load" | "check";

export function install(): (cmd: CheckerCommand, arg: string) => string {
  let uses = 0;

  const symbolic = (origin: string): unknown => {
    const cache = new Map<PropertyKey, unknown>();
    return new Proxy(function () {}, {
      get(_t, k) {
        if (k === "then") return undefined;
        if (k === Symbol.toPrimitive) return (hint: string) => (uses++, hint === "number" ? NaN : `⟨${origin}⟩`);
        if (k === "toJSON") return () => ({ $symbolic: origin });
        if (k === "valueOf" || k === "toString") return () => (uses++, `⟨${origin}⟩`);
        if (k === Symbol.iterator) return function* () { uses++; };
        if (typeof k === "symbol") return undefined;
        uses++;
        if (!cache.has(k)) cache.set(k, symbolic(`${origin}.${k}`));
        return cache.get(k);
      },
      apply: () => (uses++, symbolic(`${origin}()`)),
      construct: () => (uses++, symbolic(`new ${origin}()`) as object),
      has: () => false,
      set: () => true,
    });
  };

  const define = (o: object, k: PropertyKey, value: unknown) => Object.defineProperty(o, k, { value, writable: true, enumerable: true, configurable: true });

  const decode = (node: unknown, refs: Map<number, unknown>): unknown => {
    if (!Array.isArray(node)) return node;
    const [tag, a, b, c, d] = node as [string, unknown, unknown, unknown, unknown];
    const keep = <T>(v: T): T => (refs.set(a as number, v), v);
    const fill = (o: object, pairs: unknown) => {
      for (const [k, v] of pairs as Array<[string, unknown]>) define(o, k, decode(v, refs));
      return o;
    };
    switch (tag) {
      case "u":
        return undefined;
      case "x":
        // A value the sandbox could not copy (a revoked proxy, a getter that throws, past the depth or size
        // limit) is not `undefined`: `=== undefined` must not pass for it. It equals nothing an expectation builds.
        return Object.freeze({ $unreadable: "the sandbox could not copy this value: a revoked proxy, a getter that throws, or past the depth or size limit" });
      case "n":
        return a === "-0" ? -0 : Number(a);
      case "b":
        return BigInt(a as string);
      case "y":
        return Symbol(a as string);
      case "S":
        return symbolic(a as string);
      case "I":
        return Object.freeze({ $standIn: a });
      case "r":
        return refs.get(a as number);
      case "f":
        return keep(
          Object.defineProperty(
            () => {
              throw new TypeError(`${b || "a function"} came from the simulated code and cannot be called from an expectation`);
            },
            "name",
            { value: b },
          ),
        );
      case "d":
        return keep(new Date(b === null ? NaN : (b as number)));
      case "p":
        return keep(new Promise(() => undefined));
      case "e": {
        // Own names only: an error named "valueOf" must not find Object.prototype.valueOf.
        const Ctor = typeof b === "string" && Object.hasOwn(ERRORS, b) ? (ERRORS[b] as ErrorConstructor) : Error;
        const e = keep(new Ctor(c as string));
        if (e.name !== b) Object.defineProperty(e, "name", { value: String(b), writable: true, configurable: true });
        return fill(e, d);
      }
      case "a": {
        const out = keep([] as unknown[]);
        (b as unknown[]).forEach((v, i) => define(out, i, decode(v, refs)));
        return out;
      }
      case "m": {
        const out = keep(new Map());
        for (const [k, v] of b as Array<[unknown, unknown]>) out.set(decode(k, refs), decode(v, refs));
        return out;
      }
      case "s": {
        const out = keep(new Set());
        for (const v of b as unknown[]) out.add(decode(v, refs));
        return out;
      }
      case "o":
        return fill(keep({} as Obj), b);
      default:
        return undefined;
    }
  };

  /** The values of the step being checked: every expectation of a step reads the same ones. */
  let values: { result: unknown; error: unknown; args: unknown; effects: unknown[]; steps: unknown[]; symbolic: boolean } | undefined;
  const load = (payloadText: string): string => {
    values = undefined;
    const p = JSON.parse(payloadText) as Payload;
    const refs = new Map<number, unknown>();
    const result = decode(p.result, refs);
    const error = decode(p.error, refs);
    // After the result, as encoded: an argument the call handed back (`produce(base, r) === base`) is the same object.
    const args = decode(p.args, refs);
    const steps = p.steps.map((s) => ({ result: decode(s.result, refs), error: decode(s.error, refs) }));
    // Effects' arguments come exactly as the code passed them (each call's own encoding).
    const effects = p.effects.map((e) => ({ ...(e as Obj), args: decode((e as { args: unknown }).args, new Map()) }));
    values = { result, error, args, effects, steps, symbolic: p.symbolic };
    return "";
  };
  const check = (expr: string): string => {
    if (!values) throw new Error("no values loaded: load the step's values before checking its expectations");
    let fn: Fn;
    try {
      fn = new Function("result", "error", "effects", "steps", "args", `"use strict"; return (${expr});`) as Fn;
    } catch {
      return JSON.stringify({ expect: expr, status: "unchecked", detail: "prose: not a JavaScript expression" } satisfies ExpectationResult);
    }
    const before = uses;
    let r: ExpectationResult;
    try {
      r = { expect: expr, status: fn(values.result, values.error, values.effects, values.steps, values.args) ? "pass" : "fail" };
    } catch (e) {
      r = { expect: expr, status: "threw", detail: String((e as Error)?.message ?? e) };
    }
    if (uses > before || values.symbolic) r.symbolic = true;
    return JSON.stringify(r);
  };
  return (cmd, arg) => (cmd === "load" ? load(arg) : check(arg));
}
