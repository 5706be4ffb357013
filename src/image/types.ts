import type { Readable } from "node:stream";

/** OCI / Docker content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** The runtime part of an image config (`config` in the OCI image config). */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[] | null;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Healthcheck?: Record<string, unknown>;
  Shell?: string[];
  [key: string]: unknown;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** OCI image config / Docker image JSON. Unknown fields are kept by keeping the raw bytes alongside. */
export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: ContainerConfig;
  rootfs: { type: "layers"; diff_ids: string[] };
  history?: HistoryEntry[];
  [key: string]: unknown;
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

import type { Compression } from "../io/decompress.js";
import type { TarHeader } from "../io/tar-header.js";
export type { Compression };

/**
 * One layer of an image. `descriptor` describes the blob as stored (maybe compressed);
 * `diffId` is the digest of the uncompressed tar. Streams verify what they read: a digest
 * mismatch makes the stream fail with an InputError naming the blob.
 */
export interface Layer {
  readonly descriptor: Descriptor;
  readonly diffId: string;
  readonly compression: Compression;
  /** The blob exactly as stored, verified against descriptor.digest. */
  blob(): Promise<Readable>;
  /** The uncompressed tar, verified against diffId (and the blob against its digest). */
  uncompressed(): Promise<Readable>;
  /**
   * The tar's headers in archive order, when known without reading the layer (a layer that
   * image/mutate wrote), so that its size or listing needs no second read.
   */
  readonly entries?: readonly TarHeader[];
}

/** An image: manifest, config and layers. Images are values; transformations return new images. */
export interface Image {
  /** The reference it was opened from, as the user wrote it. */
  readonly source: string;
  readonly manifest: Manifest;
  /** Exact config bytes: the config digest must survive every copy. */
  readonly rawConfig: Buffer;
  /**
   * The manifest bytes exactly as read (registry, OCI layouts), so that a plain copy keeps the
   * manifest digest. Writers reuse them only while they still describe this image (raw-manifest.ts).
   */
  readonly rawManifest?: Buffer;
  readonly config: ImageConfig;
  readonly layers: readonly Layer[];
  /** Release temporary files (daemon exports) — safe to call more than once. */
  close(): Promise<void>;
}
