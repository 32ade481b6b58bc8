import { Kafka } from "kafkajs";
import type { Order } from "./model.js";

/** Order events on Kafka; notifications consumes `order-paid`. */
const kafka = new Kafka({ clientId: "orders", brokers: (process.env.KAFKA_BROKERS ?? "kafka:9092").split(",") });
const producer = kafka.producer();
let connected: Promise<void> | undefined;

export async function publishOrderPaid(order: Order): Promise<void> {
  connected ??= producer.connect();
  await connected;
  const event = { order: order.id, customer: order.customer.id, email: order.customer.email, amountCents: order.amountCents, items: order.lines.length };
  await producer.send({ topic: "order-paid", messages: [{ key: order.id, value: JSON.stringify(event) }] });
}
