import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCommandLine } from "../agent/cli-parse.js";
import { EXIT, main, type Io } from "../agent/cli.js";
import { makeCodeFixture } from "./helpers/code-fixture.js";
import { tempDir } from "./helpers/git-fixture.js";
import { BIN } from "./helpers/mcp-client.js";

function capture(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

describe("parseCommandLine", () => {
  it("parses commands, options and positionals", () => {
    expect(parseCommandLine(["index", "--repo", "/r", "--rev", "main"])).toMatchObject({ command: "index", values: { repo: "/r", rev: "main" } });
    expect(parseCommandLine(["serve", "code-graph"])).toMatchObject({ command: "serve", positionals: ["code-graph"] });
    expect(parseCommandLine([])).toMatchObject({ command: "help" });
    expect(parseCommandLine(["index", "--help"])).toMatchObject({ command: "help", helpFor: "index" });
    expect(parseCommandLine(["help", "serve"])).toMatchObject({ command: "help", helpFor: "serve" });
  });

  it("takes a repeated option as a list", () => {
    expect(parseCommandLine(["triage", "--ticket", "SUP-1", "--ticket", "SUP-2"]).values.ticket).toEqual(["SUP-1", "SUP-2"]);
  });

  it("names the bad input and what was expected", () => {
    expect(() => parseCommandLine(["indx"])).toThrow('unknown command "indx": expected one of index, scenarios, simulate, check, tests, why, hotspots, coupling, ownership, suspect-commits, services, ingest, worker, triage, mcp-config, demo, serve (see worldline --help)');
    expect(() => parseCommandLine(["index", "--bogus"])).toThrow("unknown option --bogus for worldline index: expected one of --repo, --rev, --json, --help");
    expect(() => parseCommandLine(["index", "--repo"])).toThrow(/option --repo of worldline index needs a value/);
    expect(() => parseCommandLine(["serve"])).toThrow(/worldline serve needs <server>/);
    expect(() => parseCommandLine(["index", "extra"])).toThrow(/unexpected argument "extra"/);
  });
});

describe("worldline command", () => {
  const tmp = tempDir();
  beforeAll(() => {
    makeCodeFixture(tmp.dir);
  });
  afterAll(() => tmp.cleanup());

  it("index prints a summary of the repo", async () => {
    const io = capture();
    expect(await main(["index", "--repo", tmp.dir], io)).toBe(EXIT.ok);
    expect(io.stdout[0]).toMatch(/^Indexed WORKTREE of .* in \d+\.\d\d s$/);
    expect(io.stdout[1]).toMatch(/14 files, \d+ lines, \d+ symbols, \d+ entry points \(7 routes\)/);
    expect(io.stdout.join("\n")).toContain("src/broken.ts:5 '}' expected.");
  });

  it("index --json at a revision gives the commit and counts", async () => {
    const io = capture();
    expect(await main(["index", "--repo", tmp.dir, "--rev", "HEAD~1", "--json"], io)).toBe(EXIT.ok);
    const summary = JSON.parse(io.stdout.join("\n")) as { revision: string; commit: string; files: number; routes: number };
    expect(summary).toMatchObject({ revision: "HEAD~1", files: 14, routes: 7 });
    expect(summary.commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it("exits 2 with one line for a missing repo, an unknown revision or server", async () => {
    for (const [argv, pattern] of [
      [["index", "--repo", `${tmp.dir}/missing`], /^worldline: repo ".*missing" does not exist: pass --repo/],
      [["index", "--repo", tmp.dir, "--rev", "v9"], /^worldline: unknown revision "v9" in .*: expected a branch, tag, commit or WORKTREE$/],
      [["serve", "agents", "--repo", tmp.dir], /^worldline: unknown server "agents": expected one of code-graph, git-history, tickets, scenarios, context-graph, or all$/],
    ] as const) {
      const io = capture();
      expect(await main(argv, io)).toBe(EXIT.usage);
      expect(io.stderr).toHaveLength(1);
      expect(io.stderr[0]).toMatch(pattern);
    }
  });

  it("refuses a directory that is not a git repository", async () => {
    const plain = tempDir();
    try {
      const io = capture();
      expect(await main(["index", "--repo", plain.dir], io)).toBe(EXIT.usage);
      expect(io.stderr[0]).toMatch(/is not inside a git repository/);
    } finally {
      plain.cleanup();
    }
  });

  it("answers the same from servers in its own process and from servers it launches (WORLDLINE_SERVERS=stdio)", async () => {
    const run = promisify(execFile);
    const args = [BIN, "hotspots", "--repo", tmp.dir, "--format", "json"];
    const inProcess = await run(process.execPath, args);
    const launched = await run(process.execPath, args, { env: { ...process.env, WORLDLINE_SERVERS: "stdio" } });
    const items = (out: string) => (JSON.parse(out) as { items: unknown[] }).items;
    expect(items(inProcess.stdout).length).toBeGreaterThan(0);
    expect(items(launched.stdout)).toEqual(items(inProcess.stdout));
  });

  it("runs as a real process from bin/worldline.js", async () => {
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, [BIN, "index", "--repo", tmp.dir]);
    expect(stdout).toMatch(/Indexed WORKTREE/);
    const failed = await run(process.execPath, [BIN, "index", "--nope"]).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 2, stderr: "worldline: unknown option --nope for worldline index: expected one of --repo, --rev, --json, --help\n" });
  });
});
