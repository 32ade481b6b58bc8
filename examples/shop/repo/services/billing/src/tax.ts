import { subtotalCents, type Line } from "./cart.js";

/** Sales tax of the shop's nexus (Austin, TX: 6.25% state and 2% city). */
export const TAX_RATE = 0.0825;

/**
 * Tax on a cart, in cents. It is computed on the subtotal and rounded once: rounding each line first drifts
 * by a cent on carts of cheap items, and the receipt no longer matches what the card was charged.
 */
export function taxCents(lines: Line[]): number {
  const subtotal = subtotalCents(lines);
  const tax = Math.round(subtotal * TAX_RATE);
  return tax;
}
