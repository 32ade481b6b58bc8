import { UserError } from "../../core/errors.js";
import type { CodeRef, Ticket } from "../tickets/model.js";
import { parseScenario, renderScenario, type Scenario } from "./format.js";
import { fullName, testScenarios } from "./tests/as-scenarios.js";
import { discoverCases } from "./tests/discover.js";
import type { PackageApi } from "./ticket-repro-api.js";
import { ticketStep } from "./ticket-repro.js";

/**
 * Drafts of scenarios, never written unless asked: from a ticket (its words, its code references as entry
 * points, and its inputs and wrong value when it carries them) or from an existing test case (its name and
 * the symbols it calls). A draft without known inputs keeps a commented `simulate:` skeleton with TODO
 * markers and stays prose-only until someone fills it in.
 */
export interface Draft {
  scenario: Scenario;
  /** The file text, with the TODO skeleton when the scenario is not executable yet. */
  text: string;
  executable: boolean;
  missing: string[];
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 48)
      .replace(/-+$/, "") || "scenario"
  );
}

/** The first JSON object in a ticket's text (a fenced block or an inline {...}) that parses. */
export function requestIn(text: string): unknown {
  const candidates = [...text.matchAll(/```(?:json)?\s*\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  for (const m of text.matchAll(/\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}/g)) candidates.push(m[0]);
  for (const c of candidates) {
    try {
      const v = JSON.parse(c.trim()) as unknown;
      if (v && typeof v === "object") return v;
    } catch {
      // not JSON: try the next candidate
    }
  }
  return undefined;
}

/** "expected 101.01 but got 101.02", "should be 30000, was 5000": the right value and the field it is about. */
export function expectedValue(text: string): { field: string | undefined; expected: string } | undefined {
  const m =
    /\b(?:(\w+)\s+)?(?:should be|expected(?: to be)?|must be)\s+(-?\d+(?:\.\d+)?|"[^"]*"|'[^']*')/i.exec(text) ??
    /\b(?:(\w+)\s+)?(?:was|is|came out as|returned|got)\s+-?\d+(?:\.\d+)?[^\n]*?(?:instead of|not)\s+(-?\d+(?:\.\d+)?)/i.exec(text);
  if (!m?.[2]) return undefined;
  const field = m[1] && !/^(it|this|that|value|amount|and|but)$/i.test(m[1]) ? m[1] : undefined;
  return { field, expected: m[2].replace(/^'|'$/g, '"') };
}

/**
 * `entryByShape`: when the ticket names no code, the function that takes its request's shape (the code graph's
 * takingShape), so a ticket with a request body and a wrong value still drafts an executable scenario.
 */
export function draftFromTicket(t: Ticket, refs: readonly CodeRef[], entryByShape?: string, api?: PackageApi): Draft {
  const entries = [
    ...refs.filter((r) => r.kind === "frame" && r.target?.includes("#")).sort((a, b) => (a.order ?? 0) - (b.order ?? 0)),
    ...refs.filter((r) => r.kind !== "frame" && r.target?.includes("#")),
  ]
    .map((r) => r.target as string)
    .filter((x, i, all) => all.indexOf(x) === i);
  // The outermost in-app frame is where the scenario starts; the others are on its path.
  const frames = refs.filter((r) => r.kind === "frame" && r.target?.includes("#")).sort((a, b) => (b.order ?? 0) - (a.order ?? 0));
  const call = frames[0]?.target ?? entries[0] ?? entryByShape;
  const text = `${t.title}\n${t.body}`;
  const request = requestIn(text);
  const expected = expectedValue(text);
  const missing: string[] = [];
  if (!call) missing.push("an entry point: name the function or route, or attach a stack trace");
  if (request === undefined) missing.push("the inputs: a request body or the arguments");
  if (!expected) missing.push("the expected outcome: the value it should have been");
  const base: Scenario = {
    id: slug(`${t.key}-${t.title}`),
    title: t.title,
    source: [`${t.kind === "incident" ? "incident" : "ticket"}:${t.key}`],
    customers: t.customers,
    tags: t.labels,
    entry: missing.length && entries.length ? entries.slice(0, 3) : [],
    path: "",
    prose: `${t.body.split(/\n\s*\n/)[0]?.trim() ?? ""}\n\nDrafted from ${t.key}.`.trim(),
  };
  if (missing.length === 0 && call && expected) {
    const target = expected.field ? `result.${expected.field}` : "result";
    const scenario: Scenario = { ...base, simulate: { world: { env: {}, stubs: {} }, steps: [{ call, args: [request], expect: [`${target} === ${expected.expected}`] }] } };
    return { scenario, text: renderScenario(scenario), executable: true, missing };
  }
  // A library's report: its snippet's call of the package's API (or its input for the documented entry) and what it should do.
  const fromReport = api ? ticketStep(text, api) : undefined;
  if (fromReport?.step) {
    const { call: stepCall, args, args_js, expect, globals } = fromReport.step;
    const scenario: Scenario = {
      ...base,
      entry: [],
      prose: `${base.prose}\n\nThe step is ${fromReport.step.how}.`,
      simulate: { world: { env: {}, stubs: {}, ...(globals ? { globals } : {}) }, steps: [{ call: stepCall, ...(args_js !== undefined ? { args_js } : { args: args ?? [] }), expect }] },
    };
    return { scenario, text: renderScenario(scenario), executable: true, missing: [] };
  }
  // The report's own gap (a call and an input of the package) is said beside the generic ones, once.
  for (const m of fromReport?.missing ?? []) if (!(m.startsWith("the expected outcome") && missing.some((x) => x.startsWith("the expected outcome")))) missing.push(m);
  // Each line of the skeleton stays one comment line: a report's value with a line break (or any other line
  // terminator YAML knows) would end the comment and write keys of its own into the front matter.
  const oneLine = (v: string) => v.replace(/[\r\n\u0085\u2028\u2029]+/g, " ");
  const skeleton = [
    "# simulate:   TODO: fill in and uncomment to make this scenario executable",
    "#   steps:",
    `#     - call: ${oneLine(call ?? "TODO path#function")}`,
    `#       args: ${request === undefined ? "[TODO]" : oneLine(JSON.stringify([request]))}`,
    "#       expect:",
    `#         - ${expected ? oneLine(`${expected.field ? `result.${expected.field}` : "result"} === ${expected.expected}`) : "TODO what must hold"}`,
  ].join("\n");
  const rendered = renderScenario(base).replace(/\n---\n/, `\n${skeleton}\n---\n`);
  // What the file says must be what the draft is: prose-only, whatever the report wrote.
  if (parseScenario(base.path, rendered).simulate !== undefined) throw new Error(`internal: the draft of ${base.id} would write a simulate block it does not have; report this with the ticket's text`);
  return { scenario: base, text: rendered, executable: false, missing };
}

/**
 * Drafts from the test cases of a test file (vitest, jest, mocha, node:test): one executable scenario per case
 * (or per case whose full name holds `name`), whose step runs that case in the sandbox. They read as prose: the
 * titles in plain words, and where the test lives.
 */
export function draftFromTest(path: string, text: string, name?: string): Draft[] {
  const found = discoverCases(path, text);
  const chosen = name ? found.cases.filter((c) => fullName(c.titles).includes(name)) : found.cases;
  if (chosen.length === 0) {
    const names = found.cases.slice(0, 8).map((c) => `"${fullName(c.titles)}"`);
    throw new UserError(name ? `no test case of ${path} has "${name}" in its full name: expected part of one of ${names.join(", ") || "(no test cases)"}` : `${path} has no test cases: expected describe/it/test calls with literal titles`);
  }
  return testScenarios(chosen).map((generated, i) => {
    const c = chosen[i] as (typeof chosen)[number];
    const scenario: Scenario = {
      ...generated,
      tags: [],
      path: "",
      prose: `${c.titles.join(", ")}.\n\nThis is the repository's own test "${fullName(c.titles)}" (${path}:${c.line}), run in the sandbox on base and head: it must keep passing.`,
    };
    return { scenario, text: renderScenario(scenario), executable: true, missing: [] };
  });
}
