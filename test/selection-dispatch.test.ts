import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScenarioService } from "../servers/scenarios/service.js";
import { commitFiles, gitIn, makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * Coverage-exact selection through each dispatch shape (issue 16): executable scenarios whose entry reaches
 * the changed code through a constructor, a tag table called through an interface member, a bound export, a
 * callback, and `super`. A change deep behind a shape selects exactly that shape's scenario, which then fails
 * its differential run with the root cause in the changed file; a change beside it (a function next to the
 * deep one that nothing calls) selects nothing.
 */
const FILES: Record<string, string> = {
  "package.json": JSON.stringify({ name: "shapes", version: "1.0.0" }),
  "src/decode.ts": "export function decode(src: string): number {\n  return Number(src);\n}\nexport function encode(n: number): string {\n  return String(n);\n}\n",
  "src/doc.ts": [
    'import { decode } from "./decode";',
    "export class Doc {",
    "  value: number;",
    "  constructor(src: string) {",
    "    this.value = decode(src);",
    "  }",
    "}",
    "export function parse(src: string): number {",
    "  return new Doc(src).value;",
    "}",
    "",
  ].join("\n"),
  "src/int.ts": "export function intResolve(src: string): number {\n  return parseInt(src, 10);\n}\nexport function intStringify(n: number): string {\n  return n.toString(10);\n}\n",
  "src/tags.ts": [
    'import { intResolve } from "./int";',
    "export interface Tag {",
    "  tag: string;",
    "  resolve(src: string): unknown;",
    "}",
    'export const tags: Tag[] = [{ tag: "int", resolve: (src) => intResolve(src) }];',
    "export function compose(src: string): unknown {",
    "  const tag = tags[0];",
    "  return tag ? tag.resolve(src) : null;",
    "}",
    "",
  ].join("\n"),
  "src/patches.ts": "export function applyImpl(n: number): number {\n  return n * 2;\n}\nexport function revertImpl(n: number): number {\n  return n / 2;\n}\n",
  "src/immer.ts": [
    'import { applyImpl } from "./patches";',
    "class Immer {",
    "  apply(n: number): number {",
    "    return applyImpl(n);",
    "  }",
    "}",
    "const immer = new Immer();",
    "export const apply = immer.apply.bind(immer);",
    "",
  ].join("\n"),
  "src/trim.ts": "export function trimOne(s: string): string {\n  return s.trim();\n}\nexport function padOne(s: string): string {\n  return ` ${s} `;\n}\n",
  "src/callbacks.ts": 'import { trimOne } from "./trim";\nexport function normalizeAll(xs: string[]): string[] {\n  return xs.map(trimOne);\n}\n',
  "src/store.ts": "export function store(x: number): number {\n  return x + 1;\n}\nexport function load(x: number): number {\n  return x - 1;\n}\n",
  "src/stack.ts": [
    'import { store } from "./store";',
    "class Base {",
    "  push(x: number): number {",
    "    return store(x);",
    "  }",
    "}",
    "export class Stack extends Base {",
    "  push(x: number): number {",
    "    return super.push(x);",
    "  }",
    "}",
    "export function pushOne(x: number): number {",
    "  return new Stack().push(x);",
    "}",
    "",
  ].join("\n"),
};

/** One scenario per shape, its entry, and the deep file behind it. */
const SHAPES: Array<{ id: string; call: string; args: unknown[]; expect: string; deep: string; from: string; to: string; beside: [string, string] }> = [
  { id: "constructor", call: "src/doc.ts#parse", args: ["41"], expect: "result === 41", deep: "src/decode.ts", from: "return Number(src);", to: "return Number(src) + 1;", beside: ["return String(n);", "return String(n + 1);"] },
  { id: "tag-table", call: "src/tags.ts#compose", args: ["12"], expect: "result === 12", deep: "src/int.ts", from: "parseInt(src, 10)", to: "parseInt(src, 8)", beside: ["n.toString(10)", "n.toString(8)"] },
  { id: "bound-export", call: "src/immer.ts#apply", args: [3], expect: "result === 6", deep: "src/patches.ts", from: "return n * 2;", to: "return n * 3;", beside: ["return n / 2;", "return n / 3;"] },
  { id: "callback", call: "src/callbacks.ts#normalizeAll", args: [[" a "]], expect: "result[0] === 'a'", deep: "src/trim.ts", from: "return s.trim();", to: "return s.trimStart();", beside: ["return ` ${s} `;", "return `  ${s}  `;"] },
  { id: "super", call: "src/stack.ts#pushOne", args: [1], expect: "result === 2", deep: "src/store.ts", from: "return x + 1;", to: "return x + 2;", beside: ["return x - 1;", "return x - 2;"] },
];

const scenarioFile = (s: (typeof SHAPES)[number]) =>
  ["---", `id: ${s.id}`, `title: ${s.id} dispatch`, "simulate:", "  steps:", `    - call: ${s.call}`, `      args: ${JSON.stringify(s.args)}`, "      expect:", `        - ${JSON.stringify(s.expect)}`, "---", `Through ${s.id}.`, ""].join("\n");

describe("coverage-exact selection through each dispatch shape", () => {
  const tmp = tempDir();
  let service: ScenarioService;

  beforeAll(() => {
    makeRepo(tmp.dir, [{ message: "shapes", files: { ...FILES, ...Object.fromEntries(SHAPES.map((s) => [`scenarios/${s.id}.md`, scenarioFile(s)])) } }]);
    SHAPES.forEach((s, i) => {
      for (const [kind, [from, to]] of [["deep", [s.from, s.to]], ["beside", s.beside]] as const) {
        gitIn(tmp.dir, ["checkout", "-q", "-b", `${kind}-${s.id}`, "main"]);
        commitFiles(tmp.dir, { message: `${kind} ${s.id}`, files: { [s.deep]: (FILES[s.deep] as string).replace(from, to) } }, i + 1);
      }
    });
    gitIn(tmp.dir, ["checkout", "-q", "main"]);
    service = new ScenarioService(tmp.dir);
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("a change deep behind a shape selects its scenario alone, which fails at the changed line", async () => {
    const problems: string[] = [];
    for (const s of SHAPES) {
      const { selected } = await service.select("main", `deep-${s.id}`);
      const ids = selected.map((x) => x.scenario);
      if (JSON.stringify(ids) !== JSON.stringify([s.id])) problems.push(`deep-${s.id}: selected ${ids.join(", ") || "nothing"}`);
      const { base, head } = await service.pin("main", `deep-${s.id}`);
      const sim = await service.simulateDifferential(s.id, base, head);
      if (sim.verdict.verdict !== "fail") problems.push(`deep-${s.id}: ${sim.verdict.verdict} (${sim.verdict.reason})`);
      if (sim.verdict.rootCause?.location !== `${s.deep}:2`) problems.push(`deep-${s.id}: root cause ${sim.verdict.rootCause?.location ?? "none"}, expected ${s.deep}:2`);
    }
    expect(problems).toEqual([]);
  });

  it("a change beside it selects nothing", async () => {
    const problems: string[] = [];
    for (const s of SHAPES) {
      const { selected } = await service.select("main", `beside-${s.id}`);
      if (selected.length) problems.push(`beside-${s.id}: selected ${selected.map((x) => `${x.scenario} (${x.reasons.join("; ")})`).join(", ")}`);
    }
    expect(problems).toEqual([]);
  });
});
