/** The receipt a paid order gets: what the customer reads, with the amount their card was charged. */
export interface OrderPaid {
  order: string;
  customer: string;
  email: string;
  amountCents: number;
  items: number;
}

export const dollars = (cents: number): string => `$${(cents / 100).toFixed(2)}`;

export function receiptText(paid: OrderPaid): string {
  const items = paid.items === 1 ? "1 item" : `${paid.items} items`;
  return `Thank you for your order ${paid.order} (${items}). Your card was charged ${dollars(paid.amountCents)}.`;
}
