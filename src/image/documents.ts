import { z } from "zod";
import { InputError } from "../errors.js";
import type { Descriptor, ImageConfig, Manifest } from "./types.js";

/** Schemas for the JSON documents images are made of; malformed input becomes an InputError. */
const platform = z.object({ os: z.string(), architecture: z.string(), variant: z.string().optional() }).passthrough();
const descriptor = z
  .object({
    mediaType: z.string(),
    digest: z.string().regex(/^sha256:[a-f0-9]{64}$/, "not a sha256 digest"),
    size: z.number().int().nonnegative(),
    annotations: z.record(z.string()).optional(),
    platform: platform.optional(),
    urls: z.array(z.string()).optional(),
  })
  .passthrough();
const manifest = z
  .object({
    schemaVersion: z.literal(2),
    mediaType: z.string().optional(),
    config: descriptor,
    layers: z.array(descriptor),
    annotations: z.record(z.string()).optional(),
  })
  .passthrough();
const index = z
  .object({
    schemaVersion: z.literal(2),
    mediaType: z.string().optional(),
    manifests: z.array(descriptor),
    annotations: z.record(z.string()).optional(),
  })
  .passthrough();
const config = z
  .object({
    architecture: z.string().default(""),
    os: z.string().default(""),
    config: z.record(z.unknown()).nullable().optional(),
    rootfs: z.object({ type: z.literal("layers"), diff_ids: z.array(z.string().regex(/^sha256:[a-f0-9]{64}$/)) }),
    history: z.array(z.record(z.unknown())).optional(),
  })
  .passthrough();
const dockerArchiveManifest = z.array(
  z
    .object({
      Config: z.string(),
      RepoTags: z.array(z.string()).nullable().optional(),
      Layers: z.array(z.string()),
    })
    .passthrough(),
);

export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export type DockerArchiveManifest = z.infer<typeof dockerArchiveManifest>;

function parseWith<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, bytes: Buffer, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch (e) {
    throw new InputError(`${what}: malformed JSON: ${(e as Error).message}`);
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new InputError(`${what}: invalid: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return r.data;
}

export const parseManifest = (b: Buffer, what: string): Manifest => parseWith(manifest, b, what) as unknown as Manifest;
export const parseIndex = (b: Buffer, what: string): Index => parseWith(index, b, what) as unknown as Index;
export const parseConfig = (b: Buffer, what: string): ImageConfig => {
  const c = parseWith(config, b, what) as unknown as ImageConfig;
  if (c.config === null) delete c.config;
  return c;
};
export const parseDockerArchiveManifest = (b: Buffer, what: string): DockerArchiveManifest =>
  parseWith(dockerArchiveManifest, b, what);

/** Peek at a JSON document's mediaType (manifests and indexes both carry one, or none). */
export function peekMediaType(b: Buffer, what: string): { mediaType?: string; isIndex: boolean } {
  let json: { mediaType?: unknown; manifests?: unknown };
  try {
    json = JSON.parse(b.toString("utf8"));
  } catch (e) {
    throw new InputError(`${what}: malformed JSON: ${(e as Error).message}`);
  }
  const mediaType = typeof json.mediaType === "string" ? json.mediaType : undefined;
  return { mediaType, isIndex: Array.isArray(json.manifests) };
}
