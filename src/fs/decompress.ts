import { createGunzip } from "node:zlib";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { Worker } from "node:worker_threads";
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

/** A byte range of a local file holding a blob. */
export interface FileRange {
  path: string;
  start: number;
  /** Exclusive; Infinity for "to the end of the file". */
  end: number;
}

export interface OffThreadDecode {
  range: FileRange;
  compression: "none" | "gzip";
  /** The blob's digest and size, and (for compressed blobs) the uncompressed digest: all checked. */
  digest: string;
  size: number;
  diffId: string;
  /** Names the blob in errors. */
  what: string;
  /**
   * false: chunks are views into shared memory, valid until the chunk after the next one is
   * requested (for tar header readers). true: chunks are fresh copies (plain stream semantics).
   */
  copy: boolean;
}

const SLOT_BYTES = 1 << 20;
/** Two lent to the reader, one being filled, one more so the worker can run ahead. */
const SLOTS = 4;
const ZLIB_CHUNK = 256 * 1024;

type JobMsg = { id: number; slot?: number; length?: number; done?: boolean; blob?: string; blobSize?: number; tar?: string; error?: string; stage?: string };

/**
 * One worker thread shared by every off-thread decode in the process: one isolate and one pool of
 * zlib garbage instead of one per layer (each costs ~40 MB of RSS). It keeps the process alive only
 * while someone waits on it, and is started again if it ever dies.
 */
class DecoderThread {
  private static current: DecoderThread | undefined;
  static get(): DecoderThread {
    if (!DecoderThread.current || DecoderThread.current.dead) DecoderThread.current = new DecoderThread();
    return DecoderThread.current;
  }

  private readonly worker: Worker;
  private readonly jobs = new Map<number, (m: JobMsg) => void>();
  private nextId = 1;
  private waiting = 0;
  dead = false;

  private constructor() {
    this.worker = new Worker(DECODE_WORKER, { eval: true });
    this.worker.unref();
    this.worker.on("message", (m: JobMsg) => this.jobs.get(m.id)?.(m));
    const die = (why: string) => {
      this.dead = true;
      for (const [id, deliver] of this.jobs) deliver({ id, error: why, stage: "worker" });
      this.jobs.clear();
    };
    this.worker.on("error", (e) => die(e.message));
    this.worker.on("exit", () => die("decoder thread exited"));
  }

  start(job: Record<string, unknown>, deliver: (m: JobMsg) => void): number {
    const id = this.nextId++;
    this.jobs.set(id, deliver);
    this.worker.postMessage({ ...job, id, start: true });
    return id;
  }

  free(id: number, slot: number): void {
    this.worker.postMessage({ id, free: slot });
  }

  end(id: number): void {
    if (!this.jobs.delete(id) || this.dead) return;
    this.worker.postMessage({ id, cancel: true });
  }

  /** Hold the event loop open while awaiting `p`. */
  async hold<T>(p: Promise<T>): Promise<T> {
    if (this.waiting++ === 0) this.worker.ref();
    try {
      return await p;
    } finally {
      if (--this.waiting === 0) this.worker.unref();
    }
  }
}

/**
 * Read, verify and decompress a blob stored in a local file in a worker thread, and yield the
 * uncompressed bytes. The worker reads the file, hashes exactly the bytes it decodes (blob digest
 * and size, and the diff_id of the output), gunzips (zlib, on the libuv pool) and hands the output
 * over in shared-memory slots, so the main thread does nothing but consume it: no hashing, no zlib
 * buffers for its (large) heap to collect. A digest, size or codec error fails the iteration (at
 * its end for digests, as with VerifyingStream) with an InputError naming the blob.
 */
export async function* decodeOffThread(o: OffThreadDecode): AsyncGenerator<Buffer> {
  const sab = new SharedArrayBuffer(SLOT_BYTES * SLOTS);
  const thread = DecoderThread.get();
  const inbox: JobMsg[] = [];
  let wake: (() => void) | undefined;
  const id = thread.start(
    { path: o.range.path, from: o.range.start, to: o.range.end, gzip: o.compression === "gzip", sab, slotSize: SLOT_BYTES, slots: SLOTS, zchunk: ZLIB_CHUNK },
    (m) => {
      inbox.push(m);
      wake?.();
    },
  );
  const next = async (): Promise<JobMsg> => {
    while (inbox.length === 0) {
      await thread.hold(new Promise<void>((resolve) => (wake = resolve)));
      wake = undefined;
    }
    return inbox.shift()!;
  };
  const lent: number[] = [];
  try {
    for (;;) {
      const m = await next();
      if (m.error !== undefined) {
        if (m.stage === "gunzip") throw new InputError(`${o.what}: cannot gzip-decompress: ${m.error}`);
        if (m.stage === "read") throw new InputError(`${o.what}: cannot read ${o.range.path}: ${m.error}`);
        throw new Error(`${o.what}: ${m.error}`);
      }
      if (m.done) {
        const blob = `sha256:${m.blob}`;
        if (blob !== o.digest) throw new InputError(`${o.what}: digest mismatch: expected ${o.digest}, got ${blob}`);
        if (m.blobSize !== o.size) throw new InputError(`${o.what}: size mismatch: expected ${o.size} bytes, got ${m.blobSize}`);
        if (m.tar !== undefined && `sha256:${m.tar}` !== o.diffId) {
          throw new InputError(`${o.what} (uncompressed, diff_id): digest mismatch: expected ${o.diffId}, got sha256:${m.tar}`);
        }
        return;
      }
      const view = Buffer.from(sab, m.slot! * SLOT_BYTES, m.length!);
      if (o.copy) {
        const out = Buffer.from(view);
        thread.free(id, m.slot!);
        yield out;
      } else {
        lent.push(m.slot!);
        if (lent.length > 2) thread.free(id, lent.shift()!);
        yield view;
      }
    }
  } finally {
    thread.end(id);
  }
}

// CommonJS, run with `eval: true`: self-contained, no imports from the package. Serves jobs:
// {start, id, path, from, to, gzip, sab, slotSize, slots, zchunk} · {id, free: slot} · {id, cancel}.
const DECODE_WORKER = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const { createReadStream } = require("node:fs");
const { open } = require("node:fs/promises");
const { createGunzip } = require("node:zlib");
const jobs = new Map();

parentPort.on("message", (m) => {
  if (m.start) {
    const job = { ...m, mem: Buffer.from(m.sab), free: [], waiter: null, cancelled: false, stop: null, stage: "read" };
    for (let i = 0; i < m.slots; i++) job.free.push(i);
    jobs.set(m.id, job);
    (job.gzip ? gunzip(job) : plain(job))
      .catch((e) => { if (!job.cancelled) parentPort.postMessage({ id: job.id, error: String((e && e.message) || e), stage: job.stage }); })
      .finally(() => jobs.delete(job.id));
    return;
  }
  const job = jobs.get(m.id);
  if (!job) return;
  if (m.cancel) {
    job.cancelled = true;
    if (job.stop) job.stop();
  } else job.free.push(m.free);
  if (job.waiter) { const w = job.waiter; job.waiter = null; w(); }
});

async function acquire(job) {
  while (job.free.length === 0 && !job.cancelled) await new Promise((r) => (job.waiter = r));
  if (job.cancelled) throw new Error("cancelled");
  return job.free.shift();
}

async function plain(job) {
  const hash = createHash("sha256");
  let size = 0;
  const fh = await open(job.path, "r");
  try {
    const stop = Math.min(job.to, (await fh.stat()).size);
    let pos = job.from;
    while (pos < stop) {
      const slot = await acquire(job);
      const base = slot * job.slotSize;
      const want = Math.min(job.slotSize, stop - pos);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await fh.read(job.mem, base + got, want - got, pos + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      hash.update(job.mem.subarray(base, base + got));
      size += got;
      parentPort.postMessage({ id: job.id, slot, length: got });
      if (got < want) break;
      pos += got;
    }
  } finally {
    await fh.close();
  }
  parentPort.postMessage({ id: job.id, done: true, blob: hash.digest("hex"), blobSize: size });
}

async function gunzip(job) {
  const blobHash = createHash("sha256");
  const tarHash = createHash("sha256");
  let blobSize = 0;
  const raw = createReadStream(job.path, { start: job.from, end: job.to === Infinity ? undefined : job.to - 1, highWaterMark: job.zchunk });
  const z = createGunzip({ chunkSize: job.zchunk });
  job.stop = () => z.destroy(new Error("cancelled"));
  raw.on("data", (c) => { blobHash.update(c); blobSize += c.length; });
  raw.on("error", (e) => { job.stage = "read"; z.destroy(e); });
  raw.pipe(z);
  job.stage = "gunzip";
  let slot = -1, fill = 0;
  try {
    for await (const c of z) {
      tarHash.update(c);
      let off = 0;
      while (off < c.length) {
        if (slot < 0) slot = await acquire(job);
        const n = Math.min(c.length - off, job.slotSize - fill);
        c.copy(job.mem, slot * job.slotSize + fill, off, off + n);
        fill += n;
        off += n;
        if (fill === job.slotSize) {
          parentPort.postMessage({ id: job.id, slot, length: fill });
          slot = -1;
          fill = 0;
        }
      }
    }
  } finally {
    raw.destroy();
  }
  if (slot >= 0 && fill > 0) parentPort.postMessage({ id: job.id, slot, length: fill });
  parentPort.postMessage({ id: job.id, done: true, blob: blobHash.digest("hex"), blobSize, tar: tarHash.digest("hex") });
}
`;
