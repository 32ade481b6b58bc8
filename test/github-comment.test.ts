import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { helpText, parseCommandLine } from "../agent/cli-parse.js";
import { readCommentTarget, type PullRequestTarget } from "../agent/github/event.js";
import { GithubApiError } from "../agent/github/errors.js";
import { commentBody, commentMarker, upsertComment } from "../agent/github/pr-comment.js";
import { GITHUB_COMMENT_LIMIT } from "../agent/report/budget.js";
import { runWorldline } from "./helpers/cli-run.js";
import { commitFiles, gitIn, makeRepo, tempDir } from "./helpers/git-fixture.js";
import { type GithubStandIn, githubStandIn, peopleComments } from "./helpers/github-stand-in.js";

/**
 * `worldline check --github-comment` against a stand-in of GitHub's REST API: one sticky comment per pull
 * request, created once and edited on every later run, found again past the first page of comments; bad
 * variables fail in one line before anything runs; GitHub refusing fails in one line with exit 3; the gate's
 * own exit code is what it would be without commenting, and SARIF is still written in the same run.
 */
const TOKEN = "ghs_standInToken0123456789abcdefABCDEF";
const REPOSITORY = "acme/billing";
const MARKER = "<!-- worldline:report . -->";

const scenario = ["---", "id: price-doubles", "title: the price doubles", "simulate:", "  steps:", "    - call: src/price.ts#price", "      args: [2]", "      expect:", "        - result === 4", "---", "The price of 2 is 4."].join("\n");
const price = (factor: number, note = "") => `export function price(n: number): number {\n  const total = n * ${factor};${note}\n  return total;\n}\n`;

// Each case runs the real command: selection and simulation in child processes, tens of seconds on 2 cores.
describe("worldline check --github-comment", { timeout: 240_000 }, () => {
  const tmp = tempDir("worldline-gh-comment-");
  const repo = join(tmp.dir, "repo");
  let gh: GithubStandIn;
  let base = "";

  beforeAll(async () => {
    mkdirSync(repo);
    makeRepo(repo, [
      { message: "price doubles", files: { "src/price.ts": price(2), "scenarios/price-doubles.md": scenario } },
      { message: "price triples: breaks price-doubles", files: { "src/price.ts": price(3) } },
    ]);
    base = gitIn(repo, ["rev-parse", "HEAD~1"]).trim();
    gh = await githubStandIn({ repo: REPOSITORY, token: TOKEN });
  });
  afterAll(async () => {
    await gh.close();
    tmp.cleanup();
  });
  beforeEach(() => {
    gh.refuse = undefined;
    gh.link = true;
  });

  /** An event file as GitHub Actions writes it (only the fields read matter). */
  const event = (name: string, payload: unknown): string => {
    const path = join(tmp.dir, `${name}.json`);
    writeFileSync(path, typeof payload === "string" ? payload : JSON.stringify(payload));
    return path;
  };
  // Every variable is set, empty where a test wants it missing: nothing leaks in from a CI that runs this suite.
  const env = (number: number, over: Record<string, string> = {}) => ({
    GITHUB_API_URL: gh.base,
    GITHUB_REPOSITORY: REPOSITORY,
    GITHUB_EVENT_NAME: "pull_request",
    GITHUB_EVENT_PATH: event(`pr-${number}`, { action: "synchronize", number, pull_request: { number, base: { sha: base } } }),
    GITHUB_TOKEN: TOKEN,
    GITHUB_WORKSPACE: repo,
    ...over,
  });
  const check = (args: string[], e: Record<string, string>) => runWorldline(["check", "--repo", repo, "--base", base, "--quiet", "--github-comment", ...args], e);
  const since = (n: number) => gh.requests.slice(n).map((r) => `${r.method} ${r.url.replace(/\?.*$/, "")}`);

  it("first run: one comment with the marker and the failing scenario, the gate's exit 1, and the SARIF file", async () => {
    const before = gh.requests.length;
    const sarif = join(tmp.dir, "first.sarif");
    const r = await check(["--head", "HEAD", "--format", "sarif", "--out", sarif], env(7));
    expect(r.code, r.err).toBe(1);
    expect(since(before)).toEqual([`GET /repos/${REPOSITORY}/issues/7/comments`, `POST /repos/${REPOSITORY}/issues/7/comments`]);
    const comments = gh.comments.get(7) ?? [];
    expect(comments).toHaveLength(1);
    const body = comments[0]?.body ?? "";
    expect(body.startsWith(`${MARKER}\n## Worldline`)).toBe(true);
    expect(body).toContain("`price-doubles`");
    expect(body).toContain("src/price.ts:2");
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    for (const req of gh.requests.slice(before)) expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    // The SARIF file of the same run, and nothing on standard output (it went to the file).
    const log = JSON.parse(readFileSync(sarif, "utf8")) as { runs: Array<{ results: Array<{ ruleId?: string }> }> };
    expect(log.runs[0]?.results.length).toBeGreaterThan(0);
    expect(r.out).toBe("");
    expect(r.err).toContain(`worldline check: 1 scenario(s) block this change: price-doubles (fail)`);
    expect(r.err).toContain(`the report is posted on ${REPOSITORY}#7: https://github.test/`);
    expect(r.err).not.toContain(TOKEN);
  });

  it("a later push edits that same comment (PATCH) and creates none; the terminal report still goes to standard output", async () => {
    const head = commitFiles(repo, { message: "price triples, noted", files: { "src/price.ts": price(3, " // triple") } });
    const before = gh.requests.length;
    const id = gh.comments.get(7)?.[0]?.id;
    const r = await check(["--head", head], env(7));
    expect(r.code, r.err).toBe(1);
    expect(since(before)).toEqual([`GET /repos/${REPOSITORY}/issues/7/comments`, `PATCH /repos/${REPOSITORY}/issues/comments/${id}`]);
    const comments = gh.comments.get(7) ?? [];
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(head.slice(0, 12));
    expect(r.out).toContain("price-doubles");
    expect(r.err).toContain(`the report is updated on ${REPOSITORY}#7`);
  });

  it("finds its comment on page 2 of a pull request with more than 100 comments", async () => {
    gh.comments.set(8, [...peopleComments(120, 1), { id: 900, body: `${MARKER}\nan older report`, html_url: "https://github.test/c/900" }, ...peopleComments(30, 200)]);
    const before = gh.requests.length;
    const r = await check(["--head", "HEAD"], env(8));
    expect(r.code, r.err).toBe(1);
    const calls = gh.requests.slice(before);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      `GET /repos/${REPOSITORY}/issues/8/comments?per_page=100&page=1`,
      `GET /repos/${REPOSITORY}/issues/8/comments?per_page=100&page=2`,
      `PATCH /repos/${REPOSITORY}/issues/comments/900`,
    ]);
    expect(gh.comments.get(8)).toHaveLength(151);
    expect(gh.comments.get(8)?.find((c) => c.id === 900)?.body).toContain("`price-doubles`");
  });

  it("a change that breaks nothing: exit 0 with the comment posted; simulate comments too", async () => {
    const r = await check(["--head", base], env(9));
    expect(r.code, r.err).toBe(0);
    expect(gh.comments.get(9)).toHaveLength(1);
    const s = await runWorldline(["simulate", "--repo", repo, "--base", base, "--head", base, "--quiet", "--github-comment", "--format", "json"], env(9));
    expect(s.code, s.err).toBe(0);
    expect(JSON.parse(s.out)).toHaveProperty("verdicts");
    expect(gh.comments.get(9)).toHaveLength(1);
    expect(s.err).toContain(`the report is updated on ${REPOSITORY}#9`);
  });

  it("a push event with no pull request: one line, no comment, no request, and the gate as usual", async () => {
    const before = gh.requests.length;
    const r = await check(["--head", "HEAD"], env(0, { GITHUB_EVENT_NAME: "push", GITHUB_EVENT_PATH: event("push", { ref: "refs/heads/main", before: base, after: "f".repeat(40) }) }));
    expect(r.code, r.err).toBe(1);
    expect(r.err).toContain("worldline: --github-comment: this push event has no pull request, so the report is not posted as a comment");
    expect(gh.requests.length).toBe(before);
  });

  it("GitHub refusing the comment (403) is one line with the status and what to do, exit 3; the SARIF file is still written", async () => {
    gh.refuse = { status: 403, message: "Resource not accessible by integration" };
    const sarif = join(tmp.dir, "refused.sarif");
    const r = await check(["--head", "HEAD", "--format", "sarif", "--out", sarif], env(10));
    expect(r.code, r.err).toBe(3);
    const last = r.err.trim().split("\n").at(-1);
    expect(last).toBe(
      `worldline: GitHub answered 403 to POST /repos/${REPOSITORY}/issues/10/comments (Resource not accessible by integration): the token may not write pull-request comments: give the job \`permissions: pull-requests: write\` (a pull request from a fork gets a read-only token: run without --github-comment there)`,
    );
    expect(r.err).not.toContain(TOKEN);
    expect(r.err).not.toContain("internal error");
    expect(gh.comments.get(10)).toBeUndefined();
    expect(existsSync(sarif)).toBe(true);
  });

  it("bad variables and event files: one line each, exit 2, before any simulation and with no request made", async () => {
    const before = gh.requests.length;
    const cases: Array<[string, Record<string, string>, string[], RegExp]> = [
      ["no token", { GITHUB_TOKEN: "" }, [], /^worldline: GITHUB_TOKEN is not set: --github-comment needs a token that may write pull-request comments/],
      ["no repository", { GITHUB_REPOSITORY: "" }, [], /^worldline: GITHUB_REPOSITORY is not set: .*owner\/name/],
      ["malformed repository", { GITHUB_REPOSITORY: "acme" }, [], /^worldline: GITHUB_REPOSITORY "acme": expected owner\/name, such as acme\/billing$/],
      ["bad API URL", { GITHUB_API_URL: "api.github.com" }, [], /^worldline: GITHUB_API_URL "api.github.com": expected an http\(s\) URL/],
      ["no event path", { GITHUB_EVENT_PATH: "" }, [], /^worldline: GITHUB_EVENT_PATH is not set: /],
      ["event file absent", { GITHUB_EVENT_PATH: join(tmp.dir, "absent.json") }, [], /^worldline: GITHUB_EVENT_PATH .*absent\.json: no such file: expected the event's JSON file$/],
      ["event not JSON", { GITHUB_EVENT_PATH: event("garbled", "{ not json") }, [], /^worldline: GITHUB_EVENT_PATH .*garbled\.json is not JSON: /],
      ["event without pull_request", { GITHUB_EVENT_PATH: event("no-pr", { action: "opened" }) }, [], /^worldline: GITHUB_EVENT_PATH .*no-pr\.json has no pull_request\.number: expected the event of a pull request \(GITHUB_EVENT_NAME is "pull_request"\)$/],
      ["number not a number", { GITHUB_EVENT_PATH: event("bad-number", { pull_request: { number: "7" } }) }, [], /^worldline: GITHUB_EVENT_PATH .*bad-number\.json: pull_request\.number .*expected a GitHub event/],
      ["with --pre-push", {}, ["--pre-push"], /^worldline: --github-comment and --pre-push do not go together/],
    ];
    const results = await Promise.all(cases.map(([, over, args]) => check(["--head", "HEAD", ...args], env(11, over))));
    const wrong: string[] = [];
    results.forEach((r, i) => {
      const [name, , , expected] = cases[i] as (typeof cases)[number];
      const lines = r.err.trim().split("\n");
      if (r.code !== 2 || lines.length !== 1 || !expected.test(lines[0] ?? "") || r.out !== "") wrong.push(`${name}: exit ${r.code}, ${JSON.stringify(r.err)}`);
    });
    expect(wrong).toEqual([]);
    expect(gh.requests.length).toBe(before);
  });
});

describe("the PR comment, in process", () => {
  let gh: GithubStandIn;
  const target = (number: number, token = TOKEN): PullRequestTarget => ({ kind: "pull-request", apiUrl: gh.base, owner: "acme", name: "billing", number, token });
  beforeAll(async () => {
    gh = await githubStandIn({ repo: REPOSITORY, token: TOKEN });
  });
  afterAll(() => gh.close());

  it("pages by number until a short page when GitHub sends no Link header", async () => {
    gh.link = false;
    gh.comments.set(3, [...peopleComments(230, 1), { id: 777, body: `${MARKER}\nold`, html_url: "https://github.test/c/777" }]);
    const posted = await upsertComment(target(3), MARKER, `${MARKER}\nnew`);
    expect(posted).toEqual({ action: "updated", id: 777, url: "https://github.test/c/777" });
    expect(gh.requests.filter((r) => r.method === "GET").map((r) => new URL(r.url, gh.base).searchParams.get("page"))).toEqual(["1", "2", "3"]);
    // No marker anywhere, 200 comments: two full pages, then the empty third ends the list and one is created.
    gh.comments.set(4, peopleComments(200, 1));
    expect((await upsertComment(target(4), MARKER, `${MARKER}\nfirst`)).action).toBe("created");
    expect(gh.comments.get(4)).toHaveLength(201);
  });

  it("only a comment that starts with the marker counts: a person quoting it is left alone", async () => {
    gh.comments.set(5, [{ id: 50, body: `> ${MARKER}\n> quoted`, html_url: "https://github.test/c/50" }]);
    expect((await upsertComment(target(5), MARKER, `${MARKER}\nmine`)).action).toBe("created");
    expect(gh.comments.get(5)?.[0]?.body).toBe(`> ${MARKER}\n> quoted`);
  });

  it("a refused token is a GithubApiError that names the status and never shows the token", async () => {
    const wrong = "ghs_wrongToken_9876543210";
    const err = await upsertComment(target(6, wrong), MARKER, "x").then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(GithubApiError);
    expect((err as Error).message).toMatch(/^GitHub answered 401 to GET \/repos\/acme\/billing\/issues\/6\/comments \(Bad credentials\): the token was refused: check GITHUB_TOKEN$/);
    expect((err as Error).message).not.toContain(wrong);
    gh.refuse = { status: 403, message: `token ${TOKEN} lacks scope` };
    const echoed = await upsertComment(target(6), MARKER, "x").then(() => undefined, (e: unknown) => e);
    expect((echoed as Error).message).toContain("token *** lacks scope");
    gh.refuse = undefined;
  });

  it("an API that cannot be reached is one line naming GITHUB_API_URL", async () => {
    const err = await upsertComment({ ...target(6), apiUrl: "http://127.0.0.1:1" }, MARKER, "x").then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(GithubApiError);
    expect((err as Error).message).toMatch(/^GitHub's API at http:\/\/127\.0\.0\.1:1 could not be reached \(.+\): check GITHUB_API_URL and the network, then run again$/);
  });

  it("the marker names the folder checked, relative to the workspace, and stays a valid HTML comment", () => {
    expect(commentMarker("/w/repo", "/w/repo")).toBe(MARKER);
    expect(commentMarker("/w/repo/services/api", "/w/repo")).toBe("<!-- worldline:report services/api -->");
    expect(commentMarker("/elsewhere/billing--v2>", "/w/repo")).toBe("<!-- worldline:report billing-v2%3E -->");
  });

  it("a body over GitHub's limit is refused before any request", () => {
    expect(commentBody(MARKER, "x".repeat(60_000)).length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(() => commentBody(MARKER, "x".repeat(GITHUB_COMMENT_LIMIT))).toThrow(/over GitHub's 65536/);
  });

  it("reads the pull request from the event, and says a push has none", async () => {
    const { dir, cleanup } = tempDir("worldline-gh-event-");
    try {
      const file = join(dir, "event.json");
      writeFileSync(file, JSON.stringify({ pull_request: { number: 42 } }));
      const env = { GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: "acme/billing", GITHUB_EVENT_PATH: file };
      expect(await readCommentTarget(env)).toEqual({ kind: "pull-request", apiUrl: "https://api.github.com", owner: "acme", name: "billing", number: 42, token: TOKEN });
      writeFileSync(file, JSON.stringify({ ref: "refs/heads/main", after: "a".repeat(40) }));
      expect(await readCommentTarget(env)).toEqual({ kind: "none", event: "push" });
      expect(await readCommentTarget({ ...env, GITHUB_EVENT_NAME: "schedule" })).toEqual({ kind: "none", event: "schedule" });
      await expect(readCommentTarget({ ...env, GITHUB_API_URL: "ftp://x" })).rejects.toThrow(/^GITHUB_API_URL "ftp:\/\/x": expected an http\(s\) URL/);
    } finally {
      cleanup();
    }
  });
});

describe("--github-comment on the command line", () => {
  it("is a flag of check and simulate, in their usage and help, and of no other command", () => {
    expect(parseCommandLine(["check", "--github-comment", "--format", "sarif", "--out", "x.sarif"]).values).toMatchObject({ "github-comment": true, format: "sarif", out: "x.sarif" });
    expect(parseCommandLine(["simulate", "--github-comment"]).values["github-comment"]).toBe(true);
    for (const c of ["check", "simulate"] as const) {
      const help = helpText(c);
      expect(help).toContain("[--github-comment]");
      expect(help).toMatch(/--github-comment {2,}Also post the report \(Markdown\) as one comment on the pull request/);
      expect(help).toContain("html (a self-contained page)");
    }
    expect(() => parseCommandLine(["triage", "--github-comment"])).toThrow(/unknown option --github-comment for worldline triage/);
  });
});
