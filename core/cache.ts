import { join } from "node:path";
import KeyvSqlite from "@keyv/sqlite";
import { Keyv } from "keyv";
import { stateDir } from "./repo.js";

/**
 * The repo's cache (`.worldline/cache.sqlite`, keyv over SQLite): answers keyed by what produced them, such as
 * HTTP responses with their ETags. Losing it costs only time.
 */
export function openCache(repo: string, namespace: string): Keyv {
  const store = new KeyvSqlite({ uri: `sqlite://${join(stateDir(repo), "cache.sqlite")}`, busyTimeout: 10_000 });
  return new Keyv({ store, namespace });
}
