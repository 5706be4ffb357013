import { InputError } from "../errors.js";
import { ByteSource } from "./byte-source.js";
import { BLOCK, isMetaFlag, isZeroBlock, parseRawHeader, TarMeta, type TarHeader } from "./tar-header.js";

export interface TarEntry {
  header: TarHeader;
  /** The path as written in the archive (before normalisation). */
  rawPath: string;
  /** Absolute path or ".." in the archive: reported by callers, never followed. */
  unsafe: boolean;
  /** Byte offset of the entry's content in the archive. */
  offset: number;
  /** Content of a regular file, streamed. Unread content is skipped when iteration continues. */
  body(): AsyncGenerator<Buffer>;
  /**
   * The first min(n, size) bytes of the content, cheaper than body() for sniffing magic numbers.
   * The result may be a view into the reader's buffer: use it before iteration continues, or copy
   * it. Use either head() or body(), once.
   */
  head(n: number): Promise<Buffer>;
}

/**
 * What the entry loop reads from: a ByteSource over a stream, or a file read by seeking
 * (io/tar-index.ts), whose skip() costs nothing.
 */
export interface TarInput {
  /** Offset of the next byte. */
  readonly position: number;
  /** Exactly n bytes, or fewer only at the end. */
  read(n: number): Promise<Buffer>;
  /** The next n bytes as chunks (fewer only at the end). */
  take(n: number): AsyncGenerator<Buffer>;
  /** Skip n bytes; returns how many were skipped. */
  skip(n: number): Promise<number>;
  /** Consume the rest (so upstream digest checks run to the end). */
  drain(): Promise<void>;
  /** Stop early and release the upstream. */
  close(): Promise<void>;
}

const MAX_META = 16 * 1024 * 1024; // PAX / GNU long-name records larger than this are corrupt

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/**
 * Stream the entries of an uncompressed tar. Handles ustar, GNU long names/links, PAX (local and
 * global) with binary xattrs, base-256 numbers. `what` names the archive in errors.
 */
export function readTar(source: AsyncIterable<Buffer | Uint8Array>, what: string): AsyncGenerator<TarEntry> {
  return readTarFrom(new ByteSource(source), what);
}

/** The one tar entry loop, over any TarInput. */
export async function* readTarFrom(src: TarInput, what: string): AsyncGenerator<TarEntry> {
  const meta = new TarMeta();

  const readMeta = async (size: number, kind: string): Promise<Buffer> => {
    if (size > MAX_META) throw new InputError(`${what}: corrupt tar: ${kind} record of ${size} bytes`);
    const data = await src.read(size);
    if (data.length < size || (await src.skip(padding(size))) < padding(size)) throw new InputError(`${what}: truncated tar`);
    return Buffer.from(data);
  };

  try {
    for (;;) {
      const block = await src.read(BLOCK);
      if (block.length === 0) return; // tolerate a missing end-of-archive marker
      if (block.length < BLOCK) throw new InputError(`${what}: truncated tar`);
      if (isZeroBlock(block)) {
        await src.drain();
        return;
      }
      const raw = parseRawHeader(block);
      if (!raw) throw new InputError(`${what}: corrupt tar header at byte ${src.position - BLOCK}`);

      if (isMetaFlag(raw.flag)) {
        meta.absorb(raw.flag, await readMeta(raw.size, raw.flag === "x" || raw.flag === "g" ? "PAX" : raw.flag === "L" ? "long name" : "long link"));
        continue;
      }
      const { header: partial, type, rawPath, unsafe, contentSize } = meta.entry(raw);
      if (!type) {
        throw new InputError(`${what}: unsupported tar entry type ${JSON.stringify(raw.flag)} for ${raw.name}`);
      }
      const header: TarHeader = { ...partial, type };
      const path = header.path;

      // Content follows any entry with a size (hardlinks normally carry none).
      const offset = src.position;
      let consumed = 0;
      let reading = false;
      const body = async function* (): AsyncGenerator<Buffer> {
        if (reading) throw new Error("tar entry body read twice");
        reading = true;
        for await (const chunk of src.take(contentSize)) {
          consumed += chunk.length;
          yield chunk;
        }
        if (consumed < contentSize) throw new InputError(`${what}: truncated tar (in ${path})`);
      };
      const head = async (n: number): Promise<Buffer> => {
        if (reading) throw new Error("tar entry body read twice");
        reading = true;
        const want = Math.min(n, contentSize);
        const b = await src.read(want);
        consumed += b.length;
        if (b.length < want) throw new InputError(`${what}: truncated tar (in ${path})`);
        return b;
      };
      if (path !== "") yield { header, rawPath, unsafe, offset, body, head };
      const left = contentSize - consumed;
      if (left > 0 && (await src.skip(left)) < left) throw new InputError(`${what}: truncated tar (in ${path})`);
      const pad = padding(contentSize);
      if (pad && (await src.skip(pad)) < pad) throw new InputError(`${what}: truncated tar`);
    }
  } finally {
    // Early exit (error, or the consumer stopped): release the upstream (files, workers).
    await src.close();
  }
}
