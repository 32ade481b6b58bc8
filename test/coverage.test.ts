import { describe, expect, it } from "vitest";
import { parseDiff } from "../servers/git-history/diff.js";
import { changeMeetsCoverage } from "../servers/scenarios/coverage.js";
import { instrument } from "../servers/scenarios/sandbox/instrument.js";
import type { RunCoverage } from "../servers/scenarios/sandbox/protocol.js";

/**
 * Whether a change meets a run's coverage on base (coverage.ts), on the sites the real instrumenter makes. A
 * change inside a function's body meets a run only if the function ran, even when a statement that ran at load
 * shares its lines (`export const ok = (v) => new Ok(v)`).
 */
const PATH = "src/m.ts";

/** A run's coverage of one file: every statement ran (the module loaded), and the functions named in `ran`. */
function coverageOf(text: string, ran: (name: string | undefined) => boolean): RunCoverage {
  const { sites } = instrument(PATH, text);
  const encoded = sites.map((s) => {
    const hit = s.kind === "statement" || ran(s.name);
    const k = s.kind === "function" ? "f" : "s";
    return `${s.line},${s.endLine ?? s.line},${hit ? k.toUpperCase() : k}`;
  });
  return { files: { [PATH]: { hash: "h", sites: encoded.join(";") } }, requests: [], env: [] };
}

/** The one-file diff from `base` to `head`, as git would give it (whole lines). */
function diffOf(base: string, head: string) {
  const a = base.split("\n");
  const b = head.split("\n");
  const hunks: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    hunks.push(`@@ -${i + 1} +${i + 1} @@`, `-${a[i] ?? ""}`, `+${b[i] ?? ""}`);
  }
  return parseDiff([`diff --git a/${PATH} b/${PATH}`, `--- a/${PATH}`, `+++ b/${PATH}`, ...hunks, ""].join("\n"));
}

function meets(base: string, head: string, ran: (name: string | undefined) => boolean) {
  return changeMeetsCoverage(coverageOf(base, ran), diffOf(base, head), new Map([[PATH, { base, head }]]));
}

const ARROW = ["class Ok { constructor(readonly v: number) {} }", "class Err { constructor(readonly e: number) {} }", "export const ok = (v: number) => new Ok(v);", "export const err = (e: number) => new Err(e);", ""].join("\n");
const none = () => false;
const only = (n: string) => (name: string | undefined) => name !== undefined && name.endsWith(n);

describe("a change meets a run's coverage", () => {
  it("inside an arrow on a top-level const's line only when the arrow ran", () => {
    const head = ARROW.replace("new Ok(v)", "new Err(v)");
    expect(meets(ARROW, head, none).touched).toBe(false);
    const r = meets(ARROW, head, only("ok"));
    expect(r.touched).toBe(true);
    expect(r.where[0]).toMatch(/^src\/m\.ts:3 \(a function it ran \(lines 3-3\)\)$/);
  });

  it("outside the body (the binding, the parameters, the whole line) as module-level code that ran", () => {
    expect(meets(ARROW, ARROW.replace("export const ok =", "export const okay ="), none).touched).toBe(true);
    expect(meets(ARROW, ARROW.replace("(v: number) => new Ok(v)", "(v: number, w = f()) => new Ok(v)"), none).touched).toBe(true);
    expect(meets(ARROW, ARROW.replace("export const ok = (v: number) => new Ok(v);", "export const ok = 1;"), none).touched).toBe(true);
  });

  it("in a multi-line arrow's body, and in an inner function its outer one ran without calling", () => {
    const multi = ["export const add = (a: number, b: number) =>", "  a + b;", ""].join("\n");
    expect(meets(multi, multi.replace("a + b", "a - b"), none).touched).toBe(false);
    expect(meets(multi, multi.replace("a + b", "a - b"), only("add")).touched).toBe(true);
    const nested = ["export function outer(): number {", "  const later = () => 1;", "  return 0;", "}", ""].join("\n");
    const edited = nested.replace("() => 1", "() => 2");
    expect(meets(nested, edited, only("outer")).touched).toBe(false);
    expect(meets(nested, edited, (n) => n !== undefined).touched).toBe(true);
    // The outer function's own statement is not in the inner body: it meets when outer ran.
    expect(meets(nested, nested.replace("return 0", "return 1"), only("outer")).touched).toBe(true);
  });
});
