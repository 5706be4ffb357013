/**
 * What a registry answers to GET /v2/<name>/manifests/<ref>: the Accept header we send, and parsing
 * through the shared document schemas (image/documents.ts), with the Content-Type as the hint.
 */
import { parseImageDocument, type ParsedManifest } from "../documents.js";
import { MediaType } from "../media-types.js";

export type { ParsedManifest };

export const MANIFEST_ACCEPT = [MediaType.ociIndex, MediaType.dockerManifestList, MediaType.ociManifest, MediaType.dockerManifest].join(", ");

/** Parse manifest bytes; `contentType` is the response's Content-Type, used when the JSON has no mediaType. */
export function parseManifest(bytes: Buffer, contentType: string | undefined, what: string): ParsedManifest {
  return parseImageDocument(bytes, what, contentType);
}
