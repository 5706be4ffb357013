import type { Readable } from "node:stream";
import { decompress } from "../fs/decompress.js";
import { VerifyingStream } from "./digest.js";
import type { Compression, Descriptor, Layer } from "./types.js";

/** A Layer over any source of blob bytes; every read is verified against the digests. */
export function makeLayer(opts: {
  descriptor: Descriptor;
  diffId: string;
  compression: Compression;
  /** Opens the blob exactly as stored. */
  open: () => Promise<Readable>;
  /** Names the blob in errors, e.g. "docker-archive:x.tar: layer sha256:…". */
  what: string;
}): Layer {
  const { descriptor, diffId, compression, open, what } = opts;
  const blob = async (): Promise<Readable> => {
    const raw = await open();
    const v = new VerifyingStream(descriptor.digest, `${what} ${descriptor.digest}`, descriptor.size);
    raw.on("error", (e) => v.destroy(e));
    return raw.pipe(v);
  };
  return {
    descriptor,
    diffId,
    compression,
    blob,
    async uncompressed(): Promise<Readable> {
      if (compression === "none" && descriptor.digest === diffId) return blob();
      const tar = decompress(await blob(), compression, `${what} ${descriptor.digest}`);
      const v = new VerifyingStream(diffId, `${what} ${descriptor.digest} (uncompressed, diff_id)`);
      tar.on("error", (e) => v.destroy(e));
      return tar.pipe(v);
    },
  };
}
