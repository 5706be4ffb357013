import { ReadStream } from "node:fs";
import { Readable } from "node:stream";
import { decodeOffThread, decompress, type FileRange } from "../io/decompress.js";
import { VerifyingStream } from "./digest.js";
import { DigestMismatch } from "../errors.js";
import type { Compression, Descriptor, Layer } from "./types.js";

interface LayerSource {
  open: () => Promise<Readable>;
  tarFrom: (raw: Readable, copy: boolean) => AsyncIterable<Buffer>;
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
  /** Large blobs in local files: read, verified and decompressed in a worker thread. */
  const offThread = (raw: Readable, copy: boolean): AsyncGenerator<Buffer> | undefined => {
    const plain = compression === "none" && descriptor.digest === diffId;
    if (!plain && compression !== "gzip") return undefined;
    const range = fastRange(raw, descriptor);
    if (!range) return undefined;
    raw.destroy();
    return decodeOffThread({ range, compression: plain ? "none" : "gzip", digest: descriptor.digest, size: descriptor.size, diffId, what: blobWhat, copy });
  };
  /** The verified uncompressed tar from a freshly opened blob stream. */
  function tarFrom(raw: Readable, copy: true): Readable;
  function tarFrom(raw: Readable, copy: boolean): AsyncIterable<Buffer>;
  function tarFrom(raw: Readable, copy: boolean): AsyncIterable<Buffer> {
    const fast = offThread(raw, copy);
    if (fast) return copy ? Readable.from(fast, { objectMode: false, highWaterMark: 1 << 20 }) : fast;
    if (compression === "none" && descriptor.digest === diffId) return verify(raw);
    const tar = decompress(verify(raw), compression, blobWhat);
    const v = new VerifyingStream(diffId, `${blobWhat} (uncompressed, diff_id)`);
    tar.on("error", (e) => v.destroy(e));
    return tar.pipe(v);
  }
  const layer: Layer = {
    descriptor,
    diffId,
    compression,
    blob: async () => verify(await open()),
    uncompressed: async () => tarFrom(await open(), true),
  };
  sources.set(layer, { open, tarFrom });
  return layer;
}

/**
 * The uncompressed tar of a layer as chunks, verified like `uncompressed()` (a digest or codec
 * error fails the iteration, at its end for digests), but cheaper for tar readers that only look
 * at headers: a large blob in a local file (plain or gzip) is read, hashed and decompressed in a
 * worker thread and its output is lent from shared memory without copying.
 *
 * Contract: a chunk (and any view into it) stays valid only until the chunk after the next one is
 * requested; copy what you keep longer. readTar's headers are copies; entry heads and bodies are
 * views, to be used before reading on (the scan sniffs ELF heads at once).
 */
export async function layerTarChunks(layer: Layer): Promise<AsyncIterable<Buffer>> {
  const src = sources.get(layer);
  return src ? src.tarFrom(await src.open(), false) : layer.uncompressed();
}

/**
 * The verified uncompressed tar of a layer, from one opening of its blob, and — when the blob is
 * plain (not compressed: digest == diff_id) and read from a local file (docker-archive, the daemon's
 * temporary export, an uncompressed OCI layout) — the byte range [start, end) of that file which
 * the tar is, so that a reader can come back to a file's bytes by position after this one read has
 * verified them. `owned`: chunks as uncompressed() gives them (safe to keep), else lent as by
 * layerTarChunks.
 */
export async function openLayerTar(layer: Layer, owned: boolean): Promise<{ tar: AsyncIterable<Buffer>; file?: FileRange }> {
  const src = sources.get(layer);
  if (!src) return { tar: await layer.uncompressed() };
  const raw = await src.open();
  return { file: plainFile(raw, layer), tar: src.tarFrom(raw, owned) };
}

function plainFile(s: Readable, layer: Layer): FileRange | undefined {
  const d = layer.descriptor;
  if (layer.compression !== "none" || d.digest !== layer.diffId || !(s instanceof ReadStream)) return undefined;
  const r = s as ReadStream & { start?: number };
  if (typeof r.path !== "string") return undefined;
  const start = r.start ?? 0;
  return { path: r.path, start, end: start + d.size };
}

/** Below this, a worker thread costs more than it saves. */
const FAST_MIN_BYTES = 8 << 20;

/**
 * The file and byte range behind a blob stream, when it is a plain file stream (what the OCI
 * layout, docker-archive and oci-archive transports open) large enough for the fast path. Any
 * other stream (registry, daemon export) takes the streaming path, with the same checks.
 */
function fastRange(s: Readable, d: Descriptor): FileRange | undefined {
  if (!(s instanceof ReadStream) || d.size < FAST_MIN_BYTES) return undefined;
  const r = s as ReadStream & { start?: number; end?: number };
  if (typeof r.path !== "string") return undefined;
  const start = r.start ?? 0;
  const end = r.end === undefined || r.end === Infinity ? Infinity : r.end + 1;
  return { path: r.path, start, end };
}

/**
 * Runs `read` over a layer; when it fails for any other reason than a digest mismatch (a corrupt tar
 * header, a broken gzip stream), the blob is read once more to the end and checked against its
 * digest: a blob that is not what the manifest names is the real fault, so that is what is reported.
 */
export async function readingLayer<T>(layer: Layer, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof DigestMismatch) throw e;
    let blob: Readable | undefined;
    try {
      blob = await layer.blob();
      for await (const _ of blob);
    } catch (check) {
      if (check instanceof DigestMismatch) throw check;
    } finally {
      blob?.destroy();
    }
    throw e;
  }
}
