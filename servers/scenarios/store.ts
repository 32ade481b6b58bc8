import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { errorLine } from "../../core/errors.js";
import { readFilesAt, resolveRevision, WORKTREE } from "../../core/git.js";
import type { IngestBatch } from "../context-graph/model.js";
import { parseScenario, renderScenario, type Scenario } from "./format.js";

/**
 * Scenarios live as Markdown files in the repo (`scenarios/` by default): a memory versioned with the code.
 * Loading reports each bad file with its field and still loads the rest; ids must be unique.
 */
export interface LoadedScenarios {
  scenarios: Scenario[];
  errors: Array<{ file: string; message: string }>;
}

export async function loadScenarios(repo: string, dirs: readonly string[], rev: string = WORKTREE): Promise<LoadedScenarios> {
  const revision = await resolveRevision(repo, rev);
  const prefixes = dirs.map((d) => `${d.replace(/\/$/, "")}/`);
  const files = await readFilesAt(repo, revision, (p) => prefixes.some((d) => p.startsWith(d)) && /\.md$/i.test(p) && !/(^|\/)README\.md$/i.test(p));
  const scenarios: Scenario[] = [];
  const errors: LoadedScenarios["errors"] = [];
  const byId = new Map<string, string>();
  for (const f of files) {
    try {
      const s = parseScenario(f.path, f.text);
      const other = byId.get(s.id);
      if (other) throw new Error(`scenario ${f.path}: id "${s.id}" is already used by ${other}; ids must be unique`);
      byId.set(s.id, f.path);
      scenarios.push(s);
    } catch (err) {
      errors.push({ file: f.path, message: errorLine(err) });
    }
  }
  return { scenarios, errors };
}

/** Writes a scenario file (only ever on request): its existing file, else `<dir>/<id>.md`. */
export async function writeScenario(repo: string, scenario: Omit<Scenario, "path"> & { path?: string }, dir: string): Promise<string> {
  const path = scenario.path ?? `${dir.replace(/\/$/, "")}/${scenario.id}.md`;
  const text = renderScenario({ ...scenario, path });
  parseScenario(path, text); // what is written must load back
  await mkdir(dirname(join(repo, path)), { recursive: true });
  await writeFile(join(repo, path), text);
  return path;
}

/** The scenario's node and its links: sources (tickets, incidents, tests, decisions) and entry symbols. */
export function scenarioBatch(s: Scenario, atRev: string): IngestBatch {
  const id = `scenario:${s.id}`;
  const prov = { method: "scenario-store@1", authority: "human" as const, confidence: 1 };
  const entries = [...new Set([...s.entry, ...(s.simulate?.steps.flatMap((st) => (st.call ? [st.call] : [])) ?? [])])];
  return {
    episode: { source: "scenario", ref: s.path, text: renderScenario(s) },
    nodes: [
      {
        id,
        title: s.title,
        text: `${s.title}\n\n${s.prose}`,
        props: { path: s.path, customers: s.customers, ...(s.workflow ? { workflow: s.workflow } : {}), tags: s.tags, executable: s.simulate !== undefined },
      },
    ],
    edges: [
      ...s.source.map((src) => ({ src: id, rel: "motivated-by", dst: src.startsWith("test:") ? `file:${src.slice(5)}` : src, atRev, provenance: prov })),
      ...entries.map((e) => ({ src: id, rel: "enters", dst: `symbol:${e}`, atRev, provenance: prov })),
    ],
  };
}
