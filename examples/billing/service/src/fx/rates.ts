import { request } from "undici";

/** Exchange rates from EUR. A provider answers the rate to multiply a EUR amount by. */
export interface RateProvider {
  getRate(from: string, to: string): Promise<number>;
}

const CODE = /^[A-Z]{3}$/;

export function assertCurrency(code: string): string {
  const upper = code.trim().toUpperCase();
  if (!CODE.test(upper)) throw new Error(`Invalid currency code: ${code}`);
  return upper;
}

/** The ECB reference rates, fetched once per day per pair. */
export class EcbRates implements RateProvider {
  private readonly cache = new Map<string, number>();

  constructor(private readonly baseUrl = "https://rates.example.test/ecb") {}

  async getRate(from: string, to: string): Promise<number> {
    const a = assertCurrency(from);
    const b = assertCurrency(to);
    if (a === b) return 1;
    const key = `${a}${b}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const res = await request(`${this.baseUrl}/${a}/${b}`);
    const body = (await res.body.json()) as { rate: number };
    this.cache.set(key, body.rate);
    return body.rate;
  }
}

/** A fixed table, for tests and for currencies pegged by contract. */
export class FixedRates implements RateProvider {
  constructor(private readonly rates: Record<string, number>) {}

  async getRate(from: string, to: string): Promise<number> {
    const a = assertCurrency(from);
    const b = assertCurrency(to);
    if (a === b) return 1;
    const rate = this.rates[`${a}${b}`];
    if (rate === undefined) throw new Error(`No rate for ${a} to ${b}`);
    return rate;
  }
}

export const defaultRates: RateProvider = new EcbRates();
