import { isMap, isScalar, isSeq, LineCounter, parseDocument, parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { z } from "zod";
import { UserError } from "../../core/errors.js";

/**
 * The scenario file format of DESIGN.md: Markdown with YAML front matter (id, title, sources, customers,
 * workflow, and an optional `simulate:` block with a world and steps), then plain English.
 */
const SymbolRef = z.string().regex(/^[^#\s]+#[\w$.]+$/, "a symbol is path#Name or path#Class.member, e.g. src/billing/invoice.ts#generateInvoice");

export const Stub = z
  .object({
    returns: z.unknown().optional().describe("What the stand-in answers"),
    throws: z.string().optional().describe("An error message the stand-in throws instead"),
    match: z.record(z.string(), z.unknown()).optional().describe("Argument positions that must match for this answer (objects match by the keys given)"),
    sequence: z
      .array(z.object({ returns: z.unknown().optional(), throws: z.string().optional() }).strict())
      .min(1)
      .optional()
      .describe("Answers for successive calls; the last repeats"),
    async: z.boolean().optional().describe("Answer with a promise (default: by the target: async functions and I/O clients do)"),
  })
  .strict();

/** `test:<path of a test file>#<full name>`: one case of the repo's own suite, titles joined by " > ". */
export const TestRefText = z.string().regex(/^test:[^#\s][^#]*#.+$/, 'a test is test:<path of the test file>#<full name, titles joined by " > ">, e.g. test:tests/parse.test.ts#parse > maps');

export const Step = z
  .object({
    call: SymbolRef.optional().describe("The function, or path#Class.method, to call"),
    run: TestRefText.optional().describe("Instead of a call: run one case of the repo's own tests (its result is { status, error?, assertions })"),
    nth: z.number().int().min(1).optional().describe("With run: which of the cases with that full name, in file order (default 1)"),
    args: z.array(z.unknown()).optional(),
    args_js: z.string().optional().describe("A JS expression for the arguments, the entry module's exports in scope"),
    construct: z.array(z.unknown()).optional().describe("Constructor arguments for path#Class.method"),
    expect: z.array(z.string()).default([]).describe("JS expressions over result, error, effects, steps and args (the call's arguments after it ran) that must hold (a run step also expects its case to pass)"),
  })
  .strict()
  .refine((s) => (s.call === undefined) !== (s.run === undefined), { message: "a step has a call or a run, not both and not neither" })
  .refine((s) => !(s.run && (s.args || s.args_js || s.construct)), { message: "a run step takes no args, args_js or construct: the test sets itself up" })
  .refine((s) => !(s.args && s.args_js), { message: "give args or args_js, not both" });

export type Step = z.output<typeof Step>;

export const Simulate = z
  .object({
    world: z
      .object({
        clock: z.iso.datetime({ offset: true }).optional().describe("The simulated time, ISO-8601"),
        env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
        stubs: z.record(z.string(), z.union([Stub, z.array(Stub)])).default({}),
        seed: z.number().int().optional(),
        globals: z
          .record(z.string().regex(/^[A-Za-z_$][\w$]*$/, "a global is a JS identifier, e.g. __DEV__"), z.union([z.string(), z.number(), z.boolean(), z.null()]))
          .optional()
          .describe("Build-time constants the code reads as globals (`__DEV__`, as a bundler or the test config defines them), set before it loads"),
      })
      .strict()
      .default({ env: {}, stubs: {} }),
    steps: z.array(Step).min(1, "simulate needs at least one step"),
  })
  .strict();

export const ScenarioMeta = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "an id is lower-case words joined by dashes, e.g. eu-proration-fx-rounding"),
    title: z.string().min(1),
    source: z.array(z.string().regex(/^(ticket|incident|test|decision):.+/, "a source is ticket:KEY, incident:KEY, test:path or decision:path")).default([]),
    customers: z.array(z.string()).default([]),
    workflow: z.string().optional(),
    tags: z.array(z.string()).default([]),
    entry: z.array(SymbolRef).default([]).describe("Entry symbols for the static trace when there is no simulate block"),
    simulate: Simulate.optional(),
  })
  .strict();
export type ScenarioMeta = z.output<typeof ScenarioMeta>;

export interface Scenario extends ScenarioMeta {
  /** Repo path of the file. */
  path: string;
  /** The plain-English description below the front matter. */
  prose: string;
}

/** Parses one scenario file; errors name the file and the field. */
export function parseScenario(path: string, text: string): Scenario {
  const fm = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!fm) throw new UserError(`scenario ${path}: expected YAML front matter between --- lines, then the description`);
  let raw: unknown;
  try {
    raw = parseYaml(fm[1] ?? "");
  } catch (err) {
    throw new UserError(`scenario ${path}: front matter is not valid YAML (${(err as Error).message.split("\n")[0]})`);
  }
  const parsed = ScenarioMeta.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`scenario ${path}: field "${issue?.path.join(".") || "(root)"}" ${issue?.message ?? "is invalid"}`);
  }
  const lines = stepLinesIn(path, fm[1] ?? "");
  parsed.data.simulate?.steps.forEach((st, i) => {
    const at = lines[i];
    if (at) stepLines.set(st, at);
  });
  return { ...parsed.data, path, prose: (fm[2] ?? "").trim() };
}

/** Where a step of a parsed scenario is written in its file (1-based lines of the file, not of the front matter). */
export interface StepLines {
  file: string;
  line: number;
  call?: number;
  run?: number;
  args_js?: number;
  /** One per `expect` entry, in order. */
  expect: number[];
}

/**
 * Kept beside the parsed steps rather than in them: a scenario's data stays what its file says (it renders and
 * compares as before), and a step built in code simply has none.
 */
const stepLines = new WeakMap<Step, StepLines>();

/** The lines of a step that `parseScenario` read from a file; undefined for a step made in code. */
export function linesOfStep(step: Step): StepLines | undefined {
  return stepLines.get(step);
}

function stepLinesIn(path: string, frontMatter: string): Array<StepLines | undefined> {
  try {
    const counter = new LineCounter();
    const doc = parseDocument(frontMatter, { lineCounter: counter });
    // The front matter starts on the file's second line, after the opening ---.
    const lineAt = (offset: number) => counter.linePos(offset).line + 1;
    const steps = doc.getIn(["simulate", "steps"], true);
    if (!isSeq(steps)) return [];
    return steps.items.map((item) => {
      if (!isMap(item) || !item.range) return undefined;
      const out: StepLines = { file: path, line: lineAt(item.range[0]), expect: [] };
      for (const pair of item.items) {
        const key = isScalar(pair.key) ? pair.key : undefined;
        const line = key?.range ? lineAt(key.range[0]) : out.line;
        if (key?.value === "call" || key?.value === "run" || key?.value === "args_js") out[key.value] = line;
        else if (key?.value === "expect" && isSeq(pair.value)) out.expect = pair.value.items.map((e) => (isScalar(e) && e.range ? lineAt(e.range[0]) : line));
      }
      return out;
    });
  } catch {
    return []; // positions are a help for error messages: the scenario itself was already read
  }
}

/** The file text of a scenario (front matter then prose), as written to the repo on request. */
export function renderScenario(s: Scenario): string {
  const { path: _path, prose, ...meta } = s;
  const clean = Object.fromEntries(Object.entries(meta).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)));
  return `---\n${stringifyYaml(clean, { lineWidth: 0 }).trimEnd()}\n---\n${prose.trim()}\n`;
}
