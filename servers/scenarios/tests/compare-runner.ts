import type { RunResult, TestOutcome } from "../sandbox/protocol.js";
import { fullName } from "./as-scenarios.js";
import { TYPE_TEST, type TestFile } from "./discover.js";
import type { RealCase, RealStatus } from "./real-runner.js";

/**
 * `worldline tests compare`: every case the repo's own runner reports, against what the sandbox says of the
 * same case at the same revision. Agreement is the same outcome (pass, fail or skip); each disagreement says
 * why, which is how fidelity is measured and how users learn what the sandbox cannot yet model.
 */

export type SandboxStatus = RealStatus | "error" | "not run";

export interface CaseComparison {
  file: string;
  name: string;
  nth: number;
  real: RealStatus | "absent";
  sandbox: SandboxStatus;
  agree: boolean;
  /** For a disagreement: the sandbox's error, the failure it saw, or why discovery left the case out. */
  why?: string;
}

export interface TestsComparison {
  rev: string;
  cases: number;
  agree: number;
  /** Share of the runner's cases (skipped ones aside) the sandbox ran with the same outcome. */
  fidelity: number;
  disagreements: CaseComparison[];
  /** Disagreements by cause, most common first. */
  causes: Array<{ cause: string; count: number }>;
  /** Cases of type-test files (`*.test-d.ts`) the runner reported: the type checker's, left out of the figure. */
  typeTests: number;
  runnerMs: number;
  sandboxMs: number;
}

const key = (file: string, titles: readonly string[], nth: number) => `${file}\u0000${titles.join("\u0000")}\u0000${nth}`;

/** What one sandbox run says of its case. */
export function sandboxOutcome(run: RunResult): { status: SandboxStatus; why?: string } {
  if (run.status === "error") return { status: "error", why: run.error?.reason ?? "the run did not finish" };
  const step = run.steps[0];
  if (!step) return { status: "error", why: "the run has no step" };
  if (step.error) return { status: "error", why: `${step.error.name}: ${step.error.message}` };
  if (step.pending) return { status: "error", why: "the case never settled" };
  const o = step.result as Partial<TestOutcome> | undefined;
  if (!o || (o.status !== "pass" && o.status !== "fail" && o.status !== "skip")) return { status: "error", why: "the step's result is not a test outcome" };
  return { status: o.status, ...(o.error ? { why: `${o.error.name}: ${o.error.message}` } : {}) };
}

/** A short cause for the table: the kind of error, without the values. */
function causeOf(c: CaseComparison): string {
  if (c.real === "absent") return "the sandbox ran a case the runner did not report";
  const why = (c.why ?? "").replace(/\d+/g, "N").replace(/"[^"]*"|'[^']*'|`[^`]*`/g, "…");
  // A failed collection names its file: the file's name is left out, so one cause groups every such file.
  if (c.sandbox === "not run") return `not run in the sandbox: ${c.why ? why.replace(/the cases of \S+ failed/, "the cases of a file failed").slice(0, 160) : "discovery did not find it"}`;
  return `${c.real} by the runner, ${c.sandbox} in the sandbox${why ? `: ${why.slice(0, 100)}` : ""}`;
}

export function compareOutcomes(
  rev: string,
  real: readonly RealCase[],
  files: readonly TestFile[],
  sandbox: ReadonlyMap<string, { status: SandboxStatus; why?: string }>,
  ms: { runnerMs: number; sandboxMs: number },
): TestsComparison {
  const all: CaseComparison[] = [];
  const leftOut = new Map(files.map((f) => [f.path, f.leftOut]));
  const seen = new Set<string>();
  let typeTests = 0;
  for (const r of real) {
    // Type tests are the type checker's answers, not runs: counted apart.
    if (TYPE_TEST.test(r.file)) {
      typeTests++;
      continue;
    }
    const k = key(r.file, r.titles, r.nth);
    seen.add(k);
    const s = sandbox.get(k);
    // A file whose collection at run time failed says why (collect.ts): the cause is that, not the static reasons.
    const failedCollection = leftOut.get(r.file)?.find((l) => l.why.startsWith("collecting at run time failed"))?.why;
    const why = s?.why ?? failedCollection ?? (leftOut.get(r.file)?.length ? "discovery left it out (a title computed at run time, a loop or a helper)" : leftOut.has(r.file) ? "discovery did not find it" : "its file is not among the test files found");
    const sandboxStatus = s?.status ?? "not run";
    // A case the runner skipped and discovery left out (skip, todo) ran on neither side: they agree.
    const agree = sandboxStatus === r.status || (r.status === "skip" && sandboxStatus === "not run");
    all.push({ file: r.file, name: fullName(r.titles), nth: r.nth, real: r.status, sandbox: sandboxStatus, agree, ...(agree ? {} : { why }) });
  }
  for (const [k, s] of sandbox) {
    if (seen.has(k)) continue;
    const [file = "", ...rest] = k.split("\u0000");
    const nth = Number(rest.pop());
    all.push({ file, name: rest.join(" > "), nth, real: "absent", sandbox: s.status, agree: false, ...(s.why ? { why: s.why } : {}) });
  }
  const counted = all.filter((c) => c.real !== "skip");
  const agree = counted.filter((c) => c.agree).length;
  const disagreements = all.filter((c) => !c.agree);
  const causes = new Map<string, number>();
  for (const d of disagreements) causes.set(causeOf(d), (causes.get(causeOf(d)) ?? 0) + 1);
  return {
    rev,
    cases: counted.length,
    agree,
    fidelity: counted.length ? agree / counted.length : 1,
    disagreements,
    causes: [...causes].map(([cause, count]) => ({ cause, count })).sort((a, b) => b.count - a.count || a.cause.localeCompare(b.cause)),
    typeTests,
    ...ms,
  };
}

export { key as caseKey };
