import type { Image, Platform } from "./types.js";
import type { Reference } from "./reference.js";

export interface OpenOptions {
  /** For indexes / manifest lists: which platform to pick (default linux + host arch). */
  platform?: Platform;
  /** Credentials file for registries (default ~/.docker/config.json or $DOCKER_CONFIG/config.json). */
  authFile?: string;
  /** Allow plain HTTP for registries (default: only for localhost / 127.0.0.1). */
  insecure?: boolean;
}

export interface WriteOptions {
  authFile?: string;
  insecure?: boolean;
}

export interface WriteResult {
  /** Where the image now is, as a reference string. */
  reference: string;
  /** Digest of the manifest as written (registry, OCI); the config digest for daemon and docker-archive. */
  digest: string;
}

/** A transport turns a parsed reference into an Image, and writes an Image to a reference. */
export interface Transport<R extends Reference = Reference> {
  open(ref: R, opts: OpenOptions): Promise<Image>;
  write(image: Image, ref: R, opts: WriteOptions): Promise<WriteResult>;
}
