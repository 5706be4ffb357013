/** The document `imgdiet verify --json` prints, and the probe results slim and diet documents embed, as zod schemas. */
import { z } from "zod";
import { versionedDocument, type Assert, type Same } from "../document.js";
import type { ProbeResult } from "./types.js";
import type { ProbeVerdict, VerifyReport } from "./verify.js";

export const VERIFY_SCHEMA_VERSION = 1;

export const probeResultSchema = z
  .object({
    probe: z.string().describe("The probe's name."),
    exitCode: z.number().int().nullable().describe("The program's exit code; null when it was killed on timeout, never started, or (HTTP) was still serving."),
    stdout: z.string(),
    stderr: z.string(),
    http: z.object({ status: z.number().int(), body: z.string() }).strict().optional().describe("HTTP probes that got an answer."),
    timedOut: z.boolean(),
    error: z.string().optional().describe("Why the probe could not produce a result (cannot start, port never answered, …)."),
  })
  .strict();

export const probeVerdictSchema = z
  .object({
    name: z.string(),
    passed: z.boolean(),
    difference: z.string().optional().describe("One line saying how the candidate differs (or why nothing could be compared)."),
    originalFailed: z.boolean().optional().describe("The original image itself fails this probe."),
    original: probeResultSchema,
    candidate: probeResultSchema.optional().describe("Absent when the original failed and the candidate was not run."),
  })
  .strict();

export const verifyReportSchema = z
  .object({
    passed: z.boolean(),
    originalFailed: z.boolean().describe("True when at least one probe fails on the original: those probes verify nothing."),
    probes: z.array(probeVerdictSchema),
    firstDifference: z.string().optional(),
  })
  .strict();

export const verifyDocumentSchema = versionedDocument(verifyReportSchema, VERIFY_SCHEMA_VERSION, "The result of imgdiet verify: each probe's verdict on the original and the candidate");

export type VerifyDocument = z.infer<typeof verifyDocumentSchema>;

export function verifyDocument(r: VerifyReport): VerifyDocument {
  return { schemaVersion: VERIFY_SCHEMA_VERSION, ...r };
}

// The schemas describe the interfaces the code produces: a field added to one and not the other fails the type check.
export type VerifySchemasInSync = Assert<
  Same<ProbeResult, z.infer<typeof probeResultSchema>> & Same<ProbeVerdict, z.infer<typeof probeVerdictSchema>> & Same<VerifyReport, z.infer<typeof verifyReportSchema>>
>;
