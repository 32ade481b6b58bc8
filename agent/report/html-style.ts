/**
 * The HTML report's one stylesheet, inline in the page: system fonts only (nothing fetched), colours by verdict,
 * the diagram's boxes by kind, and a print layout (folded values open, no shadows, sections kept whole).
 */
export const STYLE = `
:root {
  --fg: #1c2330; --muted: #5d6778; --line: #d9dee7; --bg: #f5f7fa; --card: #fff;
  --fail: #c62828; --fail-bg: #fdecec; --risk: #b86200; --risk-bg: #fff3e0; --pass: #2e7d32; --pass-bg: #e8f5e9;
  --error: #6a1b9a; --error-bg: #f3e5f5; --unaffected: #607080; --unaffected-bg: #eceff3; --entry: #2f5fa7; --entry-bg: #eaf1fb;
  --mono: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 20px 48px; }
code, pre { font-family: var(--mono); font-size: 13px; }
code { overflow-wrap: anywhere; }
h1 { font-size: 22px; margin: 0 0 8px; }
h2 { font-size: 18px; margin: 28px 0 10px; }
h3 { font-size: 17px; margin: 0; display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
h4 { font-size: 14px; margin: 22px 0 8px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
a { color: inherit; text-decoration: none; }
a:hover code { text-decoration: underline; }
dd a { text-decoration: underline; color: var(--entry); }
header.page, section.scenario, section.others, section.shared, details.selected { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 18px 22px; margin: 0 0 18px; box-shadow: 0 1px 2px rgba(20, 30, 50, .05); }
.revs { margin: 4px 0 12px; color: var(--muted); }
.rev code { color: var(--fg); background: var(--bg); padding: 2px 6px; border-radius: 4px; }
.k { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; }
.arrow { margin: 0 6px; }
.planner { margin-left: 10px; font-size: 13px; border: 1px solid var(--line); border-radius: 10px; padding: 1px 8px; }
ul.counts { list-style: none; padding: 0; margin: 0 0 10px; display: flex; flex-wrap: wrap; gap: 8px; }
li.count { padding: 4px 12px; border-radius: 16px; font-size: 14px; }
li.count b { font-size: 16px; }
.summary { margin: 0 0 8px; }
nav.toc ol { margin: 8px 0 0; padding-left: 20px; }
nav.toc li { margin: 3px 0; }
.badge { display: inline-block; font: 700 12px/1 system-ui, sans-serif; letter-spacing: .05em; padding: 5px 8px; border-radius: 4px; color: #fff; white-space: nowrap; }
.v-fail.badge, .badge.v-fail { background: var(--fail); }
.badge.v-at-risk { background: var(--risk); }
.badge.v-pass { background: var(--pass); }
.badge.v-error { background: var(--error); }
.badge.v-unaffected { background: var(--unaffected); }
li.count.v-fail { background: var(--fail-bg); color: var(--fail); }
li.count.v-at-risk { background: var(--risk-bg); color: var(--risk); }
li.count.v-pass { background: var(--pass-bg); color: var(--pass); }
li.count.v-error { background: var(--error-bg); color: var(--error); }
li.count.v-unaffected { background: var(--unaffected-bg); color: var(--unaffected); }
section.scenario { border-left: 6px solid var(--line); }
section.scenario.v-fail { border-left-color: var(--fail); }
section.scenario.v-at-risk { border-left-color: var(--risk); }
.sid { font-size: 15px; }
.depth { font-size: 12px; color: var(--muted); border: 1px solid var(--line); border-radius: 10px; padding: 1px 8px; font-weight: 400; }
.reason { margin: 10px 0 4px; overflow-wrap: anywhere; }
.rc-line { margin: 4px 0 0; font-weight: 600; }
.note { color: var(--muted); font-size: 13px; margin: 6px 0; }
.none { color: var(--muted); font-style: italic; }
figure.diagram { margin: 16px 0 8px; overflow-x: auto; }
figure.diagram svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption { text-align: center; color: var(--muted); font-size: 13px; margin-top: 4px; }
.d-node rect { fill: #fff; stroke: #8a94a6; stroke-width: 1.2; }
.d-entry rect { fill: var(--entry-bg); stroke: var(--entry); }
.d-root-cause rect { fill: var(--fail-bg); stroke: var(--fail); stroke-width: 2.5; }
.d-touched rect { fill: var(--risk-bg); stroke: var(--risk); stroke-width: 2.5; }
.d-effect rect, .d-expectation rect { fill: #fafafa; stroke: #9aa3b2; stroke-dasharray: 0; }
.d-expectation rect { stroke: var(--fail); }
.d-unknown rect { fill: #fafbfc; stroke: #9aa3b2; stroke-dasharray: 5 4; }
.d-node text { font-family: var(--mono); font-size: 12px; fill: var(--fg); }
.d-node .d-title { font-size: 12.5px; font-weight: 700; }
.d-node .d-loc { fill: #2a3a55; }
.d-node .d-detail { fill: var(--muted); }
.d-node .d-tag, .d-node .d-more { font-family: system-ui, sans-serif; font-size: 9.5px; font-weight: 700; letter-spacing: .08em; fill: var(--muted); }
.d-root-cause .d-tag, .d-root-cause .d-title { fill: var(--fail); }
.d-touched .d-tag, .d-touched .d-title { fill: var(--risk); }
.d-entry .d-tag { fill: var(--entry); }
.d-arrow { fill: none; stroke: #6b7588; stroke-width: 1.6; }
.d-arrow.d-unknown { stroke-dasharray: 5 4; }
.d-head { fill: #6b7588; }
.d-label { font: italic 11.5px system-ui, sans-serif; fill: var(--muted); }
.values { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; margin: 14px 0 4px; }
.side { border: 1px solid var(--line); border-radius: 8px; overflow: hidden; min-width: 0; }
.side-name { font-size: 12px; font-weight: 700; text-transform: uppercase; letter-spacing: .06em; padding: 5px 12px; }
.side[data-side="base"] .side-name { background: var(--pass-bg); color: var(--pass); }
.side[data-side="head"] .side-name { background: var(--fail-bg); color: var(--fail); }
.side > pre, .side > details, .side > .none { margin: 0; padding: 10px 12px; display: block; }
pre.value { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 13.5px; }
pre.value mark { background: #ffe08a; color: inherit; border-radius: 2px; padding: 0 1px; }
details.fold summary { cursor: pointer; color: var(--muted); overflow-wrap: anywhere; }
details.fold .size { font-size: 12px; white-space: nowrap; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th { text-align: left; font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; font-weight: 600; border-bottom: 2px solid var(--line); padding: 6px 8px; }
td { border-bottom: 1px solid var(--line); padding: 7px 8px; vertical-align: top; overflow-wrap: anywhere; }
td.num { color: var(--muted); width: 3em; }
td .detail { color: var(--muted); font-size: 12.5px; font-family: var(--mono); }
table.effects td[data-side] { width: 38%; }
table.effects td:nth-child(2) { min-width: 10em; }
td.result { font-weight: 700; font-size: 13px; width: 6em; }
.r-pass { color: var(--pass); }
.r-fail, .r-threw { color: var(--fail); background: var(--fail-bg); }
.r-unchecked, .r-not-run { color: var(--muted); }
.chg { white-space: nowrap; font-size: 12px; font-weight: 700; padding: 2px 6px; border-radius: 4px; }
.chg-changed { background: var(--risk-bg); color: var(--risk); }
.chg-added { background: var(--pass-bg); color: var(--pass); }
.chg-same { background: var(--bg); color: var(--muted); }
.chg-removed { background: var(--fail-bg); color: var(--fail); }
dl.blast { display: grid; grid-template-columns: max-content 1fr; gap: 6px 18px; margin: 0; }
dl.blast dt { color: var(--muted); font-size: 13px; padding-top: 3px; }
dl.blast dd { margin: 0; }
ul.chips { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 6px; }
ul.chips li { background: var(--bg); border: 1px solid var(--line); border-radius: 12px; padding: 1px 10px; font-size: 13px; font-family: var(--mono); overflow-wrap: anywhere; }
ul.chips li.more { font-family: inherit; font-style: italic; }
.fix { margin-top: 8px; }
.verified { text-transform: none; letter-spacing: 0; font-size: 13px; padding: 2px 10px; border-radius: 12px; }
.verified.yes { background: var(--pass-bg); color: var(--pass); }
.verified.no { background: var(--risk-bg); color: var(--risk); }
.by { text-transform: none; letter-spacing: 0; font-weight: 400; font-size: 12.5px; }
pre.patch { background: #fbfcfd; border: 1px solid var(--line); border-radius: 8px; padding: 10px 0; overflow-x: auto; margin: 0 0 10px; }
pre.patch span { display: block; padding: 0 12px; white-space: pre; }
.p-add { background: #e6ffec; color: #116329; }
.p-del { background: #ffebe9; color: #82071e; }
.p-hunk { color: #0550ae; background: #ddf4ff; }
.p-file { color: var(--muted); font-weight: 700; }
table.checked { margin-top: 6px; }
table.checked .badge { font-size: 10.5px; padding: 3px 6px; }
table.others td.why { font-size: 13.5px; }
table.others td:nth-child(3) { white-space: nowrap; color: var(--muted); font-size: 13px; }
section > h2:first-child { margin-top: 0; }
ul.shared { padding-left: 18px; }
ul.shared > li { margin-bottom: 10px; }
ul.shared ul.chips { margin-top: 6px; }
details.selected summary { cursor: pointer; font-weight: 600; }
details.selected table { margin-top: 10px; font-size: 13px; }
footer { color: var(--muted); font-size: 12.5px; text-align: center; margin-top: 24px; }
@media (max-width: 720px) { .values { grid-template-columns: 1fr; } }
@media print {
  body { background: #fff; font-size: 12px; }
  main { max-width: none; padding: 0; }
  header.page, section.scenario, section.others, section.shared, details.selected { box-shadow: none; break-inside: avoid-page; }
  section.scenario { break-inside: auto; }
  figure.diagram, .values, table tr, .fix { break-inside: avoid; }
  details > summary { list-style: none; }
  details::details-content { content-visibility: visible; display: contents; }
  nav.toc { display: none; }
}
`;
