/**
 * Service configuration. Values come from the environment where an operator needs to change them without a
 * deploy; the rest are decisions recorded in docs/adr.
 */
export interface PaymentConfig {
  /** How long to wait for the payment provider before giving up on one attempt (ADR 0002). */
  timeoutMs: number;
  /** Attempts per charge, the first included. */
  maxAttempts: number;
  /** Backoff before the second attempt; doubled for each attempt after it. */
  backoffMs: number;
}

export interface BillingConfig {
  defaultCurrency: string;
  /** Days in a billing cycle when proration cannot use the calendar month. */
  fallbackCycleDays: number;
}

export interface Config {
  databaseUrl: string;
  payment: PaymentConfig;
  billing: BillingConfig;
}

export const config: Config = {
  databaseUrl: process.env.DATABASE_URL ?? "postgres://localhost:5432/billing",
  payment: {
    timeoutMs: 30000,
    maxAttempts: 3,
    backoffMs: 500,
  },
  billing: {
    defaultCurrency: process.env.BILLING_CURRENCY_DEFAULT ?? "EUR",
    fallbackCycleDays: 30,
  },
};

export function paymentTimeoutMs(): number {
  const override = process.env.PAYMENT_TIMEOUT_MS;
  return override ? Number(override) : config.payment.timeoutMs;
}
