import { afterEach, describe, expect, it } from "vitest";
import { openCache } from "../core/cache.js";
import { postComment, ticketRevision, trackerFor, WORLDLINE_MARK } from "../servers/tickets/comments.js";
import { readGithubIssues } from "../servers/tickets/sources/github.js";
import { adfText, readJiraIssues, withSince } from "../servers/tickets/sources/jira.js";
import { tempDir } from "./helpers/git-fixture.js";
import { sendJson, standIn } from "./helpers/stand-in-server.js";

const issue = (number: number, title: string, extra: Record<string, unknown> = {}) => ({
  number,
  title,
  body: `Body of ${number}`,
  state: "open",
  labels: [{ name: "bug" }],
  user: { login: "reporter1" },
  assignee: null,
  created_at: `2026-03-0${number}T10:00:00Z`,
  updated_at: `2026-03-0${number}T12:00:00Z`,
  closed_at: null,
  ...extra,
});

describe("GitHub Issues importer against a stand-in API", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it("pages by Link, skips pull requests, waits out a 403 rate limit, and revalidates with ETags", async () => {
    let limitedOnce = false;
    const server = await standIn((req, res, base) => {
      const url = new URL(req.url, base);
      if (req.headers.authorization !== "Bearer test-token") return sendJson(res, 401, { message: "Bad credentials" });
      const page = url.searchParams.get("page") ?? "1";
      const etag = `"page-${page}"`;
      if (req.headers["if-none-match"] === etag) return sendJson(res, 304, null, { etag });
      if (page === "1") {
        const next = new URL(url);
        next.searchParams.set("page", "2");
        return sendJson(res, 200, [issue(1, "Invoice total wrong"), issue(2, "Refund fails"), issue(3, "Bump deps", { pull_request: { url: "x" } })], {
          etag,
          link: `<${next.toString()}>; rel="next", <${next.toString()}>; rel="last"`,
        });
      }
      if (!limitedOnce) {
        limitedOnce = true;
        return sendJson(res, 403, { message: "API rate limit exceeded" }, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + 2) });
      }
      return sendJson(res, 200, [issue(4, "Timeout on SEPA")], { etag });
    });
    cleanups.push(server.close);
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const cache = openCache(tmp.dir, "github-test");
    cleanups.push(() => cache.disconnect());
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);

    const first = await readGithubIssues({ repo: "acme/billing", baseUrl: server.base, token: "test-token", since: "2026-03-01T00:00:00Z", cache, sleep });
    expect(first.tickets.map((t) => t.key)).toEqual(["#1", "#2", "#4"]);
    expect(first.tickets[0]).toMatchObject({ source: "github", title: "Invoice total wrong", labels: ["bug"], reporter: "reporter1", status: "open" });
    expect(first).toMatchObject({ pages: 2, notModified: 0, errors: [] });
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(0);
    expect(new URL(server.requests[0]!.url, server.base).searchParams.get("since")).toBe("2026-03-01T00:00:00Z");

    const second = await readGithubIssues({ repo: "acme/billing", baseUrl: server.base, token: "test-token", since: "2026-03-01T00:00:00Z", cache, sleep });
    expect(second.tickets.map((t) => t.key)).toEqual(["#1", "#2", "#4"]);
    expect(second.notModified).toBe(2);
    expect(server.requests.slice(-2).map((r) => r.headers["if-none-match"])).toEqual(['"page-1"', '"page-2"']);

    await expect(readGithubIssues({ repo: "acme/billing", baseUrl: server.base, token: "wrong", sleep })).rejects.toThrow(/answered 401/);
  });

  it("gives up with a clear line when the rate limit resets too far away", async () => {
    const server = await standIn((_req, res) =>
      sendJson(res, 403, { message: "API rate limit exceeded" }, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + 3600) }),
    );
    cleanups.push(server.close);
    await expect(readGithubIssues({ repo: "acme/billing", baseUrl: server.base, token: "t" })).rejects.toThrow(/rate limited by http:\/\/127.0.0.1:\d+ until .*: run the import again after that/);
  });
});

describe("Jira Cloud importer against a stand-in API", () => {
  it("pages with nextPageToken and flattens Atlassian Document Format", async () => {
    const adf = (text: string) => ({ type: "doc", version: 1, content: [{ type: "paragraph", content: [{ type: "text", text }] }, { type: "codeBlock", content: [{ type: "text", text: "at convert (src/fx/convert.ts:5:9)" }] }] });
    const server = await standIn((req, res) => {
      if (req.method !== "POST" || !req.url.startsWith("/rest/api/3/search/jql")) return sendJson(res, 404, { errorMessages: ["not found"] });
      if (req.headers.authorization !== `Basic ${Buffer.from("me@example.test:jira-token").toString("base64")}`) return sendJson(res, 401, { errorMessages: ["auth"] });
      const body = JSON.parse(req.body) as { nextPageToken?: string; jql: string };
      const fields = (key: string, type: string) => ({
        summary: `${key} summary`,
        description: adf(`Description of ${key}`),
        status: { name: "In Progress" },
        priority: { name: "High" },
        issuetype: { name: type },
        labels: ["billing"],
        components: [{ name: "fx" }],
        reporter: { displayName: "Rita Reporter" },
        assignee: null,
        created: "2026-03-02T09:15:00.000+0100",
        updated: "2026-03-03T10:00:00.000+0000",
        resolutiondate: null,
        comment: { comments: [{ author: { displayName: "Ops" }, created: "2026-03-03T10:00:00.000+0000", body: adf("Seen again") }] },
      });
      if (!body.nextPageToken) return sendJson(res, 200, { issues: [{ key: "BILL-1", fields: fields("BILL-1", "Bug") }], nextPageToken: "page-2", isLast: false });
      return sendJson(res, 200, { issues: [{ key: "BILL-2", fields: fields("BILL-2", "Incident") }], isLast: true });
    });
    try {
      const r = await readJiraIssues({ baseUrl: server.base, email: "me@example.test", token: "jira-token", jql: "project = BILL order by updated asc", since: "2026-03-01T00:00:00Z" });
      expect(r.pages).toBe(2);
      expect(r.tickets.map((t) => `${t.key} ${t.kind}`)).toEqual(["BILL-1 bug", "BILL-2 incident"]);
      expect(r.tickets[0]).toMatchObject({
        source: "jira",
        body: "Description of BILL-1\nat convert (src/fx/convert.ts:5:9)",
        status: "In Progress",
        components: ["fx"],
        created: "2026-03-02T08:15:00.000Z",
        comments: [{ author: "Ops", at: "2026-03-03T10:00:00.000Z", body: "Seen again\nat convert (src/fx/convert.ts:5:9)" }],
      });
      expect((JSON.parse(server.requests[0]!.body) as { jql: string }).jql).toBe('(project = BILL) AND updated >= "2026-03-01 00:00" order by updated asc');
      expect((JSON.parse(server.requests[1]!.body) as { nextPageToken: string }).nextPageToken).toBe("page-2");
    } finally {
      await server.close();
    }
  });

  it("builds JQL with a since and flattens ADF", () => {
    expect(withSince("order by updated asc", "2026-01-02T03:04:00Z")).toBe('updated >= "2026-01-02 03:04" order by updated asc');
    expect(withSince("project = X", undefined)).toBe("project = X");
    expect(adfText({ type: "doc", content: [{ type: "paragraph", content: [{ type: "text", text: "a" }, { type: "hardBreak" }, { type: "text", text: "b" }] }] })).toBe("a\nb\n");
  });
});

describe("comments back to trackers", () => {
  it("posts to Jira as Atlassian Document Format with basic auth, and to GitHub with the token", async () => {
    const server = await standIn((req, res) => {
      if (req.url.startsWith("/rest/api/3/issue/")) return sendJson(res, 201, { id: "10001", self: "https://jira.test/rest/api/3/issue/ABC-7/comment/10001" });
      return sendJson(res, 201, { id: 9, html_url: "https://github.test/acme/billing/issues/7#issuecomment-9" });
    });
    try {
      const env = { JIRA_EMAIL: "bot@acme.test", JIRA_API_TOKEN: "jt", GITHUB_TOKEN: "gt" };
      const jira = await postComment({ source: "jira", baseUrl: server.base }, "ABC-7", "**Worldline triage**\n\n- Severity: high\n- Code: `x`", env);
      expect(jira.url).toBe("https://jira.test/rest/api/3/issue/ABC-7/comment/10001");
      const sent = server.requests[0];
      expect(sent).toMatchObject({ method: "POST", url: "/rest/api/3/issue/ABC-7/comment" });
      expect(sent?.headers.authorization).toBe(`Basic ${Buffer.from("bot@acme.test:jt").toString("base64")}`);
      expect(JSON.parse(sent?.body ?? "{}")).toEqual({
        body: {
          type: "doc",
          version: 1,
          content: [
            { type: "paragraph", content: [{ type: "text", text: "**Worldline triage**" }] },
            { type: "paragraph", content: [{ type: "text", text: "- Severity: high" }, { type: "hardBreak" }, { type: "text", text: "- Code: `x`" }] },
          ],
        },
      });
      const gh = await postComment({ source: "github", baseUrl: server.base, repo: "acme/billing" }, "#7", "hello", env);
      expect(gh.url).toBe("https://github.test/acme/billing/issues/7#issuecomment-9");
      expect(server.requests[1]).toMatchObject({ method: "POST", url: "/repos/acme/billing/issues/7/comments" });
      expect(server.requests[1]?.headers.authorization).toBe("Bearer gt");
      await expect(postComment({ source: "github", baseUrl: server.base, repo: "acme/billing" }, "SUP-1", "x", env)).rejects.toThrow(/not a GitHub issue key: expected #N/);
    } finally {
      await server.close();
    }
  });

  it("keeps a ticket's revision when only Worldline's own comment was added", () => {
    const t = { title: "Crash", body: "It fails", comments: [{ author: "ann", body: "Still failing" }] };
    const mine = { author: "bot", body: `${WORLDLINE_MARK}\n**Worldline triage**` };
    expect(ticketRevision({ ...t, comments: [...t.comments, mine] })).toBe(ticketRevision(t));
    expect(ticketRevision({ ...t, body: "It fails on Mondays" })).not.toBe(ticketRevision(t));
    expect(() => trackerFor({ key: "SUP-1", source: "github" }, [])).toThrow(/no ticketSources entry with source "github"/);
  });
});
