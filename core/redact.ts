/**
 * Redacts secrets and personal data (tokens, keys, passwords, emails) from text Worldline stores or returns:
 * episodes, traces, transcripts and tickets. Each replacement names the rule that matched.
 */
export interface Redaction {
  rule: string;
  count: number;
}

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

const RULES: Array<{ rule: string; pattern: RegExp; keep?: number; valid?: (match: string) => boolean }> = [
  { rule: "private-key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g },
  { rule: "github-token", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})\b/g },
  { rule: "aws-access-key", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { rule: "slack-token", pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g },
  { rule: "anthropic-key", pattern: /\bsk-ant-[A-Za-z0-9_-]{20,}\b/g },
  { rule: "api-key", pattern: /\bsk-[A-Za-z0-9]{20,}\b/g },
  { rule: "jwt", pattern: /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b/g },
  { rule: "bearer-token", pattern: /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{16,}/gi, keep: 1 },
  {
    rule: "secret-assignment",
    pattern: /\b((?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|client[_-]?secret)\s*[:=]\s*["']?)[^\s"',;]{4,}/gi,
    keep: 1,
  },
  { rule: "email", pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g },
  { rule: "card-number", pattern: /\b\d(?:[ -]?\d){12,18}\b/g, valid: (m) => luhn(m.replace(/\D/g, "")) },
];

export function redact(text: string): { text: string; redactions: Redaction[] } {
  const redactions: Redaction[] = [];
  let out = text;
  for (const { rule, pattern, keep, valid } of RULES) {
    let count = 0;
    out = out.replace(pattern, (...m: unknown[]) => {
      if (valid && !valid(String(m[0]))) return String(m[0]);
      count++;
      const prefix = keep ? String(m[keep] ?? "") : "";
      return `${prefix}[REDACTED:${rule}]`;
    });
    if (count > 0) redactions.push({ rule, count });
  }
  return { text: out, redactions };
}
