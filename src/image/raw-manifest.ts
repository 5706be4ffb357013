/**
 * Reusing the manifest bytes an image was read with. A copy that changes nothing must keep the
 * manifest digest (users pin images by it), and the exact bytes also keep what we do not model
 * (annotations, foreign `urls`, field order). The bytes are reused only when they still describe
 * this image exactly: the same config digest and the same layer blobs, in order.
 */
import { sha256 } from "./digest.js";
import { MediaType } from "./media-types.js";
import type { Image } from "./types.js";

export interface ManifestBytes {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

/**
 * The image's original manifest bytes when they still fit it, else undefined. `onlyMediaType` limits
 * reuse to one manifest media type (an OCI layout holds OCI manifests only).
 */
export function reusableManifest(image: Image, onlyMediaType?: string): ManifestBytes | undefined {
  const raw = image.rawManifest;
  if (!raw) return undefined;
  let m: { mediaType?: unknown; config?: { digest?: unknown; size?: unknown; mediaType?: unknown }; layers?: { digest?: unknown; size?: unknown }[] };
  try {
    m = JSON.parse(raw.toString("utf8")) as typeof m;
  } catch {
    return undefined;
  }
  const mediaType =
    typeof m.mediaType === "string" ? m.mediaType : m.config?.mediaType === MediaType.dockerConfig ? MediaType.dockerManifest : MediaType.ociManifest;
  if (onlyMediaType !== undefined && mediaType !== onlyMediaType) return undefined;
  if (m.config?.digest !== sha256(image.rawConfig) || m.config.size !== image.rawConfig.length) return undefined;
  const layers = m.layers ?? [];
  if (layers.length !== image.layers.length) return undefined;
  const same = image.layers.every((l, i) => layers[i]!.digest === l.descriptor.digest && layers[i]!.size === l.descriptor.size);
  return same ? { bytes: raw, mediaType, digest: sha256(raw) } : undefined;
}
