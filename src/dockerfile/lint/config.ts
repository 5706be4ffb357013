/**
 * The `lint:` part of `.imgdiet.yaml`: rules to turn off and severities to change. Other top-level keys
 * (`check:` is the CI gate's) are left to their readers.
 *
 *   lint:
 *     disable: [consecutive-run]
 *     severity: { heavy-base-image: error, apk-no-cache: info }
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { InputError } from "../../errors.js";
import { severitySchema, type Severity } from "../../finding/finding.js";

export const CONFIG_FILE = ".imgdiet.yaml";

const lintConfigSchema = z
  .object({
    disable: z.array(z.string()).default([]),
    severity: z.record(z.string(), severitySchema).default({}),
  })
  .strict();

export interface LintConfig {
  disable: string[];
  severity: Record<string, Severity>;
}

export const EMPTY_LINT_CONFIG: LintConfig = { disable: [], severity: {} };

/** Reads the `lint:` key of a config file's text; `source` names the file in errors. Unknown rule ids are errors. */
export function parseLintConfig(text: string, source: string, knownRules: readonly string[]): LintConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new InputError(`${source}: not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  if (doc === null || doc === undefined) return EMPTY_LINT_CONFIG;
  if (typeof doc !== "object" || Array.isArray(doc)) throw new InputError(`${source}: expected a mapping at the top`);
  const section = (doc as Record<string, unknown>).lint;
  if (section === undefined || section === null) return EMPTY_LINT_CONFIG;
  const parsed = lintConfigSchema.safeParse(section);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(`${source}: lint.${issue.path.join(".")}: ${issue.message}`);
  }
  const known = new Set(knownRules);
  const unknown = [...parsed.data.disable, ...Object.keys(parsed.data.severity)].find((id) => !known.has(id));
  if (unknown !== undefined) throw new InputError(`${source}: unknown lint rule ${JSON.stringify(unknown)} (imgdiet lint --list-rules shows them)`);
  return parsed.data;
}
