import { UserError } from "../../core/errors.js";
import { closest } from "../../core/suggest.js";
import type { GraphNode } from "./model.js";
import type { SqliteContextGraphOptions } from "./sqlite-store.js";
import { workspaceOf, type Workspace } from "../workspace.js";
import type { ContextGraphStore } from "./store.js";

/** The context graph of one repo: its store, opened on `.worldline/worldline.db`. */
export class ContextGraphService {
  readonly repo: string;
  readonly store: ContextGraphStore;
  private readonly release: () => void;

  /** On a shared workspace, or on one of its own for a repo path (with the graph's options). */
  constructor(source: string | Workspace, options: SqliteContextGraphOptions = {}) {
    const { workspace, release } = workspaceOf(source, { graph: options });
    this.release = release;
    this.repo = workspace.repo;
    this.store = workspace.graph;
  }

  close(): void {
    this.release();
  }

  /** A node that must exist, or a one-line error naming it and the nearest ids. */
  async requireNode(id: string): Promise<GraphNode> {
    return requireNode(this.store, id);
  }

  /** Evidence a caller cites must be nodes already in the graph: a decision never invents what it rests on. */
  async requireEvidence(ids: readonly string[]): Promise<void> {
    return requireEvidence(this.store, ids);
  }
}

/** Ids of the same kind close to one that is not in the graph: the "did you mean" of a mistyped id. */
async function nearestIds(store: ContextGraphStore, id: string): Promise<string[]> {
  const kind = id.slice(0, id.indexOf(":"));
  const key = id.slice(id.indexOf(":") + 1);
  const near = (await store.search(key.replace(/[^\p{L}\p{N}]+/gu, " "), { limit: 20 }))
    .map((h) => h.node.id)
    .filter((n) => n.startsWith(`${kind}:`));
  return closest(id, near);
}

export async function requireNode(store: ContextGraphStore, id: string): Promise<GraphNode> {
  const node = await store.getNode(id);
  if (node) return node;
  const hint = await nearestIds(store, id);
  throw new UserError(`unknown node "${id}": expected an id in the graph (kind:key, see search)${hint.length ? `; did you mean ${hint.join(", ")}?` : ""}`);
}

/** Every id a node of the graph, or a one-line error naming the ones that are not (and the nearest ids). */
export async function requireEvidence(store: ContextGraphStore, ids: readonly string[]): Promise<void> {
  const wanted = [...new Set(ids)];
  const found = new Set((await store.getNodes(wanted)).map((n) => n.id));
  const missing = wanted.filter((id) => !found.has(id));
  const first = missing[0];
  if (first === undefined) return;
  const others = missing.length > 1 ? ` (nor are ${missing.slice(1, 6).join(", ")}${missing.length > 6 ? `, and ${missing.length - 6} more` : ""})` : "";
  const hint = await nearestIds(store, first);
  throw new UserError(
    `evidence "${first}" is not a node of the graph${others}: expected ids of recorded nodes (kind:key, see search)${hint.length ? `; did you mean ${hint.join(", ")}?` : ""}`,
  );
}
