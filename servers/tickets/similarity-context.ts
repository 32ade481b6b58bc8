import { readPackage } from "../code-graph/project-settings.js";
import { readWorktreeText } from "../../core/confine.js";
import { listTree, readBlobs } from "../../core/git.js";
import type { RepoContext } from "./similarity.js";
import type { TicketService } from "./service.js";
import { issueTemplateTerms } from "./templates.js";

/**
 * What the repo at a revision (null: the working tree) says about which words and code tell tickets apart: the
 * words of its issue templates, and its public API (the package's name, the exports of its entry as the code
 * graph follows them), which every report of a library names.
 */
export async function similarityContext(service: TicketService, commit: string | null): Promise<RepoContext> {
  const graph = await service.codeGraph.graph(commit ?? undefined);
  const exports = graph.entryPoints("package-export").map((e) => e.symbol).filter((s): s is string => s !== null);
  const publicNames = new Set(exports.flatMap((id) => (id.split("#")[1] ?? "").toLowerCase().split(".")));
  const name = readPackage("package.json", (await packageText(service.repo, commit)) ?? "")?.name;
  // A scoped name (@acme/billing) is written both whole and by its last part.
  if (name) for (const part of name.toLowerCase().split(/[@/]/).filter((p) => p.length >= 3)) publicNames.add(part);
  return { templateTerms: await issueTemplateTerms(service.repo, commit), publicNames, publicSymbols: new Set(exports), known: true };
}

async function packageText(repo: string, commit: string | null): Promise<string | undefined> {
  if (commit === null) return readWorktreeText(repo, "package.json");
  const entry = (await listTree(repo, commit)).find((e) => e.path === "package.json");
  return entry ? (await readBlobs(repo, [entry.hash])).get(entry.hash)?.toString("utf8") : undefined;
}
