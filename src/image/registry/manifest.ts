import { z } from "zod";
import { InputError } from "../../errors.js";
import { isIndexMediaType, isManifestMediaType, MediaType } from "../media-types.js";
import type { Descriptor, Manifest } from "../types.js";

/** Parsing and validation of what a registry answers to GET /v2/<name>/manifests/<ref>. */

export const MANIFEST_ACCEPT = [MediaType.ociIndex, MediaType.dockerManifestList, MediaType.ociManifest, MediaType.dockerManifest].join(", ");

const digest = z.string().regex(/^sha256:[a-f0-9]{64}$/, "not a sha256 digest");

const platform = z.object({
  os: z.string(),
  architecture: z.string(),
  variant: z.string().optional(),
});

const descriptor = z.object({
  mediaType: z.string(),
  digest,
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string()).optional(),
  platform: platform.optional(),
  urls: z.array(z.string()).optional(),
});

const imageManifest = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptor,
  layers: z.array(descriptor),
  annotations: z.record(z.string()).optional(),
});

const index = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptor),
});

export type ParsedManifest =
  | { kind: "manifest"; mediaType: string; manifest: Manifest }
  | { kind: "index"; mediaType: string; manifests: Descriptor[] };

function stripParams(contentType: string | undefined): string | undefined {
  return contentType?.split(";")[0]!.trim().toLowerCase() || undefined;
}

/** Parse manifest bytes; `contentType` is the response's Content-Type, used when the JSON has no mediaType. */
export function parseManifest(bytes: Buffer, contentType: string | undefined, what: string): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new InputError(`${what}: manifest is not valid JSON`);
  }
  if (typeof json !== "object" || json === null) throw new InputError(`${what}: manifest is not a JSON object`);
  const obj = json as Record<string, unknown>;
  if (obj.schemaVersion === 1) throw new InputError(`${what}: Docker schema 1 manifests are not supported`);
  const header = stripParams(contentType);
  let mediaType = typeof obj.mediaType === "string" ? obj.mediaType : undefined;
  if (!mediaType && (isIndexMediaType(header) || isManifestMediaType(header))) mediaType = header;
  if (!mediaType) mediaType = Array.isArray(obj.manifests) ? MediaType.ociIndex : MediaType.ociManifest;

  if (isIndexMediaType(mediaType)) {
    const r = index.safeParse(json);
    if (!r.success) throw new InputError(`${what}: malformed image index: ${issue(r.error)}`);
    return { kind: "index", mediaType, manifests: r.data.manifests.map(cleanDescriptor) };
  }
  if (isManifestMediaType(mediaType)) {
    const r = imageManifest.safeParse(json);
    if (!r.success) throw new InputError(`${what}: malformed image manifest: ${issue(r.error)}`);
    const m = r.data;
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType,
      config: cleanDescriptor(m.config),
      layers: m.layers.map(cleanDescriptor),
    };
    if (m.annotations) manifest.annotations = m.annotations;
    return { kind: "manifest", mediaType, manifest };
  }
  throw new InputError(`${what}: unsupported manifest media type ${mediaType}`);
}

/** Drop optional fields that are absent, so descriptors compare and serialise cleanly. */
function cleanDescriptor(d: z.infer<typeof descriptor>): Descriptor {
  const out: Descriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.annotations) out.annotations = d.annotations;
  if (d.platform) {
    out.platform = { os: d.platform.os, architecture: d.platform.architecture };
    if (d.platform.variant) out.platform.variant = d.platform.variant;
  }
  if (d.urls) out.urls = d.urls;
  return out;
}

function issue(e: z.ZodError): string {
  const first = e.issues[0];
  if (!first) return "invalid";
  return `${first.path.join(".") || "(root)"}: ${first.message}`;
}
