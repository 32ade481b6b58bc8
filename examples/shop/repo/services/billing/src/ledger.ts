import type { Price } from "./pricing.js";

/** Every charge billing made, by id: the service's own ledger (kept in memory; the card processor holds the money). */
export interface ChargeRecord extends Price {
  id: string;
  order: string;
  customer: string;
}

const charges = new Map<string, ChargeRecord>();

export function recordCharge(order: string, customer: string, price: Price): ChargeRecord {
  const id = `ch_${String(charges.size + 1).padStart(4, "0")}`;
  const record = { id, order, customer, ...price };
  charges.set(id, record);
  return record;
}

export function findCharge(id: string): ChargeRecord | undefined {
  return charges.get(id);
}

export function chargesOf(order: string): ChargeRecord[] {
  return [...charges.values()].filter((c) => c.order === order);
}
