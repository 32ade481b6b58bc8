import { config } from "../config/index";
import { query } from "../db/pool";
import { HttpPaymentProvider, TimeoutError, type ChargeResult, type PaymentProvider } from "./provider";

export interface ChargeOutcome {
  result: ChargeResult | null;
  attempts: number;
  gaveUp: boolean;
}

/** Declines that a retry cannot fix. */
const FINAL_DECLINES = new Set(["stolen_card", "fraudulent", "invalid_account"]);

/**
 * Charges an invoice, retrying timeouts and soft declines with exponential backoff. The idempotency key is
 * the invoice id, so a retry after a timeout never charges twice.
 */
export async function chargeInvoice(
  invoiceId: string,
  customerId: string,
  amount: number,
  currency: string,
  provider: PaymentProvider = new HttpPaymentProvider(),
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<ChargeOutcome> {
  let delay = config.payment.backoffMs;
  for (let attempt = 1; attempt <= config.payment.maxAttempts; attempt++) {
    try {
      const result = await provider.charge(customerId, amount, currency, invoiceId);
      await query("insert into charges (invoice_id, attempt, status) values ($1, $2, $3)", [invoiceId, attempt, result.status]);
      if (result.status !== "failed" || FINAL_DECLINES.has(result.declineCode ?? "")) return { result, attempts: attempt, gaveUp: false };
    } catch (err) {
      if (!(err instanceof TimeoutError)) throw err;
      await query("insert into charges (invoice_id, attempt, status) values ($1, $2, $3)", [invoiceId, attempt, "timeout"]);
    }
    if (attempt < config.payment.maxAttempts) {
      await sleep(delay);
      delay *= 2;
    }
  }
  return { result: null, attempts: config.payment.maxAttempts, gaveUp: true };
}
