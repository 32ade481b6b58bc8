import Database from "better-sqlite3";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CodeGraph } from "../servers/code-graph/queries.js";
import { INDEX_VERSION } from "../servers/code-graph/schema.js";
import { CodeGraphService } from "../servers/code-graph/service.js";
import type { ChangedSymbol, FileDiff } from "../servers/git-history/diff.js";
import { ScenarioService } from "../servers/scenarios/service.js";
import { markTouched, walkTrace, type TraceStep } from "../servers/scenarios/static-trace.js";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";
import { connectServer, structured } from "./helpers/mcp-client.js";

/**
 * A library shaped like eemeli/yaml and immer, with each kind of dispatch between its public entry points and
 * the code deep behind them: constructors (and a field initializer, and an inherited constructor), a tag table
 * of object literals called through an interface member (a method, an arrow in an array, a function named in
 * the table, an untyped object passed where the interface is expected), a type-alias member, a bound export, an
 * alias, `.call`, a callback, and `super`. The second commit changes the deep functions only.
 */
const FILES: Record<string, string> = {
  "package.json": JSON.stringify({ name: "tags", main: "src/index.ts" }),
  "src/index.ts": [
    'export { parse, parseStrict, stringify } from "./public-api";',
    'export { applyPatches, produce, callHelper } from "./immer";',
    'export { normalizeAll } from "./callbacks";',
    'export { Stack, Queue } from "./stack";',
    'export { countAll, routes } from "./visit";',
    "",
  ].join("\n"),
  "src/schema/types.ts": [
    "interface TagBase {",
    "  tag: string;",
    "  identify?: (value: unknown) => boolean;",
    "}",
    "export interface ScalarTag extends TagBase {",
    "  resolve(src: string): unknown;",
    "  stringify?: (value: unknown) => string;",
    "}",
    "export type Visitor = { enter(node: string): void };",
    "",
  ].join("\n"),
  "src/util/base64.ts": [
    "export function decodeBase64(src: string): Uint8Array {",
    "  return Uint8Array.from(src, (c) => c.charCodeAt(0));",
    "}",
    "export function encodeBase64(buf: Uint8Array): string {",
    "  return String.fromCharCode(...buf);",
    "}",
    "",
  ].join("\n"),
  "src/schema/binary.ts": [
    'import type { ScalarTag } from "./types";',
    'import { decodeBase64, encodeBase64 } from "../util/base64";',
    "",
    "export const binary: ScalarTag = {",
    '  tag: "binary",',
    "  identify: (value) => value instanceof Uint8Array,",
    "  resolve(src) {",
    "    return decodeBase64(src);",
    "  },",
    "  stringify(value) {",
    "    return encodeBase64(value as Uint8Array);",
    "  },",
    "};",
    "",
  ].join("\n"),
  "src/stringify/number.ts": ["export function stringifyNumber(value: unknown): string {", "  return String(value);", "}", ""].join("\n"),
  "src/schema/int.ts": ["export function intResolve(src: string): number {", "  return parseInt(src, 10);", "}", ""].join("\n"),
  "src/schema/json.ts": [
    'import type { ScalarTag } from "./types";',
    'import { stringifyNumber } from "../stringify/number";',
    'import { intResolve } from "./int";',
    "",
    "const stringifyJSON = (value: unknown) => JSON.stringify(value);",
    "",
    "const jsonScalars: ScalarTag[] = [",
    '  { tag: "str", resolve: (src) => src, stringify: stringifyJSON },',
    '  { tag: "int", resolve: (src) => intResolve(src), stringify: stringifyNumber },',
    "];",
    "",
    "export const jsonSchema: ScalarTag[] = [...jsonScalars];",
    "",
  ].join("\n"),
  "src/schema/sexagesimal.ts": [
    "export function parseSexagesimal(src: string): number {",
    '  return src.split(":").reduce((n, part) => n * 60 + Number(part), 0);',
    "}",
    "",
  ].join("\n"),
  "src/schema/registry.ts": ['import type { ScalarTag } from "./types";', "", "export function registerTag(tag: ScalarTag): ScalarTag[] {", "  return [tag];", "}", ""].join("\n"),
  "src/schema/yaml11.ts": [
    'import { registerTag } from "./registry";',
    'import { parseSexagesimal } from "./sexagesimal";',
    "",
    "// Untyped: it becomes a ScalarTag where it is passed.",
    'const sexagesimal = { tag: "sexa", resolve: (src: string) => parseSexagesimal(src) };',
    "",
    "export function yaml11Tags() {",
    "  return registerTag(sexagesimal);",
    "}",
    "",
  ].join("\n"),
  "src/schema/tags.ts": [
    'import type { ScalarTag } from "./types";',
    'import { binary } from "./binary";',
    'import { jsonSchema } from "./json";',
    'import { yaml11Tags } from "./yaml11";',
    "",
    "export function getTags(version: string): ScalarTag[] {",
    '  return version === "1.1" ? [...yaml11Tags(), binary] : [...jsonSchema, binary];',
    "}",
    "",
  ].join("\n"),
  "src/schema/Schema.ts": [
    'import type { ScalarTag } from "./types";',
    'import { getTags } from "./tags";',
    "",
    "export class Schema {",
    "  tags: ScalarTag[];",
    "  constructor(version: string) {",
    "    this.tags = getTags(version);",
    "  }",
    "}",
    "",
  ].join("\n"),
  "src/doc/errors.ts": ["export function makeErrorList(): string[] {", "  return [];", "}", ""].join("\n"),
  "src/doc/Document.ts": [
    'import { Schema } from "../schema/Schema";',
    'import { makeErrorList } from "./errors";',
    "",
    "export class Document {",
    "  schema: Schema;",
    "  errors: string[] = makeErrorList();",
    '  constructor(readonly source: string, version = "1.2") {',
    "    this.schema = new Schema(version);",
    "  }",
    "}",
    "",
    "export class StrictDocument extends Document {}",
    "",
  ].join("\n"),
  "src/compose.ts": [
    'import type { ScalarTag } from "./schema/types";',
    "",
    "export function composeScalar(tag: ScalarTag, src: string): unknown {",
    "  return tag.resolve(src);",
    "}",
    "",
  ].join("\n"),
  "src/public-api.ts": [
    'import { composeScalar } from "./compose";',
    'import { Document, StrictDocument } from "./doc/Document";',
    "",
    "export function parse(src: string): unknown {",
    "  const doc = new Document(src);",
    "  const tag = doc.schema.tags[0];",
    "  return tag ? composeScalar(tag, src) : null;",
    "}",
    "",
    "export function parseStrict(src: string): unknown {",
    "  return new StrictDocument(src).schema.tags.length;",
    "}",
    "",
    "export function stringify(value: unknown): string {",
    '  const doc = new Document("");',
    "  for (const tag of doc.schema.tags) {",
    "    if (tag.identify?.(value) && tag.stringify) return tag.stringify(value);",
    "  }",
    "  return String(value);",
    "}",
    "",
  ].join("\n"),
  "src/immer.ts": [
    "function finalize(base: unknown): unknown {",
    "  return base;",
    "}",
    "function applyPatchesImpl(base: unknown, patches: string[]): unknown {",
    "  return patches.length ? base : null;",
    "}",
    "function applyOne(n: number): number {",
    "  return n + 1;",
    "}",
    "",
    "class Immer {",
    "  produce = (base: unknown, recipe: (b: unknown) => unknown) => recipe(finalize(base));",
    "  applyPatches(base: unknown, patches: string[]): unknown {",
    "    return applyPatchesImpl(base, patches);",
    "  }",
    "}",
    "",
    "const immer = new Immer();",
    "export const produce = immer.produce;",
    "export const applyPatches = immer.applyPatches.bind(immer);",
    "",
    "function helper(this: unknown, n: number): number {",
    "  return applyOne(n);",
    "}",
    "export function callHelper(): number {",
    "  return helper.call(undefined, 1);",
    "}",
    "",
  ].join("\n"),
  "src/callbacks.ts": [
    "function trimDeep(x: string): string {",
    "  return x.trim();",
    "}",
    "function normalize(x: string): string {",
    "  return trimDeep(x);",
    "}",
    "export function normalizeAll(xs: string[]): string[] {",
    "  return xs.map(normalize);",
    "}",
    "",
  ].join("\n"),
  "src/stack.ts": [
    "function store(x: number): number {",
    "  return x;",
    "}",
    "function record(x: number): void {",
    "  void x;",
    "}",
    "function enqueue(x: number): number {",
    "  return x;",
    "}",
    "class Base {",
    "  push(x: number): number {",
    "    return store(x);",
    "  }",
    "}",
    "export class Stack extends Base {",
    "  push(x: number): number {",
    "    record(x);",
    "    return super.push(x);",
    "  }",
    "}",
    "export class Queue extends Base {",
    "  push(x: number): number {",
    "    return enqueue(x);",
    "  }",
    "}",
    "",
  ].join("\n"),
  "src/visit.ts": [
    'import type { Visitor } from "./schema/types";',
    "",
    "function countNode(node: string): number {",
    "  return node.length;",
    "}",
    "function walk(v: Visitor): void {",
    '  v.enter("root");',
    "}",
    "const counter: Visitor = {",
    "  enter(node) {",
    "    countNode(node);",
    "  },",
    "};",
    "export function countAll(): void {",
    "  walk(counter);",
    "}",
    "export const routes = { user: { create: (name: string) => name.toUpperCase() } };",
    "",
  ].join("\n"),
  "src/io.ts": [
    "export interface Io {",
    "  out(line: string): void;",
    "}",
    "export interface Logger {",
    "  log(line: string): void;",
    "}",
    "function writeLine(line: string): void {",
    "  void line;",
    "}",
    "export const stdio: Io = { out: writeLine };",
    "export function makeLogger(io: Io): Logger {",
    "  return { log: io.out };",
    "}",
    "export function logAll(logger: Logger): void {",
    '  logger.log("done");',
    "}",
    "",
  ].join("\n"),
  "src/chain.ts": [
    "function leaf(): number {",
    "  return 1;",
    "}",
    "function c(): number {",
    "  return leaf();",
    "}",
    "function b(): number {",
    "  return c();",
    "}",
    "function a(): number {",
    "  return b();",
    "}",
    "export function entry(): number {",
    "  a();",
    "  return c();",
    "}",
    "",
  ].join("\n"),
  "src/plugin.ts": [
    "function boot(): string {",
    '  return "booted";',
    "}",
    "export default {",
    '  name: "plugin",',
    "  setup() {",
    "    return boot();",
    "  },",
    "};",
    "",
  ].join("\n"),
  "lib/cjs.js": [
    "function handle(req) {",
    "  return req;",
    "}",
    "exports.handlers = { get: (req) => handle(req) };",
    "module.exports.tools = [{ run() { return handle(1); } }];",
    "",
  ].join("\n"),
  "scenarios/parse-binary.md": [
    "---",
    "id: parse-binary",
    "title: Parsing reads scalars through the schema's tags",
    "entry: [src/public-api.ts#parse]",
    "---",
    "Parsing a document resolves its scalars with the tags of the schema.",
    "",
  ].join("\n"),
};

/** The second commit: only the deep functions change. */
const DEEP: Record<string, [string, string]> = {
  "src/util/base64.ts": ["return Uint8Array.from(src, (c) => c.charCodeAt(0));", "return Uint8Array.from(src.trim(), (c) => c.charCodeAt(0));"],
  "src/schema/int.ts": ["return parseInt(src, 10);", "return parseInt(src.trim(), 10);"],
};

function secondCommit(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, [from, to]] of Object.entries(DEEP)) out[path] = FILES[path]!.replace(from, to);
  return out;
}

/** The kind of each step of a call path: how the step before it reaches it (`kind` or `kind via member`). */
function kindsAlong(g: CodeGraph, path: Array<{ symbol: string; site: string | null }>): string[] {
  const kinds: string[] = [];
  for (let i = 1; i < path.length; i++) {
    const prev = path[i - 1]!.symbol;
    const step = path[i]!;
    const site = g.callees(prev, 1).find((c) => c.callee === step.symbol && c.site === step.site);
    kinds.push(site ? `${site.kind}${site.via ? ` via ${site.via}` : ""}` : "?");
  }
  return kinds;
}

describe("a call graph that follows what runs", () => {
  const tmp = tempDir();
  let service: CodeGraphService;
  let g: CodeGraph;

  beforeAll(async () => {
    makeRepo(tmp.dir, [
      { message: "Tags library v1", files: FILES },
      { message: "Trim before decoding", files: secondCommit() },
    ]);
    service = new CodeGraphService(tmp.dir);
    g = await service.graph();
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("makes object-literal members symbols: by name, by index in an array, nested by dots", () => {
    const got = (id: string) => {
      const s = g.requireSymbol(id);
      return `${s.kind} ${s.span}`;
    };
    expect(got("src/schema/binary.ts#binary.resolve")).toBe("method src/schema/binary.ts:7-9");
    expect(got("src/schema/binary.ts#binary.stringify")).toBe("method src/schema/binary.ts:10-12");
    expect(got("src/schema/binary.ts#binary.identify")).toBe("arrow-function src/schema/binary.ts:6-6");
    expect(got("src/schema/json.ts#jsonScalars")).toBe("variable src/schema/json.ts:7-10");
    expect(got("src/schema/json.ts#jsonScalars[1].resolve")).toBe("arrow-function src/schema/json.ts:9-9");
    expect(got("src/schema/yaml11.ts#sexagesimal.resolve")).toBe("arrow-function src/schema/yaml11.ts:5-5");
    expect(got("src/visit.ts#routes.user")).toBe("property src/visit.ts:17-17");
    expect(got("src/visit.ts#routes.user.create")).toBe("arrow-function src/visit.ts:17-17");
    expect(got("src/schema/types.ts#Visitor.enter")).toBe("method-signature src/schema/types.ts:9-9");
    expect(got("src/plugin.ts#default.setup")).toBe("method src/plugin.ts:6-8");
    expect(got("lib/cjs.js#handlers.get")).toBe("arrow-function lib/cjs.js:4-4");
    expect(got("lib/cjs.js#tools[0].run")).toBe("method lib/cjs.js:5-5");
    expect(g.callees("lib/cjs.js#tools[0].run", 1).map((c) => c.callee)).toEqual(["lib/cjs.js#handle"]);
    // Members that only hold data, or only name another function, are not symbols of their own.
    expect(() => g.requireSymbol("src/schema/binary.ts#binary.tag")).toThrow(/unknown symbol/);
    expect(() => g.requireSymbol("src/schema/json.ts#jsonScalars[0].stringify")).toThrow(/unknown symbol/);
    expect(g.symbolAt("src/schema/json.ts:9").id).toBe("src/schema/json.ts#jsonScalars[1].resolve");
  });

  it("reaches the deep functions from the public entry points through each dispatch shape, saying how", () => {
    const cases: Array<[string, string, string[]]> = [
      // new X() enters X.constructor
      [
        "src/public-api.ts#parse",
        "src/schema/tags.ts#getTags",
        ["new", "init", "new", "init", "call"],
      ],
      // ... and its field initializers
      ["src/public-api.ts#parse", "src/doc/errors.ts#makeErrorList", ["new", "init", "call"]],
      // a class without its own constructor runs its base class's
      ["src/public-api.ts#parseStrict", "src/schema/Schema.ts#Schema.constructor", ["new", "super", "init", "new", "init"]],
      // a tag table of typed object literals, called through the interface member
      [
        "src/public-api.ts#parse",
        "src/util/base64.ts#decodeBase64",
        ["call", "call via src/schema/types.ts#ScalarTag.resolve", "call"],
      ],
      // ... an arrow in an array of them
      ["src/public-api.ts#parse", "src/schema/int.ts#intResolve", ["call", "call via src/schema/types.ts#ScalarTag.resolve", "call"]],
      // ... an untyped object that becomes a ScalarTag where it is passed
      [
        "src/public-api.ts#parse",
        "src/schema/sexagesimal.ts#parseSexagesimal",
        ["call", "call via src/schema/types.ts#ScalarTag.resolve", "call"],
      ],
      // ... a function named in the table
      ["src/public-api.ts#stringify", "src/stringify/number.ts#stringifyNumber", ["call via src/schema/types.ts#ScalarTag.stringify"]],
      // a member of a type alias
      ["src/visit.ts#countAll", "src/visit.ts#countNode", ["call", "call via src/schema/types.ts#Visitor.enter", "call"]],
      // a bound export, an alias, .call
      ["src/immer.ts#applyPatches", "src/immer.ts#applyPatchesImpl", ["bind", "call"]],
      ["src/immer.ts#produce", "src/immer.ts#finalize", ["alias", "call"]],
      ["src/immer.ts#callHelper", "src/immer.ts#applyOne", ["apply", "call"]],
      // a member stored into another member: Logger.log holds Io.out, which holds writeLine
      ["src/io.ts#logAll", "src/io.ts#writeLine", ["call via src/io.ts#Logger.log"]],
      // a callback
      ["src/callbacks.ts#normalizeAll", "src/callbacks.ts#trimDeep", ["callback", "call"]],
      // super.push() calls the base method
      ["src/stack.ts#Stack.push", "src/stack.ts#store", ["super", "call"]],
    ];
    const problems: string[] = [];
    for (const [from, to, kinds] of cases) {
      const path = g.callPaths(from, to, 10, 1)[0];
      if (!path) {
        problems.push(`no call path ${from} -> ${to}`);
        continue;
      }
      // Each step of the path says how it is reached, the same as the callees of the step before.
      const got = path.slice(1).map((s) => `${s.kind}${s.via ? ` via ${s.via}` : ""}`);
      if (JSON.stringify(got) !== JSON.stringify(kinds)) problems.push(`${from} -> ${to}: ${path.map((s) => s.symbol).join(" > ")} with ${got.join(", ")}`);
      if (JSON.stringify(kindsAlong(g, path)) !== JSON.stringify(got)) problems.push(`${from} -> ${to}: steps say ${got.join(", ")}, callees say ${kindsAlong(g, path).join(", ")}`);
    }
    expect(problems).toEqual([]);
  });

  it("says each call site's kind", () => {
    const sites = (id: string) => g.callees(id, 1).map((c) => `${c.kind} ${c.callee}${c.via ? ` via ${c.via}` : ""} @${c.site}`);
    expect(sites("src/immer.ts#applyPatches")).toEqual(["bind src/immer.ts#Immer.applyPatches @src/immer.ts:20"]);
    expect(sites("src/immer.ts#produce")).toEqual(["alias src/immer.ts#Immer.produce @src/immer.ts:19"]);
    expect(sites("src/immer.ts#callHelper")).toEqual(["apply src/immer.ts#helper @src/immer.ts:26"]);
    expect(sites("src/callbacks.ts#normalizeAll")).toEqual(["callback src/callbacks.ts#normalize @src/callbacks.ts:8"]);
    expect(sites("src/doc/Document.ts#Document")).toEqual([
      "init src/doc/Document.ts#Document.errors @src/doc/Document.ts:6",
      "init src/doc/Document.ts#Document.constructor @src/doc/Document.ts:7",
    ]);
    expect(sites("src/doc/Document.ts#StrictDocument")).toEqual(["super src/doc/Document.ts#Document @src/doc/Document.ts:12"]);
    expect(sites("src/compose.ts#composeScalar")).toEqual([
      "call src/schema/types.ts#ScalarTag.resolve @src/compose.ts:4",
      "call src/schema/binary.ts#binary.resolve via src/schema/types.ts#ScalarTag.resolve @src/compose.ts:4",
      "call src/schema/json.ts#jsonScalars[0].resolve via src/schema/types.ts#ScalarTag.resolve @src/compose.ts:4",
      "call src/schema/json.ts#jsonScalars[1].resolve via src/schema/types.ts#ScalarTag.resolve @src/compose.ts:4",
      "call src/schema/yaml11.ts#sexagesimal.resolve via src/schema/types.ts#ScalarTag.resolve @src/compose.ts:4",
    ]);
    // The table names functions too: a call through ScalarTag.stringify may call them.
    expect(sites("src/public-api.ts#stringify").filter((s) => s.includes("ScalarTag.stringify"))).toEqual([
      "call src/schema/types.ts#ScalarTag.stringify @src/public-api.ts:17",
      "call src/schema/binary.ts#binary.stringify via src/schema/types.ts#ScalarTag.stringify @src/public-api.ts:17",
      "call src/schema/json.ts#stringifyJSON via src/schema/types.ts#ScalarTag.stringify @src/public-api.ts:17",
      "call src/stringify/number.ts#stringifyNumber via src/schema/types.ts#ScalarTag.stringify @src/public-api.ts:17",
    ]);
  });

  it("counts super.push() as a call to the base method, never to the overrides", () => {
    const callees = g.callees("src/stack.ts#Stack.push", 1).map((c) => `${c.kind} ${c.callee}`);
    expect(callees).toEqual(["call src/stack.ts#record", "super src/stack.ts#Base.push"]);
    // A call on the base class still reaches the overrides; only super is exact.
    expect(g.callers("src/stack.ts#store", 1).map((c) => c.caller)).toEqual(["src/stack.ts#Base.push"]);
  });

  it("answers callers up through what was stored, constructed and bound", () => {
    const callers = (id: string) => g.callers(id, 1).map((c) => `${c.kind} ${c.caller}${c.via ? ` via ${c.via}` : ""} @${c.site}`);
    expect(callers("src/schema/binary.ts#binary.resolve")).toEqual(["call src/compose.ts#composeScalar via src/schema/types.ts#ScalarTag.resolve @src/compose.ts:4"]);
    // The code construction runs is called where the class is constructed.
    expect(callers("src/schema/Schema.ts#Schema.constructor")).toEqual(["new src/doc/Document.ts#Document.constructor @src/doc/Document.ts:8"]);
    expect(callers("src/doc/Document.ts#Document.constructor")).toEqual([
      "super src/doc/Document.ts#StrictDocument @src/doc/Document.ts:12",
      "new src/public-api.ts#parse @src/public-api.ts:5",
      "new src/public-api.ts#stringify @src/public-api.ts:15",
    ]);
    expect(callers("src/io.ts#writeLine")).toEqual(["call src/io.ts#logAll via src/io.ts#Logger.log @src/io.ts:15"]);
    const impact = g.impact(["src/schema/int.ts#intResolve"], 10).items.map((i) => `${i.distance} ${i.symbol}`);
    expect(impact).toEqual(["1 src/schema/json.ts#jsonScalars[1].resolve", "2 src/compose.ts#composeScalar", "3 src/public-api.ts#parse"]);
  });

  it("selects a prose scenario whose entry reaches the changed code only through dispatch", async () => {
    const scenarios = new ScenarioService(tmp.dir);
    try {
      const r = await scenarios.select("HEAD~1", "HEAD");
      expect(r.changed).toEqual(["src/schema/int.ts#intResolve", "src/util/base64.ts#decodeBase64"]);
      expect(r.selected).toEqual([
        expect.objectContaining({
          scenario: "parse-binary",
          reasons: [
            "src/util/base64.ts#decodeBase64 is reachable from src/public-api.ts#parse (3 calls away)",
            "src/schema/int.ts#intResolve is reachable from src/public-api.ts#parse (3 calls away)",
          ],
        }),
      ]);
      const sim = await scenarios.simulateStatic("parse-binary", "HEAD~1", "HEAD");
      expect(sim.verdict.verdict).toBe("at-risk");
      expect(sim.trace.filter((t) => t.touched && t.kind === "enter").map((t) => t.symbol)).toEqual(["src/util/base64.ts#decodeBase64", "src/schema/int.ts#intResolve"]);
      // The trace walks through construction and the tag table on its way there.
      const entered = sim.trace.filter((t) => t.kind === "enter").map((t) => t.symbol);
      expect(entered).toEqual(
        expect.arrayContaining(["src/doc/Document.ts#Document.constructor", "src/schema/Schema.ts#Schema.constructor", "src/schema/binary.ts#binary.resolve", "src/schema/json.ts#jsonScalars[1].resolve"]),
      );
    } finally {
      scenarios.close();
    }
  });
});

describe("the static trace over these edges", () => {
  const tmp = tempDir();
  let service: CodeGraphService;
  beforeAll(() => {
    makeRepo(tmp.dir, [{ message: "Tags library v1", files: FILES }]);
    service = new CodeGraphService(tmp.dir);
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("enters construction as one level, and each symbol where it is nearest", async () => {
    const g = await service.graph();
    const depths = (entry: string, maxDepth: number) =>
      walkTrace(g, [entry], maxDepth)
        .filter((s) => s.kind === "enter")
        .map((s) => `${s.depth} ${s.symbol.split("#")[1]}`);
    expect(depths("src/public-api.ts#parseStrict", 8)).toEqual([
      "0 parseStrict",
      "1 StrictDocument",
      "1 Document",
      "1 Document.errors",
      "2 makeErrorList",
      "1 Document.constructor",
      "2 Schema",
      "2 Schema.constructor",
      "3 getTags",
      "4 yaml11Tags",
      "5 registerTag",
    ]);
    // c is met first three calls down (entry > a > b > c), but entry calls it directly: it is entered there,
    // so leaf, one further, is still inside a depth bound of 3.
    expect(depths("src/chain.ts#entry", 3)).toEqual(["0 entry", "1 a", "2 b", "1 c", "2 leaf"]);
  });
});

describe("touched steps of the static trace", () => {
  it("a class or object changed only inside members is not touched itself: its members are steps of their own", () => {
    const steps: TraceStep[] = [
      { symbol: "src/a.ts#Doc", location: "src/a.ts:1", kind: "enter", depth: 1 },
      { symbol: "src/a.ts#Doc", location: "src/a.ts:3", kind: "call", call: "src/a.ts#Doc.constructor", depth: 1 },
      { symbol: "src/a.ts#Doc.constructor", location: "src/a.ts:3", kind: "enter", depth: 2 },
      { symbol: "src/t.ts#table", location: "src/t.ts:1", kind: "enter", depth: 1 },
    ];
    const changes: ChangedSymbol[] = [
      { id: "src/a.ts#Doc", change: "modified-body", head: { id: "src/a.ts#Doc", span: "src/a.ts:1-12" } },
      { id: "src/a.ts#Doc.describe", change: "modified-body", head: { id: "src/a.ts#Doc.describe", span: "src/a.ts:8-10" } },
      { id: "src/t.ts#table", change: "modified-body", head: { id: "src/t.ts#table", span: "src/t.ts:1-6" } },
      { id: "src/t.ts#table[0].resolve", change: "modified-body", head: { id: "src/t.ts#table[0].resolve", span: "src/t.ts:2-2" } },
    ];
    const hunk = (newStart: number) => ({ oldStart: newStart, oldLines: 1, newStart, newLines: 1, added: ["x"], removed: ["y"] });
    const files: FileDiff[] = [
      { path: "src/a.ts", status: "modified", hunks: [hunk(9)] },
      { path: "src/t.ts", status: "modified", hunks: [hunk(2), hunk(5)] },
    ];
    const marked = markTouched(steps, changes, files);
    expect(marked.map((s) => (s.touched ? `${s.symbol} ${s.touched.hunks.join(",")}` : null))).toEqual([null, null, null, "src/t.ts#table src/t.ts:2,src/t.ts:5"]);
  });
});

describe("ids and edge kinds through the MCP tools", () => {
  it("get_symbol takes an object-literal member's id, and callees name each site's kind and what it went through", async () => {
    const tmp = tempDir();
    makeRepo(tmp.dir, [{ message: "Tags library v1", files: FILES }]);
    const { client, close } = await connectServer("code-graph", tmp.dir);
    try {
      const got = structured<{ symbol: { id: string; kind: string }; source: string }>(
        await client.callTool({ name: "get_symbol", arguments: { id: "src/schema/json.ts#jsonScalars[1].resolve", includeSource: true } }),
      );
      expect(got.symbol).toMatchObject({ id: "src/schema/json.ts#jsonScalars[1].resolve", kind: "arrow-function" });
      expect(got.source).toContain("resolve: (src) => intResolve(src)");
      const callees = structured<{ items: Array<{ callee: string; kind: string; via?: string }> }>(
        await client.callTool({ name: "find_callees", arguments: { id: "src/compose.ts#composeScalar" } }),
      );
      expect(callees.items).toContainEqual(expect.objectContaining({ callee: "src/schema/binary.ts#binary.resolve", kind: "call", via: "src/schema/types.ts#ScalarTag.resolve" }));
      const bound = structured<{ items: Array<{ callee: string; kind: string }> }>(await client.callTool({ name: "find_callees", arguments: { id: "src/immer.ts#applyPatches" } }));
      expect(bound.items).toEqual([expect.objectContaining({ callee: "src/immer.ts#Immer.applyPatches", kind: "bind" })]);
      const paths = structured<{ paths: Array<Array<{ symbol: string }>> }>(
        await client.callTool({ name: "find_call_paths", arguments: { from: "src/public-api.ts#stringify", to: "src/stringify/number.ts#stringifyNumber" } }),
      );
      expect(paths.paths[0]?.map((s) => s.symbol)).toEqual(["src/public-api.ts#stringify", "src/stringify/number.ts#stringifyNumber"]);
    } finally {
      await close();
      tmp.cleanup();
    }
  });
});

describe("index version", () => {
  it("an index an older indexer wrote is dropped and rebuilt, once", async () => {
    const tmp = tempDir();
    try {
      makeRepo(tmp.dir, [{ message: "Tags library v1", files: FILES }]);
      const first = new CodeGraphService(tmp.dir);
      await first.index();
      first.close();
      // Pretend an older indexer wrote it: its facts must not be reused.
      const db = new Database(join(tmp.dir, ".worldline", "worldline.db"));
      db.prepare("UPDATE cg_meta SET value = '1' WHERE key = 'index_version'").run();
      db.prepare("DELETE FROM cg_binding").run();
      db.close();
      const again = new CodeGraphService(tmp.dir);
      try {
        expect(again.store.revisions()).toEqual([]);
        const count = (sql: string) => (again.store.db.prepare(sql).get() as { n: number }).n;
        expect(count("SELECT COUNT(*) AS n FROM cg_symbol")).toBe(0);
        const g = await again.graph();
        expect(g.callees("src/compose.ts#composeScalar", 1).length).toBe(5);
        expect(count("SELECT COUNT(*) AS n FROM cg_binding")).toBeGreaterThan(0);
        expect(again.store.db.prepare("SELECT value FROM cg_meta WHERE key = 'index_version'").get()).toEqual({ value: String(INDEX_VERSION) });
        expect(g.search("binary").map((s) => s.id)).toContain("src/schema/binary.ts#binary");
      } finally {
        again.close();
      }
    } finally {
      tmp.cleanup();
    }
  });
});
