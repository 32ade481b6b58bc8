import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IO_BUILTINS, IO_PACKAGES } from "../servers/scenarios/sandbox/boundaries.js";
import { SandboxPool } from "../servers/scenarios/sandbox/pool.js";
import { DEFAULT_LIMITS, type Limits, type RunResult, type SimulationJob } from "../servers/scenarios/sandbox/protocol.js";
import { gitIn, makeRepo, tempDir } from "./helpers/git-fixture.js";

/**
 * Red team of the read-only `fs` of a simulation (commit 7473bd6: prelude.ts fsModule/repoPathOf/fsQuery,
 * fs-tree.ts fsAnswer, sources.ts RevisionFiles, modules.ts resolveAndRead's /repo mapping). The code under test
 * is hostile. Each attack asserts the SAFE (or Node-faithful) behaviour; one that succeeds is `hole(...)`
 * (`it.fails`) with the mechanism in a comment, so the file passes either way and documents what was found.
 * WORLDLINE_REDTEAM_SHOW=1 runs the holes as plain `it`, to see how their assertions fail.
 *
 * The sandbox cases report what they saw on console.log lines `OUT <key> <json>` (the run's logs), parsed here.
 */
const hole = process.env.WORLDLINE_REDTEAM_SHOW ? it : it.fails;
const lines = (...l: string[]) => `${l.join("\n")}\n`;

/** Contents that must never reach a run's record: host files, the repo's install, its .git, Worldline itself. */
const MARKERS = /root:x:0|host-secret-123|nm-secret-456|git-secret-789|"tsx agent\/cli\.ts"|ref: refs\/heads/;

const ATTACKS = lines(
  'import fs from "fs";',
  'import * as fsp from "fs/promises";',
  'import { it, expect, vi } from "vitest";',
  'import evil from "evil";',
  "declare const require: (s: string) => unknown;",
  "const out = (key: string, v: unknown) => console.log(`OUT ${key} ${JSON.stringify(v)}`);",
  // What a call gave, as text: a string, a Buffer's text, a list, a boolean, an error's code, or the stand-in's symbolic value.
  "const show = (f: () => unknown): string => {",
  "  try {",
  "    const v = f();",
  '    if (typeof v === "string") return "str:" + v.slice(0, 120);',
  '    if (v instanceof Uint8Array) return "buf:" + Buffer.from(v).toString("utf8").slice(0, 120);',
  '    if (Array.isArray(v)) return "list:" + v.map((x) => (typeof x === "string" ? x : x && typeof x === "object" && "name" in x ? (x as { name: string }).name : typeof x)).join(",").slice(0, 200);',
  '    if (typeof v === "boolean" || typeof v === "number" || v === undefined) return "val:" + String(v);',
  '    return "other:" + typeof v;',
  "  } catch (e) {",
  '    return "ERR:" + String((e as { code?: string }).code ?? "") + ":" + String((e as Error).message).slice(0, 80);',
  "  }",
  "};",
  "const showAsync = async (f: () => Promise<unknown>): Promise<string> => { try { const v = await f(); return show(() => v); } catch (e) { return show(() => { throw e; }); } };",
  "",
  'it("host paths", async () => {',
  "  let n = 0;",
  '  const flip = new URL("file:///repo/src/data.json");',
  '  Object.defineProperty(flip, "href", { get: () => (n++ % 2 ? "file:///etc/passwd" : "file:///repo/src/data.json") });',
  '  class U extends URL { get href() { return n++ % 2 ? "file:///repo/src/data.json" : "file:///etc/passwd"; } }',
  "  const paths: unknown[] = [",
  '    "/etc/passwd", "//etc/passwd", "/repo/../etc/passwd", "/repo/./../etc/passwd", "/repo/src/../../etc/passwd", "../etc/passwd", "/repo/../repo/src/data.json",',
  '    "repo/.git/config", ".git/config", "/repo/.git/config", "/repo/.git/HEAD", ".git/HEAD",',
  '    "node_modules/evil/secret.json", "/repo/node_modules/evil/secret.json", "src/../node_modules/evil/secret.json", "./node_modules//evil/secret.json",',
  "    process.env.SECRET_FILE, process.env.REPO_HOST + '/node_modules/evil/secret.json', process.env.REPO_HOST + '/.git/config',",
  '    "test/fixtures/wt-link.json", "test/fixtures/wt-dir/secret.json", "test/fixtures/passwd.json", "test/fixtures/escape/passwd",',
  '    "/work/main/package.json", "/repo/../work/main/package.json", "../../../../work/main/package.json",',
  '    "/repo/read:../../etc/passwd", "list:..", "\\u0000worldline-fs:read:src/data.json", "\\u0000worldline-collected:[]", "/repo/src/data.json\\u0000/../../../etc/passwd",',
  '    "x/".repeat(20000) + "../".repeat(20001) + "etc/passwd",',
  '    new URL("file:///etc/passwd"), new URL("file:///repo/%2e%2e/etc/passwd"), new URL("file:///repo/src/..%2F..%2F..%2Fetc%2Fpasswd"), new URL("file:///repo/node_modules%2Fevil%2Fsecret.json"), new URL("file://host/etc/passwd"), "file:///etc/passwd",',
  '    { toString: () => "/etc/passwd" }, { [Symbol.toPrimitive]: () => "/etc/passwd" }, Buffer.from("/etc/passwd"), flip, flip, new U("file:///x"), new U("file:///x"),',
  "  ];",
  '  for (let i = 0; i < paths.length; i++) { out(`read${i}`, show(() => fs.readFileSync(paths[i] as string, "utf8"))); out(`exists${i}`, show(() => fs.existsSync(paths[i] as string))); }',
  '  for (let i = 0; i < paths.length; i++) out(`p${i}`, await showAsync(() => fsp.readFile(paths[i] as string, "utf8")));',
  '  const dirs = ["/", "/etc", "/repo/..", "..", ".git", "/repo/.git", "node_modules", "node_modules/evil", "test/fixtures/wt-dir", "test/fixtures/escape", "/work/main", process.env.REPO_HOST];',
  "  for (let i = 0; i < dirs.length; i++) out(`dir${i}`, show(() => fs.readdirSync(dirs[i] as string)));",
  // The module loader's /repo mapping and the prelude's own prefixes, from repo code.
  '  const mods = ["/repo/../../etc/passwd", "/repo/node_modules/evil/secret.json", "/repo/.git/config", "\\u0000worldline-fs:read:src/data.json", "\\u0000worldline-collected:[]", "\\u0000worldline:web-world", "/repo/src/data.json"];',
  "  for (let i = 0; i < mods.length; i++) out(`mod${i}`, show(() => { const m = require(mods[i] as string); return m && typeof m === 'object' && 'v' in m ? String((m as { v: unknown }).v) : m; }));",
  "  // An installed package reads its own data file through __dirname (node_modules: the stand-in).",
  '  out("pkgdir", evil.dir); out("pkgread", show(() => evil.read("secret.json")));',
  "});",
  "",
  'it("package requires", () => {',
  '  out("pkgmap", show(() => evil.load("/repo/node_modules/evil/secret.json")));',
  '  out("pkgclimb", show(() => evil.load("/repo/../../../../etc/passwd")));',
  "});",
  "",
  'it("revision", () => {',
  '  out("rev", { data: JSON.parse(fs.readFileSync("src/data.json", "utf8")).v, wtOnly: fs.existsSync("test/fixtures/wt-only.json"), wtRead: show(() => fs.readFileSync("test/fixtures/wt-only.json", "utf8")), list: fs.readdirSync("test/fixtures").join(","), mod: (require("/repo/src/data.json") as { v: string }).v });',
  "});",
  "",
  'it("basics", async () => {',
  '  const buf = fs.readFileSync("src/data.json");',
  '  const err = (f: () => unknown) => { try { f(); return "no error"; } catch (x) { const e = x as Error & { code: string; errno: number; syscall: string; path: string }; return [e.code, e.errno, e.syscall, e.path, e.message, e instanceof Error]; } };',
  '  const b: Record<string, unknown> = {',
  '    isBuffer: Buffer.isBuffer(buf), same: buf.toString("utf8") === fs.readFileSync("src/data.json", "utf8"), str: typeof fs.readFileSync("src/data.json", "utf8"), strOpt: typeof fs.readFileSync("src/data.json", { encoding: "utf8" }),',
  '    size: fs.statSync("src/data.json").size, bufLen: buf.length, isFile: fs.statSync("src/data.json").isFile(), dirIsDir: fs.statSync("test").isDirectory(),',
  '    enoent: err(() => fs.readFileSync("test/none.json")), statEnoent: err(() => fs.statSync("test/none.json")), scandir: err(() => fs.readdirSync("test/none")), notdir: err(() => fs.readdirSync("src/data.json")), isdir: err(() => fs.readFileSync("src"))[0],',
  '    dirents: fs.readdirSync("test/fixtures/cases", { withFileTypes: true }).map((d) => [d.name, d.isFile(), d.isDirectory()]),',
  '    exists: [fs.existsSync("test/fixtures"), fs.existsSync("/repo"), fs.existsSync("/repo/src/data.json"), fs.existsSync("src/none.json")],',
  '    promise: Buffer.isBuffer(await fsp.readFile("src/data.json")), promiseDir: await fs.promises.readdir("test/fixtures/cases"), promiseEnoent: await fsp.readFile("x.json").then(() => "ok", (e) => e.code),',
  "  };",
  '  for (const k of Object.keys(b)) out(`basics.${k}`, b[k]);',
  "});",
  "",
  'it("edges", async () => {',
  '  out("edges", {',
  '    base64: show(() => fs.readFileSync("src/data.json", "base64")), latin1: show(() => fs.readFileSync("src/data.json", { encoding: "latin1" })), hex: show(() => fs.readFileSync("test/fixtures/cases/one.json", "hex")),',
  '    existsEmpty: fs.existsSync(""), noThrow: show(() => fs.statSync("src/none.json", { throwIfNoEntry: false })), txtSize: show(() => fs.statSync("test/fixtures/notes.txt").size),',
  '    recursive: show(() => fs.readdirSync("test/fixtures/cases", { recursive: true } as never)), parentPath: show(() => (fs.readdirSync("test/fixtures/cases", { withFileTypes: true })[0] as unknown as { parentPath: string }).parentPath),',
  '    query: show(() => fs.readFileSync(new URL("file:///repo/src/data.json?x=1#h"), "utf8")),',
  '    callback: await new Promise((r) => { const t = setTimeout(() => r("never called"), 50); try { fs.readFile("src/data.json", "utf8", (e, d) => { clearTimeout(t); r(e ? "err" : "str:" + String(d).slice(0, 10)); }); } catch (e) { clearTimeout(t); r("threw"); } }),',
  "  });",
  "});",
  "",
  'it("links", () => {',
  '  out("links", { alias: show(() => fs.readFileSync("test/fixtures/alias.json", "utf8")), linkdir: show(() => fs.readdirSync("test/fixtures/linkdir")), isLink: show(() => fs.lstatSync("test/fixtures/alias.json").isSymbolicLink()), passwd: show(() => fs.readFileSync("test/fixtures/passwd.json", "utf8")) });',
  "});",
  "",
  'it("writes", () => {',
  '  out("truncate", show(() => fs.readFileSync("src/data.json", { flag: "w+" })));',
  '  out("afterTruncate", show(() => fs.readFileSync("src/data.json", "utf8")));',
  '  fs.writeFileSync("test/fixtures/new.json", "{\\"n\\":9}");',
  '  out("readBack", show(() => fs.readFileSync("test/fixtures/new.json", "utf8")));',
  '  fs.promises.writeFile("test/fixtures/new2.json", "{}");',
  "});",
  "",
  'it("deps", () => {',
  '  out("deps", [fs.readdirSync("test/fixtures/cases").length, fs.existsSync("test/fixtures/cases/one.json"), fs.statSync("test/fixtures/cases/deep/two.json").size, fs.existsSync("test/fixtures/cases/three.json")]);',
  "});",
  "",
  'it("tamper", () => {',
  "  const fake = () => 'FAKE';",
  "  (fs as { readFileSync: unknown }).readFileSync = fake;",
  '  out("assign", (fs as { readFileSync: unknown }).readFileSync === fake);',
  '  out("spy", show(() => { const s = vi.spyOn(fs, "statSync").mockReturnValue("SPY" as never); const v = fs.statSync("src/data.json"); s.mockRestore(); return v; }));',
  '  out("keys", [Object.keys(fs).includes("readFileSync"), typeof { ...fs }.readFileSync]);',
  '  Object.defineProperty(fs, "existsSync", { value: () => "DEF", writable: false, configurable: false });',
  '  out("define", show(() => fs.existsSync("src/data.json")));',
  '  out("after", show(() => fs.readdirSync("src")));',
  "});",
  "",
  'it("pollution", () => {',
  "  const AP = Array.prototype as unknown as Record<PropertyKey, unknown>;",
  "  const got: Record<string, string> = {};",
  "  const iter = AP[Symbol.iterator];",
  "  AP[Symbol.iterator] = function* () { yield 'evil'; yield true; };",
  '  got.iter = show(() => fs.readdirSync("test/fixtures/cases"));',
  "  AP[Symbol.iterator] = iter;",
  '  Object.defineProperty(Array.prototype, "0", { set() {}, get() { return undefined; }, configurable: true });',
  '  got.index = show(() => fs.readFileSync("src/data.json", "utf8"));',
  "  delete AP[0];",
  "  const split = String.prototype.split;",
  '  String.prototype.split = function () { return ["", "repo", "nope.json"]; } as never;',
  '  got.split = show(() => fs.readFileSync("src/data.json", "utf8"));',
  "  String.prototype.split = split;",
  "  const from = Buffer.from;",
  "  (Buffer as { from: unknown }).from = () => 'FROMFAKE';",
  '  got.bufferFrom = show(() => fs.readFileSync("src/data.json"));',
  "  (Buffer as { from: unknown }).from = from;",
  "  const S = globalThis.String;",
  "  (globalThis as { String: unknown }).String = () => 'STRFAKE';",
  '  let s: unknown; try { s = fs.readFileSync("src/data.json", "utf8"); } catch (e) { s = "ERR"; }',
  "  (globalThis as { String: unknown }).String = S;",
  "  got.globalString = show(() => s);",
  "  const dec = globalThis.decodeURIComponent;",
  '  globalThis.decodeURIComponent = () => "/repo/src/data.json";',
  '  got.decode = show(() => fs.readFileSync(new URL("file:///repo/nope.json"), "utf8"));',
  "  globalThis.decodeURIComponent = dec;",
  '  out("pollution", got);',
  "});",
  "",
  'it("dos", () => {',
  '  out("deep", show(() => fs.readFileSync("x/".repeat(400000) + "a.json", "utf8")));',
  '  for (;;) fs.readdirSync("big");',
  "});",
  "",
  'it("stubbed", async () => {',
  '  out("stubbed", [await showAsync(() => fsp.readFile("/etc/app.conf", "utf8")), await showAsync(() => fs.promises.readFile("/etc/app.conf", "utf8")), show(() => fs.readFileSync("/etc/app.conf", "utf8"))]);',
  "});",
  "",
  'it("quick", () => { expect(fs.existsSync("src/data.json")).toBe(true); });',
);

const FILES: Record<string, string> = {
  "package.json": JSON.stringify({ name: "fixture", type: "module" }),
  "src/data.json": JSON.stringify({ v: "committed", uni: "é✓" }),
  "test/fixtures/cases/one.json": JSON.stringify({ n: 1 }),
  "test/fixtures/cases/deep/two.json": JSON.stringify({ n: 2, pad: "........" }),
  "test/fixtures/notes.txt": "hello notes, 25 bytes ..\n",
  "test/attacks.test.ts": ATTACKS,
};

describe("red team: fs reads in a simulation", () => {
  const tmp = tempDir();
  const repo = join(tmp.dir, "repo");
  const secret = join(tmp.dir, "secret.json");
  let pool: SandboxPool;
  let first = "";
  let big = "";
  beforeAll(() => {
    mkdirSync(join(repo, "test/fixtures"), { recursive: true });
    // Committed symlinks: to a fixture in the repo, to a directory in the repo, out of the repo.
    symlinkSync("cases/one.json", join(repo, "test/fixtures/alias.json"));
    symlinkSync("cases", join(repo, "test/fixtures/linkdir"));
    symlinkSync("/etc", join(repo, "test/fixtures/escape"));
    symlinkSync("/etc/passwd", join(repo, "test/fixtures/passwd.json"));
    makeRepo(repo, [{ message: "fixtures", files: FILES }]);
    first = gitIn(repo, ["rev-parse", "HEAD"]).trim();
    gitIn(repo, ["config", "worldline.marker", "git-secret-789"]);
    // A commit beside main with one directory of 30,000 files (the same blob), for the listing attack.
    const env = { ...process.env, GIT_INDEX_FILE: join(tmp.dir, "big.index"), GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };
    const blob = execFileSync("git", ["hash-object", "-w", "--stdin"], { cwd: repo, input: "{}", encoding: "utf8" }).trim();
    execFileSync("git", ["read-tree", first], { cwd: repo, env });
    const info = Array.from({ length: 30_000 }, (_, i) => `100644 blob ${blob}\tbig/f${String(i).padStart(5, "0")}.json\n`).join("");
    execFileSync("git", ["update-index", "--index-info"], { cwd: repo, env, input: info });
    const tree = execFileSync("git", ["write-tree"], { cwd: repo, env, encoding: "utf8" }).trim();
    big = execFileSync("git", ["commit-tree", tree, "-p", first, "-m", "big"], { cwd: repo, encoding: "utf8", env: { ...env, GIT_AUTHOR_NAME: "a", GIT_AUTHOR_EMAIL: "a@b", GIT_COMMITTER_NAME: "a", GIT_COMMITTER_EMAIL: "a@b" } }).trim();
    // The working tree moves on, and holds what must never be read: a link out, a directory link out, an install.
    writeFileSync(join(repo, "src/data.json"), JSON.stringify({ v: "worktree" }));
    writeFileSync(join(repo, "test/fixtures/wt-only.json"), JSON.stringify({ wt: true }));
    writeFileSync(secret, JSON.stringify({ token: "host-secret-123" }));
    mkdirSync(join(tmp.dir, "secretdir"));
    writeFileSync(join(tmp.dir, "secretdir/secret.json"), JSON.stringify({ token: "host-secret-123" }));
    symlinkSync(secret, join(repo, "test/fixtures/wt-link.json"));
    symlinkSync(join(tmp.dir, "secretdir"), join(repo, "test/fixtures/wt-dir"));
    mkdirSync(join(repo, "node_modules/evil"), { recursive: true });
    writeFileSync(join(repo, "node_modules/evil/package.json"), JSON.stringify({ name: "evil", main: "index.js" }));
    writeFileSync(join(repo, "node_modules/evil/secret.json"), JSON.stringify({ token: "nm-secret-456" }));
    writeFileSync(
      join(repo, "node_modules/evil/index.js"),
      'const fs = require("fs");\nexports.dir = __dirname;\nexports.read = (f) => fs.readFileSync(__dirname + "/" + f, "utf8");\nexports.load = (p) => require(p);\n',
    );
    pool = new SandboxPool(1);
  });
  afterAll(() => {
    pool.close();
    tmp.cleanup();
  });

  const job = (title: string, rev = "WORKTREE", limits: Partial<Limits> = {}): SimulationJob => ({
    repo,
    rev,
    env: { SECRET_FILE: secret, REPO_HOST: repo },
    // The world's answers for reads outside the repo, by the stand-in targets they had before 7473bd6.
    stubs: title === "stubbed" ? { "fs/promises#readFile": { returns: "STUB-PROMISES", async: true }, "fs#promises.readFile": { returns: "STUB-FS-PROMISES", async: true }, "fs#readFileSync": { returns: "STUB-SYNC" } } : {},
    steps: [{ call: "", run: { file: "test/attacks.test.ts", titles: [title], nth: 1 }, expect: ["result.status === 'pass'"] }],
    boundaryPackages: [...IO_BUILTINS, ...IO_PACKAGES],
    limits: { ...DEFAULT_LIMITS, cpuMs: 10_000, ...limits },
  });
  /** One run per (case, revision), shared by the tests that look at it. */
  const runs = new Map<string, Promise<RunResult>>();
  const run = (title: string, rev = "WORKTREE", limits: Partial<Limits> = {}) => {
    const key = `${title}@${rev}`;
    // RT_DEBUG=1 prints each run (status, outcome, logs, effect targets) to stderr.
    if (!runs.has(key)) runs.set(key, pool.run(job(title, rev, limits)).then((r) => { if (process.env.RT_DEBUG) console.error(key, JSON.stringify({ status: r.status, error: r.error, step: r.steps[0]?.result, logs: r.logs, effects: r.effects.map((e) => e.target) }).slice(0, 60000)); return r; }));
    return runs.get(key) as Promise<RunResult>;
  };
  const outs = (r: RunResult): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (const l of r.logs) {
      const m = /^(?:log: )?OUT (\S+) (.*)$/s.exec(l);
      if (m) o[m[1] as string] = JSON.parse(m[2] as string);
    }
    return o;
  };
  const outcome = (r: RunResult) => r.steps[0]?.result as { status: string; error?: { message: string } } | undefined;

  it("HELD: no host content (/etc, a secret outside, node_modules, .git, Worldline's checkout) through any path trick, URL, object, NUL, TOCTOU getter, prefix or /repo module mapping", async () => {
    const r = await run("host paths");
    expect(r.status).toBe("ok");
    expect(JSON.stringify(r)).not.toMatch(MARKERS);
    const o = outs(r);
    const values = Object.values(o).map(String);
    // Everything answered is either the repo's revision content, ENOENT/ENOTDIR from the tree, or the stand-in's symbolic value.
    for (const v of values) expect(v).toMatch(/^(str:\{"v":"worktree"\}|str:\/etc\/passwd|str:\/etc|str:\/tmp\/worldline-test-[^/]+\/secret\.json$|str:worktree$|buf:|ERR:ENO(ENT|TDIR):|ERR::Cannot|other:|val:(true|false)|list:|\/repo\/node_modules\/evil)/);
    // "/repo/../repo/x" is the repo's x; a flipping href and a URL subclass are read once (repoPathOf), each
    // call served as that href said: no host data either way (the stand-in never reads the host).
    expect([o.read6, o.read41, o.read42, o.mod6]).toEqual(['str:{"v":"worktree"}', 'str:{"v":"worktree"}', 'str:{"v":"worktree"}', "str:worktree"]);
    // .git is not in the tree (ENOENT); node_modules, paths outside /repo, objects and Buffers go to the stand-in.
    expect([o.read9, o.dir5, o.read13, o.dir6, o.read0, o.read30]).toEqual(["ERR:ENOENT:ENOENT: no such file or directory, open '/repo/.git/config'", "ERR:ENOENT:ENOENT: no such file or directory, scandir '/repo/.git'", "other:function", "other:function", "other:function", "other:function"]);
    // Links (committed, or only in the working tree, to a file or a directory) are never followed: a link is
    // served as its link text (git's blob), a directory link is not a directory.
    // NOTE (minor disclosure, not content): an untracked working-tree link out of the repo is served as its
    // text, the absolute HOST path of its target (read19: "/tmp/.../secret.json"), into the run's record.
    expect([o.read21, o.read19, o.read20, o.dir8]).toEqual(["str:/etc/passwd", `str:${secret}`, "ERR:ENOENT:ENOENT: no such file or directory, open 'test/fixtures/wt-dir/secret.json'", "ERR:ENOTDIR:ENOTDIR: not a directory, scandir 'test/fixtures/wt-dir'"]);
    expect(r.effects.filter((e) => e.target === "fs#readFileSync").length).toBeGreaterThan(20);
  });

  it("HELD: a package's /repo/... request maps to no host file; a climb out ends the run as a reach for the host", async () => {
    const r = await run("package requires");
    expect(JSON.stringify(r)).not.toMatch(MARKERS);
    expect(r.status).toBe("error");
    expect(r.error?.reason).toMatch(/reached for the host/);
    // NOTE (fidelity, not a leak): from an installed package "/repo/node_modules/evil/secret.json" becomes the
    // host path "/node_modules/evil/secret.json" (modules.ts resolveAndRead strips /repo, diskModule takes it as
    // absolute on the host): missing, a stand-in, where Node loads the package's own file.
    expect(outs(r).pkgmap).toBe("other:function");
  });

  it("HELD: a commit's run reads the commit's tree, never the working tree (edited, untracked files); the working tree's run sees them", async () => {
    const atCommit = outs(await run("revision", first)).rev as Record<string, unknown>;
    expect(atCommit).toMatchObject({ data: "committed", wtOnly: false, mod: "committed" });
    expect(atCommit.wtRead).toMatch(/^ERR:ENOENT/);
    expect(atCommit.list).toBe("alias.json,cases,escape,linkdir,notes.txt,passwd.json");
    const atWorktree = outs(await run("revision")).rev as Record<string, unknown>;
    expect(atWorktree).toMatchObject({ data: "worktree", wtOnly: true, mod: "worktree" });
  });

  it("HELD: readFileSync gives a Buffer without encoding, a string with one; ENOENT/ENOTDIR/EISDIR as Node has them; withFileTypes, existsSync on a directory, statSync size in bytes", async () => {
    const r = await run("basics", first);
    const text = JSON.stringify({ v: "committed", uni: "é✓" });
    const o = outs(r);
    const b = Object.fromEntries(Object.entries(o).filter(([k]) => k.startsWith("basics.")).map(([k, v]) => [k.slice(7), v]));
    expect(b).toEqual({
      isBuffer: true,
      same: true,
      str: "string",
      strOpt: "string",
      size: Buffer.byteLength(text),
      bufLen: Buffer.byteLength(text),
      isFile: true,
      dirIsDir: true,
      enoent: ["ENOENT", -2, "open", "test/none.json", "ENOENT: no such file or directory, open 'test/none.json'", true],
      statEnoent: ["ENOENT", -2, "stat", "test/none.json", "ENOENT: no such file or directory, stat 'test/none.json'", true],
      scandir: ["ENOENT", -2, "scandir", "test/none", "ENOENT: no such file or directory, scandir 'test/none'", true],
      notdir: ["ENOTDIR", -20, "scandir", "src/data.json", "ENOTDIR: not a directory, scandir 'src/data.json'", true],
      isdir: "EISDIR",
      dirents: [["deep", false, true], ["one.json", true, false]],
      exists: [true, true, true, false],
      promise: true,
      promiseDir: ["deep", "one.json"],
      promiseEnoent: "ENOENT",
    });
  });

  // HOLE (fidelity, wrong verdict): prelude.ts fsText returns the UTF-8 text for ANY encoding ("base64", "hex",
  // "latin1"...), since it only tests `encoding === undefined || null`. Fix: fsText builds the Buffer and returns
  // `buf.toString(encoding)` (captured Buffer port) for a non-null encoding.
  it("CLOSED readFileSync(p, 'base64'|'hex'|'latin1') returns the UTF-8 text, not the encoding Node gives", async () => {
    const e = outs(await run("edges", first)).edges as Record<string, unknown>;
    const text = JSON.stringify({ v: "committed", uni: "é✓" });
    expect(e.base64).toBe(`str:${Buffer.from(text).toString("base64").slice(0, 120)}`);
    expect(e.latin1).toBe(`str:${Buffer.from(text).toString("latin1")}`);
    expect(e.hex).toBe(`str:${Buffer.from(JSON.stringify({ n: 1 })).toString("hex")}`);
  });

  // HOLE (fidelity): (1) statSync of a revision file the tree does not hold (a .txt, an image) answers size 0
  // (fs-tree.ts fsAnswer: `{ file: 0 }` for paths-only entries); fix: keep blob sizes in RevisionFiles.paths
  // (ls-tree -l / lstat) and answer them. (2) existsSync("") is true (repoPathOf maps "" to "/repo/" = the repo
  // root); Node says false; fix: repoPathOf returns undefined for "" (or fsQuery answers missing). (3)
  // statSync(p, { throwIfNoEntry: false }) throws ENOENT instead of returning undefined; fix in fsStats/served.
  // (4) readdirSync({ recursive: true }) lists one level; Dirent lacks parentPath/path (Node 20). (5) a file: URL's
  // ?query/#hash is kept in the path (repoPathOf uses href, not pathname); fix: read `pathname` of the captured
  // URL class. (6) fs.readFile(path, cb) (callback form) is the stand-in: the callback never runs.
  hole("HOLE: stat size of an unserved kind is 0, existsSync('') is true, throwIfNoEntry is ignored, recursive readdir, file: URL ?query, callback readFile", async () => {
    const e = outs(await run("edges", first)).edges as Record<string, unknown>;
    expect({ txtSize: e.txtSize, existsEmpty: e.existsEmpty, noThrow: e.noThrow, recursive: e.recursive, parentPath: e.parentPath, query: e.query, callback: e.callback }).toEqual({
      txtSize: "val:25",
      existsEmpty: false,
      noThrow: "val:undefined",
      recursive: "list:deep,one.json,deep/two.json",
      parentPath: "str:test/fixtures/cases",
      query: `str:${JSON.stringify({ v: "committed", uni: "é✓" })}`,
      callback: 'str:{"v":"commi',
    });
  });

  // HOLE (fidelity, safe): a committed symlink is served as its link text (git's blob), not followed, even when
  // it points inside the repo (fixtures/latest.json -> v2.json is common): JSON.parse of the "file" fails; a
  // committed directory link reads as a file (ENOTDIR); lstatSync never says isSymbolicLink. Links OUT of the
  // repo are correctly never followed. Fix: sources.ts keep each path's mode (ls-tree 120000); fs-tree.ts
  // fsAnswer resolves a link's text lexically against its directory, follows it only while it stays in the
  // tree (bounded hops), answers isSymbolicLink for lstat, and ENOENT for a link that leaves the repo.
  hole("HOLE: a symlink inside the repo (file or directory) is not followed: its link text is served as content", async () => {
    const l = outs(await run("links", first)).links as Record<string, unknown>;
    expect(l.passwd).not.toMatch(/root:x:0/);
    expect(l).toMatchObject({ alias: `str:${JSON.stringify({ n: 1 })}`, linkdir: "list:deep,one.json", isLink: "val:true" });
  });

  // HOLE (hidden write): readFileSync(p, { flag: "w+" }) (or "w", "a+") is a write in Node (it truncates or
  // creates the file), but prelude.ts `served` never looks at `flag`: it is answered from the tree and records no
  // effect, so a truncation is hidden from the effect record. Fix: in `served` (prelude.ts fsModule) send any
  // call whose flag is not "r"/"rs"/undefined to the recorded stand-in.
  // Also (fidelity, by design): a write is a recorded effect, but a later read of that path still answers from
  // the revision (ENOENT for a new file), where Node reads back what was written.
  it("CLOSED readFileSync with a write flag truncates in Node but is served from the tree and leaves no effect", async () => {
    const r = await run("writes", first);
    const o = outs(r);
    const reads = r.effects.filter((e) => e.target.startsWith("fs")).map((e) => e.target);
    expect(reads).toContain("fs#writeFileSync");
    expect(reads.some((t) => /promises\.writeFile/.test(t))).toBe(true);
    expect(reads.some((t) => t === "fs#readFileSync")).toBe(true); // the truncating read is an effect
    // Answered by the stand-in (symbolic), not from the tree: what a truncating read returns is the effect's answer.
    expect(String(o.truncate)).not.toContain("committed");
  });

  // HOLE (selection, wrong verdict): only `read` adds a file to the run's coverage (fs-tree.ts fsAnswer calls
  // `read` for op "read" only). A test's answer from readdirSync (a count of fixtures), existsSync or statSync
  // (size), or an ENOENT probe, depends on files that are not in its coverage: adding test/fixtures/cases/three.json
  // or resizing deep/two.json changes the verdict but selects nothing. Fix: record list/stat/missing queries as
  // the loader records module requests (ModuleLoader.requests with candidates): a directory listed (its entries'
  // hash), a path stat'ed or found missing, so a change to them selects the test.
  hole("HOLE: readdirSync/existsSync/statSync answers are not in the run's coverage (a fixture added, removed or resized selects no test)", async () => {
    const r = await run("deps", first);
    expect(outs(r).deps).toEqual([2, true, Buffer.byteLength(JSON.stringify({ n: 2, pad: "........" })), false]);
    const covered = [...Object.keys(r.coverage.files), ...r.coverage.requests.map((q) => q.specifier)].join("\n");
    expect(covered).toMatch(/test\/fixtures\/cases\/deep\/two\.json/);
    expect(covered).toMatch(/test\/fixtures\/cases(\/|$)/m);
    expect(covered).toMatch(/three\.json/);
  });

  // HOLE (fidelity, tampering): the fs module is a Proxy over the stand-in (prelude.ts `over`) with only a `get`
  // trap. `fs.readFileSync = fake` is silently dropped (the stand-in's set trap returns true), vi.spyOn(fs, ...)
  // throws (no own descriptor anywhere on the chain), Object.keys/spread see none of fs's functions, and a
  // non-configurable defineProperty makes every later `fs.existsSync` a Proxy-invariant TypeError. In Node each
  // works (mocking fs is common in tests). Fix: build the served module as a real object (own data properties
  // for the served functions, the stand-in's members behind them), so set/define/spyOn/keys act on it.
  it("CLOSED the fs Proxy ignores assignment, defeats vi.spyOn and Object.keys, and throws after a non-configurable define", async () => {
    const o = outs(await run("tamper", first));
    expect(JSON.stringify(o)).not.toMatch(MARKERS);
    expect(o).toMatchObject({ assign: true, spy: "str:SPY", keys: [true, "function"], define: "str:DEF" });
  });

  // HOLE (hardening, low: the code only fools itself, no host data): the prelude's fs code goes through what the
  // code can rewrite, unlike the record code: fsEntries destructures with Array.prototype[Symbol.iterator] and
  // writes out[i] (a setter on Array.prototype[0] swallows it), repoPathOf calls String.prototype.split live and
  // the global decodeURIComponent, fsText calls the global String and the shared Buffer port's Buffer.from. Node's
  // fs ignores all of them. Fix: capture split/decodeURIComponent/String and Buffer.from at install; build arrays
  // with defineProperty (or a captured push) and index list entries (`list[i][0]`) instead of destructuring.
  hole("HOLE: Array/String prototype, global String/decodeURIComponent and Buffer.from pollution change what fs answers", async () => {
    const p = outs(await run("pollution", first)).pollution as Record<string, string>;
    const text = JSON.stringify({ v: "committed", uni: "é✓" });
    expect(p).toEqual({ iter: "list:deep,one.json", index: `str:${text}`, split: `str:${text}`, bufferFrom: `buf:${text}`, globalString: `str:${text}`, decode: "ERR:ENOENT:ENOENT: no such file or directory, open 'file:///repo/nope.json'" });
  });

  // HOLE (effect record, wrong verdict): the promise forms are `later(sync.readFileSync)` (prelude.ts fsModule),
  // so a read OUTSIDE the repo falls back to the stand-in's `readFileSync`: `require("fs/promises").readFile(p)`
  // is recorded as "fs/promises#readFileSync" (a function fs/promises does not have) and `fs.promises.readFile(p)`
  // as "fs#readFileSync"; a stub for the real targets ("fs/promises#readFile", "fs#promises.readFile") no longer
  // answers, and the sync stand-in's answer (or the sync stub) is what the promise resolves to. Same for
  // readdir/stat/lstat. Fix: `served` takes the fallback per form: the promise functions call
  // `recordedPromises[call]` ("readFile", "readdir", "stat", "lstat") rather than the sync form's `recorded[...]`.
  it("CLOSED a promise-form read outside the repo is recorded and stubbed as the sync readFileSync", async () => {
    const r = await run("stubbed", first);
    expect(outs(r).stubbed).toEqual(["str:STUB-PROMISES", "str:STUB-FS-PROMISES", "str:STUB-SYNC"]);
    expect(r.effects.map((e) => e.target)).toEqual(["fs/promises#readFile", "fs#promises.readFile", "fs#readFileSync"]);
  });

  it("HELD: a 30,000-entry directory listed in a loop and a 400,000-segment path end at the CPU limit; the pool serves the next run", async () => {
    const t = performance.now();
    const r = await run("dos", big, { cpuMs: 3000 });
    const wall = performance.now() - t;
    expect(r.status).toBe("error");
    expect(r.error?.reason).toMatch(/CPU time limit|memory limit/);
    expect(wall).toBeLessThan(90_000);
    expect(outs(r).deep).toMatch(/^ERR:ENOENT/);
    const q = await run("quick", first);
    expect(outcome(q)).toMatchObject({ status: "pass" });
  }, 180_000);
});
