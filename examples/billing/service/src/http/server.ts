import express from "express";
import { routes } from "./routes";

export function createApp(): express.Express {
  const app = express();
  app.use(express.json());
  app.use("/v1", routes());
  app.get("/health", (_req, res) => res.json({ ok: true }));
  return app;
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? 8080);
  createApp().listen(port, () => console.log(`billing listening on ${port}`));
}
