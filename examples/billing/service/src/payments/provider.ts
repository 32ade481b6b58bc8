import { request } from "undici";
import { paymentTimeoutMs } from "../config/index";

/** A payment provider charges a customer's stored card or mandate. */
export interface PaymentProvider {
  charge(customerId: string, amount: number, currency: string, idempotencyKey: string): Promise<ChargeResult>;
}

export interface ChargeResult {
  id: string;
  status: "succeeded" | "pending" | "failed";
  declineCode?: string;
}

export class TimeoutError extends Error {
  constructor(readonly afterMs: number) {
    super(`Payment provider did not answer within ${afterMs} ms`);
  }
}

/** The card and SEPA provider behind an HTTP API. */
export class HttpPaymentProvider implements PaymentProvider {
  constructor(private readonly baseUrl = "https://payments.example.test/v1") {}

  async charge(customerId: string, amount: number, currency: string, idempotencyKey: string): Promise<ChargeResult> {
    const timeout = paymentTimeoutMs();
    const res = await request(`${this.baseUrl}/charges`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": idempotencyKey },
      body: JSON.stringify({ customer: customerId, amount: Math.round(amount * 100), currency }),
      headersTimeout: timeout,
      bodyTimeout: timeout,
    }).catch((err: Error) => {
      if (/timeout/i.test(err.message)) throw new TimeoutError(timeout);
      throw err;
    });
    const body = (await res.body.json()) as { id: string; status: ChargeResult["status"]; decline_code?: string };
    return { id: body.id, status: body.status, ...(body.decline_code ? { declineCode: body.decline_code } : {}) };
  }
}
