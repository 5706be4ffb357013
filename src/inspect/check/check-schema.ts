/** The document `imgdiet check --json` prints, as a zod schema (schemas/check.schema.json is generated from it). */
import { z } from "zod";
import { versionedDocument } from "../../document.js";
import { findingSchema, severitySchema } from "../../finding/finding.js";

export const CHECK_SCHEMA_VERSION = 1;

export const CHECK_RULE_IDS = ["max-size", "min-efficiency", "max-wasted-bytes", "max-user-wasted-percent", "max-growth", "fail-on"] as const;

const bytes = (): z.ZodNumber => z.number().int().nonnegative();
const count = (): z.ZodNumber => z.number().int().nonnegative();

export const ruleResultSchema = z
  .object({
    rule: z.enum(CHECK_RULE_IDS).describe("The gate rule."),
    passed: z.boolean(),
    measured: z.number().describe("What the image measured, in `unit` (growth may be negative)."),
    threshold: z.number().describe("The limit it was compared with, in `unit`."),
    unit: z.enum(["bytes", "ratio", "count"]).describe("bytes; ratio (0..1, growth may exceed 1); count (findings)."),
    passesWhen: z.enum(["<=", ">="]).describe("The rule passes when `measured passesWhen threshold` (min-efficiency: >=; every other rule: <=)."),
    source: z.string().describe("The setting that gave the threshold: a flag (--max-size), `.imgdiet.yaml check.max-size`, `.dive-ci rules.lowestEfficiency`, or dive's default."),
    severity: severitySchema.optional().describe("fail-on only: the lowest severity that fails the gate."),
  })
  .strict();

export const checkMeasuredSchema = z
  .object({
    size: bytes().describe("Engine size, as `docker images` counts it."),
    efficiency: z.number().min(0).max(1).describe("dive's efficiency score."),
    wastedBytes: bytes().describe("dive's wasted bytes."),
    userWastedPercent: z.number().nonnegative().describe("dive's wasted bytes ÷ bytes of all layers but the first; a ratio."),
    findings: z.object({ error: count(), warning: count(), info: count() }).strict().describe("analyze's findings by severity."),
  })
  .strict();

export const baselineMeasureSchema = z
  .object({
    reference: z.string(),
    imageId: z.string(),
    size: bytes().describe("The baseline's engine size."),
    growthBytes: z.number().int().describe("size − baseline size (negative when the image shrank)."),
    growthRatio: z.number().describe("growthBytes ÷ baseline size (0 when the baseline is empty)."),
  })
  .strict();

export const checkResultSchema = z
  .object({
    reference: z.string().describe("The image checked, as given."),
    imageId: z.string().describe("Its config digest."),
    passed: z.boolean().describe("True when every rule passed (exit 0); false exits 1."),
    measured: checkMeasuredSchema,
    baseline: baselineMeasureSchema.optional().describe("The baseline image and the growth against it, when one was given."),
    rules: z.array(ruleResultSchema).describe("Every rule that ran, in a fixed order."),
    failures: z.array(findingSchema).describe("What failed, as findings: one per failed threshold rule, and each analyze finding that tripped fail-on."),
  })
  .strict();

export const checkDocumentSchema = versionedDocument(checkResultSchema, CHECK_SCHEMA_VERSION, "The result of imgdiet check: the CI gate's rules, what the image measured, and what failed");

export type RuleResult = z.infer<typeof ruleResultSchema>;
export type CheckMeasured = z.infer<typeof checkMeasuredSchema>;
export type BaselineMeasure = z.infer<typeof baselineMeasureSchema>;
export type CheckReport = z.infer<typeof checkDocumentSchema>;
export type CheckRuleId = (typeof CHECK_RULE_IDS)[number];
