import { z } from "zod";

/**
 * What a worker lets `npm ci` install from a lockfile the code under review wrote: packages from the
 * registry only. A `git+file://`, `file:` or other URL in `resolved` (or a link out of the repository) would
 * install files of the worker's own machine, or fetch any address, into the folder the sandbox reads from.
 */
const Entry: z.ZodType<{ resolved?: string | undefined; version?: string | undefined; link?: boolean | undefined; dependencies?: Record<string, unknown> | undefined }> = z
  .object({ resolved: z.string().optional(), version: z.string().optional(), link: z.boolean().optional(), dependencies: z.record(z.string(), z.unknown()).optional() })
  .passthrough();
const Lockfile = z.object({
  lockfileVersion: z.number().int().optional(),
  packages: z.record(z.string(), Entry).optional(),
  dependencies: z.record(z.string(), z.unknown()).optional(),
});

function inside(path: string): boolean {
  return !path.startsWith("/") && !path.split(/[\\/]/).includes("..");
}

/** Throws a one-line error naming the first entry that does not come from `registry`; returns quietly otherwise. */
export function checkLockfile(text: string, registry: string, where: string): void {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${where}: package-lock.json is not JSON, so a worker cannot install from it`);
  }
  const parsed = Lockfile.safeParse(json);
  if (!parsed.success) throw new Error(`${where}: package-lock.json is not a lockfile npm writes (${parsed.error.issues[0]?.message ?? "unknown shape"})`);
  const base = registry.endsWith("/") ? registry : `${registry}/`;
  const check = (name: string, e: z.infer<typeof Entry>) => {
    if (e.link) {
      if (e.resolved !== undefined && !inside(e.resolved)) throw new Error(`${where}: package-lock.json entry ${name} links to ${e.resolved}, outside the repository: a worker installs only the registry's packages and the repository's own`);
      return;
    }
    if (e.resolved !== undefined && !e.resolved.startsWith(base)) throw new Error(`${where}: package-lock.json entry ${name} resolves to ${e.resolved}, not to ${base}: a worker installs only from the registry`);
    // Lockfile v1 names a git or file source in `version` as well.
    if (e.version !== undefined && /^(?:git\+|git:|file:|link:|https?:|github:|[\w.-]+\/[\w.-]+#)/.test(e.version)) throw new Error(`${where}: package-lock.json entry ${name} is version ${e.version}, not a registry version: a worker installs only from the registry`);
  };
  for (const [name, e] of Object.entries(parsed.data.packages ?? {})) if (name !== "") check(name, e);
  const walk = (deps: Record<string, unknown>, prefix: string) => {
    for (const [name, raw] of Object.entries(deps)) {
      const e = Entry.safeParse(raw);
      if (!e.success) throw new Error(`${where}: package-lock.json entry ${prefix}${name} is not an entry npm writes`);
      check(`${prefix}${name}`, e.data);
      if (e.data.dependencies) walk(e.data.dependencies, `${prefix}${name} > `);
    }
  };
  walk(parsed.data.dependencies ?? {}, "");
}
