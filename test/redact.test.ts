import { describe, expect, it } from "vitest";
import { entropy, looksRandom, redact, redactJson, redactStored } from "../core/redact.js";

/**
 * The redactor's rules, each with what it must catch and what it must leave alone (table-driven: every
 * mismatch is collected, so one run shows them all).
 */
const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SHA = "3f786850e387550fdab836ed7e6dc881de23001b";
const UUID = "550e8400-e29b-41d4-a716-446655440000";
const PEM = [
  "-----BEGIN RSA PRIVATE KEY-----",
  "MIIEowIBAAKCAQEA7bq5qZ8pQ2mN7vX4rT1wY6uB3cE9kZ8pQ2mN7vX4rT1wY6uB3cE9",
  "kZ8pQ2mN7vX4rT1wY6uB3cE9aaaaBBBBccccDDDD1234==",
  "-----END RSA PRIVATE KEY-----",
].join("\n");

/** [input, expected output]: a positive names the rule in its marker; a negative is its own output. */
const CASES: Array<[string, string]> = [
  // AWS secret keys: the name ends in `_key`, where `\b` never fell.
  [`aws_secret_access_key = ${AWS_SECRET}`, "aws_secret_access_key = [REDACTED:aws-secret-key]"],
  [`AWS_SECRET_ACCESS_KEY=${AWS_SECRET}`, "AWS_SECRET_ACCESS_KEY=[REDACTED:aws-secret-key]"],
  [`{"secretAccessKey":"${AWS_SECRET}"}`, '{"secretAccessKey":"[REDACTED:aws-secret-key]"}'],
  [`--aws-secret-access-key ${AWS_SECRET}`, `--aws-secret-access-key ${AWS_SECRET}`], // no assignment: not this rule's shape
  ["aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "aws_access_key_id = [REDACTED:aws-access-key]"],
  [`[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key: ${AWS_SECRET}\n`, "[default]\naws_access_key_id = [REDACTED:aws-access-key]\naws_secret_access_key: [REDACTED:aws-secret-key]\n"],
  [`--aws-secret-access-key=${AWS_SECRET}`, "--aws-secret-access-key=[REDACTED:secret-assignment]"],
  [`Set ${AWS_SECRET} as the key`, `Set ${AWS_SECRET} as the key`], // nothing names it: see the unnamed option below
  // Private keys: whole blocks, blocks inside JSON text, and a block cut off before its end line.
  [`key file:\n${PEM}\nthanks`, "key file:\n[REDACTED:private-key]\nthanks"],
  [JSON.stringify({ k: PEM }), '{"k":"[REDACTED:private-key]"}'],
  ["-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ and the log stopped", "[REDACTED:private-key] and the log stopped"],
  ["-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0Xabcdefghijklmnop1234\n-----END PGP PRIVATE KEY BLOCK-----", "[REDACTED:private-key]"],
  ["-----BEGIN PUBLIC KEY----- is fine to share", "-----BEGIN PUBLIC KEY----- is fine to share"],
  // Credentials in URLs: user and password go, scheme and host stay.
  ["git clone https://alice:hunter22@git.example.com/org/repo.git", "git clone https://[REDACTED:url-credentials]@git.example.com/org/repo.git"],
  ["DATABASE_URL=postgres://billing:s3cr3t-pw@db.internal:5432/billing", "DATABASE_URL=postgres://[REDACTED:url-credentials]@db.internal:5432/billing"],
  ["see https://github.com/org/repo and http://localhost:3000/a?b=c", "see https://github.com/org/repo and http://localhost:3000/a?b=c"],
  ["ssh://git@github.com/org/repo.git and git@github.com:org/repo.git", "ssh://git@github.com/org/repo.git and git@github.com:org/repo.git"],
  // Authorization headers and Basic credentials.
  ["Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basic [REDACTED:authorization-header]"],
  ["curl -H 'Authorization: Token 9f8e7d6c5b4a' https://api", "curl -H 'Authorization: Token [REDACTED:authorization-header]' https://api"],
  ['{"authorization":"Bearer abcdefghijklmnop1234"}', '{"authorization":"Bearer [REDACTED:authorization-header]"}'],
  ["the header was basic dXNlcjpwYXNzd29yZA==", "the header was basic [REDACTED:basic-auth]"],
  ["Bearer abcdefghijklmnop1234 expired", "Bearer [REDACTED:bearer-token] expired"],
  ["upgrade from basic plan to pro; Basic configuration works; Basic aGVsbG8=", "upgrade from basic plan to pro; Basic configuration works; Basic aGVsbG8="],
  ["Authorization: required for every route", "Authorization: required for every route"],
  // Assignments to a secret's name.
  ["password=hunter22secret, thanks", "password=[REDACTED:secret-assignment], thanks"],
  ["DB_PASSWORD: 'correct horse battery'", "DB_PASSWORD: '[REDACTED:secret-assignment]'"],
  ["x-api-key: 0a1b2c3d4e5f", "x-api-key: [REDACTED:secret-assignment]"],
  ["?access_token=abcd1234efgh&page=2", "?access_token=[REDACTED:secret-assignment]&page=2"],
  ["client-secret = s3cr3t!", "client-secret = [REDACTED:secret-assignment]"],
  ["max_tokens = 4096, input_tokens: 12, tokenizer = bpe, passwordPolicy: strict", "max_tokens = 4096, input_tokens: 12, tokenizer = bpe, passwordPolicy: strict"],
  ["secret: true; password: string; token?: ${TOKEN}; api_key = <your key>", "secret: true; password: string; token?: ${TOKEN}; api_key = <your key>"],
  ["const token = createToken(user); password = config.db.password; login(password: Secret)", "const token = createToken(user); password = config.db.password; login(password: Secret)"],
  ["Invalid password: must be 8 characters", "Invalid password: must be 8 characters"],
  // High-entropy values after a bare `key`.
  [`key = ${AWS_SECRET}`, "key = [REDACTED:high-entropy-key]"],
  ['signingKey: "kZ8pQ2mN7vX4rT1wY6uB3cE9"', 'signingKey: "[REDACTED:high-entropy-key]"'],
  ["license_key=3ax6xnjp29jd6fds4gc373sgvjxteol0", "license_key=[REDACTED:high-entropy-key]"],
  ["key = value", "key = value"],
  [`key = ${SHA}`, `key = ${SHA}`],
  [`idempotencyKey: ${UUID}`, `idempotencyKey: ${UUID}`],
  ["key = aGVsbG8=", "key = aGVsbG8="],
  ["cacheKey = invoice:2026-03:customer_42; key: user_profile_settings_v2; key=s3BucketNameForEu2Region", "cacheKey = invoice:2026-03:customer_42; key: user_profile_settings_v2; key=s3BucketNameForEu2Region"],
  ["key: uploads/2026/03/invoice-123.pdf and key: config.payment.timeoutMs", "key: uploads/2026/03/invoice-123.pdf and key: config.payment.timeoutMs"],
  // Tokens with a known shape, emails, cards (the rules that were there, still there).
  ["GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789", "GITHUB_TOKEN=[REDACTED:github-token]"],
  ["ANTHROPIC_API_KEY sk-ant-api03-abcdefghijklmnopqrstuvwx", "ANTHROPIC_API_KEY [REDACTED:anthropic-key]"],
  ["stripe sk_live_abcdefghijklmnop1234", "stripe [REDACTED:stripe-key]"],
  ["class sk-loading-spinner-container-wide", "class sk-loading-spinner-container-wide"],
  ["contact jane.doe@customer.example.", "contact [REDACTED:email]."],
  ["card 4111 1111 1111 1111 and order 1234567890123", "card [REDACTED:card-number] and order 1234567890123"],
  ["at 1772323260000 ms (epoch milliseconds start with 1)", "at 1772323260000 ms (epoch milliseconds start with 1)"],
  // Ids and prose.
  [`commit ${SHA} fixed ${UUID}`, `commit ${SHA} fixed ${UUID}`],
  ["The quick brown fox jumps over the lazy dog; the key is to round once.", "The quick brown fox jumps over the lazy dog; the key is to round once."],
];

describe("redact", () => {
  it("catches each rule's secrets and leaves its look-alikes", () => {
    const wrong: string[] = [];
    for (const [input, expected] of CASES) {
      const got = redact(input).text;
      if (got !== expected) wrong.push(`${JSON.stringify(input)}\n  got      ${JSON.stringify(got)}\n  expected ${JSON.stringify(expected)}`);
    }
    expect(wrong).toEqual([]);
  });

  it("changes nothing more the second time", () => {
    const wrong: string[] = [];
    for (const [input] of CASES) {
      const once = redact(input).text;
      const twice = redact(once);
      if (twice.text !== once || twice.redactions.length) wrong.push(`${JSON.stringify(once)} -> ${JSON.stringify(twice)}`);
    }
    expect(wrong).toEqual([]);
  });

  it("counts what each rule redacted", () => {
    expect(redact(`password=hunter22x a@b.example c@d.example aws_secret_access_key = ${AWS_SECRET}`).redactions).toEqual([
      { rule: "aws-secret-key", count: 1 },
      { rule: "secret-assignment", count: 1 },
      { rule: "email", count: 2 },
    ]);
  });

  it("judges randomness by length, mixed classes, entropy and how little of it reads as words", () => {
    expect(entropy("aaaa")).toBe(0);
    expect(entropy("abcd")).toBe(2);
    const random = [AWS_SECRET, "kZ8pQ2mN7vX4rT1wY6uB3cE9", "3ax6xnjp29jd6fds4gc373sgvjxteol0", "Xk29_sdfQ-1p0Lmz88aQwe"];
    const notRandom = [
      SHA,
      UUID,
      "short1A",
      "aGVsbG8gd29ybGQ=", // base64 of "hello world": under 20 characters
      "user_profile_settings_v2",
      "s3BucketNameForEu2Region",
      "ThisIsAFairlyLongIdentifier2026",
      "billingServiceApiV2Endpoint",
      "2026-03-15T10:00:00.000Z",
      "config.payment.timeoutMs.default",
      "aaaaaaaaaaaaaaaaaaaaaaaa1",
    ];
    expect(random.filter((v) => !looksRandom(v))).toEqual([]);
    expect(notRandom.filter((v) => looksRandom(v))).toEqual([]);
  });
});

describe("redactJson", () => {
  it("redacts every string, keys and values, and values by the name of their field; the JSON stays valid", () => {
    const value = {
      note: `aws_secret_access_key = ${AWS_SECRET}`,
      password: "hunter22",
      headers: { Authorization: "Bearer abc123", "X-Api-Key": "k-1234" },
      apiKey: AWS_SECRET,
      signing_key: AWS_SECRET,
      cacheKey: "invoice:2026-03:customer_42",
      key: "SUP-12",
      token: 7,
      secret: true,
      sha: SHA,
      id: UUID,
      list: [`key = ${AWS_SECRET}`, { "jane@example.com": "https://u:p4ss@h.example/x" }],
    };
    const r = redactJson(value);
    expect(r.value).toEqual({
      note: "aws_secret_access_key = [REDACTED:aws-secret-key]",
      password: "[REDACTED:secret-field]",
      headers: { Authorization: "Bearer [REDACTED:secret-field]", "X-Api-Key": "[REDACTED:secret-field]" },
      apiKey: "[REDACTED:secret-field]",
      signing_key: "[REDACTED:high-entropy-key]",
      cacheKey: "invoice:2026-03:customer_42",
      key: "SUP-12",
      token: 7,
      secret: true,
      sha: SHA,
      id: UUID,
      list: ["key = [REDACTED:high-entropy-key]", { "[REDACTED:email]": "https://[REDACTED:url-credentials]@h.example/x" }],
    });
    expect(value.password).toBe("hunter22"); // the input is not changed
    expect(JSON.parse(JSON.stringify(r.value))).toEqual(r.value);
    expect(redactJson(r.value).redactions).toEqual([]);
  });

  it("for machine-made records, also redacts random-looking values nothing names, but never ids", () => {
    const trace = {
      trace: [{ kind: "value", value: AWS_SECRET }, { kind: "value", value: `secret was ${AWS_SECRET}.` }],
      ids: [SHA, UUID, "trace-1a2b3c4d5e6f7a8b", "simulation:1a2b3c4d5e6f7a8b", "src/billing/proration.ts#prorateShare", "uploads/2026/03/invoice-123.pdf"],
      tool_use_id: "toolu_01A09q90qw90lq917835lq9",
      customerId: "cus_9s6XKzkNRiz8i3Xk29sdfQ",
    };
    expect(redactJson(trace, { unnamed: true }).value).toEqual({
      trace: [{ kind: "value", value: "[REDACTED:high-entropy]" }, { kind: "value", value: "secret was [REDACTED:high-entropy]." }],
      ids: trace.ids,
      tool_use_id: trace.tool_use_id,
      customerId: trace.customerId,
    });
    // What people wrote keeps such a run: it is as often an id someone searches for.
    expect(redactJson(trace).value).toEqual(trace);
    expect(redact(`payment pi_3MtwBwLkdIwHu7ix28a3tqPa failed`).text).toBe("payment pi_3MtwBwLkdIwHu7ix28a3tqPa failed");
    expect(redact(`payment pi_3MtwBwLkdIwHu7ix28a3tqPa failed`, { unnamed: true }).text).toBe("payment [REDACTED:high-entropy] failed");
  });

  it("redacts a stored string as JSON when it is JSON, keeping its indentation, and as text otherwise", () => {
    const pretty = JSON.stringify({ a: [{ password: "x1234" }], b: "ok" }, null, 2);
    expect(redactStored(pretty).text).toBe(JSON.stringify({ a: [{ password: "[REDACTED:secret-field]" }], b: "ok" }, null, 2));
    const clean = JSON.stringify({ b: "ok", n: 1 }, null, 4);
    expect(redactStored(clean).text).toBe(clean); // nothing to redact: not rewritten
    expect(redactStored("{ not json, password=hunter22x").text).toBe("{ not json, password=[REDACTED:secret-assignment]");
    expect(redactStored(`plain aws_secret_access_key = ${AWS_SECRET}`).text).toBe("plain aws_secret_access_key = [REDACTED:aws-secret-key]");
  });
});
