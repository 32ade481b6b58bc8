import { request } from "undici";
import { formatMoney } from "../util/money";

/** Transactional email through the mail provider's HTTP API. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
}

const MAIL_API = process.env.MAIL_API_URL ?? "https://mail.example.test/v3/send";

export async function sendMail(mail: Mail): Promise<void> {
  const res = await request(MAIL_API, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${process.env.MAIL_API_KEY ?? ""}` },
    body: JSON.stringify(mail),
  });
  if (res.statusCode >= 300) throw new Error(`Mail API answered ${res.statusCode}`);
}

export function invoiceMail(to: string, invoiceId: string, total: number, currency: string): Mail {
  return { to, subject: `Your invoice ${invoiceId}`, text: `Your invoice ${invoiceId} for ${formatMoney(total, currency)} is attached.` };
}

export function reminderMail(to: string, invoiceId: string, step: string): Mail {
  const subject = step === "reminder-1" ? "Friendly reminder" : step === "reminder-2" ? "Second reminder" : "Account suspended";
  return { to, subject: `${subject}: invoice ${invoiceId}`, text: `Invoice ${invoiceId} is overdue (${step}).` };
}
