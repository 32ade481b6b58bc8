import { type Report, type ScenarioVerdict } from "../../core/verdict.js";
import { h, Markup } from "./html-markup.js";
import { badge, type Earlier, LABEL, prose, scenarioSection } from "./html-sections.js";
import { STYLE } from "./html-style.js";
import { sharedPaths } from "./shared-paths.js";
import { clip } from "./text.js";

/**
 * The report as one self-contained page: inline CSS and inline SVG, no script and no resource fetched (the
 * Content-Security-Policy says so to the browser too), readable offline and in print. Failing then at-risk
 * scenarios whole, as the Markdown report orders them; the rest as rows with their reasons. Every piece of
 * text from the report goes through `h`, which escapes it (html-markup.ts).
 */

/** No script, no fetch, no frame, no form target, no base URL: only the inline style and data: images. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const MAX_REASON = 2_000;

/** Verdicts by kind, in the order they matter: the report's own counts, else counted here. */
function countsOf(r: Report): Array<[ScenarioVerdict["verdict"], number]> {
  const order = ["fail", "error", "at-risk", "pass", "unaffected"] as const;
  return order.map((k): [ScenarioVerdict["verdict"], number] => [k, r.counts?.[k] ?? r.verdicts.filter((v) => v.verdict === k).length]).filter(([, n]) => n > 0);
}

function header(r: Report, detailed: Array<{ v: ScenarioVerdict; id: string }>): Markup {
  const counts = countsOf(r);
  const toc = detailed.length
    ? h`<nav class="toc"><ol>${detailed.map(({ v, id }) => h`<li><a href="#${id}">${badge(v.verdict)} <code>${clip(v.scenario, 200)}</code></a></li>`)}</ol></nav>`
    : "";
  return h`<header class="page">
<h1>Worldline: what this change does to the scenarios</h1>
<p class="revs"><span class="rev" data-rev="base"><span class="k">base</span> <code>${r.base}</code></span> <span class="arrow">→</span> <span class="rev" data-rev="head"><span class="k">head</span> <code>${r.head}</code></span>${r.planner ? h` <span class="planner">${r.planner} planner</span>` : ""}</p>
<ul class="counts">${counts.map(([k, n]) => h`<li class="count v-${k}" data-count="${k}"><b>${n}</b> ${LABEL[k].toLowerCase()}</li>`)}</ul>
<p class="summary">${clip(r.summary, 2_000)}</p>
${toc}
</header>`;
}

function othersTable(others: ScenarioVerdict[]): Markup | "" {
  if (!others.length) return "";
  const rows = others.map((v) => h`<tr data-scenario="${v.scenario}" data-verdict="${v.verdict}"><td>${badge(v.verdict)}</td><td><code>${v.scenario}</code></td><td>${v.depth}</td><td class="why">${prose(clip(v.reason, MAX_REASON))}</td></tr>`);
  return h`<section class="others"><h2>Other scenarios (${others.length})</h2><table class="others"><thead><tr><th>verdict</th><th>scenario</th><th>depth</th><th>why</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function sharedSection(r: Report): Markup | "" {
  const { paths } = sharedPaths(r.verdicts);
  if (!paths.length) return "";
  const items = paths.map(
    (p) => h`<li id="shared-${p.label}" data-shared="${p.label}"><b>${p.label}</b>${p.through.length ? h` through ${p.through.map((s, i) => h`${i ? ", " : ""}<code>${s}</code>`)}` : ""} (${p.scenarios.length} scenarios)<ul class="chips">${p.scenarios.map((s) => h`<li>${s}</li>`)}</ul></li>`,
  );
  return h`<section class="shared"><h2>Shared paths</h2><p class="note">Scenarios whose paths run through the same changed code, each list named once; a scenario's blast radius refers to its list by the label.</p><ul class="shared">${items}</ul></section>`;
}

function selectedSection(r: Report): Markup | "" {
  if (!r.selected.length) return "";
  const rows = r.selected.map((s) => h`<tr data-selected="${s.scenario}"><td><code>${s.scenario}</code></td><td>${clip(s.reasons.slice(0, 3).join("; "), 600)}</td></tr>`);
  return h`<details class="selected"><summary>Why these ${r.selected.length} scenarios were selected</summary><table><tbody>${rows}</tbody></table></details>`;
}

export function renderHtml(r: Report): string {
  const detailed = [...r.verdicts.filter((v) => v.verdict === "fail"), ...r.verdicts.filter((v) => v.verdict === "at-risk")].map((v, i) => ({ v, id: `s${i + 1}` }));
  const others = r.verdicts.filter((v) => v.verdict !== "fail" && v.verdict !== "at-risk");
  const shared = sharedPaths(r.verdicts);
  const fixes = new Map<string, Earlier>();
  const sections = detailed.map(({ v, id }) => {
    const same = v.fix ? fixes.get(v.fix.patch) : undefined;
    if (v.fix && !same) fixes.set(v.fix.patch, { id, scenario: v.scenario });
    return scenarioSection(v, id, shared.of(v), same);
  });
  const empty = r.verdicts.length ? "" : h`<p class="note" data-empty>No scenario was selected for this change.</p>`;
  const page = h`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Worldline: ${clip(r.base, 80)} → ${clip(r.head, 80)}</title>
<style>${Markup.trusted(STYLE)}</style>
</head>
<body>
<main>
${header(r, detailed)}
${empty}${sections}
${othersTable(others)}
${sharedSection(r)}
${selectedSection(r)}
<footer>Made by Worldline. The JSON report (<code>--format json</code>) holds every field of this page.</footer>
</main>
</body>
</html>`;
  return page.html;
}
