import { openRepoDb } from "../../core/db.js";
import { UserError } from "../../core/errors.js";
import { closest } from "../../core/suggest.js";
import type { GraphNode } from "./model.js";
import { SqliteContextGraph, type SqliteContextGraphOptions } from "./sqlite-store.js";
import type { ContextGraphStore } from "./store.js";

/** The context graph of one repo: its store, opened on `.worldline/worldline.db`. */
export class ContextGraphService {
  readonly store: SqliteContextGraph;

  constructor(
    readonly repo: string,
    options: SqliteContextGraphOptions = {},
  ) {
    this.store = new SqliteContextGraph(openRepoDb(repo), options);
  }

  close(): void {
    this.store.close();
  }

  /** A node that must exist, or a one-line error naming it and the nearest ids. */
  async requireNode(id: string): Promise<GraphNode> {
    return requireNode(this.store, id);
  }
}

export async function requireNode(store: ContextGraphStore, id: string): Promise<GraphNode> {
  const node = await store.getNode(id);
  if (node) return node;
  const kind = id.slice(0, id.indexOf(":"));
  const key = id.slice(id.indexOf(":") + 1);
  const near = (await store.search(key.replace(/[^\p{L}\p{N}]+/gu, " "), { limit: 20 }))
    .map((h) => h.node.id)
    .filter((n) => n.startsWith(`${kind}:`));
  const hint = closest(id, near);
  throw new UserError(`unknown node "${id}": expected an id in the graph (kind:key, see search)${hint.length ? `; did you mean ${hint.join(", ")}?` : ""}`);
}
