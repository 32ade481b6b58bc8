import { charge } from "./billing-client.js";
import { publishOrderPaid } from "./events.js";
import { OrderError, type Customer, type Line, type Order } from "./model.js";
import { nextOrderId, saveOrder } from "./store.js";

/** Checks a cart before anything is charged: every line names a product, a positive quantity and a price. */
export function checkCart(items: Line[]): void {
  if (items.length === 0) throw new OrderError("an order needs at least one item");
  for (const item of items) {
    if (!item.sku) throw new OrderError("every item needs a sku");
    if (!Number.isInteger(item.qty) || item.qty < 1) throw new OrderError(`quantity of ${item.sku} must be a whole number of at least 1`);
    if (!Number.isInteger(item.unitCents) || item.unitCents < 0) throw new OrderError(`price of ${item.sku} must be whole cents`);
  }
}

/** Places an order: billing charges the cart, the order is kept as paid, and `order-paid` tells notifications. */
export async function placeOrder(customer: Customer, items: Line[]): Promise<Order> {
  checkCart(items);
  const id = nextOrderId();
  const paid = await charge(id, customer.id, items);
  const order = saveOrder({ id, customer, lines: items, status: "paid", amountCents: paid.amountCents, chargeId: paid.id });
  await publishOrderPaid(order);
  return order;
}
