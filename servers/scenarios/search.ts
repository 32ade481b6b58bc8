import Database from "better-sqlite3";
import { UserError } from "../../core/errors.js";
import { searchTokens } from "../context-graph/rows.js";
import type { Scenario } from "./format.js";

/**
 * Search over the scenarios loaded at a revision: titles, labels (tags, workflow, customers, sources such as a
 * ticket key) and prose, with stemming ("rounding" finds "round"), ranked by bm25 with titles first. It indexes the
 * loaded scenarios themselves, in memory, so a scenario deleted at that revision is never found and both database
 * backends answer alike; an index is built once per loaded set.
 */

export interface ScenarioFilters {
  tag?: string | undefined;
  workflow?: string | undefined;
  customer?: string | undefined;
  executable?: boolean | undefined;
  /** "test": the repo's own test cases; "written": scenario files. */
  kind?: "test" | "written" | undefined;
}

export interface ScenarioHit {
  scenario: Scenario;
  /** Higher is better; absent when no query ranked the list. */
  score?: number;
}

const isTest = (s: Scenario) => s.tags.includes("test") && s.source.some((src) => src.startsWith("test:"));

function matches(s: Scenario, f: ScenarioFilters): boolean {
  return (
    (f.tag === undefined || s.tags.includes(f.tag)) &&
    (f.workflow === undefined || s.workflow === f.workflow) &&
    (f.customer === undefined || s.customers.includes(f.customer)) &&
    (f.executable === undefined || (s.simulate !== undefined) === f.executable) &&
    (f.kind === undefined || (f.kind === "test") === isTest(s))
  );
}

class ScenarioIndex {
  private readonly db = new Database(":memory:");

  constructor(private readonly scenarios: readonly Scenario[]) {
    this.db.exec("CREATE VIRTUAL TABLE s USING fts5(title, labels, body, tokenize='porter unicode61')");
    const insert = this.db.prepare("INSERT INTO s(rowid, title, labels, body) VALUES (?, ?, ?, ?)");
    this.db.transaction(() => {
      scenarios.forEach((sc, i) => {
        const labels = [...sc.tags, sc.workflow ?? "", ...sc.customers, ...sc.source.map((src) => src.replace(/^(ticket|incident|decision|test):/, ""))].join(" ");
        insert.run(i + 1, sc.title, labels, `${sc.id.replace(/-/g, " ")}\n${sc.prose}`);
      });
    })();
  }

  /** Every scenario with all the words (else any word), best first. */
  search(query: string): Array<{ scenario: Scenario; score: number }> {
    const tokens = searchTokens(query);
    if (tokens.length === 0) throw new UserError(`query "${query}" has no words to search for: give words of a title, tag or description, or leave query out to list by the filters`);
    const run = (match: string) =>
      this.db.prepare("SELECT rowid AS i, bm25(s, 4.0, 2.0, 1.0) AS score FROM s WHERE s MATCH ? ORDER BY score, rowid").all(match) as Array<{ i: number; score: number }>;
    let rows = run(tokens.map((t) => `"${t}"`).join(" "));
    if (rows.length === 0 && tokens.length > 1) rows = run(tokens.map((t) => `"${t}"`).join(" OR "));
    return rows.map((r) => ({ scenario: this.scenarios[r.i - 1] as Scenario, score: Number((-r.score).toPrecision(4)) }));
  }
}

const indexes = new WeakMap<readonly Scenario[], ScenarioIndex>();

/** The scenarios matching the filters; with a query, ranked by it, else in id order. */
export function findScenarios(scenarios: readonly Scenario[], query: string | undefined, filters: ScenarioFilters = {}): ScenarioHit[] {
  if (query === undefined || query.trim() === "") return scenarios.filter((s) => matches(s, filters)).sort((a, b) => a.id.localeCompare(b.id)).map((scenario) => ({ scenario }));
  let index = indexes.get(scenarios);
  if (!index) {
    index = new ScenarioIndex(scenarios);
    indexes.set(scenarios, index);
  }
  return index.search(query).filter((h) => matches(h.scenario, filters));
}
