import { ts } from "@ts-morph/common";
import { UserError } from "../../core/errors.js";
import type { CodeGraph } from "../code-graph/queries.js";
import { parseSource } from "../code-graph/syntax.js";
import type { CodeRef, Ticket } from "../tickets/model.js";
import { renderScenario, type Scenario } from "./format.js";

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
export function draftFromTicket(t: Ticket, refs: readonly CodeRef[], entryByShape?: string): Draft {
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
  const skeleton = [
    "# simulate:   TODO: fill in and uncomment to make this scenario executable",
    "#   steps:",
    `#     - call: ${call ?? "TODO path#function"}`,
    `#       args: ${request === undefined ? "[TODO]" : JSON.stringify([request])}`,
    "#       expect:",
    `#         - ${expected ? `${expected.field ? `result.${expected.field}` : "result"} === ${expected.expected}` : "TODO what must hold"}`,
  ].join("\n");
  const rendered = renderScenario(base).replace(/\n---\n/, `\n${skeleton}\n---\n`);
  return { scenario: base, text: rendered, executable: false, missing };
}

const TEST_CALLS = new Set(["it", "test", "specify"]);

/** Drafts from the test cases of a test file (vitest, jest, node:test): one per case, or the one named. */
export function draftFromTest(path: string, text: string, graph: CodeGraph, name?: string): Draft[] {
  const sf = parseSource(`/repo/${path}`, text);
  const cases: Array<{ name: string; start: number; end: number }> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const fn = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) ? callee.expression.text : "";
      const title = node.arguments[0];
      if (TEST_CALLS.has(fn) && title && ts.isStringLiteralLike(title)) {
        cases.push({ name: title.text, start: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, end: sf.getLineAndCharacterOfPosition(node.getEnd()).line + 1 });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  const chosen = name ? cases.filter((c) => c.name === name) : cases;
  if (chosen.length === 0) {
    throw new UserError(name ? `test "${name}" is not in ${path}: expected one of ${cases.map((c) => `"${c.name}"`).join(", ") || "(no test cases)"}` : `${path} has no test cases: expected it(...) or test(...) calls`);
  }
  return chosen.map((c) => {
    const calls = graph.callsInRange(path, c.start, c.end).filter((id) => !id.startsWith(`${path}#`));
    const scenario: Scenario = {
      id: slug(c.name),
      title: c.name,
      source: [`test:${path}`],
      customers: [],
      tags: [],
      entry: calls.slice(0, 5),
      path: "",
      prose: `Drafted from the test "${c.name}" in ${path} (lines ${c.start}-${c.end}).`,
    };
    return { scenario, text: renderScenario(scenario), executable: false, missing: calls.length ? ["a simulate block: the test's inputs and expectations as steps"] : ["an entry point: the test calls no indexed symbol"] };
  });
}
