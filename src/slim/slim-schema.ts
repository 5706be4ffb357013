/** The document `imgdiet slim --json` prints, as a zod schema (schemas/slim.schema.json is generated from it). */
import { z } from "zod";
import { versionedDocument, type Assert, type Same } from "../document.js";
import { probeResultSchema, verifyReportSchema } from "../probe/verify-schema.js";
import type { SlimResult } from "./slim.js";

export const SLIM_SCHEMA_VERSION = 1;

/** A fresh schema at each use, so the generated JSON Schema inlines it instead of pointing into a sibling. */
const count = (): z.ZodNumber => z.number().int().nonnegative();

export const slimResultSchema = z
  .object({
    source: z.string(),
    output: z.string(),
    written: z.boolean().describe("Whether the image was written to output (only once it verified, or when verification is off)."),
    imageId: z.string(),
    originalSize: count().describe("Bytes, as docker images counts them."),
    size: count(),
    kept: z.array(z.object({ path: z.string(), reasons: z.array(z.string()) }).strict()).describe("Every kept path with the reasons it is kept."),
    removed: z
      .object({
        files: count(),
        bytes: count(),
        byDirectory: z.array(z.object({ path: z.string(), files: count(), bytes: count() }).strict()),
        byClass: z.array(z.object({ id: z.string(), title: z.string(), files: count(), bytes: count() }).strict()),
      })
      .strict(),
    notes: z.array(z.string()),
    missingLibraries: z.array(z.object({ name: z.string(), neededBy: z.string() }).strict()),
    probes: z.array(probeResultSchema).describe("The traced probes' results on the original: the given probes, then their shadow probes."),
    verify: verifyReportSchema.optional(),
    granularity: z.enum(["package", "file"]).describe("package: packages of interpreted runtimes the program reaches are kept whole; file: only the files reached."),
    packages: z
      .array(
        z
          .object({
            runtime: z.enum(["node", "python", "ruby", "php"]),
            name: z.string(),
            path: z.string().describe("The package directory (or module file), absolute."),
            reason: z.string(),
            addedFiles: count().describe("Files kept only because the package is kept whole (file granularity would drop them)."),
            addedBytes: count(),
          })
          .strict(),
      )
      .describe("Packages kept whole, with what that added over file granularity."),
    coverage: z
      .object({
        appFiles: count().describe("The application's own regular files: from ADD/COPY layers outside package and system directories, and source modules in its directory."),
        appBytes: count(),
        unreached: z
          .array(z.object({ path: z.string(), bytes: count() }).strict())
          .describe("Own files that neither the trace nor the static closure reached: a route or command no probe exercised."),
        unreachedBytes: count(),
        keptByDefault: z.boolean().describe("Whether the unreached own files were kept anyway (the default)."),
      })
      .strict(),
  })
  .strict();

export const slimDocumentSchema = versionedDocument(slimResultSchema, SLIM_SCHEMA_VERSION, "The result of imgdiet slim: what was kept and why, what was removed, and the verification");

export type SlimDocument = z.infer<typeof slimDocumentSchema>;

export function slimDocument(r: SlimResult): SlimDocument {
  return { schemaVersion: SLIM_SCHEMA_VERSION, ...r };
}

// The schema describes SlimResult: a field added to one and not the other fails the type check.
export type SlimSchemaInSync = Assert<Same<SlimResult, z.infer<typeof slimResultSchema>>>;
