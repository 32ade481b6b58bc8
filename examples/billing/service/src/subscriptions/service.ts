import { generateInvoice, type Invoice } from "../billing/invoice";
import { query } from "../db/pool";
import { getPlan, isUpgrade, type PlanId } from "../plans/catalog";

export interface Subscription {
  customerId: string;
  plan: PlanId;
  since: string;
}

export async function subscribe(customerId: string, plan: PlanId, at: string): Promise<Subscription> {
  getPlan(plan);
  await query("insert into subscriptions (customer_id, plan, since) values ($1, $2, $3)", [customerId, plan, at]);
  return { customerId, plan, since: at };
}

/**
 * Moves a customer to another plan. An upgrade is invoiced at once with proration; a downgrade takes effect
 * at the next cycle and is not invoiced now.
 */
export async function changePlan(customerId: string, from: PlanId, to: PlanId, at: string): Promise<{ subscription: Subscription; invoice?: Invoice }> {
  if (from === to) throw new Error(`Plan is already ${to}`);
  await query("update subscriptions set plan = $2, since = $3 where customer_id = $1", [customerId, to, at]);
  const subscription = { customerId, plan: to, since: at };
  if (!isUpgrade(from, to)) return { subscription };
  const invoice = await generateInvoice({ customerId, change: { from, to, at } });
  return { subscription, invoice };
}
