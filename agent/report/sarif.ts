import { Span } from "../../core/span.js";
import type { ArtifactChange, Location, Log, ReportingDescriptor, Result } from "sarif";
import { parsePatch } from "../../core/patch.js";
import type { Report, ScenarioVerdict } from "../../core/verdict.js";
import { VERSION } from "../../core/version.js";
import { effectLines, rootCauseLine, touchedSteps } from "./text.js";

/**
 * The report as SARIF 2.1.0 for code scanning: each failing, at-risk or erroring scenario is a result at the
 * path:line of its root cause (or of the steps the change touches), so the annotation lands on the line.
 */
const RULES: ReportingDescriptor[] = [
  { id: "scenario-fails", name: "ScenarioFails", shortDescription: { text: "A scenario that passes at base fails at head" }, defaultConfiguration: { level: "error" } },
  { id: "scenario-at-risk", name: "ScenarioAtRisk", shortDescription: { text: "The change touches a scenario's path and its behaviour may have changed" }, defaultConfiguration: { level: "warning" } },
  { id: "scenario-error", name: "ScenarioError", shortDescription: { text: "A scenario could not be simulated" }, defaultConfiguration: { level: "warning" } },
];
const RULE_OF: Partial<Record<ScenarioVerdict["verdict"], number>> = { fail: 0, "at-risk": 1, error: 2 };

function location(at: string): Location | undefined {
  let span: Span;
  try {
    span = Span.leading(at, "location");
  } catch {
    return undefined; // a step's place that is not path:line (a module, a stand-in): the result has no region, not a wrong one
  }
  return { physicalLocation: { artifactLocation: { uri: span.path, uriBaseId: "%SRCROOT%" }, region: { startLine: span.line } } };
}

/** A patch as SARIF changes, or none when it does not read as a unified diff (SARIF wants at least one replacement). */
function fixChanges(patch: string): ArtifactChange[] {
  try {
    return artifactChanges(patch);
  } catch {
    return [];
  }
}

/** A patch as SARIF replacements: each hunk deletes head lines and inserts the patch's lines. */
function artifactChanges(patch: string): ArtifactChange[] {
  return parsePatch(patch).flatMap((f) => {
    const uri = f.newPath ?? f.oldPath;
    if (!uri || f.hunks.length === 0) return [];
    return [
      {
        artifactLocation: { uri, uriBaseId: "%SRCROOT%" },
        replacements: f.hunks.map((h) => {
          const deleted = h.lines.filter((l) => !l.startsWith("+")).length;
          const inserted = h.lines.filter((l) => !l.startsWith("-")).map((l) => `${l.slice(1)}\n`).join("");
          const start = Math.max(1, h.oldStart);
          const deletedRegion = deleted > 0 ? { startLine: start, endLine: start + deleted, startColumn: 1, endColumn: 1 } : { startLine: h.oldStart + 1, startColumn: 1, endColumn: 1 };
          return { deletedRegion, ...(inserted ? { insertedContent: { text: inserted } } : {}) };
        }),
      },
    ];
  });
}

export function renderSarif(r: Report): Log {
  const results: Result[] = [];
  for (const v of r.verdicts) {
    const ruleIndex = RULE_OF[v.verdict];
    if (ruleIndex === undefined) continue;
    const rule = RULES[ruleIndex] as ReportingDescriptor;
    const places = v.rootCause ? [v.rootCause.location] : touchedSteps(v).map((s) => s.location);
    const locations = places.map(location).filter((l): l is Location => l !== undefined).slice(0, 10);
    const detail = [rootCauseLine(v) ? `Root cause ${rootCauseLine(v)}.` : "", ...effectLines(v).map((e) => `Effect ${e}.`)].filter(Boolean).join(" ");
    const changes = v.fix ? fixChanges(v.fix.patch) : [];
    results.push({
      ruleId: rule.id,
      ruleIndex,
      level: v.verdict === "fail" ? "error" : "warning",
      message: { text: `Scenario ${v.scenario}: ${v.reason}${detail ? ` ${detail}` : ""}` },
      ...(locations.length ? { locations } : {}),
      partialFingerprints: { scenario: v.scenario },
      properties: { scenario: v.scenario, verdict: v.verdict, depth: v.depth, ...(v.fix ? { fixVerified: v.fix.verified } : {}) },
      ...(v.fix && changes.length
        ? {
            fixes: [
              {
                description: { text: `${v.fix.scope ? `Revert of the ${v.fix.scope} holding the root cause` : "Fix for the root cause"} (${v.fix.verified ? "verified by re-simulation" : "not verified"})` },
                artifactChanges: changes,
              },
            ],
          }
        : {}),
    });
  }
  return {
    version: "2.1.0",
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    runs: [
      {
        tool: { driver: { name: "Worldline", version: VERSION, rules: RULES } },
        originalUriBaseIds: { "%SRCROOT%": { description: { text: "The repository root" } } },
        results,
        properties: { base: r.base, head: r.head, summary: r.summary },
      },
    ],
  };
}
