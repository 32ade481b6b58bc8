import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScenarioService } from "../servers/scenarios/service.js";
import { Simulate, type Scenario } from "../servers/scenarios/format.js";
import { words } from "../servers/scenarios/provenance.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * Value provenance and the root-cause rule (issue 18 item 2): each shape of change the issue names, at base and
 * head in one real repo, simulated in the sandbox. The root cause must lie on a changed line, its two values
 * must differ, and a use outside the change must be its `via`.
 */
interface Shape {
  name: string;
  files: { base: Record<string, string>; head: Record<string, string> };
  steps: Record<string, unknown>[];
  /** The changed line the root cause must name. */
  location: string;
  /** The use outside the change it must give as via, if the change is data. */
  via?: string;
}

const SHAPES: Shape[] = [
  {
    // A tag table: an exported array of objects whose regex changed on a line no statement starts on.
    name: "tag-table",
    files: {
      base: {
        "src/tag-table/tags.ts": 'export const tags = [\n  { tag: "bool", test: /^(true|false)$/ },\n  { tag: "int", test: /^[0-9]+$/ },\n  { tag: "str", test: /.*/ },\n];\n',
        "src/tag-table/resolve.ts": 'import { tags } from "./tags";\nexport function resolve(value: string): string {\n  const found = tags.find((t) => t.test.test(value));\n  return found ? found.tag : "none";\n}\n',
      },
      head: { "src/tag-table/tags.ts": 'export const tags = [\n  { tag: "bool", test: /^(true|false)$/ },\n  { tag: "int", test: /^[0-9]+x$/ },\n  { tag: "str", test: /.*/ },\n];\n' },
    },
    steps: [{ call: "src/tag-table/resolve.ts#resolve", args: ["42"], expect: ['result === "int"'] }],
    location: "src/tag-table/tags.ts:3",
    via: "src/tag-table/resolve.ts:3",
  },
  {
    // An exported module-level constant read by a function of the same file.
    name: "constant",
    files: {
      base: { "src/constant/limit.ts": "export const LIMIT = 10;\nexport function clamp(n: number): number {\n  const out = Math.min(n, LIMIT);\n  return out;\n}\n" },
      head: { "src/constant/limit.ts": "export const LIMIT = 5;\nexport function clamp(n: number): number {\n  const out = Math.min(n, LIMIT);\n  return out;\n}\n" },
    },
    steps: [{ call: "src/constant/limit.ts#clamp", args: [8], expect: ["result === 8"] }],
    location: "src/constant/limit.ts:1",
    via: "src/constant/limit.ts:3",
  },
  {
    // A module-level regex in one statement spanning lines, read through an import by a function elsewhere.
    name: "regex",
    files: {
      base: {
        "src/regex/patterns.ts": "export const patterns = {\n  email:\n    /^[^@]+@[^@]+$/,\n  phone: /^[0-9]+$/,\n};\n",
        "src/regex/check.ts": 'import { patterns } from "./patterns";\nexport function isEmail(s: string): boolean {\n  return patterns.email.test(s);\n}\n',
      },
      head: { "src/regex/patterns.ts": "export const patterns = {\n  email:\n    /^[^@]+@[^@]+\\.[a-z]+$/,\n  phone: /^[0-9]+$/,\n};\n" },
    },
    steps: [{ call: "src/regex/check.ts#isEmail", args: ["a@b"], expect: ["result === true"] }],
    location: "src/regex/patterns.ts:3",
    via: "src/regex/check.ts:3",
  },
  {
    // The signature changed (a parameter renamed, the same argument) and the value is decided further down.
    name: "signature",
    files: {
      base: {
        "src/signature/num.ts":
          "export function stringifyNumber(value: number, minFractionDigits = 0): string {\n  const digits = minFractionDigits;\n  let n = String(value);\n  if (digits > 0 && !n.includes('.')) n = `${n}.`;\n  while (digits > 0 && n.split('.')[1]!.length < digits) n = `${n}0`;\n  if (!isFinite(value)) return isNaN(value) ? '.nan' : value < 0 ? '-.inf' : '.inf';\n  return n;\n}\n",
      },
      head: {
        "src/signature/num.ts":
          "export function stringifyNumber(num: number, minFractionDigits = 0): string {\n  const digits = minFractionDigits;\n  let n = String(num);\n  if (digits > 0 && !n.includes('.')) n = `${n}.`;\n  while (digits > 0 && n.split('.')[1]!.length < digits) n = `${n}0`;\n  if (!isFinite(num)) return isNaN(num) ? '.nan' : '.inf';\n  return n;\n}\n",
      },
    },
    steps: [{ call: "src/signature/num.ts#stringifyNumber", args_js: "[-Infinity]", expect: ['result === "-.inf"'] }],
    location: "src/signature/num.ts:6",
  },
  {
    // The change makes the same values flow but takes another branch: the first divergence outside it has equal values.
    name: "equal-values",
    files: {
      base: {
        "src/equal/list.ts": 'import { shape } from "./shape";\nexport function describe(xs: unknown[]): string {\n  const kind = shape(xs);\n  return kind;\n}\n',
        "src/equal/shape.ts": 'export function shape(xs: unknown[]): string {\n  const empty = xs.length === 0;\n  if (empty) return "empty";\n  return "list";\n}\n',
      },
      head: { "src/equal/shape.ts": 'export function shape(xs: unknown[]): string {\n  const empty = xs.length === 0;\n  if (!empty) return "empty";\n  return "list";\n}\n' },
    },
    steps: [{ call: "src/equal/list.ts#describe", args: [[]], expect: ['result === "empty"'] }],
    location: "src/equal/shape.ts:3",
  },
  {
    // A changed line inside a statement that starts before it (a multi-line return): the step starts outside the
    // change, the coverage says it spans it.
    name: "spanning",
    files: {
      base: { "src/spanning/check.ts": 'export function check(value: unknown): true | string {\n  return (\n    (typeof value === "object" && value !== null && !Array.isArray(value)) ||\n    "Expected an object"\n  );\n}\n' },
      head: { "src/spanning/check.ts": 'export function check(value: unknown): true | string {\n  return (\n    (typeof value === "object" && value !== null) ||\n    "Expected an object"\n  );\n}\n' },
    },
    steps: [{ call: "src/spanning/check.ts#check", args: [[]], expect: ['result === "Expected an object"'] }],
    location: "src/spanning/check.ts:3",
  },
  {
    // A change inside a Proxy trap: the trap runs once per read, and its line is the root cause.
    name: "proxy-trap",
    files: {
      base: {
        "src/proxy/draft.ts":
          "export function draft<T extends object>(base: T): T {\n  return new Proxy(base, {\n    get(target, key, receiver) {\n      const v = Reflect.get(target, key, receiver);\n      return typeof v === 'number' ? v : v;\n    },\n  });\n}\nexport function total(o: { a: number; b: number }): number {\n  const d = draft(o);\n  return d.a + d.b;\n}\n",
      },
      head: {
        "src/proxy/draft.ts":
          "export function draft<T extends object>(base: T): T {\n  return new Proxy(base, {\n    get(target, key, receiver) {\n      const v = Reflect.get(target, key, receiver);\n      return typeof v === 'number' ? v * 2 : v;\n    },\n  });\n}\nexport function total(o: { a: number; b: number }): number {\n  const d = draft(o);\n  return d.a + d.b;\n}\n",
      },
    },
    steps: [{ call: "src/proxy/draft.ts#total", args: [{ a: 1, b: 2 }], expect: ["result === 3"] }],
    location: "src/proxy/draft.ts:5",
  },
];

const scenarioOf = (s: Shape): Scenario => ({
  id: `provenance-${s.name}`,
  title: s.name,
  customers: [],
  tags: [],
  source: [],
  entry: [],
  simulate: Simulate.parse({ steps: s.steps }),
  path: `scenarios/provenance-${s.name}.md`,
  prose: "",
});

describe("value provenance and the root-cause rule", () => {
  const tmp = tempDir();
  let service: ScenarioService;

  beforeAll(() => {
    const base: Record<string, string> = { "package.json": JSON.stringify({ name: "shapes" }) };
    const head: Record<string, string> = {};
    for (const s of SHAPES) {
      Object.assign(base, s.files.base);
      Object.assign(head, s.files.head);
    }
    makeRepo(tmp.dir, [
      { message: "shapes at base", files: base },
      { message: "shapes at head", files: head },
    ]);
    service = new ScenarioService(tmp.dir);
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  for (const shape of SHAPES) {
    it(`${shape.name}: the root cause is the changed line ${shape.location}, with two values that differ`, async () => {
      const { base, head } = await service.pin("HEAD~1", "HEAD");
      const { verdict } = await service.simulateDifferential(scenarioOf(shape), base, head);
      expect(verdict.verdict, verdict.reason).toBe("fail");
      const rc = verdict.rootCause;
      expect(rc?.location, verdict.reason).toBe(shape.location);
      expect(JSON.stringify(rc?.base), `values: ${verdict.reason}`).not.toBe(JSON.stringify(rc?.head));
      if (shape.via) expect(rc?.via?.map((v) => v.location)).toEqual([shape.via]);
      else expect(rc?.via).toBeUndefined();
    });
  }

  it("a step inside a Proxy trap is recorded once per read: the recorder never runs the trap itself", async () => {
    const { base, head } = await service.pin("HEAD~1", "HEAD");
    const r = await service.simulateDifferential(scenarioOf(SHAPES.find((x) => x.name === "proxy-trap") as Shape), base, head);
    for (const run of [r.base, r.head]) {
      // total() reads d.a and d.b: two runs of the get trap, each entered once and its line stepped once.
      expect(run?.trace.filter((e) => e.kind === "enter" && e.at === "src/proxy/draft.ts:3").length).toBe(2);
      expect(run?.trace.filter((e) => e.kind === "step" && e.at === "src/proxy/draft.ts:4").length).toBe(2);
    }
  });

  it("the reason names the use a changed definition reached", async () => {
    const { base, head } = await service.pin("HEAD~1", "HEAD");
    const { verdict } = await service.simulateDifferential(scenarioOf(SHAPES[0] as Shape), base, head);
    expect(verdict.reason).toContain("src/tag-table/tags.ts:3");
    expect(verdict.rootCause?.note).toContain("read at src/tag-table/resolve.ts:3 (`test`)");
    expect(verdict.rootCause?.via?.[0]).toMatchObject({ location: "src/tag-table/resolve.ts:3", what: "reads test" });
  });
});

describe("words", () => {
  it("keeps names and drops keywords, strings and comments", () => {
    expect([...words('const found = tags.find((t) => t.test.test("int value")); // tag lookup')].sort()).toEqual(["find", "found", "tags", "test"]);
  });
});
