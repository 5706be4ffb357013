/**
 * Every rule on its own documentation examples: the bad one must produce the rule's finding and the good
 * one must not, so docs/lint.md (generated from the same text) stays true.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lintDockerfile } from "./lint.js";
import { LINT_RULES } from "./rules/index.js";
import { renderRulesMarkdown, RULES_END, RULES_START } from "./rule-docs.js";

const idsOf = (text: string, context?: Parameters<typeof lintDockerfile>[1]["context"]) => {
  const result = lintDockerfile(text, { file: "Dockerfile", ...(context ? { context } : {}) });
  expect(result.diagnostics).toEqual([]);
  return result.findings.map((f) => f.ruleId);
};

const DOCS = readFileSync(join(import.meta.dirname, "..", "..", "..", "docs", "lint.md"), "utf8");

it("docs/lint.md's Rules section is what the rules say (npx tsx src/dockerfile/lint/rule-docs.ts)", () => {
  expect(DOCS.slice(DOCS.indexOf(RULES_START) + RULES_START.length, DOCS.indexOf(RULES_END))).toBe(renderRulesMarkdown(LINT_RULES));
});

describe.each(LINT_RULES.map((r) => [r.id, r] as const))("%s", (id, rule) => {
  it("fires on its bad example", () => {
    expect(idsOf(rule.example.bad, rule.example.context)).toContain(id);
  });
  it("stays quiet on its good example", () => {
    expect(idsOf(rule.example.good, rule.example.goodContext ?? rule.example.context)).not.toContain(id);
  });
  it("is documented in docs/lint.md with its title, paragraph and both examples", () => {
    const section = DOCS.split(/^### /m).find((s) => s.startsWith(`\`${id}\``));
    expect(section, `docs/lint.md has no section for ${id}`).toBeDefined();
    expect(section).toContain(`**${rule.title}** — severity \`${rule.severity}\``);
    expect(section).toContain(rule.doc);
    expect(section).toContain(rule.example.bad.trimEnd());
    expect(section).toContain(rule.example.good.trimEnd());
  });

  it("has an id, a title and a documentation paragraph", () => {
    expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(rule.title.length).toBeGreaterThan(10);
    expect(rule.doc.length).toBeGreaterThan(150);
  });
});
