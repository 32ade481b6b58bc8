/** Money helpers. Amounts are numbers of the currency's major unit (euros, dollars), rounded to cents. */

/** Rounds half away from zero to two decimals, the way invoices and banks round. */
export function roundCents(amount: number): number {
  const sign = amount < 0 ? -1 : 1;
  return (sign * Math.round(Math.abs(amount) * 100 + Number.EPSILON)) / 100;
}

export function sum(amounts: readonly number[]): number {
  return roundCents(amounts.reduce((total, a) => total + a, 0));
}

export function formatMoney(amount: number, currency: string): string {
  return `${roundCents(amount).toFixed(2)} ${currency}`;
}

export function assertNonNegative(amount: number, what: string): void {
  if (amount < 0) throw new RangeError(`${what} must not be negative, got ${amount}`);
}
