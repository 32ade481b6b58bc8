/**
 * EU VAT: the customer's country rate for consumers and for businesses at home; reverse charge (0%) for
 * businesses with a VAT id in another EU country. Outside the EU no VAT is charged.
 */
export const VAT_RATES: Record<string, number> = {
  AT: 0.2,
  BE: 0.21,
  DE: 0.19,
  ES: 0.21,
  FR: 0.2,
  IE: 0.23,
  IT: 0.22,
  NL: 0.21,
  PL: 0.23,
  SE: 0.25,
};

export const HOME_COUNTRY = "DE";

export interface VatDecision {
  rate: number;
  reverseCharge: boolean;
  reason: string;
}

export function vatFor(country: string, vatId: string | null): VatDecision {
  const c = country.toUpperCase();
  const rate = VAT_RATES[c];
  if (rate === undefined) return { rate: 0, reverseCharge: false, reason: `${c} is outside the EU` };
  if (vatId && c !== HOME_COUNTRY) return { rate: 0, reverseCharge: true, reason: `business customer in ${c}: reverse charge` };
  return { rate, reverseCharge: false, reason: `${c} rate ${Math.round(rate * 100)}%` };
}

export function vatAmount(net: number, decision: VatDecision): number {
  return Math.round(net * decision.rate * 100) / 100;
}
