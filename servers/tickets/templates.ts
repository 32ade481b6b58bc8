import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { readWorktreeText } from "../../core/confine.js";
import { listTree, readBlobs } from "../../core/git.js";
import { words } from "./similarity.js";

/**
 * The words a repo's issue templates put in every report (`.github/ISSUE_TEMPLATE/*.md|yml|yaml`, and the single
 * `.github/ISSUE_TEMPLATE.md` of older repos): headings, prompts, form labels and placeholders. Two reports
 * sharing them share the template, not the fault.
 */
const TEMPLATE = /^(?:\.github\/ISSUE_TEMPLATE\/[^/]+\.(?:md|ya?ml)|\.github\/issue_template\.md|ISSUE_TEMPLATE\.md)$/i;

export function isIssueTemplate(path: string): boolean {
  return TEMPLATE.test(path);
}

/** Template words at a commit's tree, or in the working tree when `commit` is null. */
export async function issueTemplateTerms(repo: string, commit: string | null): Promise<Set<string>> {
  const texts = commit === null ? await worktreeTemplates(repo) : await commitTemplates(repo, commit);
  return new Set(texts.flatMap(words));
}

async function commitTemplates(repo: string, commit: string): Promise<string[]> {
  const hashes = (await listTree(repo, commit)).filter((e) => isIssueTemplate(e.path)).map((e) => e.hash);
  return [...(await readBlobs(repo, hashes)).values()].map((b) => b.toString("utf8"));
}

async function worktreeTemplates(repo: string): Promise<string[]> {
  const paths = [".github/issue_template.md", ".github/ISSUE_TEMPLATE.md", "ISSUE_TEMPLATE.md"];
  // A repo without the folder has no templates: that is the common case, not an error.
  const listed = await readdir(join(repo, ".github", "ISSUE_TEMPLATE")).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT" || err.code === "ENOTDIR") return [];
    throw err;
  });
  paths.push(...listed.map((f) => `.github/ISSUE_TEMPLATE/${f}`));
  const texts: string[] = [];
  // Read confined: a template that is a symlink is read as its link text, never followed out of the repo.
  for (const p of paths.filter(isIssueTemplate)) {
    const text = await readWorktreeText(repo, p);
    if (text !== undefined) texts.push(text);
  }
  return texts;
}
