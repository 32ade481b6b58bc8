import { createHash } from "node:crypto";

/**
 * The import graph of one revision, for deciding which files' checker facts still hold. A file's facts
 * depend on the export surfaces of everything it transitively imports; `deepSurfaces` folds those into one
 * hash per file in linear time (a Merkle hash over the strongly connected components, so cycles are fine).
 */
export class ImportGraph {
  constructor(private readonly deps: ReadonlyMap<string, readonly string[]>) {}

  /** Every file reachable from the roots, roots included. */
  closure(roots: Iterable<string>): Set<string> {
    const seen = new Set<string>();
    const stack = [...roots];
    while (stack.length) {
      const p = stack.pop() as string;
      if (seen.has(p)) continue;
      seen.add(p);
      for (const d of this.deps.get(p) ?? []) if (!seen.has(d)) stack.push(d);
    }
    return seen;
  }

  /** For each file, a hash of the surfaces of the files it reaches (its own component included). */
  deepSurfaces(surfaceOf: (path: string) => string): Map<string, string> {
    const components = this.components();
    const componentOf = new Map<string, number>();
    components.forEach((c, i) => c.forEach((p) => componentOf.set(p, i)));
    const deep: string[] = [];
    // Tarjan emits components in reverse topological order: successors are hashed before their importers.
    components.forEach((members, i) => {
      const h = createHash("sha1");
      for (const p of [...members].sort()) h.update(`${p}\0${surfaceOf(p)}\0`);
      const next = new Set<string>();
      for (const p of members) {
        for (const d of this.deps.get(p) ?? []) {
          const c = componentOf.get(d);
          if (c !== undefined && c !== i) next.add(deep[c] as string);
        }
      }
      for (const n of [...next].sort()) h.update(n);
      deep[i] = h.digest("hex");
    });
    return new Map([...componentOf].map(([p, c]) => [p, deep[c] as string]));
  }

  /** Strongly connected components, iterative Tarjan (deep import chains would overflow recursion). */
  private components(): string[][] {
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const onStack = new Set<string>();
    const stack: string[] = [];
    const out: string[][] = [];
    let counter = 0;
    for (const root of this.deps.keys()) {
      if (index.has(root)) continue;
      const work: Array<{ node: string; next: number }> = [{ node: root, next: 0 }];
      index.set(root, counter);
      low.set(root, counter++);
      stack.push(root);
      onStack.add(root);
      while (work.length) {
        const frame = work[work.length - 1] as { node: string; next: number };
        const succ = (this.deps.get(frame.node) ?? []).filter((d) => this.deps.has(d));
        if (frame.next < succ.length) {
          const w = succ[frame.next++] as string;
          if (!index.has(w)) {
            index.set(w, counter);
            low.set(w, counter++);
            stack.push(w);
            onStack.add(w);
            work.push({ node: w, next: 0 });
          } else if (onStack.has(w)) {
            low.set(frame.node, Math.min(low.get(frame.node) as number, index.get(w) as number));
          }
          continue;
        }
        work.pop();
        const parent = work[work.length - 1];
        if (parent) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(frame.node) as number));
        if (low.get(frame.node) === index.get(frame.node)) {
          const comp: string[] = [];
          let w: string;
          do {
            w = stack.pop() as string;
            onStack.delete(w);
            comp.push(w);
          } while (w !== frame.node);
          out.push(comp);
        }
      }
    }
    return out;
  }
}
