// Public-API examples of immer (its README and docs), each returning plain data. Written into a clone of the
// library at bench time, run natively and in the sandbox; the two answers must be the same.
import { applyPatches, createDraft, current, enableMapSet, enablePatches, finishDraft, freeze, isDraft, nothing, original, produce, produceWithPatches } from "../src/immer";

export function basic() {
  const next = produce({ a: 1, b: { c: [1, 2] } }, (d) => {
    d.a = 2;
    d.b.c.push(3);
  });
  return next;
}
export function todos() {
  const base = [{ title: "learn", done: true }, { title: "try immer", done: false }];
  const next = produce(base, (d) => {
    d.push({ title: "tweet", done: false });
    d[1]!.done = true;
  });
  return { next, sharedFirst: next[0] === base[0], baseUntouched: base.length === 2 && !base[1]!.done };
}
export function unchangedIsSame() {
  const base = { a: { b: 1 } };
  return produce(base, (d) => {
    d.a.b = 1;
  }) === base;
}
export function patches() {
  enablePatches();
  const [next, forward, inverse] = produceWithPatches({ a: 1, list: [1] }, (d) => {
    d.a = 2;
    d.list.push(2);
  });
  return { next, forward, inverse, back: applyPatches(next, inverse) };
}
export function mapsAndSets() {
  enableMapSet();
  const next = produce({ m: new Map([["x", 1]]), s: new Set([1]) }, (d) => {
    d.m.set("y", 2);
    d.s.add(2);
  });
  return { m: [...next.m.entries()], s: [...next.s.values()] };
}
export function returnsNothing() {
  return produce({ a: 1 } as { a: number } | undefined, () => nothing) === undefined;
}
export function frozen() {
  const next = produce({ a: { b: 1 } }, (d) => {
    d.a.b = 2;
  });
  return { top: Object.isFrozen(next), nested: Object.isFrozen(next.a), deep: Object.isFrozen(freeze({ x: { y: 1 } }, true).x) };
}
export function currentAndOriginal() {
  const seen: unknown[] = [];
  produce({ a: { n: 1 } }, (d) => {
    d.a.n = 5;
    seen.push(current(d).a.n, original(d)!.a.n, isDraft(d), isDraft(current(d)));
  });
  return seen;
}
export function manualDrafts() {
  const draft = createDraft({ items: [1, 2] });
  draft.items.push(3);
  return finishDraft(draft);
}
export function curried() {
  const add = produce((d: { n: number }, by: number) => {
    d.n += by;
  });
  return add({ n: 1 }, 2);
}
