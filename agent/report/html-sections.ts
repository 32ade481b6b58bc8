import type { BlastRadius, Fix, ScenarioVerdict } from "../../core/verdict.js";
import { diagram } from "./html-diagram.js";
import { h, join, type Markup, type Part } from "./html-markup.js";
import { pathOf } from "./html-path.js";
import { Expectation } from "./html-shapes.js";
import { valueBlock } from "./html-values.js";
import type { SharedPath } from "./shared-paths.js";
import { clip, effectsOf } from "./text.js";

/** The pieces of one scenario's section in the HTML report; html.ts lays out the page. */

/** How many rows of a table (effects, expectations) and items of a list a section shows (the JSON report has all). */
const MAX_ROWS = 25;
const MAX_EFFECTS = 10;
const MAX_ITEMS = 20;
/** An effect's arguments past this many characters are clipped in the table (they run long: whole SQL rows). */
const MAX_CELL = 1_500;
/** Patches and reasons past this many characters are clipped, and say so. */
const MAX_PATCH = 10_000;
const MAX_REASON = 4_000;

export const LABEL = { fail: "FAIL", error: "ERROR", "at-risk": "AT-RISK", pass: "PASS", unaffected: "UNAFFECTED" } as const;

/** Text whose `backticked` parts are code, as the engine writes reasons. */
export const prose = (s: string) => join(s.split("`").map((part, i) => (i % 2 ? h`<code>${part}</code>` : part)));

export const badge = (verdict: ScenarioVerdict["verdict"]) => h`<span class="badge v-${verdict}" data-verdict="${verdict}">${LABEL[verdict]}</span>`;

const more = (n: number, what: string) => (n > 0 ? h`<p class="note">… and ${n} more ${what}: the JSON report (<code>--format json</code>) has them all.</p>` : "");

const result = (side: "base" | "head", status: string) => h`<td class="result r-${status}" data-side="${side}">${status}</td>`;

function expectationsTable(v: ScenarioVerdict): Markup | "" {
  const items = Array.isArray(v.expectations) ? v.expectations : [];
  if (!items.length) return "";
  const rows = items.slice(0, MAX_ROWS).map((item) => {
    const e = Expectation.safeParse(item);
    if (!e.success) return h`<tr data-expectation="unreadable"><td></td><td colspan="3"><code>${clip(JSON.stringify(item) ?? String(item), 400)}</code></td></tr>`;
    const x = e.data;
    return h`<tr data-expectation="${x.step}" data-base="${x.base}" data-head="${x.head}"><td class="num">${x.step}</td><td><code>${clip(x.expect, 600)}</code>${x.detail ? h`<div class="detail">${clip(x.detail, 600)}</div>` : ""}${x.symbolic ? h`<div class="detail">reads a value no stub answered</div>` : ""}</td>${result("base", x.base)}${result("head", x.head)}</tr>`;
  });
  return h`<h4>Expectations</h4><table class="expectations"><thead><tr><th>step</th><th>expectation</th><th>base</th><th>head</th></tr></thead><tbody>${rows}</tbody></table>${more(items.length - MAX_ROWS, "expectations")}`;
}

function effectsTable(v: ScenarioVerdict): Markup | "" {
  const d = effectsOf(v);
  const rows = [
    ...(d.changed ?? []).map((c) => h`<tr data-effect="changed"><td><span class="chg chg-changed">changed</span></td><td><code>${c.target}</code><div class="detail">${c.at}</div></td><td data-side="base">${valueBlock(c.base, c.head, { max: MAX_CELL })}</td><td data-side="head">${valueBlock(c.head, c.base, { max: MAX_CELL })}</td></tr>`),
    ...(d.added ?? []).map((a) => h`<tr data-effect="added"><td><span class="chg chg-added">added</span></td><td><code>${a.target}</code><div class="detail">${a.at}</div></td><td data-side="base"><span class="none">not on base</span></td><td data-side="head">${valueBlock(a.args, undefined, { compare: false, max: MAX_CELL })}</td></tr>`),
    ...(d.removed ?? []).map((r) => h`<tr data-effect="removed"><td><span class="chg chg-removed">removed</span></td><td><code>${r.target}</code><div class="detail">${r.at}</div></td><td data-side="base">${valueBlock(r.args, undefined, { compare: false, max: MAX_CELL })}</td><td data-side="head"><span class="none">not on head</span></td></tr>`),
  ];
  if (!rows.length) return "";
  return h`<h4>Effects that differ</h4><table class="effects"><thead><tr><th></th><th>effect</th><th>base</th><th>head</th></tr></thead><tbody>${rows.slice(0, MAX_EFFECTS)}</tbody></table>${more(rows.length - MAX_EFFECTS, "effects")}`;
}

/** Requests, responses and messages between services, base and head side by side; the ones that differ first. */
function crossingsTable(v: ScenarioVerdict): Markup | "" {
  const all = v.crossings ?? [];
  if (!all.length) return "";
  const rows = [...all.filter((c) => !c.same), ...all.filter((c) => c.same)].map((c) => {
    const side = (name: "base" | "head") => {
      const mine = c[name];
      const other = c[name === "base" ? "head" : "base"];
      return mine === undefined ? h`<span class="none">not on ${name}</span>` : valueBlock(mine, other, { compare: other !== undefined, max: MAX_CELL });
    };
    return h`<tr data-crossing="${c.kind}" data-same="${c.same}"><td><span class="chg ${c.same ? "chg-same" : "chg-changed"}">${c.kind}</span></td><td><code>${c.from}${c.to ? ` → ${c.to}` : ""}</code><div class="detail">${clip(c.what, 300)} · ${c.at}</div></td><td data-side="base">${side("base")}</td><td data-side="head">${side("head")}</td></tr>`;
  });
  return h`<h4>Between services</h4><table class="effects crossings"><thead><tr><th></th><th>from → to</th><th>base</th><th>head</th></tr></thead><tbody>${rows.slice(0, MAX_EFFECTS)}</tbody></table>${more(rows.length - MAX_EFFECTS, "crossings")}`;
}

/** The two values at the root cause, side by side, what differs marked. */
function values(v: ScenarioVerdict): Markup | "" {
  const rc = v.rootCause;
  if (!rc) return "";
  const side = (name: "base" | "head") =>
    h`<div class="side" data-side="${name}"><div class="side-name">${name === "base" ? "base" : "head"}</div>${rc[name] === undefined ? h`<span class="none">no value on ${name}</span>` : valueBlock(rc[name], rc[name === "base" ? "head" : "base"], { compare: rc[name === "base" ? "head" : "base"] !== undefined })}</div>`;
  return h`<div class="values" data-values="${rc.location}">${side("base")}${side("head")}</div>${rc.note ? h`<p class="note">${rc.note}</p>` : ""}`;
}

function pathDiagram(v: ScenarioVerdict): Markup {
  const model = pathOf(v);
  if (!model) return h`<p class="note" data-diagram="none">No path recorded: the verdict names no root cause and no changed step.</p>`;
  const what = v.rootCause ? "the root cause" : "the changed step";
  const caption = model.onlyRootCause ? `Only the root cause is known: the report holds no entry point or call leading to it.` : `From the entry points that reach the change to ${what}${model.rows.at(-1)?.nodes[0]?.kind === "effect" || model.rows.at(-1)?.nodes[0]?.kind === "expectation" ? ", and what it led to" : ""}.`;
  return diagram(model, caption);
}

const chips = (kind: string, items: string[], empty = "none named") =>
  items.length
    ? h`<ul class="chips" data-blast="${kind}">${items.slice(0, MAX_ITEMS).map((i) => h`<li>${clip(i, 300)}</li>`)}${items.length > MAX_ITEMS ? h`<li class="more">and ${items.length - MAX_ITEMS} more</li>` : ""}</ul>`
    : h`<span class="none" data-blast="${kind}">${empty}</span>`;

function blastRadius(v: ScenarioVerdict, shared: SharedPath | undefined): Markup | "" {
  const b: BlastRadius | undefined = v.blastRadius;
  if (!b) return "";
  const f = b.fragility;
  const others = shared
    ? h`<span data-blast="scenarios">${shared.scenarios.length - (shared.scenarios.includes(v.scenario) ? 1 : 0)} others, listed once as <a href="#shared-${shared.label}">${shared.label}</a> under Shared paths</span>`
    : chips("scenarios", b.scenarios);
  const history = h`<span data-blast="fragility">${f.commits} commits shaped it · ${f.reverts} reverts · ${f.incidents.length} incidents${f.incidents.length ? h` (${clip(f.incidents.slice(0, MAX_ITEMS).join(", "), 600)})` : ""} · ${f.failingSimulations} failing simulations</span>`;
  const row = (name: string, body: Part) => h`<dt>${name}</dt><dd>${body}</dd>`;
  return h`<h4>Blast radius</h4><dl class="blast">${b.services?.length ? row("services", chips("services", b.services)) : ""}${row("customers", chips("customers", b.customers))}${b.workflow ? row("workflow", h`<span data-blast="workflow">${b.workflow}</span>`) : ""}${row("entry points", chips("entry-points", b.entryPoints))}${row("tickets", chips("tickets", b.tickets))}${row("scenarios sharing the path", others)}${row("owners", chips("owners", b.owners))}${row("history", history)}</dl>`;
}

const patchLine = (l: string) => {
  const cls = l.startsWith("+++") || l.startsWith("---") ? "p-file" : l.startsWith("@@") ? "p-hunk" : l.startsWith("+") ? "p-add" : l.startsWith("-") ? "p-del" : "p-ctx";
  return h`<span class="${cls}">${l || " "}</span>`;
};

/** A section shown earlier on the page, by its anchor and scenario. */
export interface Earlier {
  id: string;
  scenario: string;
}

/** The fix, or, when an earlier section showed the same patch (one revert fixes every scenario on a path), a link to it. */
function fixBlock(fix: Fix | undefined, same: Earlier | undefined): Markup | "" {
  if (!fix) return "";
  if (same) return h`<div class="fix" data-fix data-verified="${fix.verified}"><h4>Fix ${fix.verified ? h`<span class="verified yes">✓ verified by re-simulation</span>` : h`<span class="verified no">not verified</span>`}</h4><p>The same patch as for <a href="#${same.id}"><code>${same.scenario}</code></a>, above.</p></div>`;
  const patch = fix.patch.trimEnd();
  const clipped = patch.length > MAX_PATCH;
  const checked = fix.checked?.length
    ? h`<table class="checked"><thead><tr><th>re-simulated</th><th>before</th><th>after</th></tr></thead><tbody>${fix.checked.slice(0, MAX_ROWS).map((c) => h`<tr data-checked="${c.scenario}"><td><code>${c.scenario}</code></td><td>${badge(c.before)}</td><td>${badge(c.after)}</td></tr>`)}</tbody></table>${more(fix.checked.length - MAX_ROWS, "re-simulated scenarios")}`
    : "";
  const status = fix.verified ? h`<span class="verified yes">✓ verified by re-simulation</span>` : h`<span class="verified no">not verified</span>`;
  return h`<div class="fix" data-fix data-verified="${fix.verified}"><h4>Fix${fix.scope ? `: the ${fix.scope} reverted` : ""} ${status}${fix.by ? h` <span class="by">drafted by ${fix.by}</span>` : ""}</h4>${!fix.verified && fix.reason ? h`<p class="note">${clip(fix.reason, 1_000)}</p>` : ""}${patch ? h`<pre class="patch">${clip(patch, MAX_PATCH).split("\n").map(patchLine)}</pre>` : ""}${clipped ? h`<p class="note">The patch goes on: the JSON report has all of it.</p>` : ""}${checked}</div>`;
}

/** A failing or at-risk scenario, whole: why, the path, the values, the effects and expectations, who is hit, the fix. */
export function scenarioSection(v: ScenarioVerdict, id: string, shared: SharedPath | undefined, sameFix: Earlier | undefined): Markup {
  const rc = v.rootCause;
  return h`<section class="scenario v-${v.verdict}" id="${id}" data-scenario="${v.scenario}" data-verdict="${v.verdict}">
<header><h3>${badge(v.verdict)} <code class="sid">${v.scenario}</code> <span class="depth">${v.depth}</span></h3>
<p class="reason">${prose(clip(v.reason, MAX_REASON))}</p>${rc ? h`<p class="rc-line">Root cause <code>${rc.location}</code> in <code>${rc.symbol}</code>${rc.service ? h` (service <code>${rc.service}</code>)` : ""}</p>` : ""}</header>
${pathDiagram(v)}
${values(v)}${crossingsTable(v)}
${effectsTable(v)}
${expectationsTable(v)}
${v.missingStubs?.length ? h`<p class="note">No stub answered: ${join(v.missingStubs.slice(0, MAX_ITEMS).map((m, i) => h`${i ? ", " : ""}<code>${m}</code>`))}</p>` : ""}
${blastRadius(v, shared)}
${fixBlock(v.fix, sameFix)}
</section>`;
}
