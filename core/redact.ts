/**
 * Redacts secrets and personal data (tokens, keys, passwords, credentials, emails) from what Worldline stores
 * or returns: tickets, commit messages, episodes, decision traces, transcripts, simulation records and the
 * code graph's string literals. Each replacement names the rule that matched: `[REDACTED:aws-secret-key]`.
 *
 * Text goes through `redact`; a JSON value through `redactJson`, which redacts every string inside it (keys
 * and values) and also judges a value by its key (`{ password: "…" }`), so the JSON stays valid; a stored
 * string that may hold JSON goes through `redactStored`. Redacting twice changes nothing more.
 *
 * What stays, on purpose: commit shas and other hex ids, uuids, ordinary identifiers and sentences, `key = value`,
 * base64 of a short word, numbers that fail the card checks, and values that are placeholders (`${TOKEN}`, `true`).
 *
 * @example
 * redact("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY").text
 * // "aws_secret_access_key = [REDACTED:aws-secret-key]"
 */
export interface Redaction {
  rule: string;
  count: number;
}

const MARK = "[REDACTED:";

/** The Luhn checksum of a card number: it tells a card from an order id that happens to be long. */
function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Shannon entropy of a string, in bits per character. */
export function entropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** A lower-case or capitalized run of letters that reads as a word: a vowel, no four consonants in a row. */
function isWordish(token: string): boolean {
  const t = token.toLowerCase();
  return t.length >= 3 && /[aeiouy]/.test(t) && !/[^aeiouy]{4,}/.test(t);
}

/**
 * A value that looks machine-made, not named by a person: at least 20 characters, letters and digits mixed,
 * Shannon entropy at least 3.5 bits a character, and less than 40% of it in word-like runs (so
 * `user_profile_settings_v2` and `s3BucketNameForEu2Region` stay). Hex strings (commit shas, content
 * hashes) and uuids never count: they are ids.
 */
export function looksRandom(value: string): boolean {
  if (value.length < 20 || value.length > 4096) return false;
  // Hex and words between separators are ids: a sha, a uuid, `trace-1a2b3c4d5e6f7a8b`, `uploads/2026/03`.
  if (value.split(/[-_./:]+/).every((p) => /^[0-9a-f]*$/i.test(p) || /^[A-Za-z]+$/.test(p))) return false;
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return false;
  if (entropy(value) < 3.5) return false;
  const tokens = value.match(/[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+/g) ?? [];
  const wordish = tokens.filter((t) => !/^[A-Z]{2,}$/.test(t) && isWordish(t)).reduce((n, t) => n + t.length, 0);
  return wordish / value.length < 0.4;
}

/** Values after `password=` that are not secrets: placeholders, types, flags, references to where one lives. */
const PLACEHOLDER =
  /^(?:true|false|null|nil|none|undefined|string|number|boolean|object|any|unknown|required|optional|empty|unset|redacted|hidden|must|should|cannot|could|would|will|have|has|was|were|been|being|not|expired|invalid|incorrect|wrong|missing|reset|changed|updated|rotated|revoked|provided|given|too|x{3,}|\*+|\.{3,}|…|<[^>]*>?|\$\{?[A-Za-z_][\w.]*\}?|\{\{.*\}\}|%[A-Za-z_]\w*%?|process\.env\.\w+|env\.\w+|(?:\.{0,2}|~)\/[\w./-]*)$/i;

/**
 * Values that name where a secret comes from, in code quoted by a ticket, a commit or a signature: a call
 * (`createToken(`), a member of a config or request object, a type (`PasswordHash`) or a camelCase variable.
 */
const CODE_REFERENCE =
  /^(?:[A-Za-z_$][\w$.]*\(.*|(?:this|self|process|config|env|req|request|res|ctx|options|opts|params|args|props|settings|secrets|vault|os\.environ)\.[\w$.]+|[A-Z][a-z]+(?:[A-Z][a-z]+)*(?:<[\w<>, ]*>|\[\])?|[a-z]+(?:[A-Z][a-z]+)+)$/;

function isSecretValue(value: string): boolean {
  const v = value.trim();
  return v.length >= 4 && !v.includes(MARK) && !PLACEHOLDER.test(v) && !CODE_REFERENCE.test(v);
}

/** Words that name a secret when a field or assignment name ends with them: `db_password`, `awsSecretAccessKey`, `x-api-key`. */
const SECRET_WORDS = "password|passwd|pwd|passphrase|secret|token|api[_-]?key|access[_-]?key|secret[_-]?key|private[_-]?key|client[_-]?secret|credentials?";
/** A field name, normalized (lower case, no separators), that holds a secret whatever its value looks like. */
const SECRET_FIELD = /(?:password|passwd|passphrase|secret|token|apikey|accesskey|secretkey|privatekey|clientsecret|credentials?|authorization|cookie)$/;
/** A field name ending in a bare `key`: its value is a secret only when it looks random. */
const KEY_FIELD = /key$/;

/** The start of a name: not inside another name, so a prefix like `aws_` is part of the match. */
const NAME_START = "(?<![A-Za-z0-9_.-])";
/** The name's separator from its value: `=`, `:`, `: "`, `":"`. */
const ASSIGN = `["']?\\s*[:=]\\s*(["'\`]?)`;
/** A value: to the closing quote when quoted, else to whitespace or punctuation that ends a value. */
const VALUE = "((?<=\")[^\"\\\\\\r\\n]+|(?<=')[^'\\\\\\r\\n]+|(?<=`)[^`\\\\\\r\\n]+|[^\\s\"'`\\\\,;&)}\\]>]+)";

interface Rule {
  rule: string;
  pattern: RegExp;
  /** Group kept before the marker (a name, a scheme); the rest of the match is replaced. */
  keep?: number;
  /** Group judged by `valid`; the whole match when absent. */
  secret?: number;
  /** Whether the judged part is a secret; `groups[i]` is the match's group i. */
  valid?: (secret: string, groups: ReadonlyArray<string | undefined>) => boolean;
}

/** Base64 whose text is printable and holds a colon: `user:password`, as Basic credentials are. */
function isBasicCredential(token: string): boolean {
  const text = Buffer.from(token, "base64").toString("latin1");
  return text.length >= 3 && /^[\x20-\x7e]+$/.test(text) && /^[^:]+:[^:]*/.test(text);
}

const RULES: readonly Rule[] = [
  {
    // A whole key block, or what is left of one that was cut off (its base64 lines).
    rule: "private-key",
    pattern:
      /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|(?:(?:\r?\n|\\r\\n|\\n)[A-Za-z-]+: [^\r\n\\]*)*(?:(?:\s|\\[nr])*[A-Za-z0-9+/=]{16,}(?:(?:\s|\\[nr])+[A-Za-z0-9+/=]{16,})*)?)/g,
  },
  { rule: "github-token", pattern: /(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})(?![A-Za-z0-9])/g },
  { rule: "aws-access-key", pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])/g },
  {
    // `aws_secret_access_key = …`, `AWS_SECRET_ACCESS_KEY=…`, `secretAccessKey: "…"`: 40 characters of base64.
    rule: "aws-secret-key",
    pattern: new RegExp(`${NAME_START}((?:[A-Za-z0-9]+[_.-]?)?secret[_.-]?(?:access[_.-]?)?key${ASSIGN})([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`, "gi"),
    keep: 1,
  },
  { rule: "slack-token", pattern: /(?<![A-Za-z0-9])xox[abprs]-[A-Za-z0-9-]{10,}/g },
  { rule: "anthropic-key", pattern: /(?<![A-Za-z0-9])sk-ant-[A-Za-z0-9_-]{20,}/g },
  { rule: "api-key", pattern: /(?<![A-Za-z0-9])sk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}/g, valid: (m) => /[0-9]/.test(m) },
  { rule: "stripe-key", pattern: /(?<![A-Za-z0-9])[sr]k_(?:live|test)_[A-Za-z0-9]{16,}/g },
  { rule: "google-api-key", pattern: /(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g },
  { rule: "jwt", pattern: /(?<![A-Za-z0-9])eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g },
  {
    // `https://user:pass@host`: the user and password go, the scheme and host stay.
    rule: "url-credentials",
    pattern: /(?<![A-Za-z0-9+.-])([a-z][a-z0-9+.-]{1,20}:\/\/)([^\s/?#@"'`<>\\:]+:[^\s/?#@"'`<>\\]+)(?=@)/gi,
    keep: 1,
    secret: 2,
    valid: (s) => !s.includes(MARK),
  },
  {
    // `Authorization: Basic …`, `authorization="Token …"`: whatever the scheme, the credentials go.
    rule: "authorization-header",
    pattern: new RegExp(`${NAME_START}((?:proxy-)?authorization${ASSIGN}((?:Basic|Bearer|Token|Digest|Negotiate|NTLM|ApiKey|Key)\\s+)?)${VALUE}`, "gi"),
    keep: 1,
    secret: 4,
    valid: (value, groups) => (groups[3] ? value.length >= 6 : looksRandom(value)),
  },
  {
    // Basic credentials outside a header: only base64 that decodes to `user:password` (never "basic plan").
    rule: "basic-auth",
    pattern: /(?<![A-Za-z0-9])([Bb]asic\s+)([A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])/g,
    keep: 1,
    secret: 2,
    valid: isBasicCredential,
  },
  { rule: "bearer-token", pattern: /(?<![A-Za-z0-9])(Bearer\s+)[A-Za-z0-9._~+/=-]{16,}/gi, keep: 1 },
  {
    // `password=…`, `DB_PASSWORD: "…"`, `"api_key":"…"`, `client-secret = …`: any value that is not a placeholder.
    rule: "secret-assignment",
    pattern: new RegExp(`${NAME_START}([A-Za-z0-9_.-]*?(?:${SECRET_WORDS})${ASSIGN})${VALUE}`, "gi"),
    keep: 1,
    secret: 3,
    valid: isSecretValue,
  },
  {
    // `key = …`, `signingKey: "…"`: only a value that looks random (see `looksRandom`).
    rule: "high-entropy-key",
    pattern: new RegExp(`${NAME_START}([A-Za-z0-9_.-]*?key${ASSIGN})${VALUE}`, "gi"),
    keep: 1,
    secret: 3,
    valid: (v) => !v.includes(MARK) && looksRandom(v),
  },
  // An address; `git@github.com:org/repo` is a remote, not a person.
  // Bounded parts (an address's local part is at most 64 characters): an unbounded run backtracks quadratically.
  { rule: "email", pattern: /\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}\b/g, valid: (m) => !/^git@/i.test(m) },
  {
    // 13 to 19 digits that start like a card (2-6) and pass Luhn: epoch milliseconds (1…) stay.
    rule: "card-number",
    pattern: /\b[2-6](?:[ -]?\d){12,18}\b/g,
    valid: (m) => luhn(m.replace(/\D/g, "")),
  },
];

/**
 * A random-looking run with nothing naming it (for records machines made, where a value has lost its name:
 * a simulation's trace and effects, a decision quoting them, a transcript). Ids (hex, uuids) never match.
 */
const UNNAMED: Rule = {
  rule: "high-entropy",
  pattern: /(?<![A-Za-z0-9+/=_~-])[A-Za-z0-9+/_~-][A-Za-z0-9+/=_~-]{19,}(?![A-Za-z0-9+/=_~-])/g,
  valid: looksRandom,
};

export interface RedactOptions {
  /**
   * Also redact random-looking values that nothing names (`looksRandom`): for simulation records, decision
   * traces and transcripts. Off for what people wrote (tickets, commits, code), where such a run is more
   * often an id someone searches for (`pi_3MtwBwLkdIwHu7ix28a3tqPa`).
   */
  unnamed?: boolean;
}

/** No rule matches a string this short: the fast path for the many tiny strings of a code graph or a trace. */
const SHORTEST = 6;
/**
 * What some rule needs to find in a text (a superset of their matches): most strings (paths, SQL, prose,
 * numbers) have none of it and skip the rules. Keep it in step with RULES.
 */
const MAYBE = /-----BEGIN|gh[pousr]_|github_pat_|A[KS]IA|xox|[sr]k[-_]|AIza|eyJ|:\/\/|authori|basic|bearer|passw|pwd|passphrase|secret|token|key|credential|@|[2-6](?:[ -]?\d){12}/i;
const MAYBE_UNNAMED = /[A-Za-z0-9+/=_~-]{20}/;

function countInto(counts: Map<string, number> | undefined, redactions: readonly Redaction[]): void {
  if (!counts) return;
  for (const r of redactions) counts.set(r.rule, (counts.get(r.rule) ?? 0) + r.count);
}

function toList(counts: Map<string, number>): Redaction[] {
  return [...counts].map(([rule, count]) => ({ rule, count }));
}

/** Redacts text: each secret becomes `[REDACTED:<rule>]`, keeping the name or scheme before it. */
export function redact(text: string, options: RedactOptions = {}): { text: string; redactions: Redaction[] } {
  const redactions: Redaction[] = [];
  if (text.length < SHORTEST || !(MAYBE.test(text) || (options.unnamed && MAYBE_UNNAMED.test(text)))) return { text, redactions };
  let out = text;
  for (const { rule, pattern, keep, secret, valid } of options.unnamed ? [...RULES, UNNAMED] : RULES) {
    let count = 0;
    out = out.replace(pattern, (...args: unknown[]) => {
      const groups = args.slice(0, -2) as Array<string | undefined>;
      const whole = String(groups[0]);
      const judged = secret === undefined ? whole : String(groups[secret] ?? "");
      if (judged.includes(MARK) || (valid && !valid(judged, groups))) return whole;
      count++;
      const prefix = keep ? String(groups[keep] ?? "") : "";
      return `${prefix}${MARK}${rule}]`;
    });
    if (count > 0) redactions.push({ rule, count });
  }
  return { text: out, redactions };
}

function normalizedField(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, "");
}

function redactString(value: string, counts: Map<string, number>, options: RedactOptions): string {
  const r = redact(value, options);
  countInto(counts, r.redactions);
  return r.text;
}

/** A field that holds an id (`id`, `tool_use_id`, `customerId`): never redacted for looking random alone. */
const ID_FIELD = /(?:^|[_.-])(?:id|ID)$|[a-z0-9]I[dD]$/;

/** A string under a field: judged by the field's name first, then by the text rules. */
function redactField(key: string, value: string, counts: Map<string, number>, options: RedactOptions): string {
  const field = normalizedField(key);
  if (SECRET_FIELD.test(field) && isSecretValue(value)) {
    // Keep an Authorization value's scheme: `Bearer [REDACTED:secret-field]`.
    const scheme = field.endsWith("authorization") ? /^((?:Basic|Bearer|Token|Digest|Negotiate|NTLM|ApiKey|Key)\s+)/i.exec(value)?.[1] ?? "" : "";
    countInto(counts, [{ rule: "secret-field", count: 1 }]);
    return `${scheme}${MARK}secret-field]`;
  }
  if (KEY_FIELD.test(field) && looksRandom(value)) {
    countInto(counts, [{ rule: "high-entropy-key", count: 1 }]);
    return `${MARK}high-entropy-key]`;
  }
  return redactString(value, counts, options.unnamed && ID_FIELD.test(key) ? {} : options);
}

function walk(value: unknown, counts: Map<string, number>, depth: number, options: RedactOptions): unknown {
  if (typeof value === "string") return redactString(value, counts, options);
  if (value === null || typeof value !== "object") return value;
  // Past a sane depth, the rest is redacted as JSON text (the markers hold no quote, so it stays JSON).
  if (depth > 100) return JSON.parse(redactString(JSON.stringify(value), counts, options)) as unknown;
  if (Array.isArray(value)) return value.map((v) => walk(v, counts, depth + 1, options));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const key = redactString(k, counts, {});
    out[key] = typeof v === "string" ? redactField(k, v, counts, options) : walk(v, counts, depth + 1, options);
  }
  return out;
}

/**
 * Redacts a JSON value structurally: every string in it, keys and values, and a string whose field names a
 * secret (`password`, `token`, `authorization`, `…_secret`) or ends in a bare `key` with a random-looking value.
 * Numbers, booleans and the shape stay. The input is not changed.
 */
export function redactJson<T>(value: T, options: RedactOptions = {}): { value: T; redactions: Redaction[] } {
  const counts = new Map<string, number>();
  const out = walk(value, counts, 0, options) as T;
  return { value: out, redactions: toList(counts) };
}

/**
 * Redacts a string about to be stored that may be JSON (an episode body, a transcript, a ticket as JSON):
 * JSON is redacted structurally and written back (with its indentation) only when something was redacted;
 * anything else is redacted as text.
 */
export function redactStored(text: string, options: RedactOptions = {}): { text: string; redactions: Redaction[] } {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return redact(text, options);
    }
    const r = redactJson(parsed, options);
    if (r.redactions.length === 0) return { text, redactions: [] };
    const indent = /^[[{]\r?\n([ \t]+)/.exec(trimmed)?.[1];
    return { text: JSON.stringify(r.value, null, indent), redactions: r.redactions };
  }
  return redact(text, options);
}

/** Text with the `user:password@` of every URL in it replaced by `***@` (a URL that does not parse included). */
export function hideCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, "$1***@");
}
