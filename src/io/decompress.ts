import { createGunzip, type ZlibOptions } from "node:zlib";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { Worker } from "node:worker_threads";
import { open as openFile, type FileHandle } from "node:fs/promises";
import { Decompress as ZstdDecompress } from "fzstd";
import { DigestMismatch, InputError } from "../errors.js";

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
/** How a layer blob is compressed. */
export type Compression = "none" | "gzip" | "zstd";

export function decompress(blob: Readable, compression: Compression, what: string): Readable {
  if (compression === "none") return blob;
  const decoder: Transform =
    // A deep output buffer lets zlib (on the libuv pool) inflate ahead while the reader works.
    compression === "gzip" ? createGunzip({ chunkSize: 256 * 1024, readableHighWaterMark: 4 << 20 } as ZlibOptions) : new ZstdStream();
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
/** Plain blobs: reads in flight ahead of the consumer. */
const READ_AHEAD = 3;

type JobMsg = { id: number; slot?: number; length?: number; hashed?: number; done?: boolean; blob?: string; blobSize?: number; tar?: string; error?: string; stage?: string };

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

  post(m: Record<string, unknown>): void {
    if (!this.dead) this.worker.postMessage(m);
  }

  end(id: number, hashOnly = false): void {
    if (!this.jobs.delete(id) || this.dead) return;
    this.worker.postMessage({ id, cancel: true, hashOnly });
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
 * Read, verify and (for gzip) decompress a blob stored in a local file, with the heavy work in a
 * worker thread, and yield the uncompressed bytes from shared memory:
 * - gzip: the worker reads the file, hashes exactly the bytes it decodes (blob digest and size, and
 *   the diff_id of the output) and gunzips (zlib, on the libuv pool); the main thread does nothing
 *   but consume, and has no zlib buffers for its (large) heap to collect;
 * - plain: this thread reads the file with large positioned reads (on the libuv pool, a few reads
 *   ahead) into shared slots and the worker hashes each slot while the caller parses it.
 * A digest, size or codec error fails the iteration (at its end for digests, as VerifyingStream
 * does) with an InputError naming the blob.
 */
export function decodeOffThread(o: OffThreadDecode): AsyncGenerator<Buffer> {
  return o.compression === "gzip" ? gunzipOffThread(o) : hashOffThread(o);
}

function checkBlob(o: OffThreadDecode, m: JobMsg): void {
  const blob = `sha256:${m.blob}`;
  if (blob !== o.digest) throw new DigestMismatch(`${o.what}: digest mismatch: expected ${o.digest}, got ${blob}`);
  if (m.blobSize !== o.size) throw new InputError(`${o.what}: size mismatch: expected ${o.size} bytes, got ${m.blobSize}`);
  if (m.tar !== undefined && `sha256:${m.tar}` !== o.diffId) {
    throw new DigestMismatch(`${o.what} (uncompressed, diff_id): digest mismatch: expected ${o.diffId}, got sha256:${m.tar}`);
  }
}

function jobError(o: OffThreadDecode, m: JobMsg): Error {
  if (m.stage === "gunzip") return new InputError(`${o.what}: cannot gzip-decompress: ${m.error}`);
  if (m.stage === "read") return new InputError(`${o.what}: cannot read ${o.range.path}: ${m.error}`);
  return new Error(`${o.what}: ${m.error}`);
}

/** Messages from the worker for one job, awaited in order. */
class Inbox {
  private readonly queue: JobMsg[] = [];
  private wake: (() => void) | undefined;
  constructor(private readonly thread: DecoderThread) {}
  deliver = (m: JobMsg): void => {
    this.queue.push(m);
    this.wake?.();
  };
  async next(): Promise<JobMsg> {
    while (this.queue.length === 0) {
      await this.thread.hold(new Promise<void>((resolve) => (this.wake = resolve)));
      this.wake = undefined;
    }
    return this.queue.shift()!;
  }
}

async function* gunzipOffThread(o: OffThreadDecode): AsyncGenerator<Buffer> {
  const sab = new SharedArrayBuffer(SLOT_BYTES * SLOTS);
  const thread = DecoderThread.get();
  const inbox = new Inbox(thread);
  const id = thread.start(
    { path: o.range.path, from: o.range.start, to: o.range.end, sab, slotSize: SLOT_BYTES, slots: SLOTS, zchunk: ZLIB_CHUNK },
    inbox.deliver,
  );
  const lent: number[] = [];
  try {
    for (;;) {
      const m = await inbox.next();
      if (m.error !== undefined) throw jobError(o, m);
      if (m.done) {
        checkBlob(o, m);
        return;
      }
      const view = Buffer.from(sab, m.slot! * SLOT_BYTES, m.length!);
      if (o.copy) {
        const out = Buffer.from(view);
        thread.post({ id, free: m.slot });
        yield out;
      } else {
        lent.push(m.slot!);
        if (lent.length > 2) thread.post({ id, free: lent.shift() });
        yield view;
      }
    }
  } finally {
    thread.end(id);
  }
}

async function* hashOffThread(o: OffThreadDecode): AsyncGenerator<Buffer> {
  const slots = 8; // two lent, READ_AHEAD being read, the rest queued for hashing
  const sab = new SharedArrayBuffer(SLOT_BYTES * slots);
  const thread = DecoderThread.get();
  const inbox = new Inbox(thread);
  // A slot is reusable when nobody holds it: the reader filling it, the worker, the consumer.
  const holds = new Array<number>(slots).fill(0);
  const free = Array.from({ length: slots }, (_, i) => i);
  let freed: (() => void) | undefined;
  const release = (slot: number): void => {
    if (--holds[slot]! > 0) return;
    free.push(slot);
    freed?.();
  };
  const id = thread.start({ hashOnly: true, sab, slotSize: SLOT_BYTES }, (m) => {
    if (m.hashed !== undefined) return release(m.hashed);
    inbox.deliver(m);
    freed?.(); // a dead worker must not leave the reader waiting for a slot
  });
  let ended = false;
  const acquire = async (): Promise<number> => {
    while (free.length === 0) {
      if (ended || thread.dead) throw new Error(`${o.what}: hash thread stopped`);
      await thread.hold(new Promise<void>((resolve) => (freed = resolve)));
      freed = undefined;
    }
    const slot = free.shift()!;
    holds[slot] = 1;
    return slot;
  };
  let fh: FileHandle | undefined;
  // Reads run one after another (chained), READ_AHEAD of them ahead of the consumer.
  const ahead: Array<Promise<{ slot: number; length: number } | undefined>> = [];
  let tail: Promise<unknown> = Promise.resolve();
  try {
    fh = await openFile(o.range.path, "r");
    const file = fh;
    const stop = Math.min(o.range.end, (await file.stat()).size);
    let pos = o.range.start;
    const readNext = async (): Promise<{ slot: number; length: number } | undefined> => {
      if (pos >= stop) return undefined;
      const slot = await acquire();
      const buf = Buffer.from(sab, slot * SLOT_BYTES, SLOT_BYTES);
      const want = Math.min(SLOT_BYTES, stop - pos);
      const at = pos;
      pos += want;
      let got = 0;
      while (got < want) {
        const { bytesRead } = await file.read(buf, got, want - got, at + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got < want) pos = stop; // the file shrank: the size check reports it
      return { slot, length: got };
    };
    const schedule = (): void => {
      const p = tail.then(readNext);
      p.catch(() => undefined); // awaited in turn; never unhandled if the consumer stops
      tail = p.catch(() => undefined);
      ahead.push(p);
    };
    for (let i = 0; i < READ_AHEAD; i++) schedule();
    const lent: number[] = [];
    for (;;) {
      const c = await ahead.shift()!;
      if (!c) break;
      holds[c.slot]! += 2; // the worker and the consumer; the reader's own hold is dropped below
      thread.post({ hashOnly: true, id, slot: c.slot, length: c.length });
      release(c.slot);
      schedule();
      const view = Buffer.from(sab, c.slot * SLOT_BYTES, c.length);
      if (o.copy) {
        const out = Buffer.from(view);
        release(c.slot);
        yield out;
      } else {
        lent.push(c.slot);
        if (lent.length > 2) release(lent.shift()!);
        yield view;
      }
    }
    thread.post({ hashOnly: true, id, finish: true });
    const m = await inbox.next();
    if (m.error !== undefined) throw jobError(o, m);
    checkBlob(o, m);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code && !(e instanceof InputError)) {
      throw new InputError(`${o.what}: cannot read ${o.range.path}: ${(e as Error).message}`);
    }
    throw e;
  } finally {
    ended = true;
    freed?.();
    thread.end(id, true);
    await tail;
    await fh?.close();
  }
}

// CommonJS, run with `eval: true`: self-contained, no imports from the package. Serves jobs:
// gunzip: {start, id, path, from, to, sab, slotSize, slots, zchunk} · {id, free: slot} · {id, cancel};
// hash: {hashOnly, start, id, sab, slotSize} · {hashOnly, id, slot, length} · {hashOnly, id, finish | cancel}.
const DECODE_WORKER = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const { createReadStream } = require("node:fs");
const { createGunzip } = require("node:zlib");
const jobs = new Map();

parentPort.on("message", (m) => {
  if (m.hashOnly) {
    // Bytes the main thread read into shared memory: hash them, hand the slot back.
    const job = jobs.get(m.id);
    if (m.start) jobs.set(m.id, { hash: createHash("sha256"), size: 0, mem: Buffer.from(m.sab), slotSize: m.slotSize });
    else if (!job) return;
    else if (m.finish) {
      jobs.delete(m.id);
      parentPort.postMessage({ id: m.id, done: true, blob: job.hash.digest("hex"), blobSize: job.size });
    } else if (m.cancel) jobs.delete(m.id);
    else {
      const base = m.slot * job.slotSize;
      job.hash.update(job.mem.subarray(base, base + m.length));
      job.size += m.length;
      parentPort.postMessage({ id: m.id, hashed: m.slot });
    }
    return;
  }
  if (m.start) {
    const job = { ...m, mem: Buffer.from(m.sab), free: [], waiter: null, cancelled: false, stop: null, stage: "read" };
    for (let i = 0; i < m.slots; i++) job.free.push(i);
    jobs.set(m.id, job);
    gunzip(job)
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

async function gunzip(job) {
  const blobHash = createHash("sha256");
  const tarHash = createHash("sha256");
  let blobSize = 0;
  const raw = createReadStream(job.path, { start: job.from, end: job.to === Infinity ? undefined : job.to - 1, highWaterMark: job.zchunk });
  // A deep output buffer lets zlib (on the libuv pool) inflate ahead while this thread hashes.
  const z = createGunzip({ chunkSize: job.zchunk, readableHighWaterMark: 8 * job.zchunk });
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
