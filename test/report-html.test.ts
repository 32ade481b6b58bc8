import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { render } from "../agent/report/index.js";
import type { Report, ScenarioVerdict } from "../core/verdict.js";
import { runCli, runWorldline } from "./helpers/cli-run.js";
import { tempDir } from "./helpers/git-fixture.js";
import { sampleReport } from "./helpers/report-fixture.js";
import { sampleService } from "./helpers/sample-service.js";

/**
 * The HTML report (`--format html`) in a real headless Chromium: the demo's page shows the failing scenario,
 * its path to the root cause, both values side by side, who is hit and the verified fix, fetches nothing, and
 * leaves a full-page screenshot as an artifact; a report whose every field is hostile runs no script and adds
 * no element; the page for a fixed report is a golden file (`npx vitest run -u` rewrites it).
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CHROMIUM = "/usr/bin/chromium";
/** The flags this machine needs: no sandbox (root in a container), no GPU, and nothing that phones home. */
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const ARTIFACTS = process.env.WORLDLINE_ARTIFACTS ?? join(ROOT, "test-artifacts");

/**
 * A browser of the describe block's own (a fresh profile in its temp dir), and a page that records every request
 * it makes. `bypassCSP` so the hostile-report test checks the escaping itself, not only the page's policy.
 */
function browser(dir: string, options: { bypassCSP?: boolean } = {}) {
  const state: { context?: BrowserContext } = {};
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install chromium`);
    state.context = await chromium.launchPersistentContext(join(dir, "profile"), { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1200, height: 900 }, bypassCSP: options.bypassCSP ?? false });
  });
  afterAll(async () => {
    await state.context?.close();
  });
  return async (url: string): Promise<{ page: Page; requests: string[]; errors: string[] }> => {
    if (!state.context) throw new Error("the browser did not start (see the first failure)");
    const page = await state.context.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("dialog", (d) => {
      errors.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(url);
    return { page, requests, errors };
  };
}

describe("the HTML report of the demo, in headless Chromium", () => {
  const sample = sampleService();
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const open = browser(tmp.dir);

  it("shows the failing scenario, its path to src/billing/proration.ts:35, both values side by side, the blast radius and the verified fix", { timeout: 240_000 }, async () => {
    const file = join(tmp.dir, "report.html");
    const run = await runWorldline(["simulate", "--repo", sample.repo, "--base", "main", "--head", "pr/rounding-refactor", "--format", "html", "--out", file, "--quiet"], {});
    expect(run.code, run.err).toBe(0);
    const html = readFileSync(file, "utf8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; img-src data:;`);
    expect(html.length).toBeLessThan(100_000);

    const { page, requests, errors } = await open(pathToFileURL(file).href);
    // Self-contained: the page itself is the only thing loaded, and nothing failed in it.
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(errors).toEqual([]);

    const eu = page.locator('section[data-scenario="eu-proration-fx-rounding"]');
    await expect.poll(() => eu.count()).toBe(1);
    expect(await eu.getAttribute("data-verdict")).toBe("fail");
    expect(await eu.locator("header .badge").innerText()).toBe("FAIL");
    // Failing sections come first, then the at-risk ones.
    expect(await page.locator("section.scenario").evaluateAll((s) => s.map((e) => e.getAttribute("data-verdict")))).toEqual(["fail", "fail", "at-risk", "at-risk"]);

    const root = eu.locator("svg [data-root-cause]");
    expect(await root.getAttribute("data-root-cause")).toBe("src/billing/proration.ts:35");
    expect(await root.textContent()).toContain("src/billing/proration.ts:35");
    expect(await eu.locator('svg [data-kind="entry"]').count()).toBeGreaterThanOrEqual(1);
    expect(await root.isVisible()).toBe(true);

    const base = eu.locator('.values [data-side="base"]');
    const head = eu.locator('.values [data-side="head"]');
    expect(await base.innerText()).toContain("0.5483870967741935");
    expect(await head.innerText()).toContain("0.55");
    const [b, h] = [await base.boundingBox(), await head.boundingBox()];
    expect(b && h && b.x + b.width <= h.x && Math.abs(b.y - h.y) < 1).toBe(true);

    // The invoice row written with a different total, in the effects table.
    const effect = eu.locator('table.effects tr[data-effect="changed"]');
    expect(await effect.locator('[data-side="base"]').innerText()).toContain("49.54");
    expect(await effect.locator('[data-side="head"]').innerText()).toContain("49.68");
    expect(await eu.locator('table.expectations tr[data-head="fail"]').innerText()).toContain("result.lines[0].amount === 58.87");

    expect(await eu.locator('[data-blast="customers"] li').allInnerTexts()).toEqual(["enterprise-eu"]);
    expect((await eu.locator('[data-blast="owners"] li').allInnerTexts()).length).toBeGreaterThanOrEqual(1);
    const fix = eu.locator('[data-fix][data-verified="true"]');
    expect(await fix.innerText()).toContain("verified by re-simulation");
    expect(await fix.locator("pre.patch").innerText()).toContain("+  const share = remaining / total;");

    // The passing scenarios are rows with their reasons.
    expect(await page.locator('table.others tr[data-verdict="pass"]').count()).toBe(4);

    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, "report-html.png");
    await page.screenshot({ path: shot, fullPage: true });
    const png = readFileSync(shot);
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
  });

  it("--format html without --out writes the page to standard output", { timeout: 180_000 }, async () => {
    const run = await runWorldline(["simulate", "--repo", sample.repo, "--base", "main", "--head", "pr/rounding-refactor", "--scenario", "eu-proration-fx-rounding", "--format", "html", "--quiet"], {});
    expect(run.code, run.err).toBe(0);
    expect(run.out.startsWith("<!doctype html>")).toBe(true);
    expect(run.out).toContain('data-scenario="eu-proration-fx-rounding" data-verdict="fail"');
    expect(run.out.trimEnd().endsWith("</html>")).toBe(true);
  });

  it("an unknown --format is a one-line error that lists html among the formats, and writes nothing", async () => {
    const out = join(tmp.dir, "not-written.html");
    const run = await runCli(["simulate", "--repo", sample.repo, "--base", "main", "--head", "pr/rounding-refactor", "--format", "htm", "--out", out]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/^worldline: --format "htm": expected one of .*\bhtml\b/);
    expect(run.err.trim().split("\n")).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });
});

/** Payloads a reviewed change could put in any field: script, event handlers, a broken-out attribute, a URL. */
const ATTACKS = ["</script><script>window.__pwned = 1</script>", "<img src=x onerror=\"window.__pwned = 2\">", "\"'><svg onload=\"window.__pwned = 3\">", "javascript:window.__pwned = 4", "</style><style>body{display:none}</style>", "]]><!-- --><title>x</title>"];
const PAYLOAD = ATTACKS.join(" ");

/** The fixed report with every string the code under review can reach replaced by the payloads. */
function hostileReport(): Report {
  const r = sampleReport();
  const evil = (v: ScenarioVerdict, i: number): ScenarioVerdict => ({
    ...v,
    scenario: `${v.scenario}${PAYLOAD}`,
    reason: `${PAYLOAD} \`${PAYLOAD}\` ${v.reason}`,
    ...(v.rootCause ? { rootCause: { ...v.rootCause, location: `src/${PAYLOAD}.ts:3${i}`, symbol: `src/x.ts#${PAYLOAD}`, base: { [PAYLOAD]: PAYLOAD }, head: [PAYLOAD, i], note: PAYLOAD, via: [{ location: `${PAYLOAD}:1`, symbol: `a#${PAYLOAD}`, what: PAYLOAD }] } } : {}),
    ...(v.effectsDiff ? { effectsDiff: { added: [{ target: PAYLOAD, at: PAYLOAD, args: [PAYLOAD] }], removed: [{ target: PAYLOAD, at: `${PAYLOAD}:2`, args: [{ [PAYLOAD]: 1 }] }], changed: [{ target: PAYLOAD, at: PAYLOAD, base: [PAYLOAD], head: [`${PAYLOAD}!`] }] } } : {}),
    expectations: [{ step: 1, expect: PAYLOAD, base: "pass", head: PAYLOAD, detail: PAYLOAD }, PAYLOAD],
    ...(v.blastRadius
      ? { blastRadius: { ...v.blastRadius, customers: [PAYLOAD], workflow: PAYLOAD, entryPoints: [PAYLOAD, `route GET /${PAYLOAD}`], tickets: [PAYLOAD], owners: [PAYLOAD], fragility: { ...v.blastRadius.fragility, incidents: [PAYLOAD] } } }
      : {}),
    ...(v.fix ? { fix: { ...v.fix, patch: `--- a/${PAYLOAD}\n+++ b/${PAYLOAD}\n@@ -1 +1 @@\n-${PAYLOAD}\n+${PAYLOAD}\n`, by: PAYLOAD } } : {}),
    ...(v.steps ? { steps: [{ location: PAYLOAD, symbol: PAYLOAD, depth: 1, kind: "enter" }, ...v.steps] } : {}),
  });
  const verdicts = r.verdicts.map(evil);
  return { ...r, base: PAYLOAD, head: PAYLOAD, summary: PAYLOAD, verdicts, selected: verdicts.map((v) => ({ scenario: v.scenario, reasons: [PAYLOAD] })) };
}

describe("the HTML report of hostile code", () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const open = browser(tmp.dir, { bypassCSP: true });

  it("escapes every field: no script runs, no element or attribute from the payload exists, the payload reads as text", async () => {
    const { writeFileSync } = await import("node:fs");
    const file = join(tmp.dir, "hostile.html");
    writeFileSync(file, render(hostileReport(), "html"));
    const { page, requests, errors } = await open(pathToFileURL(file).href);
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]);
    // Evaluated as text: the test compiles without the DOM's types.
    expect(await page.evaluate("typeof window.__pwned")).toBe("undefined");
    const count = (selector: string) => page.locator(selector).count();
    const found = {
      scripts: await count("script"),
      images: await count("img"),
      styles: await count("style"),
      titles: await count("head > title"),
      strayTitles: await count("body title:not(svg title)"),
      svgs: await count("svg:not(.path-diagram)"),
      handlers: await page.locator("*").evaluateAll((all) => all.flatMap((e) => e.getAttributeNames().filter((a: string) => a.startsWith("on")).map((a: string) => `${e.tagName} ${a}`))),
      links: await page.locator("[href], [src], [action], [formaction]").evaluateAll((all) => all.map((e) => e.getAttribute("href") ?? e.getAttribute("src") ?? e.outerHTML)),
      hidden: await page.evaluate("getComputedStyle(document.body).display"),
      text: await page.locator("body").innerText(),
    };
    expect(found).toMatchObject({ scripts: 0, images: 0, styles: 1, titles: 1, strayTitles: 0, svgs: 0, handlers: [], hidden: "block" });
    // The only links are the page's own anchors, made from positions, never from the data.
    expect(found.links.filter((l) => !/^#(s\d+|shared-P\d+)$/.test(l))).toEqual([]);
    for (const a of ATTACKS) expect(found.text).toContain(a);
    expect(await page.locator('section.scenario[data-verdict="fail"]').first().getAttribute("data-scenario")).toBe(`eu-proration-fx-rounding${PAYLOAD}`);
  });
});

describe("the HTML report's layout", () => {
  it("golden file: the page for the fixed report", async () => {
    await expect(render(sampleReport(), "html")).toMatchFileSnapshot("golden/report.html");
  });

  it("44 long scenarios on one path: every one shown, the page bounded, each shared list named once", () => {
    const report = longReport(44);
    const html = render(report, "html");
    expect(html.length).toBeLessThan(3_000_000);
    for (const v of report.verdicts) expect(html).toContain(`data-scenario="${v.scenario}"`);
    expect(html.match(/data-shared="P\d+"/g)).toEqual(["data-shared=\"P1\""]);
    expect(html).toContain("… and 30 more effects: the JSON report");
  });

  it("only a root cause: the diagram says so instead of inventing a path", () => {
    const html = render({ base: "a", head: "b", selected: [], verdicts: [{ scenario: "s", verdict: "fail", depth: "differential", reason: "r", rootCause: { location: "src/a.ts:3", symbol: "src/a.ts#f", base: 1, head: 2 } }], summary: "1 fail" }, "html");
    expect(html).toContain('data-kind="unknown"');
    expect(html).toContain("Only the root cause is known");
    expect(html).toContain('data-root-cause="src/a.ts:3"');
  });
});

describe("the HTML report reads the open fields defensively", () => {
  it("steps, effects and expectations of any shape render, and what cannot be read is shown raw, not dropped", () => {
    const odd: unknown[] = [null, 3, "text", [], { kind: 1 }, { location: 5 }];
    const verdicts = (["fail", "at-risk"] as const).flatMap((verdict) =>
      (["static", "differential", "agent"] as const).map((depth, i): ScenarioVerdict => ({
        scenario: `${verdict}-${depth}`,
        verdict,
        depth,
        reason: "odd shapes `unclosed",
        steps: odd,
        effectsDiff: i === 0 ? "not an object" : { changed: odd, added: [{ target: 1 }], removed: null },
        expectations: odd,
        ...(i === 2 ? { rootCause: { location: "src/a.ts:1", symbol: "src/a.ts#f", note: "no value recorded on base or head" } } : {}),
      })),
    );
    const html = render({ base: "a", head: "b", selected: [], verdicts, summary: "odd" }, "html");
    for (const v of verdicts) expect(html).toContain(`data-scenario="${v.scenario}"`);
    expect(html.match(/data-expectation="unreadable"/g)?.length).toBe(verdicts.length * odd.length);
    expect(html).toContain('data-diagram="none"');
    expect(html).toContain("no value on base");
    expect(html).toContain("no value recorded on base or head");
  });
});

/** `n` failing or at-risk scenarios on one path, every field long: values, 40 effects, a patch of 400 hunks. */
function longReport(n: number): Report {
  const ids = Array.from({ length: n }, (_, i) => `upgrade-${String(i).padStart(2, "0")}-${"mid-month-".repeat(8)}end`);
  const verdicts = ids.map(
    (scenario, i): ScenarioVerdict => ({
      scenario,
      verdict: i % 2 ? "at-risk" : "fail",
      depth: "differential",
      reason: `step 1: expectation \`result.total === ${i}\` fails on head. ${"The share is no longer rounded. ".repeat(30)}`,
      rootCause: { location: `src/p${i}.ts:${i + 1}`, symbol: `src/p${i}.ts#prorate`, base: { share: "b".repeat(6_000) }, head: { share: "h".repeat(6_000) } },
      effectsDiff: { changed: Array.from({ length: 40 }, (_, k) => ({ target: "pg#Pool.query", at: `src/db.ts:${k}`, base: ["insert ".repeat(400), k], head: ["update ".repeat(400), k] })) },
      blastRadius: { customers: ["acme"], entryPoints: Array.from({ length: 30 }, (_, k) => `route POST /r/${k}`), tickets: ["ticket:T-1"], scenarios: ids.filter((s) => s !== scenario), owners: ["Bob Builder"], fragility: { commits: 1, reverts: 0, incidents: [], failingSimulations: 0 } },
      fix: { patch: Array.from({ length: 400 }, (_, k) => `@@ -${k},1 +${k},1 @@\n-old ${k}\n+new ${k}`).join("\n"), verified: false },
    }),
  );
  return { base: "main", head: "WORKTREE", selected: [], verdicts, summary: `${n} scenarios` };
}
