import type { Direction } from "./model.js";
import type { Neighbor } from "./store.js";

/**
 * Graph walks both backends share, over two queries each backend answers with one indexed statement per
 * frontier chunk. (A recursive CTE queues a hub's whole expansion before its LIMIT applies, and carries no
 * visited set: measured at 0.8-1 s for depth 3 on a 1M-edge graph, against a few milliseconds this way.)
 */
export interface EdgeEnds {
  src: string;
  dst: string;
}

const CHUNK = 500;

/** Breadth-first, nearest first, each level fetching no more nodes than the answer can still use. */
export async function walkNeighbors(
  id: string,
  depth: number,
  dir: Direction,
  limit: number,
  /** Nodes one edge away from any node of `from`, in `dir`, at most `cap` per direction. */
  step: (from: readonly string[], dir: Direction, cap: number) => Promise<string[]>,
): Promise<Neighbor[]> {
  const visited = new Set([id]);
  const out: Neighbor[] = [];
  let frontier = [id];
  for (let d = 1; d <= depth && frontier.length > 0 && out.length < limit; d++) {
    const next: string[] = [];
    for (let i = 0; i < frontier.length && out.length < limit; i += CHUNK) {
      // Distinct nodes; at most `visited.size` of them can be old, so this many rows always suffice.
      const cap = limit - out.length + visited.size;
      for (const n of await step(frontier.slice(i, i + CHUNK), dir, cap)) {
        if (visited.has(n)) continue;
        visited.add(n);
        next.push(n);
        out.push({ id: n, depth: d });
        if (out.length >= limit) break;
      }
    }
    frontier = next;
  }
  return out.sort((a, b) => a.depth - b.depth || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Shortest path, either edge direction, searched from both ends at once, growing the smaller side. */
export async function shortestPath<E extends EdgeEnds>(
  from: string,
  to: string,
  maxDepth: number,
  /** The edges touching any node of the frontier. */
  expand: (frontier: readonly string[]) => Promise<E[]>,
): Promise<E[] | undefined> {
  if (from === to) return [];
  const parents = [new Map<string, E | null>([[from, null]]), new Map<string, E | null>([[to, null]])] as const;
  const frontiers: [string[], string[]] = [[from], [to]];
  for (let depth = 0; depth < maxDepth; depth++) {
    // A hub on one side does not blow up the other.
    const side = frontiers[0].length <= frontiers[1].length ? 0 : 1;
    const frontier = frontiers[side];
    if (frontier.length === 0) return undefined;
    const seen = parents[side];
    const other = parents[1 - side] as Map<string, E | null>;
    const inFrontier = new Set(frontier);
    const next: string[] = [];
    for (let i = 0; i < frontier.length; i += CHUNK) {
      for (const e of await expand(frontier.slice(i, i + CHUNK))) {
        for (const [here, there] of [[e.src, e.dst], [e.dst, e.src]] as const) {
          if (!inFrontier.has(here) || seen.has(there)) continue;
          seen.set(there, e);
          next.push(there);
          if (other.has(there)) return stitch(there, parents[0], parents[1]);
        }
      }
    }
    frontiers[side] = next;
  }
  return undefined;
}

function stitch<E extends EdgeEnds>(meet: string, fromSide: Map<string, E | null>, toSide: Map<string, E | null>): E[] {
  const left: E[] = [];
  for (let node = meet, e = fromSide.get(node); e; e = fromSide.get(node)) {
    left.unshift(e);
    node = e.src === node ? e.dst : e.src;
  }
  const right: E[] = [];
  for (let node = meet, e = toSide.get(node); e; e = toSide.get(node)) {
    right.push(e);
    node = e.src === node ? e.dst : e.src;
  }
  return [...left, ...right];
}
