import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderWhy } from "../agent/why.js";
import { openDb } from "../core/db.js";
import { cosmeticallyEqual, lineMap, moveKey, setsValue, settingOf } from "../servers/git-history/cosmetic.js";
import { ingestHistory } from "../servers/git-history/ingest.js";
import { GitHistoryService } from "../servers/git-history/service.js";
import { suspectsOfFix } from "../servers/git-history/suspects.js";
import { classify, ShapeCache, shapesFile } from "../servers/git-history/shapes.js";
import { passThrough } from "../servers/git-history/trace.js";
import { githubRepoOf } from "../servers/git-history/ticket-links.js";
import { valueHistory, why } from "../servers/git-history/why.js";
import { commitFiles, gitIn, makeRepo, tempDir, writeFiles } from "./helpers/git-fixture.js";

const ADA = { name: "Ada Lovelace", email: "ada@example.test" };
const GRACE = { name: "Grace Hopper", email: "grace@example.test" };
const BOT = { name: "Format Bot", email: "bot@example.test" };

describe("cosmetic changes, as a formatter makes them", () => {
  it("sees quotes, semicolons, trailing commas, wrapping, single-token parentheses, numbers and import order as cosmetic", () => {
    expect(cosmeticallyEqual(`const a = "x";`, `const a = 'x'`)).toBe(true);
    expect(cosmeticallyEqual(`foo(a, b, c)`, `foo(\n  a,\n  b,\n  c,\n);`)).toBe(true);
    expect(cosmeticallyEqual(`const f = (x) => x + 1;`, `const f = x => x + 1`)).toBe(true);
    expect(cosmeticallyEqual(`x = 1.50`, `x = 1.5`)).toBe(true);
    expect(cosmeticallyEqual(`import { b, a } from "m";\nimport c from "c";`, `import c from 'c';\nimport { a, b } from 'm';`)).toBe(true);
    expect(cosmeticallyEqual(`const s = 'it\\'s';`, `const s = "it's";`)).toBe(true);
  });

  it("sees a changed operator, string, argument or call as a change of meaning", () => {
    expect(cosmeticallyEqual(`return a + b;`, `return a - b;`)).toBe(false);
    expect(cosmeticallyEqual(`const a = "x";`, `const a = "y";`)).toBe(false);
    expect(cosmeticallyEqual(`f(x)`, `f x`)).toBe(false);
    expect(cosmeticallyEqual(`foo(a, b)`, `foo(a)`)).toBe(false);
    expect(cosmeticallyEqual(`import { a } from "m";`, `import { a } from "n";`)).toBe(false);
    // Comments count unless asked not to: a comment's text is what it means.
    expect(cosmeticallyEqual(`x = 1; // a`, `x = 1; // b`)).toBe(false);
    expect(cosmeticallyEqual(`x = 1; // a`, `x = 1; // b`, { ignoreComments: true })).toBe(true);
  });

  it("maps each line of a reformat to the line that held its code", () => {
    expect(lineMap(`foo(a, b);\nbar(c);`, `foo(\n  a,\n  b,\n);\nbar(c);`)).toEqual([0, 0, 0, 0, 1]);
    expect(lineMap(`import { b, a } from "m";\nimport c from "c";`, `import c from 'c';\nimport { a, b } from 'm';`)).toEqual([1, 0]);
  });

  it("reads the key and value a line sets, whatever its annotation or numeral spelling", () => {
    expect(settingOf(`  timeoutMs: number = 30_000;`)).toEqual({ key: "timeoutMs", value: "30000", text: "30_000" });
    expect(settingOf(`export const TIMEOUT_MS = 30000;`)).toEqual({ key: "TIMEOUT_MS", value: "30000", text: "30000" });
    expect(settingOf(`  retries: 3,`)).toEqual({ key: "retries", value: "3", text: "3" });
    expect(settingOf(`  Depth extends number = 10`)).toMatchObject({ key: "Depth", text: "10" });
    expect(settingOf(`    endOffset = -1`)).toMatchObject({ key: "endOffset", text: "-1" });
    expect(settingOf(`return x;`)).toBeUndefined();
    // A value kept in a signature re-wrapped one parameter per line, and one changed there.
    expect(setsValue(`compose(tokens, forceDoc = false, endOffset = -1) {`, { key: "endOffset", value: "- 1" })).toBe(true);
    expect(setsValue(`compose(tokens, forceDoc = false, endOffset = -2) {`, { key: "endOffset", value: "- 1" })).toBe(false);
    expect(setsValue(`this.endOffset = -1`, { key: "endOffset", value: "- 1" })).toBe(false);
    // A template literal with no substitution is the string a lint fix makes of it; one with a substitution is not.
    expect(cosmeticallyEqual("throw new RangeError(`precision must be between -15 and 15`);", `throw new RangeError("precision must be between -15 and 15");`)).toBe(true);
    expect(cosmeticallyEqual("f(`a${b}`)", `f("a\${b}")`)).toBe(false);
    // Parentheses in a regex are meaning: a capture group removed is a change, to formatting and to move matching.
    expect(cosmeticallyEqual("test: /^(?:\\.([0-9]+))$/,", "test: /^(?:\\.[0-9]+)$/,")).toBe(false);
    expect(moveKey("test: /^(?:\\.([0-9]+)|[0-9]+)$/,")).not.toBe(moveKey("test: /^(?:\\.[0-9]+|[0-9]+)$/,"));
    expect(moveKey(`}`)).toBeUndefined();
    expect(moveKey(`export function parseThing(input: string) {`)).toBe(moveKey(`export function parseThing(input: string): void {`.replace(": void", "")));
  });

  it("removes parentheses a formatter removes around a cast or a member chain, and keeps those that bind", () => {
    expect(cosmeticallyEqual("f((state as any) as SetState, x)", "f(state as any as SetState, x)")).toBe(true);
    expect(cosmeticallyEqual("return (a.b.c);", "return a.b.c")).toBe(true);
    expect(cosmeticallyEqual("(x as any).foo", "x as any.foo")).toBe(false);
    expect(cosmeticallyEqual("(a.b)(x)", "a.b(x)")).toBe(false);
    expect(cosmeticallyEqual("(a + b) * c", "a + b * c")).toBe(false);
    expect(cosmeticallyEqual("(!a).b", "!a.b")).toBe(false);
  });

  it("follows a value moved to another file, exported and re-spelled on the way", () => {
    const shape = classify("a".repeat(40), "b".repeat(40), [
      { path: "index.js", status: "modified", hunks: [{ oldStart: 7, oldLines: 2, newStart: 6, newLines: 0, removed: ["const maxSafeTimeout = 2147483647;", "const responseTypes = { blob: '*/*' };"], added: [] }] },
      { path: "source/constants.ts", status: "added", hunks: [{ oldStart: 0, oldLines: 0, newStart: 1, newLines: 2, removed: [], added: ["export const maxSafeTimeout: number = 2_147_483_647;", "export const responseTypes = { blob: '*/*' };"] }] },
    ]);
    expect(passThrough(shape, { origPath: "source/constants.ts", origLine: 1, content: "export const maxSafeTimeout: number = 2_147_483_647;" })).toEqual({ kind: "move", path: "index.js", line: 7 });
    expect(passThrough(shape, { origPath: "source/constants.ts", origLine: 2, content: "export const responseTypes = { blob: '*/*' };" })).toEqual({ kind: "move", path: "index.js", line: 8 });
    // A value changed on the way is the move's own.
    expect(passThrough(shape, { origPath: "source/constants.ts", origLine: 1, content: "export const maxSafeTimeout = 2147483646;" })).toBeUndefined();
  });

  it("keeps in a value's history only the commits that changed the value, not those that wrote it again", () => {
    const at = (commit: string) => ({ commit, authoredAt: "2021-01-01T00:00:00.000Z" });
    expect(
      valueHistory([
        { value: "2_147_483_647", previous: "2147483647", compared: "2147483647", ...at("respelled") },
        { value: "2147483647", compared: "2147483647", ...at("moved") },
        { value: "2147483647", previous: "1000", compared: "2147483647", ...at("raised") },
        { value: "1000", compared: "1000", ...at("first") },
      ]).map((v) => [v.commit, v.value, v.previous]),
    ).toEqual([
      ["raised", "2147483647", "1000"],
      ["first", "1000", undefined],
    ]);
  });

  it("names the GitHub repo of a remote in each spelling", () => {
    expect(githubRepoOf("git@github.com:acme/shop.git")).toBe("acme/shop");
    expect(githubRepoOf("https://github.com/acme/shop")).toBe("acme/shop");
    expect(githubRepoOf("ssh://git@github.com/acme/shop.git")).toBe("acme/shop");
    expect(githubRepoOf("https://gitlab.com/acme/shop.git")).toBeUndefined();
  });
});

/**
 * A history with each thing `why` must see through: a prettier-style sweep over many files, a commit that
 * reformats one place and changes another, a file moved and rewritten past git's rename detection, a value
 * set then re-annotated then changed, and a comment edited beside code.
 */
describe("why through reformats, moves and kept values", () => {
  const tmp = tempDir("worldline-why-");
  const sha: Record<string, string> = {};
  let service: GitHistoryService;

  const others = Object.fromEntries(
    Array.from({ length: 5 }, (_, i) => [`src/mod${i}.ts`, `export function mod${i}(a, b) {\n  return combine("mod${i}", a, b)\n}\n`]),
  );
  const helpers = [
    `export function formatPrice(cents) {`,
    `  return "$" + (cents / 100).toFixed(2)`,
    `}`,
    ...Array.from({ length: 12 }, (_, i) => `export function legacy${i}(value) {\n  return value * ${i + 2}\n}`),
  ].join("\n");

  beforeAll(() => {
    makeRepo(tmp.dir, []);
    sha.initial = commitFiles(tmp.dir, {
      message: "Add pricing (SUP-1)\n\nPrices are rounded to cents because the ledger stores cents.",
      author: ADA,
      date: "2021-01-10T10:00:00Z",
      files: {
        "src/pricing.ts": `import { round } from "./math"\nexport function total(items, taxRate) {\n  const sum = items.reduce((acc, i) => acc + i.price * i.qty, 0)\n  return round(sum * (1 + taxRate), 2)\n}\n`,
        "src/config.ts": `export const RETRY_LIMIT = 3\n// retries back off exponentially\nexport const BACKOFF_MS = 250\n`,
        "src/legacy/helpers.ts": `${helpers}\n`,
        "src/db.ts": `export function connect(host, port = 5432, timeoutMs = 3000) {\n  return open(host, port, timeoutMs)\n}\n`,
        ...others,
      },
    });
    sha.annotate = commitFiles(tmp.dir, {
      message: "Type the config",
      author: GRACE,
      date: "2021-02-01T10:00:00Z",
      files: {
        "src/config.ts": `export const RETRY_LIMIT: number = 3\n// retries back off exponentially (see ADR 4)\nexport const BACKOFF_MS = 250\n`,
        // Types added and the signature re-wrapped one parameter per line: the defaults are kept.
        "src/db.ts": `export function connect(\n  host: string,\n  port: number = 5432,\n  timeoutMs: number = 3000,\n): Connection {\n  return open(host, port, timeoutMs)\n}\n`,
      },
    });
    // The sweep: quotes, semicolons, wrapping, trailing commas, over seven files; nothing else.
    sha.sweep = commitFiles(tmp.dir, {
      message: "Run prettier",
      author: BOT,
      date: "2021-03-01T10:00:00Z",
      files: {
        "src/pricing.ts": `import { round } from './math';\nexport function total(items, taxRate) {\n  const sum = items.reduce(\n    (acc, i) => acc + i.price * i.qty,\n    0,\n  );\n  return round(sum * (1 + taxRate), 2);\n}\n`,
        "src/config.ts": `export const RETRY_LIMIT: number = 3;\n// retries back off exponentially (see ADR 4)\nexport const BACKOFF_MS = 250;\n`,
        ...Object.fromEntries(Object.keys(others).map((p, i) => [p, `export function mod${i}(a, b) {\n  return combine('mod${i}', a, b);\n}\n`])),
      },
    });
    // Moved to another folder and rewritten so much that git sees a delete and an add.
    sha.move = commitFiles(tmp.dir, {
      message: "Split legacy helpers into money utilities",
      author: GRACE,
      date: "2021-04-01T10:00:00Z",
      files: {
        "src/legacy/helpers.ts": null,
        "src/money/format.ts": [
          `import { currencyOf } from './currency';`,
          ``,
          `/** Money as people read it. */`,
          `export function formatPrice(cents) {`,
          `  return '$' + (cents / 100).toFixed(2);`,
          `}`,
          ...Array.from({ length: 8 }, (_, i) => `export function formatIn${i}(cents, locale) {\n  return new Intl.NumberFormat(locale, { style: 'currency', currency: currencyOf(locale) }).format(cents / ${10 ** (i % 3)});\n}`),
          ``,
        ].join("\n"),
      },
    });
    // One commit that reformats one line of a file and changes the meaning of another.
    sha.mixed = commitFiles(tmp.dir, {
      message: "Tax applies before rounding\n\nFixes #42",
      author: ADA,
      date: "2021-05-01T10:00:00Z",
      files: { "src/pricing.ts": `import { round } from './math';\nexport function total(items, taxRate) {\n  const sum = items.reduce(\n    (acc, i) => acc + i.price * i.qty,\n    0,\n  );\n  return round(sum + sum * taxRate, 2);\n}\n` },
    });
    sha.raise = commitFiles(tmp.dir, { message: "Raise the retry limit (SUP-9)", author: ADA, date: "2021-06-01T10:00:00Z", files: { "src/config.ts": `export const RETRY_LIMIT: number = 5;\n// retries back off exponentially (see ADR 4)\nexport const BACKOFF_MS = 250;\n` } });
    gitIn(tmp.dir, ["remote", "add", "origin", "git@github.com:acme/shop.git"]);
    service = new GitHistoryService(tmp.dir);
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("passes through a formatter sweep to the commit that wrote the line, and says so", async () => {
    expect(gitIn(tmp.dir, ["blame", "--porcelain", "-L", "3,3", "--", "src/pricing.ts"]).slice(0, 40)).toBe(sha.sweep);
    const a = await why(service, "src/pricing.ts:3");
    expect(a.deciding?.commit).toBe(sha.initial);
    expect(a.deciding?.passedThrough.map((p) => [p.commit, p.kind])).toEqual([[sha.sweep, "reformat"]]);
    expect(a.deciding?.reason).toBe("Prices are rounded to cents because the ledger stores cents.");
    expect(a.summary).toContain(`in ${sha.initial?.slice(0, 12)} by Ada Lovelace on 2021-01-10 (SUP-1)`);
    expect(a.summary).toContain(`since then only reformatted in ${sha.sweep?.slice(0, 12)} (a sweep over 7 files)`);
    expect(a.deciding?.passedThrough[0]?.sweepFiles).toBe(7);
    expect(a.items[0]?.id).toBe(`commit:${sha.initial}`);
    // The wrapped call's other lines map to the same original line.
    expect((await why(service, "src/pricing.ts:5")).deciding?.commit).toBe(sha.initial);
  });

  it("keeps the change of meaning in a commit that also reformatted: each hunk is judged alone", async () => {
    const changed = await why(service, "src/pricing.ts:7");
    expect(changed.deciding?.commit).toBe(sha.mixed);
    expect(changed.deciding?.passedThrough).toEqual([]);
    expect(changed.deciding?.tickets.map((t) => [t.key, t.url])).toEqual([["#42", "https://github.com/acme/shop/issues/42"]]);
    expect(changed.items.find((i) => i.id === "ticket:#42")?.url).toBe("https://github.com/acme/shop/issues/42");
    const imported = await why(service, "src/pricing.ts:1");
    expect(imported.deciding?.commit).toBe(sha.initial);
  });

  it("follows a line into a file moved and rewritten past git's rename detection", async () => {
    const a = await why(service, "src/money/format.ts:5");
    expect(a.deciding?.commit).toBe(sha.initial);
    expect(a.deciding?.passedThrough.map((p) => [p.commit, p.kind, p.from])).toEqual([[sha.move, "move", "src/legacy/helpers.ts:2"]]);
    // A line the move wrote new is the move's own.
    expect((await why(service, "src/money/format.ts:3")).deciding?.commit).toBe(sha.move);
  });

  it("answers a value's history: the commit that set the current value, and the values before it", async () => {
    const a = await why(service, "config:RETRY_LIMIT");
    expect(a.deciding?.commit).toBe(sha.raise);
    expect(a.values?.map((v) => [v.value, v.previous, v.commit])).toEqual([
      ["5", "3", sha.raise],
      ["3", undefined, sha.initial],
    ]);
    // Re-annotated and reformatted, never changed: set in the first commit.
    const before = await why(service, "src/config.ts:3");
    expect(before.deciding?.commit).toBe(sha.initial);
    expect(before.deciding?.passedThrough.map((p) => p.kind)).toEqual(["reformat"]);
  });

  it("passes an annotation that kept the value, and a comment edited beside code", async () => {
    gitIn(tmp.dir, ["checkout", "-q", sha.sweep as string]);
    try {
      const a = await why(service, "src/config.ts:1");
      expect(a.deciding?.commit).toBe(sha.initial);
      expect(a.deciding?.passedThrough.map((p) => [p.commit, p.kind])).toEqual([
        [sha.sweep, "reformat"],
        [sha.annotate, "value-kept"],
      ]);
      // The comment line's own text changed in the annotation commit: that is its meaning.
      expect((await why(service, "src/config.ts:2")).deciding?.commit).toBe(sha.annotate);
    } finally {
      gitIn(tmp.dir, ["checkout", "-q", "main"]);
    }
  });

  it("passes a signature re-wrapped with types to the commit that set each default", async () => {
    const a = await why(service, "src/db.ts:3");
    expect(a.deciding?.commit).toBe(sha.initial);
    expect(a.deciding?.passedThrough.map((p) => [p.commit, p.kind])).toEqual([[sha.annotate, "value-kept"]]);
    expect(a.summary).toContain("port = 5432 was set in");
    // The parameter that gained only a type is the annotation's own line when asked about the type.
    expect((await why(service, "src/db.ts:2")).deciding?.commit).toBe(sha.annotate);
  });

  it("blames a fixed line through a formatter sweep to the commit that wrote the bug (SZZ)", async () => {
    const t = tempDir("worldline-why-szz-");
    try {
      makeRepo(t.dir, []);
      const bug = commitFiles(t.dir, { message: "Add the rate", author: ADA, files: { "src/rate.ts": "export const rate = (x) => x * 1.2\n" } }, 0);
      const sweep = commitFiles(t.dir, { message: "Run prettier", author: BOT, files: { "src/rate.ts": "export const rate = x => x * 1.2;\n" } }, 1);
      commitFiles(t.dir, { message: "fix: the rate is 1.25", author: GRACE, files: { "src/rate.ts": "export const rate = x => x * 1.25;\n" } }, 2);
      const s = new GitHistoryService(t.dir);
      try {
        expect((await suspectsOfFix(t.dir, s.commits, "HEAD"))[0]?.commit).toBe(sweep);
        expect((await suspectsOfFix(t.dir, s.commits, "HEAD", { shapes: s.shapes })).map((c) => [c.commit, c.confidence])).toEqual([[bug, 1]]);
      } finally {
        s.close();
      }
    } finally {
      t.cleanup();
    }
  });

  it("dates commits by their author, not by when they were rebased", async () => {
    const t = tempDir("worldline-why-dates-");
    try {
      makeRepo(t.dir, []);
      writeFiles(t.dir, { "a.ts": "export const LIMIT = 7;\n" });
      gitIn(t.dir, ["add", "-A"]);
      gitIn(t.dir, ["commit", "-q", "-m", "Set the limit"], {
        GIT_AUTHOR_NAME: "Ada Lovelace",
        GIT_AUTHOR_EMAIL: "ada@example.test",
        GIT_AUTHOR_DATE: "2021-02-28T12:00:00Z",
        GIT_COMMITTER_NAME: "Grace Hopper",
        GIT_COMMITTER_EMAIL: "grace@example.test",
        GIT_COMMITTER_DATE: "2021-03-07T12:00:00Z",
      });
      const s = new GitHistoryService(t.dir);
      try {
        const a = await why(s, "a.ts:1");
        expect(a.deciding?.authoredAt.slice(0, 10)).toBe("2021-02-28");
        expect(a.items.find((i) => i.kind === "commit")?.time?.slice(0, 10)).toBe("2021-02-28");
      } finally {
        s.close();
      }
    } finally {
      t.cleanup();
    }
  });

  it("classifies every fresh commit at ingestion, and recomputes a cached shape that does not parse", async () => {
    const t = tempDir("worldline-why-ingest-");
    try {
      makeRepo(t.dir, []);
      const first = commitFiles(t.dir, { message: "a", files: { "a.ts": `const a = "x"\n` } });
      const second = commitFiles(t.dir, { message: "fmt", files: { "a.ts": `const a = 'x';\n` } });
      const s = new GitHistoryService(t.dir);
      try {
        await ingestHistory(s.graph, t.dir, s.commits, { shapes: s.shapes });
        const db = openDb(shapesFile(t.dir));
        const read = (sha: string) => JSON.parse(db.prepare<[string], { shape: string }>("SELECT shape FROM commit_shapes WHERE sha = ?").get(sha)?.shape ?? "null");
        expect(read(second).sha).toBe(second);
        expect(read(second).files[0].hunks[0].cosmetic).toBe("format");
        expect(read(first).parent).toBeNull();
        // A cache row of another shape is not trusted: the shape is computed again from git.
        db.prepare("UPDATE commit_shapes SET shape = ? WHERE sha = ?").run(JSON.stringify({ version: 1, sha: second, files: "garbage" }), second);
        db.prepare("UPDATE commit_shapes SET shape = ? WHERE sha = ?").run("{not json", first);
        db.close();
        const fresh = new ShapeCache(t.dir);
        expect((await fresh.get(second)).files[0]?.hunks[0]?.cosmetic).toBe("format");
        expect((await fresh.get(first)).parent).toBeNull();
        fresh.close();
        expect((await why(s, "a.ts:1")).deciding?.commit).toBe(first);
      } finally {
        s.close();
      }
    } finally {
      t.cleanup();
    }
  });

  it("renders every fact in each format: deciding commit, passes, links, and each change line", async () => {
    const a = await why(service, "src/money/format.ts:5");
    const md = renderWhy(a, "markdown");
    const term = renderWhy(a, "terminal");
    for (const text of [md, term]) {
      expect(text).toContain(a.summary);
      expect(text).toContain(`moved in ${sha.move?.slice(0, 12)}`);
      expect(text).toContain("the line was src/money/format.ts:5 in that commit, src/legacy/helpers.ts:2 before it");
      expect(text).toContain("added:");
      expect(text).toContain("2021-01-10");
    }
    const changed = await why(service, "src/pricing.ts:7");
    expect(renderWhy(changed, "markdown")).toContain("<https://github.com/acme/shop/issues/42>");
    expect(renderWhy(changed, "markdown")).toContain("changed:");
    await expect(renderWhy(a, "markdown").replaceAll(tmp.dir, "REPO")).toMatchFileSnapshot("golden/why-moved.md");
    await expect(renderWhy(a, "terminal").replaceAll(tmp.dir, "REPO")).toMatchFileSnapshot("golden/why-moved.txt");
  });

  it("answers for lines of the working tree that no commit has yet", async () => {
    writeFiles(tmp.dir, { "src/draft.ts": "export const DRAFT = 1;\n", "src/config.ts": `export const RETRY_LIMIT: number = 5;\n// retries back off exponentially (see ADR 4)\nexport const BACKOFF_MS = 250;\nexport const JITTER = 0.1;\n` });
    try {
      const fresh = await why(service, "src/draft.ts:1");
      expect(fresh.deciding).toBeNull();
      expect(fresh.summary).toBe("src/draft.ts:1: not committed yet (changed in the working tree)");
      expect(fresh.items[0]?.id).toBe("commit:WORKTREE");
      const appended = await why(service, "src/config.ts:4");
      expect(appended.deciding).toBeNull();
    } finally {
      gitIn(tmp.dir, ["checkout", "--", "src/config.ts"]);
      writeFiles(tmp.dir, { "src/draft.ts": null });
    }
  });

  it("answers for a revision asked, as its lines were then", async () => {
    const then = await why(service, "config:RETRY_LIMIT", { rev: sha.sweep as string });
    expect(then.deciding?.commit).toBe(sha.initial);
    expect(then.summary).toContain("RETRY_LIMIT = 3 was set in");
    await expect(why(service, "config:RETRY_LIMIT", { rev: "no-such-rev" })).rejects.toThrow(/no-such-rev/);
  });

  it("refuses a line past the file's end and an unknown file with one line each", async () => {
    await expect(why(service, "src/pricing.ts:99")).rejects.toThrow(/past its end/);
    await expect(why(service, "src/nope.ts:1")).rejects.toThrow(/cannot blame src\/nope.ts/);
    // A path outside the repo is refused before git or the file system sees it.
    await expect(why(service, "../outside.ts:1")).rejects.toThrow(/outside|escapes|inside the repo/i);
  });
});
