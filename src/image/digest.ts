import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { DigestMismatch, InputError } from "../errors.js";

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function isDigest(s: string): boolean {
  return DIGEST_RE.test(s);
}

export function assertDigest(s: string, what: string): string {
  if (!isDigest(s)) throw new InputError(`${what}: not a sha256 digest: ${JSON.stringify(s)}`);
  return s;
}

export function sha256(data: Buffer | string): string {
  return "sha256:" + createHash("sha256").update(data).digest("hex");
}

/** The hex part of a digest, used for blob file names. */
export function digestHex(digest: string): string {
  return digest.slice(digest.indexOf(":") + 1);
}

/**
 * Pass bytes through unchanged while hashing them; at the end, fail with an InputError naming
 * the blob if the digest (or, when given, the size) differs. Nothing downstream should commit
 * output before the stream ended cleanly.
 */
export class VerifyingStream extends Transform {
  private hash = createHash("sha256");
  private seen = 0;
  constructor(
    private readonly expected: string,
    private readonly what: string,
    private readonly expectedSize?: number,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.seen += chunk.length;
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    const got = "sha256:" + this.hash.digest("hex");
    if (got !== this.expected) {
      cb(new DigestMismatch(`${this.what}: digest mismatch: expected ${this.expected}, got ${got}`));
      return;
    }
    if (this.expectedSize !== undefined && this.seen !== this.expectedSize) {
      cb(new InputError(`${this.what}: size mismatch: expected ${this.expectedSize} bytes, got ${this.seen}`));
      return;
    }
    cb();
  }
}

/** A Transform that hashes what passes and reports digest and size when done, for writers. */
export class DigestingStream extends Transform {
  private hash = createHash("sha256");
  size = 0;
  digest = "";
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    this.digest = "sha256:" + this.hash.digest("hex");
    cb();
  }
}
