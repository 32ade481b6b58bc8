import type { Crossing } from "../../core/verdict.js";
import type { RunResult, TraceEvent } from "./sandbox/protocol.js";

/**
 * The requests, responses and messages between the repo's services in two runs of one scenario, side by side
 * (DESIGN.md: Across services). They are paired in the order each side sent them, by kind and route, so a
 * request head no longer sends shows with head absent; what crossed is compared as recorded.
 */
const CROSSING_KINDS = new Set<TraceEvent["kind"]>(["request", "response", "message"]);
const MAX_CROSSINGS = 40;

interface Sent {
  event: TraceEvent;
  value: Record<string, unknown>;
  key: string;
}

const record = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** A crossing's route, the same on both sides when the same thing was asked: request method and path, the response to it, a topic. */
function routeOf(e: TraceEvent, v: Record<string, unknown>): string {
  const pathOf = (url: string | undefined) => (url ?? "").replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "").replace(/\?.*$/, "") || "/";
  if (e.kind === "request") return `request ${str(v.from)}→${str(v.to)} ${str(v.method)} ${pathOf(str(v.url))}`;
  if (e.kind === "response") return `response ${str(v.from)}→${str(v.to)}`;
  return `message ${str(v.from)} ${str(v.topic)}`;
}

function sent(run: RunResult): Sent[] {
  return run.trace.filter((e) => CROSSING_KINDS.has(e.kind)).map((event) => {
    const value = record(event.value);
    return { event, value, key: routeOf(event, value) };
  });
}

function what(e: TraceEvent, v: Record<string, unknown>): string {
  if (e.kind === "request") return `${str(v.method) ?? "GET"} ${str(v.url) ?? ""}`;
  if (e.kind === "response") return v.error !== undefined ? `no response: ${String(v.error)}` : `status ${String(v.status)}`;
  return `topic ${str(v.topic) ?? ""}`;
}

/** What crossed, without who sent it (that is in the crossing's own fields). */
function payload(v: Record<string, unknown>): Record<string, unknown> {
  const { from: _from, to: _to, consumers: _consumers, ...rest } = v;
  return rest;
}

/** Base and head crossings paired in order; at most MAX_CROSSINGS, the differing ones kept first. */
export function crossingsOf(base: RunResult, head: RunResult | undefined): Crossing[] {
  const b = sent(base);
  const h = head ? sent(head) : [];
  if (!b.length && !h.length) return [];
  const out: Crossing[] = [];
  const used = new Set<number>();
  const make = (x: Sent, bv: Sent | undefined, hv: Sent | undefined): Crossing => {
    const baseValue = bv ? payload(bv.value) : undefined;
    const headValue = hv ? payload(hv.value) : undefined;
    return {
      kind: x.event.kind as Crossing["kind"],
      at: x.event.at,
      ...(x.event.symbol ? { symbol: x.event.symbol } : {}),
      from: str(x.value.from) ?? "(scenario)",
      ...(str(x.value.to) ? { to: str(x.value.to) } : {}),
      ...(str(x.value.topic) ? { topic: str(x.value.topic) } : {}),
      ...(Array.isArray(x.value.consumers) ? { consumers: x.value.consumers.filter((c): c is string => typeof c === "string") } : {}),
      what: what(x.event, x.value),
      ...(baseValue !== undefined ? { base: baseValue } : {}),
      ...(headValue !== undefined ? { head: headValue } : {}),
      same: baseValue !== undefined && headValue !== undefined && JSON.stringify(baseValue) === JSON.stringify(headValue),
    };
  };
  if (!head) for (const bv of b) out.push(make(bv, bv, undefined));
  else {
    // Each head crossing takes the first unused base crossing of the same route, in order; base's leftovers follow.
    let from = 0;
    for (const hv of h) {
      let j = -1;
      for (let k = from; k < b.length && j < 0; k++) if (!used.has(k) && b[k]?.key === hv.key) j = k;
      if (j >= 0) {
        used.add(j);
        from = j + 1;
      }
      out.push(make(hv, j >= 0 ? b[j] : undefined, hv));
    }
    b.forEach((bv, k) => {
      if (!used.has(k)) out.push(make(bv, bv, undefined));
    });
  }
  if (out.length <= MAX_CROSSINGS) return out;
  const differing = out.filter((c) => !c.same);
  return [...differing, ...out.filter((c) => c.same)].slice(0, MAX_CROSSINGS);
}

/** The services a run went through, in the order it reached them (the scenario's own first). */
export function servicesOf(...runs: Array<RunResult | undefined>): string[] {
  const seen = new Set<string>();
  for (const run of runs) for (const e of run?.trace ?? []) if (e.service) seen.add(e.service);
  return [...seen];
}

/** The service whose code a location is in, as the run recorded it. */
export function serviceAt(location: string, ...runs: Array<RunResult | undefined>): string | undefined {
  for (const run of runs) for (const e of run?.trace ?? []) if (e.at === location && e.service) return e.service;
  return undefined;
}
