/**
 * What the sandbox never runs for real: Node's built-ins that do I/O, and the well-known packages that talk
 * to databases, HTTP services, queues, mail and clouds. Calls into them are recorded as effects and answered
 * by stand-ins (DESIGN.md, Simulation). A repo adds its own through `.worldline/config.json`
 * `boundaryPackages`; a `scope/*` entry covers a whole scope.
 */
export const IO_BUILTINS = [
  "fs",
  "fs/promises",
  "net",
  "http",
  "https",
  "http2",
  "tls",
  "dns",
  "child_process",
  "worker_threads",
  "dgram",
  "cluster",
  "readline",
  "os",
  "zlib",
  "vm",
  "module",
  "v8",
  "inspector",
  "tty",
];

export const IO_PACKAGES = [
  "pg",
  "mysql",
  "mysql2",
  "mongodb",
  "mongoose",
  "redis",
  "ioredis",
  "@prisma/client",
  "axios",
  "node-fetch",
  "undici",
  "got",
  "stripe",
  "@aws-sdk/*",
  "kafkajs",
  "amqplib",
  "bullmq",
  "nodemailer",
];

export function boundaries(extra: readonly string[]): string[] {
  return [...new Set([...IO_BUILTINS, ...IO_PACKAGES, ...extra])];
}
