import { sha256 } from "../digest.js";
import type { Descriptor, Image, ImageConfig, Layer, Manifest } from "../types.js";

/**
 * A new Image value from a config and layers: serialises the config, and describes it and the
 * layers in a fresh manifest of the same kind as `base`'s. Nothing of `base` is changed.
 */
export function imageFrom(
  base: Image,
  parts: {
    config: ImageConfig;
    layers: readonly Layer[];
    /** Manifest media type; default base's. The config descriptor's type follows it. */
    manifestType?: string;
    configType?: string;
    source: string;
    close?: () => Promise<void>;
  },
): Image {
  const rawConfig = Buffer.from(JSON.stringify(parts.config));
  const config: Descriptor = {
    mediaType: parts.configType ?? base.manifest.config.mediaType,
    digest: sha256(rawConfig),
    size: rawConfig.length,
  };
  const manifest: Manifest = {
    schemaVersion: 2,
    ...((parts.manifestType ?? base.manifest.mediaType) ? { mediaType: parts.manifestType ?? base.manifest.mediaType } : {}),
    config,
    layers: parts.layers.map((l) => l.descriptor),
  };
  return {
    source: parts.source,
    manifest,
    rawConfig,
    // A copy: the caller's object is not shared with the new image.
    config: JSON.parse(rawConfig.toString("utf8")) as ImageConfig,
    layers: [...parts.layers],
    close: parts.close ?? (async () => undefined),
  };
}
