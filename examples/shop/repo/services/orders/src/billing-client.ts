import type { Line } from "./model.js";

/** Billing as orders sees it: one HTTP call per charge. */
const BILLING_URL = process.env.BILLING_URL ?? "http://billing:3000";

export interface Charge {
  id: string;
  order: string;
  subtotalCents: number;
  taxCents: number;
  feeCents: number;
  amountCents: number;
}

export async function charge(order: string, customer: string, lines: Line[]): Promise<Charge> {
  const res = await fetch(`${BILLING_URL}/charges`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ order, customer, lines }),
  });
  if (!res.ok) throw new Error(`billing refused the charge for ${order}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Charge;
}
