import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRepoDb } from "../core/db.js";
import { recordDecision } from "../servers/context-graph/decisions.js";
import { recordEpisode } from "../servers/context-graph/episodes.js";
import { ingestHistory } from "../servers/git-history/ingest.js";
import { blame } from "../servers/git-history/blame.js";
import { fileHistory } from "../servers/git-history/history.js";
import { GitHistoryService } from "../servers/git-history/service.js";
import { Simulate, type Scenario } from "../servers/scenarios/format.js";
import { ScenarioService } from "../servers/scenarios/service.js";
import { importTickets } from "../servers/tickets/importer.js";
import { searchTickets } from "../servers/tickets/queries.js";
import { TicketService } from "../servers/tickets/service.js";
import { readTicketFolder } from "../servers/tickets/sources/folder.js";
import { CodeGraphService } from "../servers/code-graph/service.js";
import { commitFiles, makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * What is stored is redacted, on every route a secret takes into `.worldline/worldline.db`: a ticket, a
 * commit message, a string literal in the code, and a value the head code returned in a simulation. Each
 * test reads the database file itself (after a checkpoint, so nothing hides in the WAL) and looks for the
 * secret and for each of its parts as the full-text index would store them (lower-cased words).
 */
const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const AWS_LINE = `aws_secret_access_key = ${AWS_SECRET}`;
const PASSWORD = "hunter22staging";
const BASIC = "dXNlcjpwYXNzd29yZA=="; // user:password
const URL_PASSWORD = "s3cr3t-url-pw";

/** Parts of each secret as they could sit in a table or an FTS index (FTS5 lower-cases its tokens). */
const NEEDLES = [AWS_SECRET, ...AWS_SECRET.split("/"), PASSWORD, BASIC, URL_PASSWORD];

/** The needles found in the database file and its WAL, after a checkpoint. */
function leaks(repo: string): string[] {
  // A connection of its own: the checkpoint moves every other connection's committed writes into the file.
  const db = openRepoDb(repo);
  try {
    db.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
  const file = join(repo, ".worldline", "worldline.db");
  const text = [file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f).toString("latin1")).join("\n");
  const lower = text.toLowerCase();
  return NEEDLES.filter((n) => text.includes(n) || lower.includes(n.toLowerCase()));
}

describe("redaction of a ticket", () => {
  const tmp = tempDir();
  let service: TicketService;

  beforeAll(async () => {
    makeRepo(tmp.dir, [{ message: "init", files: { "src/a.ts": "export const a = 1;\n" } }]);
    const ticket = {
      key: "SUP-900",
      title: "Leaked staging credentials in the deploy log",
      body: `The deploy log printed\n${AWS_LINE}\nand password=${PASSWORD}, Authorization: Basic ${BASIC}, from https://deploy:${URL_PASSWORD}@ci.example.com/x.`,
      created: "2026-03-01T10:00:00Z",
      comments: [{ author: "ops", body: `rotated ${AWS_LINE}` }],
      links: [`https://deploy:${URL_PASSWORD}@ci.example.com/build/1`],
      labels: ["security"],
    };
    mkdirSync(join(tmp.dir, "tickets"), { recursive: true });
    writeFileSync(join(tmp.dir, "tickets", "SUP-900.json"), JSON.stringify(ticket));
    service = new TicketService(tmp.dir);
    const read = await readTicketFolder(tmp.dir);
    expect(read.errors).toEqual([]);
    await importTickets(service.importContext(), read.tickets, read.errors);
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("stores the ticket body, comments and links redacted, with the rules that matched", async () => {
    const stored = await service.store.get("SUP-900");
    expect(stored?.ticket.body).toContain("aws_secret_access_key = [REDACTED:aws-secret-key]");
    expect(stored?.ticket.body).toContain("password=[REDACTED:secret-assignment]");
    expect(stored?.ticket.body).toContain("Authorization: Basic [REDACTED:authorization-header]");
    expect(stored?.ticket.body).toContain("https://[REDACTED:url-credentials]@ci.example.com/x.");
    expect(stored?.ticket.comments[0]?.body).toBe("rotated aws_secret_access_key = [REDACTED:aws-secret-key]");
    expect(stored?.ticket.links).toEqual(["https://[REDACTED:url-credentials]@ci.example.com/build/1"]);
    expect(stored?.redactions).toEqual(
      expect.arrayContaining([
        { rule: "aws-secret-key", count: 2 },
        { rule: "url-credentials", count: 2 },
      ]),
    );
  });

  it("finds the ticket by its words but never by the secret, and the FTS hit holds no secret", async () => {
    const hits = await searchTickets(service.store, "aws_secret_access_key staging credentials", {});
    expect(hits.map((h) => h.key)).toEqual(["SUP-900"]);
    const rows = await service.store.search(["aws", "secret", "access", "key"], "all", {}, 10);
    expect(rows.map((r) => r.ticket.body).join("\n")).not.toContain(AWS_SECRET);
    for (const part of AWS_SECRET.split("/")) expect(await service.store.search([part], "all", {}, 10)).toEqual([]);
  });

  it("redacts in the store too, whoever saves: a ticket saved as it came is stored redacted", async () => {
    const raw = { key: "SUP-901", source: "folder", kind: "bug" as const, title: "t", body: AWS_LINE, status: "open", labels: [], components: [], created: "2026-03-02T10:00:00.000Z", comments: [], customers: [], links: [] };
    await service.store.save([{ ticket: raw, refs: [], redactions: [], contentHash: "x" }], "2026-03-02T10:00:00.000Z");
    expect((await service.store.get("SUP-901"))?.ticket).toMatchObject({ key: "SUP-901", body: "aws_secret_access_key = [REDACTED:aws-secret-key]", created: raw.created });
    expect((await service.store.search(["aws"], "all", {}, 10)).map((r) => r.ticket.key).sort()).toEqual(["SUP-900", "SUP-901"]);
  });

  it("leaves no part of the secrets in the database file: ticket row, FTS, the graph's ticket node and episode", async () => {
    const node = await service.graph.getNode("ticket:SUP-900");
    expect(node?.text).toContain("[REDACTED:aws-secret-key]");
    expect(leaks(tmp.dir)).toEqual([]);
  });
});

describe("redaction of commit messages ingested as history", () => {
  const tmp = tempDir();
  let service: GitHistoryService;
  let subjectSha: string;
  let bodySha: string;

  beforeAll(async () => {
    makeRepo(tmp.dir, [{ message: "init", files: { "src/a.ts": "export const a = 1;\n" } }]);
    subjectSha = commitFiles(tmp.dir, { message: `Configure ${AWS_LINE}`, files: { "src/a.ts": "export const a = 2;\n" } }, 1);
    bodySha = commitFiles(
      tmp.dir,
      { message: `Rotate the deploy credentials\n\nThe old ones were\n${AWS_LINE}\npassword=${PASSWORD}\nclone https://deploy:${URL_PASSWORD}@git.example.com/r.git`, files: { "src/a.ts": "export const a = 3;\n" } },
      2,
    );
    service = new GitHistoryService(tmp.dir);
    await ingestHistory(service.graph, tmp.dir, service.commits);
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("stores each commit node redacted: the subject as title, the message as text; its sha stays the id", async () => {
    expect(subjectSha).toMatch(/^[0-9a-f]{40}$/);
    const subject = await service.graph.getNode(`commit:${subjectSha}`);
    expect(subject?.title).toBe("Configure aws_secret_access_key = [REDACTED:aws-secret-key]");
    expect(subject?.props.sha).toBe(subjectSha);
    const body = await service.graph.getNode(`commit:${bodySha}`);
    expect(body?.text).toContain("aws_secret_access_key = [REDACTED:aws-secret-key]");
    expect(body?.text).toContain("password=[REDACTED:secret-assignment]");
    expect(body?.text).toContain("https://[REDACTED:url-credentials]@git.example.com/r.git");
    expect(body?.props).toMatchObject({ sha: bodySha, parents: [subjectSha] });
  });

  it("finds the commits by their words in the graph's FTS, with no secret in the hits", async () => {
    const hits = await service.graph.search("aws_secret_access_key");
    expect(hits.map((h) => h.node.id).sort()).toEqual([`commit:${bodySha}`, `commit:${subjectSha}`].sort());
    expect(JSON.stringify(hits)).not.toContain(AWS_SECRET);
    expect(await service.graph.search(AWS_SECRET.split("/")[0] as string)).toEqual([]);
  });

  it("leaves no part of the secrets in the database file: nodes, episodes, FTS", () => {
    expect(leaks(tmp.dir)).toEqual([]);
  });

  it("answers blame and history with the messages redacted too", async () => {
    const lines = await blame(tmp.dir, service.commits, "src/a.ts", { start: 1, end: 1 }, "HEAD");
    const history = await fileHistory(tmp.dir, "src/a.ts", "HEAD", 10);
    const said = JSON.stringify([lines, history]);
    expect(said).toContain("[REDACTED:aws-secret-key]");
    for (const n of NEEDLES) expect(said).not.toContain(n);
  });
});

describe("redaction of string literals in the code graph", () => {
  const tmp = tempDir();
  let service: CodeGraphService;
  const sha = "3f786850e387550fdab836ed7e6dc881de23001b";
  const uuid = "550e8400-e29b-41d4-a716-446655440000";

  beforeAll(async () => {
    makeRepo(tmp.dir, [
      {
        message: "config",
        files: {
          "src/deploy.ts": [
            `/** Deploys with password=${PASSWORD}. */`,
            `export const credentials = "${AWS_LINE}";`,
            `export const header = { Authorization: "Basic ${BASIC}" };`,
            `export const remote = "https://deploy:${URL_PASSWORD}@git.example.com/r.git";`,
            `export const pinned = "${sha}";`,
            `export const requestId = "${uuid}";`,
            `export function fail(): never {`,
            `  throw new Error("Invalid currency code");`,
            `}`,
            "",
          ].join("\n"),
        },
      },
    ]);
    service = new CodeGraphService(tmp.dir);
    await service.index();
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("answers find_literal with the literal redacted, and never by the secret", async () => {
    const g = await service.graph();
    expect(g.findLiteral("aws_secret_access_key", false).map((h) => h.value)).toEqual(["aws_secret_access_key = [REDACTED:aws-secret-key]"]);
    expect(g.findLiteral(AWS_SECRET, false)).toEqual([]);
    expect(g.findLiteral("Basic", false).map((h) => h.value)).toEqual(["Basic [REDACTED:basic-auth]"]);
    expect(g.findLiteral("git.example.com", false).map((h) => h.value)).toEqual(["https://[REDACTED:url-credentials]@git.example.com/r.git"]);
  });

  it("keeps ids and messages as written: a commit sha, a uuid, an error message", async () => {
    const g = await service.graph();
    expect(g.findLiteral(sha, true).map((h) => h.location)).toEqual(["src/deploy.ts:5"]);
    expect(g.findLiteral(uuid, true).map((h) => h.location)).toEqual(["src/deploy.ts:6"]);
    expect(g.findLiteral("Invalid currency code", true).map((h) => h.symbol)).toEqual(["src/deploy.ts#fail"]);
  });

  it("leaves no part of the secrets in the database file: literals, signatures, doc comments and their FTS", async () => {
    expect(leaks(tmp.dir)).toEqual([]);
  });
});

describe("redaction of what crossed a simulation", () => {
  const tmp = tempDir();
  let service: ScenarioService;
  // The head code builds the secret at run time, so no literal in the repo holds it: only the run does.
  const reversed = [...AWS_SECRET].reverse().join("");
  const source = (line: string) =>
    [
      'import { Pool } from "pg";',
      "const pool = new Pool();",
      "export async function exportCreds(user: string): Promise<Record<string, string>> {",
      `  const secret = "${reversed}".split("").reverse().join("");`,
      `  const line = ${line};`,
      '  await pool.query("insert into audit (line) values ($1)", [line, { password: "hunter22" + "staging" }]);',
      '  return { line, password: "hunter22" + "staging", header: "Basic " + "dXNlcjpwYXNz" + "d29yZA==", user };',
      "}",
      "",
    ].join("\n");
  const scenario: Scenario = {
    id: "export-creds",
    title: "export creds",
    source: [],
    customers: [],
    tags: [],
    entry: [],
    path: "scenarios/export-creds.md",
    prose: "",
    simulate: Simulate.parse({
      world: { stubs: { "pg#Pool.query": { returns: { rowCount: 1 } } } },
      steps: [{ call: "src/creds.ts#exportCreds", args: ["ada"], expect: ['result.line === "rotated"'] }],
    }),
  };

  beforeAll(() => {
    makeRepo(tmp.dir, [
      { message: "base", files: { "src/creds.ts": source('"rotated"') } },
      { message: "head", files: { "src/creds.ts": source("`aws_secret_access_key = ${secret}`") } },
    ]);
    service = new ScenarioService(tmp.dir);
  });
  afterAll(() => {
    service.close();
    tmp.cleanup();
  });

  it("stores the simulation record, its decision and their FTS with no part of the secrets", async () => {
    const { base, head } = await service.pin("HEAD~1", "HEAD");
    const r = await service.simulateDifferential(scenario, base, head);
    expect(r.verdict.verdict).toBe("fail");
    // The secret did cross the run: the head's result and effects carry it, as the run returned them.
    expect(JSON.stringify(r.head?.steps[0]?.result)).toContain(AWS_SECRET);
    expect(JSON.stringify(r.head?.effects)).toContain(AWS_SECRET);
    expect(JSON.stringify(r.head?.trace)).toContain(AWS_SECRET);

    const node = await service.graph.getNode(r.simulation);
    const stored = JSON.stringify(node);
    expect(stored).not.toContain(AWS_SECRET);
    expect(stored).toContain("[REDACTED:");
    expect(node?.props.effects).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ target: "pg#Pool.query", args: ["insert into audit (line) values ($1)", ["aws_secret_access_key = [REDACTED:aws-secret-key]", { password: "[REDACTED:secret-field]" }]] }),
      ]),
    );
    // `const secret = …` bound the bare value: nothing names it in the trace, yet it is redacted.
    const values = (node?.props.trace as Array<{ at: string; kind: string; value?: unknown }>).filter((e) => e.kind === "value").map((e) => [e.at, e.value]);
    expect(values).toEqual(
      expect.arrayContaining([
        ["src/creds.ts:4", "[REDACTED:high-entropy]"],
        ["src/creds.ts:5", "aws_secret_access_key = [REDACTED:aws-secret-key]"],
      ]),
    );
    expect(node?.props).toMatchObject({ base, head, rootCause: { location: "src/creds.ts:5", base: "rotated", head: "aws_secret_access_key = [REDACTED:aws-secret-key]" } });
    const hits = await service.graph.search("aws_secret_access_key export creds");
    expect(JSON.stringify(hits)).not.toContain(AWS_SECRET);
    expect(leaks(tmp.dir)).toEqual([]);
  });

  it("redacts decisions and episodes recorded about it", async () => {
    await recordDecision(service.graph, {
      question: "does the change leak credentials?",
      conclusion: `yes: the head returns ${AWS_LINE}`,
      evidence: ["scenario:export-creds"],
      reasoning: `Authorization: Basic ${BASIC}`,
      author: "embedded-planner@1",
    });
    await recordEpisode(service.graph, { source: "agent:llm-planner", ref: "HEAD~1..HEAD", text: JSON.stringify({ messages: [{ role: "tool", content: AWS_LINE, password: PASSWORD }] }, null, 2) });
    expect(leaks(tmp.dir)).toEqual([]);
  });
});
