import { generateInvoice } from "../billing/invoice";
import { query } from "../db/pool";
import { chargeInvoice } from "../payments/retry";
import type { PlanId } from "../plans/catalog";

/** The monthly billing run: invoice every active subscription, then charge it. Failures do not stop the run. */
export interface RunReport {
  invoiced: number;
  charged: number;
  failed: Array<{ customerId: string; error: string }>;
}

export async function monthlyRun(): Promise<RunReport> {
  const { rows } = await query<{ customer_id: string; plan: PlanId }>("select customer_id, plan from subscriptions where active");
  const report: RunReport = { invoiced: 0, charged: 0, failed: [] };
  for (const row of rows) {
    try {
      const invoice = await generateInvoice({ customerId: row.customer_id, plan: row.plan });
      report.invoiced++;
      const outcome = await chargeInvoice(invoice.id, invoice.customerId, invoice.total, invoice.currency);
      if (!outcome.gaveUp) report.charged++;
    } catch (err) {
      report.failed.push({ customerId: row.customer_id, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return report;
}

if (require.main === module) {
  monthlyRun().then((r) => console.log(JSON.stringify(r)));
}
