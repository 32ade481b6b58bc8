import { createHash } from "node:crypto";
import type { WorldlineConfig } from "../../../core/repo.js";
import { readFilesAt, type Revision } from "../../../core/git.js";
import type { Scenario } from "../format.js";
import { testScenarios } from "./as-scenarios.js";
import { collectAt, needsRuntime, withCollected, type Collecting } from "./collect.js";
import { discoverCases, isTestConfig, testFileMatcher, type TestCase, type TestFile } from "./discover.js";

/** Cases per test file content: a file that did not change is not parsed again (the memories refresh when it does). */
const byContent = new Map<string, TestFile>();

function casesOf(path: string, text: string): TestFile {
  const key = createHash("sha1").update(path).update("\0").update(text).digest("hex");
  let hit = byContent.get(key);
  if (!hit) {
    hit = discoverCases(path, text);
    if (byContent.size > 20_000) byContent.delete(byContent.keys().next().value as string);
    byContent.set(key, hit);
  }
  return hit;
}

export interface LoadedTests {
  scenarios: Scenario[];
  files: TestFile[];
}

/**
 * The repo's test cases at a revision, as scenarios (none when `tests` is false in worldline.config.json).
 * With `collecting`, a file whose cases static discovery could not all name is collected in the sandbox and
 * its runtime list taken instead (collect.ts).
 */
export async function loadTestScenarios(repo: string, revision: Revision, config: Pick<WorldlineConfig, "tests">, collecting?: Collecting): Promise<LoadedTests> {
  if (config.tests === false) return { scenarios: [], files: [] };
  const configs = await readFilesAt(repo, revision, isTestConfig);
  const isTest = testFileMatcher(configs, config.tests);
  const texts = await readFilesAt(repo, revision, isTest);
  const files = await Promise.all(
    texts.map(async (t) => {
      const f = casesOf(t.path, t.text);
      return collecting && needsRuntime(f, t.text) ? withCollected(f, await collectAt(repo, revision, t.path, t.text, collecting)) : f;
    }),
  );
  const cases: TestCase[] = files.flatMap((f) => f.cases);
  return { scenarios: testScenarios(cases), files };
}
