import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * The GitHub Action (action.yml) and the workflow example (examples/github/worldline.yml), read as GitHub reads
 * them: the steps in order, the command line the check step really builds (its script run with a stand-in
 * `worldline` that records its arguments), the gate's exit code kept past the SARIF upload, every input used,
 * and the permissions and full-history checkout the example declares.
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** How GitHub runs a `shell: bash` step: bash --noprofile --norc -eo pipefail. */
const GITHUB_BASH = ["--noprofile", "--norc", "-eo", "pipefail", "-c"];

const Step = z
  .object({ name: z.string().optional(), id: z.string().optional(), uses: z.string().optional(), run: z.string().optional(), shell: z.string().optional(), if: z.string().optional(), "working-directory": z.string().optional(), with: z.record(z.string(), z.unknown()).optional(), env: z.record(z.string(), z.string()).optional() })
  .strict();
type Step = z.infer<typeof Step>;
const Action = z
  .object({
    name: z.string(),
    description: z.string(),
    inputs: z.record(z.string(), z.object({ description: z.string(), required: z.boolean().optional(), default: z.string().optional() }).strict()),
    outputs: z.record(z.string(), z.object({ description: z.string(), value: z.string() })).optional(),
    runs: z.object({ using: z.literal("composite"), steps: z.array(Step) }),
  })
  .loose();
const Workflow = z
  .object({
    name: z.string(),
    on: z.record(z.string(), z.unknown()),
    permissions: z.record(z.string(), z.enum(["read", "write", "none"])),
    jobs: z.record(z.string(), z.object({ "runs-on": z.string(), steps: z.array(Step) }).loose()),
  })
  .loose();

const action = Action.parse(parse(readFileSync(join(ROOT, "action.yml"), "utf8")));
const workflow = Workflow.parse(parse(readFileSync(join(ROOT, "examples/github/worldline.yml"), "utf8")));
const steps = action.runs.steps;
const step = (pred: (s: Step) => boolean, what: string): Step => {
  const s = steps.find(pred);
  if (!s) throw new Error(`action.yml has no step that ${what}`);
  return s;
};
const at = (s: Step) => steps.indexOf(s);
const check = step((s) => s.id === "check", "has id check");

describe("action.yml", () => {
  const tmp = tempDir("worldline-action-");
  afterAll(() => tmp.cleanup());

  it("declares the inputs, with the pull request's base commit and comment and SARIF on by default", () => {
    expect(Object.keys(action.inputs).sort()).toEqual(["base", "comment", "fail-on", "github-token", "node-version", "sarif", "working-directory"]);
    expect(action.inputs.base?.default).toBe("${{ github.event.pull_request.base.sha }}");
    expect(action.inputs.comment?.default).toBe("true");
    expect(action.inputs.sarif?.default).toBe("true");
    expect(action.inputs["working-directory"]?.default).toBe(".");
    expect(action.inputs["github-token"]?.default).toBe("${{ github.token }}");
  });

  it("sets up Node, installs Worldline from the action's own checkout, checks, uploads SARIF, then gates, in that order", () => {
    const node = step((s) => s.uses?.startsWith("actions/setup-node@") === true, "sets up Node");
    expect(node.uses).toBe("actions/setup-node@v4");
    expect(node.with?.["node-version"]).toBe("${{ inputs.node-version }}");
    const install = step((s) => s.run?.includes("npm ci") === true, "runs npm ci");
    expect(install["working-directory"]).toBe("${{ github.action_path }}");
    expect(install.if).toBe("steps.cache.outputs.cache-hit != 'true'");
    const cache = step((s) => s.uses?.startsWith("actions/cache@") === true, "caches node_modules");
    expect(cache.with?.path).toBe("${{ github.action_path }}/node_modules");
    const upload = step((s) => s.uses?.startsWith("github/codeql-action/upload-sarif@") === true, "uploads SARIF");
    expect(upload.uses).toBe("github/codeql-action/upload-sarif@v3");
    expect(upload.with?.sarif_file).toBe("${{ steps.check.outputs.sarif-file }}");
    // Uploaded whatever the gate said: the check step records the code and the upload asks only for the file.
    expect(upload.if).toBe("steps.check.outputs.sarif-file != ''");
    const gate = step((s) => s.env?.CODE === "${{ steps.check.outputs.exit-code }}", "gates on the check's exit code");
    const order = [at(node), at(cache), at(install), at(check), at(upload), at(gate)];
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(at(gate)).toBe(steps.length - 1);
    expect(check["working-directory"]).toBe("${{ inputs.working-directory }}");
    expect(check.env?.GITHUB_TOKEN).toBe("${{ inputs.github-token }}");
  });

  it("every run step names its shell, passes inputs as variables (never pasted into the script) and is valid bash", () => {
    const wrong: string[] = [];
    for (const s of steps.filter((x) => x.run !== undefined)) {
      if (s.shell !== "bash") wrong.push(`${s.name}: shell ${s.shell}`);
      if (/\$\{\{/.test(s.run ?? "")) wrong.push(`${s.name}: an expression inside run`);
      const syntax = spawnSync("bash", ["-n"], { input: s.run, encoding: "utf8" });
      if (syntax.status !== 0) wrong.push(`${s.name}: ${syntax.stderr}`);
    }
    expect(wrong).toEqual([]);
  });

  it("uses every input it declares, and declares every input it uses", () => {
    const text = readFileSync(join(ROOT, "action.yml"), "utf8");
    const used = new Set([...text.matchAll(/\binputs\.([\w-]+)/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual(Object.keys(action.inputs).sort());
  });

  /** Runs the check step's script in a fixture repo with a stand-in worldline that records its arguments. */
  function runCheckStep(env: Record<string, string>, exitCode: number, opts: { shallow?: boolean; writeSarif?: boolean } = {}) {
    const dir = join(tmp.dir, `run-${Math.random().toString(36).slice(2)}`);
    const repo = join(dir, "repo");
    const actionPath = join(dir, "action");
    mkdirSync(join(actionPath, "bin"), { recursive: true });
    mkdirSync(repo, { recursive: true });
    makeRepo(repo, [{ message: "one", files: { "a.txt": "a\n" } }]);
    if (opts.shallow) writeFileSync(join(repo, ".git", "shallow"), `${execFileSync("git", ["rev-parse", "HEAD"], { cwd: repo, encoding: "utf8" })}`);
    const argvFile = join(dir, "argv.json");
    writeFileSync(
      join(actionPath, "bin", "worldline.js"),
      `const fs = require("node:fs");\nfs.writeFileSync(${JSON.stringify(argvFile)}, JSON.stringify({ argv: process.argv.slice(2), token: process.env.GITHUB_TOKEN }));\n${opts.writeSarif === false ? "" : 'if (process.argv.includes("--out")) fs.writeFileSync("worldline.sarif", "{}");\n'}process.exit(${exitCode});\n`,
    );
    writeFileSync(join(actionPath, "package.json"), '{ "type": "commonjs" }\n');
    const output = join(dir, "github-output");
    writeFileSync(output, "");
    const r = spawnSync("bash", [...GITHUB_BASH, check.run ?? ""], { cwd: repo, encoding: "utf8", env: { PATH: process.env.PATH ?? "", GITHUB_ACTION_PATH: actionPath, GITHUB_OUTPUT: output, GIT_CONFIG_GLOBAL: "/dev/null", ...env } });
    const outputs = Object.fromEntries(readFileSync(output, "utf8").split("\n").filter(Boolean).map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
    const recorded = (() => {
      try {
        return JSON.parse(readFileSync(argvFile, "utf8")) as { argv: string[]; token?: string };
      } catch {
        return undefined;
      }
    })();
    return { status: r.status, stdout: r.stdout, outputs, recorded, repo };
  }

  const defaults = { BASE: "0123abcd", FAIL_ON: "", COMMENT: "true", SARIF: "true", GITHUB_TOKEN: "ghs_x" };

  it("runs worldline check --github-comment --format sarif --out worldline.sarif, keeping the gate's exit code", () => {
    const r = runCheckStep(defaults, 1);
    expect(r.status).toBe(0);
    expect(r.recorded?.argv).toEqual(["check", "--base", "0123abcd", "--github-comment", "--format", "sarif", "--out", "worldline.sarif"]);
    expect(r.recorded?.token).toBe("ghs_x");
    expect(r.outputs["exit-code"]).toBe("1");
    expect(r.outputs["sarif-file"]).toBe(join(r.repo, "worldline.sarif"));
  });

  it("follows the inputs: fail-on, no comment, no SARIF, no base", () => {
    const r = runCheckStep({ ...defaults, BASE: "", FAIL_ON: "at-risk,error", COMMENT: "false", SARIF: "false" }, 0);
    expect(r.recorded?.argv).toEqual(["check", "--fail-on", "at-risk,error"]);
    expect(r.outputs).toEqual({ "exit-code": "0" });
  });

  it("a run that wrote no SARIF (bad input) uploads nothing and still hands its code on", () => {
    const r = runCheckStep(defaults, 2, { writeSarif: false });
    expect(r.outputs).toEqual({ "exit-code": "2" });
  });

  it("refuses a shallow clone with a line that says fetch-depth: 0, before running Worldline", () => {
    const r = runCheckStep(defaults, 0, { shallow: true });
    expect(r.recorded).toBeUndefined();
    expect(r.stdout).toContain("::error::Worldline needs the history: check out with fetch-depth: 0");
    expect(r.outputs["exit-code"]).toBe("2");
  });

  it("the gate step fails the job with the check's code, and passes on 0", () => {
    const gate = step((s) => s.env?.CODE !== undefined, "gates");
    const codes = [0, 1, 2, 3].map((c) => spawnSync("bash", [...GITHUB_BASH, gate.run ?? ""], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", CODE: String(c) } }).status);
    expect(codes).toEqual([0, 1, 2, 3]);
  });
});

describe("examples/github/worldline.yml", () => {
  const job = Object.values(workflow.jobs)[0];
  const steps = job?.steps ?? [];

  it("runs on pull requests with exactly the permissions the action needs", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
    expect(workflow.permissions).toEqual({ contents: "read", "pull-requests": "write", "security-events": "write" });
  });

  it("checks out the whole history, then uses the action with inputs it declares", () => {
    const checkout = steps.find((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkout?.with?.["fetch-depth"]).toBe(0);
    const uses = steps.find((s) => /\/worldline@/.test(s.uses ?? ""));
    expect(uses).toBeDefined();
    expect(steps.indexOf(checkout as Step)).toBeLessThan(steps.indexOf(uses as Step));
    const unknown = Object.keys(uses?.with ?? {}).filter((k) => !(k in action.inputs));
    expect(unknown).toEqual([]);
    expect(uses?.with?.comment).toBe(true);
    expect(uses?.with?.sarif).toBe(true);
  });
});
