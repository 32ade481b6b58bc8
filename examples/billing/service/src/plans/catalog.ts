/** The plan catalogue: monthly list prices in EUR; other currencies are converted at invoice time. */
export type PlanId = "basic" | "pro" | "enterprise";

export interface Plan {
  id: PlanId;
  name: string;
  monthlyPriceEur: number;
  seats: number;
}

export const PLANS: Record<PlanId, Plan> = {
  basic: { id: "basic", name: "Basic", monthlyPriceEur: 29, seats: 3 },
  pro: { id: "pro", name: "Pro", monthlyPriceEur: 99, seats: 10 },
  enterprise: { id: "enterprise", name: "Enterprise", monthlyPriceEur: 499, seats: 100 },
};

export function getPlan(id: string): Plan {
  const plan = PLANS[id as PlanId];
  if (!plan) throw new Error(`Unknown plan: ${id}`);
  return plan;
}

export function isUpgrade(from: PlanId, to: PlanId): boolean {
  return PLANS[to].monthlyPriceEur > PLANS[from].monthlyPriceEur;
}
