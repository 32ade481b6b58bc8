import { requireCustomer } from "../customers/service";
import { query } from "../db/pool";
import { convert } from "../fx/convert";
import type { RateProvider } from "../fx/rates";
import { getPlan, type PlanId } from "../plans/catalog";
import { vatAmount, vatFor } from "../tax/vat";
import { roundCents, sum } from "../util/money";
import { prorate } from "./proration";

export interface InvoiceLine {
  description: string;
  amount: number;
}

export interface Invoice {
  id: string;
  customerId: string;
  currency: string;
  lines: InvoiceLine[];
  net: number;
  vat: number;
  total: number;
  reverseCharge: boolean;
  issuedAt: string;
}

export interface PlanChange {
  from: PlanId;
  to: PlanId;
  at: string;
}

export interface InvoiceRequest {
  customerId: string;
  change?: PlanChange;
  plan?: PlanId;
  rates?: RateProvider;
}

/**
 * Builds and stores the invoice for a customer: the plan price (or the proration of a plan change), converted
 * from EUR to the customer's currency, with EU VAT.
 */
export async function generateInvoice(req: InvoiceRequest): Promise<Invoice> {
  const customer = await requireCustomer(req.customerId);
  const lines: InvoiceLine[] = [];
  if (req.change) {
    const from = getPlan(req.change.from);
    const to = getPlan(req.change.to);
    const p = prorate({ fromPrice: from.monthlyPriceEur, toPrice: to.monthlyPriceEur, changedAt: req.change.at });
    lines.push({ description: `${to.name} from ${req.change.at.slice(0, 10)} (${p.daysRemaining}/${p.daysInMonth} days)`, amount: p.charge });
    lines.push({ description: `Unused ${from.name}`, amount: -p.credit });
  } else {
    const plan = getPlan(req.plan ?? "basic");
    lines.push({ description: `${plan.name} monthly`, amount: plan.monthlyPriceEur });
  }
  const converted: InvoiceLine[] = [];
  for (const line of lines) converted.push({ ...line, amount: await convert(line.amount, "EUR", customer.currency, req.rates) });
  const net = sum(converted.map((l) => l.amount));
  const decision = vatFor(customer.country, customer.vatId);
  const vat = vatAmount(net, decision);
  const invoice: Invoice = {
    id: `inv_${customer.id}_${Date.now()}`,
    customerId: customer.id,
    currency: customer.currency,
    lines: converted,
    net,
    vat,
    total: roundCents(net + vat),
    reverseCharge: decision.reverseCharge,
    issuedAt: new Date().toISOString(),
  };
  await query("insert into invoices (id, customer_id, currency, net, vat, total) values ($1, $2, $3, $4, $5, $6)", [
    invoice.id,
    invoice.customerId,
    invoice.currency,
    invoice.net,
    invoice.vat,
    invoice.total,
  ]);
  return invoice;
}
