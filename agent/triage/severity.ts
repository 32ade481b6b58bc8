import type { Duplicate, TicketTriage } from "../../core/triage.js";
import { isTestPath } from "../../core/paths.js";
import type { AnswerOf } from "../../core/contract.js";
import { contextNeighbors, getContextNode } from "../../servers/context-graph/contracts.js";
import type { getTicket } from "../../servers/tickets/contracts.js";
import type { Tools } from "../hub.js";
import { allPages, optional } from "../planner/evidence.js";

/**
 * A ticket's severity from what happened, each rule that fired named with the text or evidence it fired on: an
 * incident that links it, a security-sensitive path, data loss or corruption, a crash inside the repo's own code,
 * a regression, customers and money; a wrong message or a cosmetic issue stays low on error words alone.
 */
type Level = TicketTriage["severity"]["level"];
type Ref = AnswerOf<typeof getTicket>["codeRefs"][number];
export interface SeverityTicket {
  key: string;
  title: string;
  body: string;
  customers?: string[] | undefined;
}

const ORDER: Level[] = ["low", "medium", "high", "critical"];

/** Words that name a security-sensitive path: pollution, injection, ReDoS, auth, secrets, traversal, known attacks. */
const SECURITY = [
  // The named kind first, then its signs: the hint quotes the first pattern that matches.
  /prototype pollution/i,
  /__proto__|constructor\.prototype|Object\.prototype (?:is |gets |was )?(?:polluted|modified|overwritten)/i,
  /\b(?<!dependency )(?:sql |command |code |shell |html |script |template |header |ldap |xpath |yaml |css )?injection\b/i,
  /\bReDoS\b|catastrophic backtracking|regular expression denial of service|exponential (?:time|backtracking)/i,
  /\bauth(?:entication|orization)? bypass|\bbypass(?:es|ed)? (?:the )?(?:auth\w*|login|permissions?)|privilege escalation|unauthori[sz]ed access/i,
  /\b(?:leak(?:s|ed|ing)?|expos(?:es|ed|ing)|logs|logged|prints) (?:the |a |an |our |their |all )?(?:secrets?|passwords?|tokens?|api keys?|credentials|private keys?)\b/i,
  /\b(?:path|directory) traversal\b/i,
  /\b(?:remote|arbitrary) code execution\b|\bRCE\b|\bXSS\b|cross[- ]site scripting|\bCSRF\b|\bSSRF\b|\bCVE-\d{4}-\d+/i,
  /\bsecurity (?:issue|vulnerability|hole|bug|problem|flaw)|\bvulnerabilit(?:y|ies)\b|\bbreach\b/i,
];
/** Files whose code guards access or secrets: naming them makes a ticket worth a closer look. */
const SECURITY_PATH = /(?:^|\/)(?:auth(?:n|z|entication|orization)?|security|crypto|sessions?|permissions?|acl|secrets?|passwords?|credentials|sanitiz\w*)(?:\/|\.|$)/i;

const NOUNS = "(?:data|comments?|keys?|entries|values?|records?|rows?|content|changes|information|fields?|lines?|documents?|files?)";
const DATA_LOSS = [
  /\bdata loss\b|\bdata is lost\b/i,
  new RegExp(`\\blos(?:es|t|ing|e) (?:\\w+ ){0,2}${NOUNS}\\b`, "i"),
  /\bcorrupt(?:s|ed|ion|ing)?\b/i,
  /\bsilently (?:drop|discard|truncat|overwrit|remov|delet)\w*/i,
  new RegExp(`\\b(?:drops?|dropped|discards?|discarded|truncates?|truncated|overwrites?|overwritten|wipes?|wiped) (?:\\w+ ){0,3}${NOUNS}\\b`, "i"),
];

/** Errors the engine throws when code breaks (not the library's own, deliberate ones). */
const ENGINE_ERROR = /\b(?:TypeError|RangeError|ReferenceError|InternalError)\b[^\n]{0,100}|Maximum call stack size exceeded|Cannot read propert(?:y|ies) of (?:undefined|null)[^\n]{0,40}|\bis not (?:a function|iterable)\b|JavaScript heap out of memory/;

const REGRESSION = [
  /\bregression\b|\bused to work\b|\bno longer (?:works?|parses?|accepts?|returns?|compiles?)\b|\bstopped working\b/i,
  /\bworked (?:fine |well |correctly |as expected )?(?:in|with|on|before|until) (?:v(?:ersion)?\s?)?\d+(?:\.(?:\d+|x))*/i,
  /\bworks? (?:fine |well |correctly )?(?:in|with|on) (?:v(?:ersion)?\s?)?\d+(?:\.(?:\d+|x))+/i,
  /\bsince (?:upgrading|updating|the (?:upgrade|update)|(?:v(?:ersion)?\s?)\d+(?:\.(?:\d+|x))*)|\bafter (?:upgrading|updating)\b|\bbroken? (?:in|since|after) (?:v(?:ersion)?\s?)?\d/i,
];

const COSMETIC = /\btypos?\b|\bmisspel\w*|\bcosmetic\b|\bwording\b|\bmisleading\b|\bconfusing (?:error )?message\b|\b(?:error )?message (?:is|was|could be) (?:misleading|confusing|wrong|unclear|unhelpful)\b|\bwrong (?:error )?message\b|\bshould say\b|\bunclear (?:error )?message\b/i;

// "error:" ends in no word boundary before a space, and ends names like YAMLParseError: matched as it stands.
const CRASH = /\b(?:crash(?:es|ed)?|500|exception|stack trace|fails? with|throws?)\b|error:/i;
const MONEY = /\b(?:invoice|charged?|refund|payment|amount|total|net|price|billing|bill)\b/i;
const OUTAGE = /\b(?:outage|service (?:is )?down|charged twice|all customers)\b/i;

/** The words a rule fired on, quoted and short. */
function quote(text: string, patterns: readonly RegExp[]): string | undefined {
  for (const p of patterns) {
    const m = p.exec(text)?.[0]?.trim();
    if (m) return `"${m.length > 80 ? `${m.slice(0, 79)}…` : m}"`;
  }
  return undefined;
}

export async function severityOf(tools: Tools, t: SeverityTicket, refs: readonly Ref[], duplicates: readonly Duplicate[]): Promise<TicketTriage["severity"]> {
  const hints: string[] = [];
  let level: Level = "low";
  const raise = (to: Level) => {
    if (ORDER.indexOf(to) > ORDER.indexOf(level)) level = to;
  };
  // Incidents that mention this ticket or one of its likely duplicates.
  for (const key of [t.key, ...duplicates.filter((d) => d.likely).map((d) => d.key)]) {
    const near = await optional(allPages(tools, contextNeighbors, { id: `ticket:${key}`, direction: "in", rels: ["mentions"] }));
    for (const n of near ?? []) {
      const node = await optional(tools.call(getContextNode, { id: n.id }));
      if (node?.node.props.kind !== "incident") continue;
      const sev = typeof node.node.props.severity === "string" ? node.node.props.severity : "";
      hints.push(`linked incident ${n.id.slice("ticket:".length)}${sev ? ` (${sev})` : ""}${key !== t.key ? ` through ${key}` : ""}: ${n.title}`);
      raise(/SEV ?1/i.test(sev) ? "critical" : "high");
    }
  }
  const text = `${t.title}\n${t.body}`;
  const fired = rulesOf(text, refs, t.customers ?? []);
  for (const f of fired) {
    hints.push(f.hint);
    raise(f.level);
  }
  const dupes = duplicates.filter((d) => d.likely).length;
  if (dupes) hints.push(`${dupes} likely duplicate(s): more than one report`);
  if (!hints.length) hints.push("no incident, customer, crash, security, data loss, regression or money named");
  return { level, hints };
}

/** The rules that fire on a ticket's text and code references, each with its level and what it fired on. */
export function rulesOf(text: string, refs: readonly Ref[], customers: readonly string[]): Array<{ rule: string; level: Level; hint: string }> {
  const out: Array<{ rule: string; level: Level; hint: string }> = [];
  const fire = (rule: string, level: Level, hint: string) => out.push({ rule, level, hint });

  if (customers.length) fire("customers", "medium", `names customer${customers.length > 1 ? "s" : ""} ${customers.join(", ")}`);

  const security = quote(text, SECURITY);
  const sensitive = refs.map((r) => r.location ?? r.target ?? "").find((p) => p && !isTestPath(p) && SECURITY_PATH.test(p.split("#")[0] ?? ""));
  if (security) fire("security", "high", `security-sensitive: ${security}${sensitive ? `, in ${sensitive}` : ""}`);
  else if (sensitive) fire("security-code", "medium", `names security-sensitive code: ${sensitive}`);

  const loss = quote(text, DATA_LOSS);
  if (loss) fire("data-loss", "high", `data loss or corruption: ${loss}`);

  const inRepo = refs.filter((r) => r.kind === "frame" && r.target && !isTestPath(r.location ?? r.target)).sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  const engine = ENGINE_ERROR.exec(text)?.[0]?.trim();
  const shown = engine && engine.length > 80 ? `${engine.slice(0, 79)}…` : engine;
  const crashed = engine !== undefined || inRepo.length > 0;
  if (engine && inRepo[0]) fire("crash-in-code", "high", `a crash inside the repo's code: "${shown}" at ${inRepo[0].target} (top in-repo frame of ${inRepo.length})`);
  else if (engine) fire("engine-error", "medium", `a crash: "${shown}" (no stack frame places it in the repo's code)`);
  else if (inRepo.length) fire("stack-trace", customers.length ? "high" : "medium", `a crash: a stack trace with ${inRepo.length} in-app frame(s), top ${inRepo[0]?.target}`);

  const cosmetic = quote(text, [COSMETIC]);
  const words = CRASH.exec(text)?.[0];
  if (!crashed && words) {
    // A report about a message's wording quotes the message: its error words are not a failure.
    if (cosmetic) fire("cosmetic", "low", `a wrong message or cosmetic issue: ${cosmetic}; its error words ("${words}") do not raise it`);
    else fire("error-words", customers.length ? "high" : "medium", `reports an error or a crash: "${words}"`);
  } else if (cosmetic && !crashed) fire("cosmetic", "low", `a wrong message or cosmetic issue: ${cosmetic}`);

  const regression = quote(text, REGRESSION);
  if (regression) {
    // What worked before and broke is worse than the same fault found new: one level above the rest, at most high.
    const rest = out.reduce((m, f) => Math.max(m, ORDER.indexOf(f.level)), 0);
    fire("regression", ORDER[Math.min(Math.max(rest + 1, 1), 2)] as Level, `a regression: ${regression}`);
  }
  const money = MONEY.exec(text)?.[0];
  if (money) fire("money", "medium", `money is involved: "${money}"`);
  const outage = OUTAGE.exec(text)?.[0];
  if (outage) fire("outage", "high", `words of an outage: "${outage}"`);
  return out;
}
