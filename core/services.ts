import { z } from "zod";

/**
 * One service of a multi-service repo (`worldline.config.json` `services`, or inferred from docker-compose,
 * workspaces and Kubernetes manifests): where it lives, the module that starts its server, the base URLs
 * other services use to reach it, and the queue topics it consumes. In a simulation a request to one of its
 * URLs is delivered to the listener its entry gives `http.createServer`/`listen`, and a message on one of its
 * topics to the handler it subscribed (DESIGN.md, Across services).
 */
export const ServiceSpec = z
  .object({
    dir: z.string().min(1).describe("The service's folder, relative to the repo root"),
    entry: z.string().min(1).describe("The module that starts its server (relative to the repo root)"),
    urls: z.array(z.string().url()).default([]).describe("Base URLs other services use to reach it (http://billing:3000)"),
    consumes: z.array(z.string().min(1)).default([]).describe("Queue topics it consumes"),
  })
  .strict();
export type ServiceSpec = z.infer<typeof ServiceSpec>;

/** A service with its name: what the sandbox and `worldline services` use. */
export interface Service extends ServiceSpec {
  name: string;
}

export const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const ServicesConfig = z.record(z.string().regex(SERVICE_NAME, "a service name is letters, digits, '.', '_' or '-'"), ServiceSpec);
