import { query } from "../db/pool";
import { roundCents, assertNonNegative } from "../util/money";
import type { Invoice } from "./invoice";

/** Credit notes: full or partial refunds of an invoice, never more than what is left to refund. */
export interface CreditNote {
  id: string;
  invoiceId: string;
  amount: number;
  currency: string;
  reason: string;
}

export async function refundedSoFar(invoiceId: string): Promise<number> {
  const { rows } = await query<{ amount: number }>("select amount from credit_notes where invoice_id = $1", [invoiceId]);
  return roundCents(rows.reduce((t, r) => t + Number(r.amount), 0));
}

export async function issueCreditNote(invoice: Invoice, amount: number, reason: string): Promise<CreditNote> {
  assertNonNegative(amount, "A refund");
  const already = await refundedSoFar(invoice.id);
  const left = roundCents(invoice.total - already);
  if (amount > left) throw new RangeError(`Refund of ${amount} exceeds the ${left} left on ${invoice.id}`);
  const note: CreditNote = { id: `cn_${invoice.id}_${already > 0 ? "n" : "1"}`, invoiceId: invoice.id, amount: roundCents(amount), currency: invoice.currency, reason };
  await query("insert into credit_notes (id, invoice_id, amount, currency, reason) values ($1, $2, $3, $4, $5)", [
    note.id,
    note.invoiceId,
    note.amount,
    note.currency,
    note.reason,
  ]);
  return note;
}

/** The VAT part of a refund, in the same proportion as on the invoice. */
export function refundVat(invoice: Invoice, amount: number): number {
  if (invoice.total === 0) return 0;
  return roundCents((amount * invoice.vat) / invoice.total);
}
