import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateRepo, type GeneratedRepo } from "./generate-repo.js";

/**
 * The generated ~100k-line service as a git repo with `count` scenarios (four in five executable, the rest
 * prose-only), and one more commit: a body edit in a low-numbered unit that many later units import.
 * HEAD~1..HEAD is the change the scenario and agent benches measure.
 */
export function generateScenarioRepo(dir: string, count: number): GeneratedRepo {
  const repo = generateRepo(dir, 1000);
  // generateRepo lays out 50 units per module, in order.
  const unit = (i: number) => `src/mod${Math.floor(i / 50)}/unit${i % 50}.ts`;
  mkdirSync(join(dir, "scenarios"), { recursive: true });
  for (let n = 0; n < count; n++) {
    const idx = Math.floor((n * 997) % 1000);
    const executable = n % 5 !== 0;
    const front = [
      "---",
      `id: scenario-${n}`,
      `title: Step ${idx} computes its total`,
      `workflow: pipeline-${idx % 7}`,
      ...(executable
        ? ["simulate:", "  steps:", `    - call: ${unit(idx)}#compute${idx}`, "      args: [42]", "      expect:", "        - typeof result === 'number'"]
        : [`entry: [${unit(idx)}#U${idx}Service.handle]`]),
      "---",
      `The pipeline step ${idx} computes a rounded total for the amount it is given.`,
    ];
    writeFileSync(join(dir, "scenarios", `scenario-${n}.md`), `${front.join("\n")}\n`);
  }
  const env = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_AUTHOR_NAME: "Bench", GIT_AUTHOR_EMAIL: "b@example.test", GIT_COMMITTER_NAME: "Bench", GIT_COMMITTER_EMAIL: "b@example.test" };
  const git = (args: string[]) => execFileSync("git", args, { cwd: dir, env });
  git(["init", "-q", "-b", "main"]);
  git(["add", "-A"]);
  git(["commit", "-q", "-m", "service and scenarios"]);
  // The change: a body edit in a low-numbered unit, which many later units import.
  const changed = join(dir, unit(3));
  writeFileSync(changed, readFileSync(changed, "utf8").replace("let total = 0;", "let total = 1;"));
  git(["commit", "-q", "-am", "SUP-1: start totals at one"]);
  return repo;
}
