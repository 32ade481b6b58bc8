import { roundCents } from "../util/money";

/**
 * Proration on a plan change mid-cycle: the customer is credited for the unused days of the old plan and
 * charged for the remaining days of the new one, each share computed on the actual length of the month.
 */
export interface ProrationInput {
  fromPrice: number;
  toPrice: number;
  /** ISO date of the change. */
  changedAt: string;
}

export interface Proration {
  credit: number;
  charge: number;
  net: number;
  daysRemaining: number;
  daysInMonth: number;
}

export function daysInMonth(date: Date): number {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
}

export function remainingDays(date: Date): number {
  return daysInMonth(date) - date.getUTCDate() + 1;
}

export function prorate(input: ProrationInput): Proration {
  const at = new Date(input.changedAt);
  if (Number.isNaN(at.getTime())) throw new RangeError(`Invalid change date: ${input.changedAt}`);
  const total = daysInMonth(at);
  const remaining = remainingDays(at);
  const share = remaining / total;
  const credit = roundCents(input.fromPrice * share);
  const charge = roundCents(input.toPrice * share);
  return { credit, charge, net: roundCents(charge - credit), daysRemaining: remaining, daysInMonth: total };
}
