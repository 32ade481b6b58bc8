/** What an order is made of, as orders stores it and sends it to billing. */
export interface Customer {
  id: string;
  email: string;
}

export interface Line {
  sku: string;
  qty: number;
  /** Price of one unit, in cents. */
  unitCents: number;
}

export interface Order {
  id: string;
  customer: Customer;
  lines: Line[];
  status: "paid";
  /** What billing charged: subtotal, tax and fee, in cents. */
  amountCents: number;
  chargeId: string;
}

/** A cart the shop cannot take: the route answers 422 with the message. */
export class OrderError extends Error {
  override name = "OrderError";
}
