import { execFileSync } from "node:child_process";
import { lstatSync, readdirSync, statSync } from "node:fs";
import { join, posix, resolve } from "node:path";
import { parseAllDocuments, parseDocument, type YAMLError } from "yaml";
import { readWorktreeFileSync } from "./confine.js";
import { UserError } from "./errors.js";
import { quote } from "./git.js";
import { globToRegExp } from "./glob.js";
import { isTestPath } from "./paths.js";
import { confinePath, type WorldlineConfig } from "./repo.js";
import { SERVICE_NAME, type Service } from "./services.js";

/** A service the inference found but left out, and why (no folder in the repo, no server entry). */
export interface SkippedService {
  name: string;
  why: string;
}

/**
 * The services of a repo: from `worldline.config.json` `services`, else inferred from its docker-compose file,
 * its npm/pnpm workspaces and its Kubernetes Service manifests. `evidence` says, per service, where each field
 * came from, each line starting with the file it was read from.
 */
export interface ServiceMap {
  services: Service[];
  source: "config" | "inferred" | "none";
  evidence: Record<string, string[]>;
  skipped: SkippedService[];
}

/**
 * The repo's service map, read from its working tree. A configured map is taken as it is (paths normalized,
 * each dir and entry checked to exist inside the repo: a UserError naming the service, field and path
 * otherwise); `{}` is a single-service repo. Without one it is inferred; a compose, workspace or package file
 * that does not parse is a UserError naming the file and the line.
 *
 * @example
 * const map = serviceMap(repo, loadConfig(repo));
 * map.services.find((s) => s.name === "billing")?.urls; // ["http://billing", "http://billing:3000"]
 */
export function serviceMap(repo: string, config: WorldlineConfig): ServiceMap {
  if (config.services !== undefined) return configured(repo, config.services);
  return inferred(repo, worktree(repo));
}

// ---------------------------------------------------------------------------------------------------------
// The configured map

const CONFIG_FILE = "worldline.config.json";

function configured(repo: string, services: NonNullable<WorldlineConfig["services"]>): ServiceMap {
  const out: Service[] = [];
  const evidence: Record<string, string[]> = {};
  const owner = new Map<string, string>();
  for (const name of Object.keys(services).sort()) {
    const spec = services[name];
    if (!spec) continue;
    const where = `${CONFIG_FILE} services.${name}`;
    const dir = configuredPath(repo, where, "dir", spec.dir, "directory");
    const entry = configuredPath(repo, where, "entry", spec.entry, "file");
    for (const url of spec.urls) {
      const other = owner.get(url);
      if (other !== undefined && other !== name) throw new UserError(`${where}.urls: ${quote(url)} is also a URL of service "${other}": give each URL to one service, so a request to it has one receiver`);
      owner.set(url, name);
    }
    out.push({ name, dir, entry, urls: sortedUnique(spec.urls), consumes: sortedUnique(spec.consumes) });
    evidence[name] = [where];
  }
  return { services: out, source: "config", evidence, skipped: [] };
}

/** A configured path as a repo-relative one, which must exist inside the repo as a directory or file. */
function configuredPath(repo: string, where: string, field: "dir" | "entry", path: string, kind: "directory" | "file"): string {
  const rel = repoRelative(repo, path);
  const fix = "correct the path (relative to the repo root) or remove the service";
  if (rel === undefined) throw new UserError(`${where}.${field} ${quote(path)} is outside the repo: ${fix}`);
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(join(repo, rel));
  } catch {
    throw new UserError(`${where}.${field} ${quote(path)} does not exist in the working tree: ${fix}`);
  }
  if (kind === "directory" ? !st.isDirectory() : !st.isFile()) throw new UserError(`${where}.${field} ${quote(path)} is not a ${kind}: ${fix}`);
  return rel;
}

/** A path as repo-relative (`.` for the root), or undefined when it resolves outside the repo. */
function repoRelative(repo: string, path: string): string | undefined {
  if (resolve(repo, path) === resolve(repo)) return ".";
  try {
    return confinePath(repo, path);
  } catch (err) {
    if (err instanceof UserError) return undefined;
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The files inference reads

/** The working tree as inference sees it: the paths git would see (less node_modules), and their text. */
interface Tree {
  files: readonly string[];
  has(path: string): boolean;
  text(path: string): string | undefined;
}

const MAX_TEXT_BYTES = 2_000_000;
const SKIPPED_DIRS = new Set(["node_modules", ".git", ".worldline"]);

function worktree(repo: string): Tree {
  const files = listFiles(repo)
    .filter((p) => !p.split("/").some((s) => SKIPPED_DIRS.has(s)))
    .sort();
  const set = new Set(files);
  return {
    files,
    has: (path) => set.has(path),
    text: (path) => {
      if (!set.has(path)) return undefined;
      const bytes = readWorktreeFileSync(repo, path);
      return bytes && bytes.length <= MAX_TEXT_BYTES ? bytes.toString("utf8") : undefined;
    },
  };
}

/** Tracked and untracked files less ignored ones, as `git ls-files` lists them; a plain walk outside git. */
function listFiles(repo: string): string[] {
  try {
    const out = execFileSync("git", ["ls-files", "-z", "-c", "-o", "--exclude-standard"], { cwd: repo, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "ignore"] });
    return [...new Set(out.split("\0").filter(Boolean))];
  } catch {
    return walk(repo, "");
  }
}

function walk(root: string, rel: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, rel)).sort()) {
    if (SKIPPED_DIRS.has(name)) continue;
    const path = rel ? `${rel}/${name}` : name;
    const st = lstatSync(join(root, path));
    if (st.isDirectory()) out.push(...walk(root, path));
    else if (st.isFile() || st.isSymbolicLink()) out.push(path);
  }
  return out;
}

/** A parse error of a file the map is inferred from, as one line naming the file and the line. */
function unreadable(file: string, line: number | undefined, message: string): UserError {
  return new UserError(`${file}${line ? ` line ${line}` : ""} does not parse (${message}): fix it, or put a "services" map in ${CONFIG_FILE} so the service map is not inferred from it`);
}

function yamlError(file: string, err: YAMLError): UserError {
  const first = (err.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
  return unreadable(file, err.linePos?.[0].line, first);
}

function parseYamlFile(tree: Tree, file: string): unknown {
  const doc = parseDocument(tree.text(file) ?? "", { merge: true, prettyErrors: true });
  const err = doc.errors[0];
  if (err) throw yamlError(file, err);
  return doc.toJS();
}

function parseJsonFile(tree: Tree, file: string): unknown {
  const text = tree.text(file) ?? "";
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = /line (\d+)/.exec(message)?.[1] ?? /position (\d+)/.exec(message)?.[1];
    const line = /line \d+/.test(message) ? Number(at) : at !== undefined ? text.slice(0, Number(at)).split("\n").length : undefined;
    throw unreadable(file, line, message.replace(/ \(line \d+ column \d+\)$/, "").replace(/ in JSON at position \d+.*$/, ""));
  }
}

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

// ---------------------------------------------------------------------------------------------------------
// Inference

/** A service being put together from several files. */
interface Draft {
  name: string;
  dir?: string;
  entry?: string;
  urls: Set<string>;
  consumes: Set<string>;
  evidence: string[];
  /** The compose build's Dockerfile, for an entry named by its CMD or ENTRYPOINT. */
  dockerfile?: string;
}

class Inference {
  readonly drafts = new Map<string, Draft>();
  readonly skipped = new Map<string, string[]>();
  /** Whether any file a map is inferred from exists (else the source is "none"). */
  found = false;

  constructor(readonly tree: Tree) {}

  draft(name: string): Draft {
    let d = this.drafts.get(name);
    if (!d) {
      d = { name, urls: new Set(), consumes: new Set(), evidence: [] };
      this.drafts.set(name, d);
    }
    return d;
  }

  byDir(dir: string): Draft | undefined {
    return [...this.drafts.values()].find((d) => d.dir === dir);
  }

  skip(name: string, why: string): void {
    this.skipped.set(name, [...(this.skipped.get(name) ?? []), why]);
  }
}

function inferred(repo: string, tree: Tree): ServiceMap {
  const inf = new Inference(tree);
  const envUrls = compose(repo, inf);
  workspaces(inf);
  for (const u of envUrls) {
    const d = inf.drafts.get(u.host);
    if (!d) continue;
    d.urls.add(u.origin);
    d.evidence.push(`${u.where}: url ${u.origin}`);
  }
  kubernetes(inf);

  const services: Service[] = [];
  const evidence: Record<string, string[]> = {};
  for (const d of [...inf.drafts.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (d.dir === undefined) continue; // only Kubernetes named it: skipped there
    if (d.entry === undefined) {
      const found = findEntry(tree, d.dir, d.dockerfile);
      if ("why" in found) {
        inf.skip(d.name, `${d.evidence[0] ?? d.dir}, but ${found.why}`);
        continue;
      }
      d.entry = found.entry;
      d.evidence.push(found.evidence);
    }
    for (const c of consumers(tree, d.dir)) {
      d.consumes.add(c.topic);
      d.evidence.push(`${c.where}: consumes ${c.topic}`);
    }
    services.push({ name: d.name, dir: d.dir, entry: d.entry, urls: sortedUnique(d.urls), consumes: sortedUnique(d.consumes) });
    evidence[d.name] = d.evidence;
  }
  const skipped = [...inf.skipped.entries()]
    .filter(([name]) => !services.some((s) => s.name === name))
    .map(([name, whys]) => ({ name, why: whys.join("; ") }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { services, source: inf.found ? "inferred" : "none", evidence, skipped };
}

// --- docker-compose ---------------------------------------------------------------------------------------

const COMPOSE_FILES = ["docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml"] as const;

interface EnvUrl {
  host: string;
  origin: string;
  where: string;
}

/** Compose services with a build become drafts; returns every environment value that is an http(s) URL. */
function compose(repo: string, inf: Inference): EnvUrl[] {
  const urls: EnvUrl[] = [];
  for (const file of COMPOSE_FILES) {
    if (!inf.tree.has(file)) continue;
    inf.found = true;
    const doc = parseYamlFile(inf.tree, file);
    if (doc === null || doc === undefined) continue;
    if (!isMap(doc)) throw unreadable(file, undefined, "the top level is not a mapping");
    const services = doc.services;
    if (services === undefined || services === null) continue;
    if (!isMap(services)) throw unreadable(file, undefined, "services is not a mapping of service names");
    for (const name of Object.keys(services).sort()) {
      const svc = services[name];
      if (!isMap(svc)) continue;
      const where = `${file} services.${name}`;
      const env = environment(svc.environment);
      for (const [key, value] of env) {
        const u = httpUrl(value);
        if (u) urls.push({ ...u, where: `${where}.environment.${key}` });
      }
      composeService(repo, inf, file, name, svc, env);
    }
  }
  return urls;
}

function composeService(repo: string, inf: Inference, file: string, name: string, svc: Json, env: ReadonlyMap<string, string>): void {
  const where = `${file} services.${name}`;
  if (!SERVICE_NAME.test(name)) return inf.skip(name, `${where}: the name is not a valid service name (letters, digits, '.', '_' or '-')`);
  const build = svc.build;
  if (build === undefined || build === null) {
    const image = str(svc.image);
    return inf.skip(name, `${where} has ${image ? `only image ${image}` : "no build"}: it runs outside the repo`);
  }
  const context = typeof build === "string" ? build : isMap(build) ? (str(build.context) ?? ".") : undefined;
  if (context === undefined) return inf.skip(name, `${where}.build is neither a path nor a mapping with a context`);
  if (/^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(context)) return inf.skip(name, `${where}.build context ${context} is a remote repository, not a folder of this one`);
  const dir = repoRelative(repo, context);
  if (dir === undefined) return inf.skip(name, `${where}.build context ${context} is outside the repo`);
  if (dir !== "." && !inf.tree.files.some((f) => f.startsWith(`${dir}/`))) return inf.skip(name, `${where}.build context ${context} is not a folder of the working tree`);

  const d = inf.draft(name);
  if (d.dir !== undefined) return; // an earlier compose file named it
  d.dir = dir;
  d.evidence.push(`${where}.build: dir ${dir}`);
  const dockerfile = isMap(build) ? str(build.dockerfile) : undefined;
  d.dockerfile = posix.join(dir, dockerfile ?? "Dockerfile");
  d.urls.add(`http://${name}`);
  d.evidence.push(`${where}: url http://${name}`);
  const port = (value: unknown, at: string) => {
    const p = containerPort(value);
    if (p === undefined) return;
    const url = p === 80 ? `http://${name}` : `http://${name}:${p}`;
    d.urls.add(url);
    d.evidence.push(`${at}: url ${url}`);
  };
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  list(svc.ports).forEach((p, i) => port(p, `${where}.ports[${i}] ${typeof p === "object" ? JSON.stringify(p) : String(p)}`));
  list(svc.expose).forEach((p, i) => port(p, `${where}.expose[${i}] ${String(p)}`));
  const own = env.get("PORT");
  if (own !== undefined) port(own, `${where}.environment.PORT ${own}`);
}

/** A compose `environment`, as a list of `KEY=value` or a mapping, as key to text. */
function environment(env: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (Array.isArray(env)) {
    for (const item of env) {
      if (typeof item !== "string") continue;
      const eq = item.indexOf("=");
      if (eq > 0) out.set(item.slice(0, eq), item.slice(eq + 1));
    }
  } else if (isMap(env)) {
    for (const [k, v] of Object.entries(env)) if (v !== null && v !== undefined && typeof v !== "object") out.set(k, String(v));
  }
  return out;
}

function httpUrl(value: string): { host: string; origin: string } | undefined {
  const text = value.trim().replace(/^["']|["']$/g, "");
  if (!/^https?:\/\//i.test(text)) return undefined;
  try {
    const url = new URL(text);
    return { host: url.hostname, origin: url.origin };
  } catch {
    return undefined;
  }
}

/** The container's side of a compose port: `3000`, `8080:3000`, `127.0.0.1:8080:3000/tcp`, `{ target: 3000 }`; UDP and ranges are not. */
function containerPort(value: unknown): number | undefined {
  let text: string;
  if (typeof value === "number") text = String(value);
  else if (typeof value === "string") text = value;
  else if (isMap(value) && (typeof value.target === "number" || typeof value.target === "string")) {
    if (str(value.protocol) === "udp") return undefined;
    text = String(value.target);
  } else return undefined;
  const [spec, protocol] = text.trim().split("/");
  if (protocol && protocol.toLowerCase() !== "tcp") return undefined;
  const last = (spec ?? "").split(":").pop() ?? "";
  if (!/^\d+$/.test(last)) return undefined;
  const n = Number(last);
  return n >= 1 && n <= 65535 ? n : undefined;
}

// --- workspaces -------------------------------------------------------------------------------------------

/** Each workspace package with a server entry becomes a draft (merged with a compose service of its folder). */
function workspaces(inf: Inference): void {
  const { tree } = inf;
  const globs: Array<{ glob: string; from: string }> = [];
  if (tree.has("package.json")) {
    const pkg = parseJsonFile(tree, "package.json");
    const ws = isMap(pkg) ? pkg.workspaces : undefined;
    const list = Array.isArray(ws) ? ws : isMap(ws) && Array.isArray(ws.packages) ? ws.packages : [];
    for (const g of list) if (typeof g === "string") globs.push({ glob: g, from: "package.json workspaces" });
  }
  if (tree.has("pnpm-workspace.yaml")) {
    const doc = parseYamlFile(tree, "pnpm-workspace.yaml");
    const list = isMap(doc) && Array.isArray(doc.packages) ? doc.packages : [];
    for (const g of list) if (typeof g === "string") globs.push({ glob: g, from: "pnpm-workspace.yaml packages" });
  }
  if (globs.length === 0) return;
  inf.found = true;
  const pattern = (g: string) => globToRegExp(g.replace(/\/+$/, ""));
  const include = globs.filter((g) => !g.glob.startsWith("!")).map((g) => ({ re: pattern(g.glob), from: g.from }));
  const exclude = globs.filter((g) => g.glob.startsWith("!")).map((g) => pattern(g.glob.slice(1)));
  const dirs = tree.files.filter((f) => f.endsWith("/package.json")).map((f) => f.slice(0, -"/package.json".length));
  for (const dir of dirs) {
    const match = include.find((g) => g.re.test(dir));
    if (!match || exclude.some((re) => re.test(dir))) continue;
    workspacePackage(inf, dir, match.from);
  }
}

function workspacePackage(inf: Inference, dir: string, from: string): void {
  const file = `${dir}/package.json`;
  const pkg = parseJsonFile(inf.tree, file);
  const full = isMap(pkg) ? str(pkg.name) : undefined;
  const name = (full ?? posix.basename(dir)).replace(/^@[^/]+\//, "");
  const named = `${file} name${full ? ` ${full}` : " (none: the folder's name)"}`;
  if (!SERVICE_NAME.test(name)) return inf.skip(name, `${named} is not a valid service name (letters, digits, '.', '_' or '-')`);
  const found = findEntry(inf.tree, dir, undefined);
  const existing = inf.byDir(dir) ?? inf.drafts.get(name);
  if (existing && existing.dir !== undefined && existing.dir !== dir) {
    // A compose service of the same name lives elsewhere: compose says where it runs.
    existing.evidence.push(`${named} (${from}) is in ${dir}: kept the compose build's dir ${existing.dir}`);
    return;
  }
  if ("why" in found && !existing) return inf.skip(name, `${named} (${from}), but ${found.why}`);
  const d = existing ?? inf.draft(name);
  if (d.dir === undefined) {
    d.dir = dir;
    d.evidence.push(`${named} (${from}): dir ${dir}`);
  } else d.evidence.push(`${named} (${from}): the same folder as compose service ${d.name}`);
  if (!("why" in found) && d.entry === undefined) {
    d.entry = found.entry;
    d.evidence.push(found.evidence);
  }
}

// --- entries ----------------------------------------------------------------------------------------------

const FALLBACK_ENTRIES = ["src/server.ts", "src/main.ts", "src/index.ts", "server.ts", "index.ts"] as const;
const SERVER_CALL = /\bcreateServer\s*\(|\.listen\s*\(/;
const SCRIPT_FILE = /^[^\s'"`]+\.(?:[cm]?[jt]s|tsx|jsx)$/;

type EntryFound = { entry: string; evidence: string } | { why: string };

/**
 * The module that starts a folder's server: its package.json `main` or `exports["."]` when that file calls
 * `createServer(` or `.listen(`, the file its `scripts.start` runs, then the first of src/server.ts,
 * src/main.ts, src/index.ts, server.ts, index.ts that calls one, then the file its Dockerfile runs.
 */
function findEntry(tree: Tree, dir: string, dockerfile: string | undefined): EntryFound {
  const pkgFile = posix.join(dir, "package.json");
  const pkg = tree.has(pkgFile) ? parseJsonFile(tree, pkgFile) : undefined;
  const serves = (path: string) => SERVER_CALL.test(tree.text(path) ?? "");
  if (isMap(pkg)) {
    const main = str(pkg.main);
    if (main) {
      const e = source(tree, dir, main);
      if (e && serves(e)) return { entry: e, evidence: `${pkgFile} main ${main}: entry ${e}` };
    }
    const exp = exportsDot(pkg.exports);
    if (exp) {
      const e = source(tree, dir, exp);
      if (e && serves(e)) return { entry: e, evidence: `${pkgFile} exports["."] ${exp}: entry ${e}` };
    }
    const start = isMap(pkg.scripts) ? str(pkg.scripts.start) : undefined;
    if (start) {
      for (const token of start.split(/\s+/)) {
        const e = SCRIPT_FILE.test(token) ? source(tree, dir, token) : undefined;
        if (e) return { entry: e, evidence: `${pkgFile} scripts.start (${start}): entry ${e}` };
      }
    }
  }
  for (const f of FALLBACK_ENTRIES) {
    const e = posix.join(dir, f);
    if (tree.has(e) && serves(e)) return { entry: e, evidence: `${e} calls createServer( or .listen(: entry ${e}` };
  }
  if (dockerfile && tree.has(dockerfile)) {
    const run = dockerCommand(tree.text(dockerfile) ?? "");
    for (const token of run.tokens) {
      if (!SCRIPT_FILE.test(token)) continue;
      const rel = run.workdir && token.startsWith(`${run.workdir}/`) ? token.slice(run.workdir.length + 1) : token.replace(/^\/+/, "");
      const e = source(tree, dir, rel);
      if (e) return { entry: e, evidence: `${dockerfile} ${run.instruction} ${run.text}: entry ${e}` };
    }
  }
  const where = dir === "." ? "the repo root" : dir;
  return {
    why: `no server entry in ${where}: no package.json main, exports["."] or scripts.start names a file that exists and starts a server, none of ${FALLBACK_ENTRIES.join(", ")} calls createServer( or .listen(${dockerfile ? `, and ${dockerfile} runs no .js or .ts file of the folder` : ""}`,
  };
}

/** `exports["."]` of a package.json: a string, or the first string among its conditions. */
function exportsDot(exp: unknown): string | undefined {
  if (typeof exp === "string") return exp;
  if (!isMap(exp)) return undefined;
  const dot = Object.hasOwn(exp, ".") ? exp["."] : Object.keys(exp).some((k) => k.startsWith(".")) ? undefined : exp;
  const first = (v: unknown): string | undefined => {
    if (typeof v === "string") return v;
    if (!isMap(v)) return undefined;
    for (const k of ["node", "import", "require", "default", ...Object.keys(v)]) {
      const s = first(v[k]);
      if (s) return s;
    }
    return undefined;
  };
  return first(dot);
}

/**
 * A module path of a package (relative to its folder) as a file of the repo: a built `dist/x.js` is its
 * `src/x.ts` when that exists, else the file itself when the working tree has it.
 */
function source(tree: Tree, dir: string, path: string): string | undefined {
  const rel = posix.normalize(posix.join(dir, path));
  if (rel.startsWith("../") || rel === ".." || posix.isAbsolute(rel)) return undefined;
  const inPkg = dir === "." ? rel : rel.slice(dir.length + 1);
  const built = /^(?:dist|build|lib|out)\/(?:src\/)?(.+)\.([cm]?)js$/.exec(inPkg);
  if (built) {
    const ts = posix.join(dir, "src", `${built[1]}.${built[2]}ts`);
    if (tree.has(ts)) return ts;
  }
  if (/\.[cm]?js$/.test(rel) && !tree.has(rel)) {
    const ts = rel.replace(/\.([cm]?)js$/, ".$1ts");
    if (tree.has(ts)) return ts;
  }
  return tree.has(rel) ? rel : undefined;
}

/** The last stage's ENTRYPOINT and CMD of a Dockerfile, as words, and its last WORKDIR. */
function dockerCommand(text: string): { tokens: string[]; instruction: string; text: string; workdir: string | undefined } {
  const lines = text.replace(/\\\r?\n/g, " ").split(/\r?\n/);
  let entry: string | undefined;
  let cmd: string | undefined;
  let workdir: string | undefined;
  for (const line of lines) {
    const m = /^\s*(FROM|ENTRYPOINT|CMD|WORKDIR)\s+(.*)$/i.exec(line);
    if (!m) continue;
    const [, word = "", rest = ""] = m;
    const kw = word.toUpperCase();
    if (kw === "FROM") [entry, cmd] = [undefined, undefined];
    else if (kw === "ENTRYPOINT") entry = rest.trim();
    else if (kw === "CMD") cmd = rest.trim();
    else workdir = rest.trim().replace(/\/+$/, "");
  }
  const words = (s: string | undefined): string[] => {
    if (!s) return [];
    if (s.startsWith("[")) {
      try {
        const arr: unknown = JSON.parse(s);
        if (Array.isArray(arr)) return arr.filter((w): w is string => typeof w === "string").flatMap((w) => w.split(/\s+/));
      } catch {
        // shell form after all
      }
    }
    return s.split(/\s+/).map((w) => w.replace(/^["']|["']$/g, ""));
  };
  const shown = [entry ? `ENTRYPOINT ${entry}` : "", cmd ? `CMD ${cmd}` : ""].filter(Boolean).join(" ");
  return { tokens: [...words(entry), ...words(cmd)], instruction: entry && cmd ? "ENTRYPOINT/CMD" : entry ? "ENTRYPOINT" : "CMD", text: shown.replace(/^(ENTRYPOINT|CMD) /, ""), workdir };
}

// --- Kubernetes -------------------------------------------------------------------------------------------

const MANIFEST_DIRS = /^(?:k8s|kube|deploy|manifests)\//;

/** `kind: Service` documents add in-cluster URLs to the service of the same name (or of their `app` selector). */
function kubernetes(inf: Inference): void {
  for (const file of inf.tree.files) {
    if (!MANIFEST_DIRS.test(file) || !/\.ya?ml$/.test(file)) continue;
    const text = inf.tree.text(file);
    // Helm and other templates are not YAML until rendered: left out.
    if (!text || text.includes("{{") || !/^\s*kind:\s*["']?Service["']?\s*$/m.test(text)) continue;
    for (const doc of parseAllDocuments(text)) {
      if (!("errors" in doc) || doc.errors.length > 0) continue;
      const m: unknown = doc.toJS();
      if (!isMap(m) || m.kind !== "Service" || !isMap(m.metadata)) continue;
      const name = str(m.metadata.name);
      if (!name) continue;
      inf.found = true;
      const ns = str(m.metadata.namespace) ?? "default";
      const spec = isMap(m.spec) ? m.spec : {};
      const selector = isMap(spec.selector) ? spec.selector : {};
      const app = str(selector.app) ?? str(selector["app.kubernetes.io/name"]);
      const where = `${file} Service ${name} (namespace ${ns})`;
      const d = inf.drafts.get(name) ?? (app ? inf.drafts.get(app) : undefined);
      if (!d) {
        inf.skip(name, `${where} matches no compose service or workspace package by name${app ? ` or app selector ${app}` : ""}, and a manifest alone gives no folder`);
        continue;
      }
      const ports = (Array.isArray(spec.ports) ? spec.ports : []).map((p) => (isMap(p) ? p.port : undefined)).filter((p): p is number => Number.isInteger(p) && (p as number) > 0);
      const hosts = [name, `${name}.${ns}.svc.cluster.local`];
      const urls = hosts.flatMap((h) => [`http://${h}`, ...ports.filter((p) => p !== 80).map((p) => `http://${h}:${p}`)]);
      for (const u of urls) d.urls.add(u);
      d.evidence.push(`${where}${d.name === name ? "" : ` (selector app ${app})`}: urls ${urls.join(", ")}`);
    }
  }
}

// --- consumers --------------------------------------------------------------------------------------------

const LITERAL = /(["'`])([^"'`$\\\n]+)\1/g;
const CONSUMER_CALLS: ReadonlyArray<{ re: RegExp; what: string; topics: (m: RegExpExecArray) => string[] }> = [
  {
    // kafkajs: consumer.subscribe({ topic: "x" }) or { topics: ["x", "y"] }
    re: /\.subscribe\(\s*\{([^}]*)\}/g,
    what: "kafkajs subscribe({ topic })",
    topics: (m) => {
      const t = /\btopics?\s*:\s*(\[[^\]]*\]|(["'`])[^"'`$\\\n]+\2)/.exec(m[1] ?? "");
      return t ? [...(t[1] ?? "").matchAll(LITERAL)].map((l) => l[2] ?? "") : [];
    },
  },
  // amqplib: channel.consume("x", ...)
  { re: /\bconsume\(\s*(["'`])([^"'`$\\\n]+)\1/g, what: "amqplib consume()", topics: (m) => [m[2] ?? ""] },
  // bullmq: new Worker("x", ...); a worker_threads file path is not a queue
  { re: /\bnew\s+Worker\(\s*(["'`])([^"'`$\\\n]+)\1/g, what: "bullmq new Worker()", topics: (m) => (/^\.|\/|\.[cm]?[jt]s$/.test(m[2] ?? "") ? [] : [m[2] ?? ""]) },
  // SQS: new ReceiveMessageCommand({ QueueUrl: "…/x" }) and sqs-consumer's Consumer.create({ queueUrl: "…/x" }); the queue is the URL's last segment
  { re: /\bReceiveMessageCommand\(\s*\{[^}]*?\bQueueUrl\s*:\s*(["'`])([^"'`$\\\n]+)\1/g, what: "SQS ReceiveMessageCommand({ QueueUrl })", topics: (m) => [queueName(m[2] ?? "")] },
  { re: /\bConsumer\.create\(\s*\{[^}]*?\bqueueUrl\s*:\s*(["'`])([^"'`$\\\n]+)\1/g, what: "sqs-consumer Consumer.create({ queueUrl })", topics: (m) => [queueName(m[2] ?? "")] },
];

/** An SQS queue's name: its URL's last path segment. */
function queueName(url: string): string {
  return url.slice(url.lastIndexOf("/") + 1);
}

/** Topics the service's own source files consume (string literals only), with where each is consumed. */
function consumers(tree: Tree, dir: string): Array<{ topic: string; where: string }> {
  const out: Array<{ topic: string; where: string }> = [];
  const seen = new Set<string>();
  for (const file of tree.files) {
    if (dir !== "." && !file.startsWith(`${dir}/`)) continue;
    if (!/\.[cm]?[jt]sx?$/.test(file) || file.endsWith(".d.ts") || isTestPath(file) || /(?:^|\/)(?:dist|build)\//.test(file.slice(dir === "." ? 0 : dir.length + 1))) continue;
    const text = tree.text(file);
    if (!text) continue;
    for (const call of CONSUMER_CALLS) {
      for (const m of text.matchAll(call.re)) {
        for (const topic of call.topics(m as RegExpExecArray)) {
          if (!topic.trim() || seen.has(topic)) continue;
          seen.add(topic);
          const line = text.slice(0, m.index).split("\n").length;
          out.push({ topic, where: `${file}:${line} ${call.what}` });
        }
      }
    }
  }
  return out;
}

function sortedUnique(items: Iterable<string>): string[] {
  return [...new Set(items)].sort();
}
