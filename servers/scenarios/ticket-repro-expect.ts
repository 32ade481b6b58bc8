import { parseLiteralText } from "./ticket-repro-call.js";
import type { ReportParts } from "./ticket-repro-text.js";

/**
 * What a bug report says should have happened: a value ("should be `[\"\\n\"]`", an "Expected:" block, "got
 * `a` instead of `b`"), no throw (a stack trace, "throws", "crashes"), or a throw ("should throw"). Each becomes
 * expectations over the step's `result` and `error` (DESIGN.md, scenario format).
 */
export type StatedExpectation =
  | { kind: "equals"; value: unknown; text: string; from: string }
  | { kind: "text"; value: string; from: string }
  | { kind: "no-throw"; from: string }
  | { kind: "throws"; from: string };

/** A value as a report writes it: JSON, else a JS literal; undefined when it is neither. */
export function valueOfText(text: string): { value: unknown } | undefined {
  const t = text.trim();
  if (!t) return undefined;
  try {
    return { value: JSON.parse(t) as unknown };
  } catch {
    // not JSON: a JS literal (`{ a: 1 }`, `['x']`) is read by the snippet reader
  }
  return parseLiteralText(t);
}

const EXPECTED_INLINE = /\b(?:should(?: have)? (?:be(?:en)?|return(?:ed)?|give|produce[ds]?|equal|output|parse (?:to|as|into))|expected(?: it)?(?: to (?:be|return|get|give|parse (?:to|as|into)))?|expecting|i'd expect|want(?:ed)?)\s*(?::\s*)?`([^`\n]+)`/i;
const INSTEAD = /`([^`\n]+)`[^`\n]{0,40}?\binstead of\s+`([^`\n]+)`/i;
const NOT_THROW = /\b(?:should(?:n't| not) (?:throw|fail|crash|error)|(?:throws|crash(?:es)?|fails with|raises)\b|(?:generates|gives|causes|produces) an? (?:\w+ )?error|uncaught)|[A-Z]\w*Error\b|\bError:/i;
const SHOULD_THROW = /\b(?:should (?:throw|fail|raise|error|reject)|should be (?:an? )?(?:error|exception|rejected|invalid)|expected (?:an? )?(?:error|exception|throw)|does(?:n't| not) throw)\b/i;
const STACK = /^\s*at\s+.+:\d+(?::\d+)?\)?\s*$/m;

function fromValue(raw: string, from: string): StatedExpectation {
  const v = valueOfText(raw);
  // Output that is not a literal (YAML text, a printed document) is compared as text.
  return v ? { kind: "equals", value: v.value, text: raw.trim(), from } : { kind: "text", value: raw, from };
}

/** The stated expectation of a report, or undefined when it states none. */
export function statedExpectation(parts: ReportParts): StatedExpectation | undefined {
  const expectedBlock = parts.blocks.find((b) => /expect|should|correct|desired|wanted/.test(b.section) && !/actual|instead|got|current/.test(b.section));
  if (expectedBlock) return fromValue(expectedBlock.code, `the "${expectedBlock.section}" block`);
  const inline = EXPECTED_INLINE.exec(parts.prose);
  if (inline?.[1]) return fromValue(inline[1], `"${inline[0].slice(0, 60)}"`);
  const instead = INSTEAD.exec(parts.prose);
  if (instead?.[2]) return fromValue(instead[2], `"${instead[0].slice(0, 60)}"`);
  if (SHOULD_THROW.test(parts.prose)) return { kind: "throws", from: `"${SHOULD_THROW.exec(parts.prose)?.[0] ?? ""}"` };
  const stack = parts.blocks.some((b) => STACK.test(b.code)) || STACK.test(parts.prose);
  if (stack || NOT_THROW.test(parts.prose)) return { kind: "no-throw", from: stack ? "the stack trace" : `"${NOT_THROW.exec(parts.prose)?.[0] ?? ""}"` };
  return undefined;
}

/** The step's `expect:` lines for an expectation (expressions over `result` and `error`). */
export function expectationLines(e: StatedExpectation): string[] {
  switch (e.kind) {
    case "no-throw":
      return ["error === undefined"];
    case "throws":
      return ["error !== undefined"];
    case "text":
      return [`String(result).trim() === ${JSON.stringify(e.value.trim())}`];
    case "equals":
      return typeof e.value === "string" ? [`result === ${JSON.stringify(e.value)}`] : [`JSON.stringify(result) === ${JSON.stringify(JSON.stringify(e.value))}`];
  }
}
