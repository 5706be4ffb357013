/**
 * The "Rules" section of docs/lint.md, made from the rules themselves so the documentation and the examples
 * the tests run are the same text. `npx tsx src/dockerfile/lint/rule-docs.ts` rewrites that section.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { LintRule } from "./rule.js";
import { LINT_RULES } from "./rules/index.js";

export function renderRulesMarkdown(rules: readonly LintRule[]): string {
  const out: string[] = [];
  for (const r of rules) {
    out.push(`### \`${r.id}\``, "", `**${r.title}** — severity \`${r.severity}\``, "", r.doc, "");
    out.push(r.example.context ? "Bad (the context has no .dockerignore):" : "Bad:", "", "```dockerfile", r.example.bad.trimEnd(), "```", "");
    out.push(r.example.goodContext ? "Good (the same Dockerfile, with a .dockerignore beside it):" : "Good:", "", "```dockerfile", r.example.good.trimEnd(), "```", "");
  }
  return out.join("\n");
}

export const RULES_START = "## Rules\n\n";
export const RULES_END = "## Checked on real-world Dockerfiles";

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = new URL("../../../docs/lint.md", import.meta.url);
  const text = readFileSync(file, "utf8");
  const start = text.indexOf(RULES_START) + RULES_START.length;
  const end = text.indexOf(RULES_END);
  writeFileSync(file, text.slice(0, start) + renderRulesMarkdown(LINT_RULES) + text.slice(end));
}
