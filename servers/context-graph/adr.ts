import { posix } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { UserError } from "../../core/errors.js";

/**
 * Architecture Decision Records in the two common formats: adr-tools (`doc/adr/`, `docs/adr/`: a numbered
 * title, a Date line and Status/Context/Decision/Consequences sections) and MADR 4 (`docs/decisions/`: YAML
 * front matter and "Context and Problem Statement" / "Decision Outcome" sections).
 */
export const ADR_FOLDERS = ["doc/adr/", "docs/adr/", "docs/decisions/"] as const;

export type AdrFormat = "adr-tools" | "madr";
export type AdrRelation = "supersedes" | "amends";

export interface AdrLink {
  /** This record `rel` the target (reverse links such as "Superseded by" are turned around by the caller). */
  rel: AdrRelation;
  /** True when the text says the target acts on this record ("Superseded by X"). */
  reverse: boolean;
  /** Repo-relative path of the linked record. */
  target: string;
}

export interface Adr {
  path: string;
  format: AdrFormat;
  number: number | null;
  title: string;
  date: string | null;
  status: string;
  context: string;
  decision: string;
  consequences: string;
  links: AdrLink[];
  /** Repo paths and symbol ids (path#Name) the text names. */
  mentions: string[];
}

export function isAdrPath(path: string): boolean {
  return ADR_FOLDERS.some((f) => path.startsWith(f)) && /\.md$/i.test(path) && !/(^|\/)(README|index|template)\.md$/i.test(path);
}

const MadrFrontMatter = z
  .object({
    status: z.string().optional(),
    date: z.union([z.string(), z.date()]).optional(),
  })
  .loose();

function sections(body: string): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (current !== undefined) out.set(current, lines.join("\n").trim());
  };
  for (const line of body.split("\n")) {
    const h = /^#{2,3}\s+(.+?)\s*$/.exec(line);
    if (h?.[1]) {
      flush();
      current = h[1].toLowerCase();
      lines = [];
    } else if (current !== undefined) lines.push(line);
  }
  flush();
  return out;
}

function section(map: Map<string, string>, ...names: string[]): string {
  for (const n of names) {
    const hit = [...map.keys()].find((k) => k === n || k.startsWith(n));
    if (hit) return map.get(hit) ?? "";
  }
  return "";
}

const LINK_VERBS: Array<[RegExp, AdrRelation, boolean]> = [
  [/^supersede[sd]? by\b|^supercede[sd]? by\b/i, "supersedes", true],
  [/^supersedes\b|^supercedes\b/i, "supersedes", false],
  [/^amended by\b/i, "amends", true],
  [/^amends\b/i, "amends", false],
];

function linksIn(text: string, from: string): AdrLink[] {
  const links: AdrLink[] = [];
  for (const line of text.split("\n")) {
    const trimmed = line.replace(/^[-*]\s*/, "").trim();
    const verb = LINK_VERBS.find(([re]) => re.test(trimmed));
    if (!verb) continue;
    for (const m of trimmed.matchAll(/\]\(([^)\s]+\.md)\)/gi)) {
      if (!m[1] || /^[a-z]+:/i.test(m[1])) continue;
      links.push({ rel: verb[1], reverse: verb[2], target: posix.normalize(posix.join(posix.dirname(from), m[1])) });
    }
  }
  return links;
}

const PATH_TOKEN = /(?<![\w/.-])((?:[\w@-]+\/)*[\w.-]+\.(?:ts|tsx|js|jsx|mjs|cjs|mts|cts|json|sql|ya?ml))(?:#([\w$]+(?:\.[\w$]+)*))?(?![\w/])/g;

/** Repo paths (and path#Symbol ids) named in the text, kept only when `exists` knows the path. */
export function mentionsIn(text: string, exists: (path: string) => boolean): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(PATH_TOKEN)) {
    const path = m[1];
    if (!path || path.startsWith("..") || !exists(path)) continue;
    found.add(m[2] ? `${path}#${m[2]}` : path);
  }
  return [...found].sort();
}

function isoDate(value: unknown): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value !== "string") return null;
  const m = /(\d{4}-\d{2}-\d{2})/.exec(value);
  return m ? `${m[1]}T00:00:00.000Z` : null;
}

function numberFrom(path: string, title: string): number | null {
  const m = /^(\d+)[-_]/.exec(posix.basename(path)) ?? /^(\d+)\.\s/.exec(title);
  return m?.[1] ? Number(m[1]) : null;
}

/** Parses one ADR file; a file that is neither format gets a one-line error naming it and what was expected. */
export function parseAdr(path: string, text: string, exists: (path: string) => boolean = () => true): Adr {
  const normalized = text.replace(/\r\n/g, "\n");
  const fm = /^---\n([\s\S]*?)\n---\n?/.exec(normalized);
  let front: z.infer<typeof MadrFrontMatter> = {};
  let body = normalized;
  if (fm) {
    let raw: unknown;
    try {
      raw = parseYaml(fm[1] ?? "");
    } catch (err) {
      throw new UserError(`ADR ${path}: front matter is not valid YAML (${(err as Error).message.split("\n")[0]}): expected key: value lines between --- markers`);
    }
    const parsed = MadrFrontMatter.safeParse(raw ?? {});
    if (!parsed.success) throw new UserError(`ADR ${path}: front matter field "${parsed.error.issues[0]?.path.join(".")}" is invalid: expected status and date as text`);
    front = parsed.data;
    body = normalized.slice(fm[0].length);
  }
  const titleLine = /^#\s+(.+?)\s*$/m.exec(body)?.[1];
  if (!titleLine) throw new UserError(`ADR ${path} has no title: expected a first heading "# 1. Title" (adr-tools) or "# Title" after front matter (MADR)`);
  const secs = sections(body);
  const format: AdrFormat = fm || secs.has("context and problem statement") || secs.has("decision outcome") ? "madr" : "adr-tools";
  const statusSection = section(secs, "status");
  const statusText = front.status ?? statusSection.split("\n").find((l) => l.trim() && !LINK_VERBS.some(([re]) => re.test(l.replace(/^[-*]\s*/, "").trim()))) ?? "";
  const status = statusText.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").trim() || "unknown";
  const links = [...linksIn(statusSection, path), ...linksIn(front.status ?? "", path)];
  // MADR writes "superseded by [ADR-0005](0005-x.md)" in its status line.
  const title = titleLine.replace(/^\d+\.\s*/, "").trim();
  const date = isoDate(front.date) ?? isoDate(/^Date:\s*(.+)$/im.exec(body)?.[1]);
  return {
    path,
    format,
    number: numberFrom(path, titleLine),
    title,
    date,
    status: status.split("\n")[0]?.trim() ?? status,
    context: section(secs, "context and problem statement", "context"),
    decision: section(secs, "decision outcome", "decision"),
    consequences: section(secs, "consequences"),
    links: dedupeLinks(links),
    mentions: mentionsIn(body, exists).filter((m) => m !== path),
  };
}

function dedupeLinks(links: AdrLink[]): AdrLink[] {
  const seen = new Set<string>();
  return links.filter((l) => {
    const k = `${l.rel}\0${l.reverse}\0${l.target}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
