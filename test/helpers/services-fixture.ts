import { cpSync, existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const WORLDLINE = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Copies an installed package and its dependencies from Worldline's own node_modules into a fixture repo's (a real install, not a link: the sandbox loads only what lies inside the repo). */
export function installPackage(repo: string, name: string, seen = new Set<string>()): void {
  if (seen.has(name)) return;
  seen.add(name);
  const from = join(WORLDLINE, "node_modules", name);
  if (!existsSync(from)) throw new Error(`package ${name} is not installed in Worldline's node_modules: run npm ci`);
  cpSync(from, join(repo, "node_modules", name), { recursive: true });
  const pkg = JSON.parse(readFileSync(join(from, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  for (const dep of Object.keys(pkg.dependencies ?? {})) installPackage(repo, dep, seen);
}
