import type { Order } from "./model.js";

/** The orders of this process, by id: the service's own state (one instance per pod behind sticky sessions). */
const orders = new Map<string, Order>();
let last = 0;

export function nextOrderId(): string {
  last += 1;
  return `ord_${String(last).padStart(4, "0")}`;
}

export function saveOrder(order: Order): Order {
  orders.set(order.id, order);
  return order;
}

export function findOrder(id: string): Order | undefined {
  return orders.get(id);
}
