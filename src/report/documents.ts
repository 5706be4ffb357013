/**
 * Every document a command prints with `--json`, by command: the zod schema it follows. The JSON Schemas
 * in schemas/<command>.schema.json are generated from these (scripts/gen-schemas.ts), and named shared
 * parts become `definitions`.
 */
import type { ZodTypeAny } from "zod";
import { findingSchema, locationSchema } from "../finding/finding.js";
import { analysisSchema } from "../inspect/analysis-schema.js";
import { copyDocumentSchema } from "../image/copy-schema.js";
import { probeResultSchema, verifyDocumentSchema, verifyReportSchema } from "../probe/verify-schema.js";
import { slimDocumentSchema } from "../slim/slim-schema.js";
import { dietDocumentSchema, leaderboardRowSchema } from "../diet/diet-schema.js";
import { lintDocumentSchema } from "../dockerfile/lint/lint-schema.js";
import { checkDocumentSchema, ruleResultSchema } from "../inspect/check/check-schema.js";
import { changedFileSchema, diffDocumentSchema, fileStateSchema } from "../inspect/diff-schema.js";

export interface JsonDocument {
  /** The command whose `--json` prints it. */
  command: string;
  title: string;
  schema: ZodTypeAny;
  /** Parts reused inside the document, published under these names in `definitions`. */
  definitions?: Record<string, ZodTypeAny>;
}

export const JSON_DOCUMENTS: readonly JsonDocument[] = [
  { command: "analyze", title: "imgdiet analyze --json", schema: analysisSchema, definitions: { Finding: findingSchema, Location: locationSchema } },
  { command: "slim", title: "imgdiet slim --json", schema: slimDocumentSchema, definitions: { ProbeResult: probeResultSchema, VerifyReport: verifyReportSchema } },
  { command: "verify", title: "imgdiet verify --json", schema: verifyDocumentSchema, definitions: { ProbeResult: probeResultSchema } },
  { command: "diet", title: "imgdiet diet --json", schema: dietDocumentSchema, definitions: { LeaderboardRow: leaderboardRowSchema } },
  { command: "copy", title: "imgdiet copy --json", schema: copyDocumentSchema },
  { command: "lint", title: "imgdiet lint --format json", schema: lintDocumentSchema, definitions: { Finding: findingSchema, Location: locationSchema } },
  { command: "check", title: "imgdiet check --json", schema: checkDocumentSchema, definitions: { Finding: findingSchema, Location: locationSchema, RuleResult: ruleResultSchema } },
  { command: "diff", title: "imgdiet diff --json", schema: diffDocumentSchema, definitions: { FileState: fileStateSchema, ChangedFile: changedFileSchema } },
];
