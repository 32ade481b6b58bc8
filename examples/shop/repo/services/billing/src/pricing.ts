import { subtotalCents, type Line } from "./cart.js";
import { taxCents } from "./tax.js";

/** The card processor's fee, passed on to the customer: 2.9% of what is charged, plus 30 cents. */
export const CARD_FEE_RATE = 0.029;
export const CARD_FEE_FIXED_CENTS = 30;

export interface Price {
  subtotalCents: number;
  taxCents: number;
  feeCents: number;
  amountCents: number;
}

export function priceCart(lines: Line[]): Price {
  const subtotal = subtotalCents(lines);
  const tax = taxCents(lines);
  const fee = CARD_FEE_FIXED_CENTS + Math.round((subtotal + tax) * CARD_FEE_RATE);
  const amount = subtotal + tax + fee;
  return { subtotalCents: subtotal, taxCents: tax, feeCents: fee, amountCents: amount };
}
