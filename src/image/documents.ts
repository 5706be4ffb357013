/**
 * The one set of schemas (zod) for the JSON documents images are made of — image manifest (Docker
 * v2 schema 2 and OCI), index / manifest list, image config and the docker-archive `manifest.json` —
 * shared by every transport (docker-archive, docker-daemon, oci, oci-archive, registry), so the same
 * image gives the same parsed documents from any of them. A document that does not fit is an
 * InputError naming the field: `…: config: config.Cmd: expected array, received string`.
 */
import { z } from "zod";
import { InputError } from "../errors.js";
import { isIndexMediaType, isManifestMediaType, MediaType } from "./media-types.js";
import type { Descriptor, ImageConfig, Manifest } from "./types.js";

const digest = z.string().regex(/^sha256:[a-f0-9]{64}$/, "not a sha256 digest");
const stringMap = z.record(z.string());

const platform = z.object({ os: z.string(), architecture: z.string(), variant: z.string().optional() });

/** Descriptors keep the fields of the model only, so they compare and serialise the same everywhere. */
const descriptor = z.object({
  mediaType: z.string(),
  digest,
  size: z.number().int().nonnegative(),
  annotations: stringMap.optional(),
  platform: platform.optional(),
  urls: z.array(z.string()).optional(),
});

const manifest = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptor,
  layers: z.array(descriptor),
  annotations: stringMap.optional(),
});

const index = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptor),
  annotations: stringMap.optional(),
});

/** A string field that some writers set to null: read as absent. */
const optionalString = z.preprocess((v) => (v === null ? undefined : v), z.string().optional());
const stringList = z.array(z.string()).nullable().optional();
const objectMap = z.record(z.object({}).passthrough()).nullable().optional();

/** The runtime part of the config: the fields imgdiet reads are typed, the others kept as they are. */
const containerConfig = z
  .object({
    User: optionalString,
    ExposedPorts: objectMap,
    Env: stringList,
    Entrypoint: stringList,
    Cmd: stringList,
    Volumes: objectMap,
    WorkingDir: optionalString,
    Labels: z.record(z.string()).nullable().optional(),
    StopSignal: optionalString,
    Healthcheck: z.object({ Test: stringList }).passthrough().nullable().optional(),
    Shell: stringList,
  })
  .passthrough();

const history = z
  .object({
    created: optionalString,
    created_by: optionalString,
    author: optionalString,
    comment: optionalString,
    empty_layer: z.boolean().optional(),
  })
  .passthrough();

/** `os` and `architecture` are required by the OCI spec, but some builders leave them out: read as "". */
const config = z
  .object({
    architecture: z.string().default(""),
    os: z.string().default(""),
    variant: optionalString,
    created: optionalString,
    author: optionalString,
    config: containerConfig.nullable().optional(),
    rootfs: z.object({ type: z.literal("layers"), diff_ids: z.array(digest) }),
    history: z.array(history).optional(),
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

/** What a manifest reference points at: one image's manifest, or an index of them. */
export type ParsedManifest =
  | { kind: "manifest"; mediaType: string; manifest: Manifest }
  | { kind: "index"; mediaType: string; manifests: Descriptor[] };

function parseJson(bytes: Buffer, what: string, kind: string): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (e) {
    throw new InputError(`${what}: malformed JSON: ${kind} is not valid JSON (${(e as Error).message})`);
  }
}

/** The first problem, as `PATH: message` (zod's "Expected array, received string" in lower case). */
function describeIssue(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return "invalid";
  const message = first.message.charAt(0).toLowerCase() + first.message.slice(1);
  return `${first.path.join(".") || "(top level)"}: ${message}`;
}

function check<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, json: unknown, what: string): T {
  const r = schema.safeParse(json);
  if (!r.success) throw new InputError(`${what}: ${describeIssue(r.error)}`);
  return r.data;
}

function parseWith<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, bytes: Buffer, what: string, kind: string): T {
  return check(schema, parseJson(bytes, what, kind), what);
}

export const parseManifest = (b: Buffer, what: string): Manifest => parseWith(manifest, b, what, "image manifest") as Manifest;
export const parseIndex = (b: Buffer, what: string): Index => parseWith(index, b, what, "image index") as Index;
export const parseConfig = (b: Buffer, what: string): ImageConfig => {
  const c = parseWith(config, b, what, "image config") as unknown as ImageConfig;
  if (c.config === null) delete c.config;
  return c;
};
export const parseDockerArchiveManifest = (b: Buffer, what: string): DockerArchiveManifest =>
  parseWith(dockerArchiveManifest, b, what, "docker-archive manifest.json");

/**
 * Parse what a manifest reference resolves to. The media type comes from the JSON, else from `hint`
 * (a registry's Content-Type, or the descriptor that pointed here) when it names a manifest or an
 * index, else from the shape (a `manifests` list means an index).
 */
export function parseImageDocument(bytes: Buffer, what: string, hint?: string): ParsedManifest {
  const json = parseJson(bytes, what, "manifest");
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new InputError(`${what}: not a JSON object`);
  const obj = json as Record<string, unknown>;
  if (obj.schemaVersion === 1) throw new InputError(`${what}: Docker schema 1 manifests are not supported`);
  const hinted = hint?.split(";")[0]!.trim().toLowerCase();
  let mediaType = typeof obj.mediaType === "string" ? obj.mediaType : undefined;
  if (!mediaType && (isIndexMediaType(hinted) || isManifestMediaType(hinted))) mediaType = hinted;
  if (!mediaType) mediaType = Array.isArray(obj.manifests) ? MediaType.ociIndex : MediaType.ociManifest;
  if (isIndexMediaType(mediaType)) {
    return { kind: "index", mediaType, manifests: check(index, json, `${what}: image index`).manifests as Descriptor[] };
  }
  if (isManifestMediaType(mediaType)) {
    const m = check(manifest, json, `${what}: image manifest`) as Manifest;
    const out: Manifest = { schemaVersion: 2, mediaType, config: m.config, layers: m.layers };
    if (m.annotations) out.annotations = m.annotations;
    return { kind: "manifest", mediaType, manifest: out };
  }
  throw new InputError(`${what}: unsupported manifest media type ${mediaType}`);
}
