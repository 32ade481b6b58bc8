import { parseArgs } from "node:util";
import { UserError } from "../core/errors.js";
import { SERVERS } from "../core/server-names.js";

/**
 * The `worldline` command line as data: each command's options in one table, parsed apart from the
 * actions so parsing has its own tests and actions can be called directly.
 */
export interface OptionSpec {
  type: "string" | "boolean";
  /** May be given more than once; the values come as a list. */
  multiple?: boolean;
  description: string;
  valueName?: string;
}

export interface CommandSpec {
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  /** Names of positional arguments, in order; a trailing `?` marks one optional. */
  positionals: string[];
}

const repo: OptionSpec = { type: "string", valueName: "DIR", description: "Repository to work on (default: the git top level of the current directory)" };
const rev: OptionSpec = { type: "string", valueName: "REV", description: "Revision: a branch, tag, commit or WORKTREE (default: WORKTREE, the working tree)" };
const help: OptionSpec = { type: "boolean", description: "Show this help" };

export { SERVERS, type ServerName } from "../core/server-names.js";

const simulateOptions: Record<string, OptionSpec> = {
  repo,
  base: { type: "string", valueName: "REV", description: "Base revision (default: the merge-base of HEAD with the default branch: origin/HEAD, else main, else master)" },
  head: { type: "string", valueName: "REV", description: "Head revision (default: the working tree)" },
  worktree: { type: "boolean", description: "Head is the working tree, uncommitted changes included (the default)" },
  scenario: { type: "string", valueName: "ID", description: "Only this scenario (default: the scenarios the change selects)" },
  planner: { type: "string", valueName: "NAME", description: "embedded (default: deterministic, offline) or llm (needs ANTHROPIC_API_KEY; model from WORLDLINE_MODEL)" },
  "max-turns": { type: "string", valueName: "N", description: "LLM planner: most requests to the model (default 30)" },
  "max-tokens": { type: "string", valueName: "N", description: "LLM planner: most tokens over the run (default 400000)" },
  format: { type: "string", valueName: "FORMAT", description: "terminal (default), markdown (a PR comment), html (a self-contained page), json (the Report schema) or sarif (2.1.0)" },
  out: { type: "string", valueName: "FILE", description: "Write the report to FILE instead of standard output" },
  "github-comment": {
    type: "boolean",
    description:
      "Also post the report (Markdown) as one comment on the pull request, edited in place on later runs (from GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_API_URL as GitHub Actions sets them; an event with no pull request posts nothing); --format and --out work as usual",
  },
  json: { type: "boolean", description: "Same as --format json" },
  quiet: { type: "boolean", description: "No progress lines on standard error" },
  help,
};

/**
 * The history views: the git-history tools of the same names. Their flags are the tools' inputs in kebab case
 * (`--include-deleted` is `includeDeleted`, `--min-revisions` is `minRevisions`), so one thing has one name.
 */
const viewFormat: OptionSpec = { type: "string", valueName: "FORMAT", description: "terminal (default: a table) or json (the tool's answer)" };
const viewOptions: Record<string, OptionSpec> = {
  repo,
  rev: { type: "string", valueName: "REV", description: "The revision whose files count and whose history is read (default HEAD)" },
  since: { type: "string", valueName: "DATE", description: "Only history since this date, e.g. 2026-01-01 (default: all)" },
  "include-deleted": { type: "boolean", description: "Also files that no longer exist at --rev (left out by default)" },
  "include-lockfiles": { type: "boolean", description: "Also lockfiles: package-lock.json, yarn.lock, pnpm-lock.yaml, Cargo.lock, go.sum... (left out by default)" },
  "include-generated": { type: "boolean", description: "Also generated files: dist/, build/, coverage/, *.min.js, *.map, *.snap, *.generated.* (left out by default)" },
  limit: { type: "string", valueName: "N", description: "Most rows (default 50, at most 500)" },
  format: viewFormat,
  help,
};
const viewUsage = "[--rev REV] [--since DATE] [--include-deleted] [--include-lockfiles] [--include-generated] [--limit N] [--format terminal|json] [--repo DIR]";

const HISTORY_VIEW_COMMANDS = {
  hotspots: {
    summary: "Files ranked by revisions x lines of code: where change meets size, in the files of today",
    usage: `worldline hotspots ${viewUsage}`,
    options: viewOptions,
    positionals: [],
  },
  coupling: {
    summary: "Files that change together (code-maat's change coupling), over the files that exist at --rev",
    usage: `worldline coupling [--min-revisions N] [--min-shared N] [--min-degree PERCENT] [--max-changeset-size N] ${viewUsage}`,
    options: {
      ...viewOptions,
      "min-revisions": { type: "string", valueName: "N", description: "Each file changed in at least N change sets (default 5)" },
      "min-shared": { type: "string", valueName: "N", description: "The pair changed together at least N times (default 5)" },
      "min-degree": { type: "string", valueName: "PERCENT", description: "Shared revisions over the pair's average revisions, at least this percent (default 30)" },
      "max-changeset-size": { type: "string", valueName: "N", description: "Skip change sets of more than N files (default 30)" },
    },
    positionals: [],
  },
  ownership: {
    summary: "Per file: main developer, author fragmentation, code age and knowledge loss, for the files of today",
    usage: `worldline ownership [--path FILE] ${viewUsage}`,
    options: { ...viewOptions, path: { type: "string", valueName: "FILE", description: "Only this file" } },
    positionals: [],
  },
  "suspect-commits": {
    summary: "Commits that probably introduced a bug: from a fix commit (SZZ, source lines over test lines) or from locations such as stack frames",
    usage: "worldline suspect-commits (--fix REV | --location PATH:LINE...) [--max-age-days N] [--format terminal|json] [--repo DIR]",
    options: {
      repo,
      fix: { type: "string", valueName: "REV", description: "A fix commit: the lines it changed are blamed at its parent" },
      location: { type: "string", multiple: true, valueName: "PATH:LINE", description: "A location, top stack frame first (repeat for more)" },
      "max-age-days": { type: "string", valueName: "N", description: "With --location: commits older than N days get a note and less weight (default from config, 90)" },
      format: viewFormat,
      help,
    },
    positionals: [],
  },
} satisfies Record<string, CommandSpec>;

export const COMMANDS = {
  index: {
    summary: "Index a repository's code graph at a revision and print a summary",
    usage: "worldline index [--repo DIR] [--rev REV] [--json]",
    options: { repo, rev, json: { type: "boolean", description: "Print the summary as JSON" }, help },
    positionals: [],
  },
  scenarios: {
    summary: "List the repo's scenarios (its own test cases among them) and the files that did not load; write a test's cases as scenario files",
    usage: "worldline scenarios list [--tests] [--repo DIR] [--rev REV]\n       worldline scenarios draft --from-test FILE [--name TEXT] [--repo DIR]",
    options: {
      repo,
      rev,
      tests: { type: "boolean", description: "list: only the scenarios that are the repo's test cases, with the cases left out and why" },
      "from-test": { type: "string", valueName: "FILE", description: "draft: the test file whose cases become scenario files in scenarios/" },
      name: { type: "string", valueName: "TEXT", description: "draft: only the cases whose full name contains TEXT" },
      help,
    },
    positionals: ["action"],
  },
  simulate: {
    summary: "What breaks if I merge this: select, simulate and explain the scenarios a change can affect",
    usage: "worldline simulate [--base REV] [--head REV|--worktree] [--scenario ID] [--planner embedded|llm] [--format terminal|markdown|html|json|sarif] [--out FILE] [--github-comment] [--repo DIR]",
    options: simulateOptions,
    positionals: [],
  },
  check: {
    summary: "The same report, as a gate: exit 1 when a scenario that passed at base fails at head, or ends error there because of head's code (a pre-push self-check for coding agents)",
    usage: "worldline check [--base REV] [--head REV|--worktree] [--fail-on at-risk,error] [--pre-push] [--format terminal|markdown|html|json|sarif] [--out FILE] [--github-comment] [--repo DIR]",
    options: {
      ...simulateOptions,
      "fail-on": { type: "string", valueName: "KINDS", description: "Also exit 1 for these verdicts: at-risk, error (every error, Worldline's own and the scenario's too), or both comma-separated" },
      "pre-push": { type: "boolean", description: "Read the refs git passes a pre-push hook on standard input and check each push" },
    },
    positionals: [],
  },
  tests: {
    summary: "The repo's own test cases as scenarios: compare runs the repo's runner and the sandbox on one revision and lists every case they disagree on",
    usage: "worldline tests compare [--rev REV] [--format terminal|json] [--repo DIR]",
    options: { repo, rev, format: { type: "string", valueName: "FORMAT", description: "terminal (default) or json" }, help },
    positionals: ["action"],
  },
  why: {
    summary: "Why is the code like this: the evidence chain for a line, a symbol or a config key",
    usage: "worldline why <PATH:LINE|SYMBOL|config:KEY> [--rev REV] [--repo DIR] [--format terminal|markdown|json]",
    options: { repo, rev, format: { type: "string", valueName: "FORMAT", description: "terminal (default), markdown or json" }, help },
    positionals: ["target"],
  },
  ...HISTORY_VIEW_COMMANDS,
  services: {
    summary: "The repo's services (folder, server entry, URLs, queue topics): from worldline.config.json \"services\", else inferred from docker-compose, workspaces and Kubernetes manifests",
    usage: "worldline services [--format text|json] [--repo DIR]",
    options: { repo, format: { type: "string", valueName: "FORMAT", description: "text (default: a table with where each field came from) or json (the ServiceMap)" }, help },
    positionals: [],
  },
  ingest: {
    summary: "Fill the context graph: git history, tickets (configured sources or tickets/) and ADRs",
    usage: "worldline ingest [--history] [--tickets] [--adrs] [--repo DIR] [--json]",
    options: {
      repo,
      history: { type: "boolean", description: "Only git history (commits, fixes, suspects)" },
      tickets: { type: "boolean", description: "Only tickets" },
      adrs: { type: "boolean", description: "Only ADRs" },
      json: { type: "boolean", description: "Print the summary as JSON" },
      help,
    },
    positionals: [],
  },
  worker: {
    summary: "Take a repository's simulation jobs from the team queue (needs WORLDLINE_DATABASE_URL); runs until stopped",
    usage: "worldline worker --repo-url URL [--concurrency N] [--cache DIR]",
    options: {
      "repo-url": { type: "string", valueName: "URL", description: "The repository whose jobs to take, as its clones' origin remote names it (cloned and fetched from there)" },
      concurrency: { type: "string", valueName: "N", description: "Jobs run at once (default 1)" },
      cache: { type: "string", valueName: "DIR", description: "Where the clone, installed dependencies and per-job checkouts live (default ~/.cache/worldline/worker)" },
      help,
    },
    positionals: [],
  },
  triage: {
    summary: "Triage new tickets: duplicates, code, suspect commits, owner, related scenarios, a drafted scenario run at head, severity",
    usage: "worldline triage [--at REV] [--ticket KEY]... [--comment] [--watch --every 15m] [--planner embedded|llm] [--format terminal|markdown|json] [--out FILE] [--repo DIR]",
    options: {
      repo,
      at: { type: "string", valueName: "REV", description: "Triage against this revision: drafted scenarios run there (default HEAD)" },
      ticket: { type: "string", multiple: true, valueName: "KEY", description: "Only this ticket, whatever the high-water marks say (repeat for more)" },
      comment: { type: "boolean", description: "Post each triage back on its GitHub issue or Jira ticket, once per ticket revision" },
      watch: { type: "boolean", description: "Keep running a round every --every until stopped (Ctrl-C)" },
      every: { type: "string", valueName: "DURATION", description: "With --watch: time between rounds, like 30s, 15m or 1h (default 15m)" },
      planner: { type: "string", valueName: "NAME", description: "embedded (default: deterministic, offline) or llm: a model judges the embedded evidence per ticket (needs ANTHROPIC_API_KEY)" },
      "max-turns": { type: "string", valueName: "N", description: "LLM planner: most requests to the model per ticket (default 10)" },
      "max-tokens": { type: "string", valueName: "N", description: "LLM planner: most tokens per round; tickets past it get the embedded triage (default 1000000)" },
      format: { type: "string", valueName: "FORMAT", description: "terminal (default), markdown or json (the TriageReport schema)" },
      out: { type: "string", valueName: "FILE", description: "Write the report to FILE instead of standard output (with --watch: rewritten each round)" },
      quiet: { type: "boolean", description: "No progress lines on standard error" },
      help,
    },
    positionals: [],
  },
  "mcp-config": {
    summary: "Print the MCP client configuration that plugs Worldline's servers into Claude Code, Cursor or VS Code",
    usage: "worldline mcp-config --client claude|cursor|vscode [--scope project|user] [--all] [--write] [--repo DIR]\n       worldline mcp-config --client claude|cursor|vscode --http URL [--token-env NAME] [--scope project|user] [--write] [--repo DIR]",
    options: {
      repo,
      client: { type: "string", valueName: "CLIENT", description: "claude (.mcp.json), cursor (.cursor/mcp.json) or vscode (.vscode/mcp.json)" },
      all: { type: "boolean", description: "One server with all five servers' tools (worldline serve all)" },
      http: { type: "string", valueName: "URL", description: "A server started with worldline serve --http, e.g. http://127.0.0.1:8765/mcp: the block connects to it with a bearer token" },
      "token-env": { type: "string", valueName: "NAME", description: "With --http: the environment variable the client reads the token from (default WORLDLINE_TOKEN); the token itself is never written" },
      scope: { type: "string", valueName: "SCOPE", description: "project (default: the repo's file, starting the project's own install with npx) or user (the client's user file, for a global install)" },
      write: { type: "boolean", description: "Write the block into the client's file instead of printing it, merged with what the file holds (other servers kept, Worldline's entries replaced)" },
      help,
    },
    positionals: [],
  },
  demo: {
    summary: "Build a sample in a temporary directory and show what its pull request breaks: billing (the default: pr/rounding-refactor, and why) or shop (three services; pr/tax-rounding breaks orders from billing)",
    usage: "worldline demo [billing|shop] [--dir DIR] [--format terminal|markdown|json]",
    options: {
      dir: { type: "string", valueName: "DIR", description: "Where to build the sample (default: a new temporary directory)" },
      format: { type: "string", valueName: "FORMAT", description: "terminal (default), markdown or json" },
      help,
    },
    positionals: ["sample?"],
  },
  serve: {
    summary: "Run an MCP server over stdio, or over Streamable HTTP for several clients and repos (--http)",
    usage: `worldline serve <${SERVERS.join("|")}|all> [--repo DIR] [--rev REV] [--tools LIST]\n       worldline serve <...|all> --http HOST:PORT [--tokens FILE] [--allow-origin URL]... [--repo NAME=DIR]... [--rev REV] [--tools LIST]`,
    options: {
      repo: {
        type: "string",
        multiple: true,
        valueName: "[NAME=]DIR",
        description: "Repository to serve (default: the git top level of the current directory); with --http repeat as NAME=DIR to serve each at /mcp/NAME (a plain DIR is named by its folder)",
      },
      rev,
      http: { type: "string", valueName: "HOST:PORT", description: "Serve MCP over Streamable HTTP at http://HOST:PORT/mcp/NAME (and /mcp for one repo) instead of stdio; port 0 picks a free one; prints listening on http://HOST:PORT on standard error" },
      tokens: { type: "string", valueName: "FILE", description: "With --http: bearer tokens, a line each: TOKEN (every repo) or TOKEN name,name (those repos); needed unless HOST is 127.0.0.1, ::1 or localhost" },
      "allow-origin": { type: "string", multiple: true, valueName: "URL", description: "With --http: a browser origin allowed besides loopback ones (repeat for more); requests from other origins get 403" },
      tools: { type: "string", valueName: "LIST", description: "toolsets to offer, comma-separated (default: the default toolset; all for every tool)" },
      help,
    },
    positionals: ["server"],
  },
} satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

export interface ParsedCommand {
  command: CommandName | "help" | "version";
  /** The command help was asked for, if any. */
  helpFor?: CommandName;
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

export function parseCommandLine(argv: readonly string[]): ParsedCommand {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    const target = first === "help" ? rest[0] : undefined;
    return target && isCommand(target) ? { command: "help", helpFor: target, values: {}, positionals: [] } : { command: "help", values: {}, positionals: [] };
  }
  if (first === "--version" || first === "-v") return { command: "version", values: {}, positionals: [] };
  if (!isCommand(first)) {
    throw new UserError(`unknown command "${first}": expected one of ${Object.keys(COMMANDS).join(", ")} (see worldline --help)`);
  }
  const spec: CommandSpec = COMMANDS[first];
  const options = Object.fromEntries(Object.entries(spec.options).map(([name, o]) => [name, { type: o.type, ...(o.multiple ? { multiple: true } : {}) }]));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...rest], options, allowPositionals: true, strict: true });
  } catch (err) {
    const msg = (err as Error).message.split("\n")[0] ?? "";
    const bad = /'(-{1,2}[\w-]+)/.exec(msg)?.[1] ?? msg;
    const known = Object.keys(spec.options).map((o) => `--${o}`).join(", ");
    if (/argument missing/.test(msg)) throw new UserError(`option ${bad} of worldline ${first} needs a value: see ${spec.usage}`);
    throw new UserError(`unknown option ${bad} for worldline ${first}: expected one of ${known}`);
  }
  const values = parsed.values as ParsedCommand["values"];
  if (values.help) return { command: "help", helpFor: first, values: {}, positionals: [] };
  const required = spec.positionals.filter((p) => !p.endsWith("?"));
  if (parsed.positionals.length < required.length) {
    throw new UserError(`worldline ${first} needs <${required[parsed.positionals.length]}>: usage ${spec.usage}`);
  }
  if (parsed.positionals.length > spec.positionals.length) {
    throw new UserError(`unexpected argument "${parsed.positionals[spec.positionals.length]}" for worldline ${first}: usage ${spec.usage}`);
  }
  return { command: first, values, positionals: parsed.positionals };
}

export function helpText(command?: CommandName): string {
  if (!command) {
    const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
    return [
      "worldline: what a change will break before it merges, and why the code is the way it is",
      "",
      "Usage: worldline <command> [options]",
      "",
      "Commands:",
      ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
      "",
      "Run worldline <command> --help for its options.",
    ].join("\n");
  }
  const spec: CommandSpec = COMMANDS[command];
  const rows = Object.entries(spec.options).map(([name, o]) => [`--${name}${o.valueName ? ` ${o.valueName}` : ""}`, o.description] as const);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return [spec.summary, "", `Usage: ${spec.usage}`, "", "Options:", ...rows.map(([flag, d]) => `  ${flag.padEnd(width)}  ${d}`)].join("\n");
}
