import { ts } from "@ts-morph/common";
import type { PackageApi } from "./ticket-repro-api.js";
import { readSnippet, type SnippetCall, type SnippetRead } from "./ticket-repro-call.js";
import { expectationLines, statedExpectation, type StatedExpectation } from "./ticket-repro-expect.js";
import { argsJs, isSetupCall } from "./ticket-repro-js.js";
import { snippetOutcome, statedOutcome, type SnippetOutcome } from "./ticket-repro-outcome.js";
import { JS_LANGS, OUTCOME_SECTION, REPRODUCE_SECTION, reportParts, type CodeBlock } from "./ticket-repro-text.js";

/**
 * A bug report's reproduction as one scenario step: the call of the package's API its snippet makes (or, when
 * it gives only an input in a "To reproduce" section, the documented entry that takes text), with the
 * snippet's literal arguments, and the stated expectation as the step's `expect:`. A snippet that is a whole
 * program is reduced to one API call: its first whose arguments are all known, else the first whose arguments
 * its own code builds (`args_js`, ticket-repro-js.ts) and whose outcome the report states (ticket-repro-outcome.ts).
 * A step calls one function; the package's setup calls before it (`enablePatches()`) run as part of its arguments.
 */
export interface TicketStep {
  call: string;
  /** Literal arguments; or, for arguments the snippet's code builds, `args_js`. */
  args?: unknown[];
  args_js?: string;
  expect: string[];
  /** How the step was read from the report, in words. */
  how: string;
  /** The report's stated expectation, when the step's `expect:` is it. */
  expectation?: StatedExpectation;
  /** The build-time constants the package's config defines (the world's `globals`): its code reads them. */
  globals?: Record<string, string | number | boolean | null>;
}

const STACK_LINE = /^\s*at\s+.+:\d+/m;

/** A block that holds data (an input), not code or an outcome. */
function isData(b: CodeBlock): boolean {
  return !JS_LANGS.has(b.lang) && !OUTCOME_SECTION.test(b.section) && !STACK_LINE.test(b.code) && !/^(sh|shell|bash|console|diff)$/.test(b.lang);
}

const shown = (c: SnippetCall) => `\`${c.text}\``;

/**
 * A block as the input it shows: a file's lines each end with a line break, so one is added when the fence
 * left it out; stand-ins for invisible characters ("where `_` is a space", "· is a tab") get them back.
 */
function withPlaceholders(input: string, prose: string): string {
  let out = input.endsWith("\n") ? input : `${input}\n`;
  for (const m of prose.matchAll(/(?:where|with)\s+`?(\S)`?\s+(?:is|means|stands for)\s+an?\s+(space|tab)/gi)) {
    const mark = m[1] as string;
    out = out.split(mark).join(m[2]?.toLowerCase() === "tab" ? "\t" : " ");
  }
  // The other order: "spaces shown as `_`", "tabs written as `→`".
  for (const m of prose.matchAll(/\b(spaces?|tabs?)\s+(?:are\s+|is\s+)?(?:shown|written|marked|drawn)\s+(?:as|with)\s+`(\S)`/gi)) {
    const mark = m[2] as string;
    out = out.split(mark).join(m[1]?.toLowerCase().startsWith("tab") ? "\t" : " ");
  }
  return out;
}

/** A call of the snippet drafted as a step's arguments, before its expectation is read. */
interface Candidate {
  call: SnippetCall;
  node: ts.CallExpression;
  read: SnippetRead;
  args?: unknown[];
  argsJs?: string;
  how: string;
  literal: boolean;
}

/** A report makes a few calls; a snippet with hundreds is a generated one, whose first few say as much. */
const MAX_BUILT = 12;

/** An argument a data block may stand for: a name or an expression that reads input, never code the snippet wrote out. */
const readsInput = (n: ts.Expression | undefined) => n !== undefined && !ts.isArrowFunction(n) && !ts.isFunctionExpression(n) && !ts.isObjectLiteralExpression(n) && !ts.isArrayLiteralExpression(n) && !ts.isNewExpression(n) && !ts.isClassExpression(n);

type FoundCall = SnippetRead["calls"][number] & { read: SnippetRead };

/**
 * The calls a step can be drafted from, best first: the first whose arguments are all known (literals, or one
 * input given by a data block), then each whose arguments the snippet's code builds. `unbuilt` says why the
 * first call that could not be built could not.
 */
function candidatesOf(calls: readonly FoundCall[], data: readonly CodeBlock[], prose: string, api: PackageApi): { candidates: Candidate[]; unbuilt?: string } {
  const candidates: Candidate[] = [];
  const setupBefore = (c: FoundCall) => c.read.calls.some((o) => o.node.pos < c.node.pos && isSetupCall(o.node));
  for (const c of calls) {
    const unresolved = c.call.args.filter((a) => "unresolved" in a);
    // A snippet that reads its input from elsewhere (`YAML.parse(src)` under a ```yaml block) gets that block.
    const inputAt = unresolved.length === 1 ? c.call.args.findIndex((a) => "unresolved" in a) : -1;
    const input = inputAt >= 0 && data.length > 0 && readsInput(c.node.arguments[inputAt]) ? (data.find((b) => REPRODUCE_SECTION.test(b.section)) ?? data[0]) : undefined;
    if ((unresolved.length === 0 && !setupBefore(c)) || input) {
      const args = c.call.args.map((a) => ("value" in a ? a.value : withPlaceholders(input?.code ?? "", prose)));
      candidates.push({ ...c, args, literal: true, how: `the report's call ${shown(c.call)}${input ? `, its ${unresolved.map((u) => ("unresolved" in u ? u.unresolved : "")).join("")} being the ${input.lang || "text"} block` : ""}` });
      break;
    }
  }
  // Arguments the snippet's code builds (a recipe, `new Map()`), with what the call needs before it.
  let unbuilt: string | undefined;
  for (const c of calls.slice(0, MAX_BUILT)) {
    if (candidates.some((k) => k.node === c.node)) continue;
    const built = argsJs(c.read, c.node, api);
    if ("js" in built) {
      const after = built.setup.length ? `, after its ${built.setup.map((st) => `\`${st.replace(/;$/, "")}\``).join(", ")}` : "";
      candidates.push({ ...c, argsJs: built.js, literal: c.call.args.every((a) => "value" in a), how: `the report's call ${shown(c.call)}, its arguments built by the snippet's own code${after}` });
      continue;
    }
    const names = c.call.args.flatMap((a) => ("unresolved" in a ? [a.unresolved] : []));
    // A bare name the snippet never gives a value is an input the report left out, as before.
    unbuilt ??= built.undefinedNames.length > 0 && built.undefinedNames.every((n) => names.includes(n)) ? `the value of ${names.map((n) => `\`${n}\``).join(", ")} in ${shown(c.call)}: bind it to a literal in the snippet or give the input in a code block` : built.missing;
  }
  return { candidates, ...(unbuilt !== undefined ? { unbuilt } : {}) };
}

/**
 * What a candidate's step expects: for literal arguments the stated expectation, as before; for built ones the
 * snippet's own reading first (its assertions, "x should be v", a logged comparison), then the stated one
 * where it is the call's own (`missing` when it is not).
 */
function outcomeOf(k: Candidate, prose: string, stated: StatedExpectation | undefined): { outcome: SnippetOutcome; expectation?: StatedExpectation } | { missing: string } | undefined {
  if (k.literal && stated) return { outcome: { lines: expectationLines(stated), from: stated.from }, expectation: stated };
  const read = snippetOutcome(k.read, k.node, prose, stated);
  if (read) return { outcome: read };
  if (!stated) return undefined;
  const own = statedOutcome(k.read, k.node, stated);
  return "missing" in own ? own : { outcome: own, expectation: stated };
}

/** Past these sizes a report is not a reproduction to read (its parsers are linear, their constants are not small). */
const MAX_REPORT = 64_000;
const MAX_SNIPPET = 16_000;

export function ticketStep(text: string, api: PackageApi): { step?: TicketStep; missing: string[] } {
  if (text.length > MAX_REPORT) return { missing: [`a report under ${MAX_REPORT / 1000} KB: this one is ${Math.round(text.length / 1000)} KB; put the reproduction (a call, its input, what should happen) in a short snippet`] };
  try {
    return readReport(text, api);
  } catch (err) {
    // A snippet nested deeper than the parser's stack (thousands of brackets) is no reproduction.
    if (err instanceof RangeError) return { missing: [`a snippet the reader can follow: this one is nested too deeply (${err.message}); shorten it to the call and its input`] };
    throw err;
  }
}

function readReport(text: string, api: PackageApi): { step?: TicketStep; missing: string[] } {
  const parts = reportParts(text);
  const code = parts.blocks.filter((b) => (JS_LANGS.has(b.lang) || (b.lang === "" && !OUTCOME_SECTION.test(b.section))) && b.code.length <= MAX_SNIPPET);
  const found = [...code.map((b) => ({ b, r: readSnippet(b.code, api.name, api.exports, api.aliases) })), ...parts.inline.map((t) => ({ b: undefined, r: readSnippet(t, api.name, api.exports, api.aliases) }))];
  const all: FoundCall[] = found.flatMap((f) => f.r.calls.map((c) => ({ ...c, read: f.r })));
  // A setup call (`enablePatches()`) with a later call in its snippet is not the report's call: it runs before it.
  const calls = all.filter((c) => !(isSetupCall(c.node) && c.read.calls.some((o) => o.node.pos > c.node.pos)));
  const codeBlocks = new Set(found.filter((f) => f.r.calls.length > 0).flatMap((f) => (f.b ? [f.b] : [])));
  const data = parts.blocks.filter((b) => !codeBlocks.has(b) && isData(b));
  const missing: string[] = [];
  const { candidates, unbuilt } = candidatesOf(calls, data, parts.prose, api);
  const stated = statedExpectation(parts);
  const world = api.globals ? { globals: api.globals } : {};
  let noOutcome: string | undefined;
  for (const k of candidates) {
    const o = outcomeOf(k, parts.prose, stated);
    if (o && "missing" in o) noOutcome ??= o.missing;
    if (!o || "missing" in o) continue;
    const args = k.argsJs !== undefined ? { args_js: k.argsJs } : { args: k.args ?? [] };
    const step: TicketStep = { call: `${api.entry}#${api.via ? `${api.via}.` : ""}${k.call.member}`, ...args, expect: o.outcome.lines, how: `${k.how}; expected from ${o.outcome.from}`, ...(o.expectation ? { expectation: o.expectation } : {}), ...world };
    return { step, missing: [] };
  }
  if (candidates.length === 0 && calls.length > 0) missing.push(unbuilt ?? `the arguments of ${shown((calls[0] as FoundCall).call)}`);
  if (candidates.length === 0 && calls.length === 0) {
    // A report with one data block and no call gives its input there, fenced with or without a language.
    const input = data.find((b) => REPRODUCE_SECTION.test(b.section) || (b.section === "" && (b.lang !== "" || data.length === 1)));
    if (input && api.textEntry && stated) {
      const step: TicketStep = {
        call: `${api.entry}#${api.via ? `${api.via}.` : ""}${api.textEntry}`,
        args: [withPlaceholders(input.code, parts.prose)],
        expect: expectationLines(stated),
        how: `the input of the "${input.section || input.lang}" block, given to ${api.name}'s documented entry for text, ${api.textEntry}(); expected from ${stated.from}`,
        expectation: stated,
        ...world,
      };
      return { step, missing: [] };
    }
    if (input && !api.textEntry) missing.push(`the entry that takes this input: the README of ${api.name} shows no call with a string, and the report calls none`);
    else if (!input) missing.push(`a call of ${api.name}'s API with its input: a code block such as \`${api.name}.${api.textEntry ?? [...api.exports][0] ?? "parse"}("…")\`, or the input in a "To reproduce" section`);
  }
  // A stated outcome the call cannot be checked against says why; none at all is asked for.
  if (noOutcome) missing.push(noOutcome);
  else if (!stated) missing.push('the expected outcome: "should be `…`", an "Expected:" block, "should not throw", or an `expect(…)` line in the snippet');
  return { missing };
}
