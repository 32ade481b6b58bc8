import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Log } from "sarif";
import { describe, expect, it } from "vitest";
import { render } from "../agent/report/index.js";
import { MARKDOWN_LIMIT } from "../agent/report/markdown.js";
import { errorLine } from "../core/errors.js";
import { DEPTHS, Report, rootCause, ScenarioVerdict, VERDICTS, type BlastRadius } from "../core/verdict.js";
import { compareRuns } from "../servers/scenarios/compare.js";
import { differentialVerdict } from "../servers/scenarios/differential.js";
import type { Scenario } from "../servers/scenarios/format.js";
import type { RunResult, TraceEvent } from "../servers/scenarios/sandbox/protocol.js";

/**
 * Every verdict the engine can produce renders in every report format: a property test over verdicts made by
 * a small seeded generator (every verdict x depth, with and without a root cause, module-level root causes with
 * no values and a note, truncated traces, huge values, unicode, odd steps and effects, missing optional fields).
 * JSON must parse as `Report`, SARIF must validate against the SARIF 2.1.0 schema, Markdown must fit a GitHub
 * comment, and the terminal must not throw.
 */

/** mulberry32: small, seeded, the same sequence on every machine. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T,>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Rng = ReturnType<typeof rng>;

const WORDS = ["total", "invoice", "proration", "0.55", "€", "日本語", "🙂", "ok", "a|b", "`tick`", "```", "<details>", "\n", "\r\n", "\t", "*bold*", "_", "#", "\\", '"q"', "مرحبا", "e\u0301", "\u0000", "\uD800", "😀😀", "%SRCROOT%", "--- a/x", "@@ -1 +1 @@"];

function text(r: Rng, max = 12): string {
  if (r.chance(0.03)) return "";
  if (r.chance(0.01)) return `${r.pick(WORDS)} `.repeat(2_000 + r.int(10_000));
  return Array.from({ length: 1 + r.int(max) }, () => r.pick(WORDS)).join(r.pick([" ", "", "-", "\n"]));
}

const path = (r: Rng) => r.pick(["src/billing/proration.ts", "src/a.ts", "lib/ünï/cödé.ts", "src/with space.ts", "src/深い/パス.ts", "x.js"]);
const location = (r: Rng) => (r.chance(0.05) ? r.pick(["nowhere", "src/a.ts:0", "src/a.ts", ":", "src/a.ts:12:5", ""]) : `${path(r)}:${1 + r.int(2_000)}`);
const symbol = (r: Rng) => `${path(r)}#${r.pick(["prorate", "<module>", "Account.withdraw", "default", "table[0].rate", "<anonymous>", "名前"])}`;

function value(r: Rng, depth = 0): unknown {
  // Huge values now and then: a 100 KB string, a long array.
  if (depth === 0 && r.chance(0.02)) return r.chance(0.5) ? "x".repeat(50_000 + r.int(50_000)) : Array.from({ length: 200 + r.int(2_000) }, (_, i) => i);
  switch (r.int(depth > 2 ? 6 : 8)) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick([0, -0, 0.1 + 0.2, 17 / 31, 1e308, -1e-308, Number.MAX_SAFE_INTEGER, 42]);
    case 3:
      return text(r);
    case 4:
      return r.pick([{ $symbolic: "pg#Pool.query" }, { $date: "2026-03-15T10:00:00.000Z" }, { $undefined: true }, { $nan: true }, { $fn: "f" }]);
    case 5:
      return r.pick(["", "🙂".repeat(40), "\uDC00 lone", "a\u0000b"]);
    case 6:
      return Array.from({ length: r.int(5) }, () => value(r, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: r.int(5) }, (_, i) => [`k${i}${r.pick(["", "ü", " ", "$"])}`, value(r, depth + 1)]));
  }
}

function traceStep(r: Rng, small: boolean): unknown {
  if (r.chance(0.03)) return r.pick([null, "a string step", 42, [], { kind: "step" }]);
  const e: Record<string, unknown> = { kind: r.pick(["step", "value", "enter", "return", "throw", "exit"]), at: location(r), depth: r.int(6) };
  if (r.chance(0.7)) e.symbol = symbol(r);
  if (r.chance(0.5)) e.value = small ? r.int(1000) : value(r);
  return e;
}

function staticStep(r: Rng): unknown {
  const s: Record<string, unknown> = { kind: "call", symbol: symbol(r), location: location(r), depth: r.int(4) };
  if (r.chance(0.3)) s.call = symbol(r);
  if (r.chance(0.5)) s.touched = r.chance(0.8) ? { hunks: Array.from({ length: r.int(3) }, () => `${path(r)}:${r.int(99)}-${r.int(99)}`) } : true;
  return s;
}

const ROOT_CAUSE_NOTES = [
  "module-level code: the statement records no value and returns none, on base or head",
  "the head trace was cut after 30000 events (1204 more not recorded)",
  "the line is on base only: head removed it",
  "no step of this hunk ran on base",
];

function rootCauseOf(r: Rng): ScenarioVerdict["rootCause"] {
  switch (r.int(6)) {
    case 0: // module-level code: no value on either side
      return rootCause({ location: location(r), symbol: `${path(r)}#<module>`, note: ROOT_CAUSE_NOTES[0] });
    case 1: // a truncated trace: one side only
      return rootCause({ location: location(r), symbol: symbol(r), base: value(r), note: ROOT_CAUSE_NOTES[1] });
    case 2:
      return rootCause({ location: location(r), symbol: symbol(r), head: value(r), note: r.pick(ROOT_CAUSE_NOTES) });
    case 3: // with the path from the definition, as the provenance trace fills it
      return rootCause({ location: location(r), symbol: symbol(r), base: value(r), head: value(r), via: Array.from({ length: 1 + r.int(4) }, () => ({ location: location(r), ...(r.chance(0.5) ? { symbol: symbol(r) } : {}), ...(r.chance(0.5) ? { what: text(r, 4) } : {}) })) });
    case 4: // missing sides, no note: the builder says so
      return rootCause({ location: location(r), symbol: symbol(r) });
    default:
      return { location: location(r), symbol: symbol(r), base: value(r), head: value(r) };
  }
}

function effect(r: Rng): unknown {
  if (r.chance(0.05)) return r.pick([null, 7, "effect"]);
  return { target: r.pick(["pg#Pool.query", "fs#writeFileSync", "fetch", "src/fx/rates.ts#EcbRates.getRate"]), kind: "call", at: location(r), ...(r.chance(0.8) ? { args: [value(r), value(r)] } : {}) };
}

function effectsDiff(r: Rng): unknown {
  if (r.chance(0.1)) return r.pick([null, "changed", [], { added: "x", changed: {} }, 3]);
  return {
    added: Array.from({ length: r.int(3) }, () => effect(r)),
    removed: Array.from({ length: r.int(3) }, () => effect(r)),
    changed: Array.from({ length: r.int(r.chance(0.1) ? 40 : 4) }, () => ({ target: "pg#Pool.query", at: location(r), base: [value(r)], head: r.chance(0.9) ? [value(r)] : value(r) })),
  };
}

function patch(r: Rng): string {
  switch (r.int(6)) {
    case 0:
      return "";
    case 1:
      return "not a patch at all";
    case 2:
      return `--- a/${path(r)}\n+++ b/${path(r)}\n@@ -0,0 +1,2 @@\n+${text(r)}\n+\`\`\`\n`;
    case 3:
      return `--- a/src/a.ts\n+++ b/src/a.ts\n${Array.from({ length: 3_000 }, (_, i) => `@@ -${i + 1},1 +${i + 1},1 @@\n-old ${i}\n+new ${i} ${text(r, 3)}`).join("\n")}\n`;
    case 4:
      return "--- a/src/a.ts\n+++ b/src/a.ts\n";
    default:
      return "--- a/src/billing/proration.ts\n+++ b/src/billing/proration.ts\n@@ -35,1 +35,1 @@\n-  const share = Math.round((remaining / total) * 100) / 100;\n+  const share = remaining / total;\n";
  }
}

function blastRadius(r: Rng): BlastRadius {
  const list = (n: number) => Array.from({ length: r.int(n) }, () => text(r, 3));
  return {
    customers: list(4),
    ...(r.chance(0.5) ? { workflow: text(r, 3) } : {}),
    entryPoints: list(30),
    tickets: list(6),
    scenarios: list(200),
    owners: list(3),
    fragility: { commits: r.int(100), reverts: r.int(4), incidents: list(3), failingSimulations: r.int(9) },
  };
}

function verdictOf(r: Rng, verdict: ScenarioVerdict["verdict"], depth: ScenarioVerdict["depth"], withRootCause: boolean): ScenarioVerdict {
  const v: ScenarioVerdict = { scenario: r.chance(0.9) ? `scenario-${r.int(10_000)}` : text(r, 3), verdict, depth, reason: text(r, 30) };
  if (r.chance(0.7)) {
    // A long trace (the engine's are cut at 20 steps around the root cause, a static one at 100) or a short one.
    const long = r.chance(0.1);
    v.steps = Array.from({ length: r.int(long ? 400 : 25) }, () => (depth === "static" ? staticStep(r) : traceStep(r, long)));
  }
  if (withRootCause) v.rootCause = rootCauseOf(r);
  if (r.chance(0.5)) v.effectsDiff = effectsDiff(r);
  if (r.chance(0.5)) v.expectations = Array.from({ length: r.int(6) }, () => ({ step: 1 + r.int(3), expect: text(r, 5), base: r.pick(["pass", "fail", "not-run"]), head: r.pick(["pass", "fail", "threw", "unchecked"]) }));
  if (r.chance(0.3)) v.missingStubs = Array.from({ length: 1 + r.int(4) }, () => text(r, 2));
  if (r.chance(0.4)) v.blastRadius = blastRadius(r);
  if (r.chance(0.4)) {
    v.fix = { patch: patch(r), verified: r.chance(0.5) };
    if (r.chance(0.5)) v.fix.by = r.pick(["embedded-planner@1", "claude-test"]);
    if (r.chance(0.5)) v.fix.checked = Array.from({ length: r.int(4) }, () => ({ scenario: `s-${r.int(9)}`, before: r.pick(VERDICTS), after: r.pick(VERDICTS) }));
  }
  return v;
}

function reportOf(r: Rng, verdicts: ScenarioVerdict[]): Report {
  const counts: Report["counts"] = {};
  for (const v of verdicts) counts[v.verdict] = (counts[v.verdict] ?? 0) + 1;
  return {
    base: r.chance(0.9) ? `main (${"a1b2c3d4e5f6".slice(0, 1 + r.int(12))})` : text(r, 3),
    head: r.pick(["WORKTREE", "pr/rounding-refactor", text(r, 2)]),
    ...(r.chance(0.5) ? { planner: r.pick(["embedded", "llm"] as const) } : {}),
    selected: verdicts.map((v) => ({ scenario: v.scenario, reasons: Array.from({ length: r.int(5) }, () => text(r, 8)) })),
    verdicts,
    ...(r.chance(0.8) ? { counts } : {}),
    summary: text(r, 6),
  };
}

/** What reaches the reports: the verdicts come over MCP as JSON, where an undefined value is no key at all. */
const overTheWire = <T,>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

function sarifValidator(): ((data: unknown) => boolean) & { errors?: unknown[] | null } {
  const schema = JSON.parse(readFileSync(createRequire(import.meta.url).resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"), "utf8")) as object;
  type Validator = ((data: unknown) => boolean) & { errors?: unknown[] | null };
  const Ajv = createRequire(import.meta.url)("ajv-draft-04") as new (o: object) => { compile(s: object): Validator };
  return new Ajv({ allErrors: true, strict: false, unicodeRegExp: false, logger: false }).compile(schema);
}

/** Renders a report in every format and says what is wrong with each result (nothing, for a good one). */
function check(report: Report, validateSarif: ReturnType<typeof sarifValidator>): string[] {
  const wrong: string[] = [];
  const attempt = (format: "json" | "sarif" | "markdown" | "terminal") => {
    try {
      return render(report, format);
    } catch (err) {
      wrong.push(`${format} threw: ${errorLine(err)}`);
      return undefined;
    }
  };
  const json = attempt("json");
  if (json !== undefined) {
    const parsed = Report.safeParse(JSON.parse(json));
    if (!parsed.success) wrong.push(`json does not parse as Report: ${errorLine(parsed.error)}`);
    else if (JSON.stringify(parsed.data) !== JSON.stringify(report)) wrong.push("json is not the report as given");
  }
  const sarif = attempt("sarif");
  if (sarif !== undefined) {
    const log = JSON.parse(sarif) as Log;
    if (!validateSarif(log)) wrong.push(`sarif is not valid SARIF 2.1.0: ${JSON.stringify(validateSarif.errors?.slice(0, 2)).slice(0, 400)}`);
    const expected = report.verdicts.filter((v) => v.verdict === "fail" || v.verdict === "at-risk" || v.verdict === "error").length;
    if (log.runs[0]?.results?.length !== expected) wrong.push(`sarif has ${log.runs[0]?.results?.length} results, expected ${expected}`);
  }
  const md = attempt("markdown");
  if (md !== undefined) {
    if (md.length > MARKDOWN_LIMIT) wrong.push(`markdown is ${md.length} characters, over the cap of ${MARKDOWN_LIMIT}`);
    if (!md.startsWith("## Worldline")) wrong.push("markdown lost its heading");
  }
  const terminal = attempt("terminal");
  if (terminal !== undefined && !terminal.startsWith("Worldline: ")) wrong.push("terminal lost its first line");
  return wrong;
}

describe("every report format renders every verdict the engine can produce", () => {
  const validateSarif = sarifValidator();

  it("over generated verdicts: each verdict x depth, with and without a root cause, in reports small and huge", () => {
    const r = rng(20_260_315);
    const wrong: string[] = [];
    const all: ScenarioVerdict[] = [];
    for (const verdict of VERDICTS) {
      for (const depth of DEPTHS) {
        for (const withRootCause of [false, true]) {
          for (let n = 0; n < 8; n++) all.push(overTheWire(verdictOf(r, verdict, depth, withRootCause)));
        }
      }
    }
    for (const v of all) {
      const parsed = ScenarioVerdict.safeParse(v);
      if (!parsed.success) wrong.push(`verdict ${v.verdict}/${v.depth} does not parse: ${errorLine(parsed.error)}`);
    }
    // Each verdict alone, then reports of a few, then reports far past a comment's length.
    all.forEach((v, i) => wrong.push(...check(overTheWire(reportOf(r, [v])), validateSarif).map((w) => `verdict ${i} (${v.verdict}/${v.depth}): ${w}`)));
    for (let i = 0; i < 30; i++) {
      const some = Array.from({ length: r.int(12) }, () => r.pick(all));
      wrong.push(...check(overTheWire(reportOf(r, some)), validateSarif).map((w) => `report ${i}: ${w}`));
    }
    for (let i = 0; i < 2; i++) {
      const many = Array.from({ length: 300 + r.int(100) }, (_, k) => ({ ...r.pick(all), scenario: `many-${k}` }));
      wrong.push(...check(overTheWire(reportOf(r, many)), validateSarif).map((w) => `huge report ${i}: ${w}`));
    }
    wrong.push(...check(reportOf(r, []), validateSarif).map((w) => `empty report: ${w}`));
    expect(wrong.slice(0, 20)).toEqual([]);
  }, 120_000);

  it("a Markdown report too long for one comment says what it left out", () => {
    const r = rng(7);
    const many = Array.from({ length: 400 }, (_, i) => ({ ...verdictOf(r, "fail", "differential", true), scenario: `s-${i}`, reason: `reason ${i} ${"long ".repeat(200)}` }));
    const md = render(overTheWire(reportOf(r, many)), "markdown");
    expect(md.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    expect(md).toMatch(/_Not shown, to fit a GitHub comment \(60,000 characters\): .*the details of \d+ failing or erroring scenario\(s\) listed in brief/);
  });

  it("a root cause in module-level code (no value on either side) comes out of the engine with a note and renders", async () => {
    // src/rates.ts line 1 is module-level code (a constant) that changed; vat() reads it.
    const trace = (rate: number): TraceEvent[] => [
      { kind: "step", at: "src/rates.ts:1", depth: 0 },
      { kind: "enter", at: "src/rates.ts:2", symbol: "src/rates.ts#vat", depth: 1 },
      { kind: "step", at: "src/rates.ts:3", symbol: "src/rates.ts#vat", depth: 1 },
      { kind: "return", at: "src/rates.ts:3", symbol: "src/rates.ts#vat", depth: 1, value: 100 * rate },
    ];
    const run = (rate: number, result: number, status: "pass" | "fail"): RunResult => ({
      rev: String(rate),
      status: "ok",
      steps: [{ call: "src/rates.ts#vat", result, expectations: [{ expect: "result === 19", status }], effects: [] }],
      trace: trace(rate),
      truncated: 0,
      effects: [],
      missingStubs: [],
      coverage: { files: {}, requests: [], env: [] },
      logs: [],
      modules: ["src/rates.ts"],
      executed: [{ symbol: "src/rates.ts#vat", path: "src/rates.ts", line: 2, endLine: 4 }],
      functions: [{ symbol: "src/rates.ts#vat", path: "src/rates.ts", line: 2, endLine: 4 }],
      ms: 1,
    });
    const files = [{ path: "src/rates.ts", status: "modified" as const, hunks: [{ oldStart: 1, oldLines: 1, newStart: 1, newLines: 1, removed: ["const RATE = 0.19;"], added: ["const RATE = 0.2;"] }] }];
    const base = run(0.19, 19, "pass");
    const head = run(0.2, 20, "fail");
    const cmp = await compareRuns(base, head, files);
    expect(cmp.rootCause).toEqual({ location: "src/rates.ts:1", symbol: "src/rates.ts#<module>", note: expect.stringContaining("module-level code") });
    const verdict = overTheWire(differentialVerdict({ id: "vat-rate" } as Scenario, base, head, cmp));
    expect(verdict.verdict).toBe("fail");
    expect(verdict.reason).toContain("Root cause src/rates.ts:1 in src/rates.ts#<module>: base has no value, head has no value (module-level code");
    const report = reportOf(rng(1), [verdict]);
    expect(check(report, validateSarif)).toEqual([]);
    expect(render(report, "markdown")).toContain("**Root cause** src/rates.ts:1 in src/rates.ts#<module>: base has no value, head has no value (module-level code");
    expect(JSON.parse(render(report, "json")).verdicts[0].rootCause).toEqual(cmp.rootCause);
  });

  it("a report that does not match the schema fails naming the field, not with the JSON of zod's issues", () => {
    const bad = { base: "main", head: "WORKTREE", selected: [], verdicts: [{ scenario: "x", verdict: "fail", depth: "differential", reason: "r", rootCause: { location: "src/a.ts:1" } }], summary: "1 fail" } as unknown as Report;
    let message = "";
    try {
      render(bad, "json");
    } catch (err) {
      message = errorLine(err);
    }
    expect(message).toBe("the JSON report does not match the Report schema (core/verdict.ts): verdicts[0].rootCause.symbol: Invalid input: expected string, received undefined");
    // Any zod error thrown elsewhere is one line naming its paths too.
    const zod = Report.safeParse({ base: 1 });
    expect(zod.success).toBe(false);
    if (!zod.success) expect(errorLine(zod.error)).toMatch(/^schema check failed: base: Invalid input: expected string, received number; head: .*; and \d+ more$/);
  });
});
