import { open } from "node:fs/promises";
import type { WriteStream } from "node:fs";

/**
 * Open a file for writing and return its stream plus a promise that settles when it is closed.
 * Opening first makes a bad path fail at once instead of as a late stream error.
 */
export async function fileSink(path: string): Promise<{ stream: WriteStream; closed: Promise<void> }> {
  const fh = await open(path, "w");
  const stream = fh.createWriteStream({ highWaterMark: 1 << 20 });
  const closed = new Promise<void>((resolve, reject) => {
    stream.on("close", resolve);
    stream.on("error", reject);
  });
  return { stream, closed };
}
