import { h, join, type Markup } from "./html-markup.js";
import type { PathModel, PathNode, PathRow } from "./html-path.js";
import { clip } from "./text.js";

/**
 * A path as inline SVG: one row of boxes per step, top to bottom, arrows between rows (solid where the verdict
 * records the link, dashed and labelled where it does not), the root cause (or the changed step) highlighted.
 * Text is monospace so its width is known without a font to measure; a label too long for its box is clipped
 * and whole in the box's <title> (a tooltip). Colours come from the page's CSS classes.
 */

const WIDTH = 760;
const GAP_X = 16;
/** Vertical space between rows, where the arrows and their labels go. */
const GAP_Y = 40;
const PAD = 10;
const LINE = 17;
/** Character width of the 12px monospace text, and of the 12.5px bold title, as a share of the font size (0.6em). */
const CHAR = 7.2;
const TITLE_CHAR = 7.6;
/** A lone node is this wide; side by side they share the row. */
const LONE = 520;

const TAG: Partial<Record<PathNode["kind"], string>> = { "root-cause": "ROOT CAUSE", touched: "CHANGED STEP", entry: "ENTRY POINT", via: "VIA", call: "CALLER", effect: "EFFECT THAT DIFFERS", expectation: "EXPECTATION BROKEN" };

interface Box {
  node: PathNode;
  x: number;
  y: number;
  w: number;
  h: number;
}

const lines = (n: PathNode) => 1 + (n.location ? 1 : 0) + (n.detail ? 1 : 0);
const rowHeight = (r: PathRow) => PAD + 12 + Math.max(...r.nodes.map(lines)) * LINE + PAD;

function layout(model: PathModel): { boxes: Box[][]; height: number } {
  let y = 8;
  const boxes = model.rows.map((r) => {
    const n = r.nodes.length;
    const w = n === 1 ? LONE : (WIDTH - GAP_X * (n + 1)) / n;
    const height = rowHeight(r);
    const row = r.nodes.map((node, i) => ({ node, x: n === 1 ? (WIDTH - LONE) / 2 : GAP_X + i * (w + GAP_X), y, w, h: height }));
    y += height + GAP_Y;
    return row;
  });
  return { boxes, height: y - GAP_Y + 8 };
}

function box(b: Box, more: number): Markup {
  const fit = (s: string, px: number) => clip(s, Math.max(4, Math.floor((b.w - 2 * PAD) / px)));
  const n = b.node;
  const textLines = [
    h`<text class="d-title" x="${b.x + PAD}" y="${b.y + PAD + 12 + 13}">${fit(n.title, TITLE_CHAR)}</text>`,
    n.location ? h`<text class="d-loc" x="${b.x + PAD}" y="${b.y + PAD + 12 + 13 + LINE}">${fit(n.location, CHAR)}</text>` : "",
    n.detail ? h`<text class="d-detail" x="${b.x + PAD}" y="${b.y + PAD + 12 + 13 + LINE * (n.location ? 2 : 1)}">${fit(n.detail, CHAR)}</text>` : "",
  ];
  const tag = TAG[n.kind];
  const tooltip = [n.title, n.location, n.detail].filter(Boolean).join("\n");
  const rootAttr = n.kind === "root-cause" ? h` data-root-cause="${n.location ?? ""}"` : "";
  return h`<g class="d-node d-${n.kind}" data-kind="${n.kind}"${n.location ? h` data-location="${n.location}"` : ""}${rootAttr}><title>${tooltip}</title><rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="7"/>${tag ? h`<text class="d-tag" x="${b.x + PAD}" y="${b.y + PAD + 9}">${tag}</text>` : ""}${more ? h`<text class="d-more" x="${b.x + b.w - PAD}" y="${b.y + PAD + 9}" text-anchor="end">+${more} more</text>` : ""}${textLines}</g>`;
}

/** Arrows from every box of one row to every box of the next, meeting at the middle of the gap. */
function arrows(from: Box[], to: Box[], row: PathRow): Markup {
  const top = (from[0]?.y ?? 0) + (from[0]?.h ?? 0);
  const bottom = to[0]?.y ?? 0;
  const mid = (top + bottom) / 2;
  const cls = row.known ? "d-arrow" : "d-arrow d-unknown";
  const paths = [];
  for (const a of from) {
    for (const b of to) {
      const ax = a.x + a.w / 2;
      const bx = b.x + b.w / 2;
      paths.push(h`<path class="${cls}" d="M${ax},${top} L${ax},${mid} L${bx},${mid} L${bx},${bottom - 7}"/>`);
    }
  }
  const heads = to.map((b) => {
    const x = b.x + b.w / 2;
    return h`<polygon class="d-head" points="${x - 5},${bottom - 8} ${x + 5},${bottom - 8} ${x},${bottom}"/>`;
  });
  const cx = WIDTH / 2;
  const label = row.label ? h`<text class="d-label" x="${cx + 10}" y="${mid + 14}">${row.label}</text>` : "";
  return h`<g class="d-link" data-known="${row.known}">${paths}${heads}${label}</g>`;
}

export function diagram(model: PathModel, caption: string): Markup {
  const { boxes, height } = layout(model);
  const parts: Markup[] = [];
  boxes.forEach((row, i) => {
    const prev = boxes[i - 1];
    const r = model.rows[i];
    if (prev && r) parts.push(arrows(prev, row, r));
  });
  boxes.forEach((row, i) => parts.push(join(row.map((b, k) => box(b, k === row.length - 1 ? (model.rows[i]?.more ?? 0) : 0)))));
  return h`<figure class="diagram"><svg class="path-diagram" data-diagram="path" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${caption}">${parts}</svg><figcaption>${caption}</figcaption></figure>`;
}
