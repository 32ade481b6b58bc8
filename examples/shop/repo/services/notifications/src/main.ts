import { Kafka } from "kafkajs";
import { queueMail } from "./outbox.js";
import { receiptText, type OrderPaid } from "./receipt.js";

/** Notifications: a receipt for every paid order, from `order-paid` on Kafka. */
const kafka = new Kafka({ clientId: "notifications", brokers: (process.env.KAFKA_BROKERS ?? "kafka:9092").split(",") });
const consumer = kafka.consumer({ groupId: "notifications" });

export async function onOrderPaid(paid: OrderPaid): Promise<void> {
  await queueMail(paid.email, `Receipt for order ${paid.order}`, receiptText(paid));
}

async function start(): Promise<void> {
  await consumer.connect();
  await consumer.subscribe({ topic: "order-paid", fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (!message.value) return;
      await onOrderPaid(JSON.parse(message.value.toString()) as OrderPaid);
    },
  });
}

void start();
