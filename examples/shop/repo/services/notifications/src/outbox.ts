import { Pool } from "pg";

/** Mail waits in the outbox table; the mailer drains it (a crash between the two loses nothing). */
const db = new Pool({ connectionString: process.env.DATABASE_URL });

export async function queueMail(to: string, subject: string, body: string): Promise<void> {
  await db.query("INSERT INTO outbox (recipient, subject, body) VALUES ($1, $2, $3)", [to, subject, body]);
}
