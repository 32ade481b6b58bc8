import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { placeOrder } from "./checkout.js";
import { OrderError } from "./model.js";
import { findOrder } from "./store.js";

/** Orders over HTTP: POST /orders places one, GET /orders/:id reads one. */
function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function readJson(req: IncomingMessage): Promise<unknown> {
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

export async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? "/";
  try {
    if (req.method === "POST" && url === "/orders") {
      const { customer, items } = (await readJson(req)) as { customer: Parameters<typeof placeOrder>[0]; items: Parameters<typeof placeOrder>[1] };
      return send(res, 201, await placeOrder(customer, items ?? []));
    }
    const byId = /^\/orders\/([\w-]+)$/.exec(url);
    if (req.method === "GET" && byId) {
      const order = findOrder(byId[1] ?? "");
      return order ? send(res, 200, order) : send(res, 404, { error: `no order ${byId[1]}` });
    }
    send(res, 404, { error: `no route ${req.method} ${url}` });
  } catch (e) {
    if (e instanceof OrderError) return send(res, 422, { error: e.message });
    send(res, 502, { error: (e as Error).message });
  }
}

export const server = createServer((req, res) => void handle(req, res));
server.listen(Number(process.env.PORT ?? 3000));
