/** The `imgdiet lint --format json` document. */
import { z } from "zod";
import { versionedDocument, type Assert, type Same } from "../../document.js";
import { findingSchema, type Finding } from "../../finding/finding.js";

export const lintReportSchema = z
  .object({
    file: z.string().describe("The Dockerfile, as findings locate it."),
    findings: z.array(findingSchema).describe("In order of place in the file."),
    counts: z
      .object({ error: z.number().int().nonnegative(), warning: z.number().int().nonnegative(), info: z.number().int().nonnegative() })
      .strict()
      .describe("Findings by severity."),
    suppressed: z.number().int().nonnegative().describe("Findings silenced by `# imgdiet ignore=` comments."),
  })
  .strict();

export const lintDocumentSchema = versionedDocument(lintReportSchema, 1, "imgdiet lint --format json: the findings of one Dockerfile");

export interface LintReport {
  file: string;
  findings: Finding[];
  counts: { error: number; warning: number; info: number };
  suppressed: number;
}
export type LintDocument = LintReport & { schemaVersion: 1 };

export type LintSchemaInSync = Assert<Same<LintDocument, z.infer<typeof lintDocumentSchema>>>;
