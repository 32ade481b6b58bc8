import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { buildBilling } from "../../examples/billing/build.js";
import { tempDir } from "./git-fixture.js";

export interface Sample {
  /** The describe block's own temporary directory; the sample is built in its billing/ folder. */
  dir: string;
  repo: string;
  /** The sample's commits by name (build.ts), e.g. commits.proration. */
  commits: Record<string, string>;
}

/** The sample billing service, built before a describe block's tests in a temporary directory of its own, removed after. */
export function sampleService(): Sample {
  const tmp = tempDir();
  const sample: Sample = { dir: tmp.dir, repo: "", commits: {} };
  beforeAll(() => {
    const built = buildBilling(join(tmp.dir, "billing"));
    sample.repo = built.dir;
    sample.commits = built.commits;
  });
  afterAll(() => tmp.cleanup());
  return sample;
}
