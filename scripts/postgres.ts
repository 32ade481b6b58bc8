import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { startLocalPostgres } from "../core/local-postgres.js";

/**
 * `npm run postgres -- [--dir DIR] [--port PORT]`: a PostgreSQL server on loopback for trying team mode,
 * kept in DIR between runs (~/.worldline-postgres; /var/tmp/worldline-postgres as root), with a database named `worldline`. Prints the WORLDLINE_DATABASE_URL to use and
 * runs until Ctrl-C. A team's real server is any PostgreSQL 13 or later.
 */
const { values } = parseArgs({ options: { dir: { type: "string" }, port: { type: "string" } }, strict: true });
// As root the server runs as the user postgres, who cannot enter root's home: the default is then in /var/tmp.
const dir = resolve(values.dir ?? (userInfo().uid === 0 ? "/var/tmp/worldline-postgres" : join(homedir(), ".worldline-postgres")));
const port = Number(values.port ?? "5433");
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write(`npm run postgres: --port "${values.port}": expected a port number from 1 to 65535\n`);
  process.exit(2);
}
const secret = join(dir, "password");
const password = existsSync(secret) ? readFileSync(secret, "utf8").trim() : randomBytes(12).toString("hex");
const server = await startLocalPostgres({ dir, port, password, persistent: true }).catch((err: unknown) => {
  process.stderr.write(`npm run postgres: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
writeFileSync(secret, `${password}\n`, { mode: 0o600 });
const admin = new pg.Client({ connectionString: server.url });
await admin.connect();
if (!(await admin.query("SELECT 1 FROM pg_database WHERE datname = 'worldline'")).rowCount) await admin.query("CREATE DATABASE worldline");
await admin.end();
process.stdout.write(`PostgreSQL is running in ${dir} (Ctrl-C stops it). Use it with:\n\n  export WORLDLINE_DATABASE_URL=postgres://worldline:${password}@127.0.0.1:${port}/worldline\n\n`);
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
