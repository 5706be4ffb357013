import { createGunzip } from "node:zlib";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { Decompress as ZstdDecompress } from "fzstd";
import type { Compression } from "../image/types.js";
import { InputError } from "../errors.js";

/**
 * A streaming zstd decoder. Node 20's zlib has no zstd, so this wraps fzstd (pure JS, streaming);
 * it is slower than gzip but bounded in memory.
 */
class ZstdStream extends Transform {
  private readonly decoder: ZstdDecompress;
  constructor() {
    super();
    this.decoder = new ZstdDecompress((chunk: Uint8Array) => {
      this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    try {
      this.decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      cb();
    } catch (e) {
      cb(new InputError(`zstd: corrupt data: ${(e as Error).message}`));
    }
  }
  override _flush(cb: TransformCallback): void {
    try {
      this.decoder.push(new Uint8Array(0), true);
      cb();
    } catch (e) {
      cb(new InputError(`zstd: corrupt data: ${(e as Error).message}`));
    }
  }
}

/** Pipe a blob through the decoder for its compression; errors are InputErrors naming `what`. */
export function decompress(blob: Readable, compression: Compression, what: string): Readable {
  if (compression === "none") return blob;
  const decoder: Transform =
    compression === "gzip" ? createGunzip({ chunkSize: 256 * 1024 }) : new ZstdStream();
  blob.on("error", (e) => decoder.destroy(e));
  decoder.on("error", () => undefined);
  const out = blob.pipe(decoder);
  // Re-raise codec errors as input errors that name the blob.
  const wrapped = new Transform({
    transform(chunk, _e, cb) {
      cb(null, chunk);
    },
  });
  out.on("error", (e: Error) =>
    wrapped.destroy(e instanceof InputError ? e : new InputError(`${what}: cannot ${compression}-decompress: ${e.message}`)),
  );
  return out.pipe(wrapped);
}
