import { query } from "../db/pool";

/** Events the payment provider posts back: settled, failed and disputed charges. */
export interface ProviderEvent {
  id: string;
  type: "charge.succeeded" | "charge.failed" | "charge.disputed";
  chargeId: string;
  invoiceId: string;
  createdAt: string;
}

const SEEN_TTL_DAYS = 30;

export function parseEvent(body: unknown): ProviderEvent {
  const b = body as Partial<Record<string, unknown>>;
  const type = String(b.type ?? "");
  if (!["charge.succeeded", "charge.failed", "charge.disputed"].includes(type)) throw new Error(`Unknown event type: ${type}`);
  if (typeof b.id !== "string" || typeof b.charge !== "string" || typeof b.invoice !== "string") throw new Error("Invalid event: id, charge and invoice are required");
  return { id: b.id, type: type as ProviderEvent["type"], chargeId: b.charge, invoiceId: b.invoice, createdAt: String(b.created_at ?? new Date().toISOString()) };
}

/** Applies an event once: the provider retries deliveries, so events are deduplicated by id. */
export async function handleEvent(event: ProviderEvent): Promise<"applied" | "duplicate"> {
  const { rowCount } = await query("insert into provider_events (id, created_at) values ($1, $2) on conflict do nothing", [event.id, event.createdAt]);
  if (rowCount === 0) return "duplicate";
  if (event.type === "charge.succeeded") await query("update invoices set paid_at = $2 where id = $1", [event.invoiceId, event.createdAt]);
  if (event.type === "charge.disputed") await query("update invoices set disputed = true where id = $1", [event.invoiceId]);
  return "applied";
}

export async function forgetOldEvents(now: string): Promise<number> {
  const cutoff = new Date(new Date(now).getTime() - SEEN_TTL_DAYS * 86_400_000).toISOString();
  const { rowCount } = await query("delete from provider_events where created_at < $1", [cutoff]);
  return rowCount;
}
