import { open } from "node:fs/promises";
import { InputError } from "../errors.js";

/**
 * Positioned reads over a byte source. The ELF reader only ever asks for the few ranges it needs
 * (header, program headers, dynamic segment, strings), so a multi-hundred-megabyte library is never
 * loaded whole.
 */
export interface RandomAccess {
  /** Total size in bytes. */
  readonly size: number;
  /** Used in error messages (a path, or a layer entry name). */
  readonly name?: string;
  /**
   * Bytes [offset, offset + length), clipped to the end of the source: the result is shorter than
   * `length` only when the range runs past `size`.
   */
  read(offset: number, length: number): Promise<Buffer>;
}

function clip(size: number, offset: number, length: number): number {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new RangeError(`invalid read range: offset ${offset}, length ${length}`);
  }
  if (offset >= size) return 0;
  return Math.min(length, size - offset);
}

/** A RandomAccess over bytes already in memory. */
export function bufferAccess(buf: Buffer, name?: string): RandomAccess {
  return {
    size: buf.length,
    name,
    async read(offset, length) {
      const n = clip(buf.length, offset, length);
      return buf.subarray(offset, offset + n);
    },
  };
}

/** A RandomAccess over a file, reading with positioned reads on one descriptor. Call close() when done. */
export async function openFileAccess(path: string): Promise<RandomAccess & { close(): Promise<void> }> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (e) {
    throw new InputError(`cannot open ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const fh = handle;
  let size: number;
  try {
    size = (await fh.stat()).size;
  } catch (e) {
    await fh.close();
    throw e;
  }
  return {
    size,
    name: path,
    async read(offset, length) {
      const n = clip(size, offset, length);
      const out = Buffer.alloc(n);
      let done = 0;
      while (done < n) {
        const { bytesRead } = await fh.read(out, done, n - done, offset + done);
        if (bytesRead === 0) break; // the file shrank under us
        done += bytesRead;
      }
      return done === n ? out : out.subarray(0, done);
    },
    close: () => fh.close(),
  };
}
