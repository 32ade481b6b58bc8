import express, { type Request, type Response } from "express";
import { generateInvoice } from "../billing/invoice";
import { createCustomer, changeEmail } from "../customers/service";
import { chargeInvoice } from "../payments/retry";
import { changePlan } from "../subscriptions/service";

function fail(res: Response, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  res.status(/^(Invalid|Unknown)/.test(message) ? 400 : 500).json({ error: message });
}

export async function postCustomer(req: Request, res: Response): Promise<void> {
  try {
    res.status(201).json(await createCustomer(req.body));
  } catch (err) {
    fail(res, err);
  }
}

export async function patchEmail(req: Request, res: Response): Promise<void> {
  try {
    res.json({ email: await changeEmail(String(req.params.id), req.body.email) });
  } catch (err) {
    fail(res, err);
  }
}

export async function postPlanChange(req: Request, res: Response): Promise<void> {
  try {
    res.json(await changePlan(String(req.params.id), req.body.from, req.body.to, req.body.at));
  } catch (err) {
    fail(res, err);
  }
}

export async function postInvoice(req: Request, res: Response): Promise<void> {
  try {
    const invoice = await generateInvoice({ customerId: String(req.params.id), plan: req.body.plan });
    const payment = await chargeInvoice(invoice.id, invoice.customerId, invoice.total, invoice.currency);
    res.status(201).json({ invoice, payment });
  } catch (err) {
    fail(res, err);
  }
}

export function routes(): express.Router {
  const router = express.Router();
  router.post("/customers", postCustomer);
  router.patch("/customers/:id/email", patchEmail);
  router.post("/customers/:id/plan-change", postPlanChange);
  router.post("/customers/:id/invoices", postInvoice);
  return router;
}
