import type { Readable } from "node:stream";
import { InputError } from "../../errors.js";
import { decompress } from "../../io/decompress.js";
import { isDigest, sha256, VerifyingStream } from "../digest.js";
import { layerCompression } from "../media-types.js";
import type { OpenOptions } from "../transport.js";
import type { Compression, Descriptor, Image, Layer, Manifest } from "../types.js";
import { parseConfig } from "../documents.js";
import { openBlob, pullScope, readSmallBlob, type BlobLocation } from "./blob.js";
import type { RegistryClient } from "./client.js";
import { readBody } from "./http.js";
import { MANIFEST_ACCEPT, parseManifest, type ParsedManifest } from "./manifest.js";
import { hostPlatform, selectManifest } from "../platform.js";

/** Opening an image from a registry: manifest (through an index if need be), config, lazy layers. */

export interface RegistryTarget {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
  raw: string;
}

const MANIFEST_LIMIT = 4 * 1024 * 1024;

export function repositoryName(t: Pick<RegistryTarget, "registry" | "repository">): string {
  return `docker://${t.registry}/${t.repository}`;
}

interface FetchedManifest {
  parsed: ParsedManifest;
  digest: string;
  /** The bytes as sent (verified against the digest). */
  bytes: Buffer;
}

/** GET a manifest by tag or digest; a digest reference is verified, and so is the registry's Docker-Content-Digest. */
async function fetchManifest(loc: BlobLocation, reference: string, expected: string | undefined, notFound: string): Promise<FetchedManifest> {
  if (expected !== undefined && !isDigest(expected)) {
    throw new InputError(`${loc.name}@${expected}: only sha256 digests are supported`);
  }
  const res = await loc.client.request({
    method: "GET",
    path: `${loc.repository}/manifests/${reference}`,
    scope: pullScope(loc.repository),
    headers: { Accept: MANIFEST_ACCEPT },
    ok: [200],
    followRedirects: true,
    notFound,
  });
  const what = `${loc.name}@${expected ?? reference}`;
  const bytes = await readBody(res, MANIFEST_LIMIT, `${what} manifest`);
  const digest = sha256(bytes);
  if (expected !== undefined && digest !== expected) {
    throw new InputError(`${loc.name} manifest ${expected}: digest mismatch: got ${digest}`);
  }
  const claimed = res.headers["docker-content-digest"];
  if (typeof claimed === "string" && isDigest(claimed) && claimed !== digest) {
    throw new InputError(`${loc.name} manifest ${claimed}: digest mismatch: the registry sent content with digest ${digest}`);
  }
  return { parsed: parseManifest(bytes, res.headers["content-type"], what), digest, bytes };
}

class RegistryLayer implements Layer {
  readonly compression: Compression;
  constructor(
    private readonly loc: BlobLocation,
    readonly descriptor: Descriptor,
    readonly diffId: string,
  ) {
    this.compression = layerCompression(descriptor.mediaType);
  }

  blob(): Promise<Readable> {
    return openBlob(this.loc, this.descriptor.digest, this.descriptor.size);
  }

  async uncompressed(): Promise<Readable> {
    const blob = await this.blob();
    const tar = decompress(blob, this.compression, `${this.loc.name} blob ${this.descriptor.digest}`);
    const verify = new VerifyingStream(this.diffId, `${this.loc.name} layer ${this.diffId} (blob ${this.descriptor.digest})`);
    tar.on("error", (e) => verify.destroy(e));
    verify.on("close", () => {
      if (!blob.readableEnded) blob.destroy();
      if (tar !== blob && !tar.readableEnded) tar.destroy();
    });
    return tar.pipe(verify);
  }
}

export async function pullImage(client: RegistryClient, target: RegistryTarget, opts: OpenOptions): Promise<Image> {
  const name = repositoryName(target);
  const loc: BlobLocation = { client, repository: target.repository, name };
  const reference = target.digest ?? target.tag ?? "latest";
  const notFound = `image not found: ${target.raw}`;
  let { parsed, bytes: rawManifest } = await fetchManifest(loc, reference, target.digest, notFound);

  if (parsed.kind === "index") {
    const chosen = selectManifest(parsed.manifests, opts.platform ?? hostPlatform(), target.raw);
    const inner = await fetchManifest(loc, chosen.digest, chosen.digest, `image not found: ${name}@${chosen.digest} (listed in ${target.raw})`);
    if (inner.parsed.kind !== "manifest") throw new InputError(`${target.raw}: nested image indexes are not supported`);
    parsed = inner.parsed;
    rawManifest = inner.bytes;
  }
  const manifest: Manifest = parsed.manifest;
  for (const l of manifest.layers) layerCompression(l.mediaType); // unknown layer types fail on open, not on first read

  const rawConfig = await readSmallBlob(loc, manifest.config.digest, manifest.config.size, "config");
  const config = parseConfig(rawConfig, `${name} config ${manifest.config.digest}`);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw new InputError(`${target.raw}: the manifest lists ${manifest.layers.length} layers but the config has ${diffIds.length} diff_ids`);
  }
  const layers = manifest.layers.map((d, i) => new RegistryLayer(loc, d, diffIds[i]!));
  return {
    source: target.raw,
    manifest,
    rawManifest,
    rawConfig,
    config,
    layers,
    close: async () => undefined,
  };
}
