import { createHash } from "node:crypto";
import { z } from "zod";
import type { Db } from "../../core/db.js";
import { migrate, type Migration } from "../../core/db.js";
import { type PgDatabase, query } from "../../core/pg.js";
import { coverageHolds, type TreeIndex } from "./coverage.js";
import type { RunCoverage } from "./sandbox/protocol.js";

/**
 * The coverage of executable scenarios' base runs, kept so selection need not run a scenario again until a
 * file it depended on changes (DESIGN.md: cached until a file it loaded changes). A record is keyed by the
 * scenario, the hash of its `simulate:` block, and the content hashes of the files the run rested on; it
 * holds for any revision whose tree gives those files the same content. On a team database, one machine's
 * base run spares every other machine the same run.
 */
const TABLE = `CREATE TABLE sc_coverage (
      scenario TEXT NOT NULL,
      spec_hash TEXT NOT NULL,
      deps_hash TEXT NOT NULL,
      ran_at_rev TEXT NOT NULL,
      status TEXT NOT NULL,
      coverage TEXT NOT NULL,
      reason TEXT,
      recorded_at TEXT NOT NULL,
      PRIMARY KEY (scenario, spec_hash, deps_hash)
    );`;
/** Plain SQL both backends take. */
const MIGRATIONS: Migration[] = [{ version: 1, sql: TABLE }];

const SELECT = "SELECT coverage, ran_at_rev, status, reason FROM sc_coverage WHERE scenario = $1 AND spec_hash = $2 ORDER BY recorded_at DESC";
const UPSERT = `INSERT INTO sc_coverage (scenario, spec_hash, deps_hash, ran_at_rev, status, coverage, reason, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
  ON CONFLICT (scenario, spec_hash, deps_hash) DO UPDATE SET ran_at_rev = excluded.ran_at_rev, status = excluded.status, coverage = excluded.coverage, reason = excluded.reason, recorded_at = excluded.recorded_at`;

/** A stored record as read back: validated, since the file on disk is outside this process's control. */
const StoredCoverage = z.object({
  files: z.record(z.string(), z.object({ hash: z.string(), sites: z.string().regex(/^(?:\d+,\d+,[sfSF](?:;\d+,\d+,[sfSF])*)?$/) })),
  requests: z.array(z.object({ from: z.string(), specifier: z.string(), resolved: z.string().optional(), candidates: z.array(z.string()).optional() })),
  env: z.array(z.string()),
  resolution: z.record(z.string(), z.string()).optional(),
});

export interface CoverageRecord {
  coverage: RunCoverage;
  /** The commit the run that produced it ran on. */
  ranAt: string;
  status: "ok" | "error";
  /** Why the run ended in error, when it did. */
  reason?: string;
}

export function specHash(simulate: unknown): string {
  return createHash("sha1").update(JSON.stringify(simulate)).digest("hex");
}

/** Where base runs' coverage is kept: the repo's SQLite file, or the team's PostgreSQL database. */
export interface CoverageStore {
  /** A record for this scenario and spec that holds for the given tree (path to blob hash), if any. */
  find(scenario: string, spec: string, tree: TreeIndex): Promise<CoverageRecord | undefined>;
  /** Keeps a run's coverage (its resolution files' hashes taken from the tree it ran on). */
  save(scenario: string, spec: string, rev: string, status: "ok" | "error", coverage: RunCoverage, reason?: string): Promise<void>;
}

interface Row {
  coverage: string;
  ran_at_rev: string;
  status: string;
  reason: string | null;
}

/** The newest stored record that holds for the tree; one another version wrote is run again rather than trusted. */
function holding(rows: readonly Row[], tree: TreeIndex): CoverageRecord | undefined {
  for (const row of rows) {
    const parsed = StoredCoverage.safeParse(JSON.parse(row.coverage));
    if (!parsed.success) continue;
    const coverage = parsed.data as RunCoverage;
    if (coverageHolds(coverage, tree)) return { coverage, ranAt: row.ran_at_rev, status: row.status === "ok" ? "ok" : "error", ...(row.reason ? { reason: row.reason } : {}) };
  }
  return undefined;
}

function recordValues(scenario: string, spec: string, rev: string, status: "ok" | "error", coverage: RunCoverage, reason: string | undefined): unknown[] {
  const deps = createHash("sha1").update(JSON.stringify([Object.entries(coverage.files).map(([p, f]) => [p, f.hash]).sort(), coverage.resolution ?? {}, coverage.requests])).digest("hex");
  return [scenario, spec, deps, rev, status, JSON.stringify(coverage), reason ?? null, new Date().toISOString()];
}

/** The same statements as PostgreSQL's, each `$n` written in order, so `?` binds them alike. */
const positional = (sql: string) => sql.replace(/\$\d+/g, "?");

export class SqliteCoverageStore implements CoverageStore {
  constructor(private readonly db: Db) {
    migrate(db, "scenario-coverage", MIGRATIONS);
  }

  async find(scenario: string, spec: string, tree: TreeIndex): Promise<CoverageRecord | undefined> {
    return holding(this.db.prepare<unknown[], Row>(positional(SELECT)).all(scenario, spec), tree);
  }

  async save(scenario: string, spec: string, rev: string, status: "ok" | "error", coverage: RunCoverage, reason?: string): Promise<void> {
    this.db.prepare(positional(UPSERT)).run(...recordValues(scenario, spec, rev, status, coverage, reason));
  }
}

export class PgCoverageStore implements CoverageStore {
  constructor(private readonly database: PgDatabase) {}

  async find(scenario: string, spec: string, tree: TreeIndex): Promise<CoverageRecord | undefined> {
    await this.database.ready("scenario-coverage", MIGRATIONS);
    return holding(await query<Row & Record<string, unknown>>(this.database.pool, SELECT, [scenario, spec]), tree);
  }

  async save(scenario: string, spec: string, rev: string, status: "ok" | "error", coverage: RunCoverage, reason?: string): Promise<void> {
    await this.database.ready("scenario-coverage", MIGRATIONS);
    await query(this.database.pool, UPSERT, recordValues(scenario, spec, rev, status, coverage, reason));
  }
}
