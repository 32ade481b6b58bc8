import { redactJson, type Redaction } from "../../core/redact.js";
import type { CodeRef, Ticket } from "./model.js";

/**
 * A ticket with every string people wrote in it redacted (title, body, comments, people, labels, components,
 * customers, links, status, priority, severity), with the rules that matched. What identifies it (key,
 * source, kind) and its times stay. Redacting a redacted ticket changes nothing.
 */
export function redactTicket(t: Ticket): { ticket: Ticket; redactions: Redaction[] } {
  const { key, source, kind, created, updated, closed, started, ended, ...written } = t;
  const r = redactJson(written);
  const ticket: Ticket = {
    ...t,
    ...r.value,
    key,
    source,
    kind,
    created,
    ...(updated !== undefined ? { updated } : {}),
    ...(closed !== undefined ? { closed } : {}),
    ...(started !== undefined ? { started } : {}),
    ...(ended !== undefined ? { ended } : {}),
  };
  return { ticket, redactions: r.redactions };
}

export interface StoredTicket {
  ticket: Ticket;
  redactions: Array<{ rule: string; count: number }>;
  contentHash: string;
  importedAt: string;
}

export interface SearchFilters {
  status?: string | undefined;
  label?: string | undefined;
  component?: string | undefined;
  kind?: string | undefined;
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
}

/** One ticket to write, with the code it names. */
export interface TicketSave {
  ticket: Ticket;
  refs: CodeRef[];
  redactions: StoredTicket["redactions"];
  contentHash: string;
}

/** "all": tickets with every word; "any": tickets with at least one. */
export type SearchMode = "all" | "any";

/**
 * The imported tickets, on SQLite (embedded) or PostgreSQL (a team's): the same answers on both (the store
 * suite runs on both). Every write is one transaction: a failed one leaves the tickets as they were.
 */
export interface TicketStore {
  contentHash(key: string): Promise<string | undefined>;
  /**
   * Writes tickets and their code references in one transaction, replacing earlier copies of the same keys.
   * Every ticket is redacted here too, whoever calls: what reaches the row, its JSON and the full-text index
   * is never a secret (the importer redacts first, to count the rules; doing it again changes nothing).
   */
  save(items: readonly TicketSave[], now: string): Promise<void>;
  get(key: string): Promise<StoredTicket | undefined>;
  codeRefs(key: string): Promise<CodeRef[]>;
  /** Tickets naming any of these code targets, with the targets they share. */
  ticketsReferencing(targets: readonly string[]): Promise<Map<string, Set<string>>>;
  /**
   * Stemmed full-text search over title (weighs most), labels, body and comments, best first, with filters.
   * With no words, every ticket the filters let through, newest created first (score 0).
   */
  search(words: readonly string[], mode: SearchMode, filters: SearchFilters, limit: number): Promise<Array<{ ticket: Ticket; score: number }>>;
  /** Tickets of a source (folder, github, jira, jira-csv) created or updated after `since`, oldest change first. */
  changedSince(source: string | undefined, since: string | undefined): Promise<StoredTicket[]>;
  postedComment(key: string, revision: string): Promise<{ url: string; postedAt: string } | undefined>;
  /** Records a posted comment; a second record for the same ticket revision keeps the first. */
  recordComment(key: string, revision: string, url: string, at: string): Promise<void>;
  count(): Promise<number>;
  close(): void;
}
