import { parse as parseYaml } from "yaml";
import { errorLine } from "../../../core/errors.js";
import { listWorktree } from "../../../core/git.js";
import { Ticket, type TicketInput } from "../model.js";
import { DEFAULT_MAX_TICKET_FILE_BYTES, readTicketFile } from "./limits.js";

/**
 * A folder of tickets in the repo (`tickets/` by default): one JSON, YAML or Markdown-with-front-matter file
 * per ticket (a Markdown body is the ticket's body). A file that does not read as a ticket is reported with
 * the field at fault, and so is a file larger than `maxFileBytes` (never read); the others still import.
 */
export interface SourceResult {
  tickets: Ticket[];
  errors: Array<{ file: string; message: string }>;
}

function parseFile(path: string, text: string): unknown {
  if (/\.json$/i.test(path)) return JSON.parse(text);
  if (/\.ya?ml$/i.test(path)) return parseYaml(text);
  const fm = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!fm) throw new Error("expected front matter between --- lines, then the body");
  const meta = (parseYaml(fm[1] ?? "") ?? {}) as Record<string, unknown>;
  return { ...meta, body: typeof meta.body === "string" ? meta.body : (fm[2] ?? "").trim() };
}

export function readTicketText(file: string, text: string, source = "folder"): Ticket {
  let raw: unknown;
  try {
    raw = parseFile(file, text);
  } catch (err) {
    throw new Error(`ticket file ${file} does not parse: ${errorLine(err)}`);
  }
  const parsed = Ticket.safeParse({ source, ...(raw as TicketInput) });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`ticket file ${file}: field "${issue?.path.join(".") || "(root)"}" ${issue?.message ?? "is invalid"}`);
  }
  return parsed.data;
}

export async function readTicketFolder(repo: string, folder = "tickets", options: { maxFileBytes?: number } = {}): Promise<SourceResult> {
  const prefix = `${folder.replace(/\/$/, "")}/`;
  const paths = (await listWorktree(repo)).filter((p) => p.startsWith(prefix) && /\.(json|ya?ml|md)$/i.test(p) && !/README\.md$/i.test(p)).sort();
  const tickets: Ticket[] = [];
  const errors: SourceResult["errors"] = [];
  for (const path of paths) {
    try {
      tickets.push(readTicketText(path, await readTicketFile(repo, path, options.maxFileBytes ?? DEFAULT_MAX_TICKET_FILE_BYTES)));
    } catch (err) {
      errors.push({ file: path, message: errorLine(err) });
    }
  }
  return { tickets, errors };
}
