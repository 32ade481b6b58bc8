import { z } from "zod";
import { defineTool, toolArgs } from "../../core/contract.js";
import { pageInput } from "../../core/paging.js";
import { FIX_SCOPES, ScenarioVerdict, VERDICTS } from "../../core/verdict.js";
import { ScenarioMeta } from "./format.js";

/** The scenarios server's tool contracts: names, descriptions and schemas, shared by the server, the agent and tests. */

const server = "scenarios" as const;
const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
const rev = z.string().optional().describe("Revision to read scenarios at (default: the working tree)");
const base = z.string().optional().describe("Base revision (default: the merge-base of HEAD with the default branch, as git-history's diff_revisions)");
/** Which change an answer is about, as resolved: every answer says so (the default base depends on the branch). */
const change = z.object({ base: z.string().describe("Base commit used"), head: z.string().describe("Head commit used, or WORKTREE") }).describe("The change this answer is about");
const head = z.string().optional().describe("Head revision, or WORKTREE (default)");
const Summary = z.object({ id: z.string(), title: z.string(), path: z.string(), workflow: z.string().optional(), executable: z.boolean(), source: z.array(z.string()) });
const ErrorsOut = z.array(z.object({ file: z.string(), message: z.string() })).describe("Scenario files that did not load; the rest did");

export const listScenarios = defineTool({
  server,
  name: "list_scenarios",
  title: "List scenarios",
  description: "The scenarios in the repo (scenarios/ by default) at a revision, and the files that did not load.",
  input: toolArgs({ rev, ...pageInput }),
  output: z.object({ items: z.array(Summary), nextCursor: z.string().optional(), errors: ErrorsOut }),
  annotations: READ_ONLY,
});

export const getScenario = defineTool({
  server,
  name: "get_scenario",
  title: "Get a scenario",
  description: "One scenario: its front matter (sources, customers, workflow, simulate block) and its description.",
  input: toolArgs({ id: z.string().min(1), rev }),
  output: z.object({ scenario: z.record(z.string(), z.unknown()) }),
  annotations: READ_ONLY,
});

export const searchScenarios = defineTool({
  server,
  name: "search_scenarios",
  title: "Search scenarios",
  description:
    "Scenarios (written ones and the repo's own test cases) by words of their titles, labels (tags, workflow, customers, sources such as a ticket key) and descriptions, stemmed (\"rounding\" finds \"round\"), best first; or, without query, every scenario the filters keep.",
  input: toolArgs({
    query: z.string().min(1).optional().describe("Words to search for (all of them first, else any); leave out to list by the filters"),
    tag: z.string().min(1).optional().describe("Only scenarios with this tag (the repo's test cases carry \"test\")"),
    workflow: z.string().min(1).optional(),
    customer: z.string().min(1).optional(),
    executable: z.boolean().optional().describe("Only scenarios with (true) or without (false) a simulate block"),
    kind: z.enum(["test", "written"]).optional().describe("test: the repo's own test cases; written: scenario files"),
    rev,
    ...pageInput,
  }),
  output: z.object({
    items: z.array(Summary.extend({ tags: z.array(z.string()), score: z.number().optional().describe("bm25, higher is better; absent without query") })),
    nextCursor: z.string().optional(),
  }),
  annotations: READ_ONLY,
});

export const upsertScenario = defineTool({
  server,
  name: "upsert_scenario",
  title: "Write a scenario",
  description: "Create or update a scenario file in the repo (this writes scenarios/<id>.md, or the scenario's existing file). Validated before writing.",
  input: toolArgs({ scenario: ScenarioMeta.extend({ prose: z.string().default("") }).describe("Front matter fields and the description") }),
  output: z.object({ path: z.string(), created: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
});

export const draftScenario = defineTool({
  server,
  name: "draft_scenario",
  title: "Draft a scenario",
  description: "Draft a scenario from an imported ticket (its words, code references as entry points, and its inputs and wrong value when it carries them; for a library, the call of the package's API its snippet makes, or its input given to the documented entry, with the stated expectation) or from a test file's cases. With reproduceAt, the run says whether it reproduces, where it threw, and the statements ranked by where the fault can live. Writes to the repo only with write: true.",
  input: toolArgs({
    ticket: z.string().optional().describe("A ticket key, e.g. SUP-12"),
    test: z.string().optional().describe("Or a test file path"),
    testName: z.string().optional().describe("With test: only this test case"),
    write: z.boolean().optional().describe("Write the draft into scenarios/ (default false: only return it)"),
    reproduceAt: z.string().min(1).optional().describe("With ticket: also run an executable draft at this revision to see whether the reported behaviour happens there"),
  }),
  output: z.object({
    drafts: z.array(
      z.object({
        id: z.string(),
        text: z.string().describe("The scenario file, with a TODO skeleton when it is not executable yet"),
        executable: z.boolean(),
        missing: z.array(z.string()).describe("What the draft still needs to be executable"),
        written: z.string().optional(),
        reproduction: z
          .object({
            rev: z.string(),
            status: z.enum(["reproduces", "does-not-reproduce", "error", "not-executable"]),
            failing: z.array(z.string()).describe("The expectations (what should happen) that did not hold"),
            results: z.array(z.unknown()).optional(),
            reason: z.string().optional(),
            throwSite: z.string().optional().describe("Where the reproduction threw, path:line in the repo"),
            thrown: z.string().optional().describe("The error it threw, name: message"),
            ranked: z
              .array(z.object({ location: z.string().describe("path:line of a statement the failing run executed"), score: z.number().describe("Ochiai score, 1 when only failing runs executed it"), failing: z.number().int(), passing: z.number().int() }))
              .optional()
              .describe("Where the fault can live, best first: the failing run's statements weighed against shrunk inputs that do not fail"),
            variations: z.object({ tried: z.number().int(), failing: z.number().int(), passing: z.number().int(), errors: z.number().int() }).optional().describe("The shrunk inputs the ranking rests on"),
          })
          .optional(),
      }),
    ),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
});

export const selectScenarios = defineTool({
  server,
  name: "select_scenarios",
  title: "Select scenarios for a change",
  description: "Every scenario a change can affect, ranked, each with its reasons: its last simulation covered a changed symbol, a changed symbol is reachable from its entry points, or its sources and text relate to the changed code. Never capped silently.",
  input: toolArgs({ base, head, ...pageInput }),
  output: z.object({
    items: z.array(z.object({ scenario: z.string(), score: z.number(), reasons: z.array(z.string()) })),
    nextCursor: z.string().optional(),
    changed: z.array(z.string()).describe("Changed symbols the selection used"),
    errors: ErrorsOut,
    change,
  }),
  annotations: READ_ONLY,
});

export const simulateScenario = defineTool({
  server,
  name: "simulate_scenario",
  title: "Simulate a scenario",
  description: "Simulate a scenario against a change. A scenario with a simulate: block runs at depth differential: its steps run on base and head in a sandbox (stand-ins for I/O, a virtual clock), the traces are compared, and the verdict names the root-cause line with the values on each side and the effects that differ (unaffected when nothing on its path changed). Without one, or with depth static: entry points, the call graph in statement order, and the steps the change touches. Records the simulation and a decision trace.",
  input: toolArgs({ id: z.string().min(1), base, head, depth: z.enum(["static", "differential"]).optional().describe("Default: differential when the scenario has simulate:, else static") }),
  output: z.object({
    verdict: ScenarioVerdict,
    entries: z.array(z.object({ symbol: z.string(), score: z.number(), why: z.string() })).optional().describe("Entry points found (static depth)"),
    simulation: z.string().describe("The simulation node recorded in the context graph"),
    worker: z.string().optional().describe("The team worker that ran it (host:pid:id), when the team's workers did"),
    change,
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
});

export const tryScenario = defineTool({
  server,
  name: "try_scenario",
  title: "Try a proposed simulation",
  description: "Run a scenario with a proposed simulate: block (not written to the repo) on base and head. Its verdict counts only when passesOnBase is true: every expectation holds before the change. Use it to make a prose-only scenario executable; write it with upsert_scenario once it passes.",
  input: toolArgs({ scenario: ScenarioMeta.extend({ prose: z.string().default("") }).describe("The scenario with its proposed simulate block"), base, head }),
  output: z.object({
    verdict: ScenarioVerdict,
    passesOnBase: z.boolean(),
    base: z.object({ status: z.string(), failing: z.array(z.string()).describe("Expectations that did not pass on base, and steps that threw") }),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
});

const scope = z.enum(FIX_SCOPES);

export const draftFix = defineTool({
  server,
  name: "draft_fix",
  title: "Draft a fix",
  description:
    "Drafts a fix for a root cause as reverts of the change, smallest first: the statement holding it, then its hunk, then the enclosing function (or top-level declaration), then every hunk of its file with those of the other changed lines the failing run ran. Each draft applies to head and parses. With `scenario` (the failing one), each draft is re-simulated in turn and the first that turns it to pass while none of `ids` gets worse is returned, verified; else the smallest, unverified, with the reason. Without it, the smallest draft (or the one of `scope`) and the larger ones on offer: check it with check_fix.",
  input: toolArgs({
    location: z.string().min(1).describe("The root cause, path:line at head (a changed line)"),
    base,
    head,
    scenario: z.string().min(1).optional().describe("The failing scenario (with a simulate: block) that each draft is re-simulated with, smallest first"),
    ids: z.array(z.string().min(1)).optional().describe("Other executable scenarios the fix must not make worse"),
    scope: scope.optional().describe("Only the draft of this scope"),
    side: z.enum(["base", "head"]).optional().describe("base when the location is a line only base has (a root cause with side: base); default head"),
  }),
  output: z.object({
    patch: z.string().describe("Unified diff against head"),
    path: z.string().describe("The root cause's file"),
    scope: scope.describe("What the draft puts back"),
    reverts: z.string().describe("The head lines it replaces, path:start-end (comma-separated for several)"),
    verified: z.boolean().optional().describe("With a scenario: whether re-simulation verified this draft"),
    reason: z.string().optional().describe("Why no draft verified"),
    tried: z.array(z.object({ scope, reverts: z.string(), outcome: z.string() })).describe("Each draft re-simulated, smallest first, and what it did"),
    skipped: z.array(z.object({ scope, why: z.string() })).describe("Scopes that gave no draft, and why"),
    results: z.array(z.object({ scenario: z.string(), before: z.enum(VERDICTS), after: z.enum(VERDICTS), turned: z.boolean(), reason: z.string() })).optional().describe("The re-simulation the answer rests on"),
    others: z.array(z.object({ scope, reverts: z.string() })).optional().describe("Without a scenario: the larger drafts, by scope"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
});

export const checkFix = defineTool({
  server,
  name: "check_fix",
  title: "Check a fix",
  description: "Re-simulate head with a patch applied (in memory: the repo is not touched) and say, per scenario, whether its verdict turned. A fix is verified when the failing scenarios turn to pass and none that passed stops passing.",
  input: toolArgs({
    ids: z.array(z.string().min(1)).min(1).describe("Scenario ids to re-simulate (each needs a simulate: block)"),
    patch: z.string().min(1).describe("A unified diff against head, as git diff prints it"),
    base,
    head,
  }),
  output: z.object({
    results: z.array(z.object({ scenario: z.string(), before: z.enum(VERDICTS), after: z.enum(VERDICTS), turned: z.boolean(), reason: z.string() })),
    verified: z.boolean().describe("Every scenario passes with the patch"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
});

/** Every tool the scenarios server registers, in its order. */
export const scenarioContracts = [listScenarios, getScenario, searchScenarios, upsertScenario, draftScenario, selectScenarios, simulateScenario, tryScenario, draftFix, checkFix] as const;
