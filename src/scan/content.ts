import { createReadStream, createWriteStream } from "node:fs";
import { once } from "node:events";
import { rm } from "node:fs/promises";
import { Readable } from "node:stream";
import type { ContentSource, SourceEntry } from "../image/mutate/source-files.js";

/** Where a layer's uncompressed tar can be read again after the scan: byte 0 of the tar is `start` of `file`. */
export interface LayerBytes {
  file: string;
  start: number;
}

/**
 * The bytes of every regular file of a scanned image, without reading a blob again (scan's
 * `content` option): each file is a byte range of its layer's uncompressed tar, which lies either
 * in the local file that holds the plain blob (read once by the scan, which verified it) or in the
 * scan's spool of the verified uncompressed tar (compressed or remote blobs). Ranges are read by
 * position, one file at a time. close() removes the spool.
 */
export class ScanContent implements ContentSource {
  constructor(
    private readonly layers: readonly (LayerBytes | undefined)[],
    private readonly spoolDir: string | undefined,
  ) {}

  async open(entry: SourceEntry): Promise<AsyncIterable<Buffer>> {
    const offset = (entry as SourceEntry & { offset?: number }).offset;
    // A hardlink detached from its target: the bytes are those of the file it linked to.
    const at = this.layers[entry.linkedFrom?.layer ?? entry.layer];
    if (entry.type !== "file" || offset === undefined || !at) throw new Error(`scan content: no content kept for /${entry.path} (layer ${entry.layer})`);
    if (entry.size === 0) return Readable.from([]);
    const start = at.start + offset;
    return createReadStream(at.file, { start, end: start + entry.size - 1, highWaterMark: 1 << 20 });
  }

  async close(): Promise<void> {
    if (this.spoolDir) await rm(this.spoolDir, { recursive: true, force: true });
  }
}

/**
 * The chunks of a layer's uncompressed tar, passed on as they come and written to `file` on the way
 * (with backpressure). Chunks must be owned (not lent views): the writer may hold them a while.
 * A digest or read error fails the iteration as before; the caller removes the partial file.
 */
export async function* spooling(chunks: AsyncIterable<Buffer>, file: string): AsyncGenerator<Buffer> {
  const out = createWriteStream(file, { highWaterMark: 4 << 20 });
  let failed: Error | undefined;
  out.on("error", (e) => (failed = e));
  try {
    for await (const c of chunks) {
      if (failed) throw failed;
      if (!out.write(c)) await once(out, "drain");
      yield c;
    }
    out.end();
    if (!out.closed) await once(out, "close");
    if (failed) throw failed;
  } finally {
    if (!out.closed) out.destroy();
  }
}
