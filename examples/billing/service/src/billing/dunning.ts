import { query } from "../db/pool";

/**
 * Dunning: what to do with an unpaid invoice, by days overdue. Reminders at 3 and 10 days, suspension at 21,
 * and a hand-over to collections at 45 (finance policy).
 */
export type DunningStep = "none" | "reminder-1" | "reminder-2" | "suspend" | "collections";

export function dunningStep(daysOverdue: number): DunningStep {
  if (daysOverdue >= 45) return "collections";
  if (daysOverdue >= 21) return "suspend";
  if (daysOverdue >= 10) return "reminder-2";
  if (daysOverdue >= 3) return "reminder-1";
  return "none";
}

export function daysBetween(from: string, to: string): number {
  return Math.floor((new Date(to).getTime() - new Date(from).getTime()) / 86_400_000);
}

export async function overdueInvoices(asOf: string): Promise<Array<{ id: string; customerId: string; step: DunningStep }>> {
  const { rows } = await query<{ id: string; customer_id: string; due_at: string }>("select id, customer_id, due_at from invoices where paid_at is null and due_at < $1", [asOf]);
  return rows.map((r) => ({ id: r.id, customerId: r.customer_id, step: dunningStep(daysBetween(r.due_at, asOf)) })).filter((r) => r.step !== "none");
}
