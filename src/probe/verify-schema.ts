/** The document `imgdiet verify --json` prints, and the probe results slim and diet documents embed, as zod schemas. */
import { z } from "zod";
import { versionedDocument, type Assert, type Same } from "../document.js";
import type { ProbeResult } from "./types.js";
import type { ProbeVerdict, ShadowSummary, VerifyReport } from "./verify.js";

export const VERIFY_SCHEMA_VERSION = 1;

export const probeResultSchema = z
  .object({
    probe: z.string().describe("The probe's name."),
    exitCode: z.number().int().nullable().describe("The program's exit code; null when it was killed on timeout, never started, or (HTTP) was still serving."),
    stdout: z.string(),
    stderr: z.string(),
    http: z
      .object({
        status: z.number().int(),
        body: z.string().describe("Decoded as a client that accepts gzip and br reads it."),
        headers: z.record(z.string()).optional().describe("Content-Type, Location, Allow, Content-Encoding as sent (lower-case names)."),
        tls: z.boolean().optional().describe("True when the port spoke TLS."),
      })
      .strict()
      .optional()
      .describe("HTTP probes that got an answer."),
    timedOut: z.boolean(),
    error: z.string().optional().describe("Why the probe could not produce a result (cannot start, port never answered, …)."),
  })
  .strict();

const shadowOriginSchema = z
  .object({ of: z.string().describe("The given probe it was derived from."), variant: z.string().describe('e.g. "unknown path", "HEAD", "--help".') })
  .strict();

export const probeVerdictSchema = z
  .object({
    name: z.string(),
    shadow: shadowOriginSchema.optional().describe("Set on shadow probes (inputs nobody wrote, derived from the given probes)."),
    passed: z.boolean(),
    difference: z.string().optional().describe("One line saying how the candidate differs (or why nothing could be compared)."),
    originalFailed: z.boolean().optional().describe("Never set since shadow probes: an original that fails its own probes is refused (exit 2) before any verdict."),
    original: probeResultSchema,
    candidate: probeResultSchema.optional().describe("Absent when the original failed and the candidate was not run."),
  })
  .strict();

const count = (): z.ZodNumber => z.number().int().nonnegative();

export const shadowSummarySchema = z
  .object({
    derived: count().describe("Shadow probes derived from the given probes."),
    nondeterministic: count().describe("Dropped: the original answered them differently on two runs."),
    originalFails: count().describe("Dropped: the original itself fails them (cannot start, times out, no answer)."),
    ran: count().describe("Run on the candidate."),
    passed: count().describe("Of those, answered as the original does."),
  })
  .strict();

export const verifyReportSchema = z
  .object({
    passed: z.boolean(),
    originalFailed: z.boolean().describe("Always false: an original that fails its own probes is refused (exit 2) before any verdict."),
    probes: z.array(probeVerdictSchema).describe("The given probes' verdicts, then the shadow probes'."),
    firstDifference: z.string().optional(),
    shadow: shadowSummarySchema.optional().describe("Absent when shadow probes are off (--no-shadow)."),
  })
  .strict();

export const verifyDocumentSchema = versionedDocument(verifyReportSchema, VERIFY_SCHEMA_VERSION, "The result of imgdiet verify: each probe's verdict on the original and the candidate");

export type VerifyDocument = z.infer<typeof verifyDocumentSchema>;

export function verifyDocument(r: VerifyReport): VerifyDocument {
  return { schemaVersion: VERIFY_SCHEMA_VERSION, ...r };
}

// The schemas describe the interfaces the code produces: a field added to one and not the other fails the type check.
export type VerifySchemasInSync = Assert<
  Same<ProbeResult, z.infer<typeof probeResultSchema>> & Same<ProbeVerdict, z.infer<typeof probeVerdictSchema>> & Same<VerifyReport, z.infer<typeof verifyReportSchema>> & Same<ShadowSummary, z.infer<typeof shadowSummarySchema>>
>;
