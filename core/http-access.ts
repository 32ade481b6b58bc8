import { createHash, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";
import { UserError } from "./errors.js";

/**
 * Who may reach `worldline serve --http`, and from where: the listen address, bearer tokens from a tokens file,
 * and the Origin and Host checks the MCP specification asks of a Streamable HTTP server (its security warning:
 * validate Origin, bind to loopback when local, authenticate). Plain functions, so each rule has its own tests.
 */

/** A token and the repos it may use (undefined: every repo served). Only the token's digest is kept. */
export interface TokenGrant {
  readonly digest: Buffer;
  readonly repos: ReadonlySet<string> | undefined;
  /** Its line in the tokens file, to name it in messages without naming the token. */
  readonly line: number;
}

/** A bearer token as RFC 6750 writes one (token68), long enough not to be guessed. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
export const MIN_TOKEN_LENGTH = 16;

const digest = (token: string): Buffer => createHash("sha256").update(token, "utf8").digest();

/**
 * A tokens file: each line that is not empty and does not start with # is `TOKEN` (every repo) or
 * `TOKEN name,name` (only those repos). Anything else is refused, naming the file, the line and what was expected.
 */
export function parseTokens(text: string, file: string, repoNames: readonly string[]): TokenGrant[] {
  const grants: TokenGrant[] = [];
  const seen = new Map<string, number>();
  const known = new Set(repoNames);
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const fail = (what: string): never => {
      throw new UserError(`tokens file ${file}, line ${line}: ${what}`);
    };
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const fields = trimmed.split(/\s+/);
    if (fields.length > 2) fail(`expected TOKEN or TOKEN name,name, got ${fields.length} fields (a repo list has no spaces)`);
    const [token = "", list] = fields;
    if (!TOKEN68.test(token)) fail("the token has a character a bearer token cannot have: expected letters, digits and -._~+/ (then = padding)");
    if (token.length < MIN_TOKEN_LENGTH) fail(`the token has ${token.length} characters: expected at least ${MIN_TOKEN_LENGTH} (e.g. openssl rand -hex 32)`);
    const key = digest(token).toString("hex");
    const before = seen.get(key);
    if (before !== undefined) fail(`the same token as line ${before}: expected each token on one line`);
    seen.set(key, line);
    let repos: Set<string> | undefined;
    if (list !== undefined) {
      const names = list.split(",");
      if (names.some((n) => n === "")) fail(`an empty repo name in "${list}": expected names separated by single commas, from ${repoNames.join(", ")}`);
      const unknown = names.find((n) => !known.has(n));
      if (unknown !== undefined) fail(`unknown repo "${unknown}": expected one of ${repoNames.join(", ")}`);
      repos = new Set(names);
    }
    grants.push({ digest: Buffer.from(key, "hex"), repos, line });
  });
  if (grants.length === 0) throw new UserError(`tokens file ${file} has no token: expected lines of TOKEN or TOKEN name,name`);
  return grants;
}

/** The token of an `Authorization: Bearer TOKEN` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer +(\S+) *$/i.exec(header ?? "");
  return m?.[1];
}

/**
 * The grant of a token, comparing digests in constant time against every grant (no early exit), so neither
 * a token's content nor which line it matched shows in the time taken.
 */
export function grantOf(grants: readonly TokenGrant[], token: string): TokenGrant | undefined {
  const d = digest(token);
  let found: TokenGrant | undefined;
  for (const g of grants) if (timingSafeEqual(g.digest, d) && !found) found = g;
  return found;
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** `HOST:PORT` (an IPv6 host in brackets: `[::1]:8080`); port 0 lets the system choose. */
export function parseListen(text: string): ListenAddress {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!m || !host || port > 65_535 || (m[1] !== undefined && isIP(m[1]) !== 6)) {
    throw new UserError(`--http "${text}": expected HOST:PORT, like 127.0.0.1:8765, [::1]:8765 or 0.0.0.0:8765 (port 0: any free port)`);
  }
  return { host, port };
}

export const LOOPBACK_HOSTS = ["127.0.0.1", "::1", "localhost"] as const;

export function isLoopback(host: string): boolean {
  return (LOOPBACK_HOSTS as readonly string[]).includes(host.toLowerCase());
}

/** A URL as the host:port part of an http URL writes it (IPv6 in brackets). */
export function hostForUrl(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/** An http or https URL, or undefined for anything else. */
export function httpUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
  } catch {
    return undefined;
  }
}

/** An `--allow-origin` value as the origin a browser sends (scheme, host and port only). */
export function normalizeOrigin(text: string): string {
  const url = httpUrl(text);
  if (!url) {
    throw new UserError(`--allow-origin "${text}": expected an origin such as https://app.example.com or http://localhost:5173`);
  }
  return url.origin;
}

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** An origin a page on this machine sends: http(s) to localhost, 127.0.0.1 or [::1], any port. */
function isLoopbackOrigin(origin: string): boolean {
  const url = httpUrl(origin);
  return url !== undefined && LOOPBACK_NAMES.has(url.hostname);
}

/**
 * Whether a request's Origin may reach the server: one of `allowed`, or a loopback origin when the server is
 * bound to loopback. `null` and anything unparsable are refused.
 */
export function originAllowed(origin: string, allowed: ReadonlySet<string>, loopback: boolean): boolean {
  if (allowed.has(origin)) return true;
  return loopback && isLoopbackOrigin(origin);
}

/**
 * Whether a Host header names this machine's loopback (any port): on a loopback server, anything else is a
 * page whose DNS name was rebound to 127.0.0.1 (the check of the SDK's `localhostHostValidation`, which is
 * Express middleware).
 */
export function loopbackHostHeader(host: string | undefined): boolean {
  if (!host) return false;
  const m = /^(\[[^\]]*\]|[^:]+)(?::\d{1,5})?$/.exec(host);
  return m !== null && LOOPBACK_NAMES.has((m[1] ?? "").toLowerCase());
}
