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

/** The offset a cursor stands for (0 without one); a cursor that is not one of ours is refused. */
export function cursorOffset(cursor: string | undefined): number {
  return cursor ? decodeCursor(cursor) : 0;
}

function decodeCursor(cursor: string): number {
  const m = /^o:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  const offset = m ? Number(m[1]) : -1;
  if (offset < 0) {
    throw new UserError(`cursor "${cursor}" is not valid: pass the nextCursor of a previous answer unchanged`);
  }
  return offset;
}

export function encodeCursor(offset: number): string {
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

export interface TextPage {
  text: string;
  nextCursor?: string;
}

/**
 * Cuts one page out of a long text: at most `maxBytes` of JSON (escapes counted), ending at a line end when one
 * is in reach, with a cursor to the rest. Never splits a surrogate pair; always progresses.
 */
export function pageText(all: string, cursor: string | undefined, maxBytes = MAX_ANSWER_BYTES - 4_000): TextPage {
  const start = cursorOffset(cursor);
  if (start > all.length) throw new UserError(`cursor "${cursor}" points past the end of the text: pass the nextCursor of a previous answer unchanged`);
  let end = Math.min(all.length, start + maxBytes);
  // JSON escapes can make a character cost up to 6: shrink until the page's JSON fits.
  while (end > start + 1 && JSON.stringify(all.slice(start, end)).length > maxBytes) end = start + Math.floor((end - start) * 0.75);
  if (end < all.length) {
    const nl = all.lastIndexOf("\n", end - 1);
    if (nl >= start && nl + 1 - start >= (end - start) / 2) end = nl + 1;
    else if (/[\uD800-\uDBFF]/.test(all[end - 1] ?? "") && end - 1 > start) end--;
  }
  end = Math.max(end, Math.min(all.length, start + 1));
  return end < all.length ? { text: all.slice(start, end), nextCursor: encodeCursor(end) } : { text: all.slice(start, end) };
}
