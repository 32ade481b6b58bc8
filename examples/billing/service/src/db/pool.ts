import { Pool } from "pg";
import { config } from "../config/index";

/** The one connection pool of the service; every query goes through `query`. */
let pool: Pool | undefined;

export function getPool(): Pool {
  pool ??= new Pool({ connectionString: config.databaseUrl, max: 10 });
  return pool;
}

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export async function query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
  const result = await getPool().query(sql, params);
  return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
}

export async function withTransaction<T>(work: () => Promise<T>): Promise<T> {
  await query("begin");
  try {
    const result = await work();
    await query("commit");
    return result;
  } catch (err) {
    await query("rollback");
    throw err;
  }
}
