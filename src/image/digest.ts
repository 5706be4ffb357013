import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { Worker } from "node:worker_threads";
import { InputError } from "../errors.js";

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
      cb(new InputError(`${this.what}: digest mismatch: expected ${this.expected}, got ${got}`));
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

/**
 * sha256 in a worker thread over bytes the caller places in shared memory, so hashing a large blob
 * runs in parallel with whatever the main thread does with the same bytes (parsing tar headers).
 * The caller takes a free slot, fills it, submits it; the slot comes back free once hashed.
 * The worker keeps the process alive only while someone waits on it, so an abandoned hasher
 * never blocks exit; close() ends it.
 */
export class OffThreadHasher {
  private readonly worker: Worker;
  private readonly sab: SharedArrayBuffer;
  private readonly free: number[] = [];
  /** Per slot: how many parties (the filler, the worker, readers) still use it. */
  private readonly holds: number[];
  private readonly waiting: Array<() => void> = [];
  private readonly result: Promise<{ digest: string; size: number }>;
  private resolveResult!: (r: { digest: string; size: number }) => void;
  private readonly failed: Promise<never>;
  private rejectFailed!: (e: Error) => void;
  private failure: Error | undefined;

  constructor(
    readonly slotSize: number,
    readonly slots: number,
  ) {
    this.sab = new SharedArrayBuffer(slotSize * slots);
    for (let i = 0; i < slots; i++) this.free.push(i);
    this.holds = new Array<number>(slots).fill(0);
    this.result = new Promise((resolve) => (this.resolveResult = resolve));
    this.failed = new Promise<never>((_, reject) => (this.rejectFailed = reject));
    this.failed.catch(() => undefined);
    this.worker = new Worker(HASH_WORKER, { eval: true, workerData: { sab: this.sab, slotSize } });
    this.worker.unref();
    this.worker.on("message", (m: { free?: number; digest?: string; size?: number }) => {
      if (m.free !== undefined) this.release(m.free);
      else if (m.digest !== undefined) this.resolveResult({ digest: `sha256:${m.digest}`, size: m.size ?? 0 });
    });
    this.worker.on("error", (e) => this.fail(e));
    this.worker.on("exit", () => this.fail(new Error("hash worker exited")));
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    this.rejectFailed(e);
    for (const w of this.waiting.splice(0)) w();
  }

  /** The memory of one slot. */
  buffer(slot: number): Buffer {
    return Buffer.from(this.sab, slot * this.slotSize, this.slotSize);
  }

  /** Wait for a free slot; the caller holds it until release(). */
  async acquire(): Promise<number> {
    for (;;) {
      if (this.failure) throw this.failure;
      const slot = this.free.shift();
      if (slot !== undefined) {
        this.holds[slot] = 1;
        return slot;
      }
      this.worker.ref();
      try {
        await new Promise<void>((resolve) => this.waiting.push(resolve));
      } finally {
        this.worker.unref();
      }
    }
  }

  /** Hash the first `length` bytes of a slot (in submission order); the slot stays held until hashed. */
  submit(slot: number, length: number): void {
    this.holds[slot]!++;
    this.worker.postMessage({ slot, length });
  }

  /** Drop one hold on a slot; it is reused once nobody holds it. */
  release(slot: number): void {
    if (--this.holds[slot]! > 0) return;
    this.free.push(slot);
    this.waiting.shift()?.();
  }

  /** Digest and byte count of everything submitted. */
  async finish(): Promise<{ digest: string; size: number }> {
    if (this.failure) throw this.failure;
    this.worker.postMessage({ end: true });
    this.worker.ref();
    try {
      return await Promise.race([this.result, this.failed]);
    } finally {
      this.worker.unref();
    }
  }

  async close(): Promise<void> {
    this.fail(new Error("hasher closed"));
    await this.worker.terminate();
  }
}

const HASH_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const { sab, slotSize } = workerData;
const hash = createHash("sha256");
let size = 0;
parentPort.on("message", (m) => {
  if (m.end) {
    parentPort.postMessage({ digest: hash.digest("hex"), size });
    return;
  }
  hash.update(new Uint8Array(sab, m.slot * slotSize, m.length));
  size += m.length;
  parentPort.postMessage({ free: m.slot });
});
`;
