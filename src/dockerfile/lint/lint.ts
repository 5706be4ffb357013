/**
 * `imgdiet lint` as a library function: tolerant parse, stage walk, every rule, suppressions and config, and
 * the Findings sorted by place. A Dockerfile that does not parse gives its diagnostics and no findings.
 */
import type { Finding, RuleDescriptor, Severity } from "../../finding/finding.js";
import { parseDockerfileTolerant, type ParseDiagnostic } from "../parse.js";
import { walkStages } from "../stages.js";
import { EMPTY_LINT_CONFIG, type LintConfig } from "./config.js";
import { isSuppressed, readSuppressions } from "./ignore-comments.js";
import type { BuildContextFacts, LintRule } from "./rule.js";
import { LINT_RULES } from "./rules/index.js";

export interface LintOptions {
  /** The path findings are located at (as the user gave it, or relative to the repository). */
  file: string;
  context?: BuildContextFacts;
  config?: LintConfig;
  /** `--build-arg` values: they override ARG defaults. */
  buildArgs?: Record<string, string>;
  /** The rules to run (default: all of them). */
  rules?: readonly LintRule[];
}

export interface LintResult {
  file: string;
  findings: Finding[];
  /** What Docker would reject; when there is any, no rule ran. */
  diagnostics: ParseDiagnostic[];
  /** Findings silenced by `# imgdiet ignore=` comments. */
  suppressed: number;
  /** The rules that ran, with the severity the config gave them. */
  rules: RuleDescriptor[];
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** Does `severity` reach `level` (error ≥ warning ≥ info)? */
export function atLeast(severity: Severity, level: Severity): boolean {
  return RANK[severity] >= RANK[level];
}

export function lintDockerfile(text: string, options: LintOptions): LintResult {
  const config = options.config ?? EMPTY_LINT_CONFIG;
  const rules = (options.rules ?? LINT_RULES).filter((r) => !config.disable.includes(r.id));
  const descriptors = rules.map(({ id, title, doc, severity }) => ({ id, title, doc, severity: config.severity[id] ?? severity }));
  const { dockerfile, diagnostics } = parseDockerfileTolerant(text);
  if (diagnostics.length > 0) return { file: options.file, findings: [], diagnostics, suppressed: 0, rules: descriptors };

  const walked = walkStages(dockerfile, options.buildArgs);
  const suppressions = readSuppressions(dockerfile);
  const startOf = new Map<number, number>();
  for (const i of dockerfile.instructions) for (let l = i.range.start.line; l <= i.range.end.line; l++) startOf.set(l, i.range.start.line);
  const ctx = { walked, ...(options.context ? { context: options.context } : {}) };
  const findings: Finding[] = [];
  let suppressed = 0;
  rules.forEach((rule, r) => {
    for (const hit of rule.check(ctx)) {
      if (isSuppressed(suppressions, rule.id, hit.range.start.line, startOf)) {
        suppressed++;
        continue;
      }
      findings.push({
        ruleId: rule.id,
        severity: descriptors[r]!.severity,
        title: rule.title,
        message: hit.message,
        location: { kind: "file", file: options.file, range: hit.range },
        ...(hit.saving !== undefined ? { saving: hit.saving } : {}),
        ...(hit.fix ? { fix: hit.fix } : {}),
      });
    }
  });
  const order = (f: Finding) => (f.location.kind === "file" ? f.location.range.start : { line: 0, column: 0 });
  findings.sort((a, b) => order(a).line - order(b).line || order(a).column - order(b).column || a.ruleId.localeCompare(b.ruleId));
  return { file: options.file, findings, diagnostics: [], suppressed, rules: descriptors };
}
