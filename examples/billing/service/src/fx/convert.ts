import { roundCents } from "../util/money";
import { assertCurrency, defaultRates, type RateProvider } from "./rates";

/**
 * Converts an amount between currencies. The amount is converted at full precision and rounded once, at the
 * end: rounding before converting loses a cent on EU invoices (ADR 0003, SUP-1423).
 */
export async function convert(amount: number, from: string, to: string, rates: RateProvider = defaultRates): Promise<number> {
  const source = assertCurrency(from);
  const target = assertCurrency(to);
  if (source === target) return roundCents(amount);
  const rate = await rates.getRate(source, target);
  return roundCents(amount * rate);
}

export async function convertAll(amounts: readonly number[], from: string, to: string, rates: RateProvider = defaultRates): Promise<number[]> {
  const out: number[] = [];
  for (const a of amounts) out.push(await convert(a, from, to, rates));
  return out;
}
