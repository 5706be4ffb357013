import { InputError } from "../errors.js";
import { ByteSource } from "./byte-source.js";
import {
  BLOCK,
  isZeroBlock,
  normalisePath,
  parsePax,
  parseRawHeader,
  typeForFlag,
  type TarHeader,
} from "./tar-header.js";

export interface TarEntry {
  header: TarHeader;
  /** The path as written in the archive (before normalisation). */
  rawPath: string;
  /** Absolute path or ".." in the archive: reported by callers, never followed. */
  unsafe: boolean;
  /** Content of a regular file, streamed. Unread content is skipped when iteration continues. */
  body(): AsyncGenerator<Buffer>;
  /**
   * The first min(n, size) bytes of the content, cheaper than body() for sniffing magic numbers.
   * The result may be a view into the reader's buffer: use it before iteration continues, or copy
   * it. Use either head() or body(), once.
   */
  head(n: number): Promise<Buffer>;
}

const MAX_META = 16 * 1024 * 1024; // PAX / GNU long-name records larger than this are corrupt

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/**
 * Stream the entries of an uncompressed tar. Handles ustar, GNU long names/links, PAX (local and
 * global) with binary xattrs, base-256 numbers. `what` names the archive in errors.
 */
export async function* readTar(source: AsyncIterable<Buffer | Uint8Array>, what: string): AsyncGenerator<TarEntry> {
  const src = new ByteSource(source);
  let global = new Map<string, Buffer>();
  let pax: Map<string, Buffer> | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;

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

      if (raw.flag === "x" || raw.flag === "g") {
        const records = parsePax(await readMeta(raw.size, "PAX"));
        if (raw.flag === "g") global = new Map([...global, ...records]);
        else pax = records;
        continue;
      }
      if (raw.flag === "L") {
        longName = (await readMeta(raw.size, "long name")).toString("utf8").replace(/\0+$/, "");
        continue;
      }
      if (raw.flag === "K") {
        longLink = (await readMeta(raw.size, "long link")).toString("utf8").replace(/\0+$/, "");
        continue;
      }

      const ext = pax ? new Map([...global, ...pax]) : global;
      const str = (k: string): string | undefined => ext.get(k)?.toString("utf8");
      const num = (k: string): number | undefined => {
        const v = str(k);
        return v === undefined ? undefined : Number(v);
      };
      const type = typeForFlag(raw.flag);
      if (!type) {
        throw new InputError(`${what}: unsupported tar entry type ${JSON.stringify(raw.flag)} for ${raw.name}`);
      }
      const rawPath = str("path") ?? longName ?? raw.name;
      const xattrs: Record<string, Buffer> = {};
      for (const [k, v] of ext) {
        if (k.startsWith("SCHILY.xattr.")) xattrs[k.slice("SCHILY.xattr.".length)] = v;
        else if (k.startsWith("LIBARCHIVE.xattr.")) {
          xattrs[decodeURIComponent(k.slice("LIBARCHIVE.xattr.".length))] = Buffer.from(v.toString("latin1"), "base64");
        }
      }
      const size = num("size") ?? raw.size;
      const { path, unsafe } = normalisePath(rawPath);
      const header: TarHeader = {
        path,
        type,
        mode: raw.mode & 0o7777,
        uid: num("uid") ?? raw.uid,
        gid: num("gid") ?? raw.gid,
        uname: str("uname") ?? raw.uname,
        gname: str("gname") ?? raw.gname,
        size: type === "file" ? size : 0,
        mtime: num("mtime") ?? raw.mtime,
        linkname: str("linkpath") ?? longLink ?? raw.linkname,
        devmajor: raw.devmajor,
        devminor: raw.devminor,
        xattrs,
      };
      pax = undefined;
      longName = undefined;
      longLink = undefined;

      // Content follows any entry with a size (hardlinks normally carry none).
      const contentSize = size;
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
      if (path !== "") yield { header, rawPath, unsafe, body, head };
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
