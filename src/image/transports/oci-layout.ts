import type { Readable } from "node:stream";
import { InputError } from "../../errors.js";
import { digestHex, sha256 } from "../digest.js";
import { parseConfig, parseImageDocument, parseIndex, type Index } from "../documents.js";
import { makeLayer } from "../layer.js";
import { MediaType, layerCompression, layerMediaType } from "../media-types.js";
import { hostPlatform, selectManifest } from "../platform.js";
import type { OpenOptions } from "../transport.js";
import type { Descriptor, Image, Manifest } from "../types.js";
import { reusableManifest } from "../raw-manifest.js";

/** Where an OCI layout's files live: a directory or a tar archive. */
export interface LayoutStore {
  exists(path: string): boolean | Promise<boolean>;
  readSmall(path: string): Promise<Buffer>;
  stream(path: string): Promise<Readable>;
}

export const REF_ANNOTATION = "org.opencontainers.image.ref.name";

export function blobPath(digest: string): string {
  return `blobs/sha256/${digestHex(digest)}`;
}

async function readVerified(store: LayoutStore, d: Descriptor, what: string): Promise<Buffer> {
  if (!(await store.exists(blobPath(d.digest)))) throw new InputError(`${what}: missing blob ${d.digest}`);
  const b = await store.readSmall(blobPath(d.digest));
  const got = sha256(b);
  if (got !== d.digest) throw new InputError(`${what}: blob ${d.digest}: digest mismatch: got ${got}`);
  return b;
}

function pickByRef(index: Index, ref: string | undefined, what: string): Descriptor {
  if (ref === undefined) {
    if (index.manifests.length === 1) return index.manifests[0]!;
    const refs = index.manifests.map((m) => m.annotations?.[REF_ANNOTATION]).filter(Boolean);
    if (index.manifests.length === 0) throw new InputError(`${what}: the layout holds no image`);
    throw new InputError(`${what}: the layout holds ${index.manifests.length} images; name one (${refs.join(", ")})`);
  }
  const d = index.manifests.find((m) => m.annotations?.[REF_ANNOTATION] === ref);
  if (!d) throw new InputError(`${what}: no image named ${ref} in the layout`);
  return d;
}

/** Open one image of an OCI layout: index.json → (index →)* manifest → config and layers. */
export async function openLayout(store: LayoutStore, ref: string | undefined, source: string, opts: OpenOptions): Promise<Image> {
  const what = source;
  if (!(await store.exists("index.json"))) throw new InputError(`${what}: not an OCI layout (no index.json)`);
  const top = parseIndex(await store.readSmall("index.json"), `${what}: index.json`);
  let desc = pickByRef(top, ref, what);
  for (let depth = 0; ; depth++) {
    if (depth > 4) throw new InputError(`${what}: indexes nested too deep`);
    const bytes = await readVerified(store, desc, what);
    const doc = parseImageDocument(bytes, `${what}: ${desc.digest}`, desc.mediaType);
    if (doc.kind === "index") {
      desc = selectManifest(doc.manifests, opts.platform ?? hostPlatform(), what);
      continue;
    }
    return imageFromManifest(store, doc.manifest, bytes, source);
  }
}

async function imageFromManifest(store: LayoutStore, manifest: Manifest, rawManifest: Buffer, source: string): Promise<Image> {
  const what = source;
  const rawConfig = await readVerified(store, manifest.config, what);
  const config = parseConfig(rawConfig, `${what}: config`);
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new InputError(`${what}: ${manifest.layers.length} layers in the manifest but ${config.rootfs.diff_ids.length} diff_ids in the config`);
  }
  const layers = await Promise.all(manifest.layers.map(async (d, i) => {
    const path = blobPath(d.digest);
    if (!(await store.exists(path))) throw new InputError(`${what}: missing blob ${d.digest}`);
    return makeLayer({
      descriptor: d,
      diffId: config.rootfs.diff_ids[i]!,
      compression: layerCompression(d.mediaType),
      open: () => store.stream(path),
      what: `${what}: layer`,
    });
  }));
  return { source, manifest, rawManifest, rawConfig, config, layers, close: async () => undefined };
}

/**
 * The image's manifest in OCI media types (config bytes and layer blobs unchanged): the bytes it was
 * read with when they are an OCI manifest that still fits, so an OCI-to-OCI copy keeps the digest.
 */
export function ociManifestFor(image: Image): { bytes: Buffer; digest: string } {
  const reused = reusableManifest(image, MediaType.ociManifest);
  if (reused) return reused;
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: image.manifest.config.digest, size: image.rawConfig.length },
    layers: image.layers.map((l) => ({
      mediaType: layerMediaType(l.compression, "oci"),
      digest: l.descriptor.digest,
      size: l.descriptor.size,
      ...(l.descriptor.annotations ? { annotations: l.descriptor.annotations } : {}),
    })),
    ...(image.manifest.annotations && Object.keys(image.manifest.annotations).length ? { annotations: image.manifest.annotations } : {}),
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  return { bytes, digest: sha256(bytes) };
}

/** index.json for a layout: keep other images, replace the one with the same ref name. */
export function updatedIndex(existing: Index | undefined, manifest: { bytes: Buffer; digest: string }, ref: string | undefined, platform: { os: string; architecture: string }): Buffer {
  const d: Descriptor = {
    mediaType: MediaType.ociManifest,
    digest: manifest.digest,
    size: manifest.bytes.length,
    platform: { os: platform.os, architecture: platform.architecture },
    ...(ref ? { annotations: { [REF_ANNOTATION]: ref } } : {}),
  };
  const keep = (existing?.manifests ?? []).filter((m) => (ref ? m.annotations?.[REF_ANNOTATION] !== ref : false));
  const index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [...keep, d] };
  return Buffer.from(JSON.stringify(index, null, 2));
}

export const OCI_LAYOUT_FILE = Buffer.from(JSON.stringify({ imageLayoutVersion: "1.0.0" }));
