import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { PassThrough } from "node:stream";
import { once } from "node:events";
import { pipeline } from "node:stream/promises";
import { exportImage, loadImage } from "../../engine/client.js";
import type { Reference } from "../reference.js";
import type { Transport } from "../transport.js";
import type { Image } from "../types.js";
import { readTar } from "../../fs/tar-reader.js";
import { openDockerArchiveFile, writeDockerArchive } from "./docker-archive.js";

type DaemonRef = Extract<Reference, { transport: "docker-daemon" }>;

/** Sees the bytes of each layer tar of an engine export as they stream by (see openEngineImage). */
export type LayerTap = (layerTar: AsyncIterable<Buffer>) => Promise<void>;

/** A layer tar inside `docker save` output: `<id>/layer.tar` (classic) or `blobs/sha256/<hex>` (OCI-style). */
const LAYER_ENTRY = /(^|\/)layer\.tar$|^blobs\/sha256\/[0-9a-f]{64}$/;

/**
 * Exports an image from the engine into a temporary docker-archive and opens it: the export stream
 * puts manifest.json last and layers must be random-access, so it cannot be read in place. With a
 * `tap`, each layer tar is also handed over while the export streams (the same bytes, parsed once
 * more on the way), so work on the layers overlaps the export instead of following it.
 */
export async function openEngineImage(name: string, source: string, tap?: LayerTap): Promise<Image> {
  const dir = await mkdtemp(join(tmpdir(), "imgdiet-daemon-"));
  try {
    const file = join(dir, "image.tar");
    if (tap) await exportTapped(name, file, tap);
    else await pipeline(await exportImage(name), createWriteStream(file));
    const image = await openDockerArchiveFile(file, undefined, source);
    return { ...image, close: () => rm(dir, { recursive: true, force: true }) };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

async function exportTapped(name: string, file: string, tap: LayerTap): Promise<void> {
  const src = await exportImage(name);
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  const tee = new PassThrough({ highWaterMark: 8 << 20 });
  const stop = (e: unknown): void => {
    const err = e instanceof Error ? e : new Error(String(e));
    src.destroy(err);
    if (!tee.destroyed) tee.destroy(err);
    if (!out.destroyed) out.destroy(err);
  };
  const writing = (async () => {
    for await (const chunk of src) {
      const c = chunk as Buffer;
      out.write(c);
      tee.write(c);
      // Checked one after the other: while waiting on one, the other may drain (its event is gone then).
      if (out.writableNeedDrain) await once(out, "drain");
      if (tee.writableNeedDrain) await once(tee, "drain");
    }
    tee.end();
    out.end();
    await once(out, "close");
  })();
  const reading = (async () => {
    for await (const e of readTar(tee, `the export of ${name}`)) {
      if (e.header.type === "file" && LAYER_ENTRY.test(e.header.path)) await tap(e.body());
    }
  })();
  const [w, r] = await Promise.allSettled([writing.catch((e) => (stop(e), Promise.reject(e))), reading.catch((e) => (stop(e), Promise.reject(e)))]);
  if (w.status === "rejected") throw w.reason;
  if (r.status === "rejected") throw r.reason;
}

export const dockerDaemonTransport: Transport<DaemonRef> = {
  open(ref) {
    return openEngineImage(ref.name, ref.raw);
  },
  async write(image, ref) {
    const stream = new PassThrough({ highWaterMark: 1 << 20 });
    const loading = loadImage(stream);
    const writing = writeDockerArchive(image, stream, ref.name, true).catch((e: unknown) => {
      stream.destroy(e as Error);
      throw e;
    });
    await Promise.all([writing, loading]);
    return { reference: ref.name, digest: image.manifest.config.digest };
  },
};
