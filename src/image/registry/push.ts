import type { Readable } from "node:stream";
import { EnvironmentError, InputError } from "../../errors.js";
import { isDigest, sha256, VerifyingStream } from "../digest.js";
import { layerMediaType, MediaType } from "../media-types.js";
import type { WriteResult } from "../transport.js";
import type { Descriptor, Image, Layer, Manifest } from "../types.js";
import { apiHost, withRetries, type RegistryClient } from "./client.js";
import { drain } from "./http.js";
import { repositoryName, type RegistryTarget } from "./pull.js";
import { parseReference, type Reference } from "../reference.js";
import { reusableManifest, type ManifestBytes } from "../raw-manifest.js";

/**
 * Writing an image to a registry: every blob is checked with HEAD and uploaded only when missing
 * (POST an upload session, then one monolithic PUT that streams the blob), then the manifest is
 * PUT to the tag or digest. Config and layer bytes are sent exactly as they are, so the config
 * digest and the diff_ids survive.
 */

const UPLOAD_CONCURRENCY = 3;

export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

export type ManifestFamily = "oci" | "docker";

/** The family the source image's manifest belongs to (OCI when it does not say). */
export function manifestFamily(m: Manifest): ManifestFamily {
  const mt = m.mediaType ?? "";
  if (mt === MediaType.dockerManifest) return "docker";
  if (mt === MediaType.ociManifest) return "oci";
  return m.config.mediaType === MediaType.dockerConfig ? "docker" : "oci";
}

/**
 * The manifest to write: the source's own bytes when they still fit the image (the digest survives),
 * else one of the same family, config descriptor computed from the exact config bytes.
 */
export function buildManifest(image: Image): ManifestBytes {
  const reused = reusableManifest(image);
  if (reused && (reused.mediaType === MediaType.dockerManifest || reused.mediaType === MediaType.ociManifest)) return reused;
  const family = manifestFamily(image.manifest);
  const mediaType = family === "docker" ? MediaType.dockerManifest : MediaType.ociManifest;
  const config: Descriptor = {
    mediaType: family === "docker" ? MediaType.dockerConfig : MediaType.ociConfig,
    digest: sha256(image.rawConfig),
    size: image.rawConfig.length,
  };
  const layers = image.layers.map((l) => {
    const d: Descriptor = { mediaType: layerMediaType(l.compression, family), digest: l.descriptor.digest, size: l.descriptor.size };
    if (family === "oci" && l.descriptor.annotations && Object.keys(l.descriptor.annotations).length) d.annotations = l.descriptor.annotations;
    return d;
  });
  const manifest: Record<string, unknown> = { schemaVersion: 2, mediaType, config, layers };
  if (family === "oci" && image.manifest.annotations && Object.keys(image.manifest.annotations).length) {
    manifest.annotations = image.manifest.annotations;
  }
  const bytes = Buffer.from(JSON.stringify(manifest), "utf8");
  return { bytes, mediaType, digest: sha256(bytes) };
}

/** The upload URL with `digest=` added, keeping any query the registry put in its Location. */
export function completeUploadUrl(location: string, requestUrl: URL, digest: string): URL {
  const url = new URL(location, requestUrl);
  const param = `digest=${encodeURIComponent(digest)}`;
  url.search = url.search && url.search !== "?" ? `${url.search}&${param}` : `?${param}`;
  return url;
}

interface PushContext {
  client: RegistryClient;
  repository: string;
  name: string;
  /** A repository of the same registry the image was read from: its blobs can be mounted, not sent. */
  mountFrom?: string;
}

/** The source repository to mount blobs from, when the image was read from the same registry. */
export function mountSource(image: Pick<Image, "source">, target: Pick<RegistryTarget, "registry" | "repository">): string | undefined {
  let src: Reference;
  try {
    src = parseReference(image.source);
  } catch {
    return undefined;
  }
  if (src.transport !== "registry" || apiHost(src.registry) !== apiHost(target.registry)) return undefined;
  return src.repository === target.repository ? undefined : src.repository;
}

/** HEAD a blob: true when the registry already has it. */
async function blobExists(ctx: PushContext, digest: string): Promise<boolean> {
  const res = await ctx.client.request({
    method: "HEAD",
    path: `${ctx.repository}/blobs/${digest}`,
    scope: pushScope(ctx.repository),
    ok: [200, 404],
    followRedirects: true,
  });
  await drain(res);
  return res.statusCode === 200;
}

async function uploadBlob(ctx: PushContext, digest: string, size: number, body: Buffer | (() => Promise<Readable>)): Promise<void> {
  if (await blobExists(ctx, digest)) return;
  // With a source repository on the same registry, ask for a cross-repository mount: 201 means the
  // blob is linked without sending it; 202 means the registry declined and opened a normal upload.
  const mount = ctx.mountFrom ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(ctx.mountFrom)}` : "";
  const start = await ctx.client.request({
    method: "POST",
    path: `${ctx.repository}/blobs/uploads/${mount}`,
    scope: pushScope(ctx.repository),
    ok: mount ? [201, 202] : [202],
  });
  await drain(start);
  if (start.statusCode === 201) {
    const mounted = start.headers["docker-content-digest"];
    if (typeof mounted === "string" && isDigest(mounted) && mounted !== digest) {
      throw new EnvironmentError(`${ctx.client.registry}: mounted blob ${digest} as ${mounted}`);
    }
    return;
  }
  const location = start.headers.location;
  if (!location) throw new EnvironmentError(`${ctx.client.registry}: upload session for ${digest} has no Location`);
  const url = completeUploadUrl(location, ctx.client.url(`${ctx.repository}/blobs/uploads/`), digest);
  const done = await ctx.client.request({
    method: "PUT",
    path: url,
    scope: pushScope(ctx.repository),
    headers: { "Content-Type": "application/octet-stream" },
    body,
    contentLength: size,
    ok: [201, 204],
  });
  await drain(done);
  const stored = done.headers["docker-content-digest"];
  if (typeof stored === "string" && isDigest(stored) && stored !== digest) {
    throw new EnvironmentError(`${ctx.client.registry}: stored blob ${digest} as ${stored}`);
  }
}

/** Run tasks with at most `limit` at once; the first failure rejects (the others finish or fail on their own). */
async function eachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await run(item);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function layerBody(ctx: PushContext, layer: Layer): () => Promise<Readable> {
  return async () => {
    const blob = await layer.blob();
    // Checked again here: whatever the source transport did, we send exactly the bytes the manifest names.
    const verify = new VerifyingStream(layer.descriptor.digest, `${ctx.name}: layer blob ${layer.descriptor.digest}`, layer.descriptor.size);
    blob.on("error", (e) => verify.destroy(e));
    verify.on("close", () => {
      if (!blob.readableEnded) blob.destroy();
    });
    return blob.pipe(verify);
  };
}

export async function pushImage(client: RegistryClient, image: Image, target: RegistryTarget): Promise<WriteResult> {
  const ctx: PushContext = { client, repository: target.repository, name: repositoryName(target), mountFrom: mountSource(image, target) };
  const manifest = buildManifest(image);
  if (target.digest !== undefined && target.digest !== manifest.digest) {
    throw new InputError(`${target.raw}: the image's manifest would have digest ${manifest.digest}, not ${target.digest}`);
  }

  const seen = new Set<string>();
  const layers = image.layers.filter((l) => !seen.has(l.descriptor.digest) && seen.add(l.descriptor.digest));
  // A blob upload that fails in passing starts over (a new session; the body is read again).
  await eachLimited(layers, UPLOAD_CONCURRENCY, (l) => withRetries(() => uploadBlob(ctx, l.descriptor.digest, l.descriptor.size, layerBody(ctx, l))));
  const configDigest = sha256(image.rawConfig);
  if (!seen.has(configDigest)) await withRetries(() => uploadBlob(ctx, configDigest, image.rawConfig.length, image.rawConfig));

  const res = await withRetries(() => client.request({
    method: "PUT",
    path: `${target.repository}/manifests/${target.tag ?? manifest.digest}`,
    scope: pushScope(target.repository),
    headers: { "Content-Type": manifest.mediaType },
    body: manifest.bytes,
    ok: [200, 201, 204],
  }));
  await drain(res);
  const stored = res.headers["docker-content-digest"];
  if (typeof stored === "string" && isDigest(stored) && stored !== manifest.digest) {
    throw new EnvironmentError(`${client.registry}: stored manifest ${manifest.digest} as ${stored}`);
  }
  return { reference: target.raw, digest: manifest.digest };
}
