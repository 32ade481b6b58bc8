import { z } from "zod";
import { UserError } from "./errors.js";

/** No tool answer exceeds this much JSON by default (DESIGN.md, "Paging"). */
export const MAX_ANSWER_BYTES = 20_000;

export const pageInput = {
  limit: z.number().int().min(1).max(500).optional().describe("Most items to return (default 50)."),
  cursor: z.string().optional().describe("nextCursor from a previous answer, to continue the list."),
};

export interface PageRequest {
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

function decodeCursor(cursor: string): number {
  const m = /^o:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  const offset = m ? Number(m[1]) : -1;
  if (offset < 0) {
    throw new UserError(`cursor "${cursor}" is not valid: pass the nextCursor of a previous answer unchanged`);
  }
  return offset;
}

function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`, "utf8").toString("base64url");
}

/**
 * Cuts one page out of a full list: at most `limit` items and at most `maxBytes` of JSON,
 * with a cursor to the rest. Always returns at least one item when any remain, so paging progresses.
 */
export function paginate<T>(all: readonly T[], req: PageRequest, maxBytes = MAX_ANSWER_BYTES - 2_000): Page<T> {
  const start = req.cursor ? decodeCursor(req.cursor) : 0;
  const limit = req.limit ?? 50;
  const items: T[] = [];
  let bytes = 0;
  let i = start;
  for (; i < all.length && items.length < limit; i++) {
    const size = JSON.stringify(all[i]).length + 1;
    if (items.length > 0 && bytes + size > maxBytes) break;
    items.push(all[i] as T);
    bytes += size;
  }
  return i < all.length ? { items, nextCursor: encodeCursor(i) } : { items };
}
