/** The document `imgdiet copy --json` prints, as a zod schema (schemas/copy.schema.json is generated from it). */
import { z } from "zod";
import { versionedDocument, type Assert, type Same } from "../document.js";
import type { WriteResult } from "./transport.js";

export const COPY_SCHEMA_VERSION = 1;

export const writeResultSchema = z
  .object({
    reference: z.string().describe("Where the image now is, as a reference string."),
    digest: z.string().regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/).describe("Digest of the manifest as written (registry, OCI); the config digest for daemon and docker-archive."),
  })
  .strict();

export const copyDocumentSchema = versionedDocument(writeResultSchema, COPY_SCHEMA_VERSION, "The result of imgdiet copy: where the image was written and its digest");

export type CopyDocument = z.infer<typeof copyDocumentSchema>;

export function copyDocument(r: WriteResult): CopyDocument {
  return { schemaVersion: COPY_SCHEMA_VERSION, ...r };
}

// The schema describes WriteResult: a field added to one and not the other fails the type check.
export type CopySchemaInSync = Assert<Same<WriteResult, z.infer<typeof writeResultSchema>>>;
