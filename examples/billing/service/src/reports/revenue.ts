import { query } from "../db/pool";
import { convert } from "../fx/convert";
import { sum } from "../util/money";

/** Monthly recurring revenue in EUR, by plan, from the invoices of a month. */
export async function revenueByPlan(month: string): Promise<Record<string, number>> {
  const { rows } = await query<{ plan: string; total: number; currency: string }>(
    "select s.plan, i.total, i.currency from invoices i join subscriptions s on s.customer_id = i.customer_id where to_char(i.issued_at, 'YYYY-MM') = $1",
    [month],
  );
  const byPlan: Record<string, number[]> = {};
  for (const r of rows) (byPlan[r.plan] ??= []).push(await convert(Number(r.total), r.currency, "EUR"));
  return Object.fromEntries(Object.entries(byPlan).map(([plan, totals]) => [plan, sum(totals)]));
}
