import { UserError } from "../core/errors.js";
import { loadConfig, resolveRepo } from "../core/repo.js";
import { serviceMap, type ServiceMap } from "../core/service-map.js";
import { table } from "./history-views.js";

/** `worldline services`: the repo's service map as a table, or as the ServiceMap JSON. */
export type ServicesFormat = "text" | "json";

/** The `--format` of `worldline services`: text (the default; `terminal` as every other command says it) or json. */
export function servicesFormat(value: string | undefined): ServicesFormat {
  const format = value ?? "text";
  if (format === "text" || format === "terminal") return "text";
  if (format === "json") return "json";
  throw new UserError(`--format ${JSON.stringify(format)} for worldline services: expected text or json`);
}

/** The service map of a repo (`--repo`, else the git top level of the current directory), rendered. */
export async function servicesCommand(opts: { repo: string | undefined; format: string | undefined }): Promise<string> {
  const format = servicesFormat(opts.format);
  const repo = await resolveRepo(opts.repo);
  const map = serviceMap(repo, loadConfig(repo));
  return format === "json" ? JSON.stringify(map, null, 2) : renderServices(map);
}

const FIX_LINE = 'put a "services" map in worldline.config.json to correct or fix this map';

/**
 * The map as a terminal table (NAME, DIR, ENTRY, URLS, CONSUMES), then where it came from with the evidence,
 * the services left out and why, and how to correct it.
 */
export function renderServices(map: ServiceMap): string {
  const lines: string[] = [];
  if (map.services.length === 0) {
    lines.push(
      map.source === "config"
        ? 'no services: worldline.config.json has "services": {}, a single-service repo'
        : map.source === "none"
          ? "no services: no docker-compose file, npm/pnpm workspaces or Kubernetes Service manifest found; Worldline treats the repo as one service"
          : "no services: the files below name none that has a folder and a server entry in the repo",
    );
  } else {
    const dash = (items: readonly string[]) => (items.length ? items.join(", ") : "-");
    lines.push(...table(["NAME", "DIR", "ENTRY", "URLS", "CONSUMES"], map.services.map((s) => [s.name, s.dir, s.entry, dash(s.urls), dash(s.consumes)])));
  }
  lines.push("");
  if (map.source === "config") lines.push("source: config (worldline.config.json)");
  else if (map.source === "inferred") {
    const files = new Set<string>();
    // Every evidence line starts with its file (a source file with :line).
    const file = (line: string) => (line.split(" ")[0] ?? line).replace(/:\d+$/, "");
    for (const ev of Object.values(map.evidence)) for (const e of ev) files.add(file(e));
    for (const s of map.skipped) files.add(file(s.why));
    lines.push(`inferred from: ${[...files].sort().join(", ")}`);
    for (const s of map.services) {
      lines.push(`  ${s.name}:`);
      for (const e of map.evidence[s.name] ?? []) lines.push(`    ${e}`);
    }
  } else lines.push("source: none");
  if (map.skipped.length) {
    lines.push("skipped:");
    for (const s of map.skipped) lines.push(`  ${s.name}: ${s.why}`);
  }
  lines.push(map.source === "config" ? 'edit the "services" map in worldline.config.json to correct this map' : FIX_LINE);
  return lines.join("\n");
}
