import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMANDS, type OptionSpec } from "../agent/cli-parse.js";
import { isAncestor, resolveRevision } from "../core/git.js";
import { blame } from "../servers/git-history/blame.js";
import { CommitCache } from "../servers/git-history/commits.js";
import { fileHistory, rangeHistory } from "../servers/git-history/history.js";
import { readLog } from "../servers/git-history/log.js";
import { runCli } from "./helpers/cli-run.js";
import { commitFiles, makeRepo, tempDir } from "./helpers/git-fixture.js";
import { BIN, connectServer } from "./helpers/mcp-client.js";

/**
 * Git inputs resolved everywhere (issue 15, "Git option injection"): every revision a tool or command takes
 * goes through the one resolver, so text git would read as an option (`--output=FILE` writes or empties
 * FILE; `-c x=y` sets config) or a shell would run never acts. The sweep finds the revision-like inputs of
 * every tool of the five servers from `tools/list`, and of every command from the command table, so it grows
 * with them.
 */

/** Input names that carry a revision or a time git could be handed (rev, base, head, at, since, asOf, ...). */
const REVISION_LIKE = /^(rev|revision|base|head|at|since|until|fix|commit|sha|ref|reproduceAt|highWater)$|(At|Since|After|Before|Of)$/;

/** Revision-like inputs that never reach git, with the reason. */
const NOT_GIT: Record<string, string> = {
  "comment_ticket.revision": "a ticket revision (a hash of what people wrote), compared with stored ones, never passed to git",
  "record_episode.ref": "what an episode is about, stored as text in the context graph, never passed to git",
};

/** Optional inputs a tool needs to reach its revision: history reads a path's, reproduceAt goes with a ticket. */
const NEEDS: Record<string, string[]> = { change_history: ["path"], draft_scenario: ["ticket"] };

const SOURCE_V1 = "export function add(a: number, b: number): number {\n  return a + b;\n}\n";
const SOURCE_V2 = '/** Adds two numbers. */\nexport function add(a: number, b: number): number {\n  return a + b;\n}\nexport const LABEL = "sum";\n';
const SCENARIO = [
  "---",
  "id: adds",
  "title: Adds two numbers",
  "simulate:",
  "  steps:",
  "    - call: src/math.ts#add",
  "      args: [1, 2]",
  "      expect:",
  "        - result === 3",
  "---",
  "Adding one and two gives three.",
].join("\n");
const TICKET = ["---", "key: SUP-1", "title: add gives the wrong sum", "status: open", "created: 2026-03-02T09:00:00Z", "---", "Calling add(1, 2) in src/math.ts:2 returns 4."].join("\n");

/** Values for the other inputs a tool needs, so that each call gets as far as its revision. */
const FILL: Record<string, unknown> = {
  query: "add",
  text: "add",
  id: "src/math.ts#add",
  from: "src/math.ts#add",
  to: "src/math.ts#add",
  key: "SUP-1",
  targets: ["src/math.ts#add"],
  path: "src/math.ts",
  start: 1,
  location: "src/math.ts:2",
  ids: ["adds"],
  patch: "--- a/src/math.ts\n+++ b/src/math.ts\n@@ -3 +3 @@\n-  return a + b;\n+  return a - b;\n",
  ticket: "SUP-1",
  scenario: { id: "adds-try", title: "Adds, tried", simulate: { steps: [{ call: "src/math.ts#add", args: [1, 2], expect: ["result === 3"] }] } },
  source: "folder",
  ref: "r1",
  question: "q",
  conclusion: "c",
  evidence: [],
  reasoning: "r",
  author: "tester",
  target: "src/math.ts:2",
};
const FILL_BY_TOOL: Record<string, Record<string, unknown>> = {
  get_scenario: { id: "adds" },
  simulate_scenario: { id: "adds" },
  get_context_node: { id: "file:src/math.ts" },
  context_neighbors: { id: "file:src/math.ts" },
  context_timeline: { id: "file:src/math.ts" },
  evidence_path: { from: "file:src/math.ts", to: "file:src/math.ts" },
  set_ingestion_mark: { source: "test:sweep" },
  record_episode: { source: "test" },
};

interface JsonProp {
  type?: string;
  format?: string;
  pattern?: string;
  enum?: unknown[];
}

describe("git inputs are resolved everywhere", () => {
  const tmp = tempDir("worldline-inputs-");
  const repo = join(tmp.dir, "repo");
  const outFile = join(tmp.dir, "written-by-git.txt");
  const kept = join(tmp.dir, "kept.txt");
  const marker = join(tmp.dir, "marker");
  const hostile = [`--output=${outFile}`, `--output=${kept}`, "-c x=y", `HEAD; touch ${marker}`, `HEAD$(touch ${marker})`];
  let client: Client;
  let close: () => Promise<void>;

  const untouched = (what: string) => {
    expect(existsSync(outFile), `${what}: ${outFile} was written`).toBe(false);
    expect(readFileSync(kept, "utf8"), `${what}: ${kept} was changed`).toBe("keep\n");
    expect(existsSync(marker), `${what}: ${marker} was created`).toBe(false);
  };

  beforeAll(async () => {
    mkdirSync(repo);
    writeFileSync(kept, "keep\n");
    makeRepo(repo, [{ message: "add", files: { "src/math.ts": SOURCE_V1, "scenarios/adds.md": SCENARIO, "tickets/SUP-1.md": TICKET } }]);
    commitFiles(repo, { message: "document add, add a label", files: { "src/math.ts": SOURCE_V2 } }, 1);
    ({ client, close } = await connectServer("all", repo, ["--tools", "all"]));
    const imported = await client.callTool({ name: "import_tickets", arguments: { source: "folder" } });
    expect(imported.isError, JSON.stringify(imported)).toBeFalsy();
  });
  afterAll(async () => {
    await close();
    tmp.cleanup();
  });

  it("blame and history refuse a revision git would read as an option, and write nothing", async () => {
    const commits = new CommitCache(repo);
    for (const rev of hostile) {
      await expect(blame(repo, commits, "src/math.ts", { start: 1, end: 1 }, rev)).rejects.toThrow(JSON.stringify(rev));
      await expect(fileHistory(repo, "src/math.ts", rev, 5)).rejects.toThrow(JSON.stringify(rev));
      await expect(rangeHistory(repo, "src/math.ts", 1, 2, rev, 5)).rejects.toThrow(JSON.stringify(rev));
      untouched(`blame/history with ${rev}`);
    }
    // The resolved forms still answer.
    expect((await blame(repo, commits, "src/math.ts", { start: 2, end: 2 }, "HEAD~1"))[0]?.content).toBe("  return a + b;");
    expect(await fileHistory(repo, "src/math.ts", "main", 5)).toHaveLength(2);
  });

  it("the helpers that hand revisions to git take only resolved commit ids", async () => {
    const head = (await resolveRevision(repo, "HEAD")).commit as string;
    for (const rev of hostile) {
      await expect(readLog(repo, [rev])).rejects.toThrow(/internal: .* (is not a resolved commit id|is not one readLog passes on)/);
      expect(await isAncestor(repo, rev, head)).toBe(false);
      await expect(resolveRevision(repo, rev)).rejects.toThrow(JSON.stringify(rev));
      untouched(`helpers with ${rev}`);
    }
    expect(await readLog(repo, ["-n1", head])).toHaveLength(1);
  });

  it("sweeps every tool that takes a revision: isError, one line naming the value, nothing written or run", async () => {
    const { tools } = await client.listTools();
    const swept: string[] = [];
    const problems: string[] = [];
    for (const tool of tools) {
      const props = (tool.inputSchema.properties ?? {}) as Record<string, JsonProp>;
      const required = new Set(tool.inputSchema.required ?? []);
      for (const [field, prop] of Object.entries(props)) {
        if (!REVISION_LIKE.test(field) || NOT_GIT[`${tool.name}.${field}`]) continue;
        const byTool = FILL_BY_TOOL[tool.name] ?? {};
        const args: Record<string, unknown> = {};
        for (const other of Object.keys(props)) {
          if (other === field) continue;
          const value = byTool[other] ?? FILL[other];
          if (required.has(other) && value === undefined) problems.push(`${tool.name}: no value for its required input "${other}" (add one to FILL)`);
          if (value !== undefined && (required.has(other) || NEEDS[tool.name]?.includes(other))) args[other] = value;
        }
        const checkedBySchema = Boolean(prop.format || prop.pattern || prop.enum);
        swept.push(`${tool.name}.${field}`);
        for (const value of hostile) {
          const r = (await client.callTool({ name: tool.name, arguments: { ...args, [field]: value } })) as { isError?: boolean; content?: Array<{ text?: string }> };
          const text = r.content?.[0]?.text ?? "";
          const what = `${tool.name} ${field}=${value}`;
          if (!r.isError) problems.push(`${what}: answered without an error`);
          else if (checkedBySchema) {
            // Refused by the input schema before any code runs: the refusal names the input.
            if (!text.includes(field)) problems.push(`${what}: the refusal does not name "${field}": ${text.slice(0, 200)}`);
          } else if (text.includes("\n") || !text.includes(JSON.stringify(value).slice(1, -1))) {
            problems.push(`${what}: expected one line naming the value, got: ${text.slice(0, 300)}`);
          }
          if (existsSync(outFile) || readFileSync(kept, "utf8") !== "keep\n" || existsSync(marker)) problems.push(`${what}: git wrote or ran something`);
          untouched(what);
        }
      }
    }
    // The sweep found the tools it is about (and grows with new ones).
    expect(swept).toEqual(expect.arrayContaining(["blame_line.rev", "change_history.rev", "diff_revisions.base", "diff_revisions.head", "get_symbol.rev", "suspect_commits.fix", "suspect_commits.rev", "find_hotspots.since", "simulate_scenario.base", "ingest_adrs.rev", "draft_scenario.reproduceAt", "why_code.rev", "what_breaks.base", "what_breaks.head", "search_scenarios.rev"]));
    expect(problems).toEqual([]);
  });

  // Every command is a CLI process of its own: room for all of them on a loaded 2-core machine.
  it("sweeps every command that takes a revision: exit 2, one line naming the value, nothing written or run", { timeout: 180_000 }, async () => {
    const problems: string[] = [];
    const swept: string[] = [];
    for (const [name, spec] of Object.entries(COMMANDS)) {
      // `serve` serves its revision lazily; it is swept below over MCP.
      if (name === "serve") continue;
      for (const [option, o] of Object.entries(spec.options as Record<string, OptionSpec>)) {
        if (o.valueName !== "REV" && !REVISION_LIKE.test(option)) continue;
        swept.push(`${name} --${option}`);
        const positionals = spec.positionals.filter((p) => !p.endsWith("?")).map((p) => (p === "action" ? (name === "tests" ? "compare" : "list") : p === "target" ? "src/math.ts:2" : p));
        for (const value of hostile) {
          const r = await runCli([name, ...positionals, "--repo", repo, "--quiet", `--${option}=${value}`].filter((a) => a !== "--quiet" || "quiet" in spec.options));
          const what = `worldline ${name} --${option}=${value}`;
          if (r.code !== 2) problems.push(`${what}: exit ${r.code}, expected 2 (bad input)`);
          if (r.err.trim().includes("\n") || !r.err.includes(JSON.stringify(value).slice(1, -1))) problems.push(`${what}: expected one line naming the value, got: ${r.err.slice(0, 300)}`);
          untouched(what);
        }
      }
    }
    expect(swept).toEqual(expect.arrayContaining(["index --rev", "simulate --base", "simulate --head", "check --base", "triage --at", "tests --rev", "why --rev"]));
    expect(problems).toEqual([]);
  });

  it("worldline serve --rev refuses the hostile revision before it serves", () => {
    for (const value of hostile) {
      const r = spawnSync(process.execPath, [BIN, "serve", "code-graph", "--repo", repo, `--rev=${value}`], { input: "", encoding: "utf8", timeout: 30_000 });
      expect(r.status, `serve --rev=${value}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim()).not.toContain("\n");
      expect(r.stderr).toContain(value);
      untouched(`serve --rev=${value}`);
    }
  });
});
