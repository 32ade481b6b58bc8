import type { NextFunction, Request, Response } from "express";

/** API keys for partner integrations: `Authorization: Bearer <key>`, keys from the environment. */
function keys(): Set<string> {
  return new Set((process.env.API_KEYS ?? "").split(",").map((k) => k.trim()).filter(Boolean));
}

export function requireApiKey(req: Request, res: Response, next: NextFunction): void {
  const header = req.header("authorization") ?? "";
  const key = /^Bearer (.+)$/.exec(header)?.[1];
  if (!key || !keys().has(key)) {
    res.status(401).json({ error: "Missing or unknown API key" });
    return;
  }
  next();
}
