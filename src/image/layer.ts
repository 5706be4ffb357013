import { ReadStream } from "node:fs";
import { open as openFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { InputError } from "../errors.js";
import { decompress } from "../fs/decompress.js";
import { OffThreadHasher, VerifyingStream } from "./digest.js";
import type { Compression, Descriptor, Layer } from "./types.js";

interface LayerSource {
  descriptor: Descriptor;
  diffId: string;
  compression: Compression;
  open: () => Promise<Readable>;
  what: string;
  /** Wrap a freshly opened blob stream in its digest check. */
  verify: (raw: Readable) => Readable;
}

/** What makeLayer knew about each layer it made, for the fast paths below. */
const sources = new WeakMap<Layer, LayerSource>();

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
  const blobWhat = `${what} ${descriptor.digest}`;
  const verify = (raw: Readable): Readable => {
    const v = new VerifyingStream(descriptor.digest, blobWhat, descriptor.size);
    raw.on("error", (e) => v.destroy(e));
    return raw.pipe(v);
  };
  const layer: Layer = {
    descriptor,
    diffId,
    compression,
    blob: async () => verify(await open()),
    async uncompressed(): Promise<Readable> {
      const raw = await open();
      if (compression === "none" && descriptor.digest === diffId) {
        const range = fastRange(raw, descriptor);
        if (!range) return verify(raw);
        // A large uncompressed blob in a file: hash it off the main thread while the caller reads.
        raw.destroy();
        return Readable.from(verifiedFileChunks(range, descriptor, blobWhat, true), { objectMode: false, highWaterMark: 1 << 20 });
      }
      const tar = decompress(verify(raw), compression, blobWhat);
      const v = new VerifyingStream(diffId, `${blobWhat} (uncompressed, diff_id)`);
      tar.on("error", (e) => v.destroy(e));
      return tar.pipe(v);
    },
  };
  sources.set(layer, { ...opts, verify });
  return layer;
}

/**
 * The uncompressed tar of a layer as chunks, verified like `uncompressed()` (a digest mismatch
 * fails the iteration at its end), but faster for tar readers that only look at headers:
 * a large uncompressed blob in a local file is read with big positioned reads into shared memory
 * and hashed in a worker thread while the caller parses the same bytes, without copying them.
 *
 * Contract: a chunk (and any view into it) stays valid only until the chunk after the next one is
 * requested; copy what you keep longer. readTar and ByteSource respect this.
 */
export async function layerTarChunks(layer: Layer): Promise<AsyncIterable<Buffer>> {
  const src = sources.get(layer);
  if (!src || src.compression !== "none" || src.descriptor.digest !== src.diffId) return layer.uncompressed();
  const raw = await src.open();
  const range = fastRange(raw, src.descriptor);
  if (!range) return src.verify(raw);
  raw.destroy();
  return verifiedFileChunks(range, src.descriptor, `${src.what} ${src.descriptor.digest}`, false);
}

/** Below this, a worker thread costs more than it saves. */
const FAST_MIN_BYTES = 8 << 20;
const SLOT_BYTES = 1 << 20;
const SLOTS = 8;

interface FileRange {
  path: string;
  start: number;
  /** Exclusive; Infinity for "to the end of the file". */
  end: number;
}

/** The file and byte range behind a blob stream, when it is a plain file stream worth the fast path. */
function fastRange(s: Readable, d: Descriptor): FileRange | undefined {
  if (!(s instanceof ReadStream) || d.size < FAST_MIN_BYTES) return undefined;
  const r = s as ReadStream & { start?: number; end?: number };
  if (typeof r.path !== "string") return undefined;
  const start = r.start ?? 0;
  const end = r.end === undefined || r.end === Infinity ? Infinity : r.end + 1;
  return { path: r.path, start, end };
}

/**
 * Read a file range in SLOT_BYTES chunks into the hasher's shared slots, one read ahead, and
 * yield each chunk while the worker hashes it. At the end, the digest and size must match.
 * With `copy`, each chunk is copied out, so consumers may keep chunks (plain Readable semantics).
 */
async function* verifiedFileChunks(range: FileRange, d: Descriptor, what: string, copy: boolean): AsyncGenerator<Buffer> {
  const fh = await openFile(range.path, "r");
  const hasher = new OffThreadHasher(SLOT_BYTES, SLOTS);
  let next: Promise<{ slot: number; length: number } | undefined> | undefined;
  try {
    const end = Math.min(range.end, (await fh.stat()).size);
    let pos = range.start;
    const readNext = async (): Promise<{ slot: number; length: number } | undefined> => {
      if (pos >= end) return undefined;
      const slot = await hasher.acquire();
      const buf = hasher.buffer(slot);
      const want = Math.min(SLOT_BYTES, end - pos);
      const at = pos;
      pos += want;
      let got = 0;
      while (got < want) {
        const { bytesRead } = await fh.read(buf, got, want - got, at + got);
        if (bytesRead === 0) break; // the file shrank: the size check below reports it
        got += bytesRead;
      }
      if (got < want) pos = end;
      return { slot, length: got };
    };
    const lent: number[] = [];
    next = readNext();
    for (;;) {
      const c = await next;
      if (!c) break;
      hasher.submit(c.slot, c.length);
      next = readNext();
      next.catch(() => undefined); // awaited on the next turn; never unhandled if the consumer stops
      const view = hasher.buffer(c.slot).subarray(0, c.length);
      if (copy) {
        const out = Buffer.from(view);
        hasher.release(c.slot);
        yield out;
      } else {
        lent.push(c.slot);
        if (lent.length > 2) hasher.release(lent.shift()!);
        yield view;
      }
    }
    const { digest, size } = await hasher.finish();
    if (digest !== d.digest) throw new InputError(`${what}: digest mismatch: expected ${d.digest}, got ${digest}`);
    if (size !== d.size) throw new InputError(`${what}: size mismatch: expected ${d.size} bytes, got ${size}`);
  } finally {
    await hasher.close();
    await next?.catch(() => undefined);
    await fh.close();
  }
}
