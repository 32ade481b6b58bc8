import { UserError } from "../../../core/errors.js";
import { Ticket } from "../model.js";
import { parseCsv } from "./csv.js";
import type { SourceResult } from "./folder.js";
import { DEFAULT_MAX_TICKET_FILE_BYTES, readTicketFile } from "./limits.js";

/**
 * A Jira CSV export ("Export > CSV (all fields)"): one row per issue, multiline fields quoted, repeated
 * columns (Labels, Component/s, Comment) for multi-valued fields.
 */
const JIRA_DATE = /^(\d{1,2})\/(\w{3})\/(\d{2,4}) (\d{1,2}):(\d{2}) ?(AM|PM)?$/i;
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

export function jiraDate(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const m = JIRA_DATE.exec(value.trim());
  if (m) {
    let hour = Number(m[4]) % 12;
    if ((m[6] ?? "").toUpperCase() === "PM") hour += 12;
    if (!m[6]) hour = Number(m[4]);
    const year = Number(m[3]) < 100 ? 2000 + Number(m[3]) : Number(m[3]);
    return new Date(Date.UTC(year, MONTHS.indexOf((m[2] ?? "").toLowerCase()), Number(m[1]), hour, Number(m[5]))).toISOString();
  }
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function readJiraCsv(text: string, file = "jira.csv"): SourceResult {
  const [header, ...rows] = parseCsv(text);
  if (!header) return { tickets: [], errors: [{ file, message: `${file} is empty: expected a Jira CSV export with a header row` }] };
  const cols = (name: string) => header.map((h, i) => (h.trim() === name ? i : -1)).filter((i) => i >= 0);
  const one = (row: string[], name: string) => cols(name).map((i) => row[i] ?? "").find((v) => v.trim() !== "");
  const many = (row: string[], name: string) => cols(name).map((i) => (row[i] ?? "").trim()).filter(Boolean);
  if (cols("Issue key").length === 0 || cols("Summary").length === 0) {
    return { tickets: [], errors: [{ file, message: `${file} has no "Issue key" or "Summary" column: expected a Jira CSV export (all fields)` }] };
  }
  const tickets: Ticket[] = [];
  const errors: SourceResult["errors"] = [];
  rows.forEach((row, i) => {
    const type = (one(row, "Issue Type") ?? "").toLowerCase();
    const parsed = Ticket.safeParse({
      key: one(row, "Issue key"),
      source: "jira-csv",
      kind: type === "incident" ? "incident" : type === "task" || type === "sub-task" ? "task" : type === "story" ? "feature" : "bug",
      title: one(row, "Summary"),
      body: one(row, "Description") ?? "",
      status: one(row, "Status") ?? "open",
      priority: one(row, "Priority"),
      labels: many(row, "Labels"),
      components: many(row, "Component/s"),
      reporter: one(row, "Reporter"),
      assignee: one(row, "Assignee"),
      created: jiraDate(one(row, "Created")),
      updated: jiraDate(one(row, "Updated")),
      closed: jiraDate(one(row, "Resolved")),
      customers: many(row, "Custom field (Customer)"),
      comments: many(row, "Comment").map((c) => {
        // Jira writes "date;author;body" in comment columns.
        const [at, author, ...rest] = c.split(";");
        return { author: author ?? "", ...(jiraDate(at) ? { at: jiraDate(at) } : {}), body: rest.join(";") || c };
      }),
    });
    if (parsed.success) tickets.push(parsed.data);
    else {
      const issue = parsed.error.issues[0];
      errors.push({ file: `${file} row ${i + 2}`, message: `field "${issue?.path.join(".")}" ${issue?.message ?? "is invalid"}` });
    }
  });
  return { tickets, errors };
}

/** A Jira CSV export in the repo, refused by name when it is missing or larger than `maxFileBytes`. */
export async function readJiraCsvFile(repo: string, file: string, options: { maxFileBytes?: number } = {}): Promise<SourceResult> {
  let text: string;
  try {
    text = await readTicketFile(repo, file, options.maxFileBytes ?? DEFAULT_MAX_TICKET_FILE_BYTES);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`Jira CSV "${file}" does not exist in ${repo}: expected a CSV export inside the repo`);
  }
  return readJiraCsv(text, file);
}
