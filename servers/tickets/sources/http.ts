import type { Keyv } from "keyv";
import { request } from "undici";
import { UserError } from "../../../core/errors.js";

/**
 * JSON over HTTP for the tracker importers (undici): conditional GETs with ETags remembered in the cache, and
 * rate limits honoured (a 403/429 with a reset or retry-after waits, up to a bound, then says when to retry).
 */
export interface HttpOptions {
  headers: Record<string, string>;
  cache?: Keyv | undefined;
  /** Longest wait for a rate limit to reset before giving up, in ms. */
  maxRateLimitWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface JsonResponse<T> {
  body: T;
  headers: Record<string, string>;
  /** True when the server answered 304 and the cached body was used. */
  notModified: boolean;
}

interface CachedEntry {
  etag: string;
  body: unknown;
  headers: Record<string, string>;
}

function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

export async function fetchJson<T>(url: string, options: HttpOptions & { method?: "GET" | "POST"; json?: unknown }): Promise<JsonResponse<T>> {
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const method = options.method ?? "GET";
  const cacheKey = method === "GET" ? url : undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const cached = cacheKey && options.cache ? ((await options.cache.get(cacheKey)) as CachedEntry | undefined) : undefined;
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    if (cached?.etag) headers["if-none-match"] = cached.etag;
    if (options.json !== undefined) headers["content-type"] = "application/json";
    let res;
    try {
      res = await request(url, { method, headers, ...(options.json !== undefined ? { body: JSON.stringify(options.json) } : {}) });
    } catch (err) {
      throw new UserError(`cannot reach ${new URL(url).origin}: ${(err as Error).message}; check the base URL and the network`);
    }
    const h = flatHeaders(res.headers);
    if (res.statusCode === 304 && cached) {
      await res.body.dump();
      return { body: cached.body as T, headers: cached.headers, notModified: true };
    }
    const limited = (res.statusCode === 403 || res.statusCode === 429) && (h["x-ratelimit-remaining"] === "0" || h["retry-after"] !== undefined);
    if (limited) {
      await res.body.dump();
      const reset = h["retry-after"] ? Number(h["retry-after"]) * 1000 : Number(h["x-ratelimit-reset"] ?? 0) * 1000 - Date.now();
      const wait = Math.max(0, reset) + 250;
      if (wait > (options.maxRateLimitWaitMs ?? 60_000)) {
        throw new UserError(`rate limited by ${new URL(url).origin} until ${new Date(Date.now() + wait).toISOString()}: run the import again after that`);
      }
      await sleep(wait);
      continue;
    }
    if (res.statusCode >= 400) {
      const text = (await res.body.text()).slice(0, 200);
      if (res.statusCode === 401 || res.statusCode === 403) {
        throw new UserError(`${url} answered ${res.statusCode}: the token was refused (${text.replace(/\s+/g, " ")}); check the token's scopes`);
      }
      throw new UserError(`${url} answered ${res.statusCode}: ${text.replace(/\s+/g, " ")}`);
    }
    const body = (await res.body.json()) as T;
    if (cacheKey && options.cache && h.etag) await options.cache.set(cacheKey, { etag: h.etag, body, headers: h } satisfies CachedEntry);
    return { body, headers: h, notModified: false };
  }
  throw new UserError(`${url} kept answering rate limited: run the import again later`);
}
