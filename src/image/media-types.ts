import { InputError } from "../errors.js";
import type { Compression } from "./types.js";

export const MediaType = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  ociLayerNondistributableGzip: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar",
  dockerForeignLayerGzip: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
} as const;

export function isIndexMediaType(mt: string | undefined): boolean {
  return mt === MediaType.ociIndex || mt === MediaType.dockerManifestList;
}

export function isManifestMediaType(mt: string | undefined): boolean {
  return mt === MediaType.ociManifest || mt === MediaType.dockerManifest;
}

/** Compression of a layer blob from its media type; unknown layer types are an input error. */
export function layerCompression(mediaType: string): Compression {
  switch (mediaType) {
    case MediaType.ociLayer:
    case MediaType.dockerLayer:
    case "application/vnd.oci.image.layer.nondistributable.v1.tar":
      return "none";
    case MediaType.ociLayerGzip:
    case MediaType.dockerLayerGzip:
    case MediaType.ociLayerNondistributableGzip:
    case MediaType.dockerForeignLayerGzip:
      return "gzip";
    case MediaType.ociLayerZstd:
    case "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd":
      return "zstd";
    default:
      throw new InputError(`unknown layer media type: ${mediaType}`);
  }
}

/** The layer media type for a compression, in the OCI or Docker family. */
export function layerMediaType(compression: Compression, family: "oci" | "docker"): string {
  if (family === "docker") {
    if (compression === "zstd") return MediaType.ociLayerZstd; // Docker has no zstd type of its own
    return compression === "gzip" ? MediaType.dockerLayerGzip : MediaType.dockerLayer;
  }
  if (compression === "gzip") return MediaType.ociLayerGzip;
  if (compression === "zstd") return MediaType.ociLayerZstd;
  return MediaType.ociLayer;
}

/** Sniff compression from the first bytes of a blob (docker-archive layers carry no media type). */
export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return "zstd";
  return "none";
}
