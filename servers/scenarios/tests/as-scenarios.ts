import { posix } from "node:path";
import { UserError } from "../../../core/errors.js";
import { Simulate, type Scenario } from "../format.js";
import type { TestRef } from "../sandbox/protocol.js";
import type { TestCase } from "./discover.js";

/**
 * Test cases as scenarios: a generated memory per case, executable with one `run` step, so selection and the
 * differential simulation treat them like any scenario. Ids are `<path without extension>--<slug of the full
 * name>`, numbered `-2`, `-3` by order when two cases would share one.
 */

/** The full name of a case as the runners print it, and as a `run` step and a `test:` source name it. */
export const fullName = (titles: readonly string[]) => titles.join(" > ");

export const slug = (text: string, max: number) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, max)
    .replace(/-+$/, "");

/** The workflow of a test: its folder, without the test folders around it (`tests/doc` → `doc`), else the file's stem. */
function workflowOf(file: string): string {
  const dir = posix
    .dirname(file)
    .split("/")
    .filter((p) => p !== "." && !/^(test|tests|__tests__|spec|specs)$/.test(p))
    .join("/");
  return dir || posix.basename(file).replace(/(\.(test|spec))?\.[cm]?[jt]sx?$/, "");
}

/** `test:path#a > b` (and a step's `nth`) as a TestRef; a malformed one is a one-line error naming it. */
export function parseTestRef(text: string, nth = 1): TestRef {
  const m = /^test:([^#]+)#(.+)$/.exec(text);
  if (!m?.[1] || !m[2]) throw new UserError(`run "${text}": expected test:<path of the test file>#<full name, titles joined by " > ">, e.g. test:tests/parse.test.ts#parse > maps`);
  return { file: m[1], titles: m[2].split(" > "), nth };
}

export function testRefText(c: Pick<TestCase, "file" | "titles">): string {
  return `test:${c.file}#${fullName(c.titles)}`;
}

/** One scenario per case, in file order; ids unique across all of them. */
export function testScenarios(cases: readonly TestCase[]): Scenario[] {
  const used = new Map<string, number>();
  return cases.map((c) => {
    const base = `${slug(c.file.replace(/\.[cm]?[jt]sx?$/, ""), 80)}--${slug(c.titles.join(" "), 80) || "case"}`;
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    const id = n === 1 ? base : `${base}-${n}`;
    const ref = testRefText(c);
    return {
      id,
      title: c.titles.join(": "),
      source: [ref],
      customers: [],
      workflow: workflowOf(c.file),
      tags: ["test"],
      entry: [],
      simulate: Simulate.parse({ steps: [{ run: ref, ...(c.nth > 1 ? { nth: c.nth } : {}) }] }),
      path: c.file,
      prose: `The repository's own test "${fullName(c.titles)}" (${c.file}:${c.line}) passes.`,
    };
  });
}

/** The test case a scenario runs (its first `run` step), and whether the scenario is the case's generated memory. */
export function testOf(s: Scenario): { ref: TestRef; name: string; generated: boolean } | undefined {
  const step = s.simulate?.steps.find((st) => st.run !== undefined);
  if (!step?.run) return undefined;
  const ref = parseTestRef(step.run, step.nth ?? 1);
  return { ref, name: fullName(ref.titles), generated: s.tags.includes("test") && s.path === ref.file };
}
