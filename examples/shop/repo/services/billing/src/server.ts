import type { IncomingMessage, ServerResponse } from "node:http";
import polka from "polka";
import type { Line } from "./cart.js";
import { chargesOf, findCharge, recordCharge } from "./ledger.js";
import { priceCart } from "./pricing.js";

/** Billing over HTTP (polka): POST /charges prices a cart and records the charge; GET /charges/:id reads one. */
type Req = IncomingMessage & { params: Record<string, string> };

function send(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(body));
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let text = "";
    req.on("data", (chunk) => (text += chunk));
    req.on("end", () => {
      try {
        resolve(text ? JSON.parse(text) : {});
      } catch (e) {
        reject(e);
      }
    });
  });
}

export const app = polka()
  .post("/charges", async (req: Req, res: ServerResponse) => {
    const { order, customer, lines } = (await readJson(req)) as { order?: string; customer?: string; lines?: Line[] };
    if (!order || !customer || !Array.isArray(lines) || lines.length === 0) return send(res, 400, { error: "a charge needs order, customer and lines" });
    if (chargesOf(order).length > 0) return send(res, 409, { error: `order ${order} is already charged` });
    send(res, 201, recordCharge(order, customer, priceCart(lines)));
  })
  .get("/charges/:id", (req: Req, res: ServerResponse) => {
    const charge = findCharge(req.params.id ?? "");
    return charge ? send(res, 200, charge) : send(res, 404, { error: `no charge ${req.params.id}` });
  });

app.listen(Number(process.env.PORT ?? 3000));
