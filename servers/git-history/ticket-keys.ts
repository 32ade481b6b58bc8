/**
 * Ticket keys named in commit messages: Jira-style keys (ABC-123), GitHub issue numbers (#123), closing
 * keywords and trailers (Fixes:, Closes:, Resolves:), and pull-request numbers from merge and squash messages.
 */
export interface TicketRef {
  /** As the tracker names it: SUP-12, #12. */
  key: string;
  kind: "jira" | "issue" | "pull-request";
  /** fixes when a closing keyword or trailer names it, else references. */
  relation: "fixes" | "references";
}

const CLOSING = /\b(?:fix(?:e[sd])?|close[sd]?|resolve[sd]?)\b:?\s*((?:(?:[A-Z][A-Z0-9]+-\d+|#\d+)[\s,]*(?:and\s+)?)+)/gi;
const JIRA = /\b([A-Z][A-Z0-9]+-\d+)\b/g;
const ISSUE = /(?<![\w&/])#(\d+)\b/g;
const MERGE_PR = /^Merge pull request #(\d+)\b/m;
const SQUASH_PR = /\(#(\d+)\)\s*$/m;

/** Words that look like Jira keys but are not tickets (encodings, standards). */
const NOT_TICKETS = /^(UTF|ISO|SHA|RFC|CVE|TLS|HTTP|SSL|AES|RSA|X|IE|ES)-\d+$/;

export function ticketRefs(message: string): TicketRef[] {
  const out = new Map<string, TicketRef>();
  const add = (key: string, kind: TicketRef["kind"], relation: TicketRef["relation"]) => {
    const prev = out.get(key);
    if (!prev || (relation === "fixes" && prev.relation !== "fixes")) out.set(key, { key, kind, relation: relation === "fixes" || prev?.relation === "fixes" ? "fixes" : "references" });
  };
  const pr = MERGE_PR.exec(message)?.[1] ?? SQUASH_PR.exec(message.split("\n")[0] ?? "")?.[1];
  if (pr) add(`#${pr}`, "pull-request", "references");
  for (const m of message.matchAll(CLOSING)) {
    for (const k of (m[1] ?? "").match(/[A-Z][A-Z0-9]+-\d+|#\d+/gi) ?? []) {
      const key = k.startsWith("#") ? k : k.toUpperCase();
      if (!NOT_TICKETS.test(key)) add(key, key.startsWith("#") ? "issue" : "jira", "fixes");
    }
  }
  for (const m of message.matchAll(JIRA)) if (m[1] && !NOT_TICKETS.test(m[1])) add(m[1], "jira", "references");
  for (const m of message.matchAll(ISSUE)) if (m[1] && `#${m[1]}` !== (pr ? `#${pr}` : "")) add(`#${m[1]}`, "issue", "references");
  return [...out.values()];
}
