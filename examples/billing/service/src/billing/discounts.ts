import { roundCents } from "../util/money";

/** Coupons: a percentage or a fixed amount off the plan price, for a number of billing cycles. */
export interface Coupon {
  code: string;
  percentOff?: number;
  amountOffEur?: number;
  cycles: number;
  expiresAt?: string;
}

export const COUPONS: Record<string, Coupon> = {
  WELCOME10: { code: "WELCOME10", percentOff: 10, cycles: 3 },
  SPRING25: { code: "SPRING25", percentOff: 25, cycles: 1, expiresAt: "2026-05-31T23:59:59Z" },
  PARTNER50: { code: "PARTNER50", amountOffEur: 50, cycles: 12 },
};

export function findCoupon(code: string, now: string): Coupon {
  const coupon = COUPONS[code.trim().toUpperCase()];
  if (!coupon) throw new Error(`Unknown coupon: ${code}`);
  if (coupon.expiresAt && coupon.expiresAt < now) throw new Error(`Coupon ${coupon.code} expired on ${coupon.expiresAt.slice(0, 10)}`);
  return coupon;
}

/** The discount on a price; never more than the price itself. */
export function discountFor(priceEur: number, coupon: Coupon): number {
  const raw = coupon.percentOff !== undefined ? (priceEur * coupon.percentOff) / 100 : (coupon.amountOffEur ?? 0);
  return roundCents(Math.min(raw, priceEur));
}

export function cyclesLeft(coupon: Coupon, cyclesUsed: number): number {
  return Math.max(0, coupon.cycles - cyclesUsed);
}
